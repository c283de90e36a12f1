"""Logcat importer: one sample line per recognised pattern, filtering, formats, and refusals."""

from __future__ import annotations

import calendar
import os

import pytest

from privaudit.errors import InputError
from privaudit.evidence.runtime.logcat import read_logcat

APP = "com.example.app"

SAMPLE = """\
--------- beginning of main
11-23 16:49:57.000  1000  1250 I ActivityManager: Start proc 4321:com.example.app/u0a123 for broadcast {com.example.app/com.example.app.BootReceiver}
11-23 16:49:58.500   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getDeviceId:1
11-23 16:49:58.510   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getSubscriberId:1
11-23 16:49:58.520   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getIccSerialNumber:1
11-23 16:49:58.530   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getLine1Number:1
11-23 16:49:58.540   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getImeiForSlot:1
11-23 16:49:58.550   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getMeidForSlot:1
11-23 16:49:58.560   497  9886 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.example.app:getSerial:-1
11-23 16:49:58.570   916  1221 W TelephonyPermissions: reportAccessDeniedToReadIdentifiers:com.other.app:getDeviceId:1
11-23 16:49:59.000  1000  1250 I ActivityTaskManager: START u0 {act=android.intent.action.MAIN cat=[android.intent.category.LAUNCHER] flg=0x10200000 cmp=com.example.app/.ui.PrivacyActivity bnds=[1,2][3,4]} from uid 10010
11-23 16:49:59.350  1000  1260 I ActivityTaskManager: Displayed com.example.app/.ui.PrivacyActivity: +350ms
11-23 16:50:01.000  1000  1250 I ActivityTaskManager: START u0 {act=android.content.pm.action.REQUEST_PERMISSIONS pkg=com.android.permissioncontroller cmp=com.android.permissioncontroller/.permission.ui.GrantPermissionsActivity (has extras)} from uid 10123
11-23 16:50:01.300  1000  1260 I ActivityTaskManager: Displayed com.android.permissioncontroller/.permission.ui.GrantPermissionsActivity: +300ms
11-23 16:50:02.000  5555  5555 I GrantPermissionsActivity: Permission grant result requestId=42 callingUid=10123 callingPackage=com.example.app permission=android.permission.READ_PHONE_STATE isImplicit=false result=6
11-23 16:50:02.100  5555  5555 I GrantPermissionsActivity: Permission grant result requestId=43 callingUid=10123 callingPackage=com.example.app permission=android.permission.CAMERA isImplicit=false result=4
11-23 16:50:03.000  4321  4400 W Settings: Setting android_id has moved from android.provider.Settings.System to android.provider.Settings.Secure, returning read-only value.
11-23 16:50:04.000  4321  4401 W System.err: java.lang.SecurityException: getDeviceId: The user 10123 does not meet the requirements to access device identifiers.
11-23 16:50:04.001  4321  4401 W System.err: \tat android.os.Parcel.createException(Parcel.java:2357)
11-23 16:50:04.001  4321  4401 W System.err: \tat android.telephony.TelephonyManager.getDeviceId(TelephonyManager.java:1929)
11-23 16:50:04.001  4321  4401 W System.err: \tat com.umeng.commonsdk.statistics.common.DeviceConfig.getImei(DeviceConfig.java:10)
11-23 16:50:04.001  4321  4401 W System.err: \tat com.example.app.App.onCreate(App.java:5)
11-23 16:50:04.002  4321  4401 W System.err: Caused by: android.os.RemoteException: Remote stack trace:
11-23 16:50:04.002  4321  4401 W System.err: \tat com.android.internal.telephony.TelephonyPermissions.reportAccessDeniedToReadIdentifiers(TelephonyPermissions.java:381)
11-23 16:50:04.100  4321  4321 I privaudit: {"t": 0, "kind": "api_call", "api": "WifiInfo.getMacAddress", "stack": [{"class": "com.example.app.Net", "method": "mac"}], "result": "02:11:22:33:44:55"}
11-23 16:50:04.500  1000  1250 I ActivityTaskManager: START u0 {act=android.intent.action.MAIN cat=[android.intent.category.HOME] flg=0x10000100 cmp=com.android.launcher3/.uioverrides.QuickstepLauncher (has extras)} from uid 0
11-23 16:50:05.000  1000  1250 I ActivityManager: Force stopping com.example.app appid=10123 user=0: from pid 999
11-23 16:50:06.000  1000  1250 I ActivityManager: Killing 4321:com.example.app/u0a123 (adj 900): empty #17
11-23 16:50:07.000  1000  1250 I ActivityManager: Process com.other.app (pid 7777) has died: fg  TOP
11-23 16:50:08.000  1000  1250 I some.Tag: nothing to see here
"""  # noqa: E501 (real logcat lines are long)


