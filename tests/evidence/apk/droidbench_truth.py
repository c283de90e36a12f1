"""DroidBench 3.0 ground truth, turned into expected PI-reading APIs from our catalogue.

Shared by ``tests/evidence/apk/test_droidbench.py`` and ``benchmarks/droidbench_recall.py``
(which puts this directory on ``sys.path``); it imports nothing from privaudit except through
the ``uses`` it is handed, so both can use it the same way.

The ground truth (``ground_truth_droidbench3.json``) names sources only in prose. Each APK is
one case. Its text is the JSON entry's ``description``, ``dataflow`` and ``challenges``; when
that names no source we cover, the DroidBench README's bullet for the same app is read instead
(the JSON has no entry for 12 APKs, and many MIT cases say only "source -> sink" in the JSON
while the README says "IMEI is obtained …"). The JSON wins where both name a source: the README
is wrong at least once (Loop2: README says location, JSON and APK say IMEI).

``SOURCE_GROUPS`` is the mapping table: keywords in the text -> the catalogue ids that count as
finding that source. A case is *evaluated* when its text names at least one group; otherwise it
is *excluded* with the reason from ``EXCLUSION_REASONS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# -- mapping table -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceGroup:
    key: str
    label: str
    patterns: tuple[str, ...]  # regexes, case-insensitive, matched against the case text
    api_ids: tuple[str, ...]  # catalogue ids (privaudit/catalog/sensitive_apis.json)
    pi_types: tuple[str, ...]  # PI types the text implies (for "extra detections")


LOCATION_APIS = (
    "locationmanager.getLastKnownLocation", "locationmanager.requestLocationUpdates",
    "locationmanager.requestSingleUpdate", "locationmanager.getCurrentLocation",
    "location.getLatitude", "location.getLongitude",
    "gms.fusedlocationclient.getLastLocation", "gms.fusedlocationclient.requestLocationUpdates",
    "gms.fusedlocationclient.getCurrentLocation", "gms.fusedlocationapi.getLastLocation",
    "gms.fusedlocationapi.requestLocationUpdates", "hms.fusedlocationclient.getLastLocation",
    "hms.fusedlocationclient.requestLocationUpdates", "amap.locationclient.startLocation",
    "amap.locationclient.getLastKnownLocation", "baidu.locationclient.start", "baidu.locationclient.requestLocation",
    "tencent.locationmanager.requestLocationUpdates", "tencent.locationmanager.requestSingleFreshLocation",
)

SOURCE_GROUPS: tuple[SourceGroup, ...] = (
    SourceGroup("imei", "IMEI / device ID",
                # IEMI: the README's typo for ActivityCommunication3
                (r"\bIMEI\b", r"\bIEMI\b", r"device[ _-]?id", r"getDeviceId"),
                ("telephony.getDeviceId", "telephony.getImei", "telephony.getMeid"), ("imei",)),
    SourceGroup("imsi", "subscriber ID (IMSI)",
                (r"subscriber[ _-]?id", r"getSubscriberId", r"\bIMSI\b"),
                ("telephony.getSubscriberId",), ("imsi",)),
    SourceGroup("iccid", "SIM serial number (ICCID)",
                (r"SIM serial", r"getSimSerialNumber", r"\bICCID\b"),
                ("telephony.getSimSerialNumber", "subscriptioninfo.getIccId",
                 "subscription.getActiveSubscriptionInfoList"),
                ("iccid",)),
    SourceGroup("phone_number", "own phone number",
                (r"phone number", r"Line1Number"),
                ("telephony.getLine1Number", "subscriptioninfo.getNumber",
                 "subscription.getActiveSubscriptionInfoList"),
                ("phone_number",)),
    SourceGroup("voicemail", "voicemail number",
                (r"voice ?mail",),
                ("telephony.getVoiceMailNumber",), ("phone_number",)),
    SourceGroup("location", "location",
                (r"\blocation\b", r"latitude", r"longt?itude", r"onLocationChanged", r"getLastKnownLocation",
                 r"\bGPS\b"),
                LOCATION_APIS, ("precise_location", "coarse_location")),
    SourceGroup("contacts", "contacts",
                (r"\bcontacts\b",),
                ("contacts.Contacts.CONTENT_URI", "contacts.Phone.CONTENT_URI", "contacts.Email.CONTENT_URI",
                 "contacts.Data.CONTENT_URI", "contacts.RawContacts.CONTENT_URI", "contacts.Profile.CONTENT_URI",
                 "contentresolver.query.contacts", "contentresolver.query.com_android_contacts"),
                ("contacts",)),
    SourceGroup("call_log", "call log",
                (r"call ?logs?\b",),
                ("calllog.Calls.CONTENT_URI", "contentresolver.query.call_log"), ("call_log",)),
    SourceGroup("accounts", "accounts",
                (r"getAccounts", r"\b(?:user|device|google|e-?mail) accounts?\b"),  # not "take into accounts"
                ("accountmanager.getAccounts", "accountmanager.getAccountsByType"), ("accounts",)),
    SourceGroup("mac", "MAC address",
                (r"\bMAC\b",),
                ("wifiinfo.getMacAddress", "networkinterface.getHardwareAddress", "bluetoothadapter.getAddress"),
                ("mac_address",)),
    SourceGroup("ip", "IP address",
                (r"\bIP address",),
                ("wifiinfo.getIpAddress", "networkinterface.getInetAddresses"), ("ip_address",)),
    SourceGroup("android_id", "Android ID",
                (r"android[ _]?id\b",),
                ("settings_secure.getString.android_id", "settings_system.getString.android_id"), ("android_id",)),
)
GROUPS = {g.key: g for g in SOURCE_GROUPS}

# Why a case names no source we can look for (first match wins; the last one always matches).
EXCLUSION_REASONS: tuple[tuple[str, str], ...] = (
    (r"password", "password field: user input read with EditText.getText(), a UI value, not a PI-reading API"),
    (r"onActivityResult|data received through an intent",
     "source is data arriving in an Intent (inter-component communication), not a PI-reading API"),
    (r"untainted value is written|echoes it back|no source or sink",
     "the case has no sensitive source at all"),
    (r"", "text says only 'source' / 'sensitive data' / 'tainted value' / 'secret' and names no API or data"),
)

# Text says the source itself runs outside classes.dex (expected misses for a DEX scan).
OUTSIDE_DEX: tuple[tuple[str, str], ...] = (
    (r"source in native code|obtains the \w+ in native code", "native code (.so)"),
    (r"dynamically loaded code to create (a source|both source)|read by code in a dynamically loaded",
     "dynamically loaded code"),
    (r"self-modified code to create a source|source and sink are created by self-modified",
     "self-modifying code"),
)

# README bullet names that differ from the APK / project name.
README_ALIASES = {
    "ServiceEventSequence1": "ServiceEventLifecycle1",
    "ServiceEventSequence2": "ServiceEventLifecycle2",
    "ServiceEventSequence3": "ServiceEventLifecycle3",
    "UnreachableBoth": "UnreachableBoth1",
}

# Code outside the app: a hit must be called from app code, not from these.
NON_APP_PREFIXES = ("android.", "androidx.", "java.", "javax.", "dalvik.", "kotlin.", "com.android.",
                    "com.google.android.")

# Evaluated cases whose named source is NOT a direct Java call in app code, with the reason.
# Every other evaluated case is a must-hit in the test (its API found, with its calling class).
KNOWN_NOT_DIRECT: dict[str, str] = {
    "apk/Native/SourceInNativeCode.apk":
        "IMEI read in native code: libndkmod.so calls TelephonyManager.getDeviceId through JNI",
    "apk/Native/JavaIDFunction.apk":
        "text says the IMEI is read in Java, but this APK's classes.dex never refers to TelephonyManager; "
        "its native libraries call getDeviceId through JNI",
    "apk/Reflection_ICC/AllReflection.apk": "getDeviceId invoked through reflection ('getDeviceId' only as a string)",
    "apk/Reflection_ICC/OnlyIntentReceive.apk":
        "getDeviceId invoked through reflection ('getDeviceId' only as a string)",
    "apk/Reflection_ICC/OnlyTelephony.apk": "getDeviceId invoked through reflection ('getDeviceId' only as a string)",
    "apk/Reflection_ICC/OnlyTelephony_Dynamic.apk":
        "getDeviceId invoked through reflection ('getDeviceId' only as a string)",
    "apk/Reflection_ICC/OnlyTelephony_Reverse.apk":
        "getDeviceId invoked through reflection; the name is stored reversed ('dIeciveDteg')",
    "apk/Reflection_ICC/OnlyTelephony_Substring.apk":
        "getDeviceId invoked through reflection; the name is cut out of 'pregetDeviceIdpost'",
    "apk/Callbacks/MethodOverride1.apk":
        "ground-truth text says location, but the APK reads the IMEI (getDeviceId in attachBaseContext) and "
        "calls no location API",
    "apk/Callbacks/Unregister1.apk":
        "ground-truth text says location (onLocationChanged), but the APK reads the IMEI (getDeviceId in "
        "MainActivity$1.onClick) and calls no location API",
}


# -- cases ---------------------------------------------------------------------------------


@dataclass
class Case:
    apk: str  # relative to the droidbench directory, e.g. "apk/Aliasing/FlowSensitivity1.apk"
    name: str
    category: str  # directory under apk/
    project: str | None  # JSON project, None when only the README describes the app
    json_text: str
    readme_text: str
    text_from: str  # "json", "readme" or "none": which text named the sources
    groups: tuple[str, ...]
    expected_classes: tuple[str, ...]  # from source_files[].file
    leaks: int | None
    excluded: str | None = None
    outside_dex: str | None = None
    expected_apis: frozenset[str] = field(default_factory=frozenset)
    implied_pi_types: frozenset[str] = field(default_factory=frozenset)

    @property
    def evaluated(self) -> bool:
        return self.excluded is None


def named_groups(text: str) -> tuple[str, ...]:
    return tuple(g.key for g in SOURCE_GROUPS if any(re.search(p, text, re.I) for p in g.patterns))


def readme_bullets(readme: str) -> dict[str, str]:
    """``* **Name**: text`` bullets (continuation lines included), by lower-cased name; repeats joined."""
    out: dict[str, list[str]] = {}
    cur: list[str] | None = None
    for line in readme.splitlines():
        m = re.match(r"\s*\*\s+\*\*([^*]+)\*\*:?\s*(.*)", line)
        if m:
            cur = out.setdefault(m.group(1).strip().lower(), [])
            cur.append(m.group(2))
        elif cur is not None and line.strip() and not line.startswith(("#", "-", "=")) \
                and not line.strip().startswith("**"):
            cur.append(line.strip().lstrip("* "))
        else:
            cur = None
    return {k: re.sub(r"<[^>]+>", "", " ".join(v)).strip() for k, v in out.items()}


def _class_of(file: str) -> str | None:
    m = re.search(r"/src/(.+)\.java$", file)
    return m.group(1).replace("/", ".") if m else None


def _json_text(entries: Iterable[dict[str, Any]]) -> str:
    parts = []
    for s in entries:
        for k in ("description", "dataflow", "challenges"):
            v = s.get(k)
            if v and v not in ("-", "None"):
                parts.append(str(v))
    return " | ".join(parts)


def load_cases(root: Path) -> list[Case]:
    """One case per APK under ``root/apk`` (190 in DroidBench 3.0)."""
    gt = json.loads((root / "ground_truth_droidbench3.json").read_text(encoding="utf-8"))
    bullets = readme_bullets((root / "README.md").read_text(encoding="utf-8"))
    apks = sorted(p.relative_to(root).as_posix() for p in (root / "apk").rglob("*.apk"))
    by_apk: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    for tc in gt["testcases"]:
        cat = tc["project"].split("/")[0]
        if tc["apk"]:
            mine = [a for a in tc["apk"] if a.split("/")[1] == cat] or tc["apk"]
            for a in mine:
                by_apk[a] = (tc, tc["source_files"])
        else:  # one project, several apps: match each source file to its APK by app directory name
            for s in tc["source_files"]:
                app = s["file"].split("/src/")[0].rsplit("/", 1)[-1].lower()
                for a in apks:
                    if a.startswith(f"apk/{cat}/") and a.rsplit("/", 1)[-1][:-4].lower() == app:
                        by_apk[a] = (tc, [s])
    cases = []
    for a in apks:
        name = a.rsplit("/", 1)[-1][:-4]
        tc, files = by_apk.get(a, (None, []))
        readme = bullets.get(README_ALIASES.get(name, name).lower(), "")
        jtext = _json_text(files)
        groups, text_from = named_groups(jtext), "json"
        if not groups:
            groups, text_from = named_groups(readme), "readme"
        if not groups:
            text_from = "none"
        classes = tuple(c for c in (_class_of(s.get("file", "")) for s in files) if c)
        leaks = None
        if files:
            try:
                leaks = sum(int(str(s.get("number_of_leaks", "0")).split()[0]) for s in files)
            except ValueError:
                leaks = None
        case = Case(apk=a, name=name, category=a.split("/")[1], project=tc["project"] if tc else None,
                    json_text=jtext, readme_text=readme, text_from=text_from, groups=groups,
                    expected_classes=classes, leaks=leaks)
        both = jtext + " " + readme
        for pat, why in OUTSIDE_DEX:
            if re.search(pat, both, re.I):
                case.outside_dex = why
                break
        if groups:
            case.expected_apis = frozenset(i for g in groups for i in GROUPS[g].api_ids)
            case.implied_pi_types = frozenset(t for g in groups for t in GROUPS[g].pi_types)
        else:
            case.excluded = next(why for pat, why in EXCLUSION_REASONS if re.search(pat, both, re.I))
        cases.append(case)
    return cases


# -- judging collect() output --------------------------------------------------------------


def is_app_code(use: Any) -> bool:
    c = use.caller_class
    return not use.reflective and c not in ("", "?") and not c.startswith(NON_APP_PREFIXES) \
        and use.owner_kind != "sdk"


def class_match(caller: str, expected: Iterable[str], app_package: str | None = None) -> str | None:
    """"exact" (the file's class or one of its inner classes), "package" (another class of its
    package), or None. Without a file class (README-only cases) the manifest package decides."""
    expected = tuple(expected)
    for e in expected:
        if caller == e or caller.startswith(e + "$"):
            return "exact"
    for e in expected:
        pkg = e.rsplit(".", 1)[0]
        if caller.startswith(pkg + "."):
            return "package"
    if not expected and app_package and caller.startswith(app_package + "."):
        return "package"
    return None


@dataclass
class Outcome:
    case: Case
    direct: list[Any]  # expected API, direct call from app code
    reflective: list[Any]  # expected API, name only as a string
    right_class: str | None  # best class_match over direct hits
    groups_found: tuple[str, ...]
    extra: list[Any]  # uses whose PI types the text does not imply (evaluated cases only)
    reflective_class: str | None = None  # best class_match over reflective hits (the method loading the name)

    @property
    def hit(self) -> bool:
        return bool(self.direct)

    @property
    def hit_any(self) -> bool:
        return bool(self.direct or self.reflective)


def judge(case: Case, uses: Iterable[Any], app_package: str | None = None) -> Outcome:
    uses = list(uses)
    direct = [u for u in uses if u.api_id in case.expected_apis and is_app_code(u)]
    refl = [u for u in uses if u.api_id in case.expected_apis and u.reflective]
    matches = [class_match(u.caller_class, case.expected_classes, app_package) for u in direct]
    right = "exact" if "exact" in matches else "package" if "package" in matches else None
    found = tuple(g for g in case.groups if any(u.api_id in GROUPS[g].api_ids for u in direct))
    extra = [u for u in uses if not set(u.pi_types) & case.implied_pi_types] if case.evaluated else []
    refl_matches = [class_match(u.caller_class, case.expected_classes, app_package) for u in refl]
    refl_right = "exact" if "exact" in refl_matches else "package" if "package" in refl_matches else None
    return Outcome(case, direct, refl, right, found, extra, refl_right)


def must_hit(cases: Iterable[Case]) -> list[Case]:
    """Evaluated cases whose source is a direct Java call in app code (all but KNOWN_NOT_DIRECT)."""
    return [c for c in cases if c.evaluated and c.apk not in KNOWN_NOT_DIRECT]
