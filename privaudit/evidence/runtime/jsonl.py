"""Our own trace format, "privaudit-trace 1" (JSON Lines, ``docs/trace-format.md``), and the event
helpers every runtime importer shares.

The format: line 1 is a header object ``{"format": "privaudit-trace", "version": 1, "package": …,
"device": {…}, "clock": …}``; every further non-blank line is one event whose fields mirror
``TraceEvent``. ``read_trace`` streams the file line by line (a line longer than 4 MiB, bad JSON, a
wrong type or an unknown ``kind`` is a ``MalformedInput`` naming the line; unknown fields are
ignored; files over 2 GiB are refused) and ``write_trace`` writes one. Producers must redact or
hash raw identifiers before writing (``redact`` is the safety net our own importers apply to
argument and result summaries).

Shared helpers, used by the logcat, camille and DroidBot importers as well:

- ``parse_frame`` / ``parse_stack``: Java stack-trace text (``at a.b.C.m(C.java:12)``) to frames;
- ``api_for_frame`` / ``api_by_name``: a (class, method) or a readable name to the catalogue entry
  of ``catalog/sensitive_apis.json``;
- ``attribute``: owner and SDK of an event from its top non-framework frame (``class_owner``);
- ``event_from_dict`` / ``event_to_dict``: the JSON form of one event.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from functools import cache
from typing import Any

from privaudit import catalog
from privaudit.errors import InputError, MalformedInput, UnsafeInput
from privaudit.evidence.attribution import PLATFORM_PREFIXES, class_owner
from privaudit.evidence.runtime.model import EVENT_KINDS, StackFrame, Trace, TraceEvent
from privaudit.model import Provenance

FORMAT = "privaudit-trace"
VERSION = 1
# What ``t`` measures. device_monotonic and epoch are what a hook should write; the others are
# produced by our importers from sources without a better clock (see docs/trace-format.md).
CLOCKS = ("device_monotonic", "epoch", "device_wallclock", "host_wallclock", "line_order", "unknown")
MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_STACK_FRAMES = 512
MAX_TEXT = 64 * 1024  # longest string field kept; longer ones are cut with "…"

# Frames that are never the "owner" of a call: the platform, its libraries and hooking frameworks.
FRAMEWORK_PREFIXES = PLATFORM_PREFIXES + (
    "libcore.", "sun.", "org.apache.harmony.", "com.android.org.", "org.json.", "org.xmlpull.", "org.w3c.",
    "org.xml.", "de.robv.android.xposed.", "com.saurik.substrate.", "me.weishu.epic.", "com.swift.sandhook.",
    "org.lsposed.", "LSPHooker_", "EdHooker_", "re.frida.", "com.elderdrivers.riru.",
)

# Framework implementation classes that stand for the public API class in stack traces.
CLASS_ALIASES = {
    "android.app.ApplicationPackageManager": "android.content.pm.PackageManager",
    "android.app.ContextImpl$ApplicationContentResolver": "android.content.ContentResolver",
}


# ---------------------------------------------------------------- reading and writing the format


def read_trace(path: str) -> Trace:
    """Read a privaudit-trace JSON Lines file."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise InputError(f"cannot read trace: {exc.strerror or exc}", path) from None
    if not stat.S_ISREG(st.st_mode):
        raise InputError("not a regular file", path)
    if st.st_size > MAX_FILE_BYTES:
        raise UnsafeInput(f"trace of {st.st_size} bytes is over the 2 GiB limit", path)
    trace: Trace | None = None
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot read trace: {exc.strerror or exc}", path) from None
    with fh:
        offset = 0
        n = 0
        while True:
            raw = fh.readline(MAX_LINE_BYTES + 1)
            if not raw:
                break
            n += 1
            start = offset
            offset += len(raw)
            if len(raw) > MAX_LINE_BYTES:
                raise MalformedInput(f"line {n}: longer than {MAX_LINE_BYTES} bytes", path)
            text = _decode(raw, n, path).strip()
            if trace is None:
                if not text:
                    raise MalformedInput(f"line {n}: expected the privaudit-trace header, found a blank line", path)
                trace = _header(text, n, path)
                continue
            if not text:
                continue
            try:
                obj = json.loads(text)
            except ValueError as exc:
                raise MalformedInput(f"line {n}: not JSON ({exc.msg} at column {exc.colno})", path) from None
            prov = Provenance("trace", path, offset=start, locator=f"line {n}")
            try:
                event = event_from_dict(obj, prov)
            except ValueError as exc:
                raise MalformedInput(f"line {n}: {exc}", path) from None
            if event.stack and event.owner is None:
                attribute(event, (trace.package,) if trace.package else ())
            trace.events.append(event)
    if trace is None:
        raise MalformedInput("empty file: no privaudit-trace header", path)
    return trace