def at(mo: int, d: int, h: int, mi: int, s: float, year: int = 1970) -> float:
    return calendar.timegm((year, mo, d, h, mi, 0, 0, 0, 0)) + s


@pytest.fixture()
def sample(tmp_path):
    p = tmp_path / "logcat.txt"
    p.write_text(SAMPLE, encoding="utf-8")
    return str(p)


def by_kind(trace, kind):
    return [e for e in trace.events if e.kind == kind]


def test_identifier_reads_become_api_calls_with_catalogue_ids(sample):
    trace = read_logcat(sample, APP)
    calls = {e.api_id: e for e in by_kind(trace, "api_call") if e.detail and "TelephonyPermissions" in e.detail}
    assert set(calls) == {"telephony.getDeviceId", "telephony.getSubscriberId", "telephony.getSimSerialNumber",
                          "telephony.getLine1Number", "telephony.getImei", "telephony.getMeid", "build.getSerial"}
    dev = calls["telephony.getDeviceId"]
    assert dev.t == at(11, 23, 16, 49, 58.5)
    assert dev.pi_types == ["imei"] and calls["telephony.getSubscriberId"].pi_types == ["imsi"]
    assert dev.owner is None and dev.stack == []  # no stack in the line: no owner
    assert dev.detail.startswith(f"package={APP};")
    assert dev.result.startswith("denied")
    assert dev.provenance.locator == "line 3"
    assert trace.clock == "device_wallclock"


def test_package_filter_drops_other_apps_but_keeps_the_permission_dialog(sample):
    trace = read_logcat(sample, APP)
    assert not any("com.other.app" in (e.detail or "") for e in trace.events)
    req = by_kind(trace, "permission_request")
    assert len(req) == 1 and req[0].t == at(11, 23, 16, 50, 1.0) and req[0].detail.startswith(f"package={APP}")
    # the permission controller's own screens are not screens of the app
    assert all(APP in e.activity for e in by_kind(trace, "screen"))
    # the launcher coming to the front sends the app to the background
    bg = [e for e in by_kind(trace, "lifecycle") if e.state == "background"]
    assert [e.t for e in bg] == [at(11, 23, 16, 50, 4.5)]

    unfiltered = read_logcat(sample)
    assert any("com.other.app" in (e.detail or "") for e in unfiltered.events)
    assert any(e.activity and "GrantPermissionsActivity" in e.activity for e in by_kind(unfiltered, "screen"))


def test_screens_lifecycle_and_self_start_hint(sample):
    trace = read_logcat(sample, APP)
    screens = by_kind(trace, "screen")
    assert [(e.t, e.activity) for e in screens] == [
        (at(11, 23, 16, 49, 59.0), "com.example.app/.ui.PrivacyActivity"),
        (at(11, 23, 16, 49, 59.35), "com.example.app/.ui.PrivacyActivity"),
    ]
    assert "displayed +350ms" in screens[1].detail
    life = [(e.state, e.t) for e in by_kind(trace, "lifecycle") if e.state in ("start", "stop")]
    assert life == [("start", at(11, 23, 16, 49, 57.0)), ("stop", at(11, 23, 16, 50, 5.0)),
                    ("stop", at(11, 23, 16, 50, 6.0))]
    start = by_kind(trace, "lifecycle")[0]
    assert "for broadcast" in start.detail and "self-start hint" in start.detail
    # the privacy-named activity yields an inferred consent_shown, never an acceptance
    shown = by_kind(trace, "consent_shown")
    assert [e.t for e in shown] == [at(11, 23, 16, 49, 59.0)] and "inferred" in shown[0].detail
    assert trace.consent_time() is None


def test_permission_results(sample):
    results = by_kind(read_logcat(sample, APP), "permission_result")
    assert [(r.permissions, r.granted) for r in results] == [
        (["android.permission.READ_PHONE_STATE"], False), (["android.permission.CAMERA"], True)]


def test_app_side_signals_android_id_stack_trace_and_hook(sample):
    trace = read_logcat(sample, APP)
    aid = [e for e in by_kind(trace, "api_call") if e.api_id == "settings_system.getString.android_id"]
    assert len(aid) == 1 and aid[0].pi_types == ["android_id"] and aid[0].thread == "4400"
    traced = [e for e in by_kind(trace, "api_call") if e.stack and e.api_id == "telephony.getDeviceId"]
    assert len(traced) == 1
    ev = traced[0]
    assert ev.stack[1].class_name == "android.telephony.TelephonyManager" and ev.stack[1].line == 1929
    assert len(ev.stack) == 4  # frames after "Caused by:" are the remote side, not the call
    assert ev.sdk_id == "umeng-common" and ev.result.startswith("threw java.lang.SecurityException")
    hook = [e for e in by_kind(trace, "api_call") if e.api_id == "wifiinfo.getMacAddress"]
    assert len(hook) == 1
    assert hook[0].t == at(11, 23, 16, 50, 4.1) and hook[0].owner == APP
    assert hook[0].result == "<redacted:mac>"


