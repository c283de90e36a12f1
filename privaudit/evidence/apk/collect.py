"""Collect static evidence from an app file: APK, split set (.apks/.xapk) or bundle (.aab).

Reads only what decisions need: the manifest, each DEX's tables and the few method bodies
that call a catalogued API, the resource string pool, and small text assets whose names
suggest a privacy policy. Nothing is extracted to disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from privaudit import catalog
from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.apk.dex import Dex
from privaudit.evidence.apk.facts import (
    ApiUse,
    DeclaredPermission,
    PackerMatch,
    PolicyRef,
    SdkPresence,
    StaticEvidence,
    UrlRef,
)
from privaudit.evidence.apk.zipread import ZipArchive
from privaudit.evidence.attribution import PLATFORM_PREFIXES, class_owner, descriptor_to_class, sdk_index
from privaudit.model import AppIdentity, Provenance

MAX_SPLIT_SIZE = 1024 * 1024 * 1024
MAX_POLICY_ASSET = 2 * 1024 * 1024
URL_RE = re.compile(rb"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]{4,2000}")
POLICY_WORDS = re.compile(r"privacy|policy|yinsi|yszc|隐私|个人信息保护|agreement|protocol", re.I)
POLICY_FILE_RE = re.compile(r"(privacy|policy|yinsi|yszc|隐私|agreement|protocol|license_user)", re.I)
POLICY_TEXT_MARKERS = ("隐私政策", "隐私保护指引", "个人信息保护政策", "隐私权政策", "Privacy Policy", "privacy policy")
DIALOG_MARKERS = re.compile(r"(《[^》]{0,20}(隐私|个人信息)[^》]{0,20}》|隐私政策|隐私保护指引).{0,200}(同意|agree)"
                            r"|(同意|agree).{0,200}(《[^》]{0,20}(隐私|个人信息)[^》]{0,20}》|隐私政策)", re.S | re.I)


@dataclass(slots=True)
class _Module:
    """One installable unit: the base APK, a split, or a bundle module."""

    name: str  # "" for a plain APK, else the split/module name
    archive: ZipArchive
    manifest_entry: str | None
    prefix: str  # member-name prefix inside the archive ("base/" in a bundle)
    arsc: bytes | None = None  # resources.arsc, inflated once when first needed

    def resources(self) -> bytes:
        if self.arsc is None:
            self.arsc = self.archive.read("resources.arsc", 256 * 1024 * 1024)
        return self.arsc


def collect(path: str) -> StaticEvidence:
    """Static evidence for the app at ``path``. Raises InputError with a one-line message."""
    t0 = time.perf_counter()
    outer = ZipArchive.open(path)
    sha256, size = _file_digest(path)
    form, modules = _modules(outer, path)
    timings: dict[str, float] = {"open": time.perf_counter() - t0}

    t = time.perf_counter()
    base = modules[0]
    manifest = _read_manifest(base)
    timings["manifest"] = time.perf_counter() - t

    identity = AppIdentity(
        package=manifest.package, version_name=manifest.version_name, version_code=manifest.version_code,
        min_sdk=manifest.min_sdk, target_sdk=manifest.target_sdk, sha256=sha256, size=size,
        label=_label(base, manifest.application_label),
    )
    ev = StaticEvidence(path=path, form=form, identity=identity)
    ev.application_class = manifest.application_class
    ev.launcher_activities = list(manifest.launcher_activities)
    ev.meta_data = dict(manifest.meta_data)
    ev.components = [
        {"kind": c.kind, "name": c.name, "exported": c.exported, "has_intent_filter": c.has_intent_filter,
         "permission": c.permission}
        for c in manifest.components
    ]
    seen: set[str] = set()
    for m in modules:
        mf = manifest if m is base else _read_manifest(m, required=False)
        if mf is None:
            continue
        for p in mf.permissions:
            if p.name not in seen:
                seen.add(p.name)
                ev.permissions.append(DeclaredPermission(
                    p.name, p.max_sdk, p.sdk23_only,
                    Provenance("apk", path, _entry(m, m.manifest_entry), p.offset, f"<uses-permission {p.name}>")))

    t = time.perf_counter()
    _signing(ev, base)
    timings["signing"] = time.perf_counter() - t

    t = time.perf_counter()
    app_packages = _app_packages(manifest)
    class_names: list[tuple[str, str]] = []  # (class in dot form, dex entry)
    dexes: list[Dex] = []
    for m in modules:
        for entry in _dex_entries(m):
            ev.dex_entries.append(_entry(m, entry))
            dex = Dex(m.archive.read(entry), _entry(m, entry))
            dexes.append(dex)
            _scan_dex(ev, dex, _entry(m, entry), app_packages, class_names)
    ev.class_count = len(class_names)
    timings["dex"] = time.perf_counter() - t
    t = time.perf_counter()
    _mark_startup_reads(ev, dexes)
    timings["startup_calls"] = time.perf_counter() - t

    t = time.perf_counter()
    _native(ev, modules)
    ev.sdks = _sdk_presence(ev, class_names)
    ev.packers = _packers(ev, modules, class_names)
    _resources(ev, modules)
    timings["resources"] = time.perf_counter() - t
    if outer.duplicates:
        ev.notes.append(f"duplicate zip entries (first one read, as Android does): {', '.join(outer.duplicates[:5])}")
    if outer.prefix_bytes:
        ev.notes.append(f"{outer.prefix_bytes} bytes precede the zip archive")
    ev.timings = {k: round(v, 4) for k, v in timings.items()}
    return ev


# -- packaging -----------------------------------------------------------------------------


def _modules(outer: ZipArchive, path: str) -> tuple[str, list[_Module]]:
    names = outer.members
    if "AndroidManifest.xml" in names:
        return "apk", [_Module("", outer, "AndroidManifest.xml", "")]
    if "base/manifest/AndroidManifest.xml" in names:
        mods = [_Module("base", outer, "base/manifest/AndroidManifest.xml", "base/")]
        for n in names:
            parts = n.split("/")
            if len(parts) == 3 and parts[1:] == ["manifest", "AndroidManifest.xml"] and parts[0] != "base":
                mods.append(_Module(parts[0], outer, n, parts[0] + "/"))
        return "bundle", mods
    apks = [n for n in names if n.lower().endswith(".apk") and not n.endswith("/")]
    if apks:
        order = _split_order(outer, apks)
        mods = []
        for n in order:
            inner = ZipArchive(outer.read(n, MAX_SPLIT_SIZE), f"{path}!{n}")
            if "AndroidManifest.xml" not in inner.members:
                raise MalformedInput(f"split {n!r} has no AndroidManifest.xml", path)
            mods.append(_Module(n, inner, "AndroidManifest.xml", ""))
        return "split_set", mods
    raise InputError("not an Android app: no AndroidManifest.xml, no split APKs, no bundle manifest", path)


def _split_order(outer: ZipArchive, apks: list[str]) -> list[str]:
    """Base APK first: the one the .xapk manifest names, else base.apk / base-master.apk."""
    base = None
    if "manifest.json" in outer.members:
        try:
            meta = json.loads(outer.read("manifest.json", 1024 * 1024))
            for s in meta.get("split_apks", []):
                if s.get("id") == "base" and s.get("file") in apks:
                    base = s["file"]
        except (ValueError, AttributeError, TypeError):
            pass
    if base is None:
        for cand in apks:
            if os.path.basename(cand) in ("base.apk", "base-master.apk"):
                base = cand
                break
    if base is None:
        base = min(apks, key=len)
    return [base] + sorted(a for a in apks if a != base)


def _entry(m: _Module, name: str | None) -> str:
    name = name or ""
    return f"{m.name}!{name}" if m.name and m.name.endswith(".apk") else name


def _read_manifest(m: _Module, required: bool = True):  # -> Manifest | None
    from privaudit.evidence.apk.manifest import parse_manifest

    if m.manifest_entry is None or m.manifest_entry not in m.archive.members:
        if required:
            raise MalformedInput("no AndroidManifest.xml", m.archive.label)
        return None
    data = m.archive.read(m.manifest_entry, 64 * 1024 * 1024)
    if m.prefix == "base/" or (m.prefix and m.manifest_entry.endswith("manifest/AndroidManifest.xml")):
        from privaudit.evidence.apk.protoxml import parse_proto_manifest

        return parse_proto_manifest(data, _entry(m, m.manifest_entry))
    return parse_manifest(data, _entry(m, m.manifest_entry))


def _label(m: _Module, label: str | None) -> str | None:
    """The app label, with a ``@0x7f…`` reference resolved through resources.arsc."""
    if not label or not label.startswith("@0x") or "resources.arsc" not in m.archive.members:
        return label
    from privaudit.evidence.apk.arsc import string_value

    try:
        return string_value(m.resources(), int(label[1:], 16)) or label
    except (ValueError, MalformedInput):
        return label


def _dex_entries(m: _Module) -> list[str]:
    """classes.dex, classes2.dex, … in the platform's load order."""
    prefix = m.prefix + ("dex/" if m.prefix else "")
    found = []
    for n in m.archive.members:
        if n.startswith(prefix) and n.endswith(".dex"):
            stem = n[len(prefix):-4]
            if stem == "classes" or (stem.startswith("classes") and stem[7:].isdigit()):
                found.append((int(stem[7:] or 1), n))
    return [n for _, n in sorted(found)]


