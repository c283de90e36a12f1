"""Markdown: the whole report, every item with its evidence, for pull requests and tickets."""

from __future__ import annotations

from privaudit import catalog
from privaudit.model import Report
from privaudit.report.labels import VERDICT, WORDS, counts_line, fix, needs, summary, title


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render(report: Report, lang: str = "zh") -> str:
    w = WORDS[lang]
    out = [f"# {w['title']}", ""]
    if report.app:
        a = report.app
        out += ["| | |", "|---|---|", f"| {w['package']} | `{a.package}` |",
                f"| {w['version']} | {_cell(a.version_name)} ({_cell(a.version_code)}) |",
                f"| minSdk / {w['target']} | {a.min_sdk} / {a.target_sdk} |", f"| {w['sha256']} | `{a.sha256}` |"]
        for c in a.certificates:
            out.append(f"| {w['cert']} | {_cell(c.subject)} (`{c.sha256}`) |")
        if report.app_type:
            out.append(f"| {w['app_type']} | {report.app_type} |")
        out.append("")
    out += [f"**{w['summary']}:** {counts_line(report, lang)}", "", f"| {w['item']} | {w['verdict']} | {w['why']} |",
            "|---|---|---|"]
    for f in report.findings:
        out.append(f"| {f.item} {_cell(title(f.item, lang))} | **{VERDICT[lang][f.verdict.value]}** | "
                   f"{_cell(summary(f, lang))} |")
    out.append("")
    for cat in catalog.categories():
        in_cat = [f for f in report.findings if catalog.item(f.item)["category"] == cat["id"]]
        if in_cat:
            out += [f"## {cat['id']}. {cat[lang]}", ""]
        for f in in_cat:
            out += [f"### {f.item} {title(f.item, lang)} — {VERDICT[lang][f.verdict.value]}", "",
                    f"> {catalog.item(f.item)['zh']}", "", summary(f, lang), ""]
            if f.evidence:
                out.append(f"**{w['evidence']}:**")
                out += [f"- {_cell(e.summary)} — `{_cell(e.provenance.short())}`" for e in f.evidence[:25]]
                if len(f.evidence) > 25:
                    out.append(f"- … +{len(f.evidence) - 25}")
                out.append("")
            if f.missing:
                out.append(f"**{w['missing']}:** " + "; ".join(needs(f, lang)))
                out.append("")
            if fix(f, lang):
                out += [f"**{w['fix']}:** {fix(f, lang)}", ""]
    facts = report.facts
    if facts.get("sdks"):
        out += [f"## {w['sdks']}", "", "| SDK | vendor | kinds | packages |", "|---|---|---|---|"]
        out += [f"| {_cell(s['name'])} | {_cell(s['vendor'])} | {', '.join(s['kinds'])} | {', '.join(s['packages'])} |"
                for s in facts["sdks"]]
        out.append("")
    if facts.get("api_uses"):
        out += [f"## {w['apis']}", "", "| API | PI | caller | owner | location |", "|---|---|---|---|---|"]
        out += [f"| `{u['api']}` | {', '.join(u['pi_types'])} | `{_cell(u['caller'])}` | {_cell(u['owner'])} | "
                f"{u['entry']}@{u['offset']} |" for u in facts["api_uses"][:200]]
        out.append("")
    if facts.get("permissions"):
        out += [f"## {w['perms']}", ""] + [f"- `{p['name']}` {p['zh'] or ''} ({p['protection']})"
                                          for p in facts["permissions"]]
    return "\n".join(out)
