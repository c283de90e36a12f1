"""The manifest model: synthetic manifests, androguard's samples, DroidBench and real apps.

Expectations for real APKs were generated once with androguard 4.1.4 (``APK.get_package()``,
``get_permissions()``, ``get_min_sdk_version()``...) in a scratch venv and written here; the tests do
not import androguard. Differences from androguard are deliberate and commented where they occur.
"""

from __future__ import annotations

import struct
import time
import zipfile

import pytest
from axml_build import build  # the AXML writer shared with test_axml
from conftest import shared

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.apk.manifest import Component, Manifest, PermissionDecl, class_name, parse_manifest

MAIN = ("action", {"android:name": "android.intent.action.MAIN"}, [])
LAUNCHER = ("category", {"android:name": "android.intent.category.LAUNCHER"}, [])

APP = (
    "manifest",
    {"android:versionCode": 42, "android:versionName": "4.2", "package": "com.example.app"},
    [
        ("uses-sdk", {"android:minSdkVersion": 21, "android:targetSdkVersion": 30}, []),
        ("uses-permission", {"android:name": "android.permission.INTERNET"}, []),
        ("uses-permission", {"android:name": "android.permission.READ_PHONE_STATE"}, []),
        ("uses-permission", {"android:name": "android.permission.INTERNET"}, []),  # duplicate
        (
            "uses-permission",
            {"android:name": "android.permission.READ_EXTERNAL_STORAGE", "android:maxSdkVersion": 28},
            [],
        ),
        ("uses-permission-sdk-23", {"android:name": "android.permission.CAMERA"}, []),
        ("uses-permission-sdk-m", {"android:name": "android.permission.RECORD_AUDIO"}, []),
        ("uses-permission", {"android:name": ""}, []),  # nameless: ignored
        ("permission", {"android:name": "com.example.app.permission.C2D_MESSAGE"}, []),
        ("meta-data", {"android:name": "misplaced", "android:value": "m"}, []),
        (
            "application",
            {
                "android:name": ".App",
                "android:label": ("ref", 0x7F040000),
                "android:debuggable": True,
                "android:allowBackup": False,
                "android:usesCleartextTraffic": True,
                "android:networkSecurityConfig": ("ref", 0x7F100000),
            },
            [
                ("meta-data", {"android:name": "UMENG_APPKEY", "android:value": "54b88471fd98c55716000d2c"}, []),
                (
                    "meta-data",
                    {"android:name": "com.google.android.gms.version", "android:value": ("ref", 0x7F0B0004)},
                    [],
                ),
                ("meta-data", {"android:name": "res", "android:resource": ("ref", 0x7F120001)}, []),
                (
                    "activity",
                    {"android:name": ".MainActivity"},
                    [
                        ("intent-filter", {}, [MAIN, LAUNCHER]),
                        ("meta-data", {"android:name": "UMENG_APPKEY", "android:value": "component-level"}, []),
                        ("meta-data", {"android:name": "comp_only", "android:value": "c"}, []),
                    ],
                ),
                ("activity", {"android:name": "Settings", "android:exported": False}, []),
                (
                    "activity-alias",
                    {"android:name": "com.example.app.Alias", "android:targetActivity": ".MainActivity"},
                    [("intent-filter", {}, [MAIN, LAUNCHER])],
                ),
                (
                    "activity",
                    {"android:name": "com.other.Split"},  # MAIN and LAUNCHER in different filters
                    [("intent-filter", {}, [MAIN]), ("intent-filter", {}, [LAUNCHER])],
                ),
                (
                    "service",
                    {"android:name": "com.example.app.Sync", "android:exported": True, "android:permission": "p.BIND"},
                    [
                        (
                            "intent-filter",
                            {},
                            [
                                ("action", {"android:name": "a.SYNC"}, []),
                                ("action", {"android:name": "a.SYNC"}, []),
                                ("category", {"android:name": "c.DEFAULT"}, []),
                            ],
                        )
                    ],
                ),
                (
                    "receiver",
                    {"android:name": ".Boot"},
                    [("intent-filter", {}, [("action", {"android:name": "BOOT"}, [])])],
                ),
                ("provider", {"android:name": ".Files", "android:exported": False}, []),
                ("provider", {}, []),  # nameless: skipped
                ("uses-permission", {"android:name": "android.permission.SEND_SMS"}, []),  # misplaced: ignored
            ],
        ),
        ("application", {"android:name": ".Second"}, []),
    ],
)


