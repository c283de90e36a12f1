"""Android logcat text to a ``Trace``: identifier reads, screens, process starts and stops, permission
requests and results, and app-side privacy hooks.

Formats: ``threadtime`` (the default of ``adb logcat``: ``11-23 16:49:58.123  1234  1250 I Tag: message``),
``time`` (``11-23 16:49:58.123 I/Tag( 1234): message``), ``brief`` (``I/Tag( 1234): message``, no
time: events are then ordered by line number, clock ``line_order``), each with or without the
year (``-v year``), and ``-v epoch`` / ``-v monotonic`` seconds. Lines carry no year: ``year``
(default 1970) is assumed and a month that goes back (12 → 01) moves to the next year, so times
keep their order. Times are seconds (``calendar.timegm`` of the wall time read as UTC, clock
``device_wallclock``).

Recognised lines (everything else is skipped):

- ``TelephonyPermissions: reportAccessDeniedToReadIdentifiers:<pkg>:<call>:<subId>`` — the package
  tried to read a device identifier (getDeviceId, getImei, getMeid, getSubscriberId,
  getIccSerialNumber, getLine1Number, getSerial …) and Android 10+ withheld it: an ``api_call`` with
  the catalogue ``api_id`` and ``pi_types``; no stack, so no owner;
- ``Settings: Setting android_id has moved from android.provider.Settings.System …`` logged in an app
  process — ``Settings.System.getString(…, "android_id")``;
- an exception stack trace in an app process (``System.err``) thrown from a catalogued API
  (``java.lang.SecurityException: getSerial …  at android.os.Build.getSerial``): its frames become the
  stack of the matching identifier read (or a new ``api_call``), attributed by ``class_owner``;
- ``ActivityTaskManager``/``ActivityManager: START u0 {… cmp=pkg/.Activity …}`` and ``Displayed
  pkg/.Activity: +350ms`` — ``screen``; a START of the permission controller
  (``REQUEST_PERMISSIONS`` / ``GrantPermissionsActivity``) — ``permission_request`` for the app in front;
- ``Start proc 1234:pkg/u0a123 for activity|service|broadcast|content provider {…}`` (and the older
  forms, and ``am_proc_start``) — ``lifecycle`` start; a start for anything but an activity while
  another package is in front is flagged as a self-start hint;
- ``Force stopping pkg …``, ``Killing 1234:pkg/…``, ``Process pkg (pid N) has died``, ``am_kill``,
  ``am_proc_died`` — ``lifecycle`` stop;
- ``Permission grant result … callingPackage=pkg permission=P … result=N`` (PermissionController,
  Android 10+; verbose before Android 14) — ``permission_result``;
- tag ``privaudit``: a hook's own event, one JSON object in the privaudit-trace event form (its ``t``
  is replaced by the line's time; ``package`` names the app, else the logging process does).

``package`` keeps only events about that package; screens of other packages are dropped but turn
into ``lifecycle`` background/foreground events for it, and the permission controller's screens
into ``permission_request`` for the app in front. Reading streams the file line by line (lines cut
at 64 KiB); only recognised events are kept, at most 2,000,000. A file with NUL bytes at its start,
or none of whose first 5,000 lines is logcat, is ``InputError("not a logcat file …")``.
"""

from __future__ import annotations

import calendar
import datetime
import json
import math
import os
import re
import stat
from dataclasses import dataclass, field

from privaudit.errors import InputError
from privaudit.evidence.runtime.consent import infer_consent
from privaudit.evidence.runtime.jsonl import (
    api_by_id,
    api_for_frame,
    attribute,
    event_from_dict,
    is_framework,
    parse_frame,
    redact,
)
from privaudit.evidence.runtime.model import StackFrame, Trace, TraceEvent
from privaudit.model import Provenance