def _app_packages(manifest: Any) -> tuple[str, ...]:
    """The app's own packages: the manifest package, and those of its Application class and launcher
    activities (code often lives outside the manifest package), unless an SDK owns them."""
    pkgs = [manifest.package or ""]
    classes = [manifest.application_class or ""] + list(manifest.launcher_activities)
    for cls in classes:
        if "." in cls and not sdk_index().sdk_for_class(cls) and not cls.startswith(PLATFORM_PREFIXES):
            pkgs.append(cls.rsplit(".", 1)[0])
    return tuple(dict.fromkeys(p for p in pkgs if p))


def _file_digest(path: str) -> tuple[str, int]:
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def _signing(ev: StaticEvidence, base: _Module) -> None:
    try:
        from privaudit.evidence.apk.signing import signing_certificates
    except ImportError:  # pragma: no cover - module is part of the package
        return
    certs, schemes = signing_certificates(base.archive)
    ev.identity.certificates = certs
    ev.identity.signature_schemes = schemes


# -- code ----------------------------------------------------------------------------------


def _api_targets() -> list[dict[str, Any]]:
    return catalog.sensitive_apis()


def _scan_dex(ev: StaticEvidence, dex: Dex, entry: str, app_packages: tuple[str, ...],
              class_names: list[tuple[str, str]]) -> None:
    class_names.extend((descriptor_to_class(c), entry) for c in dex.defined_classes())
    methods: dict[int, dict[str, Any]] = {}
    fields: dict[int, dict[str, Any]] = {}
    for api in _api_targets():
        finder = dex.find_methods if api["kind"] == "method" else dex.find_fields
        for idx in finder(api["class"], api["member"]):
            (methods if api["kind"] == "method" else fields)[idx] = api
    sites = dex.call_sites(methods, fields)
    direct: set[str] = set()
    for site in sites:
        api = (methods if site.target_kind == "method" else fields)[site.target]
        need = api.get("requires_string")
        if need and need not in site.strings:
            continue
        direct.add(api["id"])
        ev.api_uses.append(_api_use(api, ev.path, entry, site, app_packages))
    _reflective(ev, dex, entry, direct, app_packages)
    for off, raw in dex.strings_at(URL_RE):
        url = raw.decode("utf-8", "replace")
        ev.urls.append(UrlRef(url, _host(url), Provenance("apk", ev.path, entry, off, "string")))


