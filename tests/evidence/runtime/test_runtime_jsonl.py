"""privaudit-trace JSON Lines: round trip, line-numbered errors, limits, and the shared helpers."""

from __future__ import annotations

import json

import pytest

from privaudit.errors import InputError, MalformedInput, UnsafeInput
from privaudit.evidence.runtime import jsonl
from privaudit.evidence.runtime.jsonl import api_by_name, api_for_frame, parse_stack, read_trace, redact, write_trace
from privaudit.evidence.runtime.model import EVENT_KINDS, StackFrame, Trace, TraceEvent
from privaudit.model import Provenance

HEADER = {"format": "privaudit-trace", "version": 1, "package": "com.example.app",
          "device": {"model": "Pixel 4", "android": "11"}, "clock": "device_monotonic"}


def _prov():
    return Provenance("trace", "mem")


def sample_trace() -> Trace:
    stack = [StackFrame("android.telephony.TelephonyManager", "getDeviceId", None, None),
             StackFrame("com.umeng.commonsdk.statistics.common.DeviceConfig", "getImei", "DeviceConfig.java", 10),
             StackFrame("com.example.app.App", "onCreate", "App.java", 5)]
    events = [
        TraceEvent(t=1.5, kind="lifecycle", provenance=_prov(), state="start", detail="cold start"),
        TraceEvent(t=2.0, kind="screen", provenance=_prov(), activity="com.example.app/.SplashActivity"),
        TraceEvent(t=2.25, kind="consent_shown", provenance=_prov(), activity="com.example.app/.SplashActivity"),
        TraceEvent(t=3.0, kind="api_call", provenance=_prov(), api_id="telephony.getDeviceId",
                   api="TelephonyManager.getDeviceId", pi_types=["imei"], thread="main", stack=stack,
                   args="slot=0", result="sha256:ab12…", owner="友盟基础组件库 SDK", sdk_id="umeng-common"),
        TraceEvent(t=4.0, kind="permission_request", provenance=_prov(),
                   permissions=["android.permission.READ_PHONE_STATE"]),
        TraceEvent(t=5.0, kind="permission_result", provenance=_prov(),
                   permissions=["android.permission.READ_PHONE_STATE"], granted=False),
        TraceEvent(t=6.0, kind="user_action", provenance=_prov(), detail='tap "同意并继续"'),
        TraceEvent(t=6.0, kind="consent_accepted", provenance=_prov(), detail="同意并继续"),
    ]
    return Trace(path="mem", format="jsonl", package="com.example.app", events=events,
                 device={"model": "Pixel 4"}, clock="device_monotonic", notes=["made in a test"])


FIELDS = ("t", "kind", "api_id", "api", "pi_types", "permissions", "granted", "state", "activity", "detail",
          "thread", "args", "result", "owner", "sdk_id")


def test_write_read_round_trip(tmp_path):
    original = sample_trace()
    p = tmp_path / "t.jsonl"
    write_trace(original, str(p))
    lines = p.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["format"] == "privaudit-trace" and len(lines) == 1 + len(original.events)
    back = read_trace(str(p))
    assert (back.format, back.package, back.clock, back.device, back.notes) == \
        ("jsonl", original.package, original.clock, original.device, original.notes)
    assert len(back.events) == len(original.events)
    for a, b in zip(original.events, back.events, strict=True):
        assert [getattr(a, f) for f in FIELDS] == [getattr(b, f) for f in FIELDS]
        assert [(f.class_name, f.method, f.file, f.line) for f in a.stack] == \
               [(f.class_name, f.method, f.file, f.line) for f in b.stack]
    assert back.events[3].provenance.locator.startswith("line 5")
    assert back.consent_time() == 6.0
    # writing what was read gives the same header and events (only "origin" now points at the first file)
    q = tmp_path / "again.jsonl"
    write_trace(back, str(q))

    def strip(path):
        rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
        return [{k: v for k, v in r.items() if k != "origin"} for r in rows]

    assert strip(q) == strip(p)


def write_lines(tmp_path, *lines, name="t.jsonl"):
    p = tmp_path / name
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(p)


def test_broken_line_names_its_number(tmp_path):
    p = write_lines(tmp_path, json.dumps(HEADER), '{"t": 1, "kind": "screen"}', '{"t": 2, "kind": ')
    with pytest.raises(MalformedInput, match="line 3: not JSON"):
        read_trace(p)


