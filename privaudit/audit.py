"""The one library call every front end uses: ``audit(inputs) -> Report``.

Collect evidence from each input given, evaluate every item's rule, and assemble the report.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from privaudit import __version__, catalog
from privaudit.errors import InputError
from privaudit.evidence import EvidenceSet
from privaudit.model import InputRecord, Report, renamed


@dataclass(slots=True)
class AuditInputs:
    """What the user gives for one app. Only ``apk`` exists today; other sources plug in here."""

    apk: str | None = None
    policy: str | None = None  # a file, or an http(s) URL fetched only because the user gave it
    traces: list[str] = field(default_factory=list)  # JSONL, logcat, camille export, DroidBot folder
    network: list[str] = field(default_factory=list)  # HAR, pcap, pcapng
    ui: list[str] = field(default_factory=list)  # UI runs: folders or zip/tar archives (DroidBot also yields a trace)
    profile: str | None = None  # device profile: known identifier values to find in traffic
    first_party: list[str] = field(default_factory=list)  # the operator's own domains
    consent_time: float | None = None  # t_c on the trace/capture clock, when the run did not record it
    package: str | None = None  # the app's package, when no APK is given
    app_type: str | None = None
    only: list[str] = field(default_factory=list)  # item ids to evaluate (all when empty)
    requests: str | None = None  # request log (JSON Lines, docs/request-log.md), for 6.3 and 6.5
    review: str | None = None  # reviewer answers (privaudit review init), merged into the findings


def resolve_app_type(name: str) -> dict[str, Any]:
    """The catalogue entry for an app type given by id, number, Chinese or English name, or alias."""
    key = name.strip().lower()
    for t in catalog.app_types():
        names = {t["id"], str(t["no"]), t["zh"], t["zh"].removesuffix("类"), t["en"], *t.get("aliases", [])}
        if key in {n.lower() for n in names}:
            return t
    valid = ", ".join(t["id"] for t in catalog.app_types())
    raise InputError(f"unknown app type {name!r}; use one of: {valid}")


def audit(inputs: AuditInputs) -> Report:
    """Audit one app. A UI run given as an archive (zip, tar, tar.gz) is unpacked once into a private temporary
    folder, read by the UI loader and the DroidBot trace importer, and removed when the audit ends; the report and
    error messages name the archive (``run.zip!states/state_x.json``), never the temporary folder."""
    if not inputs.ui:  # the common case pays no import of the archive reader (tarfile, zipfile)
        return _audit(inputs, {})
    from privaudit.evidence.ui.archive import is_archive

    if not any(is_archive(p) for p in inputs.ui):
        return _audit(inputs, {})
    from contextlib import ExitStack

    from privaudit.evidence.ui.archive import opened_run

    pairs: list[tuple[str, str]] = []
    with ExitStack() as stack:
        try:
            folders: dict[str, str] = {}
            for path in inputs.ui:
                if path not in folders:
                    folders[path] = stack.enter_context(opened_run(path))
                    if folders[path] != path:
                        pairs += [(folders[path] + os.sep, f"{path}!"), (folders[path], path)]
            return renamed(_audit(inputs, folders), pairs)
        except InputError as exc:
            message = renamed(str(exc), pairs)
            if message == str(exc):
                raise
            raise type(exc)(message) from None


def _audit(inputs: AuditInputs, ui_folders: dict[str, str]) -> Report:
    t0 = time.perf_counter()
    ev = EvidenceSet()
    records: list[InputRecord] = []
    timings: dict[str, float] = {}
    if inputs.app_type:
        ev.app_type = resolve_app_type(inputs.app_type)
    known = {i["id"] for i in catalog.items()}
    for item in inputs.only:
        if item not in known:
            raise InputError(f"unknown item {item!r}; items are M191-1.1 … M191-6.5 (see `privaudit rules`)")
    if inputs.apk:
        from privaudit.evidence.apk.collect import collect

        t = time.perf_counter()
        ev.static = collect(inputs.apk)
        timings["static"] = round(time.perf_counter() - t, 4)
        records.append(InputRecord("apk", inputs.apk, ev.static.identity.sha256))
    t = time.perf_counter()
    policy_doc = _policy_document(inputs, ev, records)
    if policy_doc is not None:
        from privaudit.evidence.policy.analyse import analyse

        ev.policy = analyse(policy_doc)
        timings["policy"] = round(time.perf_counter() - t, 4)
    t = time.perf_counter()
    _runtime(inputs, ev, records, ui_folders)
    if ev.timeline is not None:
        timings["runtime"] = round(time.perf_counter() - t, 4)
    if inputs.requests:
        from privaudit.evidence.requests import load_requests

        ev.requests = load_requests(inputs.requests)
        records.append(InputRecord("requests", inputs.requests, _sha256(inputs.requests)))
    if not records:
        raise InputError("nothing to audit: give an APK, a privacy policy, a trace or a network capture")

    from privaudit.rules import evaluate

    t = time.perf_counter()
    findings = evaluate(ev, inputs.only or None)
    timings["rules"] = round(time.perf_counter() - t, 4)
    timings["total"] = round(time.perf_counter() - t0, 4)
    report = Report(
        tool_version=__version__,
        generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        app=ev.static.identity if ev.static else None,
        inputs=records,
        app_type=ev.app_type["id"] if ev.app_type else None,
        findings=findings,
        facts=_facts(ev),
        timings=timings,
    )
    if inputs.review:
        from privaudit.review import merge_review

        merge_review(report, inputs.review)
        report.inputs.append(InputRecord("review", inputs.review, _sha256(inputs.review)))
    return report


def _sha256(path: str) -> str | None:
    import hashlib

    try:
        with open(path, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def _runtime(inputs: AuditInputs, ev: EvidenceSet, records: list[InputRecord],
             ui_folders: dict[str, str] | None = None) -> None:
    """Traces and captures of a run, merged on one clock. ``ui_folders`` maps a UI run given as an archive to the
    folder it was unpacked into."""
    package = inputs.package or (ev.static.identity.package if ev.static else None)

    def folder(path: str) -> str:
        return (ui_folders or {}).get(path, path)

    # A DroidBot folder also carries the run's logcat and taps; a folder of UI dumps carries no trace.
    ui_traces = [p for p in inputs.ui if _is_droidbot_run(folder(p))]
    trace_paths = list(inputs.traces) + ui_traces
    if not trace_paths and not inputs.network and not inputs.ui:
        return
    from privaudit.evidence.timeline import build_timeline

    if trace_paths:
        from privaudit.evidence.runtime.load import load_trace

        for path in inputs.traces:
            ev.traces.append(load_trace(path, package))
            records.append(InputRecord("trace", path, None))
        for path in ui_traces:
            ev.traces.append(load_trace(folder(path), package))
            records.append(InputRecord("ui", path, None))
    if inputs.ui:
        from privaudit.evidence.ui.load import load_ui

        for path in inputs.ui:
            ev.ui.append(load_ui(folder(path), package))
            if path not in ui_traces:
                records.append(InputRecord("ui", path, None))
    if inputs.network:
        from privaudit.evidence.network.hosts import attribute
        from privaudit.evidence.network.load import load_capture
        from privaudit.evidence.network.pi_match import PiMatcher
        from privaudit.evidence.network.profile import read_profile

        matcher = PiMatcher(read_profile(inputs.profile) if inputs.profile else None)
        if inputs.profile:
            records.append(InputRecord("profile", inputs.profile, None))
        first_party = tuple(inputs.first_party)
        for path in inputs.network:
            capture = load_capture(path, matcher)
            for flow in capture.flows:
                flow.owner_kind, flow.owner, flow.sdk_id = attribute(flow.host, first_party)
            ev.network.append(capture)
            records.append(InputRecord("network", path, None))
    ev.timeline = build_timeline(ev.traces, ev.network, inputs.consent_time)


def _is_droidbot_run(path: str) -> bool:
    return os.path.isdir(os.path.join(path, "events")) or os.path.isfile(os.path.join(path, "utg.js"))


def _policy_document(inputs: AuditInputs, ev: EvidenceSet, records: list[InputRecord]):
    """The policy to analyse: the one given, else the one bundled in the APK."""
    bundled = ev.static.bundled_policy if ev.static is not None else None
    if not inputs.policy and bundled is None:
        return None
    from privaudit.evidence.policy import document

    if inputs.policy:
        if inputs.policy.startswith(("http://", "https://")):
            doc = document.fetch_policy(inputs.policy)
        else:
            doc = document.read_policy(inputs.policy)
        records.append(InputRecord("policy", inputs.policy, doc.sha256))
        return doc
    if bundled is not None:
        entry, raw = bundled
        doc = document.read_policy_bytes(raw, f"{inputs.apk}!{entry}", entry.rsplit(".", 1)[-1])
        records.append(InputRecord("policy", f"{inputs.apk}!{entry}", doc.sha256))
        return doc
    return None


MAX_TIMELINE_EVENTS = 500


def _timeline_facts(tl: Any) -> dict[str, Any]:
    """What happened before and after consent, by whom, how often; and the first events in order."""
    def phase(t: float) -> str:
        if tl.consent is None and tl.consent_shown is None:
            return "unknown"
        return "before_consent" if tl.before_consent(t) else "after_consent"

    counts: dict[str, dict[str, dict[str, int]]] = {}
    for e in tl.reads():
        who = e.owner or "unattributed"
        bucket = counts.setdefault(phase(e.t), {}).setdefault(who, {})
        bucket[e.api or e.api_id or "?"] = bucket.get(e.api or e.api_id or "?", 0) + 1
    flows: dict[str, dict[str, int]] = {}
    for f in tl.flows + tl.other_flows:
        if f.hits:
            bucket = flows.setdefault(phase(f.t) if f in tl.flows else "unknown", {})
            key = f"{f.host} ({f.owner or f.owner_kind})"
            bucket[key] = bucket.get(key, 0) + 1
    shown = [e for e in tl.events if e.kind != "api_call" or e.pi_types][:MAX_TIMELINE_EVENTS]
    return {
        "clock": tl.clock, "consent": tl.consent, "refusal": tl.refusal, "consent_shown": tl.consent_shown,
        "reads": counts, "flows_with_pi": flows, "notes": tl.notes,
        "events": [{"t": e.t, "kind": e.kind, "what": e.api or e.activity or e.detail, "owner": e.owner,
                    "pi_types": list(e.pi_types), "phase": phase(e.t), "source": e.provenance.short()}
                   for e in shown],
        "events_total": len(tl.events),
    }


def _ui_facts(run: Any) -> dict[str, Any]:
    """Size of a UI run, the path to the policy, and its transition graph as SVG (labels escaped)."""
    from privaudit.evidence.ui.detect import taps_to_policy
    from privaudit.evidence.ui.graph import to_svg

    path = taps_to_policy(run)
    return {"path": run.path, "screens": len(run.screens), "transitions": len(run.transitions),
            "taps_to_policy": path.steps, "graph_svg": to_svg(run, path.path), "notes": run.notes}


def _facts(ev: EvidenceSet) -> dict[str, Any]:
    """Inventories a reader wants beside the verdicts: permissions, SDKs, PI-reading calls, hosts."""
    out: dict[str, Any] = {}
    if ev.ui:
        out["ui"] = [_ui_facts(run) for run in ev.ui]
    if ev.timeline is not None:
        out["timeline"] = _timeline_facts(ev.timeline)
    if ev.policy is not None:
        from privaudit.evidence.policy.summary import policy_facts

        out["policy"] = policy_facts(ev.policy)
    st = ev.static
    if st is None:
        return out
    perms = catalog.permissions()
    return out | {
        "form": st.form,
        "dex": st.dex_entries,
        "class_count": st.class_count,
        "application_class": st.application_class,
        "permissions": [
            {"name": p.name, "zh": perms.get(p.name, {}).get("zh"),
             "protection": perms.get(p.name, {}).get("protection", "unknown"),
             "group": perms.get(p.name, {}).get("group"), "max_sdk": p.max_sdk, "sdk23_only": p.sdk23_only}
            for p in st.permissions
        ],
        "sdks": [
            {"id": s.sdk_id, "name": s.name, "vendor": s.vendor, "kinds": list(s.kinds), "packages": list(s.packages),
             "classes": s.class_count, "via": list(s.via)}
            for s in st.sdks
        ],
        "api_uses": [
            {"api": u.api, "api_id": u.api_id, "pi_types": list(u.pi_types),
             "caller": f"{u.caller_class}.{u.caller_method}", "startup_path": list(u.startup_path),
             "owner_kind": u.owner_kind, "owner": u.owner, "sdk_id": u.sdk_id, "entry": u.provenance.entry,
             "offset": u.provenance.offset, "reflective": u.reflective}
            for u in st.api_uses
        ],
        "hosts": sorted({u.host for u in st.urls if u.host}),
        "policy_refs": [{"kind": r.kind, "value": r.value, "entry": r.provenance.entry} for r in st.policy_refs],
        "packers": [{"id": p.packer_id, "name": p.name, "markers": list(p.markers)} for p in st.packers],
        "meta_data_keys": sorted(st.meta_data),
        "notes": st.notes,
        "static_timings": st.timings,
    }