def test_synthetic_manifest_fields():
    m = parse_manifest(build(APP))
    assert isinstance(m, Manifest)
    assert m.package == "com.example.app"
    assert (m.version_code, m.version_name, m.min_sdk, m.target_sdk) == ("42", "4.2", 21, 30)
    assert [p.name for p in m.permissions] == [
        "android.permission.INTERNET",
        "android.permission.READ_PHONE_STATE",
        "android.permission.READ_EXTERNAL_STORAGE",
        "android.permission.CAMERA",
        "android.permission.RECORD_AUDIO",
    ]
    perms = {p.name: p for p in m.permissions}
    assert perms["android.permission.READ_EXTERNAL_STORAGE"].max_sdk == 28
    assert perms["android.permission.INTERNET"].max_sdk is None
    assert perms["android.permission.CAMERA"].sdk23_only and perms["android.permission.RECORD_AUDIO"].sdk23_only
    assert not perms["android.permission.INTERNET"].sdk23_only
    assert all(isinstance(p, PermissionDecl) and p.offset > 0 for p in m.permissions)
    assert m.declared_permissions == ["com.example.app.permission.C2D_MESSAGE"]
    assert m.application_class == "com.example.app.App"
    assert m.application_label == "@0x7f040000"
    assert (m.debuggable, m.allow_backup, m.uses_cleartext_traffic) == (True, False, True)
    assert m.network_security_config == "@0x7f100000"
    assert m.meta_data == {
        "UMENG_APPKEY": "54b88471fd98c55716000d2c",  # application level wins over component level
        "com.google.android.gms.version": "@0x7f0b0004",
        "res": "@0x7f120001",
        "comp_only": "c",
        "misplaced": "m",
    }
    assert m.launcher_activities == ["com.example.app.MainActivity", "com.example.app.Alias"]
    assert any("extra <application>" in a for a in m.anomalies)


def test_synthetic_components():
    m = parse_manifest(build(APP))
    by_name = {c.name: c for c in m.components}
    assert [(c.kind, c.name) for c in m.components] == [
        ("activity", "com.example.app.MainActivity"),
        ("activity", "com.example.app.Settings"),
        ("activity-alias", "com.example.app.Alias"),
        ("activity", "com.other.Split"),
        ("service", "com.example.app.Sync"),
        ("receiver", "com.example.app.Boot"),
        ("provider", "com.example.app.Files"),
    ]
    main = by_name["com.example.app.MainActivity"]
    assert isinstance(main, Component)
    assert main.exported is None and main.has_intent_filter and main.permission is None
    assert main.actions == ["android.intent.action.MAIN"] and main.categories == ["android.intent.category.LAUNCHER"]
    assert by_name["com.example.app.Settings"].exported is False
    assert by_name["com.example.app.Settings"].has_intent_filter is False
    sync = by_name["com.example.app.Sync"]
    assert (sync.exported, sync.permission, sync.actions, sync.categories) == (
        True,
        "p.BIND",
        ["a.SYNC"],
        ["c.DEFAULT"],
    )
    assert by_name["com.example.app.Boot"].actions == ["BOOT"]
    assert by_name["com.example.app.Files"].exported is False
    split = by_name["com.other.Split"]
    assert split.actions and split.categories and split.name not in m.launcher_activities
    offsets = [c.offset for c in m.components]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)


def test_permission_offsets_point_at_the_first_element():
    from privaudit.evidence.apk.axml import parse_axml

    data = build(APP)
    root = parse_axml(data)
    internet = [c.offset for c in root.children if c.attrs.get("name") == "android.permission.INTERNET"]
    assert len(internet) == 2
    m = parse_manifest(data)
    assert m.permissions[0].offset == internet[0]
    t, hs, size = struct.unpack_from("<HHI", data, internet[0])
    assert t == 0x0102  # a start-element chunk