def test_stack_trace_is_merged_into_the_identifier_read_it_explains(tmp_path):
    p = tmp_path / "l.txt"
    p.write_text(
        "01-02 03:04:05.000   497  9886 W TelephonyPermissions: "
        "reportAccessDeniedToReadIdentifiers:com.x:getSerial:-1\n"
        "01-02 03:04:05.002  4321  4400 W System.err: java.lang.SecurityException: getSerial: denied\n"
        "01-02 03:04:05.003  4321  4400 W System.err: \tat android.os.Parcel.readException(Parcel.java:2282)\n"
        "01-02 03:04:05.003  4321  4400 W System.err: \tat android.os.Build.getSerial(Build.java:175)\n"
        "01-02 03:04:05.003  4321  4400 W System.err: \tat com.weibo.ssosdk.a.d(SourceFile:532)\n"
        "01-02 03:04:05.010  4321  4400 I Other: next\n", encoding="utf-8")
    trace = read_logcat(str(p))
    calls = by_kind(trace, "api_call")
    assert len(calls) == 1
    assert calls[0].api_id == "build.getSerial" and calls[0].sdk_id == "weibo-ssosdk"
    assert "calling stack from System.err line 2" in calls[0].detail


def test_time_brief_and_year_formats_and_year_rollover(tmp_path):
    p = tmp_path / "time.txt"
    p.write_text("12-31 23:59:59.000 W/TelephonyPermissions(  916): "
                 "reportAccessDeniedToReadIdentifiers:com.x:getDeviceId:1\n"
                 "01-01 00:00:01.000 W/TelephonyPermissions(  916): "
                 "reportAccessDeniedToReadIdentifiers:com.x:getSubscriberId:1\n", encoding="utf-8")
    trace = read_logcat(str(p), year=2021)
    assert [e.t for e in trace.events] == [at(12, 31, 23, 59, 59.0, 2021), at(1, 1, 0, 0, 1.0, 2022)]

    p = tmp_path / "brief.txt"
    p.write_text("I/ActivityManager( 1000): Displayed com.x/.Main: +1s2ms\n"
                 "W/TelephonyPermissions(  916): reportAccessDeniedToReadIdentifiers:com.x:getDeviceId:1\n",
                 encoding="utf-8")
    trace = read_logcat(str(p))
    assert trace.clock == "line_order" and [e.kind for e in trace.events] == ["screen", "api_call"]

    p = tmp_path / "year.txt"
    p.write_text("2023-05-06 07:08:09.250  916  1221 W TelephonyPermissions: "
                 "reportAccessDeniedToReadIdentifiers:com.x:getDeviceId:1\n", encoding="utf-8")
    assert read_logcat(str(p)).events[0].t == at(5, 6, 7, 8, 9.25, 2023)


def test_unknown_lines_are_skipped_but_a_file_without_logcat_is_refused(tmp_path):
    p = tmp_path / "prose.txt"
    p.write_text("This is a shopping list.\nmilk\neggs\n", encoding="utf-8")
    with pytest.raises(InputError, match="not a logcat file"):
        read_logcat(str(p))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match="not a logcat file"):
        read_logcat(str(empty))


def test_binary_garbage_is_an_input_error_not_a_traceback(tmp_path):
    p = tmp_path / "garbage.bin"
    p.write_bytes(b"\x00\xff\xfe" + os.urandom(4096))
    with pytest.raises(InputError, match="not a logcat file"):
        read_logcat(str(p))
    q = tmp_path / "noisy.bin"
    q.write_bytes(bytes(range(1, 256)) * 64)  # no NUL, still not text
    with pytest.raises(InputError):
        read_logcat(str(q))
    with pytest.raises(InputError):
        read_logcat(str(tmp_path))


def test_over_long_lines_are_cut_and_reading_goes_on(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("01-02 03:04:05.000  1  2 I Tag: " + "x" * 200_000 + "\n"
                 "01-02 03:04:06.000   916  1221 W TelephonyPermissions: "
                 "reportAccessDeniedToReadIdentifiers:com.x:getDeviceId:1\n", encoding="utf-8")
    trace = read_logcat(str(p))
    assert [e.api_id for e in trace.events] == ["telephony.getDeviceId"]
    assert trace.events[0].provenance.locator == "line 2"