def _reflective(ev: StaticEvidence, dex: Dex, entry: str, direct: set[str], app_packages: tuple[str, ...]) -> None:
    """API names present only as string constants: likely called through reflection.

    The method that loads the name is the caller; a name that is also a method the code refers to
    (another class's namesake) is not counted.
    """
    wanted: dict[int, dict[str, Any]] = {}
    for api in _api_targets():
        if api["id"] in direct or api["kind"] != "method" or api.get("requires_string") or len(api["member"]) < 8:
            continue
        sidx = dex.find_string(api["member"])
        if sidx < 0 or sidx > 0xFFFF:
            continue
        if dex.find_methods(api["class"], api["member"]) or dex.is_method_name(api["member"]):
            continue
        cls_name = descriptor_to_class(api["class"])
        if dex.find_string(cls_name) < 0 and dex.find_string(api["class"]) < 0 \
                and not _class_string_parts(dex, cls_name):
            continue
        wanted[sidx] = api
    if not wanted:
        return
    sites = dex.call_sites((), (), wanted)
    for site in sites:
        ev.api_uses.append(_api_use(wanted[site.target], ev.path, entry, site, app_packages, reflective=True))
    for sidx, api in wanted.items():
        if not any(s.target == sidx for s in sites):  # the name is there but no code loads it directly
            ev.api_uses.append(_api_use(api, ev.path, entry, None, app_packages, reflective=True))