def test_duplicate_permissions_take_the_widest_request():
    root = (
        "manifest",
        {"package": "p"},
        [
            ("uses-permission", {"android:name": "A", "android:maxSdkVersion": 22}, []),
            ("uses-permission", {"android:name": "A", "android:maxSdkVersion": 28}, []),
            ("uses-permission-sdk-23", {"android:name": "B"}, []),
            ("uses-permission", {"android:name": "B"}, []),
            ("uses-permission", {"android:name": "C", "android:maxSdkVersion": 22}, []),
            ("uses-permission", {"android:name": "C"}, []),
        ],
    )
    perms = {p.name: p for p in parse_manifest(build(root)).permissions}
    assert (perms["A"].max_sdk, perms["B"].sdk23_only, perms["C"].max_sdk) == (28, False, None)


def test_absent_values_are_none():
    m = parse_manifest(build(("manifest", {}, [])))
    assert m == Manifest(None, None, None, None, None, [], [], None, None, None, None, None, None, [], {}, [], [])
    m = parse_manifest(build(("manifest", {"package": "p"}, [("uses-sdk", {"android:minSdkVersion": "Q"}, [])])))
    assert m.min_sdk is None and m.target_sdk is None  # a codename is not a number


def test_class_name():
    assert class_name("com.a", ".B") == "com.a.B"
    assert class_name("com.a", "B") == "com.a.B"
    assert class_name("com.a", "x.B") == "x.B"
    assert class_name("com.a", "") is None and class_name(None, ".B") == ".B"


def test_no_manifest_root():
    with pytest.raises(MalformedInput) as e:
        parse_manifest(build(("LinearLayout", {}, [])), entry="res/layout/main.xml")
    assert str(e.value) == "res/layout/main.xml: binary manifest: no <manifest> root (root element is <LinearLayout>)"
    assert e.value.path == "res/layout/main.xml"


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04garbage", b"<manifest/>", b"\x03\x00\x08\x00" + b"\xff" * 30])
def test_garbage_names_the_entry(data):
    with pytest.raises(MalformedInput) as e:
        parse_manifest(data)
    assert isinstance(e.value, InputError)
    assert str(e.value).startswith("AndroidManifest.xml: binary manifest: ") and "\n" not in str(e.value)


def test_truncation_every_7th_byte():
    data = build(APP)
    for cut in range(0, len(data), 7):
        try:
            parse_manifest(data[:cut])
        except MalformedInput:
            pass


# --------------------------------------------------------------------------------------------
# androguard's samples
# --------------------------------------------------------------------------------------------


def _axml(name: str) -> bytes:
    return shared("data", "apks", "androguard", "AXML", name).read_bytes()


def test_chinese_manifest():
    m = parse_manifest(_axml("AndroidManifest-Chinese.xml"))
    assert m.package == "com.hotel" and m.version_name == "1.7.2"
    assert m.application_label == "经济酒店"
    assert m.application_class == "com.hotel.HotelApplication"
    assert "com.hotel.CityActivity" in [c.name for c in m.components]


def test_utf8_manifest_meta_data():
    m = parse_manifest(_axml("AndroidManifestUTF8Strings.xml"))
    assert m.meta_data["UMENG_APPKEY"] == "54b88471fd98c55716000d2c"
    assert m.meta_data["UMENG_CHANNEL"] == "Umeng"
    assert (m.min_sdk, m.target_sdk) == (14, 21)
    assert "android.permission.READ_SMS" in [p.name for p in m.permissions]
    assert m.launcher_activities == ["com.easylocker.bbottles.zt.Guide"]
    lock = next(c for c in m.components if c.name.endswith(".LockActivity"))
    assert lock.exported is True


def test_packed_manifest_with_obfuscated_names():
    m = parse_manifest(_axml("AndroidManifestLiapp.xml"))
    assert m.application_class == "com.lockincomp.liapp.LiappCommon"
    assert m.allow_backup is True
    receivers = [c for c in m.components if c.kind == "receiver"]
    assert receivers[0].name == "com.igaworks.IgawReceiver" and receivers[0].exported is True
    assert m.anomalies


def test_namespace_in_attribute_name_2():
    m = parse_manifest(_axml("AndroidManifest_NamespaceInAttributeName2.xml"))
    perms = {p.name: p for p in m.permissions}
    assert perms["android.permission.CAMERA"].sdk23_only
    assert perms["android.permission.READ_EXTERNAL_STORAGE"].max_sdk == 22
    assert (m.min_sdk, m.target_sdk) == (16, 27)
    assert m.application_class == "o.У"
    assert "com.car2go.permission.C2D_MESSAGE" in m.declared_permissions


