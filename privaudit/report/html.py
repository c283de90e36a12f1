"""HTML: one self-contained page (inline CSS, no scripts, no external resources) to send to a client.

Everything that comes from an input (app label, policy sentences, evidence summaries, file names,
SDK names, hosts) passes through ``html.escape``; only this module's own markup is unescaped.
"""

from __future__ import annotations

from html import escape
from typing import Any

from privaudit import catalog
from privaudit.evidence.timeline import wall_time
from privaudit.model import Finding, Report
from privaudit.report.labels import VERDICT, WORDS, app_type_name, fix, needs, summary, title

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
margin:2em auto;max-width:72em;padding:0 1em;color:#1d1d1f;line-height:1.5}
h1{font-size:1.6em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0;width:100%}th,td{border:1px solid #ccc;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f3f3f3}
.badge{display:inline-block;border-radius:.3em;padding:0 .5em;font-weight:bold;color:#fff;font-size:.9em}
.v-violation{background:#c62828}.v-risk{background:#ef6c00}.v-pass{background:#2e7d32}
.v-undetermined{background:#757575}.v-not_applicable{background:#9e9e9e}.v-manual{background:#5e35b1}
.item{border:1px solid #ddd;border-radius:.4em;padding:.6em 1em;margin:1em 0}
.item h3{margin:.2em 0}.official{color:#555;border-left:3px solid #ccc;padding-left:.8em;margin:.4em 0}
code,.prov{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em;color:#444;word-break:break-all}
.missing{color:#8d6e00}.muted{color:#777}
@media print{.item{break-inside:avoid}}
"""
TEXT = {
    "zh": {"identity": "应用信息", "label": "应用名称", "inputs_used": "已使用的输入", "inputs_missing": "缺少的输入",
           "per_verdict": "各结论数量", "per_category": "各类别结论", "category": "类别", "count": "数量",
           "items": "逐项结论", "severity": "严重程度", "official": "条文", "timeline": "运行时间线",
           "consent": "同意时刻", "shown": "隐私弹窗出现", "refusal": "拒绝时刻", "phase": "阶段", "by": "调用方",
           "n": "次数", "flows": "含个人信息的请求", "kind": "类型", "file": "文件", "generated": "生成时间",
           "tool": "工具版本", "vendor": "厂商", "packages": "包名"},
    "en": {"identity": "App", "label": "Label", "inputs_used": "Inputs used", "inputs_missing": "Inputs missing",
           "per_verdict": "Verdicts", "per_category": "Verdicts per category", "category": "Category",
           "count": "Count", "items": "Items", "severity": "Severity", "official": "Method text",
           "timeline": "Run timeline", "consent": "Consent moment", "shown": "Prompt shown", "refusal": "Refusal",
           "phase": "phase", "by": "by", "n": "count", "flows": "flows carrying PI", "kind": "Kind", "file": "File",
           "generated": "Generated", "tool": "Tool version", "vendor": "vendor", "packages": "packages"},
}
PHASES = {"zh": {"before_consent": "同意前", "after_consent": "同意后", "unknown": "时机未知"},
          "en": {"before_consent": "before consent", "after_consent": "after consent", "unknown": "timing unknown"}}


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _badge(verdict: str, lang: str) -> str:
    return f'<span class="badge v-{e(verdict)}">{e(VERDICT[lang][verdict])}</span>'


def _table(headers: list[str], rows: list[list[object]]) -> list[str]:
    out = ["<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in headers) + "</tr></thead><tbody>"]
    out += ["<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows]
    out.append("</tbody></table>")
    return out


def render(report: Report, lang: str = "zh") -> str:
    w, t = WORDS[lang], TEXT[lang]
    out = ["<!DOCTYPE html>", f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{e(w['title'])}</title><style>{CSS}</style></head><body>", f"<h1>{e(w['title'])}</h1>",
           f'<p class="muted">{e(t["generated"])}: {e(report.generated_at)} · {e(t["tool"])}: '
           f"{e(report.tool_version)}</p>"]
    out += _summary(report, lang)
    out.append(f"<h2>{e(t['items'])}</h2>")
    for cat in catalog.categories():
        in_cat = [f for f in report.findings if catalog.item(f.item)["category"] == cat["id"]]
        if in_cat:
            out.append(f"<h2>{e(cat['id'])}. {e(cat[lang])}</h2>")
        out += [line for f in in_cat for line in _item(f, lang)]
    facts = report.facts
    if isinstance(facts.get("timeline"), dict):
        out += _timeline(facts["timeline"], lang)
    for run in facts.get("ui") or []:
        out += _ui_graph(run, lang)
    if facts.get("sdks"):
        out.append(f"<h2>{e(w['sdks'])}</h2>")
        out += _table(["SDK", t["vendor"], t["kind"], t["packages"]],
                      [[s.get("name"), s.get("vendor"), ", ".join(map(str, s.get("kinds", []))),
                        ", ".join(map(str, s.get("packages", [])))] for s in facts["sdks"]])
    out.append("</body></html>")
    return "\n".join(out)


def _summary(report: Report, lang: str) -> list[str]:
    w, t = WORDS[lang], TEXT[lang]
    out = [f"<h2>{e(w['summary'])}</h2>"]
    if report.app:
        a = report.app
        rows: list[list[object]] = [[t["label"], a.label], [w["package"], a.package],
                                    [w["version"], f"{a.version_name or ''} ({a.version_code or ''})"],
                                    ["minSdk / " + w["target"], f"{a.min_sdk} / {a.target_sdk}"],
                                    [w["sha256"], a.sha256]]
        rows += [[w["cert"], f"{c.subject} ({c.sha256})"] for c in a.certificates]
        if report.app_type:
            rows.append([w["app_type"], app_type_name(report.app_type, lang)])
        out.append(f"<h3>{e(t['identity'])}</h3>")
        out += _table(["", ""], rows)
    counts = report.counts()
    out.append(f"<h3>{e(t['per_verdict'])}</h3><p>")
    out.append(" ".join(f"{_badge(k, lang)} {v}" for k, v in counts.items() if v) or e(w["none"]))
    out.append("</p>")
    order = list(counts)
    cat_rows = []
    for cat in catalog.categories():
        c = {k: 0 for k in order}
        for f in report.findings:
            if catalog.item(f.item)["category"] == cat["id"]:
                c[f.verdict.value] += 1
        if any(c.values()):
            cat_rows.append([f"{cat['id']}. {cat[lang]}"] + [c[k] or "" for k in order])
    out.append(f"<h3>{e(t['per_category'])}</h3>")
    out += _table([t["category"]] + [VERDICT[lang][k] for k in order], cat_rows)
    out.append(f"<h3>{e(t['inputs_used'])}</h3>")
    out += _table([t["kind"], t["file"], "SHA-256"], [[i.kind, i.path, i.sha256 or ""] for i in report.inputs]) \
        if report.inputs else [f"<p>{e(w['none'])}</p>"]
    missing: dict[str, int] = {}
    for f in report.findings:
        for m in f.missing:
            missing[m.kind] = missing.get(m.kind, 0) + 1
    kinds = catalog.evidence_kinds()
    out.append(f"<h3>{e(t['inputs_missing'])}</h3>")
    if missing:
        out.append("<ul>" + "".join(
            f"<li>{e(kinds.get(k, {}).get(lang, k))} — {e(kinds.get(k, {}).get(f'supply_{lang}', ''))} "
            f'<span class="muted">({n})</span></li>' for k, n in sorted(missing.items())) + "</ul>")
    else:
        out.append(f"<p>{e(w['none'])}</p>")
    return out


def _item(f: Finding, lang: str) -> list[str]:
    w, t = WORDS[lang], TEXT[lang]
    it = catalog.item(f.item)
    out = [f'<section class="item" id="{e(f.item)}">',
           f"<h3>{_badge(f.verdict.value, lang)} {e(f.item)} {e(title(f.item, lang))}</h3>",
           f'<p class="official">{e(it["zh"])}</p>', f"<p>{e(summary(f, lang))}</p>",
           f'<p class="muted">{e(t["severity"])}: {e(f.severity.value)} · {e(w["decided_by"])}: '
           f"{e(f.decided_by)}</p>"]
    if f.evidence:
        out.append(f"<h4>{e(w['evidence'])}</h4><ul>")
        out += [f'<li>{e(ev.summary)} <span class="prov">{e(ev.provenance.source)}: {e(ev.provenance.short())}'
                + (f" · {e(ev.provenance.locator)}" if ev.provenance.source == "policy" and ev.provenance.locator
                   and ev.provenance.locator != ev.summary else "") + "</span></li>" for ev in f.evidence[:50]]
        if len(f.evidence) > 50:
            out.append(f"<li>… +{len(f.evidence) - 50}</li>")
        out.append("</ul>")
    if f.missing:
        out.append(f'<p class="missing"><strong>{e(w["missing"])}:</strong> {e("; ".join(needs(f, lang)))}</p>')
    if fix(f, lang):
        out.append(f"<p><strong>{e(w['fix'])}:</strong> {e(fix(f, lang))}</p>")
    out.append("</section>")
    return out


def _timeline(tl: dict[str, Any], lang: str) -> list[str]:
    t, ph = TEXT[lang], PHASES[lang]
    out = [f"<h2>{e(t['timeline'])}</h2>",
           f"<p>{e(t['consent'])}: {e(wall_time(tl.get('consent')))} · {e(t['shown'])}: "
           f"{e(wall_time(tl.get('consent_shown')))} · {e(t['refusal'])}: {e(wall_time(tl.get('refusal')))} · "
           f"clock: {e(tl.get('clock'))}</p>"]
    reads = tl.get("reads") if isinstance(tl.get("reads"), dict) else {}
    rows = sorted((str(p), str(who), str(api), n) for p, owners in reads.items() for who, apis in owners.items()
                  for api, n in apis.items())
    if rows:
        out += _table([t["phase"], t["by"], "API", t["n"]], [[ph.get(p, p), who, api, n] for p, who, api, n in rows])
    flows_by = tl.get("flows_with_pi") if isinstance(tl.get("flows_with_pi"), dict) else {}
    flows = sorted((str(p), str(h), n) for p, hosts in flows_by.items() for h, n in hosts.items())
    if flows:
        out += _table([t["phase"], t["flows"], t["n"]], [[ph.get(p, p), h, n] for p, h, n in flows])
    return out


MAX_INLINE_SVG = 2_000_000  # characters; a larger graph stays in the JSON facts only


def _ui_graph(run: dict[str, Any], lang: str) -> list[str]:
    """The UI transition graph, inline. ``graph.to_svg`` writes the SVG itself and escapes every label, and it
    is accepted here only when it is that writer's plain <svg> element (no script, no foreign content)."""
    svg = run.get("graph_svg")
    if not isinstance(svg, str) or not svg.startswith("<svg") or len(svg) > MAX_INLINE_SVG:
        return []
    low = svg.lower()
    if "<script" in low or "<foreignobject" in low or "javascript:" in low or " on" in low.replace("\n", " ").split(">")[0]:
        return []
    title = "界面跳转图" if lang == "zh" else "UI transition graph"
    steps = run.get("taps_to_policy")
    if lang == "zh":
        caption = (f"{run.get('screens')} 个界面，{run.get('transitions')} 次跳转；到隐私政策："
                   f"{str(steps) + ' 步' if steps is not None else '未到达'}")
    else:
        caption = (f"{run.get('screens')} screens, {run.get('transitions')} transitions; taps to the policy: "
                   f"{steps if steps is not None else 'not reached'}")
    return [f"<h2>{e(title)}</h2>", f'<p class="muted">{e(caption)}</p>', f'<div class="graph">{svg}</div>']
