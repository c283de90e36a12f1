"""A DroidBot output folder to a ``Trace``: what the explorer did and saw, merged with the device's logcat
on one clock.

Read from the folder (every file optional except ``events/`` or ``utg.js``):

- ``events/event_<tag>.json`` — one input each (``event_type`` touch, long_touch, scroll, swipe, set_text,
  key, intent, kill_app), the target ``view`` (text, resource id, class, bounds, checked) and the
  ``start_state`` seen before it; the tag ``YYYY-MM-DD_HHMMSS`` is the host's wall clock taken just
  before the input is sent (1 s resolution). DroidBot opens the file before serialising it, so a
  failed dump leaves an empty file: such files are skipped with a note.
- ``states/state_<tag>.json`` or a ``states*.tar.gz`` of them — view hierarchies with the foreground
  activity. Tarballs are read as a stream, never extracted: only regular members named
  ``state_*.json`` with a safe relative path, at most 64 MiB each, 2 GiB and 100,000 members in all.
- ``utg.js`` — the package, device model, SDK level and serial (kept only as a hash), and the
  state → activity map of the last session; ``logcat.txt``; ``user_input.txt`` (``getevent``
  output: touches made by hand on the device while DroidBot ran, which DroidBot does not send).

Produced: ``user_action`` for each input (``tap "同意" (resource-id)`` when the target has text),
``screen`` whenever the observed foreground activity changes, ``consent_shown`` when a state shows
a privacy prompt (a text naming the policy and a clickable control labelled with a word of
``consent_words``), ``consent_accepted`` / ``consent_refused`` for a tap on an explicit accept /
refuse control (or the tick of an unchecked checkbox labelled 同意…) on a screen that names the
policy, ``permission_result`` for taps on the system dialog's allow / deny buttons, ``lifecycle``
stop for ``kill_app``; plus every logcat event (``logcat.read_logcat``) and, where the logcat allows
the clock mapping, the manual touches.

Clocks: DroidBot tags are host time, logcat lines device time. The offset is measured on the
commands DroidBot sends by adb, whose effects the device logs: ``kill_app`` ↔ ``Force stopping <pkg>
… from pid`` and an ``intent`` ``am start <component>`` ↔ ``START … cmp=<component> … from uid 2000``
(the shell). A tag precedes its effect, so each pair bounds ``host − device`` from below; the
largest bound (after dropping pairs more than 2 s from the median) is the offset and DroidBot
times become ``tag − offset`` on the device clock. A second check compares the foreground activity
of each aligned state with the last ``Displayed`` activity of the logcat and is written to the
notes. Manual touches carry kernel uptime; ``logcat.uptime_offset`` maps them to the wall clock.
Without a logcat the trace stays on the host clock. A folder holding several DroidBot sessions (the
explorer restarted into the same folder) is kept as one trace; the sessions are listed in the notes.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import json
import os
import posixpath
import re
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from privaudit.errors import InputError
from privaudit.evidence.runtime.consent import agrees, classify_control, infer_consent, presents_policy
from privaudit.evidence.runtime.jsonl import redact
from privaudit.evidence.runtime.logcat import (
    PERMISSION_CONTROLLERS,
    LogcatReader,
    finish_events,
    full_component,
    uptime_offset,
    with_package,
)
from privaudit.evidence.runtime.model import Trace, TraceEvent
from privaudit.model import Provenance

MAX_JSON_BYTES = 64 * 1024 * 1024
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TAR_BYTES = 2 * 1024 * 1024 * 1024
MAX_MEMBERS = 100_000
MAX_EVENT_FILES = 100_000
MAX_TEXT_FILE = 64 * 1024 * 1024
ALIGN_WINDOW_S = 30.0  # a device effect is matched to a DroidBot command at most this far apart
SESSION_GAP_S = 600.0

_TAG = re.compile(r"(\d{4})-(\d\d)-(\d\d)_(\d\d)(\d\d)(\d\d)")
_EVENT_NAME = re.compile(r"event_(\d{4}-\d\d-\d\d_\d{6})\.json")
_STATE_NAME = re.compile(r"state_(\d{4}-\d\d-\d\d_\d{6})\.json")
_COMPONENT = re.compile(r"([\w.]+)/([\w.$]+)")
_GETEVENT = re.compile(r"^\[\s*(?P<t>\d+\.\d+)\]\s+(?P<dev>/dev/input/\w+):\s+"
                       r"(?P<type>\w+)\s+(?P<code>\w+)\s+(?P<val>\w+)")
ALLOW_IDS = ("permission_allow_button", "permission_allow_foreground_only_button", "permission_allow_one_time_button",
             "permission_allow_always_button", "permission_allow_selected_button", "permission_allow_all_button")
DENY_IDS = ("permission_deny_button", "permission_deny_and_dont_ask_again_button", "permission_no_upgrade_button")


@dataclass(slots=True)
class _State:
    state_str: str
    t: float
    activity: str | None
    provenance: Provenance
    policy: bool = False
    prompt: str | None = None  # summary when the state shows a privacy prompt
    permission_message: str | None = None
    views: dict[int, dict[str, Any]] = field(default_factory=dict)  # kept only where the policy is named
    size: tuple[int, int] | None = None


@dataclass(slots=True)
class _Input:
    t: float  # host seconds
    tag: str
    path: str
    data: dict[str, Any]


def read_droidbot(path: str, package: str | None = None) -> Trace:
    """Read a DroidBot output folder; ``package`` defaults to the app DroidBot explored."""
    if not os.path.isdir(path):
        raise InputError("not a directory", path)
    events_dir = os.path.join(path, "events")
    utg_path = os.path.join(path, "utg.js")
    if not os.path.isdir(events_dir) and not os.path.isfile(utg_path):
        raise InputError("not a DroidBot output folder: no events/ or utg.js", path)
    notes: list[str] = []
    utg = _read_utg(utg_path, notes) if os.path.isfile(utg_path) else {}
    package = package or (utg.get("app_package") if isinstance(utg.get("app_package"), str) else None) \
        or _package_from_dumpsys(path)
    device: dict[str, Any] = {}
    for key, name in (("device_model_number", "model"), ("device_sdk_version", "sdk")):
        if utg.get(key) is not None:
            device[name] = utg[key]
    if utg.get("device_serial"):
        device["serial_sha256"] = hashlib.sha256(str(utg["device_serial"]).encode()).hexdigest()[:16]
    node_activity: dict[str, str] = {}
    for node in utg.get("nodes") or []:
        if isinstance(node, dict) and isinstance(node.get("state_str"), str) and node.get("package"):
            node_activity[node["state_str"]] = _activity(str(node["package"]), str(node.get("activity") or ""))

    states = _read_states(path, notes)
    inputs = _read_inputs(events_dir, notes) if os.path.isdir(events_dir) else []
    year = _year(inputs, states, utg)

    reader: LogcatReader | None = None
    logcat_path = os.path.join(path, "logcat.txt")
    if os.path.isfile(logcat_path):
        try:
            reader = LogcatReader(logcat_path, year=year).run()
        except InputError as exc:
            notes.append(f"logcat.txt skipped: {exc}")
    offset = 0.0
    if reader is not None:
        offset = _align(inputs, reader, package, notes)
    raw: list[tuple[TraceEvent, str | None]] = list(reader.raw) if reader is not None else []

    # what DroidBot saw: states from files, and the start state of every input
    by_str: dict[str, _State] = {}
    for st in sorted(states, key=lambda s: s.t):
        by_str.setdefault(st.state_str, st)
    observations: list[tuple[float, str, Provenance]] = [(st.t, st.state_str, st.provenance) for st in states]
    for inp in inputs:
        s = inp.data.get("start_state")
        if isinstance(s, str):
            observations.append((inp.t, s, _input_prov(inp)))
    observations.sort(key=lambda o: o[0])
    last_activity: str | None = None
    last_prompt: str | None = None
    checks = [0, 0]
    for t_host, s, prov in observations:
        st = by_str.get(s)
        activity = st.activity if st is not None and st.activity else node_activity.get(s)
        t = t_host - offset
        if activity and activity != last_activity:
            pkg = activity.split("/", 1)[0]
            detail = f"DroidBot state {s[:12]}"
            if st is not None and st.permission_message:
                detail = st.permission_message
            raw.append((TraceEvent(t=t, kind="screen", provenance=prov, activity=activity,
                                   detail=with_package(pkg, detail)), pkg))
            last_activity = activity
        if reader is not None and activity and reader.screens and reader.first_t is not None \
                and reader.screens[0][0] <= t <= (reader.last_t or t):
            shown = [a for ts, a in reader.screens if ts <= t]
            if shown:
                checks[0] += 1
                checks[1] += shown[-1] == activity
        prompt = st.prompt if st is not None else None
        if prompt and s != last_prompt:
            raw.append((TraceEvent(t=t, kind="consent_shown", provenance=prov, activity=activity,
                                   detail=f"privacy prompt on screen: {prompt}"), package))
        last_prompt = s if prompt else None
    if checks[0]:
        notes.append(f"clock check: {checks[1]} of {checks[0]} DroidBot observations inside the logcat's span show the "
                     "activity the logcat last reported as displayed at the aligned time (Android logs no "
                     "'Displayed' when an activity is merely resumed, so a mismatch need not be a clock error)")

    logged_stops = [e.t for e, pkg in raw if e.kind == "lifecycle" and e.state == "stop" and pkg == package]
    for inp in inputs:
        for event, pkg in _input_events(inp, inp.t - offset, by_str, node_activity, package):
            if event.kind == "lifecycle" and any(abs(t - event.t) <= 2.0 for t in logged_stops):
                continue  # the logcat already records this force stop
            raw.append((event, pkg))
    raw.extend(_manual_inputs(path, reader, package, states, notes))
    _note_sessions(inputs, offset, notes)

    clock = "device_wallclock" if reader is not None else "host_wallclock"
    trace = Trace(path=path, format="droidbot", package=package, events=finish_events(raw, package), device=device,
                  clock=clock, notes=notes)
    infer_consent(trace, from_taps=False)
    return trace


# ---------------------------------------------------------------- files


def _read_json_file(path: str, notes: list[str], what: str) -> Any:
    try:
        size = os.path.getsize(path)
        if size > MAX_JSON_BYTES:
            notes.append(f"{what}: {size} bytes, over the {MAX_JSON_BYTES} byte limit; skipped")
            return None
        with open(path, "rb") as fh:
            data = fh.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        notes.append(f"{what}: unreadable ({exc.strerror or exc}); skipped")
        return None
    if not data.strip():
        return None
    try:
        return json.loads(data.decode("utf-8", errors="replace"))
    except ValueError as exc:
        notes.append(f"{what}: not JSON ({exc}); skipped")
        return None


def _read_utg(path: str, notes: list[str]) -> dict[str, Any]:
    try:
        if os.path.getsize(path) > MAX_JSON_BYTES:
            notes.append("utg.js over the size limit; skipped")
            return {}
        with open(path, "rb") as fh:
            text = fh.read(MAX_JSON_BYTES + 1).decode("utf-8", errors="replace")
    except OSError as exc:
        notes.append(f"utg.js unreadable ({exc.strerror or exc})")
        return {}
    i = text.find("{")
    try:
        obj = json.loads(text[i:].rstrip().rstrip(";")) if i >= 0 else None
    except ValueError as exc:
        notes.append(f"utg.js: not the expected 'var utg = {{…}}' ({exc})")
        return {}
    return obj if isinstance(obj, dict) else {}


def _package_from_dumpsys(path: str) -> str | None:
    for name in sorted(os.listdir(path)):
        m = re.fullmatch(r"dumpsys_package_([\w.]+)\.txt", name)
        if m:
            return m.group(1)
    return None


def _host_time(tag: str) -> float | None:
    m = _TAG.fullmatch(tag) or _TAG.search(tag)
    if m is None:
        return None
    try:
        dt = datetime.datetime(*(int(g) for g in m.groups()))
    except ValueError:
        return None
    return float(calendar.timegm(dt.timetuple()))


def _year(inputs: list[_Input], states: list[_State], utg: dict[str, Any]) -> int | None:
    first = [i.t for i in inputs[:1]] + [s.t for s in states[:1]]
    if first:
        return datetime.datetime.fromtimestamp(first[0], datetime.UTC).year
    m = re.match(r"(\d{4})-", str(utg.get("test_date") or ""))
    return int(m.group(1)) if m else None


def _read_inputs(events_dir: str, notes: list[str]) -> list[_Input]:
    out: list[_Input] = []
    empty: list[str] = []
    names = sorted(n for n in os.listdir(events_dir) if _EVENT_NAME.fullmatch(n))
    if len(names) > MAX_EVENT_FILES:
        notes.append(f"events/: {len(names)} files, only the first {MAX_EVENT_FILES} read")
        names = names[:MAX_EVENT_FILES]
    for name in names:
        p = os.path.join(events_dir, name)
        if not os.path.isfile(p):
            continue
        data = _read_json_file(p, notes, f"events/{name}")
        tag = _EVENT_NAME.fullmatch(name).group(1)  # type: ignore[union-attr]
        if not isinstance(data, dict) or not isinstance(data.get("event"), dict):
            empty.append(name)
            continue
        t = _host_time(str(data.get("tag") or tag))
        if t is None:
            continue
        out.append(_Input(t, str(data.get("tag") or tag), p, data))
    if empty:
        notes.append(f"events/: {len(empty)} empty or unreadable event file(s) skipped ({', '.join(empty[:5])}"
                     f"{'…' if len(empty) > 5 else ''}); DroidBot leaves an empty file when serialising an event fails")
    out.sort(key=lambda i: i.t)
    return out


def _read_states(path: str, notes: list[str]) -> list[_State]:
    out: list[_State] = []
    for obj, prov in iter_state_json(path, notes):
        st = _state(obj, prov)
        if st is not None:
            out.append(st)
    return out


def iter_state_json(path: str, notes: list[str]) -> Iterator[tuple[Any, Provenance]]:
    """Every DroidBot state JSON of a folder (``states/state_*.json`` and ``*state*.tar.gz`` members), parsed, with
    its provenance; unreadable files are skipped with a note. Also used by ``evidence.ui.load``.

    A folder is parsed once per process while its files are unchanged (the trace importer and the UI loader
    both read it in one audit); callers must not modify the parsed objects."""
    items, cached_notes = _parsed_states(os.path.abspath(path), _states_stamp(path))
    notes.extend(cached_notes)
    yield from items


def _states_stamp(path: str) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the files the state reader looks at."""
    out = []
    for folder in (os.path.join(path, "states"), path):
        if os.path.isdir(folder):
            for name in sorted(os.listdir(folder)):
                if "state" in name:
                    st = os.stat(os.path.join(folder, name))
                    out.append((os.path.join(folder, name), st.st_size, st.st_mtime_ns))
    return tuple(out)


