"""What static analysis establishes about an app: plain records, each with its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from privaudit.model import AppIdentity, Provenance


@dataclass(slots=True, eq=False)
class DeclaredPermission:
    name: str
    max_sdk: int | None
    sdk23_only: bool
    provenance: Provenance


@dataclass(slots=True, eq=False)
class ApiUse:
    """A call site (or field read) of a catalogued PI-reading API."""

    api_id: str
    api: str  # readable: android.telephony.TelephonyManager.getDeviceId
    pi_types: tuple[str, ...]
    permissions: tuple[str, ...]
    caller_class: str  # dot form
    caller_method: str
    owner_kind: str  # app | sdk | library | platform
    owner: str  # app package, SDK name, or library package
    sdk_id: str | None
    provenance: Provenance
    reflective: bool = False  # only the API's name appears as a string (reflection)
    startup_path: tuple[str, ...] = ()  # calls from a process-start entry point down to this call site


@dataclass(slots=True, eq=False)
class SdkPresence:
    sdk_id: str
    name: str
    vendor: str
    kinds: tuple[str, ...]
    packages: tuple[str, ...]  # prefixes that matched
    class_count: int
    via: tuple[str, ...]  # "code", "manifest"
    provenance: Provenance


@dataclass(slots=True, eq=False)
class UrlRef:
    url: str
    host: str
    provenance: Provenance


@dataclass(slots=True, eq=False)
class PolicyRef:
    """Something that points at a privacy policy: a bundled document, a URL, or consent-dialog text."""

    kind: str  # bundled_document | url | dialog_text
    value: str  # entry name, URL, or text excerpt
    provenance: Provenance


@dataclass(slots=True, eq=False)
class PackerMatch:
    packer_id: str
    name: str
    markers: tuple[str, ...]
    provenance: Provenance


@dataclass(slots=True)
class StaticEvidence:
    path: str
    form: str  # apk | split_set | bundle
    identity: AppIdentity
    permissions: list[DeclaredPermission] = field(default_factory=list)
    application_class: str | None = None
    launcher_activities: list[str] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    meta_data: dict[str, str] = field(default_factory=dict)
    api_uses: list[ApiUse] = field(default_factory=list)
    sdks: list[SdkPresence] = field(default_factory=list)
    urls: list[UrlRef] = field(default_factory=list)
    policy_refs: list[PolicyRef] = field(default_factory=list)
    packers: list[PackerMatch] = field(default_factory=list)
    dex_entries: list[str] = field(default_factory=list)
    class_count: int = 0
    bundled_policy: tuple[str, bytes] | None = None  # (entry, raw bytes) of the first bundled policy document
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def packed(self) -> bool:
        return bool(self.packers)

    def permission_names(self) -> set[str]:
        return {p.name for p in self.permissions}
