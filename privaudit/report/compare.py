"""Compare two JSON reports of the same app: which items got worse, better, or changed their evidence.

Verdicts are ranked for "worse" and "better" (higher is worse):

* 3 ``violation``
* 2 ``risk``
* 1 ``undetermined``, ``manual`` (not decided: a person or more evidence is needed)
* 0 ``pass``, ``not_applicable``

An item is *worse* when its rank rose (pass → risk, risk → violation, undetermined → violation),
*better* when it fell, *changed* when the verdict changed within a rank (pass → not_applicable,
undetermined → manual), and *evidence changed* when the verdict stayed but the evidence it rests on
differs (compared by kind, summary and provenance; ``data`` and timings are ignored). Items present
in only one report (``--only``) are listed as added or removed. Lists are ordered worst first: by the
new verdict's rank, then the item's severity (the finding's, or the catalogue's when the finding
carries ``info``), then the item id.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from privaudit.errors import InputError

RANK = {"violation": 3, "risk": 2, "undetermined": 1, "manual": 1, "pass": 0, "not_applicable": 0}
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
MAX_REPORT_BYTES = 512 * 1024 * 1024


@dataclass
class Change:
    item: str
    old: str | None
    new: str | None
    severity: str
    title_zh: str = ""
    title_en: str = ""
    evidence_added: int = 0
    evidence_removed: int = 0


@dataclass
class Comparison:
    old_app: dict[str, Any] | None
    new_app: dict[str, Any] | None
    worse: list[Change] = field(default_factory=list)
    better: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)  # verdict changed within one rank
    evidence_changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    added: list[Change] = field(default_factory=list)
    removed: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        def rows(changes: list[Change]) -> list[dict[str, Any]]:
            return [vars(c).copy() for c in changes]

        return {"schema": "privaudit-diff", "old_app": self.old_app, "new_app": self.new_app,
                "worse": rows(self.worse), "better": rows(self.better), "changed": rows(self.changed),
                "evidence_changed": rows(self.evidence_changed), "unchanged": self.unchanged,
                "added": rows(self.added), "removed": rows(self.removed),
                "counts": {"worse": len(self.worse), "better": len(self.better), "changed": len(self.changed),
                           "evidence_changed": len(self.evidence_changed), "unchanged": self.unchanged,
                           "added": len(self.added), "removed": len(self.removed)}}


def load_report(path: str) -> dict[str, Any]:
    """Read a privaudit JSON report; anything else is a one-line ``InputError``."""
    try:
        if os.path.getsize(path) > MAX_REPORT_BYTES:
            raise InputError("report too large to compare", path)
        with open(path, "rb") as fh:
            data = json.loads(fh.read().decode("utf-8-sig"))
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a JSON report", path) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not a privaudit JSON report (not JSON: {exc})", path) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path) from None
    if not isinstance(data, dict) or data.get("schema") != "privaudit-report":
        raise InputError('not a privaudit JSON report (no "schema": "privaudit-report"; '
                         "write one with privaudit scan --format json)", path)
    major = str(data.get("schema_version", "")).split(".")[0]
    if major != "1":
        raise InputError(f"unsupported report schema_version {data.get('schema_version')!r} (this privaudit reads 1.x)",
                         path)
    findings = data.get("findings")
    if not isinstance(findings, list) or not all(
            isinstance(f, dict) and isinstance(f.get("item"), str) and f.get("verdict") in RANK for f in findings):
        raise InputError("not a privaudit JSON report (findings missing or malformed)", path)
    return data


def _evidence_keys(f: dict[str, Any]) -> set[str]:
    out = set()
    for ev in f.get("evidence") or []:
        if isinstance(ev, dict):
            out.add(json.dumps([ev.get("kind"), ev.get("summary"), ev.get("provenance")], sort_keys=True,
                               ensure_ascii=False, default=str))
    return out


def _titles(item: str) -> tuple[str, str]:
    from privaudit import catalog

    try:
        it = catalog.item(item)
    except KeyError:
        return "", ""
    return it.get("title_zh") or it["zh"], it.get("title_en") or it["en"]


def _severity(item: str) -> str:
    from privaudit import catalog

    try:
        return str(catalog.item(item).get("severity") or "info")
    except KeyError:
        return "info"


def compare(old: dict[str, Any], new: dict[str, Any]) -> Comparison:
    olds = {f["item"]: f for f in old["findings"]}
    news = {f["item"]: f for f in new["findings"]}
    res = Comparison(old_app=old.get("app"), new_app=new.get("app"))
    for item in list(olds) + [i for i in news if i not in olds]:
        o, n = olds.get(item), news.get(item)
        # pass/undetermined findings carry "info": fall back to the other run's, then the catalogue's severity
        sevs = [str(f.get("severity")) for f in (n, o) if f and f.get("severity") not in (None, "info")]
        ch = Change(item, o and o["verdict"], n and n["verdict"], (sevs or [_severity(item)])[0], *_titles(item))
        if o is None:
            res.added.append(ch)
            continue
        if n is None:
            res.removed.append(ch)
            continue
        ko, kn = _evidence_keys(o), _evidence_keys(n)
        ch.evidence_added, ch.evidence_removed = len(kn - ko), len(ko - kn)
        if RANK[n["verdict"]] > RANK[o["verdict"]]:
            res.worse.append(ch)
        elif RANK[n["verdict"]] < RANK[o["verdict"]]:
            res.better.append(ch)
        elif n["verdict"] != o["verdict"]:
            res.changed.append(ch)
        elif ko != kn:
            res.evidence_changed.append(ch)
        else:
            res.unchanged += 1

    def order(c: Change) -> tuple[int, int, str]:
        return (-RANK.get(c.new or c.old or "pass", 0), SEVERITY_ORDER.get(c.severity, 9), c.item)

    for lst in (res.worse, res.better, res.changed, res.evidence_changed, res.added, res.removed):
        lst.sort(key=order)
    return res


LABELS = {
    "zh": {"title": "报告对比", "worse": "变差", "better": "改善", "changed": "结论变化（同一等级）",
           "evidence_changed": "结论未变但证据变化", "unchanged": "未变化", "added": "新增检测项",
           "removed": "移除的检测项", "old": "旧", "new": "新", "item": "检测项", "severity": "严重程度",
           "evidence": "证据 +/-", "none": "无"},
    "en": {"title": "Report comparison", "worse": "Worse", "better": "Better",
           "changed": "Verdict changed (same rank)", "evidence_changed": "Same verdict, evidence changed",
           "unchanged": "Unchanged", "added": "Items added", "removed": "Items removed", "old": "old", "new": "new",
           "item": "Item", "severity": "Severity", "evidence": "evidence +/-", "none": "none"},
}
SECTIONS = ("worse", "better", "changed", "evidence_changed", "added", "removed")


def _verdict(v: str | None, lang: str) -> str:
    from privaudit.report.labels import VERDICT

    return "—" if v is None else VERDICT[lang].get(v, v)


def _app(a: dict[str, Any] | None) -> str:
    if not isinstance(a, dict):
        return "—"
    return f"{a.get('package')} {a.get('version_name') or ''} ({a.get('version_code') or ''})".strip()


def render_diff(c: Comparison, fmt: str = "text", lang: str = "zh") -> str:
    if fmt == "json":
        return json.dumps(c.to_dict(), ensure_ascii=False, indent=2)
    w = LABELS[lang]
    counts = c.to_dict()["counts"]
    line = "  ".join(f"{w[k]} {counts[k]}" for k in ("worse", "better", "changed", "evidence_changed", "unchanged"))
    md = fmt == "md"
    out = [f"# {w['title']}" if md else w["title"], "",
           f"{w['old']}: {_app(c.old_app)}  →  {w['new']}: {_app(c.new_app)}", "", line, ""]
    for key in SECTIONS:
        rows: list[Change] = getattr(c, key)
        if not rows:
            continue
        out.append(f"## {w[key]} ({len(rows)})" if md else f"{w[key]} ({len(rows)}):")
        if md:
            out += ["", f"| {w['item']} | {w['old']} | {w['new']} | {w['severity']} | {w['evidence']} |",
                    "|---|---|---|---|---|"]
        for ch in rows:
            name = ch.title_zh if lang == "zh" else ch.title_en
            verdicts = f"{_verdict(ch.old, lang)} → {_verdict(ch.new, lang)}"
            ev = f"+{ch.evidence_added}/-{ch.evidence_removed}"
            if md:
                out.append(f"| {ch.item} {name} | {_verdict(ch.old, lang)} | {_verdict(ch.new, lang)} | "
                           f"{ch.severity} | {ev} |")
            else:
                out.append(f"  {ch.item:<9} {verdicts:<28} {ch.severity:<6} {ev:<8} {name}")
        out.append("")
    return "\n".join(out)
