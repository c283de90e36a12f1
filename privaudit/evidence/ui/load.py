"""Read a UI exploration run into a ``UiRun``.

Two layouts:

- a DroidBot output folder: screens from the state files (``states/state_*.json`` or a ``states*.tar.gz``, read
  by ``runtime.droidbot.iter_state_json``: streamed, never extracted, with its size and path checks), transitions
  from ``events/event_*.json`` (``start_state`` → ``stop_state``). Observations are put in time order; where the
  screen changed between two observations with no input between them (a state file and the next event's start
  state, one event's stop state and the next event's start state) an ``auto`` transition links them. ``kill_app``
  breaks the chain; an ``intent`` is a ``start``.
- a folder of uiautomator XML dumps (``uiautomator dump`` / uiautomator2 ``dump_hierarchy``), ordered by file
  modification time then name, each one screen; consecutive dumps are linked by an ``unknown`` transition (an
  input happened, which one is not recorded). A same-name ``.png`` is kept as the screenshot.

Broken JSON or XML, states without views and missing screenshots are skipped with a note; a path that is neither
layout raises one ``InputError``.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

from privaudit.errors import InputError

# private helpers of the DroidBot trace reader, reused so the two readers agree on the folder's files
from privaudit.evidence.runtime.droidbot import (
    _host_time,
    _package_from_dumpsys,
    _read_inputs,
    _read_utg,
    iter_state_json,
)
from privaudit.evidence.ui.model import Action, Screen, Transition, UiRun, Widget
from privaudit.model import Provenance

MAX_XML_BYTES = 16 * 1024 * 1024
MAX_DUMPS = 10_000
_BOUNDS = re.compile(r"\[(-?\d+),(-?\d+)\]\[(-?\d+),(-?\d+)\]")


def load_ui(path: str, package: str | None = None) -> UiRun:
    if not os.path.isdir(path):
        raise InputError("UI run: not a directory (expected a DroidBot output folder or a folder of uiautomator "
                         "XML dumps)", path)
    names = os.listdir(path)
    if "events" in names or "utg.js" in names or "states" in names or any(
            "state" in n and n.endswith((".tar.gz", ".tgz", ".tar")) for n in names):
        return _droidbot(path, package)
    if any(n.lower().endswith(".xml") for n in names):
        return _dumps(path, package)
    raise InputError("UI run: neither a DroidBot output folder (events/, states/, utg.js) nor a folder of "
                     "uiautomator XML dumps", path)


# ---------------------------------------------------------------- DroidBot


def _droidbot(path: str, package: str | None) -> UiRun:
    run = UiRun(path=path)
    notes = run.notes
    utg_path = os.path.join(path, "utg.js")
    utg = _read_utg(utg_path, notes) if os.path.isfile(utg_path) else {}
    run.package = package or (utg.get("app_package") if isinstance(utg.get("app_package"), str) else None) \
        or _package_from_dumpsys(path)

    screens: list[Screen] = []
    viewless = 0
    for obj, prov in iter_state_json(path, notes):
        scr = _droidbot_screen(obj, prov)
        if scr is None:
            viewless += 1
        else:
            screens.append(scr)
    if viewless:
        notes.append(f"{viewless} DroidBot state file(s) without a state_str, tag or views skipped")
    screens.sort(key=lambda s: s.t or 0.0)
    seen: set[str] = set()
    for s in screens:
        if s.id not in seen:
            seen.add(s.id)
            run.screens.append(s)
    states_dir = os.path.join(path, "states")
    shots = {n for n in os.listdir(states_dir) if n.startswith("screen_")} if os.path.isdir(states_dir) else set()
    if run.screens and not shots:
        notes.append("no screenshots in the run (states/screen_*.png|jpg); screens are described by their views only")
    for s in screens:  # DroidBot saves the screenshot of state_<tag>.json as screen_<tag>.png (or .jpg)
        tag = _state_tag(s)
        for ext in (".png", ".jpg"):
            if tag and f"screen_{tag}{ext}" in shots:
                s.screenshot = os.path.join(states_dir, f"screen_{tag}{ext}")
                break

    events_dir = os.path.join(path, "events")
    inputs = _read_inputs(events_dir, notes) if os.path.isdir(events_dir) else []
    # observations in time order: a state file is captured before the input sent in the same second
    obs: list[tuple[float, int, Any]] = [(s.t or 0.0, 0, s) for s in screens]
    obs += [(i.t, 1, i) for i in inputs]
    obs.sort(key=lambda o: (o[0], o[1]))
    cur: str | None = None
    for t, kind, item in obs:
        if kind == 0:
            if cur is not None and cur != item.id:
                run.transitions.append(Transition(cur, item.id, "auto", None, t, item.provenance))
            cur = item.id
            continue
        ev = item.data["event"]
        etype = str(ev.get("event_type") or "")
        start = item.data.get("start_state") if isinstance(item.data.get("start_state"), str) else None
        stop = item.data.get("stop_state") if isinstance(item.data.get("stop_state"), str) else None
        prov = Provenance("ui", item.path, locator=f"event {item.tag}")
        if etype == "kill_app":
            cur = None
            continue
        if start is None or stop is None:
            cur = stop
            continue
        if cur is not None and cur != start:
            run.transitions.append(Transition(cur, start, "auto", None, t, prov))
        action = _action(etype, ev)
        if action is not None:
            view = ev.get("view") if isinstance(ev.get("view"), dict) else None
            run.transitions.append(Transition(start, stop, action, _widget(view) if view else None, t, prov))
        cur = stop
    if not run.screens and not run.transitions:
        notes.append("no usable screens or events in the run")
    return run


def _state_tag(screen: Screen) -> str | None:
    name = os.path.basename(screen.provenance.entry or screen.provenance.file or "")
    m = re.fullmatch(r"state_(.+)\.json", name)
    return m.group(1) if m else None


def _action(etype: str, ev: dict[str, Any]) -> Action | None:
    if etype in ("touch", "long_touch"):
        return "tap"
    if etype in ("scroll", "swipe"):
        return "scroll"
    if etype == "set_text":
        return "input"
    if etype == "key":
        return "back" if str(ev.get("name") or "").upper() == "BACK" else "input"
    if etype == "intent":
        return "start"
    return None


def _droidbot_screen(data: Any, prov: Provenance) -> Screen | None:
    if not isinstance(data, dict) or not isinstance(data.get("state_str"), str):
        return None
    views = [v for v in data.get("views") or [] if isinstance(v, dict)]
    if not views:
        return None
    t = _host_time(str(data.get("tag") or prov.entry or prov.locator or ""))
    activity = data.get("foreground_activity") if isinstance(data.get("foreground_activity"), str) else None
    package = activity.split("/", 1)[0] if activity else next(
        (str(v["package"]) for v in views if v.get("package")), None)
    widgets = [_widget(v) for v in views if v.get("visible", True) is not False]
    sid = data["state_str"]
    entry = prov.entry or (os.path.basename(prov.file) if prov.locator else None)
    return Screen(id=sid, t=t, activity=activity, package=package, widgets=widgets,
                  provenance=Provenance("ui", prov.file, entry, None, f"{sid[:12]} {activity or ''}".strip()))


def _widget(v: dict[str, Any]) -> Widget:
    bounds = None
    try:
        (x1, y1), (x2, y2) = v.get("bounds")  # type: ignore[misc]
        bounds = (int(x1), int(y1), int(x2), int(y2))
    except (TypeError, ValueError):
        pass
    text = v.get("text") if isinstance(v.get("text"), str) else None
    desc = v.get("content_description") if isinstance(v.get("content_description"), str) else None
    rid = v.get("resource_id") if isinstance(v.get("resource_id"), str) else None
    return Widget(cls=str(v.get("class") or ""), text=text, desc=desc, rid=rid, bounds=bounds,
                  clickable=bool(v.get("clickable")), checkable=bool(v.get("checkable")),
                  checked=bool(v.get("checked")))


# ---------------------------------------------------------------- uiautomator dumps


def _dumps(path: str, package: str | None) -> UiRun:
    run = UiRun(path=path, package=package)
    notes = run.notes
    files = []
    for name in os.listdir(path):
        p = os.path.join(path, name)
        if name.lower().endswith(".xml") and os.path.isfile(p):
            try:
                files.append((os.path.getmtime(p), name, p))
            except OSError:
                continue
    files.sort()
    if len(files) > MAX_DUMPS:
        notes.append(f"{len(files)} XML dumps, only the first {MAX_DUMPS} read")
        files = files[:MAX_DUMPS]
    bad: list[str] = []
    no_png = 0
    prev: Screen | None = None
    for mtime, name, p in files:
        scr = _dump_screen(p, name, mtime, bad)
        if scr is None:
            prev = None  # a gap: the next dump is not known to follow this one directly
            continue
        png = os.path.splitext(p)[0] + ".png"
        if os.path.isfile(png):
            scr.screenshot = png
        else:
            no_png += 1
        run.screens.append(scr)
        if prev is not None:
            run.transitions.append(Transition(prev.id, scr.id, "unknown", None, mtime, scr.provenance))
        prev = scr
    if bad:
        notes.append(f"{len(bad)} XML dump(s) skipped (not a uiautomator hierarchy or no nodes): "
                     f"{', '.join(bad[:5])}{'…' if len(bad) > 5 else ''}")
    if no_png:
        notes.append(f"{no_png} dump(s) without a same-name .png screenshot")
    if run.package is None and run.screens:
        counts = Counter(s.package for s in run.screens if s.package)
        run.package = counts.most_common(1)[0][0] if counts else None
    if not run.screens:
        raise InputError("UI run: no readable uiautomator XML dump in the folder", path)
    return run


def _dump_screen(p: str, name: str, mtime: float, bad: list[str]) -> Screen | None:
    try:
        if os.path.getsize(p) > MAX_XML_BYTES:
            bad.append(f"{name} (over {MAX_XML_BYTES} bytes)")
            return None
        with open(p, "rb") as fh:
            data = fh.read(MAX_XML_BYTES + 1)
    except OSError:
        bad.append(f"{name} (unreadable)")
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        bad.append(f"{name} (DTD or entities: refused)")
        return None
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        bad.append(f"{name} ({exc})")
        return None
    nodes = list(root.iter("node"))
    if not nodes:
        bad.append(f"{name} (no nodes)")
        return None
    widgets = []
    packages: Counter[str] = Counter()
    for n in nodes:
        a = n.attrib
        if a.get("package"):
            packages[a["package"]] += 1
        m = _BOUNDS.fullmatch(a.get("bounds", ""))
        widgets.append(Widget(cls=a.get("class", ""), text=a.get("text") or None, desc=a.get("content-desc") or None,
                              rid=a.get("resource-id") or None,
                              bounds=tuple(int(g) for g in m.groups()) if m else None,  # type: ignore[arg-type]
                              clickable=a.get("clickable") == "true", checkable=a.get("checkable") == "true",
                              checked=a.get("checked") == "true"))
    pkg = packages.most_common(1)[0][0] if packages else None
    sid = os.path.splitext(name)[0]
    return Screen(id=sid, t=mtime, activity=None, package=pkg, widgets=widgets,
                  provenance=Provenance("ui", p, name, None, sid))


__all__ = ["load_ui"]
