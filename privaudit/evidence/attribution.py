"""Who owns a piece of code or a host: the app, a catalogued SDK, or another library.

The one matcher every evidence source uses (static call sites, runtime stack frames,
network hosts), built from ``catalog/sdks.json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from privaudit import catalog

APP = "app"

# Code under these prefixes is platform or build tooling, never an SDK with its own purposes.
PLATFORM_PREFIXES = ("android.", "androidx.", "java.", "javax.", "kotlin.", "kotlinx.", "dalvik.",
                     "com.android.", "com.google.android.material.", "org.intellij.", "org.jetbrains.")


@dataclass(slots=True, eq=False)
class Owner:
    """``kind`` is app, sdk, library or platform; ``sdk`` is the catalogue entry for an SDK."""

    kind: str
    name: str
    sdk: dict[str, Any] | None = None

    @property
    def sdk_id(self) -> str | None:
        return self.sdk["id"] if self.sdk else None


@dataclass(slots=True, eq=False)
class SdkIndex:
    by_package: dict[str, dict[str, Any]]
    by_domain: dict[str, dict[str, Any]]
    by_manifest_key: dict[str, dict[str, Any]]

    def sdk_for_class(self, class_name: str) -> tuple[dict[str, Any], str] | None:
        """The SDK whose longest package prefix covers ``class_name`` (dot form), and that prefix."""
        parts = class_name.split(".")
        best = None
        prefix = parts[0]
        for part in parts[1:]:
            prefix = f"{prefix}.{part}"
            hit = self.by_package.get(prefix)
            if hit is not None:
                best = (hit, prefix)
        return best

    def sdk_for_host(self, host: str) -> dict[str, Any] | None:
        labels = host.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            hit = self.by_domain.get(".".join(labels[i:]))
            if hit is not None:
                return hit
        return None


@cache
def sdk_index() -> SdkIndex:
    by_package: dict[str, dict[str, Any]] = {}
    by_domain: dict[str, dict[str, Any]] = {}
    by_key: dict[str, dict[str, Any]] = {}
    for sdk in catalog.sdks():
        for p in sdk.get("packages", []):
            by_package.setdefault(p.rstrip("."), sdk)
        for d in sdk.get("domains", []):
            by_domain.setdefault(d.lower().lstrip("*."), sdk)
        for k in sdk.get("manifest_keys", []) or []:
            by_key.setdefault(k, sdk)
    return SdkIndex(by_package, by_domain, by_key)


def class_owner(class_name: str, app_packages: tuple[str, ...]) -> Owner:
    """Owner of a class given in dot form (``com.umeng.x.Y``) or as a descriptor (``Lcom/umeng/x/Y;``)."""
    name = descriptor_to_class(class_name) if class_name.startswith("L") and class_name.endswith(";") \
        else class_name
    hit = sdk_index().sdk_for_class(name)
    if hit is not None:
        return Owner("sdk", hit[0]["name"], hit[0])
    for pkg in app_packages:
        if pkg and (name == pkg or name.startswith(pkg + ".")):
            return Owner(APP, pkg)
    if name.startswith(PLATFORM_PREFIXES):
        return Owner("platform", package_of(name))
    return Owner("library", package_of(name))


def descriptor_to_class(descriptor: str) -> str:
    return descriptor[1:-1].replace("/", ".")


def package_of(class_name: str, depth: int = 3) -> str:
    parts = class_name.split(".")[:-1]
    return ".".join(parts[:depth]) if parts else class_name
