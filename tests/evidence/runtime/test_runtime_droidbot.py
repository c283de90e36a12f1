"""DroidBot folders: the real QQ音乐 run in ../shared, and small folders built here.

What the QQ音乐 run shows (verified by reading events/, states_json.tar.gz, logcat.txt and
user_input.txt by hand): the folder holds four DroidBot sessions (09:44, 10:32, 10:43, 10:57); the
logcat covers only the first 44 s of the last one (10:57:09–10:57:53). In that session the app
reads the IMEI at 10:57:32.909 and the IMSI at 10:57:33.802, before it even starts
StartUpPrivacyPolicyActivity (10:57:34.470). The privacy prompt (隐私保护指引概要) has a single
“确定” button — an acknowledgement, not an explicit 同意 — and DroidBot never pressed it: it tapped
the close icon (session 1), the body text (2), the title (3); in session 4 a person tapped the
device by hand at (549, 1616), on 确定, 0.09 s before the app left the prompt. The first explicit
agreement is DroidBot ticking the 同意《用户许可协议》《QQ音乐隐私指引》 checkbox on the login sheet at
10:58:57.5, then tapping its “同意” label at 11:02:02.5; all 19 IMEI/IMSI reads precede it.
DroidBot's host clock runs 0.501 s ahead of the device (kill_app at 10:57:21 ↔ Force stopping at
10:57:20.499; am start at 10:57:24 ↔ START from uid 2000 at 10:57:23.513).
"""

from __future__ import annotations

import calendar
import io
import json
import tarfile
from collections import Counter

import pytest
from conftest import shared

from privaudit.errors import InputError
from privaudit.evidence.runtime.droidbot import read_droidbot

