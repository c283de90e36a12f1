"""The request log (evidence L): correction, deletion, cancellation and complaint requests and when they were
handled, for Method items 6.3 and 6.5. Format: docs/request-log.md (JSON Lines, one request a line).

Working days follow the State Council's holiday and adjusted-workday calendar, read from the ``chinesecalendar``
package (imported lazily). Dates outside the years that package knows are reported, never guessed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from privaudit.errors import InputError
from privaudit.model import Evidence, Provenance

KINDS = ("correction", "deletion", "cancellation", "complaint")
UNITS = ("working_day", "natural_day")
MAX_WORKING_DAYS = 15  # Method 6.3 / 6.5
FIELDS = {"id", "kind", "submitted", "promised_days", "promised_unit", "answered", "completed", "channel",
          "evidence"}


class CalendarUnknown(Exception):
    """A date falls outside the years the holiday calendar covers."""


@dataclass(slots=True)
class Request:
    id: str
    kind: str
    submitted: date
    line: int
    promised_days: int | None = None
    promised_unit: str = "working_day"
    answered: date | None = None
    completed: date | None = None
    channel: str | None = None
    evidence: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RequestLog:
    path: str
    requests: list[Request]
    as_of: date | None = None  # "today" for open requests; the audit date when None


@dataclass(slots=True)
class Outcome:
    """How one request measures against its deadline."""

    request: Request
    status: str  # on_time | late | open_overdue | open_pending | promise_too_long | calendar_unknown
    working_days: int | None  # working days from submission to completion (or to as_of when open)
    limit: int  # the working-day limit that applies (promise when <= 15, else 15)
    note: str = ""

    @property
    def violation(self) -> bool:
        return self.status in ("late", "open_overdue", "promise_too_long")


# -- calendar -------------------------------------------------------------------------------------


def is_working_day(d: date) -> bool:
    import chinese_calendar

    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError as exc:
        raise CalendarUnknown(f"the holiday calendar (chinesecalendar) has no data for {d.year}") from exc


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (the submission day itself is not counted)."""
    n, d = 0, start
    while d < end:
        d += timedelta(days=1)
        n += is_working_day(d)
    return n


def nth_working_day(start: date, n: int) -> date:
    """The ``n``-th working day after ``start``: the last day of an n-working-day deadline."""
    d, count = start, 0
    while count < n:
        d += timedelta(days=1)
        count += is_working_day(d)
    return d


# -- reading --------------------------------------------------------------------------------------


def _date(value: Any, name: str, where: str) -> date:
    if not isinstance(value, str):
        raise InputError(f"{where}: {name} must be a date (YYYY-MM-DD), got {value!r}")
    try:
        return datetime.fromisoformat(value).date() if "T" in value or " " in value else date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{where}: {name} is not a date (YYYY-MM-DD): {value!r}") from None