@pytest.mark.parametrize("line, message", [
    ('{"t": 1, "kind": "teleport"}', "line 2: unknown kind"),
    ('{"kind": "screen"}', 'line 2: "t" must be a finite number'),
    ('{"t": true, "kind": "screen"}', 'line 2: "t" must be a finite number'),
    ('{"t": 1, "kind": "api_call", "pi_types": "imei"}', 'line 2: "pi_types" must be a list'),
    ('{"t": 1, "kind": "permission_result", "granted": "yes"}', 'line 2: "granted"'),
    ('{"t": 1, "kind": "api_call", "stack": [{"class": "a.B"}]}', "line 2: stack frame 0"),
    ('[1, 2]', "line 2: an event must be a JSON object"),
])
def test_bad_events(tmp_path, line, message):
    with pytest.raises(MalformedInput, match=message):
        read_trace(write_lines(tmp_path, json.dumps(HEADER), line))


def test_header_is_checked(tmp_path):
    with pytest.raises(MalformedInput, match="line 1: not a privaudit-trace header"):
        read_trace(write_lines(tmp_path, '{"t": 1, "kind": "screen"}'))
    with pytest.raises(InputError, match="version 2 is not supported"):
        read_trace(write_lines(tmp_path, json.dumps({**HEADER, "version": 2})))
    with pytest.raises(MalformedInput, match="unknown clock"):
        read_trace(write_lines(tmp_path, json.dumps({**HEADER, "clock": "sundial"})))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    with pytest.raises(MalformedInput, match="empty file"):
        read_trace(str(empty))


def test_unknown_fields_are_ignored_blank_lines_skipped_and_api_resolved(tmp_path):
    p = write_lines(tmp_path, json.dumps({**HEADER, "producer": "my-hook 0.3"}),
                    "",
                    json.dumps({"t": 1, "kind": "api_call", "api": "TelephonyManager.getSubscriberId",
                                "colour": "blue", "stack": [{"class": "com.example.app.Main", "method": "go"}]}))
    trace = read_trace(p)
    (ev,) = trace.events
    assert ev.api_id == "telephony.getSubscriberId" and ev.pi_types == ["imsi"]
    assert ev.owner == "com.example.app"  # attributed from the stack with the header's package


def test_files_over_two_gib_are_refused(tmp_path):
    p = tmp_path / "huge.jsonl"
    with open(p, "wb") as fh:
        fh.write((json.dumps(HEADER) + "\n").encode())
        fh.truncate(jsonl.MAX_FILE_BYTES + 1)  # sparse: no disk used
    with pytest.raises(UnsafeInput, match="over the 2 GiB limit"):
        read_trace(str(p))


def test_every_event_kind_is_accepted(tmp_path):
    lines = [json.dumps(HEADER)] + [json.dumps({"t": i, "kind": k}) for i, k in enumerate(EVENT_KINDS)]
    assert [e.kind for e in read_trace(write_lines(tmp_path, *lines)).events] == list(EVENT_KINDS)


def test_shared_helpers():
    frames = parse_stack("java.lang.Exception: Exception\r\n"
                         "   android.provider.Settings$Secure.getString(Native Method)\r\n"
                         "   com.example.app.Ids.get(Ids.java:12)\r\n"
                         "   com.android.server.wm.-$$Lambda$qMFJ.accept(Unknown Source:29)\r\n")
    assert [(f.class_name, f.method, f.file, f.line) for f in frames] == [
        ("android.provider.Settings$Secure", "getString", None, None),
        ("com.example.app.Ids", "get", "Ids.java", 12),
        ("com.android.server.wm.-$$Lambda$qMFJ", "accept", None, 29)]
    assert api_for_frame("android.provider.Settings$Secure", "getString", '参数1："android_id"')["id"] == \
        "settings_secure.getString.android_id"
    assert api_for_frame("android.provider.Settings$Secure", "getString", '参数1："font_scale"') is None
    assert api_for_frame("android.app.ApplicationPackageManager", "getInstalledPackages")["id"] == \
        "packagemanager.getInstalledPackages"
    smali = "Landroid/telephony/TelephonyManager;->getImei(I)Ljava/lang/String;"
    assert api_by_name(smali)["id"] == "telephony.getImei"
    assert api_by_name("android.net.wifi.WifiInfo.getMacAddress")["id"] == "wifiinfo.getMacAddress"
    assert redact("imei=866123456789012 mac=AA:BB:CC:DD:EE:FF mail a.b@c.cn at 10:57:32") == \
        "imei=<redacted:15 digits> mac=<redacted:mac> mail <redacted:email> at 10:57:32"
