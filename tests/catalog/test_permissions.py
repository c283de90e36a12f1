"""permissions.json: Android permissions that give access to PI, cross-checked with AOSP and TC260."""

from __future__ import annotations

import csv
import json
from functools import cache
from typing import Any

import pytest
from conftest import shared

from privaudit import catalog

PROTECTIONS = {"dangerous", "special", "signature_privileged", "normal"}
AOSP_LEVELS = (29, 34, 36)

RUNTIME = """
    READ_CALENDAR WRITE_CALENDAR READ_CALL_LOG WRITE_CALL_LOG PROCESS_OUTGOING_CALLS CAMERA READ_CONTACTS
    WRITE_CONTACTS GET_ACCOUNTS ACCESS_FINE_LOCATION ACCESS_COARSE_LOCATION ACCESS_BACKGROUND_LOCATION
    RECORD_AUDIO READ_PHONE_STATE READ_PHONE_NUMBERS CALL_PHONE ANSWER_PHONE_CALLS USE_SIP ACCEPT_HANDOVER
    BODY_SENSORS BODY_SENSORS_BACKGROUND SEND_SMS RECEIVE_SMS READ_SMS RECEIVE_WAP_PUSH RECEIVE_MMS
    READ_EXTERNAL_STORAGE WRITE_EXTERNAL_STORAGE READ_MEDIA_IMAGES READ_MEDIA_VIDEO READ_MEDIA_AUDIO
    READ_MEDIA_VISUAL_USER_SELECTED ACCESS_MEDIA_LOCATION ACTIVITY_RECOGNITION BLUETOOTH_SCAN
    BLUETOOTH_CONNECT BLUETOOTH_ADVERTISE NEARBY_WIFI_DEVICES UWB_RANGING POST_NOTIFICATIONS
""".split()
# TC260-PG-20204A annex B plus the settings-granted ones it treats alike.
SPECIAL = """
    SYSTEM_ALERT_WINDOW BIND_ACCESSIBILITY_SERVICE BIND_NOTIFICATION_LISTENER_SERVICE BIND_DEVICE_ADMIN
    PACKAGE_USAGE_STATS MANAGE_EXTERNAL_STORAGE REQUEST_INSTALL_PACKAGES WRITE_SETTINGS
""".split()
# Install-time (normal) permissions that still hand over PI; QUERY_ALL_PACKAGES is "normal" in AOSP although
# app stores treat it as sensitive.
NORMAL_WITH_PI = {
    "ACCESS_WIFI_STATE": "wifi_info",
    "BLUETOOTH": "bluetooth_info",
    "GET_TASKS": "running_apps",
    "QUERY_ALL_PACKAGES": "installed_apps",
}

# Dangerous in AOSP 36 but deliberately left out, with the reason.
NOT_CATALOGUED = {
    "android.permission.READ_CELL_BROADCASTS": "not in the public SDK; held by the system cell-broadcast app",
    "android.permission.EYE_TRACKING_COARSE": "Android XR headsets only",
    "android.permission.EYE_TRACKING_FINE": "Android XR headsets only",
    "android.permission.FACE_TRACKING": "Android XR headsets only",
    "android.permission.HAND_TRACKING": "Android XR headsets only",
    "android.permission.HEAD_TRACKING": "Android XR headsets only",
    "android.permission.SCENE_UNDERSTANDING_COARSE": "Android XR headsets only",
    "android.permission.SCENE_UNDERSTANDING_FINE": "Android XR headsets only",
}
# TC260's table spells the voicemail permission with the android.permission prefix; Android names it so.
TC260_NAMES = {"android.permission.ADD_VOICEMAIL": "com.android.voicemail.permission.ADD_VOICEMAIL"}


def full(name: str) -> str:
    return name if "." in name else f"android.permission.{name}"


def entries() -> list[dict[str, Any]]:
    return catalog.load("permissions")["permissions"]


@cache
def aosp(level: int) -> dict[str, dict[str, Any]]:
    path = shared("data", "android", "androguard", "aosp_permissions", f"permissions_{level}.json")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)["permissions"]


def test_version() -> None:
    assert catalog.load("permissions")["version"] == 1


def test_schema() -> None:
    groups = catalog.load("permissions")["groups"]
    group_ids = [g["id"] for g in groups]
    assert len(group_ids) == len(set(group_ids))
    assert all(set(g) == {"id", "zh", "en"} and g["zh"] and g["en"] for g in groups)
    fields = {"name", "zh", "en", "group", "protection", "pi_types", "since_api", "max_api"}
    for p in entries():
        assert set(p) == fields, p.get("name")
        assert "." in p["name"] and " " not in p["name"], p["name"]
        assert p["zh"].strip() and p["en"].strip(), p["name"]
        assert p["group"] in group_ids, p["name"]
        assert p["protection"] in PROTECTIONS, p["name"]
        assert isinstance(p["pi_types"], list) and len(set(p["pi_types"])) == len(p["pi_types"]), p["name"]
        assert p["since_api"] is None or (isinstance(p["since_api"], int) and p["since_api"] >= 1), p["name"]
        if p["max_api"] is not None:
            assert isinstance(p["max_api"], int) and p["max_api"] >= (p["since_api"] or 1), p["name"]


