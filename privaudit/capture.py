"""Record a runtime trace: spawn an app under Frida with privaudit's own agent and write privaudit-trace JSONL.

``capture(CaptureOptions(device=…, package=…, output=…))`` is what ``privaudit capture`` runs:

1. checks the tools and the device: the ``frida`` Python package (imported here, lazily), ``adb``, the
   device (``adb devices``), the app (``pm path``); reads model and Android version (``getprop``);
2. with ``fresh``, clears the app's data (``pm clear``) so the run starts as a first launch; always
   force-stops the app so the spawn is a cold start;
3. optionally starts ``mitmdump -p PORT --set hardump=FILE`` for the network side;
4. spawns the app suspended (``device.spawn``), attaches, loads the bundled agent
   (``privaudit/agent/privaudit-agent.js``), posts the configuration — the entries of
   ``catalog/sensitive_apis.json`` (the single source of truth for what is hooked), the implementation
   classes of abstract APIs, the policy words of ``consent.py`` and a per-run hashing salt — and resumes;
5. writes each event as it arrives (header first, clock ``epoch``: the device's ``Date.now()``); decides
   the consent moment from the taps the agent reports, with the word lists and rules of
   ``evidence/runtime/consent.py`` (or from the tester's Enter key with ``consent_key``);
6. stops after ``duration`` seconds, on Ctrl-C or when the app dies, and rewrites the header with the
   run's notes (hook coverage, clock offset, what was not seen), events sorted by time.

Every problem a user can fix (no frida package, no adb, device not found, app not installed, frida-server
not running, mitmdump missing) is a one-line ``InputError``. The agent's protocol is described at the top
of ``privaudit/agent/src/core.js``.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from privaudit import catalog
from privaudit.errors import InputError
from privaudit.evidence.runtime import consent, jsonl
from privaudit.evidence.runtime.model import TraceEvent
from privaudit.model import Provenance

AGENT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "agent", "privaudit-agent.js")
PACKAGE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$")
SERIAL_RE = re.compile(r"^[\w.:\-\[\]]{1,128}$")
FRIDA_HINT = "pip install frida frida-tools (or pip install 'privaudit[capture]')"
SHOWN_GAP_S = 10.0  # two consent_shown closer than this are one prompt
ADB_TIMEOUT_S = 60.0
MAX_SORT_BYTES = 512 * 1024 * 1024  # the final rewrite sorts events in memory only below this size

# (args, timeout) -> (returncode, stdout, stderr); the subprocess boundary, replaced in tests
Runner = Callable[[list[str], float], tuple[int, str, str]]


@dataclass(slots=True)
class CaptureOptions:
    device: str
    package: str
    output: str
    duration: float | None = None  # seconds; None: until Ctrl-C or the app ends
    fresh: bool = False  # pm clear before the run: a first launch
    consent_key: bool = False  # the tester presses Enter at the consent moment
    mitm_port: int | None = None
    har: str | None = None


@dataclass(slots=True)
class CaptureResult:
    output: str
    events: int
    counts: dict[str, int]
    consent_time: float | None
    notes: list[str] = field(default_factory=list)


def run_subprocess(args: list[str], timeout: float) -> tuple[int, str, str]:
    """The real runner: ``subprocess.run`` with captured text output."""
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, errors="replace")
    except FileNotFoundError:
        raise InputError(f"{args[0]} not found") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"{os.path.basename(args[0])} did not answer within {timeout:.0f} s: "
                         f"{' '.join(args[1:])}") from None
    return proc.returncode, proc.stdout, proc.stderr


def import_frida() -> Any:
    try:
        import frida  # noqa: PLC0415 - optional dependency, imported only when capturing
    except ImportError:
        raise InputError(f"the frida Python package is not installed: {FRIDA_HINT}") from None
    return frida


def agent_config(package: str, salt: str) -> dict[str, Any]:
    """What the driver posts to the agent: the catalogue entries and the consent vocabulary, from their sources."""
    impl: dict[str, list[str]] = {}
    for impl_class, public in jsonl.CLASS_ALIASES.items():
        impl.setdefault(public, []).append(impl_class)
    words = sorted({consent.normalise(w) for lang in consent.consent_words["policy"].values() for w in lang})
    return {"package": package, "salt": salt, "apis": catalog.sensitive_apis(), "impl_classes": impl,
            "policy_words": words}


# ---------------------------------------------------------------- adb


class Adb:
    def __init__(self, serial: str, runner: Runner, path: str) -> None:
        self.serial = serial
        self.runner = runner
        self.path = path

    def run(self, *args: str, timeout: float = ADB_TIMEOUT_S, device: bool = True) -> tuple[int, str, str]:
        argv = [self.path, "-s", self.serial, *args] if device else [self.path, *args]
        return self.runner(argv, timeout)

    def check_device(self) -> None:
        rc, out, err = self.run("devices", device=False)
        if rc != 0:
            raise InputError(f"adb devices failed: {_first_line(err or out)}")
        states: dict[str, str] = {}
        for line in out.splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith(("List of devices", "*")):
                states[parts[0]] = parts[1]
        state = states.get(self.serial)
        if state is None:
            seen = ", ".join(sorted(states)) or "none"
            raise InputError(f"device {self.serial} not found by adb (connected: {seen})")
        if state != "device":
            raise InputError(f"device {self.serial} is {state} (adb needs it in state 'device': "
                             "unlock it and accept the USB debugging prompt)")

    def shell(self, *args: str, timeout: float = ADB_TIMEOUT_S) -> str:
        rc, out, err = self.run("shell", *args, timeout=timeout)
        if rc != 0:
            raise InputError(f"adb shell {' '.join(args)} failed on {self.serial}: {_first_line(err or out)}")
        return out

    def check_installed(self, package: str) -> None:
        rc, out, err = self.run("shell", "pm", "path", package)
        if rc != 0 or "package:" not in out:
            raise InputError(f"app {package} is not installed on {self.serial}")

    def properties(self) -> dict[str, str]:
        props: dict[str, str] = {}
        for line in self.shell("getprop").splitlines():
            m = re.match(r"^\[([^\]]+)\]: \[(.*)\]\s*$", line)
            if m:
                props[m.group(1)] = m.group(2)
        return props


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _first_line(text: str) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return lines[0][:300] if lines else "no output"


# ---------------------------------------------------------------- the trace file


class TraceFile:
    """privaudit-trace JSONL written as events arrive: header first, one flushed line per event."""

    def __init__(self, path: str, header: dict[str, Any]) -> None:
        self.path = path
        self.header = header
        self.count = 0
        self.kinds: Counter[str] = Counter()
        self.rejected = 0
        self.sorted = True
        self._last_t = float("-inf")
        self._prov = Provenance("trace", path)
        self._fh: IO[str] | None = open(path, "w", encoding="utf-8", newline="\n")
        self._write_line(header)

    def _write_line(self, obj: dict[str, Any]) -> None:
        assert self._fh is not None
        self._fh.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._fh.flush()

    def add(self, obj: dict[str, Any]) -> TraceEvent | None:
        """Validate one event (the reader's own rules), redact args/result, write it; None when rejected."""
        try:
            event = jsonl.event_from_dict(obj, self._prov)
        except ValueError:
            self.rejected += 1
            return None
        out = jsonl.event_to_dict(event)
        out.pop("origin", None)
        self._write_line(out)
        self.count += 1
        self.kinds[event.kind] += 1
        if event.t < self._last_t:
            self.sorted = False
        self._last_t = max(self._last_t, event.t)
        return event

    def discard(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        _quietly(lambda: os.unlink(self.path))

    def close(self, notes: list[str]) -> None:
        """Close, then rewrite the header with the final notes (and sort the events by time if needed)."""
        if self._fh is None:
            return
        self._fh.close()
        self._fh = None
        self.header["notes"] = notes
        directory = os.path.dirname(os.path.abspath(self.path))
        tmp = os.path.join(directory, f".{os.path.basename(self.path)}.{os.getpid()}.tmp")
        try:
            with open(self.path, encoding="utf-8") as src, open(tmp, "w", encoding="utf-8", newline="\n") as dst:
                src.readline()  # the old header
                dst.write(json.dumps(self.header, ensure_ascii=False, separators=(",", ":")) + "\n")
                if self.sorted or os.path.getsize(self.path) > MAX_SORT_BYTES:
                    shutil.copyfileobj(src, dst)
                else:
                    lines = [ln for ln in src if ln.strip()]
                    lines.sort(key=lambda ln: json.loads(ln)["t"])  # stable: arrival order within one t
                    dst.writelines(lines)
            os.replace(tmp, self.path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise


# ---------------------------------------------------------------- one capture session


class Session:
    """Turns the agent's messages into trace events; decides consent with ``consent.py``."""

    def __init__(self, trace: TraceFile, package: str, log: Callable[[str], None]) -> None:
        self.trace = trace
        self.package = package
        self.log = log
        self.offset: float | None = None  # device epoch - host epoch, from the ping
        self.ready: dict[str, Any] | None = None
        self.agent: str | None = None
        self.fatal: str | None = None
        self.detached: str | None = None
        self.script_errors: list[str] = []
        self.warnings: list[str] = []
        self.consent_from: str | None = None
        self.last_shown = float("-inf")
        self.taps_without_policy = 0
        self.last_t: float | None = None

    # -- the agent's messages

    def on_message(self, message: dict[str, Any], host_t: float) -> None:
        if message.get("type") == "error":
            text = _first_line(str(message.get("description") or message.get("stack") or message))
            self.script_errors.append(text)
            if len(self.script_errors) <= 3:
                self.log(f"agent error: {text}")
            return
        if message.get("type") != "send" or not isinstance(message.get("payload"), dict):
            return
        payload = message["payload"]
        kind = payload.get("type")
        if kind == "event" and isinstance(payload.get("event"), dict):
            self._event(payload["event"], payload.get("tap"))
        elif kind == "scan":
            self._scan(payload)
        elif kind == "hello":
            self.agent = str(payload.get("agent"))
            if payload.get("source_sha256"):
                self.agent += f", built from sources sha256 {str(payload['source_sha256'])[:16]}"
        elif kind in ("ready", "hooks_added"):
            self.ready = payload
            if kind == "ready":
                self.log(self.coverage_line())
        elif kind == "pong" and _number(payload.get("t")) and _number(payload.get("host")):
            self.offset = float(payload["t"]) - (float(payload["host"]) + host_t) / 2
        elif kind == "warning":
            self.warnings.append(str(payload.get("message"))[:300])
        elif kind == "fatal":
            self.fatal = str(payload.get("message"))[:500]

    def _event(self, obj: dict[str, Any], tap: Any) -> None:
        event = self.trace.add(obj)
        if event is None:
            return
        self.last_t = event.t
        if event.kind == "user_action" and isinstance(tap, dict):
            self._tap(event, tap)

    def _tap(self, event: TraceEvent, tap: dict[str, Any]) -> None:
        label = tap.get("label") if isinstance(tap.get("label"), str) else None
        verdict = consent.classify_control(label)
        if tap.get("checkable"):
            # a checkbox: ticking "我已阅读并同意《隐私政策》" agrees; unticking or other labels decide nothing
            ticked = tap.get("checked") is True
            verdict = "accept" if ticked and (consent.agrees(label) or verdict == "accept") else None
        if verdict not in ("accept", "refuse"):
            return
        if not (tap.get("policy_on_screen") or consent.presents_policy(label)):
            self.taps_without_policy += 1
            return
        kind = "consent_accepted" if verdict == "accept" else "consent_refused"
        self.trace.add({"t": event.t, "kind": kind, "activity": event.activity,
                        "detail": f"{event.detail} on a screen that names the privacy policy"})
        if kind == "consent_accepted" and self.consent_from is None:
            self.consent_from = "tap"

    def _scan(self, scan: dict[str, Any]) -> None:
        t = scan.get("t")
        if not isinstance(t, (int, float)) or not scan.get("policy_on_screen"):
            return
        controls = [c for c in scan.get("controls") or [] if isinstance(c, str)]
        decisive = [c for c in controls if consent.classify_control(c) in ("accept", "refuse")]
        if not decisive or t - self.last_shown < SHOWN_GAP_S:
            return
        self.last_shown = float(t)
        self.trace.add({"t": t, "kind": "consent_shown", "activity": scan.get("activity"),
                        "detail": f"{scan.get('why')}: the screen names the privacy policy and offers "
                                  + ", ".join(f'"{c}"' for c in decisive[:6])})

    # -- the tester's Enter key, the end of the process

    def key_consent(self, host_t: float) -> bool:
        if self.consent_from is not None:
            return False
        t = host_t + (self.offset or 0.0)
        how = "host clock + measured offset" if self.offset is not None else "host clock, offset unknown"
        self.trace.add({"t": t, "kind": "user_action", "detail": "tester pressed Enter: consent given now"})
        self.trace.add({"t": t, "kind": "consent_accepted",
                        "detail": f"marked by the tester with Enter ({how})"})
        self.consent_from = "key"
        return True

    def process_ended(self, reason: str, host_t: float) -> None:
        self.detached = reason
        t = host_t + (self.offset or 0.0)
        self.trace.add({"t": max(t, self.last_t or t), "kind": "lifecycle", "state": "stop",
                        "detail": f"package={self.package}; frida session ended: {reason}"})

    # -- what the run saw, for the header

    def coverage_line(self) -> str:
        r = self.ready or {}
        methods = {a["id"] for a in catalog.sensitive_apis() if a["kind"] == "method"}
        absent = r.get("absent") or []
        hooked = len(r.get("hooked") or {})
        return (f"hooked {hooked} of {len(methods)} catalogued methods; not in this app/device: "
                f"{sum(1 for i in absent if i in methods)} methods, {sum(1 for i in absent if i not in methods)} "
                f"fields; interface/abstract: {len(r.get('abstract') or [])}; failed: {len(r.get('failed') or [])}")

    def notes(self) -> list[str]:
        out: list[str] = []
        if self.agent:
            out.append(f"agent: {self.agent}")
        if self.ready:
            r = self.ready
            out.append(self.coverage_line())
            for key, what in (("absent", "not present (class or method missing in this app / Android version)"),
                              ("abstract", "interface or abstract method, no loaded implementation found"),
                              ("fields_unhookable", "field reads Frida cannot see (the hooked methods cover them)")):
                if r.get(key):
                    out.append(f"{what}: {', '.join(map(str, r[key]))}")
            for f in r.get("failed") or []:
                what = f"{f.get('id')}: {f.get('error')}" if isinstance(f, dict) else str(f)
                out.append(f"hook failed: {what}")
            if r.get("fields_via_uri"):
                out.append("content URI fields reported through ContentResolver.query: "
                           + ", ".join(str(f.get("id")) for f in r["fields_via_uri"] if isinstance(f, dict)))
            if r.get("ui_failed"):
                out.append(f"lifecycle/permission/tap hooks that failed: {', '.join(map(str, r['ui_failed']))}")
        else:
            out.append("the agent never reported its hooks: no API call could be recorded")
        if self.offset is not None:
            out.append(f"device clock - host clock = {self.offset:+.3f} s (measured through the agent at start)")
        if self.consent_from == "tap":
            out.append("consent moment: the tester's tap on an agree control on a screen naming the policy")
        elif self.consent_from == "key":
            out.append("consent moment: marked by the tester with Enter")
        else:
            out.append("no consent_accepted recorded (no tap on an agree control on a policy screen, no Enter)")
        if self.taps_without_policy:
            out.append(f"{self.taps_without_policy} tap(s) on an agree/refuse word on a screen that does not name the "
                       "policy: not consent (WebView prompts are not read; use --consent-key)")
        if self.trace.rejected:
            out.append(f"{self.trace.rejected} malformed agent event(s) dropped")
        if self.script_errors:
            out.append(f"{len(self.script_errors)} agent script error(s), first: {self.script_errors[0]}")
        if self.warnings:
            out.append(f"{len(self.warnings)} agent warning(s), first: {self.warnings[0]}")
        if self.detached:
            out.append(f"the app's process ended during the run: {self.detached}")
        return out


# ---------------------------------------------------------------- the driver


def capture(opts: CaptureOptions, *, frida_module: Any = None, runner: Runner | None = None,
            which: Callable[[str], str | None] = shutil.which, popen: Callable[..., Any] = subprocess.Popen,
            stdin: IO[str] | None = None, log: Callable[[str], None] | None = None,
            clock: Callable[[], float] = time.time) -> CaptureResult:
    """Run one capture; see the module docstring. The keyword arguments are the device boundary (tests)."""
    say = log or (lambda text: print(f"privaudit capture: {text}", file=sys.stderr, flush=True))
    _check_options(opts)
    frida = frida_module if frida_module is not None else import_frida()
    adb_path = which("adb")
    if adb_path is None:
        raise InputError("adb not found on PATH: install Android platform-tools")
    adb = Adb(opts.device, runner or run_subprocess, adb_path)
    adb.check_device()
    adb.check_installed(opts.package)
    props = adb.properties()
    try:
        with open(AGENT_PATH, encoding="utf-8") as fh:
            agent_source = fh.read()
    except OSError:
        raise InputError(f"the agent bundle is missing: {AGENT_PATH} (run privaudit/agent/build.sh)") from None

    device = _frida_device(frida, opts.device)
    if opts.fresh:
        out = adb.shell("pm", "clear", opts.package)
        if "Success" not in out:
            raise InputError(f"pm clear {opts.package} failed on {opts.device}: {_first_line(out)}")
    adb.shell("am", "force-stop", opts.package)

    base_notes = [f"captured by privaudit capture with its Frida agent (frida {getattr(frida, '__version__', '?')}); "
                  "t is the device's Date.now() in seconds",
                  "arguments and return values that may identify the user are hashed as sha256(per-run salt + value), "
                  "first 16 hex digits; the salt is not kept, so hashes compare only within this trace"]
    if opts.fresh:
        base_notes.append("app data cleared (pm clear) before the run: first launch")
    # the notes are rewritten at the end; these stand if the driver is killed before that
    header = {"format": jsonl.FORMAT, "version": jsonl.VERSION, "package": opts.package,
              "device": _device_info(opts.device, props), "clock": "epoch",
              "notes": base_notes + ["run in progress or interrupted before the end (no final notes)"]}
    salt = secrets.token_hex(16)
    events: queue.Queue[tuple[str, Any, float]] = queue.Queue()
    pid: int | None = None
    session_obj: Any = None
    script: Any = None
    trace: TraceFile | None = None
    run: Session | None = None
    how_ended = "an error"
    resumed = False
    mitm: Any = None
    notes: list[str] = []
    try:
        if opts.mitm_port is not None:
            mitm = _start_mitm(opts, which, popen, say)
        trace = TraceFile(opts.output, header)
        run = Session(trace, opts.package, say)
        pid = _frida_call(lambda: device.spawn([opts.package]), frida, opts, "spawn")
        session_obj = _frida_call(lambda: device.attach(pid), frida, opts, "attach to")
        session_obj.on("detached", lambda reason=None, *rest: events.put(("detached", str(reason), clock())))
        script = _frida_call(lambda: session_obj.create_script(agent_source), frida, opts, "load the agent into")
        script.on("message", lambda message, data=None: events.put(("message", message, clock())))
        _frida_call(script.load, frida, opts, "load the agent into")
        script.post({"type": "config", "payload": agent_config(opts.package, salt)})
        script.post({"type": "ping", "host": clock()})
        _frida_call(lambda: device.resume(pid), frida, opts, "resume")
        resumed = True
        say(f"{opts.package} started on {opts.device}; writing {opts.output}"
            + (f" for {opts.duration:g} s" if opts.duration else "; Ctrl-C to stop"))
        if opts.consent_key:
            _read_keys(stdin or sys.stdin, events, clock)
            say("press Enter at the moment the tester agrees to the privacy policy")
        how_ended = _loop(events, run, opts.duration, say)
    finally:
        if pid is not None and not resumed:
            _quietly(lambda: device.kill(pid))  # never leave a half-started app suspended
        if script is not None:
            _quietly(script.unload)
        if session_obj is not None:
            _quietly(session_obj.detach)
        if mitm is not None:
            _stop_mitm(mitm)
        if run is not None:
            _drain(events, run, say)
        if trace is not None and not resumed:
            trace.discard()  # the app never ran: no trace rather than an empty one
        elif trace is not None and run is not None:
            notes = base_notes + run.notes() + [f"stopped: {how_ended}"]
            if mitm is not None:
                notes.append(f"network: mitmdump on port {opts.mitm_port} wrote {opts.har} (host clock; add the "
                             "device clock offset above to compare with this trace)")
            trace.close(notes)
    assert trace is not None and run is not None
    if run.fatal:
        raise InputError(f"the agent could not run in {opts.package}: {run.fatal}")
    return CaptureResult(opts.output, trace.count, dict(trace.kinds), _consent_time(opts.output), notes)


def _check_options(opts: CaptureOptions) -> None:
    if not PACKAGE_RE.match(opts.package or ""):
        raise InputError(f"not a package name: {opts.package!r}")
    if not SERIAL_RE.match(opts.device or ""):
        raise InputError(f"not a device serial: {opts.device!r}")
    if opts.duration is not None and not opts.duration > 0:
        raise InputError("--duration must be a positive number of seconds")
    if (opts.mitm_port is None) != (opts.har is None):
        raise InputError("--mitm PORT and --har FILE go together")
    if opts.mitm_port is not None and not 0 < opts.mitm_port < 65536:
        raise InputError(f"--mitm: not a TCP port: {opts.mitm_port}")
    for path in (opts.output, opts.har):
        if path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise InputError("output directory does not exist", path)


def _device_info(serial: str, props: dict[str, str]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for key, prop in (("model", "ro.product.model"), ("manufacturer", "ro.product.manufacturer"),
                      ("android", "ro.build.version.release"), ("sdk", "ro.build.version.sdk"),
                      ("abi", "ro.product.cpu.abi")):
        if props.get(prop):
            info[key] = props[prop]
    info["serial_sha256"] = hashlib.sha256(serial.encode()).hexdigest()[:16]
    return info


def _error_class(frida: Any, name: str) -> type[BaseException] | tuple[()]:
    cls = getattr(frida, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, BaseException) else ()


def _frida_device(frida: Any, serial: str) -> Any:
    try:
        return frida.get_device_manager().get_device(serial, timeout=5)
    except Exception as exc:  # frida raises InvalidArgumentError / TimedOutError; report any as one line
        raise InputError(f"frida cannot see device {serial}: {_first_line(str(exc))} "
                         "(is it connected over USB, and is the frida package version the same as frida-server's?)"
                         ) from None


def _frida_call(fn: Callable[[], Any], frida: Any, opts: CaptureOptions, what: str) -> Any:
    try:
        return fn()
    except _error_class(frida, "ServerNotRunningError"):
        raise InputError(f"frida-server is not running on {opts.device}: start it as root, e.g. "
                         "adb shell su -c '/data/local/tmp/frida-server &'") from None
    except _error_class(frida, "ExecutableNotFoundError"):
        raise InputError(f"app {opts.package} is not installed on {opts.device} (frida cannot find it)") from None
    except Exception as exc:  # any other frida error: one line, never a traceback
        raise InputError(f"frida could not {what} {opts.package}: {type(exc).__name__}: "
                         f"{_first_line(str(exc))}") from None


def _read_keys(stream: IO[str], events: queue.Queue[tuple[str, Any, float]], clock: Callable[[], float]) -> None:
    def reader() -> None:
        while True:
            line = stream.readline()
            if not line:
                return
            events.put(("key", None, clock()))

    threading.Thread(target=reader, name="privaudit-consent-key", daemon=True).start()


def _handle(item: tuple[str, Any, float], run: Session, say: Callable[[str], None]) -> None:
    kind, payload, host_t = item
    if kind == "message" and isinstance(payload, dict):
        run.on_message(payload, host_t)
    elif kind == "key":
        if run.key_consent(host_t):
            say("consent marked")
        else:
            say("consent was already recorded; Enter ignored")
    elif kind == "detached" and run.detached is None:
        run.process_ended(payload, host_t)


def _loop(events: queue.Queue[tuple[str, Any, float]], run: Session, duration: float | None,
          say: Callable[[str], None]) -> str:
    deadline = time.monotonic() + duration if duration else None
    try:
        while True:
            wait = 0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic()))
            try:
                _handle(events.get(timeout=wait), run, say)
            except queue.Empty:
                pass
            if run.fatal:
                return f"agent failed: {run.fatal}"
            if run.detached is not None:
                return f"the app's process ended ({run.detached})"
            if deadline is not None and time.monotonic() >= deadline:
                return f"duration of {duration:g} s reached"
    except KeyboardInterrupt:
        return "Ctrl-C"


def _drain(events: queue.Queue[tuple[str, Any, float]], run: Session, say: Callable[[str], None]) -> None:
    while True:
        try:
            item = events.get_nowait()
        except queue.Empty:
            return
        if item[0] != "detached":  # our own detach at the end is not the app ending
            _handle(item, run, say)


def _quietly(fn: Callable[[], Any]) -> None:
    try:
        fn()
    except Exception:  # the session may already be gone: nothing to clean up
        pass


def _start_mitm(opts: CaptureOptions, which: Callable[[str], str | None], popen: Callable[..., Any],
                say: Callable[[str], None]) -> Any:
    path = which("mitmdump")
    if path is None:
        raise InputError("--mitm needs mitmdump on PATH: pip install mitmproxy (or leave out --mitm)")
    proc = popen([path, "-p", str(opts.mitm_port), "--set", f"hardump={opts.har}"],
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    time.sleep(1.0)
    if proc.poll() is not None:
        err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr is not None else ""
        raise InputError(f"mitmdump exited at once (code {proc.returncode}): {_first_line(err)}")
    say(f"mitmdump listening on port {opts.mitm_port}, HAR to {opts.har}: set the device's Wi-Fi proxy to this "
        "host and that port, and trust the mitmproxy CA on the device")
    return proc


def _stop_mitm(proc: Any) -> None:
    try:
        proc.send_signal(signal.SIGINT)  # mitmdump writes the HAR on a clean shutdown
        proc.wait(timeout=15)
    except Exception:
        _quietly(proc.kill)


def _consent_time(path: str) -> float | None:
    with open(path, encoding="utf-8") as fh:
        fh.readline()
        for line in fh:
            if '"consent_accepted"' in line:
                obj = json.loads(line)
                if obj.get("kind") == "consent_accepted":
                    return float(obj["t"])
    return None