RUN = ("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
QQ = "com.tencent.qqmusic"
PRIVACY = "com.tencent.qqmusic/.activity.baseactivity.StartUpPrivacyPolicyActivity"


def at(h, mi, s, y=2021, mo=11, d=23):
    return calendar.timegm((y, mo, d, h, mi, 0, 0, 0, 0)) + s


@pytest.fixture(scope="module")
def qq():
    return read_droidbot(str(shared(*RUN)))


def test_qqmusic_reads_identifiers_before_the_privacy_screen_and_before_consent(qq):
    assert qq.package == QQ and qq.format == "droidbot" and qq.clock == "device_wallclock"
    reads = [e for e in qq.events if e.kind == "api_call"
             and e.api_id in ("telephony.getDeviceId", "telephony.getSubscriberId")]
    assert Counter(e.api_id for e in reads) == {"telephony.getDeviceId": 9, "telephony.getSubscriberId": 10}
    assert all(e.detail.startswith(f"package={QQ};") for e in reads)
    assert all(e.owner is None for e in reads if not e.stack)  # a TelephonyPermissions line has no stack
    first_imei = min(e.t for e in reads if e.api_id == "telephony.getDeviceId")
    first_imsi = min(e.t for e in reads if e.api_id == "telephony.getSubscriberId")
    assert first_imei == pytest.approx(at(10, 57, 32.909), abs=1e-6)
    assert first_imsi == pytest.approx(at(10, 57, 33.802), abs=1e-6)

    session4 = at(10, 57, 20.499)  # the force stop that opens the session the logcat covers
    privacy = min(e.t for e in qq.events if e.kind == "screen" and e.activity == PRIVACY and e.t >= session4)
    assert privacy == pytest.approx(at(10, 57, 34.470), abs=1e-6)
    assert session4 < first_imei < first_imsi < privacy
    assert sum(1 for e in reads if e.t < privacy) == 4

    t_c = qq.consent_time()
    assert t_c == pytest.approx(at(10, 58, 57.499), abs=1e-6)
    assert all(e.t < t_c for e in reads)
    assert qq.refusal_time() is None


def test_qqmusic_consent_events_where_the_data_shows_them(qq):
    shown = [e for e in qq.events if e.kind == "consent_shown"]
    assert [round(e.t - at(0, 0, 0), 3) for e in shown] == [
        round(at(9, 44, 40.499) - at(0, 0, 0), 3), round(at(10, 33, 0.499) - at(0, 0, 0), 3),
        round(at(10, 43, 47.499) - at(0, 0, 0), 3), round(at(10, 57, 34.470) - at(0, 0, 0), 3)]
    assert all("确定 (acknowledge)" in e.detail for e in shown[:3])  # the prompt offers only 确定
    assert shown[3].detail.startswith("inferred")  # session 4: only the activity name, the prompt was never dumped
    accepted = [e for e in qq.events if e.kind == "consent_accepted"]
    assert [e.t for e in accepted] == [pytest.approx(at(10, 58, 57.499)), pytest.approx(at(11, 2, 2.499))]
    assert "ticked the checkbox “同意《用户许可协议》《QQ音乐隐私指引》”" in accepted[0].detail
    assert accepted[1].detail.startswith("tap on “同意”")
    assert all(e.activity == "com.tencent.qqmusic/.activity.LoginActivity" for e in accepted)


def test_qqmusic_clock_alignment_and_notes(qq):
    assert any("= 0.501 s" in n and "2 matched command(s)" in n for n in qq.notes)
    assert any("4 DroidBot sessions" in n for n in qq.notes)
    assert any("event_2021-11-23_105731.json" in n for n in qq.notes)  # the one empty event file
    # DroidBot's am start (tag 10:57:24) lands just before the START the device logged at 10:57:23.513
    launch = [e for e in qq.events if e.kind == "user_action" and e.provenance.locator == "event 2021-11-23_105724"]
    assert launch[0].t == pytest.approx(at(10, 57, 23.499))
    # the hand-made tap on 确定 falls between the prompt's display and the app leaving it
    manual = [e for e in qq.events if e.kind == "user_action" and e.detail.startswith("manual touch")
              and at(10, 57, 35.089) < e.t < at(10, 57, 36.430)]
    assert len(manual) == 1 and "(549, 1616)" in manual[0].detail
    assert "emulator-5554" not in json.dumps(qq.device) and qq.device["sdk"] == 30


def test_qqmusic_stacks_in_the_logcat_attribute_sdk_reads(qq):
    serial = [e for e in qq.events if e.api_id == "build.getSerial"]
    assert len(serial) == 1 and serial[0].sdk_id == "weibo-ssosdk"
    assert serial[0].stack[5].class_name == "android.os.Build" and serial[0].stack[5].method == "getSerial"
    tbs = [e for e in qq.events if e.kind == "api_call" and e.sdk_id == "tencent-tbs-x5"]
    assert len(tbs) == 3 and all(at(10, 57, 47.8) < e.t < at(10, 57, 47.9) for e in tbs)


# ---------------------------------------------------------------- a small folder built here


def view(text, rid, cls="android.widget.Button", clickable=True, temp_id=0, parent=-1, bounds=((0, 0), (10, 10))):
    return {"text": text, "resource_id": rid, "class": cls, "clickable": clickable, "visible": True,
            "temp_id": temp_id, "parent": parent, "children": [], "bounds": [list(bounds[0]), list(bounds[1])],
            "checkable": False, "checked": False, "content_description": None}


def prompt_state(tag="2024-01-02_030412"):
    return {"tag": tag, "state_str": "s_prompt", "foreground_activity": "com.example.app/.SplashActivity",
            "width": 1080, "height": 2280,
            "views": [view("欢迎使用！请阅读《隐私政策》", None, "android.widget.TextView", False, 0),
                      view("不同意", "com.example.app:id/no", temp_id=1),
                      view("同意并继续", "com.example.app:id/yes", temp_id=2)]}


def add_member(tf, name, data: bytes, kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    if kind == tarfile.SYMTYPE:
        info.linkname = "/etc/passwd"
    tf.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def make_run(tmp_path, with_logcat=True):
    run = tmp_path / "run"
    (run / "events").mkdir(parents=True)

    def event(tag, ev, start="s_launcher"):
        (run / "events" / f"event_{tag}.json").write_text(json.dumps(
            {"tag": tag, "event": ev, "start_state": start, "stop_state": start, "event_str": "x"}), encoding="utf-8")

    event("2024-01-02_030405", {"event_type": "kill_app", "stop_intent": "am force-stop com.example.app"})
    event("2024-01-02_030410", {"event_type": "intent", "intent": "am start com.example.app/com.example.app.Main"})
    event("2024-01-02_030414", {"event_type": "touch", "view": view("不同意", "com.example.app:id/no", temp_id=1)},
          "s_prompt")
    event("2024-01-02_030415", {"event_type": "touch", "view": view("同意并继续", "com.example.app:id/yes", temp_id=2)},
          "s_prompt")
    event("2024-01-02_030418", {"event_type": "touch", "view": view("同意", "com.example.app:id/like", temp_id=5)},
          "s_unknown")  # 同意 on a screen not known to name the policy: no consent
    (run / "events" / "event_2024-01-02_030420.json").write_bytes(b"")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        add_member(tf, "states/state_2024-01-02_030412.json", json.dumps(prompt_state()).encode())
        evil = dict(prompt_state("2024-01-02_030413"), state_str="s_evil",
                    foreground_activity="com.example.app/.EvilActivity")
        add_member(tf, "../../evil/state_2024-01-02_030413.json", json.dumps(evil).encode())
        add_member(tf, "states/state_2024-01-02_030414.json", b"", tarfile.SYMTYPE)
        add_member(tf, "states/readme.txt", b"not a state")
    (run / "states_json.tar.gz").write_bytes(buf.getvalue())
    (run / "utg.js").write_text('var utg = \n{"nodes": [], "edges": [], "app_package": "com.example.app", '
                                '"device_serial": "emulator-5554", "device_sdk_version": 30}', encoding="utf-8")
    if with_logcat:  # the device clock runs 1.7 s behind the host's
        (run / "logcat.txt").write_text(
            "01-02 03:04:03.300  1000  1001 I ActivityManager: Force stopping com.example.app appid=10100 user=0: "
            "from pid 1234\n"
            "01-02 03:04:08.400  1000  1001 I ActivityTaskManager: START u0 {act=android.intent.action.MAIN "
            "cat=[android.intent.category.LAUNCHER] flg=0x10000000 cmp=com.example.app/.Main} from uid 2000\n"
            "01-02 03:04:09.000   916  1221 W TelephonyPermissions: "
            "reportAccessDeniedToReadIdentifiers:com.example.app:getImei:1\n", encoding="utf-8")
    return run


def test_built_folder_consent_refusal_and_alignment(tmp_path):
    trace = read_droidbot(str(make_run(tmp_path)))
    assert trace.package == "com.example.app" and trace.clock == "device_wallclock"
    assert any("= 1.700 s" in n for n in trace.notes)
    shown = [e for e in trace.events if e.kind == "consent_shown"]
    assert len(shown) == 1 and shown[0].t == pytest.approx(at(3, 4, 12 - 1.7, 2024, 1, 2))
    assert "同意并继续 (accept)" in shown[0].detail and "不同意 (refuse)" in shown[0].detail
    assert trace.refusal_time() == pytest.approx(at(3, 4, 14 - 1.7, 2024, 1, 2))
    assert trace.consent_time() == pytest.approx(at(3, 4, 15 - 1.7, 2024, 1, 2))
    assert len([e for e in trace.events if e.kind == "consent_accepted"]) == 1  # the 同意 at 03:04:18 is not one
    read = [e for e in trace.events if e.api_id == "telephony.getImei"]
    assert read[0].t == pytest.approx(at(3, 4, 9.0, 2024, 1, 2)) and read[0].t < trace.consent_time()
    taps = [e.detail for e in trace.events if e.kind == "user_action"]
    assert 'tap "同意并继续" (com.example.app:id/yes Button)' in taps
    assert not any(e.activity == "com.example.app/.EvilActivity" for e in trace.events)  # '..' member ignored
    assert any("'..' paths ignored" in n for n in trace.notes)
    assert any("empty or unreadable event file" in n for n in trace.notes)
    assert "emulator-5554" not in json.dumps(trace.device)


def test_built_folder_without_logcat_stays_on_the_host_clock(tmp_path):
    trace = read_droidbot(str(make_run(tmp_path, with_logcat=False)))
    assert trace.clock == "host_wallclock"
    assert trace.consent_time() == pytest.approx(at(3, 4, 15, 2024, 1, 2))
    stops = [e for e in trace.events if e.kind == "lifecycle" and e.state == "stop"]
    assert len(stops) == 1 and "kill_app" in stops[0].detail


def test_not_a_droidbot_folder(tmp_path):
    with pytest.raises(InputError, match="not a DroidBot output folder"):
        read_droidbot(str(tmp_path))
    f = tmp_path / "file.txt"
    f.write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match="not a directory"):
        read_droidbot(str(f))


def test_corrupt_tarball_is_a_note_not_a_traceback(tmp_path):
    run = make_run(tmp_path)
    (run / "states_json.tar.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"\xff" * 100)
    trace = read_droidbot(str(run))
    assert any("unreadable archive" in n for n in trace.notes)
    assert trace.consent_time() is None  # without the prompt state nothing says the screen names the policy