@lru_cache(maxsize=2)
def _parsed_states(path: str, stamp: tuple) -> tuple[tuple[tuple[Any, Provenance], ...], tuple[str, ...]]:
    notes: list[str] = []
    return tuple(_read_state_json(path, notes)), tuple(notes)


def _read_state_json(path: str, notes: list[str]) -> Iterator[tuple[Any, Provenance]]:
    states_dir = os.path.join(path, "states")
    if os.path.isdir(states_dir):
        for name in sorted(os.listdir(states_dir)):
            p = os.path.join(states_dir, name)
            if _STATE_NAME.fullmatch(name) and os.path.isfile(p):
                yield _read_json_file(p, notes, f"states/{name}"), Provenance("ui", p, locator=name)
    for name in sorted(os.listdir(path)):
        if "state" in name and name.endswith((".tar.gz", ".tgz", ".tar")):
            p = os.path.join(path, name)
            if os.path.isfile(p):
                yield from _tar_states(p, notes)


def _tar_states(path: str, notes: list[str]) -> Iterator[tuple[Any, Provenance]]:
    name = os.path.basename(path)
    total = 0
    count = 0
    read = 0
    unsafe = 0
    try:
        with open(path, "rb") as fh, tarfile.open(fileobj=fh, mode="r|*") as tf:
            for member in tf:
                count += 1
                if count > MAX_MEMBERS:
                    notes.append(f"{name}: more than {MAX_MEMBERS} members; the rest ignored")
                    break
                if not member.isreg():
                    continue
                base = posixpath.basename(member.name)
                if not _STATE_NAME.fullmatch(base):
                    continue
                parts = member.name.replace("\\", "/").split("/")
                if member.name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                    unsafe += 1
                    continue
                if member.size > MAX_MEMBER_BYTES:
                    notes.append(f"{name}: {member.name} is {member.size} bytes, over the limit; skipped")
                    continue
                total += member.size
                if total > MAX_TAR_BYTES:
                    notes.append(f"{name}: more than {MAX_TAR_BYTES} bytes of states; the rest ignored")
                    break
                f = tf.extractfile(member)
                if f is None:
                    continue
                data = f.read(MAX_MEMBER_BYTES + 1)
                try:
                    obj = json.loads(data.decode("utf-8", errors="replace"))
                except ValueError:
                    notes.append(f"{name}: {member.name} is not JSON; skipped")
                    continue
                read += 1
                yield obj, Provenance("ui", path, entry=member.name)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        notes.append(f"{name}: unreadable archive ({exc}); {read} states read before the error")
    if unsafe:
        notes.append(f"{name}: {unsafe} member(s) with absolute or '..' paths ignored")