def test_unterminated_strings_still_give_the_permissions():
    # androguard raises on this file; we read the strings by their length (noted in anomalies).
    m = parse_manifest(_axml("AndroidManifest_StringNotTerminated.xml"))
    names = [p.name for p in m.permissions]
    assert "android.permission.SEND_SMS" in names and "android.permission.READ_CONTACTS" in names
    assert any("not NUL-terminated" in a for a in m.anomalies)


def test_layout_is_not_a_manifest():
    with pytest.raises(MalformedInput, match="no <manifest> root"):
        parse_manifest(_axml("test.xml"))


@pytest.mark.parametrize(
    "path",
    [
        "data/apks/androguard/APK/AndroidManifest_ShortName.apk",
        "data/apks/androguard/AXML/AndroidManifest_ShortName.apk",
    ],
)
def test_short_names(path):
    # androguard test_apk.py testShortNamesInManifest
    with zipfile.ZipFile(shared(*path.split("/"))) as z:
        m = parse_manifest(z.read("AndroidManifest.xml"))
    assert m.package == "com.android.galaxy4"
    assert [c.name for c in m.components if c.kind == "activity"] == ["com.android.galaxy4.Galaxy4"]
    assert [c.name for c in m.components if c.kind == "service"] == ["com.android.galaxy4.Galaxy4Wallpaper"]


# --------------------------------------------------------------------------------------------
# Real APKs, against expectations taken from androguard 4.1.4
# --------------------------------------------------------------------------------------------

A2DP_PERMS = [
    "android.permission.ACCESS_COARSE_LOCATION",
    "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.ACCESS_LOCATION_EXTRA_COMMANDS",
    "android.permission.ACCESS_WIFI_STATE",
    "android.permission.BLUETOOTH",
    "android.permission.BLUETOOTH_ADMIN",
    "android.permission.BROADCAST_STICKY",
    "android.permission.CHANGE_WIFI_STATE",
    "android.permission.GET_ACCOUNTS",
    "android.permission.KILL_BACKGROUND_PROCESSES",
    "android.permission.MODIFY_AUDIO_SETTINGS",
    "android.permission.READ_CONTACTS",
    "android.permission.READ_PHONE_STATE",
    "android.permission.RECEIVE_BOOT_COMPLETED",
    "android.permission.RECEIVE_SMS",
    "android.permission.WRITE_EXTERNAL_STORAGE",
    "com.android.launcher.permission.READ_SETTINGS",
]