def _api_use(api: dict[str, Any], path: str, entry: str, site: Any, app_packages: tuple[str, ...],
             reflective: bool = False) -> ApiUse:
    """An ApiUse for a catalogue API at a call site (or, reflective with no site, just its name string)."""
    name = f"{descriptor_to_class(api['class'])}.{api['member']}"
    common = dict(api_id=api["id"], api=name, pi_types=tuple(api["pi_types"]),
                  permissions=tuple(api.get("permissions", [])), reflective=reflective)
    if site is None:
        return ApiUse(**common, caller_class="?", caller_method="?", owner_kind="unknown", owner="unknown",
                      sdk_id=None, provenance=Provenance("apk", path, entry, None, f'string "{api["member"]}"'))
    caller = descriptor_to_class(site.caller_class)
    owner = class_owner(caller, app_packages)
    where = f'{caller}.{site.caller_method}' + (f' loads "{api["member"]}"' if reflective else "")
    return ApiUse(**common, caller_class=caller, caller_method=site.caller_method, owner_kind=owner.kind,
                  owner=owner.name, sdk_id=owner.sdk_id, provenance=Provenance("apk", path, entry, site.offset, where))


MAX_NATIVE_LIB = 16 * 1024 * 1024  # inflated bytes of one .so we search
MAX_NATIVE_TOTAL = 64 * 1024 * 1024  # and of all of them


def _native(ev: StaticEvidence, modules: list[_Module]) -> None:
    """JNI references in native libraries: a .so naming a catalogued class (slash form) and one of its
    methods reads PI from native code, where DEX analysis cannot see it. Reported as indirect
    (reflective) uses located in the library; only one ABI per library name is read."""
    apis = [a for a in _api_targets() if a["kind"] == "method" and not a.get("requires_string")]
    budget = MAX_NATIVE_TOTAL
    seen: set[str] = set()
    for m in modules:
        for name, info in m.archive.members.items():
            base = name.rsplit("/", 1)[-1]
            if not (name.startswith(m.prefix + "lib/") and base.endswith(".so")) or base in seen:
                continue
            if info.size > MAX_NATIVE_LIB or info.size > budget:
                ev.notes.append(f"native library {name} not searched for JNI calls (size {info.size})")
                continue
            seen.add(base)
            budget -= info.size
            data = m.archive.read(name, MAX_NATIVE_LIB)
            for api in apis:
                cls = api["class"][1:-1].encode()
                if cls not in data:
                    continue
                at = data.find(b"\x00" + api["member"].encode() + b"\x00")
                if at < 0:
                    continue
                entry = _entry(m, name)
                ev.api_uses.append(ApiUse(
                    api_id=api["id"], api=f"{descriptor_to_class(api['class'])}.{api['member']}",
                    pi_types=tuple(api["pi_types"]), permissions=tuple(api.get("permissions", [])),
                    caller_class=entry, caller_method="(JNI)", owner_kind="native", owner=base, sdk_id=None,
                    provenance=Provenance("apk", ev.path, entry, at + 1, f"JNI: {api['class'][1:-1]}.{api['member']}"),
                    reflective=True,
                ))


