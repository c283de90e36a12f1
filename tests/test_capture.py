"""``privaudit capture`` with fakes only at the device boundary: a fake ``frida`` module (device manager,
device, session, script whose ``message`` callback the test drives with agent-shaped messages) and a fake
``adb`` runner standing in for ``subprocess``. The trace it writes is read back with ``load_trace``.

Also: the agent's own Node tests (``node --test privaudit/agent/test/``) when ``node`` is installed, and,
when the real ``frida`` package and a JDK are present, the real bundle in real Frida hooking stand-in
``android.*`` classes on a desktop JVM (no Android device is needed for that one).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
import types

import pytest
from conftest import REPO

from privaudit import capture as cap
from privaudit import catalog
from privaudit.cli import main
from privaudit.errors import InputError
from privaudit.evidence.runtime.load import load_trace

SERIAL = "emulator-5554"
PKG = "com.example.app"
IMEI = "861234567890123"
OFFSET = 3.0  # device clock - host clock in the fake


# ---------------------------------------------------------------- fakes at the device boundary


class FakeAdb:
    """Stands in for ``subprocess``: answers the adb commands the driver runs and records them."""

    def __init__(self, devices: str = f"{SERIAL}\tdevice\n", installed: bool = True) -> None:
        self.devices = devices
        self.installed = installed
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], timeout: float) -> tuple[int, str, str]:
        self.calls.append(argv)
        args = argv[1:]
        if args == ["devices"]:
            return 0, f"List of devices attached\n{self.devices}\n", ""
        assert args[:2] == ["-s", SERIAL], argv
        cmd = args[2:]
        if cmd[:3] == ["shell", "pm", "path"]:
            return (0, f"package:/data/app/~~x==/{PKG}-1/base.apk\n", "") if self.installed else (1, "", "")
        if cmd == ["shell", "getprop"]:
            return 0, ("[ro.product.model]: [Pixel 4]\n[ro.product.manufacturer]: [Google]\n"
                       "[ro.build.version.release]: [11]\n[ro.build.version.sdk]: [30]\n"
                       f"[ro.serialno]: [{SERIAL}]\n"), ""
        if cmd[:3] == ["shell", "pm", "clear"]:
            return 0, "Success\n", ""
        if cmd[:3] == ["shell", "am", "force-stop"]:
            return 0, "", ""
        raise AssertionError(f"unexpected adb command {argv}")

    def commands(self) -> list[str]:
        return [" ".join(c[3:]) for c in self.calls if c[1] == "-s"]


class ServerNotRunningError(Exception):
    pass


class ExecutableNotFoundError(Exception):
    pass


class InvalidArgumentError(Exception):
    pass


class FakeScript:
    def __init__(self, device: FakeDevice, source: str) -> None:
        self.device = device
        self.source = source
        self.handlers: dict[str, object] = {}
        self.posted: list[dict] = []
        self.loaded = self.unloaded = False

    def on(self, signal_name: str, callback) -> None:
        self.handlers[signal_name] = callback

    def load(self) -> None:
        self.loaded = True
        self.agent({"type": "hello", "agent": "privaudit-agent/1", "java_available": True, "android": "11"})

    def post(self, message: dict) -> None:
        self.posted.append(message)
        if message["type"] == "ping":  # the agent answers with its own clock
            self.agent({"type": "pong", "host": message["host"], "t": message["host"] + OFFSET})

    def unload(self) -> None:
        self.unloaded = True

    def agent(self, payload: dict) -> None:
        self.handlers["message"]({"type": "send", "payload": payload}, None)


class FakeSession:
    def __init__(self, device: FakeDevice) -> None:
        self.device = device
        self.handlers: dict[str, object] = {}
        self.detached = False

    def on(self, signal_name: str, callback) -> None:
        self.handlers[signal_name] = callback

    def create_script(self, source: str) -> FakeScript:
        self.device.script = FakeScript(self.device, source)
        return self.device.script

    def detach(self) -> None:
        self.detached = True


class FakeDevice:
    def __init__(self, scenario=None, spawn_error: Exception | None = None) -> None:
        self.scenario = scenario or (lambda script, session: None)
        self.spawn_error = spawn_error
        self.spawned: list[list[str]] = []
        self.resumed: list[int] = []
        self.killed: list[int] = []
        self.script: FakeScript | None = None
        self.session: FakeSession | None = None

    def spawn(self, argv: list[str]) -> int:
        if self.spawn_error is not None:
            raise self.spawn_error
        self.spawned.append(argv)
        return 4242

    def attach(self, pid: int) -> FakeSession:
        assert pid == 4242
        self.session = FakeSession(self)
        return self.session

    def resume(self, pid: int) -> None:
        self.resumed.append(pid)
        self.scenario(self.script, self.session)  # the app runs: the agent reports

    def kill(self, pid: int) -> None:
        self.killed.append(pid)


def fake_frida(device: FakeDevice, known: tuple[str, ...] = (SERIAL,)) -> types.SimpleNamespace:
    def get_device(serial: str, timeout: float = 0) -> FakeDevice:
        if serial not in known:
            raise InvalidArgumentError(f"unable to find device with id {serial}")
        return device

    return types.SimpleNamespace(
        __version__="17.2.0",
        get_device_manager=lambda: types.SimpleNamespace(get_device=get_device),
        ServerNotRunningError=ServerNotRunningError, ExecutableNotFoundError=ExecutableNotFoundError,
        InvalidArgumentError=InvalidArgumentError)


def which(name: str) -> str | None:
    return "/opt/platform-tools/adb" if name == "adb" else None


def run(tmp_path, scenario=None, *, adb: FakeAdb | None = None, device: FakeDevice | None = None,
        stdin=None, clock=None, **options) -> tuple[cap.CaptureResult, FakeDevice, FakeAdb]:
    adb = adb or FakeAdb()
    device = device or FakeDevice(scenario)
    opts = cap.CaptureOptions(device=SERIAL, package=PKG, output=str(tmp_path / "trace.jsonl"),
                              duration=options.pop("duration", 0.2), **options)
    logs: list[str] = []
    result = cap.capture(opts, frida_module=fake_frida(device), runner=adb, which=which, stdin=stdin,
                         log=logs.append, **({"clock": clock} if clock else {}))
    return result, device, adb


# agent-shaped messages
UMENG_STACK = [
    {"class": "android.telephony.TelephonyManager", "method": "getDeviceId", "file": None, "line": None},
    {"class": "com.umeng.commonsdk.statistics.common.DeviceConfig", "method": "getImeiNew",
     "file": "DeviceConfig.java", "line": 10},
    {"class": "com.example.app.App", "method": "onCreate", "file": "App.java", "line": 31},
]


def api_call(t: float, api_id: str = "telephony.getDeviceId", **extra) -> dict:
    event = {"t": t, "kind": "api_call", "api_id": api_id, "api": "TelephonyManager.getDeviceId",
             "pi_types": ["imei"], "thread": "main", "stack": UMENG_STACK, "args": "",
             "result": "sha256:" + hashlib.sha256(("salt" + IMEI).encode()).hexdigest()[:16]}
    event.update(extra)
    return {"type": "event", "event": event}


def tap(t: float, label: str, *, policy: bool = True, checkable: bool = False, checked: bool | None = None) -> dict:
    return {"type": "event",
            "event": {"t": t, "kind": "user_action", "activity": f"{PKG}/.SplashActivity",
                      "detail": f'tap "{label}" ({PKG}:id/btn Button)'},
            "tap": {"label": label, "view_class": "android.widget.Button", "resource_id": f"{PKG}:id/btn",
                    "checkable": checkable, "checked": checked, "policy_on_screen": policy}}


READY = {"type": "ready", "agent": "privaudit-agent/1", "t": 1000.1,
         "hooked": {a["id"]: 2 for a in catalog.sensitive_apis() if a["kind"] == "method"
                    and not a["id"].startswith(("amap.", "baidu.", "tencent.", "hms."))},
         "absent": [a["id"] for a in catalog.sensitive_apis() if a["id"].startswith(("amap.", "baidu.", "tencent.",
                                                                                     "hms."))],
         "abstract": [], "failed": [], "fields_via_uri": [{"id": "contacts.Contacts.CONTENT_URI",
                                                          "uri": "content://com.android.contacts/contacts"}],
         "fields_unhookable": ["build.SERIAL", "scanresult.BSSID"], "ui_hooks": ["Activity.onResume"],
         "ui_failed": []}


def first_run(script: FakeScript, session: FakeSession) -> None:
    """Cold start, prompt, an IMEI read by an SDK before consent, the tap on 同意, reads and a permission after."""
    script.agent({"type": "event", "event": {"t": 1000.0, "kind": "lifecycle", "state": "start",
                                             "detail": f"package={PKG}; cold start"}})
    script.agent(READY)
    script.agent({"type": "event", "event": {"t": 1000.5, "kind": "screen", "activity": f"{PKG}/.SplashActivity"}})
    script.agent({"type": "scan", "t": 1000.6, "activity": f"{PKG}/.SplashActivity", "why": "dialog shown",
                  "policy_on_screen": True, "controls": ["同意", "不同意", "《隐私政策》"]})
    script.agent(api_call(1001.0))
    script.agent(tap(1005.0, "同意"))
    script.agent(api_call(1006.0, "subscriptioninfo.getNumber", api="SubscriptionInfo.getNumber",
                          pi_types=["phone_number"], args="13812345678"))  # a raw number slipping through
    script.agent({"type": "event", "event": {"t": 1007.0, "kind": "permission_request", "activity": f"{PKG}/.Main",
                                             "permissions": ["android.permission.ACCESS_FINE_LOCATION"],
                                             "stack": UMENG_STACK[1:], "detail": "requestCode=7"}})
    script.agent({"type": "event", "event": {"t": 1008.0, "kind": "permission_result", "granted": False,
                                             "permissions": ["android.permission.ACCESS_FINE_LOCATION"]}})
    script.agent({"type": "event", "event": {"t": 1009.0, "kind": "teleport"}})  # malformed: dropped
    script.agent(api_call(1004.0))  # from another thread, arriving late: sorted into place
    script.agent({"type": "warning", "message": "tap report failed: x"})


# ---------------------------------------------------------------- the trace written


def test_capture_writes_a_trace_load_trace_reads(tmp_path):
    result, device, adb = run(tmp_path, first_run, fresh=True)
    trace = load_trace(result.output)
    assert trace.format == "jsonl" and trace.clock == "epoch" and trace.package == PKG
    assert trace.device["model"] == "Pixel 4" and trace.device["android"] == "11" and trace.device["sdk"] == "30"
    assert trace.device["serial_sha256"] == hashlib.sha256(SERIAL.encode()).hexdigest()[:16]
    raw = open(result.output, encoding="utf-8").read()
    assert SERIAL not in raw and IMEI not in raw and "13812345678" not in raw
    kinds = [(e.t, e.kind) for e in trace.events]
    assert kinds == sorted(kinds, key=lambda x: x[0]), "events sorted by time"
    assert kinds == [(1000.0, "lifecycle"), (1000.5, "screen"), (1000.6, "consent_shown"), (1001.0, "api_call"),
                     (1004.0, "api_call"), (1005.0, "user_action"), (1005.0, "consent_accepted"),
                     (1006.0, "api_call"), (1007.0, "permission_request"), (1008.0, "permission_result")]
    # the consent moment is the tap
    assert trace.consent_time() == 1005.0 == result.consent_time
    accepted = next(e for e in trace.events if e.kind == "consent_accepted")
    assert accepted.activity == f"{PKG}/.SplashActivity" and "同意" in accepted.detail
    shown = next(e for e in trace.events if e.kind == "consent_shown")
    assert '"同意", "不同意"' in shown.detail
    # the read before consent: catalogue id, PI type, SDK from the stack
    before = trace.events[3]
    assert before.api_id == "telephony.getDeviceId" and before.pi_types == ["imei"]
    assert before.sdk_id == "umeng-common" and before.stack[1].class_name.startswith("com.umeng")
    assert before.result.startswith("sha256:")
    # the writer's safety net redacted the raw number
    assert trace.events[7].args == "<redacted:11 digits>"
    assert trace.events[8].permissions == ["android.permission.ACCESS_FINE_LOCATION"]
    assert trace.events[9].granted is False
    # notes for the reviewer
    notes = "\n".join(trace.notes)
    assert "hooked 80 of 89 catalogued methods" in notes
    assert "amap.locationclient.startLocation" in notes and "build.SERIAL" in notes
    assert "device clock - host clock = +3.000 s" in notes
    assert "consent moment: the tester's tap" in notes
    assert "1 malformed agent event(s) dropped" in notes and "1 agent warning(s)" in notes
    assert result.counts["api_call"] == 3 and result.events == 10
    # device side: data cleared, cold start, spawned, resumed, agent unloaded
    assert adb.commands() == [f"shell pm path {PKG}", "shell getprop", f"shell pm clear {PKG}",
                              f"shell am force-stop {PKG}"]
    assert device.spawned == [[PKG]] and device.resumed == [4242] and device.killed == []
    assert device.script.loaded and device.script.unloaded and device.session.detached


def test_the_agent_gets_the_catalogue_and_the_consent_words(tmp_path):
    _, device, _ = run(tmp_path)
    script = device.script
    assert script.source == open(cap.AGENT_PATH, encoding="utf-8").read()
    config = script.posted[0]
    assert config["type"] == "config" and script.posted[1]["type"] == "ping"
    payload = config["payload"]
    assert payload["package"] == PKG
    assert payload["apis"] == catalog.sensitive_apis(), "the catalogue is the single source of truth"
    assert payload["impl_classes"]["android.content.pm.PackageManager"] == ["android.app.ApplicationPackageManager"]
    assert "隐私政策" in payload["policy_words"] and "privacy policy" in payload["policy_words"]
    assert len(payload["salt"]) == 32
    _, device2, _ = run(tmp_path)
    assert device2.script.posted[0]["payload"]["salt"] != payload["salt"], "a new salt per run"


@pytest.mark.parametrize(("message", "expected"), [
    (tap(1005.0, "不同意"), "consent_refused"),
    (tap(1005.0, "同意", policy=False), None),  # no policy on screen: not consent
    (tap(1005.0, "好的"), None),  # an acknowledgement never is
    (tap(1005.0, "我已阅读并同意《隐私政策》", checkable=True, checked=True), "consent_accepted"),
    (tap(1005.0, "我已阅读并同意《隐私政策》", checkable=True, checked=False), None),  # unticked
    (tap(1005.0, "Agree"), "consent_accepted"),
])
def test_taps_decided_with_the_consent_rules(tmp_path, message, expected):
    result, _, _ = run(tmp_path, lambda script, session: script.agent(message))
    trace = load_trace(result.output)
    decided = [e.kind for e in trace.events if e.kind.startswith("consent_")]
    assert decided == ([expected] if expected else [])
    if message["tap"]["label"] == "同意" and expected is None:
        assert any("not consent" in n for n in trace.notes)


def test_consent_key_marks_the_moment_on_the_device_clock(tmp_path):
    result, _, _ = run(tmp_path, lambda script, session: script.agent(api_call(2001.0)),
                       stdin=io.StringIO("\n\n"), clock=lambda: 2000.0, consent_key=True, duration=0.5)
    trace = load_trace(result.output)
    accepted = [e for e in trace.events if e.kind == "consent_accepted"]
    assert len(accepted) == 1, "only the first Enter counts"
    assert accepted[0].t == 2000.0 + OFFSET
    assert "marked by the tester with Enter (host clock + measured offset)" in accepted[0].detail
    assert any("marked by the tester with Enter" in n for n in trace.notes)


def test_the_app_dying_ends_the_run(tmp_path):
    def dies(script, session):
        script.agent(api_call(1001.0))
        session.handlers["detached"]("process-terminated", None)

    t0 = time.monotonic()
    result, _, _ = run(tmp_path, dies, duration=30)
    assert time.monotonic() - t0 < 10
    trace = load_trace(result.output)
    assert trace.events[-1].kind == "lifecycle" and trace.events[-1].state == "stop"
    assert any("process ended during the run: process-terminated" in n for n in trace.notes)
    assert any(n.startswith("stopped: the app's process ended") for n in trace.notes)


def test_ctrl_c_stops_the_run_and_keeps_the_trace(tmp_path):
    def interrupt(text: str) -> None:
        if text.startswith("hooked"):
            raise KeyboardInterrupt

    device = FakeDevice(lambda script, session: (script.agent(api_call(1001.0)), script.agent(READY),
                                                 script.agent(api_call(1002.0))))
    opts = cap.CaptureOptions(device=SERIAL, package=PKG, output=str(tmp_path / "t.jsonl"), duration=30)
    t0 = time.monotonic()
    result = cap.capture(opts, frida_module=fake_frida(device), runner=FakeAdb(), which=which, log=interrupt)
    assert time.monotonic() - t0 < 10
    trace = load_trace(result.output)
    assert [e.t for e in trace.events] == [1001.0, 1002.0]
    assert "stopped: Ctrl-C" in trace.notes and device.script.unloaded


def test_agent_without_java_is_a_one_line_error(tmp_path):
    def scenario(script, session):
        script.agent({"type": "fatal", "message": "no Java runtime in this process"})

    with pytest.raises(InputError, match=r"^the agent could not run in com\.example\.app: no Java runtime"):
        run(tmp_path, scenario, duration=30)
    trace = load_trace(str(tmp_path / "trace.jsonl"))  # still a valid trace, saying why it is empty
    assert trace.events == [] and any("never reported its hooks" in n for n in trace.notes)


# ---------------------------------------------------------------- errors: one line each


def one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text
    return text


def test_missing_frida_package(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "frida", None)  # import frida -> ImportError
    opts = cap.CaptureOptions(device=SERIAL, package=PKG, output=str(tmp_path / "t.jsonl"))
    with pytest.raises(InputError) as exc:
        cap.capture(opts, runner=FakeAdb(), which=which)
    assert "pip install frida frida-tools" in one_line(exc)


def test_missing_adb(tmp_path):
    opts = cap.CaptureOptions(device=SERIAL, package=PKG, output=str(tmp_path / "t.jsonl"))
    with pytest.raises(InputError) as exc:
        cap.capture(opts, frida_module=fake_frida(FakeDevice()), runner=FakeAdb(), which=lambda name: None)
    assert one_line(exc) == "adb not found on PATH: install Android platform-tools"


def test_unknown_device(tmp_path):
    with pytest.raises(InputError) as exc:
        run(tmp_path, adb=FakeAdb(devices="0123456789ABCDEF\tdevice\nR58M\tunauthorized\n"))
    assert one_line(exc) == f"device {SERIAL} not found by adb (connected: 0123456789ABCDEF, R58M)"
    with pytest.raises(InputError) as exc:
        run(tmp_path, adb=FakeAdb(devices=f"{SERIAL}\tunauthorized\n"))
    assert "is unauthorized" in one_line(exc)


def test_device_adb_sees_but_frida_does_not(tmp_path):
    device = FakeDevice()
    opts = cap.CaptureOptions(device=SERIAL, package=PKG, output=str(tmp_path / "t.jsonl"))
    with pytest.raises(InputError) as exc:
        cap.capture(opts, frida_module=fake_frida(device, known=()), runner=FakeAdb(), which=which)
    assert one_line(exc).startswith(f"frida cannot see device {SERIAL}: unable to find device")


def test_app_not_installed(tmp_path):
    with pytest.raises(InputError) as exc:
        run(tmp_path, adb=FakeAdb(installed=False))
    assert one_line(exc) == f"app {PKG} is not installed on {SERIAL}"


def test_frida_server_not_running(tmp_path):
    device = FakeDevice(spawn_error=ServerNotRunningError("unable to connect to remote frida-server: closed"))
    with pytest.raises(InputError) as exc:
        run(tmp_path, device=device)
    assert one_line(exc).startswith(f"frida-server is not running on {SERIAL}")
    assert not (tmp_path / "trace.jsonl").exists(), "no trace file when the app never ran"
    device = FakeDevice(spawn_error=ExecutableNotFoundError(f"unable to find application with identifier '{PKG}'"))
    with pytest.raises(InputError) as exc:
        run(tmp_path, device=device)
    assert one_line(exc) == f"app {PKG} is not installed on {SERIAL} (frida cannot find it)"


def test_bad_options(tmp_path):
    for kwargs, msg in (({"package": "com.x; rm -rf /"}, "not a package name"),
                        ({"duration": 0}, "--duration must be a positive"),
                        ({"mitm_port": 8080}, "--mitm PORT and --har FILE go together"),
                        ({"output": str(tmp_path / "no" / "t.jsonl")}, "output directory does not exist")):
        opts = {"device": SERIAL, "package": PKG, "output": str(tmp_path / "t.jsonl"), **kwargs}
        with pytest.raises(InputError, match=msg):
            cap.capture(cap.CaptureOptions(**opts), frida_module=fake_frida(FakeDevice()), runner=FakeAdb(),
                        which=which)


def test_mitm_needs_mitmdump_and_is_stopped_cleanly(tmp_path, monkeypatch):
    har = str(tmp_path / "flows.har")
    with pytest.raises(InputError) as exc:
        run(tmp_path, mitm_port=8080, har=har)
    assert "pip install mitmproxy" in one_line(exc)

    class Proc:
        signals: list[int] = []

        def __init__(self, argv, **kwargs):
            self.argv = argv
            Proc.argv = argv
            self.returncode = None
            self.stderr = None

        def poll(self):
            return None

        def send_signal(self, sig):
            Proc.signals.append(sig)

        def wait(self, timeout=None):
            return 0

    monkeypatch.setattr(cap.time, "sleep", lambda s: None)
    device = FakeDevice(lambda script, session: script.agent(api_call(1001.0)))
    opts = cap.CaptureOptions(device=SERIAL, package=PKG, output=str(tmp_path / "t.jsonl"), duration=0.2,
                              mitm_port=8080, har=har)
    result = cap.capture(opts, frida_module=fake_frida(device), runner=FakeAdb(), popen=Proc, log=lambda s: None,
                         which=lambda n: f"/usr/bin/{n}")
    assert Proc.argv == ["/usr/bin/mitmdump", "-p", "8080", "--set", f"hardump={har}"]
    assert Proc.signals == [signal.SIGINT]
    assert any("mitmdump on port 8080" in n for n in result.notes)


def test_cli_capture_errors_are_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "frida", None)
    rc = main(["capture", "--device", SERIAL, "--package", PKG, "-o", str(tmp_path / "t.jsonl")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("privaudit: error: the frida Python package is not installed")


def test_cli_capture_wires_the_options(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake_capture(opts):
        seen["opts"] = opts
        return cap.CaptureResult(opts.output, 3, {"api_call": 2, "consent_accepted": 1}, 1005.0)

    monkeypatch.setattr(cap, "capture", fake_capture)
    out = str(tmp_path / "t.jsonl")
    rc = main(["capture", "--device", SERIAL, "--package", PKG, "-o", out, "--duration", "60", "--fresh",
               "--consent-key", "--mitm", "8080", "--har", "f.har"])
    assert rc == 0
    assert seen["opts"] == cap.CaptureOptions(device=SERIAL, package=PKG, output=out, duration=60.0, fresh=True,
                                              consent_key=True, mitm_port=8080, har="f.har")
    assert "wrote 3 events" in capsys.readouterr().err


# ---------------------------------------------------------------- the agent's own tests, and the bundle


def test_agent_node_tests():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the agent's Node tests (privaudit/agent/test/) were not run")
    proc = subprocess.run([node, "--test", "privaudit/agent/test/"], cwd=REPO, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "# fail 0" in proc.stdout


def test_bundle_is_packaged():
    assert os.path.isfile(cap.AGENT_PATH)
    with open(REPO / "pyproject.toml", encoding="utf-8") as fh:
        assert '"privaudit.agent" = ["*.js"]' in fh.read()


# ---------------------------------------------------------------- real Frida, real bundle, a desktop JVM

JVM_STUBS = {
    "android/telephony/TelephonyManager.java": """
        package android.telephony;
        public class TelephonyManager {
            public String getDeviceId() { return "861234567890123"; }
            public String getDeviceId(int slot) { throw new SecurityException("getDeviceId: no READ_PHONE_STATE"); }
            public String getImei() { return getImei(0); }
            public String getImei(int slot) { return "861234567890123"; }
        }""",
    "android/content/ContentResolver.java": """
        package android.content;
        public class ContentResolver { }""",
    "android/provider/Settings.java": """
        package android.provider;
        public class Settings {
            public static class Secure {
                public static String getString(android.content.ContentResolver cr, String name) {
                    return "android_id".equals(name) ? "9774d56d682e549c" : "other";
                }
            }
        }""",
    "android/content/Intent.java": """
        package android.content;
        public class Intent {
            public String[] getStringArrayExtra(String k) { return new String[] {"android.permission.CAMERA"}; }
            public int[] getIntArrayExtra(String k) { return new int[] {-1}; }
        }""",
    "android/content/ComponentName.java": """
        package android.content;
        public class ComponentName {
            public String flattenToShortString() { return "com.example.app/.SplashActivity"; }
        }""",
    "android/view/View.java": """
        package android.view;
        public class View {
            public ViewGroup parent;
            public int getVisibility() { return 0; }
            public boolean isClickable() { return false; }
            public int getId() { return -1; }
            public CharSequence getContentDescription() { return null; }
            public View getRootView() { View v = this; while (v.parent != null) v = v.parent; return v; }
            public boolean performClick() { return true; }
        }""",
    "android/view/ViewGroup.java": """
        package android.view;
        public class ViewGroup extends View {
            private final java.util.List<View> kids = new java.util.ArrayList<>();
            public void addView(View v) { kids.add(v); v.parent = this; }
            public int getChildCount() { return kids.size(); }
            public View getChildAt(int i) { return kids.get(i); }
        }""",
    "android/view/Window.java": """
        package android.view;
        public class Window {
            public final View decor; public Window(View d) { decor = d; }
            public View getDecorView() { return decor; }
        }""",
    "android/widget/TextView.java": """
        package android.widget;
        public class TextView extends android.view.View {
            private final CharSequence text; private final boolean clickable;
            public TextView(CharSequence t, boolean c) { text = t; clickable = c; }
            public CharSequence getText() { return text; }
            @Override public boolean isClickable() { return clickable; }
        }""",
    "android/widget/Button.java": """
        package android.widget;
        public class Button extends TextView { public Button(CharSequence t) { super(t, true); } }""",
    "android/widget/CompoundButton.java": """
        package android.widget;
        public class CompoundButton extends Button {
            public CompoundButton(CharSequence t) { super(t); }
            public boolean isChecked() { return false; }
        }""",
    "android/app/Activity.java": """
        package android.app;
        public class Activity {
            public android.view.Window window;
            public android.content.ComponentName getComponentName() { return new android.content.ComponentName(); }
            public android.view.Window getWindow() { return window; }
            protected void onStart() {}
            protected void onResume() {}
            protected void onStop() {}
            public final void requestPermissions(String[] permissions, int requestCode) {}
            public void dispatchRequestPermissionsResult(int requestCode, android.content.Intent data) {
                onRequestPermissionsResult(requestCode, data.getStringArrayExtra("n"), data.getIntArrayExtra("r"));
            }
            public void onRequestPermissionsResult(int requestCode, String[] permissions, int[] results) {}
        }""",
    "android/app/Dialog.java": """
        package android.app;
        public class Dialog {
            private final android.view.Window w;
            public Dialog(android.view.View content) { w = new android.view.Window(content); }
            public android.view.Window getWindow() { return w; }
            public void show() {}
        }""",
    "com/example/app/SplashActivity.java": """
        package com.example.app;
        import android.view.ViewGroup;
        import android.widget.*;
        public class SplashActivity extends android.app.Activity {
            @Override public void onRequestPermissionsResult(int code, String[] permissions, int[] results) {
                new android.telephony.TelephonyManager().getImei(1);               // a read in the callback
            }
            public static void main(String[] args) throws Exception {
                java.io.File go = new java.io.File(args[0]);
                for (int i = 0; i < 600 && !go.exists(); i++) Thread.sleep(50);   // until the hooks are in
                SplashActivity a = new SplashActivity();
                a.onStart(); a.onResume();
                android.telephony.TelephonyManager tm = new android.telephony.TelephonyManager();
                com.umeng.Sdk.collect(tm);                                          // an SDK reads before consent
                ViewGroup dialog = new ViewGroup();
                dialog.addView(new TextView("请阅读《隐私政策》", false));
                Button agree = new Button("同意"); dialog.addView(agree); dialog.addView(new Button("不同意"));
                new android.app.Dialog(dialog).show();
                Thread.sleep(300);
                agree.performClick();                                               // the consent moment
                Thread.sleep(300);
                android.provider.Settings.Secure.getString(new android.content.ContentResolver(), "android_id");
                android.provider.Settings.Secure.getString(new android.content.ContentResolver(), "font_scale");
                tm.getImei();
                try { tm.getDeviceId(1); } catch (SecurityException e) { System.out.println("app caught " + e); }
                a.requestPermissions(new String[] {"android.permission.CAMERA"}, 3);
                a.dispatchRequestPermissionsResult(3, new android.content.Intent());
                a.onStop();
                Thread.sleep(60000);
            }
        }""",
    "com/umeng/Sdk.java": """
        package com.umeng;
        public class Sdk { public static void collect(android.telephony.TelephonyManager tm) { tm.getDeviceId(); } }""",
}


def _real_frida():
    try:
        import frida  # noqa: PLC0415
    except ImportError:
        return None
    return frida


@pytest.mark.skipif(_real_frida() is None or shutil.which("javac") is None or not sys.platform.startswith("linux"),
                    reason="needs the real frida package (pip install 'privaudit[capture]'), a JDK and Linux")
def test_real_frida_bundle_on_a_desktop_jvm(tmp_path):
    """The committed bundle in real Frida 17 (frida-java-bridge compiled in) hooks stand-in android.* classes in
    a HotSpot JVM; the real driver writes the trace. Only adb and the Android device are replaced."""
    frida = _real_frida()
    src = tmp_path / "src"
    for rel, code in JVM_STUBS.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(code), encoding="utf-8")
    classes = tmp_path / "classes"
    subprocess.run(["javac", "-d", str(classes), *map(str, src.rglob("*.java"))], check=True, timeout=300)
    java = os.path.realpath(shutil.which("java"))
    go = tmp_path / "go"
    local = frida.get_local_device()

    class Device:
        """The local device, made to look like a phone: 'spawning' the package starts the JVM program."""

        def spawn(self, argv):
            self.pid = local.spawn([java, "-cp", str(classes), "com.example.app.SplashActivity", str(go)])
            local.resume(self.pid)
            time.sleep(1.5)  # let the JVM load libjvm before the agent looks for it
            return self.pid

        def attach(self, pid):
            session = local.attach(pid)
            real_create = session.create_script
            ready = self.ready = threading.Event()

            def create_script(source):
                script = real_create(source)
                real_on = script.on

                def on(signal_name, callback):
                    def spy(message, data):
                        if message.get("type") == "send" and message["payload"].get("type") in ("ready", "fatal"):
                            ready.set()
                        callback(message, data)
                    real_on(signal_name, spy if signal_name == "message" else callback)
                script.on = on
                return script
            session.create_script = create_script
            return session

        def resume(self, pid):
            assert self.ready.wait(30), "the agent never reported its hooks"
            go.write_text("go")

        def kill(self, pid):
            local.kill(pid)

    device = Device()
    manager = types.SimpleNamespace(get_device=lambda serial, timeout=0: device)
    module = types.SimpleNamespace(__version__=frida.__version__, get_device_manager=lambda: manager)
    out = str(tmp_path / "trace.jsonl")
    try:
        result = cap.capture(cap.CaptureOptions(device=SERIAL, package=PKG, output=out, duration=8),
                             frida_module=module, runner=FakeAdb(), which=which, log=lambda s: None)
    finally:
        try:
            local.kill(device.pid)
        except Exception:
            pass
    trace = load_trace(out)
    kinds = [e.kind for e in trace.events]
    calls = [(e.api_id, e.sdk_id) for e in trace.events if e.kind == "api_call"]
    assert calls == [("telephony.getDeviceId", None), ("settings_secure.getString.android_id", None),
                     ("telephony.getImei", None), ("telephony.getDeviceId", None), ("telephony.getImei", None)], calls
    denied = [e for e in trace.events if e.kind == "api_call"][-2]
    assert denied.result == "threw java.lang.SecurityException"  # an attempt is still a read; the app got it
    first = next(e for e in trace.events if e.kind == "api_call")
    assert [f.class_name for f in first.stack[:2]] == ["android.telephony.TelephonyManager", "com.umeng.Sdk"]
    assert first.result.startswith("sha256:") and IMEI not in open(out, encoding="utf-8").read()
    assert trace.consent_time() is not None
    t_c = trace.consent_time()
    assert first.t < t_c < [e for e in trace.events if e.kind == "api_call"][1].t
    assert "consent_shown" in kinds and "permission_request" in kinds
    result_ev = next(e for e in trace.events if e.kind == "permission_result")
    assert result_ev.permissions == ["android.permission.CAMERA"] and result_ev.granted is False
    in_callback = [e for e in trace.events if e.kind == "api_call"][-1]
    assert result_ev.t <= in_callback.t and in_callback.stack[1].method == "onRequestPermissionsResult"
    assert [e.state for e in trace.events if e.kind == "lifecycle"][:3] == ["start", "foreground", "background"]
    assert json.loads(open(out, encoding="utf-8").readline())["clock"] == "epoch"
    assert result.consent_time == t_c