# path: (package, version_code, version_name, min_sdk, target_sdk, sorted permissions, launcher activities)
REAL = {
    "exodus_core/apks/blooddonation.apk": (
        "fr.mobdev.blooddonation",
        "13",
        "3.4",
        17,
        26,
        [
            "android.permission.ACCESS_COARSE_LOCATION",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.ACCESS_NETWORK_STATE",
            "android.permission.INTERNET",
            "android.permission.RECEIVE_BOOT_COMPLETED",
            "android.permission.WRITE_EXTERNAL_STORAGE",
        ],
        ["fr.mobdev.blooddonation.activity.MainActivity"],
    ),
    "exodus_core/apks/instapaper.apk": (
        "com.olivierpayen.leaninstapaper",
        "1804011545",
        "0.9.1804011545",
        15,
        25,
        [
            "android.permission.ACCESS_NETWORK_STATE",
            "android.permission.INTERNET",
            "android.permission.VIBRATE",
            "android.permission.WAKE_LOCK",
            "android.permission.WRITE_EXTERNAL_STORAGE",
            "com.google.android.c2dm.permission.RECEIVE",
            "com.olivierpayen.leaninstapaper.permission.C2D_MESSAGE",
        ],
        ["com.olivierpayen.leaninstapaper.ui.bookmarkslist.BookmarksListActivity"],
    ),
    "androguard/APK/Invalid.apk": (
        "re.androguard.android.invalid",
        "1",
        "1.0",
        8,
        15,
        [],
        ["re.androguard.android.invalid.MainActivity"],
    ),
    "androguard/APK/TC-debug.apk": (
        "org.t0t0.androguard.TC",
        "1",
        "1.0",
        None,
        None,
        [],
        ["org.t0t0.androguard.TC.TCActivity"],
    ),
    "androguard/APK/TCDiff-debug.apk": (
        "org.t0t0.androguard.TCDiff",
        "1",
        "1.0",
        None,
        None,
        [],
        ["org.t0t0.androguard.TCDiff.TCActivity"],
    ),
    "androguard/APK/Test-debug.apk": (
        "org.t0t0.androguard.test",
        "1",
        "1.0",
        None,
        None,
        [],
        ["org.t0t0.androguard.test.TestActivity"],
    ),
    "androguard/APK/Test-debug-unaligned.apk": (
        "org.t0t0.androguard.test",
        "1",
        "1.0",
        None,
        None,
        [],
        ["org.t0t0.androguard.test.TestActivity"],
    ),
    "androguard/APK/TestActivity.apk": ("tests.androguard", "1", "1.0", 9, 16, [], ["tests.androguard.TestActivity"]),
    "androguard/APK/TestActivity_signed_both.apk": (
        "tests.androguard",
        "1",
        "1.0",
        9,
        16,
        [],
        ["tests.androguard.TestActivity"],
    ),
    "androguard/APK/TestActivity_unsigned.apk": (
        "tests.androguard",
        "1",
        "1.0",
        9,
        16,
        [],
        ["tests.androguard.TestActivity"],
    ),
    "androguard/APK/a2dp.Vol_137.apk": ("a2dp.Vol", "137", "2.12.9.2", 15, 25, A2DP_PERMS, ["a2dp.Vol.main"]),
    "androguard/APK/partialsignature.apk": ("a2dp.Vol", "137", "2.12.9.2", 15, 25, A2DP_PERMS, ["a2dp.Vol.main"]),
    "androguard/APK/app-prod-debug.apk": (
        "com.greenaddress.abcore",
        "2162",
        "0.62",
        21,
        27,
        [
            "android.permission.ACCESS_NETWORK_STATE",
            "android.permission.ACCESS_WIFI_STATE",
            "android.permission.INTERNET",
            "android.permission.WRITE_EXTERNAL_STORAGE",
        ],
        ["com.greenaddress.abcore.MainActivity"],
    ),
    "androguard/APK/com.android.example.text.styling.apk": (
        "com.android.example.text.styling",
        "1",
        "1.0",
        15,
        27,
        [],
        ["com.android.example.text.styling.MainActivity"],
    ),
    "androguard/APK/com.example.android.wearable.wear.weardrawers.apk": (
        "com.example.android.wearable.wear.weardrawers",
        "1",
        "1.0",
        23,
        26,
        ["android.permission.WAKE_LOCK"],
        ["com.example.android.wearable.wear.weardrawers.MainActivity"],
    ),
    "androguard/APK/com.politedroid_4.apk": (
        "com.politedroid",
        "4",
        "1.3",
        3,
        None,
        ["android.permission.READ_CALENDAR", "android.permission.RECEIVE_BOOT_COMPLETED"],
        ["com.politedroid.Preferences"],
    ),
    "androguard/APK/com.teleca.jamendo_35.apk": (
        "com.teleca.jamendo",
        "35",
        "1.0.4 [BETA]",
        4,
        8,
        [
            "android.permission.ACCESS_WIFI_STATE",
            "android.permission.INTERNET",
            "android.permission.READ_PHONE_STATE",
            "android.permission.WAKE_LOCK",
            "android.permission.WRITE_EXTERNAL_STORAGE",
        ],
        ["com.teleca.jamendo.activity.SplashscreenActivity"],
    ),
    "androguard/APK/com.test.intent_filter.apk": (
        "com.test.intent_filter",
        "1",
        "1.0",
        19,
        28,
        [],
        ["com.test.intent_filter.MainActivity"],
    ),
    # androguard's get_permissions() leaves out <uses-permission-sdk-23>; ours includes them.
    "androguard/APK/duplicate.permisssions_9999999.apk": (
        "duplicate.permisssions",
        "9999999",
        "0.3-7-gb817ac8",
        18,
        27,
        [
            "android.permission.ACCESS_NETWORK_STATE",
            "android.permission.ACCESS_WIFI_STATE",
            "android.permission.CHANGE_WIFI_MULTICAST_STATE",
            "android.permission.INTERNET",
            "android.permission.REQUEST_IGNORE_BATTERY_OPTIMIZATIONS",
            "android.permission.REQUEST_INSTALL_PACKAGES",
            "android.permission.WRITE_EXTERNAL_STORAGE",
        ],
        ["info.guardianproject.urzip.MainActivity"],
    ),
    "androguard/APK/hello-world.apk": (
        "de.rhab.helloworld",
        "1",
        "1.0",
        21,
        25,
        [],
        ["de.rhab.helloworld.MainActivity"],
    ),
    "androguard/APK/urzip-πÇÇπÇÇ现代汉语通用字-български-عربي1234.apk": (
        "info.guardianproject.urzip",
        "100",
        "0.1",
        4,
        18,
        [],
        ["info.guardianproject.urzip.MainActivity"],
    ),
    "androguard/AXML/compact-entry.apk": ("com.erev0s", None, None, 34, 34, [], []),
}