def _decode(raw: bytes, n: int, path: str) -> str:
    try:
        return raw.decode("utf-8-sig" if n == 1 else "utf-8")
    except UnicodeDecodeError:
        raise MalformedInput(f"line {n}: not UTF-8", path) from None


def _header(text: str, n: int, path: str) -> Trace:
    try:
        obj = json.loads(text)
    except ValueError:
        raise MalformedInput(f"line {n}: not a privaudit-trace header (not JSON)", path) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise MalformedInput(f'line {n}: not a privaudit-trace header (no "format": "{FORMAT}")', path)
    version = obj.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise MalformedInput(f"line {n}: header has no integer version", path)
    if version != VERSION:
        raise InputError(f"privaudit-trace version {version} is not supported (this reader knows {VERSION})", path)
    clock = obj.get("clock", "unknown")
    if clock not in CLOCKS:
        raise MalformedInput(f"line {n}: unknown clock {str(clock)[:40]!r} (known: {', '.join(CLOCKS)})", path)
    package = obj.get("package")
    if package is not None and not isinstance(package, str):
        raise MalformedInput(f"line {n}: package must be a string or null", path)
    device = obj.get("device") or {}
    if not isinstance(device, dict):
        raise MalformedInput(f"line {n}: device must be an object", path)
    notes = obj.get("notes") or []
    if not isinstance(notes, list) or not all(isinstance(x, str) for x in notes):
        raise MalformedInput(f"line {n}: notes must be a list of strings", path)
    return Trace(path=path, format="jsonl", package=package, device=device, clock=clock, notes=list(notes))


def write_trace(trace: Trace, path: str) -> None:
    """Write ``trace`` as privaudit-trace JSON Lines (header, then one event per line, in order)."""
    clock = trace.clock if trace.clock in CLOCKS else "unknown"
    header: dict[str, Any] = {"format": FORMAT, "version": VERSION, "package": trace.package,
                              "device": trace.device, "clock": clock}
    if trace.notes:
        header["notes"] = trace.notes
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(json.dumps(header, ensure_ascii=False, separators=(",", ":")) + "\n")
        for event in trace.events:
            fh.write(json.dumps(event_to_dict(event), ensure_ascii=False, separators=(",", ":")) + "\n")


# ---------------------------------------------------------------- one event


_STR_FIELDS = ("api_id", "api", "state", "activity", "detail", "thread", "args", "result", "owner", "sdk_id")


def event_to_dict(event: TraceEvent) -> dict[str, Any]:
    out: dict[str, Any] = {"t": event.t, "kind": event.kind}
    for name in _STR_FIELDS:
        value = getattr(event, name)
        if value is not None:
            out[name] = redact(value) if name in ("args", "result") else value
    if event.pi_types:
        out["pi_types"] = list(event.pi_types)
    if event.permissions:
        out["permissions"] = list(event.permissions)
    if event.granted is not None:
        out["granted"] = event.granted
    if event.stack:
        out["stack"] = [{"class": f.class_name, "method": f.method, "file": f.file, "line": f.line}
                        for f in event.stack]
    p = event.provenance
    origin = {k: v for k, v in (("file", os.path.basename(p.file)), ("entry", p.entry), ("offset", p.offset),
                                ("locator", p.locator)) if v is not None}
    if origin:
        out["origin"] = origin
    return out