def _class_string_parts(dex: Dex, cls_name: str) -> bool:
    """The class name's simple name appears as a string (e.g. built from parts at run time)."""
    return dex.find_string(cls_name.rsplit(".", 1)[-1]) >= 0


def _host(url: str) -> str:
    rest = url.split("://", 1)[1]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.split(":")[0].lower()


# -- what runs at process start ------------------------------------------------------------

STARTUP_METHODS = ("onCreate(", "attachBaseContext(", "<init>(", "<clinit>(")
MAX_STARTUP_DEPTH = 4
MAX_STARTUP_METHODS = 2000


def _mark_startup_reads(ev: StaticEvidence, dexes: list[Dex]) -> None:
    """Mark PI reads reachable from code the platform runs when the process starts.

    The Application class and content providers are created before any activity, so before any
    consent dialog. A breadth-first walk over direct invokes (bounded depth and size; no
    virtual-dispatch resolution) finds the SDK initialisations they call.
    """
    if not ev.api_uses:
        return
    entries = [c for c in [ev.application_class] if c]
    entries += [c["name"] for c in ev.components if c["kind"] == "provider"]
    targets = {(u.caller_class, u.caller_method) for u in ev.api_uses if not u.reflective}
    paths: dict[tuple[str, str], tuple[str, ...]] = {}
    queue: list[tuple[str, str, tuple[str, ...]]] = []
    for cls in entries:
        desc = "L" + cls.replace(".", "/") + ";"
        for dex in dexes:
            for sig, _ in dex.methods_of(desc):
                if sig.startswith(STARTUP_METHODS):
                    queue.append((desc, sig, (f"{cls}.{sig.split('(')[0]}",)))
    seen: set[tuple[str, str]] = set()
    while queue and len(seen) < MAX_STARTUP_METHODS:
        desc, sig, path = queue.pop(0)
        if (desc, sig) in seen:
            continue
        seen.add((desc, sig))
        cls = descriptor_to_class(desc)
        if (cls, sig) in targets:
            paths.setdefault((cls, sig), path)
        if len(path) > MAX_STARTUP_DEPTH:
            continue
        for dex in dexes:
            bodies = [code for s, code in dex.methods_of(desc) if s == sig]
            for code in bodies:
                for callee_desc, callee_sig in dex.invoked(code):
                    if callee_desc.startswith(("Landroid/", "Ljava/", "Landroidx/", "Lkotlin/")):
                        continue
                    step = f"{descriptor_to_class(callee_desc)}.{callee_sig.split('(')[0]}"
                    queue.append((callee_desc, callee_sig, path + (step,)))
            if bodies:
                break
    for u in ev.api_uses:
        path = paths.get((u.caller_class, u.caller_method))
        if path:
            u.startup_path = path + (u.api,)


# -- SDKs and packers ----------------------------------------------------------------------


def _sdk_presence(ev: StaticEvidence, class_names: list[tuple[str, str]]) -> list[SdkPresence]:
    idx = sdk_index()
    hits: dict[str, dict[str, Any]] = {}
    pkg_cache: dict[str, tuple[dict[str, Any], str] | None] = {}
    for cls, entry in class_names:
        pkg = cls.rsplit(".", 1)[0] if "." in cls else cls
        if pkg not in pkg_cache:
            pkg_cache[pkg] = idx.sdk_for_class(cls)
        hit = pkg_cache[pkg]
        if hit is None:
            continue
        sdk, prefix = hit
        rec = hits.setdefault(sdk["id"], {"sdk": sdk, "prefixes": set(), "count": 0, "first": (cls, entry),
                                          "via": set()})
        rec["prefixes"].add(prefix)
        rec["count"] += 1
        rec["via"].add("code")
    for key in ev.meta_data:
        sdk = idx.by_manifest_key.get(key)
        if sdk is not None:
            rec = hits.setdefault(sdk["id"], {"sdk": sdk, "prefixes": set(), "count": 0,
                                              "first": (f"<meta-data {key}>", "AndroidManifest.xml"), "via": set()})
            rec["via"].add("manifest")
    out = []
    for sdk_id, rec in sorted(hits.items()):
        sdk = rec["sdk"]
        cls, entry = rec["first"]
        out.append(SdkPresence(
            sdk_id=sdk_id, name=sdk["name"], vendor=sdk.get("vendor", ""), kinds=tuple(sdk.get("kinds", [])),
            packages=tuple(sorted(rec["prefixes"])), class_count=rec["count"], via=tuple(sorted(rec["via"])),
            provenance=Provenance("apk", ev.path, entry, None, cls),
        ))
    return out


