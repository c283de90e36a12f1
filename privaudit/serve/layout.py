"""HTML for the pages: one layout, tables, forms. Every value is escaped; no external assets, no scripts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from fastapi.responses import HTMLResponse

PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'self'; frame-src 'self'")

STYLE = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","PingFang SC","Microsoft YaHei",sans-serif;margin:0;
color:#1d2733;background:#f6f7f9}
header{background:#1d3b5a;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header .brand{font-weight:bold;font-size:1.1em}
header form{margin:0 0 0 auto}main{padding:1em 1.2em;max-width:1200px}
section{background:#fff;border:1px solid #dde2e8;border-radius:6px;padding:.8em 1em;margin:0 0 1em}
h1{font-size:1.35em}h2{font-size:1.1em;margin:.2em 0 .6em}.en{color:#5b6775;font-weight:normal;font-size:.9em}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border-bottom:1px solid #e6e9ee;padding:.3em .5em;
text-align:left;vertical-align:top}th{background:#f0f3f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.status{padding:.1em .5em;border-radius:3px;font-size:.85em}.s-ok{background:#dff3e4}.s-error{background:#fbe0e0}
.s-queued,.s-running{background:#fff3cd}.error{color:#a40000;white-space:pre-wrap;word-break:break-word}
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{background:#f0f3f6;border-radius:6px;padding:.5em 1em}
.card b{display:block;font-size:1.4em}label{display:block;margin:.4em 0}
iframe.report{width:100%;height:80vh;border:1px solid #dde2e8;background:#fff}
.bar{display:inline-block;height:.7em;background:#c0392b;vertical-align:middle}
"""


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; None shows as a dash."""
    return "—" if value is None else escape(str(value), quote=True)


def bilingual(zh: str, en: str) -> str:
    return f'{e(zh)} <span class="en">{e(en)}</span>'


def page(title: str, body: str, *, logged_in: bool, refresh: int | None = None, status: int = 200) -> HTMLResponse:
    refresh_tag = f'<meta http-equiv="refresh" content="{int(refresh)}">' if refresh else ""
    account = ('<form method="post" action="/logout"><button type="submit">退出 Log out</button></form>'
               if logged_in else '<a href="/#login">登录 Log in</a>')
    html = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">{refresh_tag}'
            f'<title>{e(title)} · privaudit</title><style>{STYLE}</style></head><body>'
            f'<header><a class="brand" href="/">privaudit · 191号文合规审计</a>'
            f'<a href="/">仪表板 Dashboard</a><a href="/apps">应用 Apps</a>'
            f'<a href="/openapi.json">API (OpenAPI)</a>{account}</header><main>{body}</main></body></html>')
    return HTMLResponse(html, status_code=status, headers={
        "Content-Security-Policy": PAGE_CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
        "X-Frame-Options": "SAMEORIGIN", "Cache-Control": "no-store"})


def table(columns: Sequence[tuple[str, str, str]], rows: Iterable[dict[str, Any]], cells: dict[str, Any] | None = None,
          empty: str = "暂无 None yet") -> str:
    """``columns``: (key, Chinese header, English header). ``cells`` maps a key to a function row -> HTML (already
    escaped); other cells are escaped values, numbers right-aligned."""
    cells = cells or {}
    head = "".join(f"<th>{bilingual(zh, en)}</th>" for _k, zh, en in columns)
    body = []
    for row in rows:
        tds = []
        for key, _zh, _en in columns:
            if key in cells:
                tds.append(f"<td>{cells[key](row)}</td>")
            else:
                v = row.get(key)
                num = isinstance(v, int | float) and not isinstance(v, bool)
                tds.append(f'<td class="n">{e(_number(v))}</td>' if num else f"<td>{e(v)}</td>")
        body.append("<tr>" + "".join(tds) + "</tr>")
    if not body:
        return f"<p>{e(empty)}</p>"
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _number(v: float | int) -> str:
    return f"{v:.1%}" if isinstance(v, float) and 0 <= v <= 1 else str(v)


def status_badge(status: str) -> str:
    names = {"queued": "排队中 queued", "running": "审计中 running", "ok": "完成 done", "error": "失败 error"}
    return f'<span class="status s-{e(status)}">{e(names.get(status, status))}</span>'


def link(href: str, text: Any) -> str:
    return f'<a href="{e(href)}">{e(text)}</a>'