MAX_LINE_BYTES = 64 * 1024
MAX_EVENTS = 2_000_000
SNIFF_LINES = 5000
MAX_PIDS = 65536
MAX_PENDING = 1024
PERMISSION_CONTROLLERS = ("com.android.permissioncontroller", "com.google.android.permissioncontroller",
                          "com.android.packageinstaller", "com.google.android.packageinstaller")

# reportAccessDeniedToReadIdentifiers call names (framework side) -> (api id, readable API)
IDENTIFIER_CALLS: dict[str, tuple[str, str]] = {}
for _names, _api in (
    (("getDeviceId", "getDeviceIdWithFeature", "getDeviceIdForPhone"),
     ("telephony.getDeviceId", "TelephonyManager.getDeviceId")),
    (("getImei", "getImeiForSlot"), ("telephony.getImei", "TelephonyManager.getImei")),
    (("getMeid", "getMeidForSlot"), ("telephony.getMeid", "TelephonyManager.getMeid")),
    (("getSubscriberId", "getSubscriberIdForSubscriber", "getSubscriberIdWithFeature"),
     ("telephony.getSubscriberId", "TelephonyManager.getSubscriberId")),
    (("getIccSerialNumber", "getIccSerialNumberForSubscriber", "getIccSerialNumberWithFeature", "getSimSerialNumber"),
     ("telephony.getSimSerialNumber", "TelephonyManager.getSimSerialNumber")),
    (("getLine1Number", "getLine1NumberForSubscriber", "getMsisdn", "getMsisdnForSubscriber"),
     ("telephony.getLine1Number", "TelephonyManager.getLine1Number")),
    (("getSerial", "getSerialForPackage"), ("build.getSerial", "Build.getSerial")),
):
    for _name in _names:
        IDENTIFIER_CALLS[_name] = _api

# PERMISSION_GRANT_REQUEST_RESULT_REPORTED result codes (frameworks/proto_logging atoms.proto)
GRANTED_CODES = {4: "user granted", 5: "auto granted", 10: "user granted once", 12: "user granted in settings"}
DENIED_CODES = {2: "ignored, user fixed", 6: "user denied", 7: "user denied, don't ask again", 8: "auto denied",
                13: "user denied in settings", 14: "user denied in settings, don't ask again",
                15: "one-time grant revoked", 16: "revoked for an unused app"}

_DATE = r"(?:(?P<y>\d{4})-)?(?P<mo>\d\d)-(?P<d>\d\d)\s+(?P<h>\d\d):(?P<mi>\d\d):(?P<s>\d\d)\.(?P<f>\d{3,9})"
_THREADTIME = re.compile(rf"^{_DATE}\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+(?P<lvl>[VDIWEFSA])\s+(?P<rest>.*)$")
_TIME = re.compile(rf"^{_DATE}\s+(?P<lvl>[VDIWEFSA])/(?P<tag>[^(]*?)\s*\(\s*(?P<pid>\d+)\):\s?(?P<msg>.*)$")
_SECONDS = re.compile(r"^\s*(?P<sec>\d+)\.(?P<f>\d{3,9})\s+(?P<pid>\d+)\s+(?P<tid>\d+)\s+"
                      r"(?P<lvl>[VDIWEFSA])\s+(?P<rest>.*)$")
_BRIEF = re.compile(r"^(?P<lvl>[VDIWEFSA])/(?P<tag>[^(]*?)\s*\(\s*(?P<pid>\d+)\):\s?(?P<msg>.*)$")
_MARKER = re.compile(r"^-{9} (?:beginning of|switch to) \w+")