def _manifest_of(rel: str) -> Manifest:
    with zipfile.ZipFile(shared("data", "apks", *rel.split("/"))) as z:
        return parse_manifest(z.read("AndroidManifest.xml"), entry=f"{rel}!AndroidManifest.xml")


@pytest.mark.parametrize("rel", sorted(REAL))
def test_real_apk(rel):
    package, vcode, vname, min_sdk, target_sdk, perms, launchers = REAL[rel]
    m = _manifest_of(rel)
    assert (m.package, m.version_code, m.version_name, m.min_sdk, m.target_sdk) == (
        package,
        vcode,
        vname,
        min_sdk,
        target_sdk,
    )
    assert sorted({p.name for p in m.permissions}) == perms
    assert len({p.name for p in m.permissions}) == len(m.permissions)  # duplicates collapsed
    assert m.launcher_activities == launchers
    assert m.anomalies == []


def test_duplicate_permissions_apk_collapses_internet():
    m = _manifest_of("androguard/APK/duplicate.permisssions_9999999.apk")
    internet = [p for p in m.permissions if p.name == "android.permission.INTERNET"]
    assert len(internet) == 1 and internet[0].offset == min(p.offset for p in m.permissions)
    perms = {p.name: p for p in m.permissions}
    assert perms["android.permission.REQUEST_IGNORE_BATTERY_OPTIMIZATIONS"].sdk23_only
    assert perms["android.permission.REQUEST_IGNORE_BATTERY_OPTIMIZATIONS"].max_sdk == 27
    assert perms["android.permission.WRITE_EXTERNAL_STORAGE"].max_sdk == 18


def test_instapaper_components_and_sdks():
    m = _manifest_of("exodus_core/apks/instapaper.apk")
    kinds = {}
    for c in m.components:
        kinds.setdefault(c.kind, []).append(c.name)
    assert len(kinds["activity"]) == 9
    assert "com.google.firebase.iid.FirebaseInstanceIdReceiver" in kinds["receiver"]
    assert "com.facebook.internal.FacebookInitProvider" in kinds["provider"]
    assert "com.google.android.gms.measurement.AppMeasurementService" in kinds["service"]
    assert m.declared_permissions == ["com.olivierpayen.leaninstapaper.permission.C2D_MESSAGE"]


def test_all_droidbench_manifests():
    paths = sorted(shared("data", "apks", "droidbench", "apk").rglob("*.apk"))
    assert len(paths) == 190
    blobs = []
    for p in paths:
        with zipfile.ZipFile(p) as z:
            blobs.append((p, z.read("AndroidManifest.xml")))
    t0 = time.perf_counter()
    manifests = [(p, parse_manifest(b)) for p, b in blobs]
    elapsed = time.perf_counter() - t0
    without_activity = []
    for p, m in manifests:
        assert m.package, p
        assert m.components, p
        assert m.anomalies == [], p
        if not any(c.kind == "activity" for c in m.components):
            without_activity.append(p.name)
    # Two cases have only a receiver / a service (androguard agrees: get_activities() == []).
    assert sorted(without_activity) == ["BroadcastReceiverLifecycle1.apk", "ServiceLifecycle1.apk"]
    assert elapsed < 5.0  # ~10 ms on a laptop; a generous bound against pathological slowness
    first = dict(manifests)[shared("data", "apks", "droidbench", "apk", "Aliasing", "FlowSensitivity1.apk")]
    assert first.package == "de.ecspride"
    assert sorted(p.name for p in first.permissions) == [
        "android.permission.READ_PHONE_STATE",
        "android.permission.SEND_SMS",
    ]
    assert first.launcher_activities == ["de.ecspride.MainActivity"]
    assert (first.min_sdk, first.target_sdk) == (8, 19)
