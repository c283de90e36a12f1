"""Rules: one registered function per Method item, evidence in, Finding out.

A rule never opens a file or parses anything; it reads an ``EvidenceSet``. Items without a
rule, or whose rule has nothing to go on, get an honest ``undetermined`` naming the evidence
that would decide them (``manual`` for items only a person can decide).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from privaudit import catalog
from privaudit.evidence import EvidenceSet
from privaudit.evidence.timeline import wall_time
from privaudit.model import Evidence, Finding, Missing, Provenance, Severity, Verdict

Rule = Callable[[EvidenceSet], Finding | None]
RULES: dict[str, Rule] = {}


def rule(item_id: str) -> Callable[[Rule], Rule]:
    """Register ``fn`` as the rule for ``item_id`` (a catalogued item; one rule per item)."""

    def register(fn: Rule) -> Rule:
        if item_id in RULES:
            raise ValueError(f"two rules for {item_id}")
        RULES[item_id] = fn
        return fn

    return register


def _load_rule_modules() -> None:
    from privaudit.rules import (  # noqa: F401  (import registers the rules)
        c1_disclosure,
        c2_purpose,
        c3_consent,
        c4_necessity,
        c5_sharing,
        c6_rights,
    )


def evaluate(ev: EvidenceSet, only: Iterable[str] | None = None) -> list[Finding]:
    """A finding for every catalogued item (or those in ``only``), in catalogue order."""
    _load_rule_modules()
    wanted = set(only) if only else None
    out = []
    for item in catalog.items():
        if wanted is not None and item["id"] not in wanted:
            continue
        fn = RULES.get(item["id"])
        result = fn(ev) if fn else None
        out.append(result if result is not None else default_finding(item["id"], ev))
    return out


# -- helpers shared by the rule modules ----------------------------------------------------


def missing(letters: Iterable[str], why_zh: str = "", why_en: str = "") -> list[Missing]:
    """``Missing`` records for evidence letters, worded from the catalogue."""
    kinds = catalog.evidence_kinds()
    out = []
    for k in letters:
        info = kinds[k]
        zh = f"{info['supply_zh']}（{info['zh']}）" + (f"：{why_zh}" if why_zh else "")
        en = f"{info['supply_en']} ({info['en']})" + (f": {why_en}" if why_en else "")
        out.append(Missing(k, zh, en))
    return out


def finding(item_id: str, verdict: Verdict, summary_zh: str, summary_en: str,
            evidence: list[Evidence] | None = None, needs: list[Missing] | None = None,
            severity: Severity | None = None) -> Finding:
    """A Finding with severity and remediation taken from the item's catalogue entry."""
    item = catalog.item(item_id)
    if severity is None:
        severity = Severity(item["severity"]) if verdict in (Verdict.VIOLATION, Verdict.RISK) else Severity.INFO
    return Finding(
        item=item_id, verdict=verdict, severity=severity, summary_zh=summary_zh, summary_en=summary_en,
        evidence=evidence or [], missing=needs or [],
        remediation_zh=item.get("remediation_zh", "") if verdict in (Verdict.VIOLATION, Verdict.RISK) else "",
        remediation_en=item.get("remediation_en", "") if verdict in (Verdict.VIOLATION, Verdict.RISK) else "",
    )


def default_finding(item_id: str, ev: EvidenceSet) -> Finding:
    item = catalog.item(item_id)
    if item["automation"] == "manual" and "M" not in ev.supplied():
        return finding(item_id, Verdict.MANUAL,
                       "需人工判定：客户端证据无法判断此项，请审核人员给出结论。",
                       "Manual: client-side evidence cannot decide this item; a reviewer must.",
                       needs=missing(["M"]))
    absent = [k for k in item["evidence"] if k not in ev.supplied() and k != "M"]
    if absent:
        return finding(item_id, Verdict.UNDETERMINED,
                       "证据不足，无法判定：缺少" + "、".join(catalog.evidence_kinds()[k]["zh"] for k in absent) + "。",
                       "Undetermined: missing " + ", ".join(catalog.evidence_kinds()[k]["en"] for k in absent) + ".",
                       needs=missing(absent))
    return finding(item_id, Verdict.UNDETERMINED,
                   "已提供的证据尚不能自动判定此项，需审核人员确认。",
                   "The evidence given does not decide this item automatically; a reviewer should confirm.",
                   needs=missing(["M"]))


