"""Runtime, network and UI events of one run on one clock, with the consent and refusal moments.

The timeline states facts (what happened when, who did it); the rules judge them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from privaudit.evidence.runtime.model import Capture, Flow, Trace, TraceEvent


@dataclass(slots=True, eq=False)
class Timeline:
    clock: str
    events: list[TraceEvent] = field(default_factory=list)  # sorted by t
    flows: list[Flow] = field(default_factory=list)  # only flows on the same clock as the events
    other_flows: list[Flow] = field(default_factory=list)  # flows whose clock cannot be compared
    consent: float | None = None  # t_c: first explicit agreement
    refusal: float | None = None  # t_r: first explicit refusal
    consent_shown: float | None = None  # the privacy prompt first appeared
    notes: list[str] = field(default_factory=list)

    @property
    def start(self) -> float | None:
        times = [e.t for e in self.events] + [f.t for f in self.flows]
        return min(times) if times else None

    def before_consent(self, t: float) -> bool:
        """Whether time t is certainly before the user agreed.

        Before t_c when it is known; when the prompt was shown but never accepted in this run,
        everything in the run is before consent.
        """
        if self.consent is not None:
            return t < self.consent
        return self.consent_shown is not None

    def reads(self) -> list[TraceEvent]:
        return [e for e in self.events if e.kind == "api_call" and e.pi_types]


def build_timeline(traces: list[Trace], captures: list[Capture], consent_time: float | None = None) -> Timeline:
    """Merge traces that share a clock; captures join when their clock matches (epoch with epoch)."""
    clock = traces[0].clock if traces else (captures[0].clock if captures else "unknown")
    tl = Timeline(clock=clock)
    for tr in traces:
        if tr.clock != clock:
            tl.notes.append(f"{tr.path}: clock {tr.clock} differs from {clock}; its events are left out of the "
                            "timeline")
            continue
        tl.events.extend(tr.events)
    tl.events.sort(key=lambda e: e.t)
    for cap in captures:
        if cap.clock == clock or not traces:
            tl.flows.extend(cap.flows)
        else:
            tl.other_flows.extend(cap.flows)
            tl.notes.append(f"{cap.path}: capture clock {cap.clock} cannot be aligned with the trace clock {clock}")
    tl.flows.sort(key=lambda f: f.t)
    tl.consent = consent_time if consent_time is not None else next(
        (e.t for e in tl.events if e.kind == "consent_accepted"), None)
    tl.refusal = next((e.t for e in tl.events if e.kind == "consent_refused"), None)
    tl.consent_shown = next((e.t for e in tl.events if e.kind == "consent_shown"), None)
    return tl


def wall_time(t: float | None) -> str:
    """A trace time for people: wall-clock time (UTC) when it is an epoch time, else seconds."""
    if t is None:
        return "—"
    if t > 946684800:  # after 2000-01-01: an epoch time
        from datetime import UTC, datetime

        return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + "Z"
    return f"t={t:.3f}s"
