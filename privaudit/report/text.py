"""Terminal summary: identity, counts, one line per item, then what evidence would decide the rest."""

from __future__ import annotations

from privaudit.model import Report
from privaudit.report.labels import VERDICT, WORDS, app_type_name, counts_line, needs, summary, title


def render(report: Report, lang: str = "zh") -> str:
    w = WORDS[lang]
    out = [w["title"], "=" * 60]
    if report.app:
        a = report.app
        out.append(f"{w['package']}: {a.package}   {w['version']}: {a.version_name} ({a.version_code})   "
                   f"{w['target']}: {a.target_sdk}")
        out.append(f"{w['sha256']}: {a.sha256}")
        for c in a.certificates[:1]:
            out.append(f"{w['cert']}: {c.subject}  sha256={c.sha256[:16]}…")
    if report.app_type:
        out.append(f"{w['app_type']}: {app_type_name(report.app_type, lang)}")
    packers = report.facts.get("packers") or []
    if packers:
        out.append(f"{w['packed']}: " + ", ".join(p["name"] for p in packers))
    sdks = report.facts.get("sdks") or []
    out.append(f"{w['sdks']}: " + (", ".join(s["name"] for s in sdks) or w["none"]))
    out.append(f"{w['summary']}: {counts_line(report, lang)}")
    out.append("-" * 60)
    for f in report.findings:
        mark = VERDICT[lang][f.verdict.value]
        out.append(f"{f.item:9} [{mark}] {title(f.item, lang)}")
        if f.verdict.value in ("violation", "risk", "pass"):
            out.append(f"          {summary(f, lang)}")
            for e in f.evidence[:3]:
                out.append(f"          - {e.summary}  ({e.provenance.short()})")
            if len(f.evidence) > 3:
                out.append(f"          - … +{len(f.evidence) - 3}")
    wanted: dict[str, str] = {}
    for f in report.findings:
        for m, text in zip(f.missing, needs(f, lang), strict=True):
            wanted.setdefault(m.kind, text.split("：")[0].split(":")[0])
    if wanted:
        out.append("-" * 60)
        out.append(f"{w['missing']}: " + "; ".join(wanted.values()))
    return "\n".join(out)