def event_from_dict(obj: Any, provenance: Provenance) -> TraceEvent:
    """A ``TraceEvent`` from its JSON form; ``ValueError`` (one line) names the first bad field."""
    if not isinstance(obj, dict):
        raise ValueError("an event must be a JSON object")
    t = obj.get("t")
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
        raise ValueError('"t" must be a finite number (seconds on the trace clock)')
    kind = obj.get("kind")
    if kind not in EVENT_KINDS:
        raise ValueError(f'unknown kind {str(kind)[:40]!r} (known: {", ".join(EVENT_KINDS)})')
    fields: dict[str, Any] = {}
    for name in _STR_FIELDS:
        value = obj.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f'"{name}" must be a string or null')
            fields[name] = _cut(value)
    for name in ("pi_types", "permissions"):
        value = obj.get(name) or []
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise ValueError(f'"{name}" must be a list of strings')
        fields[name] = [_cut(x) for x in value]
    granted = obj.get("granted")
    if granted is not None and not isinstance(granted, bool):
        raise ValueError('"granted" must be true, false or null')
    stack = obj.get("stack") or []
    if not isinstance(stack, list):
        raise ValueError('"stack" must be a list of frames')
    frames = []
    for i, f in enumerate(stack[:MAX_STACK_FRAMES]):
        if not isinstance(f, dict) or not isinstance(f.get("class"), str) or not isinstance(f.get("method"), str):
            raise ValueError(f'stack frame {i}: needs string "class" and "method"')
        line = f.get("line")
        if line is not None and (isinstance(line, bool) or not isinstance(line, int)):
            raise ValueError(f'stack frame {i}: "line" must be an integer or null')
        file = f.get("file")
        if file is not None and not isinstance(file, str):
            raise ValueError(f'stack frame {i}: "file" must be a string or null')
        frames.append(StackFrame(_cut(f["class"]), _cut(f["method"]), file, line))
    origin = obj.get("origin")
    if isinstance(origin, dict) and origin.get("file"):
        where = " ".join(str(origin[k]) for k in ("file", "entry", "locator") if origin.get(k) is not None)
        provenance = Provenance(provenance.source, provenance.file, provenance.entry, provenance.offset,
                                f"{provenance.locator} (from {where})" if provenance.locator else where)
    event = TraceEvent(t=float(t), kind=kind, provenance=provenance, granted=granted, stack=frames, **fields)
    if event.api_id is None and event.api:
        api = api_by_name(event.api)
        if api is not None:
            event.api_id = api["id"]
    if event.api_id and not event.pi_types:
        api = api_by_id(event.api_id)
        if api is not None:
            event.pi_types = list(api["pi_types"])
    return event