def _packers(ev: StaticEvidence, modules: list[_Module], class_names: list[tuple[str, str]]) -> list[PackerMatch]:
    classes = {c for c, _ in class_names}
    files: dict[str, str] = {}
    for m in modules:
        for n in m.archive.members:
            files.setdefault(n.rsplit("/", 1)[-1], _entry(m, n))
    app_cls = ev.application_class or ""
    out = []
    for p in catalog.packers():
        markers = []
        for c in p.get("classes", []):
            if c.endswith("."):
                hit = next((k for k in classes if k.startswith(c)), None)
                hit = hit or (app_cls if app_cls.startswith(c) else None)
                if hit:
                    markers.append(f"class {hit}")
            elif c in classes or c == app_cls:
                markers.append(f"class {c}")
        for lib in p.get("libs", []) + p.get("assets", []):
            base = lib.rsplit("/", 1)[-1]
            if base in files:
                markers.append(f"file {files[base]}")
        if markers:
            out.append(PackerMatch(p["id"], p["name"], tuple(dict.fromkeys(markers)),
                                   Provenance("apk", ev.path, markers[0].split(" ", 1)[1], None, None)))
    return out


# -- resources and policy references -------------------------------------------------------


def _resources(ev: StaticEvidence, modules: list[_Module]) -> None:
    for u in ev.urls:
        if POLICY_WORDS.search(u.url):
            ev.policy_refs.append(PolicyRef("url", u.url, u.provenance))
    for m in modules:
        arsc = m.prefix + "resources.pb" if m.prefix else "resources.arsc"
        if arsc in m.archive.members and arsc.endswith(".arsc"):
            _arsc_strings(ev, m, arsc)
        for name in m.archive.members:
            low = name.lower()
            if not (low.startswith(m.prefix + "assets/") or low.startswith(m.prefix + "res/raw/")):
                continue
            if not low.endswith((".html", ".htm", ".txt", ".md", ".xhtml")):
                continue
            if not POLICY_FILE_RE.search(name):
                continue
            info = m.archive.members[name]
            if info.size > MAX_POLICY_ASSET:
                continue
            raw = m.archive.read(name, MAX_POLICY_ASSET)
            text = raw.decode("utf-8", "replace")
            if any(k in text for k in POLICY_TEXT_MARKERS) or "个人信息" in text:
                ev.policy_refs.append(PolicyRef("bundled_document", _entry(m, name),
                                                Provenance("apk", ev.path, _entry(m, name), 0, None)))
                if ev.bundled_policy is None:
                    ev.bundled_policy = (_entry(m, name), raw)


def _arsc_strings(ev: StaticEvidence, m: _Module, entry: str) -> None:
    from privaudit.evidence.apk.arsc import resource_strings

    try:
        strings = resource_strings(m.resources())
    except MalformedInput as exc:
        ev.notes.append(f"resources.arsc unreadable: {exc}")
        return
    seen_urls = {u.url for u in ev.urls}
    for i, s in enumerate(strings):
        if "://" in s:
            for mm in URL_RE.finditer(s.encode("utf-8", "replace")):
                url = mm.group(0).decode("utf-8", "replace")
                if url not in seen_urls:
                    seen_urls.add(url)
                    prov = Provenance("apk", ev.path, _entry(m, entry), None, f"string #{i}")
                    ev.urls.append(UrlRef(url, _host(url), prov))
                    if POLICY_WORDS.search(url):
                        ev.policy_refs.append(PolicyRef("url", url, prov))
        if len(s) >= 20 and DIALOG_MARKERS.search(s):
            ev.policy_refs.append(PolicyRef("dialog_text", s[:300],
                                            Provenance("apk", ev.path, _entry(m, entry), None, f"string #{i}")))