def packed_note(ev: EvidenceSet) -> tuple[str, str] | None:
    """When the app is packed, code-derived conclusions are incomplete: say by which packer."""
    if ev.static is None or not ev.static.packed:
        return None
    names = "、".join(p.name for p in ev.static.packers)
    return (f"应用已加固（{names}），静态代码分析看不到真实代码：请使用运行时证据（--trace）。",
            f"the app is packed with {names}; static code analysis cannot see the real code: use runtime "
            f"evidence (--trace).")


def as_evidence(record: object, kind: str, summary: str, **data: object) -> Evidence:
    """Wrap a static record (anything with ``provenance``) as report evidence."""
    return Evidence(kind=kind, summary=summary, provenance=record.provenance,  # type: ignore[attr-defined]
                    data={k: v for k, v in data.items() if v is not None})


def policy_quote(ev: EvidenceSet, start: int, end: int, kind: str, summary: str | None = None,
                 **data: object) -> Evidence:
    """Evidence quoting the policy sentence at [start, end)."""
    doc = ev.policy.document  # type: ignore[union-attr]
    prov = doc.provenance(start, end)
    return Evidence(kind=kind, summary=summary or (prov.locator or ""), provenance=prov,
                    data={k: v for k, v in data.items() if v is not None})


def statements(ev: EvidenceSet, kind: str) -> list:
    """The policy's statements of one kind (see evidence/policy/statements.py)."""
    if ev.policy is None:
        return []
    return [s for s in ev.policy.facts.get("statements", []) if s.kind == kind]


def policy_unreadable(ev: EvidenceSet) -> bool:
    """The policy was given but has no analysable text (e.g. a scanned PDF)."""
    return ev.policy is not None and not ev.policy.document.text.strip()


def event_evidence(ev: EvidenceSet, e: object, summary: str | None = None, **data: object) -> Evidence:
    """Evidence for a trace event, with its time relative to the consent moment when known."""
    tl = ev.timeline
    rel = None
    if tl is not None and tl.consent is not None:
        rel = round(e.t - tl.consent, 3)  # type: ignore[attr-defined]
    what = e.api or e.activity or e.detail or e.kind  # type: ignore[attr-defined]
    who = f"（{e.owner}）" if getattr(e, "owner", None) else ""
    if summary is None:
        summary = f"{wall_time(e.t)} {what}{who}" + (f"，相对同意时刻 {rel:+.3f}s" if rel is not None else "")  # type: ignore[attr-defined]
    return Evidence("trace_event", summary, e.provenance,  # type: ignore[attr-defined]
                    {k: v for k, v in {"t": e.t, "kind": e.kind, "api_id": e.api_id,  # type: ignore[attr-defined]
                                       "pi_types": list(e.pi_types) or None, "owner": e.owner,  # type: ignore[attr-defined]
                                       "since_consent": rel, **data}.items() if v is not None})


def flow_evidence(ev: EvidenceSet, f: object, summary: str | None = None, **data: object) -> Evidence:
    hits = sorted({h.pi_type for h in f.hits})  # type: ignore[attr-defined]
    if summary is None:
        summary = f"{f.method or ''} {f.host} → {f.owner or f.owner_kind}: {', '.join(hits)}".strip()  # type: ignore[attr-defined]
    return Evidence("network_flow", summary, f.provenance,  # type: ignore[attr-defined]
                    {k: v for k, v in {"t": f.t, "host": f.host, "owner": f.owner, "sdk_id": f.sdk_id,  # type: ignore[attr-defined]
                                       "pi_types": hits or None,
                                       "encodings": sorted({h.encoding for h in f.hits}) or None,  # type: ignore[attr-defined]
                                       **data}.items() if v is not None})



def screen_evidence(screen: object, widget: object | None = None, summary: str | None = None,
                    **data: object) -> Evidence:
    """Evidence for a UI screen (``evidence.ui.model.Screen``), optionally pointing at one widget."""
    prov = screen.provenance  # type: ignore[attr-defined]
    where = f"{screen.id[:12]} {screen.activity or screen.package or ''}".strip()  # type: ignore[attr-defined]
    label = widget.label if widget is not None else None  # type: ignore[attr-defined]
    if summary is None:
        summary = where + (f"：“{label[:60]}”" if label else "")
    return Evidence("screen", summary, Provenance("ui", prov.file, prov.entry, None, where),
                    {k: v for k, v in {"screen": screen.id, "activity": screen.activity,  # type: ignore[attr-defined]
                                       "text": label[:200] if label else None,
                                       "bounds": list(widget.bounds) if widget is not None  # type: ignore[attr-defined]
                                       and widget.bounds else None, **data}.items() if v is not None})
