"""The parts of AndroidManifest.xml an audit needs, read from binary XML (see :mod:`.axml`).

Placement follows the platform's package parser: ``<uses-permission*>``, ``<permission>``,
``<uses-sdk>`` and ``<application>`` count only as direct children of ``<manifest>``; components
only as direct children of the first ``<application>``. Values are kept as the app declares them:
``exported`` is ``None`` when absent (the default depends on intent filters and the target SDK and
is the caller's business), booleans given as resource references are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from privaudit.errors import MalformedInput

from .axml import Document, Element, parse_document

__all__ = ["COMPONENT_KINDS", "Component", "Manifest", "PermissionDecl", "manifest_from_document", "parse_manifest"]

COMPONENT_KINDS = ("activity", "activity-alias", "service", "receiver", "provider")
_PERMISSION_TAGS = {"uses-permission": False, "uses-permission-sdk-23": True, "uses-permission-sdk-m": True}
_MAIN = "android.intent.action.MAIN"
_LAUNCHER = "android.intent.category.LAUNCHER"


@dataclass(slots=True)
class PermissionDecl:
    name: str
    max_sdk: int | None
    sdk23_only: bool
    offset: int  # byte offset of the element's start chunk in the AXML (provenance)


@dataclass(slots=True)
class Component:
    kind: str  # activity | activity-alias | service | receiver | provider
    name: str
    exported: bool | None
    has_intent_filter: bool
    permission: str | None
    offset: int
    actions: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Manifest:
    package: str | None
    version_code: str | None
    version_name: str | None
    min_sdk: int | None
    target_sdk: int | None
    permissions: list[PermissionDecl]
    declared_permissions: list[str]
    application_class: str | None
    application_label: str | None
    debuggable: bool | None
    allow_backup: bool | None
    uses_cleartext_traffic: bool | None
    network_security_config: str | None
    components: list[Component]
    meta_data: dict[str, str]
    launcher_activities: list[str]
    # What was odd about the binary XML (tampering, packer tricks); empty for a clean file.
    anomalies: list[str] = field(default_factory=list)


def _bool(value: str | None) -> bool | None:
    if value == "true":
        return True
    if value == "false":
        return False
    return None


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip(), 0) if value.strip().lower().startswith("0x") else int(value)
    except ValueError:
        return None


def _text(value: str | None) -> str | None:
    return value if value else None


def class_name(package: str | None, name: str | None) -> str | None:
    """Fully-qualified class name as the platform builds it: ``.X`` and bare ``X`` get the package."""
    if not name:
        return None
    if not package:
        return name
    if name.startswith("."):
        return package + name
    if "." not in name:
        return f"{package}.{name}"
    return name


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def parse_manifest(data: bytes, entry: str = "AndroidManifest.xml") -> Manifest:
    """Parse a binary AndroidManifest.xml; :class:`MalformedInput` (naming ``entry``) when it cannot be."""
    try:
        doc = parse_document(data)
    except MalformedInput as exc:
        raise MalformedInput(str(exc), path=entry) from None
    return manifest_from_document(doc, entry)


def manifest_from_document(doc: Document, entry: str = "AndroidManifest.xml") -> Manifest:
    """The manifest model of an element tree, whether it came from binary XML or a bundle's protobuf."""
    root = doc.root
    if root.tag != "manifest":
        raise MalformedInput(f"binary manifest: no <manifest> root (root element is <{root.tag[:40]}>)", path=entry)

    package = _text(root.get("package"))
    anomalies = list(doc.anomalies)

    min_sdk = target_sdk = None
    perms: dict[str, PermissionDecl] = {}
    declared: list[str] = []
    application: Element | None = None
    meta: dict[str, str] = {}
    manifest_meta: list[Element] = []

    for child in root.children:
        tag = child.tag
        if tag in _PERMISSION_TAGS:
            name = child.get("name")
            if not name:
                continue
            sdk23 = _PERMISSION_TAGS[tag]
            max_sdk = _int(child.get("maxSdkVersion"))
            old = perms.get(name)
            if old is None:
                perms[name] = PermissionDecl(name, max_sdk, sdk23, child.offset)
            else:
                # Union of the requests: unbounded if any is, requested below 23 if any is.
                if old.max_sdk is not None:
                    old.max_sdk = None if max_sdk is None else max(old.max_sdk, max_sdk)
                old.sdk23_only = old.sdk23_only and sdk23
        elif tag == "permission":
            name = child.get("name")
            if name and name not in declared:
                declared.append(name)
        elif tag == "uses-sdk":
            # The platform lets a later <uses-sdk> override an earlier one, attribute by attribute.
            v = _int(child.get("minSdkVersion"))
            if v is not None:
                min_sdk = v
            v = _int(child.get("targetSdkVersion"))
            if v is not None:
                target_sdk = v
        elif tag == "application":
            if application is None:
                application = child
            else:
                anomalies.append(f"extra <application> at offset {child.offset} ignored")
        elif tag == "meta-data":
            manifest_meta.append(child)

    components: list[Component] = []
    launchers: list[str] = []
    app_attrs: dict[str, str] = application.attrs if application is not None else {}
    component_meta: list[Element] = []
    if application is not None:
        for child in application.children:
            tag = child.tag
            if tag == "meta-data":
                _meta(child, meta)
                continue
            if tag not in COMPONENT_KINDS:
                continue
            name = class_name(package, child.get("name"))
            if name is None:
                continue
            actions: list[str] = []
            categories: list[str] = []
            has_filter = False
            launcher = False
            for sub in child.children:
                if sub.tag == "intent-filter":
                    has_filter = True
                    f_actions = [a.get("name") or "" for a in sub.children if a.tag == "action"]
                    f_categories = [c.get("name") or "" for c in sub.children if c.tag == "category"]
                    actions.extend(a for a in f_actions if a)
                    categories.extend(c for c in f_categories if c)
                    if _MAIN in f_actions and _LAUNCHER in f_categories:
                        launcher = True
                elif sub.tag == "meta-data":
                    component_meta.append(sub)
            components.append(
                Component(
                    kind=tag,
                    name=name,
                    exported=_bool(child.get("exported")),
                    has_intent_filter=has_filter,
                    permission=_text(child.get("permission")),
                    offset=child.offset,
                    actions=_dedupe(actions),
                    categories=_dedupe(categories),
                )
            )
            if launcher and tag in ("activity", "activity-alias") and name not in launchers:
                launchers.append(name)
    # Application-level meta-data wins over component-level, which wins over misplaced manifest-level.
    for el in component_meta:
        _meta(el, meta)
    for el in manifest_meta:
        _meta(el, meta)

    return Manifest(
        package=package,
        version_code=_text(root.get("versionCode")),
        version_name=_text(root.get("versionName")),
        min_sdk=min_sdk,
        target_sdk=target_sdk,
        permissions=list(perms.values()),
        declared_permissions=declared,
        application_class=class_name(package, app_attrs.get("name")),
        application_label=_text(app_attrs.get("label")),
        debuggable=_bool(app_attrs.get("debuggable")),
        allow_backup=_bool(app_attrs.get("allowBackup")),
        uses_cleartext_traffic=_bool(app_attrs.get("usesCleartextTraffic")),
        network_security_config=_text(app_attrs.get("networkSecurityConfig")),
        components=components,
        meta_data=meta,
        launcher_activities=launchers,
        anomalies=anomalies,
    )


def _meta(el: Element, into: dict[str, str]) -> None:
    name = el.get("name")
    if not name or name in into:
        return
    value = el.get("value")
    if value is None:
        value = el.get("resource")
    into[name] = value if value is not None else ""
