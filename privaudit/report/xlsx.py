"""Excel workbook: one row per item, then one sheet per evidence kind, for auditors who live in spreadsheets.

Binary, so the module offers ``render_bytes`` (see ``privaudit.report.render_bytes``). openpyxl is
imported only when a workbook is asked for.
"""

from __future__ import annotations

import io
import re
from typing import Any

from privaudit import catalog
from privaudit.model import Evidence, Report
from privaudit.report.labels import VERDICT, fix, needs, summary, title

ITEMS_SHEET = {"zh": "检测项", "en": "Items"}
ITEM_HEADERS = {
    "zh": ["类别", "检测项", "标题", "结论", "严重程度", "说明", "证据", "缺少的证据", "整改建议", "判定方"],
    "en": ["Category", "Item", "Title", "Verdict", "Severity", "Why", "Evidence", "Missing evidence", "Remediation",
           "Decided by"],
}
# evidence kind -> sheet title and the columns beyond the common ones
KIND_SHEETS = {
    "api_call": ({"zh": "API调用", "en": "API calls"}, ["caller", "owner", "pi_type"]),
    "sdk": ({"zh": "SDK", "en": "SDKs"}, ["sdk_id", "owner"]),
    "network_flow": ({"zh": "网络请求", "en": "Network flows"}, ["host", "pi_types", "phase"]),
    "trace_event": ({"zh": "运行时事件", "en": "Trace events"}, ["api_id", "pi_type", "since_consent"]),
    "policy_sentence": ({"zh": "隐私政策语句", "en": "Policy sentences"}, ["reason"]),
    "permission": ({"zh": "权限", "en": "Permissions"}, []),
    "screen": ({"zh": "界面", "en": "Screens"}, []),
}
COMMON = {"zh": ["检测项", "结论", "摘要", "来源", "文件", "条目", "偏移", "定位"],
          "en": ["Item", "Verdict", "Summary", "Source", "File", "Entry", "Offset", "Locator"]}
EXTRA_ZH = {"caller": "调用方", "owner": "归属", "pi_type": "个人信息类型", "sdk_id": "SDK", "host": "主机",
            "pi_types": "个人信息类型", "phase": "阶段", "api_id": "API", "since_consent": "相对同意(秒)",
            "reason": "原因"}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # characters openpyxl refuses
MAX_CELL = 32000  # Excel's cell limit is 32767 characters


def render(report: Report, lang: str = "zh") -> str:
    raise TypeError("xlsx is binary: use privaudit.report.render_bytes(report, 'xlsx', lang)")


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (int, float)):
        return value
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = _ILLEGAL.sub(" ", str(value))[:MAX_CELL]
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # no formula injection from inputs


def render_bytes(report: Report, lang: str = "zh") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    ws = wb.active
    ws.title = ITEMS_SHEET[lang]
    ws.append(ITEM_HEADERS[lang])
    cats = {c["id"]: c[lang] for c in catalog.categories()}
    for f in report.findings:
        it = catalog.item(f.item)
        ev = "\n".join(f"{e.summary} [{e.provenance.short()}]" for e in f.evidence[:20])
        if len(f.evidence) > 20:
            ev += f"\n… +{len(f.evidence) - 20}"
        ws.append([_cell(f"{it['category']}. {cats.get(it['category'], '')}"), f.item, _cell(title(f.item, lang)),
                   VERDICT[lang][f.verdict.value], f.severity.value, _cell(summary(f, lang)), _cell(ev),
                   _cell("; ".join(needs(f, lang))), _cell(fix(f, lang)), _cell(f.decided_by)])
    _style(ws, Font, Alignment, widths=[18, 10, 30, 10, 9, 50, 60, 40, 50, 10])

    by_kind: dict[str, list[tuple[str, str, Evidence]]] = {}
    for f in report.findings:
        for e in f.evidence:
            if e.kind in KIND_SHEETS:
                by_kind.setdefault(e.kind, []).append((f.item, f.verdict.value, e))
    for kind, (names, extra) in KIND_SHEETS.items():
        rows = by_kind.get(kind)
        if not rows:
            continue
        sh = wb.create_sheet(names[lang][:31])
        sh.append(COMMON[lang] + [EXTRA_ZH.get(x, x) if lang == "zh" else x for x in extra])
        for item, verdict, e in rows:
            p = e.provenance
            data = e.data if isinstance(e.data, dict) else {}
            sh.append([item, VERDICT[lang][verdict], _cell(e.summary), p.source, _cell(p.file), _cell(p.entry),
                       p.offset, _cell(p.locator)] + [_cell(_extra(x, e, data)) for x in extra])
        _style(sh, Font, Alignment, widths=[10, 10, 60, 8, 30, 20, 10, 50] + [30] * len(extra))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _extra(name: str, e: Evidence, data: dict[str, Any]) -> Any:
    if name == "caller" and "caller" not in data and e.kind == "api_call":
        return e.provenance.locator
    return data.get(name)


def _style(ws: Any, font: Any, alignment: Any, widths: list[int]) -> None:
    from openpyxl.utils import get_column_letter

    for c in ws[1]:
        c.font = font(bold=True)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