def _state(data: Any, prov: Provenance) -> _State | None:
    if not isinstance(data, dict) or not isinstance(data.get("state_str"), str):
        return None
    t = _host_time(str(data.get("tag") or prov.entry or prov.locator or ""))
    if t is None:
        return None
    activity = data.get("foreground_activity") if isinstance(data.get("foreground_activity"), str) else None
    st = _State(data["state_str"], t, activity, Provenance(prov.source, prov.file, prov.entry, prov.offset,
                                                          f"state {data['state_str']}"))
    if isinstance(data.get("width"), int) and isinstance(data.get("height"), int):
        st.size = (data["width"], data["height"])
    views = [v for v in data.get("views") or [] if isinstance(v, dict) and v.get("visible", True) is not False]
    texts = [_label(v) for v in views]
    st.policy = any(presents_policy(t) for t in texts if t)
    controls = []
    for v, label in zip(views, texts, strict=True):
        if label and (v.get("clickable") or str(v.get("class", "")).endswith("Button")):
            verdict = classify_control(label)
            if verdict:
                controls.append(f"{_clip(label, 20)} ({verdict})")
        rid = str(v.get("resource_id") or "")
        if rid.endswith(":id/permission_message") and label:
            st.permission_message = _clip(label, 200)
    if st.policy and controls:
        title = next((t for t in texts if t and presents_policy(t)), "")
        st.prompt = f"“{_clip(title, 40)}” — controls: {', '.join(controls[:6])}"
    if st.policy:
        for v in views:
            if isinstance(v.get("temp_id"), int):
                st.views[v["temp_id"]] = {k: v.get(k) for k in ("temp_id", "parent", "children", "class", "text",
                                                                  "content_description", "resource_id", "checkable",
                                                                  "checked", "bounds")}
    return st