def _cut(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


# ---------------------------------------------------------------- stack frames and attribution

_FRAME_RE = re.compile(r"^\s*(?:at\s+)?(?P<cls>[A-Za-z_$][\w$.\-]*)\.(?P<meth>[\w$<>\-]+)\((?P<loc>[^()]*)\)\s*$")


def parse_frame(text: str) -> StackFrame | None:
    """One frame of Java's ``StackTraceElement.toString()`` form, with or without a leading ``at``."""
    m = _FRAME_RE.match(text)
    if m is None:
        return None
    loc = m.group("loc")
    file: str | None = None
    line: int | None = None
    if loc and loc != "Native Method":
        name, _, num = loc.partition(":")
        file = name if name and name != "Unknown Source" else None
        if num.isdigit():
            line = int(num)
    return StackFrame(m.group("cls"), m.group("meth"), file, line)


def parse_stack(text: str) -> list[StackFrame]:
    """Frames of a stack-trace text, top first; stops at ``Caused by:`` (the cause's frames are not the call)."""
    frames: list[StackFrame] = []
    for line in text.replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("Caused by:"):
            break
        frame = parse_frame(stripped)
        if frame is not None:
            frames.append(frame)
            if len(frames) >= MAX_STACK_FRAMES:
                break
    return frames


def is_framework(class_name: str) -> bool:
    return class_name.startswith(FRAMEWORK_PREFIXES)


def first_app_frame(stack: list[StackFrame]) -> StackFrame | None:
    """The top frame that is not platform, runtime library or hooking framework code."""
    for frame in stack:
        if not is_framework(frame.class_name) and class_owner(frame.class_name, ()).kind != "platform":
            return frame
    return None


def attribute(event: TraceEvent, app_packages: tuple[str, ...]) -> None:
    """Set ``owner`` / ``sdk_id`` from the event's top non-framework frame; no such frame leaves them unset."""
    frame = first_app_frame(event.stack)
    if frame is None:
        return
    owner = class_owner(frame.class_name, tuple(p for p in app_packages if p))
    event.owner = owner.name
    event.sdk_id = owner.sdk_id


# ---------------------------------------------------------------- the PI-reading API catalogue


@cache
def _api_index() -> tuple[dict[tuple[str, str], list[dict[str, Any]]], dict[str, dict[str, Any]],
                          dict[str, list[dict[str, Any]]]]:
    by_member: dict[tuple[str, str], list[dict[str, Any]]] = {}
    by_id: dict[str, dict[str, Any]] = {}
    by_short: dict[str, list[dict[str, Any]]] = {}
    for api in catalog.sensitive_apis():
        cls = api["class"][1:-1].replace("/", ".")
        by_member.setdefault((cls, api["member"]), []).append(api)
        by_id[api["id"]] = api
        short = cls.rsplit(".", 1)[-1]
        by_short.setdefault(f"{short}.{api['member']}".lower(), []).append(api)
        by_short.setdefault(f"{cls}.{api['member']}".lower(), []).append(api)
    return by_member, by_id, by_short


def api_by_id(api_id: str) -> dict[str, Any] | None:
    return _api_index()[1].get(api_id)


def api_for_frame(class_name: str, method: str, args: str | None = None) -> dict[str, Any] | None:
    """The catalogue entry for a call of ``class_name.method`` (dot form); ``args`` picks among entries
    that need a string argument (``Settings$Secure.getString`` needs ``android_id``)."""
    cls = CLASS_ALIASES.get(class_name, class_name)
    candidates = _api_index()[0].get((cls, method))
    if not candidates:
        return None
    plain = [a for a in candidates if not a.get("requires_string")]
    if args:
        for api in candidates:
            if api.get("requires_string") and api["requires_string"] in args:
                return api
    return plain[0] if plain else None


def api_by_name(name: str) -> dict[str, Any] | None:
    """The catalogue entry for a readable name: ``TelephonyManager.getDeviceId``, the fully qualified form,
    a smali reference ``Landroid/telephony/TelephonyManager;->getDeviceId``, or an api id."""
    text = name.strip()
    hit = api_by_id(text)
    if hit is not None:
        return hit
    if "->" in text:
        cls, _, member = text.partition("->")
        cls = cls[1:-1].replace("/", ".") if cls.startswith("L") and cls.endswith(";") else cls
        text = f"{cls}.{member.split('(')[0]}"
    text = text.split("(")[0]
    candidates = [a for a in _api_index()[2].get(text.lower(), []) if not a.get("requires_string")]
    return candidates[0] if len({a["id"] for a in candidates}) == 1 else None


# ---------------------------------------------------------------- redaction

_LONG_DIGITS = re.compile(r"(?<![\w.])\d{11,20}(?![\w.])")
_MAC = re.compile(r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}(?![0-9A-Fa-f:])")
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def redact(text: str) -> str:
    """Mask values that look like raw identifiers (IMEI/IMSI/ICCID/phone numbers, MAC addresses, e-mail)."""
    text = _LONG_DIGITS.sub(lambda m: f"<redacted:{len(m.group())} digits>", text)
    text = _MAC.sub("<redacted:mac>", text)
    return _EMAIL.sub("<redacted:email>", text)