_START = re.compile(r"^START u\d+ \{(?P<intent>.*)\}(?: from (?:uid|pid) (?P<uid>\d+))?")
_CMP = re.compile(r"\bcmp=(?P<pkg>[\w.]+)/(?P<cls>[\w.$]+)")
_ACT = re.compile(r"\bact=(?P<act>[\w.]+)")
_DISPLAYED = re.compile(r"^Displayed (?P<pkg>[\w.]+)/(?P<cls>[\w.$]+): \+(?P<dur>\S+)")
_START_PROC = re.compile(r"^Start proc (?P<pid>\d+):(?P<proc>[^/\s]+)/\S+ for (?P<rest>.*)$")
_START_PROC_OLD = re.compile(r"^Start proc (?P<proc>\S+) for (?P<rest>.*?): pid=(?P<pid>\d+) uid=\d+")
_FORCE_STOP = re.compile(r"^Force stopping (?:package )?(?P<pkg>[\w.]+)(?: appid=\d+)?(?: user=-?\d+)?"
                         r"(?:: (?P<why>.*))?$")
_KILLING = re.compile(r"^Killing (?P<pid>\d+):(?P<proc>[^/\s]+)/\S+ \(adj -?\d+\): (?P<why>.*)$")
_DIED = re.compile(r"^Process (?P<proc>[\w.:]+) \(pid (?P<pid>\d+)\) has died")
_GRANT = re.compile(r"callingPackage=(?P<pkg>[\w.]+) permission=(?P<perm>[\w.]+)(?: isImplicit=\w+)? "
                    r"result=(?P<code>\d+)")
_SETTINGS_MOVED = re.compile(r"^Setting (?P<name>\w+) has moved from android\.provider\.Settings\.System")
_LAUNCH_TIME = re.compile(r"mLastActivityLaunchTime \((?P<ms>\d+)\)")
_EXC_HEAD = re.compile(r"^(?:[\w$]+\.)+[\w$]*(?:Exception|Error)(?::|$)")
_AVC_APP = re.compile(r"\bapp=(?P<pkg>[\w.]+)")
_CHATTY = re.compile(r"^uid=\d+\((?P<pkg>[\w.]+)\)")


@dataclass(slots=True)
class Line:
    n: int
    offset: int
    t: float
    pid: int | None
    tid: int | None
    level: str
    tag: str
    msg: str


@dataclass(slots=True)
class _Pending:
    line: Line
    exc: str
    pkg: str | None
    frames: list[StackFrame] = field(default_factory=list)
    closed: bool = False


