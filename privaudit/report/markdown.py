"""Markdown: the whole report, every item with its evidence, for pull requests and tickets."""

from __future__ import annotations

from privaudit import catalog
from privaudit.evidence.timeline import wall_time
from privaudit.model import Report
from privaudit.report.labels import VERDICT, WORDS, app_type_name, counts_line, fix, needs, summary, title


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
            out.append(f"| {w['app_type']} | {app_type_name(report.app_type, lang)} |")
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
    if facts.get("timeline"):
        out += _timeline(facts["timeline"], lang)
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


def _timeline(tl: dict, lang: str) -> list[str]:
    zh = lang == "zh"
    phases = {"before_consent": "同意前" if zh else "before consent", "after_consent": "同意后" if zh else "after consent",
              "unknown": "时机未知" if zh else "timing unknown"}
    out = ["## " + ("运行时间线" if zh else "Run timeline"), ""]
    out.append(("同意时刻" if zh else "Consent moment") + f": {wall_time(tl.get('consent'))}  ·  "
               + ("隐私弹窗出现" if zh else "prompt shown") + f": {wall_time(tl.get('consent_shown'))}  ·  "
               + ("拒绝时刻" if zh else "refusal") + f": {wall_time(tl.get('refusal'))}  ·  clock: {tl.get('clock')}")
    out.append("")
    rows = [(p, who, api, n) for p, owners in tl.get("reads", {}).items() for who, apis in owners.items()
            for api, n in apis.items()]
    if rows:
        out += ["| " + (" | ".join(["阶段", "调用方", "API", "次数"] if zh else ["phase", "by", "API", "count"])) + " |",
                "|---|---|---|---|"]
        out += [f"| {phases.get(p, p)} | {_cell(who)} | `{_cell(api)}` | {n} |" for p, who, api, n in sorted(rows)]
        out.append("")
    flows = [(p, host, n) for p, hosts in tl.get("flows_with_pi", {}).items() for host, n in hosts.items()]
    if flows:
        out += ["| " + (" | ".join(["阶段", "含个人信息的请求", "次数"] if zh else ["phase", "flows carrying PI", "count"]))
                + " |", "|---|---|---|"]
        out += [f"| {phases.get(p, p)} | {_cell(h)} | {n} |" for p, h, n in sorted(flows)]
        out.append("")
    return out
