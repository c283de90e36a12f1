"""Server-rendered pages (Chinese first, with English): the dashboard with the upload form, apps, runs, report
downloads, and the login form that sets the write cookie for the browser."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from privaudit import catalog
from privaudit.errors import InputError
from privaudit.serve.api import Format, Id, Lang, download_response, parts
from privaudit.serve.context import Context, get_context
from privaudit.serve.downloads import EXTENSIONS
from privaudit.serve.guard import SESSION_COOKIE, authorised, session_cookie
from privaudit.serve.layout import bilingual, e, link, page, status_badge, table
from privaudit.serve.listing import app_detail, app_list, recent_runs
from privaudit.serve.uploads import Part, TooLarge, queue_upload
from privaudit.store import queries

router = APIRouter(include_in_schema=False)
Ctx = Annotated[Context, Depends(get_context)]
REFRESH_SECONDS = 2
FORMAT_NAMES = {"html": "HTML", "pdf": "PDF", "xlsx": "Excel", "md": "Markdown", "json": "JSON", "sarif": "SARIF",
                "text": "文本 text"}


def _logged_in(request: Request, ctx: Context) -> bool:
    return authorised(request.headers, ctx.settings.token, ctx.sessions)


def _login_form(message: str = "") -> str:
    note = f'<p class="error">{e(message)}</p>' if message else ""
    return (f'<section id="login"><h2>{bilingual("登录以上传", "Log in to upload")}</h2>{note}'
            '<form method="post" action="/login"><label>令牌 Token <input type="password" name="token" '
            'autocomplete="current-password" required></label>'
            '<button type="submit">登录 Log in</button></form>'
            '<p class="en">The token is printed by <code>privaudit serve</code> at start '
            '(or set with --token / PRIVAUDIT_TOKEN).</p></section>')


def _upload_form(ctx: Context) -> str:
    mb = ctx.settings.max_apk_bytes // (1024 * 1024)
    ev = ctx.settings.max_evidence_bytes // (1024 * 1024)
    types = "".join(f'<option value="{e(t["id"])}">{e(t["no"])}. {e(t["zh"])} · {e(t["en"])}</option>'
                    for t in catalog.app_types())
    return (f'<section id="upload"><h2>{bilingual("上传应用", "Upload an app")}</h2>'
            '<form method="post" action="/upload" enctype="multipart/form-data">'
            f'<label>应用文件 App file (.apk .apks .xapk .aab, ≤ {mb} MB) '
            '<input type="file" name="apk" required accept=".apk,.apks,.xapk,.aab"></label>'
            '<label>隐私政策 Privacy policy (HTML, 文本 text, Markdown, PDF) <input type="file" name="policy"></label>'
            '<label>运行时记录 Runtime traces (JSONL, logcat, Excel) '
            '<input type="file" name="trace" multiple></label>'
            '<label>网络抓包 Network captures (HAR, pcap, pcapng) <input type="file" name="network" multiple></label>'
            '<label>界面遍历记录 UI exploration run (DroidBot 输出或 uiautomator 转储的压缩包 a .zip/.tar/.tar.gz '
            'of a DroidBot output folder or of uiautomator XML dumps) '
            '<input type="file" name="ui" accept=".zip,.tar,.tgz,.gz,.tar.gz"></label>'
            f'<p class="en">证据文件合计 Evidence files together ≤ {ev} MB</p>'
            f'<label>应用类型 App type <select name="app_type"><option value="">—</option>{types}</select></label>'
            '<button type="submit">上传并审计 Upload and audit</button></form></section>')


@router.get("/")
def dashboard(request: Request, ctx: Ctx) -> Response:
    s = ctx.store
    summary = queries.corpus_summary(s)[0]
    cards = [("应用", "apps", "apps"), ("版本", "versions", "versions"), ("审计", "runs", "runs"),
             ("完成", "done", "runs_ok"), ("失败", "failed", "runs_error"), ("排队", "queued", "runs_queued"),
             ("进行中", "running", "runs_running")]
    card_html = "".join(f'<div class="card">{e(zh)} <span class="en">{e(en)}</span><b>{e(summary[k])}</b></div>'
                        for zh, en, k in cards)
    logged_in = _logged_in(request, ctx)
    body = [f'<h1>{bilingual("合规审计仪表板", "Method 191 audit dashboard")}</h1>',
            f'<section><h2>{bilingual("语料概况", "Corpus")}</h2><div class="cards">{card_html}</div></section>',
            _upload_form(ctx) if logged_in else _login_form()]

    def bar(key: str):
        def cell(row: dict) -> str:
            rate = row.get(key) or 0.0
            return f'<span class="bar" style="width:{int(rate * 120)}px"></span> {e(f"{rate:.0%}")}' \
                if row["apps"] else "—"
        return cell

    rate_cols = [("apps", "应用数", "apps"), ("violation", "违规", "violation"), ("risk", "风险", "risk"),
                 ("violation_rate", "违规率", "violation rate"),
                 ("violation_or_risk_rate", "违规或风险率", "violation or risk rate")]
    rate_cells = {"violation_rate": bar("violation_rate"), "violation_or_risk_rate": bar("violation_or_risk_rate")}
    body.append(f'<section><h2>{bilingual("各类别违规", "Violations per category")}</h2>' + table(
        [("category", "类别", "category"), ("name", "名称", "name"), *rate_cols],
        queries.rates_by_category(s),
        {"name": lambda r: bilingual(r["name_zh"], r["name_en"]), **rate_cells}) + "</section>")
    body.append(f'<section><h2>{bilingual("各条目违规", "Violations per item")}</h2>' + table(
        [("item", "条目", "item"), ("title", "行为", "behaviour"), *rate_cols],
        queries.rates_by_item(s),
        {"title": lambda r: bilingual(r["title_zh"], r["title_en"]), **rate_cells}) + "</section>")
    body.append(f'<section><h2>{bilingual("常见第三方 SDK", "Top SDKs")}</h2>' + table(
        [("name", "名称", "name"), ("vendor", "厂商", "vendor"), ("kinds", "类型", "kinds"),
         ("apps", "应用数", "apps")],
        queries.top_sdks(s, 20)) + "</section>")
    body.append(f'<section><h2>{bilingual("风险最高的应用", "Apps by risk")}</h2>' + table(
        [("package", "包名", "package"), ("version_name", "版本", "version"), ("violations", "违规", "violations"),
         ("risks", "风险", "risks"), ("score", "分值", "score")],
        queries.apps_by_risk(s, 20),
        {"package": lambda r: link(f"/runs/{r['run_id']}", r["package"] or r["sha256"][:12])}) + "</section>")
    body.append(f'<section><h2>{bilingual("最近的审计", "Recent runs")}</h2>' + _runs_table(recent_runs(s, 20))
                + "</section>")
    return page("仪表板 Dashboard", "".join(body), logged_in=logged_in)


def _runs_table(runs: list[dict]) -> str:
    return table(
        [("id", "编号", "run"), ("status", "状态", "status"), ("source", "上传文件", "uploaded file"),
         ("package", "包名", "package"), ("created", "时间", "created"), ("seconds", "用时(秒)", "seconds")],
        runs,
        {"id": lambda r: link(f"/runs/{r['id']}", f"#{r['id']}"), "status": lambda r: status_badge(r["status"]),
         "package": lambda r: link(f"/apps/{r['app_id']}", r["package"]) if r.get("app_id") else e(r.get("package"))})


@router.get("/apps")
def apps_page(request: Request, ctx: Ctx) -> Response:
    total, rows = app_list(ctx.store, 500, 0)
    body = (f'<h1>{bilingual("应用", "Apps")} ({e(total)})</h1><section>' + table(
        [("package", "包名", "package"), ("label", "名称", "label"), ("versions", "版本数", "versions"),
         ("runs", "审计数", "runs"), ("first_seen", "首次出现", "first seen")],
        rows, {"package": lambda r: link(f"/apps/{r['id']}", r["package"] or f"#{r['id']}")}) + "</section>")
    return page("应用 Apps", body, logged_in=_logged_in(request, ctx))


@router.get("/apps/{app_id}")
def app_page(request: Request, ctx: Ctx, app_id: Id) -> Response:
    app = app_detail(ctx.store, app_id)
    if app is None:
        return _not_found(request, ctx, f"没有此应用 No app {app_id}")
    body = [f'<h1>{e(app["label"] or "")} <code>{e(app["package"])}</code></h1>']
    for v in app["versions"]:
        body.append(f'<section><h2>{bilingual("版本", "Version")} {e(v["version_name"])} ({e(v["version_code"])})'
                    f'</h2><p>SHA-256 <code>{e(v["sha256"])}</code> · minSdk {e(v["min_sdk"])} · targetSdk '
                    f'{e(v["target_sdk"])} · {e(v["size"])} bytes</p>'
                    + _runs_table([{**r, "app_id": None, "package": None} for r in v["runs"]]) + "</section>")
    return page(app["package"] or "应用 App", "".join(body), logged_in=_logged_in(request, ctx))


@router.get("/runs/{run_id}")
def run_page(request: Request, ctx: Ctx, run_id: Id) -> Response:
    run = ctx.store.run(run_id)
    if run is None:
        return _not_found(request, ctx, f"没有此审计 No run {run_id}")
    status = run["status"]
    body = [f'<h1>{bilingual("审计", "Run")} #{e(run_id)} {status_badge(status)}</h1><section><table>'
            f'<tr><th>上传文件 <span class="en">uploaded file</span></th><td>{e(run["source"])}</td></tr>'
            f'<tr><th>包名 <span class="en">package</span></th><td>'
            + (link(f"/apps/{run['app_id']}", run["package"]) if run.get("app_id") else e(run.get("package")))
            + f'</td></tr><tr><th>版本 <span class="en">version</span></th><td>{e(run.get("version_name"))}</td></tr>'
            f'<tr><th>SHA-256</th><td><code>{e(run["sha256"])}</code></td></tr>'
            f'<tr><th>提交 <span class="en">queued</span></th><td>{e(run["created"])}</td></tr>'
            f'<tr><th>用时 <span class="en">seconds</span></th><td>{e(run["seconds"])}</td></tr></table></section>']
    refresh = None
    if status in ("queued", "running"):
        refresh = REFRESH_SECONDS
        note = bilingual("审计进行中，本页每 2 秒刷新。", "Auditing; this page refreshes every 2 s.")
        body.append(f"<section><p>{note}</p></section>")
    elif status == "error":
        body.append(f'<section><h2>{bilingual("审计失败", "The audit failed")}</h2>'
                    f'<p class="error">{e(run["error"])}</p></section>')
    else:
        links = " · ".join(f'{link(f"/runs/{run_id}/report.{EXTENSIONS[f]}?lang=zh", name)} '
                           f'({link(f"/runs/{run_id}/report.{EXTENSIONS[f]}?lang=en", "English")})'
                           for f, name in FORMAT_NAMES.items())
        from privaudit.model import report_from_dict
        from privaudit.report import render

        report_html = render(report_from_dict(ctx.store.report(run_id) or {}), "html", "zh")
        body.append(f'<section><h2>{bilingual("下载报告", "Download the report")}</h2><p>{links}</p></section>'
                    f'<iframe class="report" title="报告 Report" sandbox="" srcdoc="{e(report_html)}"></iframe>')
    return page(f"审计 Run #{run_id}", "".join(body), logged_in=_logged_in(request, ctx), refresh=refresh)


@router.get("/runs/{run_id}/report.{ext}")
def report_file(ctx: Ctx, run_id: Id, ext: str, lang: Lang = "zh") -> Response:
    """``report.txt`` or ``report.text``: a file extension or a format name."""
    by_ext: dict[str, Format] = {**{f: f for f in EXTENSIONS}, **{x: f for f, x in EXTENSIONS.items()}}
    if ext not in by_ext:
        raise HTTPException(404, f"no report format {ext!r}; formats: {', '.join(sorted(by_ext))}")
    return download_response(ctx, run_id, by_ext[ext], lang)


@router.post("/upload")
def upload_form(ctx: Ctx, request: Request, apk: Annotated[UploadFile, File()],
                policy: Annotated[UploadFile | None, File()] = None,
                trace: Annotated[list[UploadFile] | None, File()] = None,
                network: Annotated[list[UploadFile] | None, File()] = None,
                app_type: Annotated[str | None, Form(max_length=64)] = None,
                ui: Annotated[UploadFile | None, File()] = None) -> Response:
    pol = parts([policy] if policy is not None else None)
    run = parts([ui] if ui is not None else None)
    try:
        run_id = queue_upload(ctx.store, ctx.settings, Part(apk.filename, apk.file), pol[0] if pol else None,
                              parts(trace), parts(network), app_type, run[0] if run else None)
    except InputError as exc:
        code = 413 if isinstance(exc, TooLarge) else 422
        return page("上传失败 Upload refused", f'<h1>{bilingual("上传失败", "Upload refused")}</h1>'
                    f'<section><p class="error">{e(exc)}</p></section>' + _upload_form(ctx),
                    logged_in=True, status=code)
    ctx.workers.wake()
    return RedirectResponse(f"/runs/{run_id}", status_code=303)


@router.post("/login")
async def login(request: Request, ctx: Ctx) -> Response:
    """The browser's way to the write token: a form posting it; an HttpOnly, SameSite=Strict cookie back, valid
    for ``session_seconds`` (checked by the server, not only by the browser)."""
    client = request.client.host if request.client else "?"
    if (wait := ctx.sessions.wait(client)) > 0:
        return page("登录 Log in", _login_form(f"尝试次数过多，请 {wait} 秒后再试 Too many tries: wait {wait} s"),
                    logged_in=False, status=429)
    raw = (await request.body()).decode("utf-8", "replace")
    given = (parse_qs(raw).get("token") or [""])[0].strip()
    if not hmac.compare_digest(given.encode(), ctx.settings.token.encode()):
        ctx.sessions.failed(client)
        return page("登录 Log in", _login_form("令牌不正确 Wrong token"), logged_in=False, status=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, ctx.sessions.issue(), max_age=ctx.settings.session_seconds, httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return response


@router.post("/logout")
def logout(request: Request, ctx: Ctx) -> Response:
    """The cookie is cleared in the browser and its value refused by the server from now on."""
    if (value := session_cookie(request.headers)) is not None:
        ctx.sessions.revoke(value)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _not_found(request: Request, ctx: Context, message: str) -> Response:
    return page("404", f'<h1>404</h1><section><p>{e(message)}</p></section>', logged_in=_logged_in(request, ctx),
                status=404)