class LogcatReader:
    """One pass over a logcat file. After ``run()``: ``raw`` holds (event, package) pairs in file order,
    ``anchors`` the lines other importers align clocks on, ``notes`` what the reader noticed."""

    def __init__(self, path: str, *, year: int | None = None) -> None:
        self.path = path
        self.year = year if year is not None else 1970
        self.raw: list[tuple[TraceEvent, str | None]] = []
        self.anchors: list[tuple[str, float, str, str]] = []  # (kind, t, package, component or reason)
        self.launch_times: list[tuple[float, float]] = []  # (line time, mLastActivityLaunchTime in s of uptime)
        self.screens: list[tuple[float, str]] = []  # (t, activity) of "Displayed" lines
        self.notes: list[str] = []
        self.clock = "device_wallclock"
        self.lines = 0
        self.parsed = 0
        self.first_t: float | None = None
        self.last_t: float | None = None
        self._pids: dict[int, str] = {}
        self._pending: dict[tuple[int | None, int | None], _Pending] = {}
        self._fg: str | None = None
        self._last_month = 0
        self._day_cache: dict[tuple[int, int, int], float] = {}
        self._full = False
        self._kinds: set[str] = set()

    # ------------------------------------------------------------ reading

    def run(self) -> LogcatReader:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise InputError(f"cannot read logcat: {exc.strerror or exc}", self.path) from None
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file", self.path)
        try:
            fh = open(self.path, "rb")
        except OSError as exc:
            raise InputError(f"cannot read logcat: {exc.strerror or exc}", self.path) from None
        with fh:
            head = fh.read(8192)
            if b"\x00" in head:
                raise InputError("not a logcat file: binary data", self.path)
            if not head.strip():
                raise InputError("not a logcat file: empty", self.path)
            fh.seek(0)
            offset = 0
            while True:
                raw = fh.readline(MAX_LINE_BYTES)
                if not raw:
                    break
                start = offset
                offset += len(raw)
                if len(raw) == MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    while True:  # drop the rest of an over-long line
                        more = fh.readline(MAX_LINE_BYTES)
                        offset += len(more)
                        if not more or more.endswith(b"\n"):
                            break
                self.lines += 1
                line = self._parse(raw.decode("utf-8", errors="replace").rstrip("\r\n"), self.lines, start)
                if line is None:
                    if self.parsed == 0 and self.lines >= SNIFF_LINES:
                        break
                    continue
                self._handle(line)
        for key in list(self._pending):
            self._flush(key)
        if self.parsed == 0:
            raise InputError("not a logcat file: no line in the threadtime, time or brief format", self.path)
        if len(self._kinds) > 1:
            self.notes.append(f"mixed logcat formats ({', '.join(sorted(self._kinds))}); times may not compare")
        if self._full:
            self.notes.append(f"stopped keeping events after {MAX_EVENTS}")
        return self

    def _parse(self, text: str, n: int, offset: int) -> Line | None:
        m = _THREADTIME.match(text)
        if m is not None:
            t = self._wall(m)
            if t is None:
                return None
            tag, msg = _split_tag(m.group("rest"))
            return self._line(n, offset, t, int(m.group("pid")), int(m.group("tid")), m.group("lvl"), tag, msg,
                              "threadtime")
        if _MARKER.match(text):
            self.parsed += 1
            return None
        m = _TIME.match(text)
        if m is not None:
            t = self._wall(m)
            if t is None:
                return None
            return self._line(n, offset, t, int(m.group("pid")), None, m.group("lvl"), m.group("tag").strip(),
                              m.group("msg"), "time")
        m = _SECONDS.match(text)
        if m is not None:
            sec = m.group("sec")
            t = float(f"{sec}.{m.group('f')}")
            kind = "epoch" if len(sec) >= 9 else "monotonic"
            self.clock = "epoch" if kind == "epoch" else "device_monotonic"
            tag, msg = _split_tag(m.group("rest"))
            return self._line(n, offset, t, int(m.group("pid")), int(m.group("tid")), m.group("lvl"), tag, msg, kind)
        m = _BRIEF.match(text)
        if m is not None:
            self.clock = "line_order"
            return self._line(n, offset, float(n), int(m.group("pid")), None, m.group("lvl"), m.group("tag").strip(),
                              m.group("msg"), "brief")
        return None

    def _line(self, n: int, offset: int, t: float, pid: int | None, tid: int | None, level: str, tag: str, msg: str,
              kind: str) -> Line:
        self.parsed += 1
        self._kinds.add(kind)
        if self.first_t is None or t < self.first_t:
            self.first_t = t
        if self.last_t is None or t > self.last_t:
            self.last_t = t
        return Line(n, offset, t, pid, tid, level, tag, msg)

    def _wall(self, m: re.Match[str]) -> float | None:
        month, day = int(m.group("mo")), int(m.group("d"))
        if m.group("y"):
            year = int(m.group("y"))
        else:
            if self._last_month and month < self._last_month - 6:
                self.year += 1
            year = self.year
        self._last_month = month
        key = (year, month, day)
        base = self._day_cache.get(key)
        if base is None:
            try:
                datetime.date(year, month, day)
            except ValueError:
                return None
            base = float(calendar.timegm((year, month, day, 0, 0, 0, 0, 0, 0)))
            self._day_cache[key] = base
        frac = m.group("f")
        clock = int(m.group("h")) * 3600 + int(m.group("mi")) * 60 + int(m.group("s"))
        return base + clock + int(frac) / 10 ** len(frac)

    # ------------------------------------------------------------ recognising lines

    def _handle(self, line: Line) -> None:
        key = (line.pid, line.tid)
        pend = self._pending.get(key)
        if pend is not None:
            stripped = line.msg.strip()
            if stripped.startswith("at "):
                if not pend.closed and len(pend.frames) < 512:
                    frame = parse_frame(stripped)
                    if frame is not None:
                        pend.frames.append(frame)
                return
            if stripped.startswith("Caused by:") or stripped.startswith("..."):
                pend.closed = True
                return
            self._flush(key)
        tag, msg = line.tag, line.msg
        if tag == "TelephonyPermissions" and msg.startswith("reportAccessDeniedToReadIdentifiers:"):
            self._identifier(line)
        elif tag in ("ActivityTaskManager", "ActivityManager"):
            self._activity_manager(line)
        elif tag in ("am_proc_start", "am_kill", "am_proc_died"):
            self._am_event(line)
        elif tag == "Settings" and msg.startswith("Setting "):
            m = _SETTINGS_MOVED.match(msg)
            if m is not None and m.group("name") == "android_id":
                self._api_event(line, "settings_system.getString.android_id", "Settings.System.getString",
                                self._pids.get(line.pid or -1), args="name=android_id",
                                detail="Settings.System read of android_id (logged by the platform in the app process)")
        elif tag == "privaudit":
            self._hook(line)
        elif tag == "chatty":
            m = _CHATTY.match(msg)
            if m is not None and line.pid is not None:
                self._pid(line.pid, m.group("pkg"))
        if "Permission grant result" in msg:
            self._grant(line)
        elif "mLastActivityLaunchTime" in msg:
            m = _LAUNCH_TIME.search(msg)
            if m is not None and int(m.group("ms")) > 0:
                self.launch_times.append((line.t, int(m.group("ms")) / 1000.0))
        elif "avc: denied" in msg and line.pid is not None and line.pid not in self._pids:
            m = _AVC_APP.search(msg)
            if m is not None:
                self._pid(line.pid, m.group("pkg"))
        if ("Exception" in msg or "Error" in msg) and _EXC_HEAD.match(msg.strip()):
            if len(self._pending) >= MAX_PENDING:
                self._flush(next(iter(self._pending)))
            self._pending[key] = _Pending(line, msg.strip()[:200], self._pids.get(line.pid or -1))

    def _prov(self, line: Line) -> Provenance:
        return Provenance("trace", self.path, offset=line.offset, locator=f"line {line.n}")

    def _add(self, event: TraceEvent, pkg: str | None) -> None:
        if len(self.raw) >= MAX_EVENTS:
            self._full = True
            return
        self.raw.append((event, pkg))

    def _pid(self, pid: int, pkg: str) -> None:
        if len(self._pids) >= MAX_PIDS:
            self._pids.pop(next(iter(self._pids)))
        self._pids[pid] = pkg

    def _identifier(self, line: Line) -> None:
        parts = line.msg.split(":")
        if len(parts) < 3:
            return
        pkg, call = parts[1], parts[2]
        sub = parts[3] if len(parts) > 3 else None
        api_id, api = IDENTIFIER_CALLS.get(call, (None, f"TelephonyPermissions:{call}"))
        self._api_event(line, api_id, api, pkg, args=f"subId={sub}" if sub else None, thread=False,
                        result="denied: identifier withheld (Android 10+ allows it only to privileged apps)",
                        detail=f"{call} attempted (TelephonyPermissions.reportAccessDeniedToReadIdentifiers)")

    def _api_event(self, line: Line, api_id: str | None, api: str, pkg: str | None, *, args: str | None = None,
                   result: str | None = None, detail: str | None = None, thread: bool = True) -> None:
        entry = api_by_id(api_id) if api_id else None
        event = TraceEvent(t=line.t, kind="api_call", provenance=self._prov(line), api_id=api_id, api=api,
                           pi_types=list(entry["pi_types"]) if entry else [], args=args, result=result,
                           detail=with_package(pkg, detail), thread=str(line.tid) if thread and line.tid else None)
        self._add(event, pkg)

    def _activity_manager(self, line: Line) -> None:
        msg = line.msg
        if msg.startswith("START u"):
            m = _START.match(msg)
            if m is None:
                return
            intent = m.group("intent")
            c = _CMP.search(intent)
            if c is None:
                return
            pkg, cls = c.group("pkg"), c.group("cls")
            act = _ACT.search(intent)
            uid = m.group("uid")
            activity = f"{pkg}/{cls}"
            if uid == "2000":
                self.anchors.append(("shell_start", line.t, pkg, full_component(pkg, cls)))
            if pkg in PERMISSION_CONTROLLERS or "REQUEST_PERMISSIONS" in (act.group("act") if act else "") \
                    or cls.endswith("GrantPermissionsActivity"):
                target = self._fg
                self._add(TraceEvent(t=line.t, kind="permission_request", provenance=self._prov(line),
                                     activity=activity,
                                     detail=with_package(target, "runtime permission dialog started "
                                                                  "(permissions not named in logcat)")), target)
                self._add(TraceEvent(t=line.t, kind="screen", provenance=self._prov(line), activity=activity,
                                     detail=with_package(pkg, f"start requested from uid {uid}")), pkg)
                return
            what = f"start requested from uid {uid}" if uid else "start requested"
            self._add(TraceEvent(t=line.t, kind="screen", provenance=self._prov(line), activity=activity,
                                 detail=with_package(pkg, what)), pkg)
            self._fg = pkg
        elif msg.startswith("Displayed "):
            m = _DISPLAYED.match(msg)
            if m is None:
                return
            pkg, cls = m.group("pkg"), m.group("cls")
            activity = f"{pkg}/{cls}"
            self.screens.append((line.t, activity))
            self._add(TraceEvent(t=line.t, kind="screen", provenance=self._prov(line), activity=activity,
                                 detail=with_package(pkg, f"displayed +{m.group('dur')}")), pkg)
            if pkg not in PERMISSION_CONTROLLERS:
                self._fg = pkg
        elif msg.startswith("Start proc "):
            m = _START_PROC.match(msg) or _START_PROC_OLD.match(msg)
            if m is None:
                return
            reason, component = _reason(m.group("rest"))
            self._process_start(line, int(m.group("pid")), m.group("proc"), reason, component)
        elif msg.startswith("Force stopping "):
            m = _FORCE_STOP.match(msg)
            if m is None:
                return
            pkg, why = m.group("pkg"), m.group("why") or ""
            if why.startswith("from pid"):
                self.anchors.append(("force_stop", line.t, pkg, why))
            self._stop(line, pkg, f"force stop ({why})" if why else "force stop")
        elif msg.startswith("Killing "):
            m = _KILLING.match(msg)
            if m is not None:
                self._stop(line, m.group("proc").split(":")[0], f"process {m.group('proc')} killed: {m.group('why')}")
        elif msg.startswith("Process "):
            m = _DIED.match(msg)
            if m is not None:
                self._stop(line, m.group("proc").split(":")[0], f"process {m.group('proc')} died")

    def _am_event(self, line: Line) -> None:
        inner = line.msg.strip().strip("[]")
        if line.tag == "am_proc_start":
            fields = inner.split(",", 5)
            if len(fields) == 6:
                pid, proc, reason, component = fields[1], fields[3], fields[4], fields[5]
            elif len(fields) == 5:
                pid, proc, reason, component = fields[0], fields[2], fields[3], fields[4]
            else:
                return
            if pid.strip().isdigit():
                self._process_start(line, int(pid), proc.strip(), reason.strip(), component.strip("{} "))
            return
        fields = inner.split(",")
        if len(fields) >= 3:
            proc = fields[2].strip()
            what = "killed: " + ",".join(fields[4:]).strip() if line.tag == "am_kill" and len(fields) > 4 else "died"
            self._stop(line, proc.split(":")[0], f"process {proc} {what}")

    def _process_start(self, line: Line, pid: int, proc: str, reason: str, component: str | None) -> None:
        pkg = proc.split(":")[0]
        self._pid(pid, pkg)
        detail = f"process {proc} (pid {pid}) started for {reason}" + (f" {{{component}}}" if component else "")
        if "activity" not in reason and self._fg != pkg:
            detail += f"; self-start hint: started for {reason} while {self._fg or 'no known app'} was in front"
        self._add(TraceEvent(t=line.t, kind="lifecycle", provenance=self._prov(line), state="start",
                             detail=with_package(pkg, detail)), pkg)

    def _stop(self, line: Line, pkg: str, detail: str) -> None:
        self._add(TraceEvent(t=line.t, kind="lifecycle", provenance=self._prov(line), state="stop",
                             detail=with_package(pkg, detail)), pkg)

    def _grant(self, line: Line) -> None:
        m = _GRANT.search(line.msg)
        if m is None:
            return
        code = int(m.group("code"))
        granted = True if code in GRANTED_CODES else False if code in DENIED_CODES else None
        what = GRANTED_CODES.get(code) or DENIED_CODES.get(code) or f"result {code}"
        pkg = m.group("pkg")
        self._add(TraceEvent(t=line.t, kind="permission_result", provenance=self._prov(line),
                             permissions=[m.group("perm")], granted=granted,
                             detail=with_package(pkg, what)), pkg)

    def _hook(self, line: Line) -> None:
        try:
            obj = json.loads(line.msg)
            if isinstance(obj, dict):
                obj["t"] = line.t  # the line's time is the event's time
            event = event_from_dict(obj, self._prov(line))
        except ValueError as exc:
            if len(self.notes) < 50:
                self.notes.append(f"line {line.n}: privaudit hook line ignored ({exc})")
            return
        pkg = obj.get("package") if isinstance(obj.get("package"), str) else self._pids.get(line.pid or -1)
        if event.thread is None and line.tid is not None:
            event.thread = str(line.tid)
        event.args = redact(event.args) if event.args else None
        event.result = redact(event.result) if event.result else None
        if event.stack and event.owner is None:
            attribute(event, (pkg,) if pkg else ())
        self._add(event, pkg)

    def _flush(self, key: tuple[int | None, int | None]) -> None:
        pend = self._pending.pop(key, None)
        if pend is None or not pend.frames:
            return
        api = None
        for frame in pend.frames:
            api = api_for_frame(frame.class_name, frame.method)
            if api is not None or not is_framework(frame.class_name):
                break
        if api is None:
            return
        line = pend.line
        pkg = pend.pkg or self._pids.get(line.pid or -1)
        event = TraceEvent(t=line.t, kind="api_call", provenance=self._prov(line), api_id=api["id"],
                           api=f"{api['class'][1:-1].rsplit('/', 1)[-1]}.{api['member']}",
                           pi_types=list(api["pi_types"]), stack=list(pend.frames), result=f"threw {pend.exc}",
                           detail=with_package(pkg, f"stack trace logged by {line.tag}"),
                           thread=str(line.tid) if line.tid is not None else None)
        attribute(event, (pkg,) if pkg else ())
        for earlier, earlier_pkg in reversed(self.raw[-64:]):
            if earlier.kind == "api_call" and earlier.api_id == api["id"] and pkg in (None, earlier_pkg) \
                    and not earlier.stack and abs(earlier.t - line.t) <= 2.0:
                earlier.stack = event.stack
                attribute(earlier, (earlier_pkg,) if earlier_pkg else ())
                earlier.detail = f"{earlier.detail}; calling stack from {line.tag} {event.provenance.locator}"
                return
        self._add(event, pkg)


