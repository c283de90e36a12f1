"""What the app did while it ran: trace events and network flows on one clock.

Every record carries its provenance (file and line, or capture entry) from the moment an
importer creates it. Times are seconds on the trace's clock (``Trace.clock``); importers that
read several sources of one run align them to a common clock before rules see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from privaudit.model import Provenance

# Trace event kinds (the JSONL trace format, docs/trace-format.md, uses the same names).
EVENT_KINDS = (
    "api_call",  # a PI-reading API was called: api_id, pi_types, stack
    "permission_request",  # the app asked for runtime permissions: permissions
    "permission_result",  # granted / denied, per permission
    "permission_state",  # a permission's state observed (e.g. by polling appops): permission, granted
    "consent_shown",  # the privacy prompt appeared
    "consent_accepted",  # the user tapped 同意 / Agree (t_c)
    "consent_refused",  # the user tapped 不同意 / 拒绝 (t_r)
    "lifecycle",  # process start, foreground, background, stop: state
    "screen",  # an activity or screen became visible: activity
    "user_action",  # a tap or other input the tester made: detail
)


@dataclass(slots=True, eq=False)
class StackFrame:
    class_name: str
    method: str
    file: str | None = None
    line: int | None = None


@dataclass(slots=True, eq=False)
class TraceEvent:
    t: float  # seconds on the trace clock
    kind: str  # one of EVENT_KINDS
    provenance: Provenance  # file + line (or event id) it came from
    api_id: str | None = None  # catalog/sensitive_apis.json id, when known
    api: str | None = None  # readable API name as recorded
    pi_types: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)
    granted: bool | None = None  # for permission_result / permission_state
    state: str | None = None  # lifecycle: start | foreground | background | stop; app state when known
    activity: str | None = None  # screen events
    detail: str | None = None
    thread: str | None = None
    stack: list[StackFrame] = field(default_factory=list)
    args: str | None = None  # argument summary, raw identifiers redacted or hashed
    result: str | None = None  # return summary, likewise
    owner: str | None = None  # app, SDK name or library, from the stack (attribution.class_owner)
    sdk_id: str | None = None


@dataclass(slots=True, eq=False)
class Trace:
    """One run of one app on one device."""

    path: str
    format: str  # jsonl | logcat | camille_xlsx | droidbot
    package: str | None
    events: list[TraceEvent] = field(default_factory=list)
    device: dict[str, Any] = field(default_factory=dict)  # model, android version, serial (redacted), …
    clock: str = "unknown"  # what t measures: "epoch", "device_monotonic", "logcat_wallclock", …
    notes: list[str] = field(default_factory=list)

    def consent_time(self) -> float | None:
        """The first explicit agreement (t_c), or None."""
        return next((e.t for e in self.events if e.kind == "consent_accepted"), None)

    def refusal_time(self) -> float | None:
        return next((e.t for e in self.events if e.kind == "consent_refused"), None)


@dataclass(slots=True, eq=False)
class PiHit:
    """PI found in a flow: which type, where, in which encoding; the value itself is never stored."""

    pi_type: str
    where: str  # url | header | body | cookie
    encoding: str  # raw | lower | upper | md5 | sha1 | sha256 | base64 | urlencoded | nocolon | detector
    field: str | None  # query parameter, header name or JSON key, when known
    detector: str | None = None  # value-free detector that fired (imei_luhn, mac, coordinates, …)


@dataclass(slots=True, eq=False)
class Flow:
    """One request (HTTP) or connection (TLS with SNI only) seen in a capture."""

    id: str  # stable within its capture, e.g. "har:3" or "pcap:12"
    t: float  # request start, seconds on the capture clock (epoch where the capture has wall time)
    host: str
    provenance: Provenance
    scheme: str = "https"  # http | https | tls (encrypted, host from SNI only)
    method: str | None = None
    url: str | None = None
    status: int | None = None
    owner_kind: str = "unknown"  # first_party | third_party | unknown
    owner: str | None = None  # SDK / vendor name for third parties
    sdk_id: str | None = None
    hits: list[PiHit] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Capture:
    path: str
    format: str  # har | pcap | pcapng
    flows: list[Flow] = field(default_factory=list)
    clock: str = "epoch"
    notes: list[str] = field(default_factory=list)