def parse_request(obj: Any, line: int, path: str) -> Request:
    where = f"{path}: line {line}"
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object")
    unknown = sorted(set(obj) - FIELDS)
    if unknown:
        raise InputError(f"{where}: unknown field {unknown[0]!r}; fields are {', '.join(sorted(FIELDS))}")
    rid = obj.get("id")
    if not isinstance(rid, str | int) or isinstance(rid, bool) or str(rid) == "":
        raise InputError(f"{where}: missing id")
    where = f"{where} (id {rid})"
    kind = obj.get("kind")
    if kind not in KINDS:
        raise InputError(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}")
    if "submitted" not in obj:
        raise InputError(f"{where}: missing submitted date")
    submitted = _date(obj["submitted"], "submitted", where)
    days = obj.get("promised_days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days <= 0):
        raise InputError(f"{where}: promised_days must be a positive integer or null, got {days!r}")
    unit = obj.get("promised_unit") or "working_day"
    if unit not in UNITS:
        raise InputError(f"{where}: promised_unit must be working_day or natural_day, got {unit!r}")
    answered = _date(obj["answered"], "answered", where) if obj.get("answered") is not None else None
    completed = _date(obj["completed"], "completed", where) if obj.get("completed") is not None else None
    for name, d in (("answered", answered), ("completed", completed)):
        if d is not None and d < submitted:
            raise InputError(f"{where}: {name} {d} is before submitted {submitted}")
    ev = obj.get("evidence") or []
    if isinstance(ev, str):
        ev = [ev]
    if not isinstance(ev, list) or not all(isinstance(e, str) for e in ev):
        raise InputError(f"{where}: evidence must be a list of paths or notes")
    channel = obj.get("channel")
    return Request(str(rid), kind, submitted, line, days, unit, answered, completed,
                   str(channel) if channel is not None else None, ev)


def load_requests(path: str, as_of: date | None = None) -> RequestLog:
    """Read a JSON Lines request log; blank lines and lines starting with ``#`` are skipped.

    A line ``{"as_of": "YYYY-MM-DD"}`` fixes the date open requests are measured against.
    """
    try:
        with open(path, encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise InputError(f"cannot read the request log ({exc.strerror})", path) from None
    out: list[Request] = []
    seen: dict[str, int] = {}
    for no, raw in enumerate(lines, 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {no}: not JSON ({exc.msg})") from None
        if isinstance(obj, dict) and set(obj) == {"as_of"}:
            as_of = as_of or _date(obj["as_of"], "as_of", f"{path}: line {no}")
            continue
        req = parse_request(obj, no, path)
        if req.id in seen:
            raise InputError(f"{path}: line {no}: duplicate id {req.id!r} (first on line {seen[req.id]})")
        seen[req.id] = no
        out.append(req)
    if not out:
        raise InputError("the request log holds no requests", path)
    return RequestLog(path, out, as_of)


# -- measuring ------------------------------------------------------------------------------------


def measure(req: Request, as_of: date) -> Outcome:
    """Compare one request with its deadline: the promise when within 15 working days, else 15 working days."""
    limit = MAX_WORKING_DAYS
    natural_deadline = None
    if req.promised_days is not None:
        if req.promised_unit == "working_day":
            if req.promised_days > MAX_WORKING_DAYS:
                return Outcome(req, "promise_too_long", None, MAX_WORKING_DAYS,
                               f"promised {req.promised_days} working days > {MAX_WORKING_DAYS}")
            limit = req.promised_days
        else:
            natural_deadline = req.submitted + timedelta(days=req.promised_days)
    end = req.completed or as_of
    try:
        days = working_days_between(req.submitted, end)
    except CalendarUnknown as exc:
        return Outcome(req, "calendar_unknown", None, limit, str(exc))
    late = days > limit or (natural_deadline is not None and end > natural_deadline)
    if req.completed is not None:
        return Outcome(req, "late" if late else "on_time", days, limit)
    return Outcome(req, "open_overdue" if late else "open_pending", days, limit)


def deadline(req: Request) -> date | None:
    """The last permitted day, or None when the calendar does not reach it."""
    limit = req.promised_days if req.promised_unit == "working_day" and req.promised_days else MAX_WORKING_DAYS
    try:
        last = nth_working_day(req.submitted, min(limit, MAX_WORKING_DAYS))
    except CalendarUnknown:
        return None
    if req.promised_days and req.promised_unit == "natural_day":
        last = min(last, req.submitted + timedelta(days=req.promised_days))
    return last


def outcome_evidence(log: RequestLog, o: Outcome) -> Evidence:
    r = o.request
    promise = f"{r.promised_days} {r.promised_unit}" if r.promised_days else "none"
    end = f"completed {r.completed}" if r.completed else "still open"
    counted = f", {o.working_days} working days" if o.working_days is not None else ""
    last = deadline(r)
    summary = (f"{r.id} {r.kind}: submitted {r.submitted}, {end}{counted}; promise {promise}, limit {o.limit} "
               f"working days (deadline {last or 'unknown'}): {o.status}" + (f" — {o.note}" if o.note else ""))
    data = {"id": r.id, "kind": r.kind, "submitted": r.submitted.isoformat(),
            "completed": r.completed.isoformat() if r.completed else None,
            "answered": r.answered.isoformat() if r.answered else None,
            "promised_days": r.promised_days, "promised_unit": r.promised_unit if r.promised_days else None,
            "working_days": o.working_days, "limit": o.limit, "deadline": last.isoformat() if last else None,
            "status": o.status, "channel": r.channel, "evidence": r.evidence or None}
    return Evidence("request", summary, Provenance("requests", log.path, None, None, f"line {r.line}"),
                    {k: v for k, v in data.items() if v is not None})