def is_logcat_line(text: str) -> bool:
    """True for one line in a logcat format this reader knows (a buffer marker counts)."""
    return any(p.match(text) for p in (_THREADTIME, _TIME, _SECONDS, _BRIEF, _MARKER))


def _split_tag(rest: str) -> tuple[str, str]:
    """Tag and message of ``Tag: message`` (tags may hold colons, as in ``Binder:497_3``)."""
    i = rest.find(": ")
    if i < 0:
        if rest.endswith(":"):
            return rest[:-1].strip(), ""
        return rest.strip(), ""
    return rest[:i].strip(), rest[i + 2:]


def _reason(rest: str) -> tuple[str, str | None]:
    if "{" in rest:
        i = rest.index("{")
        return rest[:i].strip(), rest[i + 1:].rstrip("}").strip() or None
    head, _, last = rest.rpartition(" ")
    if head and "/" in last:
        return head.strip(), last
    return rest.strip(), None


def full_component(pkg: str, cls: str) -> str:
    return f"{pkg}/{pkg}{cls}" if cls.startswith(".") else f"{pkg}/{cls}"


def with_package(pkg: str | None, detail: str | None) -> str | None:
    if pkg is None:
        return detail
    return f"package={pkg}; {detail}" if detail else f"package={pkg}"