# ---------------------------------------------------------------- clocks and sessions


def _align(inputs: list[_Input], reader: LogcatReader, package: str | None, notes: list[str]) -> float:
    forces = [(t, pkg) for kind, t, pkg, _ in reader.anchors if kind == "force_stop"]
    starts = [(t, comp) for kind, t, _, comp in reader.anchors if kind == "shell_start"]
    pairs: list[tuple[float, float, str]] = []
    for inp in inputs:
        ev = inp.data["event"]
        etype = ev.get("event_type")
        cands: list[float] = []
        if etype == "kill_app":
            target = str(ev.get("stop_intent") or "").split()[-1:] or [package]
            cands = [t for t, p in forces if p == target[0] and abs(inp.t - t) <= ALIGN_WINDOW_S]
        elif etype == "intent":
            m = _COMPONENT.search(str(ev.get("intent") or ""))
            if m:
                comp = full_component(m.group(1), m.group(2))
                cands = [t for t, c in starts if c == comp and abs(inp.t - t) <= ALIGN_WINDOW_S]
        if cands:
            best = min(cands, key=lambda t: abs(inp.t - t))
            pairs.append((inp.t, best, str(etype)))
    if not pairs:
        notes.append("clock: no DroidBot command matched a logcat line (kill_app ↔ Force stopping, intent ↔ START "
                     "from uid 2000); DroidBot times are used as they are (host clock assumed equal to the device's)")
        return 0.0
    diffs = sorted(h - d for h, d, _ in pairs)
    median = diffs[len(diffs) // 2]
    kept = [x for x in diffs if abs(x - median) <= 2.0]
    offset = max(kept)
    notes.append(f"clock: DroidBot (host) time − device time = {offset:.3f} s, the largest lower bound from "
                 f"{len(kept)} matched command(s) ({', '.join(sorted({k for _, _, k in pairs}))}); DroidBot "
                 f"inputs and states are placed at tag − {offset:.3f} s (tags have 1 s resolution and precede "
                 "the input)")
    return offset


def _note_sessions(inputs: list[_Input], offset: float, notes: list[str]) -> None:
    sessions: list[list[_Input]] = []
    for inp in inputs:
        etype = inp.data["event"].get("event_type")
        if not sessions or inp.t - sessions[-1][-1].t > SESSION_GAP_S or (
                etype == "kill_app" and inp.t - sessions[-1][-1].t > 60.0):
            sessions.append([])
        sessions[-1].append(inp)
    if len(sessions) > 1:
        spans = "; ".join(f"{i + 1}: {_fmt(s[0].t - offset)}–{_fmt(s[-1].t - offset)} ({len(s)} inputs)"
                          for i, s in enumerate(sessions))
        notes.append(f"{len(sessions)} DroidBot sessions in this folder (device clock) — {spans}")


def _fmt(t: float) -> str:
    return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


# ---------------------------------------------------------------- inputs


def _input_prov(inp: _Input) -> Provenance:
    return Provenance("ui", inp.path, locator=f"event {inp.tag}")


def _input_events(inp: _Input, t: float, states: dict[str, _State], node_activity: dict[str, str],
                  package: str | None) -> list[tuple[TraceEvent, str | None]]:
    ev = inp.data["event"]
    etype = str(ev.get("event_type") or "")
    prov = _input_prov(inp)
    start = inp.data.get("start_state") if isinstance(inp.data.get("start_state"), str) else None
    st = states.get(start) if start else None
    activity = (st.activity if st is not None else None) or (node_activity.get(start) if start else None)
    out: list[tuple[TraceEvent, str | None]] = []

    def add(kind: str, detail: str, **kw: Any) -> None:
        out.append((TraceEvent(t=t, kind=kind, provenance=prov, activity=activity, detail=detail, **kw), package))

    if etype == "kill_app":
        out.append((TraceEvent(t=t, kind="lifecycle", provenance=prov, state="stop",
                               detail=f"DroidBot kill_app ({ev.get('stop_intent') or 'force stop'})"), package))
        return out
    if etype == "intent":
        add("user_action", f"intent: {_clip(str(ev.get('intent') or ''), 200)}")
        return out
    if etype == "key":
        add("user_action", f"key {ev.get('name')}")
        return out
    view = ev.get("view") if isinstance(ev.get("view"), dict) else None
    if etype in ("touch", "long_touch"):
        verb = "tap" if etype == "touch" else "long_touch"
        add("user_action", _describe(verb, view, ev))
        if view is not None:
            out.extend(_consent_from_tap(t, prov, activity, view, st, package))
            rid = str(view.get("resource_id") or "")
            granted = True if rid.endswith(ALLOW_IDS) else False if rid.endswith(DENY_IDS) else None
            if granted is not None:
                message = st.permission_message if st is not None else None
                add("permission_result", f"tapped {_clip(_label(view) or rid, 40)} in the permission dialog"
                    + (f": {message}" if message else ""), granted=granted)
        return out
    if etype == "set_text":
        text = str(ev.get("text") or "")
        add("user_action", f"set_text on {_target(view)} ({len(text)} characters, not kept)")
        return out
    if etype in ("scroll", "swipe"):
        direction = f" {ev.get('direction')}" if ev.get("direction") else ""
        add("user_action", f"{etype}{direction} on {_target(view or ev.get('start_view'))}")
        return out
    if etype and etype not in ("nop", "exit", "manual"):
        add("user_action", f"{etype} (DroidBot input)")
    return out


def _consent_from_tap(t: float, prov: Provenance, activity: str | None, view: dict[str, Any], st: _State | None,
                      package: str | None) -> list[tuple[TraceEvent, str | None]]:
    label = _label(view)
    verdict = classify_control(label)
    how = f"tap on “{_clip(label or '', 40)}”"
    if verdict is None and view.get("checkable") and not view.get("checked") and st is not None and st.views:
        box_label = _checkbox_label(view, st)
        if agrees(box_label):
            verdict = "accept"
            how = f"ticked the checkbox “{_clip(box_label or '', 60)}”"
    if verdict not in ("accept", "refuse"):
        return []
    if not ((st is not None and st.policy) or presents_policy(label)):
        return []  # an 同意 elsewhere (a form, a game) is not consent to the policy
    kind = "consent_accepted" if verdict == "accept" else "consent_refused"
    where = f" on {activity}" if activity else ""
    return [(TraceEvent(t=t, kind=kind, provenance=prov, activity=activity,
                        detail=f"{how}{where} (the screen names the privacy policy)"), package)]


def _checkbox_label(view: dict[str, Any], st: _State) -> str | None:
    """Texts beside a checkbox: the views under its grandparent that share its row, left to right."""
    node = st.views.get(view.get("temp_id")) if isinstance(view.get("temp_id"), int) else None
    if node is None or node.get("class") != view.get("class"):
        node = next((v for v in st.views.values() if v.get("checkable") and v.get("resource_id")
                     and v.get("resource_id") == view.get("resource_id")), None)
        if node is None:
            return None
    top = node
    for _ in range(2):
        parent = st.views.get(top.get("parent")) if isinstance(top.get("parent"), int) else None
        if parent is None:
            break
        top = parent
    row = _rows(node.get("bounds"))
    found: list[tuple[int, str]] = []
    stack = [top]
    seen = 0
    while stack and seen < 300:
        v = stack.pop()
        seen += 1
        text = _label(v)
        box = _rows(v.get("bounds"))
        if text and v is not node and row and box and box[0] < row[1] and row[0] < box[1]:
            found.append((box[2], text))
        for c in v.get("children") or []:
            child = st.views.get(c) if isinstance(c, int) else None
            if child is not None:
                stack.append(child)
    return "".join(text for _, text in sorted(found)) or None


def _rows(bounds: Any) -> tuple[int, int, int] | None:
    try:
        (x1, y1), (_x2, y2) = bounds
        return int(y1), int(y2), int(x1)
    except (TypeError, ValueError):
        return None


def _manual_inputs(path: str, reader: LogcatReader | None, package: str | None, states: list[_State],
                   notes: list[str]) -> list[tuple[TraceEvent, str | None]]:
    p = os.path.join(path, "user_input.txt")
    if not os.path.isfile(p):
        return []
    off = uptime_offset(reader) if reader is not None else None
    if off is None:
        notes.append("user_input.txt (manual input) not placed: no logcat line ties uptime to the wall clock")
        return []
    size = next((s.size for s in states if s.size), None)
    out: list[tuple[TraceEvent, str | None]] = []
    touch: dict[str, Any] | None = None
    last = {"x": None, "y": None}  # multi-touch protocol B re-sends only the axes that changed
    try:
        fh = open(p, "rb")
    except OSError as exc:
        notes.append(f"user_input.txt unreadable ({exc.strerror or exc})")
        return []
    with fh:
        n = 0
        read = 0
        for raw in fh:
            n += 1
            read += len(raw)
            if read > MAX_TEXT_FILE:
                notes.append("user_input.txt: only the first 64 MiB read")
                break
            m = _GETEVENT.match(raw.decode("utf-8", errors="replace"))
            if m is None:
                continue
            t = float(m.group("t")) + off
            code, val = m.group("code"), m.group("val")
            prov = Provenance("ui", p, locator=f"line {n}")
            if code == "ABS_MT_TRACKING_ID":
                if val.lower() != "ffffffff":
                    touch = {"t": t, "prov": prov, "dev": m.group("dev"), **last}
                elif touch is not None:
                    out.append((TraceEvent(t=touch["t"], kind="user_action", provenance=touch["prov"],
                                           detail=_manual_touch(touch, size)), package))
                    touch = None
            elif code in ("ABS_MT_POSITION_X", "ABS_MT_POSITION_Y"):
                axis = "x" if code.endswith("X") else "y"
                last[axis] = _int(val)
                if touch is not None and not touch.get(f"{axis}_set"):
                    touch[axis], touch[f"{axis}_set"] = last[axis], True
            elif m.group("type") == "EV_KEY" and code.startswith("KEY_") and val == "DOWN":
                out.append((TraceEvent(t=t, kind="user_action", provenance=prov,
                                       detail=f"manual key {code} (getevent; not sent by DroidBot)"), package))
    if out:
        notes.append(f"user_input.txt: {len(out)} manual input(s) made on the device during the run; their uptime "
                     f"stamps are placed on the wall clock with boot at {_fmt(off)}.{int(off % 1 * 1000):03d} "
                     "(from mLastActivityLaunchTime in the logcat)")
    return out


def _manual_touch(touch: dict[str, Any], size: tuple[int, int] | None) -> str:
    x, y = touch.get("x"), touch.get("y")
    where = f"raw ({x}, {y})"
    if x is not None and y is not None and size and (x > size[0] or y > size[1]):
        where += f" ≈ ({round(x * size[0] / 32767)}, {round(y * size[1] / 32767)}) px if the touch range is 0–32767"
    return f"manual touch {where} (getevent {touch['dev']}; not sent by DroidBot)"


def _int(text: str) -> int | None:
    try:
        return int(text, 16)
    except ValueError:
        return None


# ---------------------------------------------------------------- small helpers


def _activity(pkg: str, cls: str) -> str:
    return f"{pkg}/{cls}" if cls else pkg


def _label(view: dict[str, Any]) -> str | None:
    text = view.get("text")
    if isinstance(text, str) and text.strip():
        return text
    desc = view.get("content_description")
    if isinstance(desc, str) and desc.strip():
        return desc
    return None


def _clip(text: str, n: int) -> str:
    text = " ".join(text.replace('"', "'").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _target(view: Any) -> str:
    if not isinstance(view, dict):
        return "the screen"
    cls = str(view.get("class") or "").rsplit(".", 1)[-1]
    return str(view.get("resource_id") or cls or "a view")


def _describe(verb: str, view: dict[str, Any] | None, ev: dict[str, Any]) -> str:
    if view is None:
        return f"{verb} at ({ev.get('x')}, {ev.get('y')})"
    label = _label(view)
    cls = str(view.get("class") or "").rsplit(".", 1)[-1]
    where = " ".join(x for x in (str(view.get("resource_id") or ""), cls) if x)
    if label:
        return redact(f'{verb} "{_clip(label, 80)}" ({where})')
    bounds = view.get("bounds")
    return f"{verb} {where} at {bounds}" if bounds else f"{verb} {where}"


__all__ = ["read_droidbot", "iter_state_json", "PERMISSION_CONTROLLERS"]