def test_names_unique() -> None:
    names = [p["name"] for p in entries()]
    assert len(names) == len(set(names))


def test_every_group_is_used() -> None:
    used = {p["group"] for p in entries()}
    assert {g["id"] for g in catalog.load("permissions")["groups"]} == used


def test_runtime_permissions_present_and_dangerous() -> None:
    perms = catalog.permissions()
    assert [n for n in RUNTIME if full(n) not in perms] == []
    assert [n for n in RUNTIME if perms[full(n)]["protection"] != "dangerous"] == []
    assert perms["com.android.voicemail.permission.ADD_VOICEMAIL"]["protection"] == "dangerous"


def test_special_permissions_present() -> None:
    perms = catalog.permissions()
    assert [n for n in SPECIAL if perms.get(full(n), {}).get("protection") != "special"] == []
    assert all(perms[full(n)]["group"] == "SPECIAL" for n in SPECIAL)


def test_normal_permissions_that_hand_over_pi() -> None:
    perms = catalog.permissions()
    for name, pi in NORMAL_WITH_PI.items():
        assert perms[full(name)]["protection"] == "normal", name
        assert pi in perms[full(name)]["pi_types"], name
    assert "advertising_id" in perms["com.google.android.gms.permission.AD_ID"]["pi_types"]


def test_reading_permissions_name_pi() -> None:
    """A permission whose name says it reads or accesses something must say which PI."""
    for p in entries():
        short = p["name"].rsplit(".", 1)[-1]
        if short.startswith(("READ_", "ACCESS_", "GET_", "QUERY_")):
            assert p["pi_types"], p["name"]


def test_pi_types_known() -> None:
    known = set(catalog.pi_types())
    assert {(p["name"], t) for p in entries() for t in p["pi_types"] if t not in known} == set()


def agrees(ours: str, aosp_level: str) -> bool:
    """Our four-way class against AOSP's protectionLevel string (base|flag|flag…)."""
    base, *flags = aosp_level.split("|")
    if ours == "dangerous":
        return base == "dangerous"
    if ours == "normal":
        return base == "normal"
    if base != "signature":
        return False
    # special: granted in Settings (appop), or a BIND_* the system holds for a service the user enables
    if ours == "special":
        return "appop" in flags or "privileged" not in flags
    return "privileged" in flags and "appop" not in flags


def test_protection_agrees_with_aosp() -> None:
    newest = aosp(AOSP_LEVELS[-1])
    checked = 0
    for p in entries():
        meta = newest.get(p["name"])
        if meta is None:
            continue
        checked += 1
        assert agrees(p["protection"], meta["protectionLevel"]), (p["name"], meta["protectionLevel"])
    assert checked >= 50


def test_every_aosp_dangerous_permission_is_catalogued() -> None:
    ours = catalog.permissions()
    newest = aosp(AOSP_LEVELS[-1])
    dangerous = {n for n, m in newest.items() if m["protectionLevel"].split("|")[0] == "dangerous"}
    assert sorted(dangerous - set(ours) - set(NOT_CATALOGUED)) == []
    stale = set(NOT_CATALOGUED) - dangerous
    assert sorted(stale) == [], "exclusion list names a permission AOSP no longer has as dangerous"


@pytest.mark.parametrize("level", AOSP_LEVELS)
def test_since_and_max_api_agree_with_aosp(level: int) -> None:
    meta = aosp(level)
    for p in entries():
        since, until = p["since_api"], p["max_api"]
        if since is None:
            assert p["name"] not in meta, f"{p['name']} is an AOSP permission: give since_api"
            continue
        if p["name"] in meta:
            assert since <= level, f"{p['name']} present at API {level} but since_api={since}"
        elif since <= level and (until is None or until >= level):
            pytest.fail(f"{p['name']} (since {since}) missing from AOSP metadata for API {level}")


def annex_d() -> list[dict[str, str]]:
    path = shared("reference", "data", "tc260_pg_20204a_annexD_not_recommended_permissions.csv")
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_tc260_annex_d_permissions_named_and_grouped_alike() -> None:
    perms = catalog.permissions()
    for row in annex_d():
        name = TC260_NAMES.get(row["permission"], row["permission"])
        assert name in perms, name
        assert perms[name]["zh"] == row["name_zh"], name
        assert perms[name]["group"] == row["group"].split()[0], name