def finish_events(raw: list[tuple[TraceEvent, str | None]], package: str | None) -> list[TraceEvent]:
    """Sort by time, keep only ``package``'s events when given (with background/foreground derived
    from other packages' screens) and turn permission-controller screens into ``permission_request``
    for the app in front where no request is recorded within 3 s."""
    raw.sort(key=lambda pair: pair[0].t)
    requests: dict[str | None, list[float]] = {}
    for event, pkg in raw:
        if event.kind == "permission_request":
            requests.setdefault(pkg, []).append(event.t)
    out: list[TraceEvent] = []
    fg: str | None = None

    def keep(event: TraceEvent, pkg: str | None) -> None:
        if package is None or pkg == package:
            out.append(event)

    for event, pkg in raw:
        if event.kind == "screen" and pkg:
            if pkg in PERMISSION_CONTROLLERS:
                if fg and not any(abs(t - event.t) <= 3.0 for t in requests.get(fg, ())):
                    requests.setdefault(fg, []).append(event.t)
                    what = (event.detail or "").split("; ", 1)[-1] if event.detail else event.activity
                    keep(TraceEvent(t=event.t, kind="permission_request", provenance=event.provenance,
                                    activity=event.activity,
                                    detail=with_package(fg, f"permission dialog on screen ({what})")), fg)
                keep(event, pkg)
                continue
            if package and pkg != package and fg == package:
                keep(TraceEvent(t=event.t, kind="lifecycle", provenance=event.provenance, state="background",
                                detail=with_package(package, f"{event.activity} came to the front")), package)
            elif package and pkg == package and fg is not None and fg != package:
                keep(TraceEvent(t=event.t, kind="lifecycle", provenance=event.provenance, state="foreground",
                                detail=with_package(package, f"{event.activity} came to the front")), package)
            fg = pkg
        elif event.kind == "lifecycle" and event.state == "stop" and pkg is not None and pkg == fg:
            fg = None
        keep(event, pkg)
    return out


def read_logcat(path: str, package: str | None = None, *, year: int | None = None) -> Trace:
    """Read an Android logcat text file; ``package`` keeps only that app's events."""
    reader = LogcatReader(path, year=year).run()
    trace = Trace(path=path, format="logcat", package=package, events=finish_events(reader.raw, package),
                  clock=reader.clock, notes=list(reader.notes))
    if reader.clock == "device_wallclock":
        trace.notes.append(f"times are the device's wall clock read as UTC, year {year or 1970} assumed")
    infer_consent(trace)
    return trace


def uptime_offset(reader: LogcatReader) -> float | None:
    """Wall time minus uptime, from ``mLastActivityLaunchTime`` (uptime ms of the last activity launch)
    in ActivityTaskManager warnings: the line is logged after that launch, so the smallest difference
    is the closest (over-)estimate. ``None`` without such lines."""
    if not reader.launch_times:
        return None
    best = min(t - up for t, up in reader.launch_times)
    return best if math.isfinite(best) else None
