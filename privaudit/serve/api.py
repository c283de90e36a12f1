"""The REST API: upload an app (token), read apps, runs, reports and corpus statistics (no token)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Response, UploadFile
from fastapi.security import HTTPBearer

from privaudit import __version__, catalog
from privaudit.errors import InputError
from privaudit.serve import models as m
from privaudit.serve.context import Context, get_context, run_links
from privaudit.serve.downloads import RunMissing, RunNotFinished, report_download
from privaudit.serve.uploads import Part, TooLarge, queue_upload
from privaudit.store import queries

router = APIRouter()
Ctx = Annotated[Context, Depends(get_context)]
bearer = HTTPBearer(auto_error=False, description="the write token (privaudit serve --token, or PRIVAUDIT_TOKEN); "
                    "checked before the body is read")
ERR = {"model": m.Problem}
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
Format = Literal["json", "md", "html", "sarif", "xlsx", "pdf", "text"]
Lang = Literal["zh", "en"]
AppType = Literal[tuple(n for t in catalog.app_types() for n in (t["id"], t["zh"]))]  # type: ignore[misc]


def parts(files: list[UploadFile] | None) -> list[Part]:
    """The file parts a client really sent (a browser sends an empty part for a file input left empty)."""
    return [Part(f.filename, f.file) for f in files or [] if f.filename or (f.size or 0) > 0]


# The optional parts are typed without ``| None`` so the schema does not offer ``null`` for a file part (a form
# would send the text "null"); FastAPI passes None when a part is absent.
@router.post("/api/apps", status_code=202, response_model=m.UploadAccepted, dependencies=[Depends(bearer)],
             summary="Upload an app (and optional evidence) for audit",
             responses={400: ERR, 401: ERR, 403: ERR, 413: ERR, 422: {"model": m.Invalid}, 429: ERR})
def upload(ctx: Ctx, response: Response,
           apk: Annotated[UploadFile, File(description="the app: .apk, .apks/.xapk split set, or .aab")],
           policy: Annotated[UploadFile, File(description="privacy policy (HTML, text, Markdown, PDF)")] = None,
           trace: Annotated[list[UploadFile], File(description="runtime traces (repeatable)")] = None,
           network: Annotated[list[UploadFile], File(description="network captures (repeatable)")] = None,
           ui: Annotated[UploadFile, File(description="a UI exploration run as one archive (.zip, .tar, .tar.gz): "
                                          "a DroidBot output folder or a folder of uiautomator XML dumps")] = None,
           app_type: Annotated[AppType, Form(description="one of the 39 app types, by id or Chinese name "
                                             "(`privaudit app-types`); enables item 4.1")] = None,
           ) -> m.UploadAccepted:
    pol = parts([policy] if policy is not None else None)
    run = parts([ui] if ui is not None else None)
    try:
        run_id = queue_upload(ctx.store, ctx.settings, Part(apk.filename, apk.file), pol[0] if pol else None,
                              parts(trace), parts(network), app_type, run[0] if run else None)
    except TooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None
    ctx.workers.wake()
    response.headers["Location"] = f"/api/runs/{run_id}"
    return m.UploadAccepted(run_id=run_id, status="queued", links=m.RunLinks(**run_links(run_id)))


@router.get("/api/apps", response_model=m.AppList, summary="Apps in the store, newest first")
def list_apps(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0) -> m.AppList:
    from privaudit.serve.listing import app_list

    total, rows = app_list(ctx.store, limit, offset)
    return m.AppList(total=total, apps=[m.AppSummary(**r) for r in rows])


@router.get("/api/apps/{app_id}", response_model=m.AppDetail, responses={404: ERR},
            summary="One app: its versions (one per APK SHA-256) and their runs")
def get_app(ctx: Ctx, app_id: Id) -> m.AppDetail:
    from privaudit.serve.listing import app_detail

    app = app_detail(ctx.store, app_id)
    if app is None:
        raise HTTPException(404, f"no app {app_id}")
    return m.AppDetail(**app)


@router.get("/api/runs/{run_id}", response_model=m.RunOut, responses={404: ERR},
            summary="One run: status (queued, running, ok, error), its app and version")
def get_run(ctx: Ctx, run_id: Id) -> m.RunOut:
    run = ctx.store.run(run_id)
    if run is None:
        raise HTTPException(404, f"no run {run_id}")
    return run_out(run)


def run_out(run: dict) -> m.RunOut:
    return m.RunOut(links=m.RunLinks(**run_links(run["id"])), **{k: run.get(k) for k in (
        "id", "status", "error", "source", "sha256", "created", "started", "seconds", "attempts", "tool_version",
        "peak_rss_mb", "app_id", "package", "label", "version_id", "version_name", "version_code")})


REPORT_RESPONSES = {
    200: {"description": "the report", "content": {mt.split(";")[0]: {} for mt in (
        "application/json", "text/markdown", "text/html", "application/sarif+json", "text/plain", "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}},
    404: ERR, 409: {"model": m.Problem, "description": "the run has no report (queued, running or failed)"},
    501: {"model": m.Problem, "description": "this format's renderer is not installed (PDF: WeasyPrint, Pango)"},
}


@router.get("/api/runs/{run_id}/report", responses=REPORT_RESPONSES, response_class=Response,
            summary="A finished run's report in any format")
def get_report(ctx: Ctx, run_id: Id, fmt: Annotated[Format, Query(alias="format")] = "json",
               lang: Lang = "zh") -> Response:
    return download_response(ctx, run_id, fmt, lang)


def download_response(ctx: Context, run_id: int, fmt: str, lang: str) -> Response:
    try:
        d = report_download(ctx.store, run_id, fmt, lang)
    except RunMissing as exc:
        raise HTTPException(404, str(exc)) from None
    except RunNotFinished as exc:
        raise HTTPException(409, str(exc)) from None
    except InputError as exc:
        raise HTTPException(501, str(exc)) from None
    headers = {"Content-Disposition": d.disposition, "X-Content-Type-Options": "nosniff"}
    if fmt == "html":  # opened in the browser: its own origin, nothing runs
        headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return Response(d.body, media_type=d.media_type, headers=headers)


@router.get("/api/stats", response_model=m.Stats, summary="Corpus statistics (each app file by its latest ok run)")
def stats(ctx: Ctx, limit: Annotated[int, Query(ge=1, le=500)] = 20) -> m.Stats:
    s = ctx.store
    return m.Stats(summary=m.CorpusSummary(**queries.corpus_summary(s)[0]),
                   by_item=[m.ItemRate(**r) for r in queries.rates_by_item(s)],
                   by_category=[m.CategoryRate(**r) for r in queries.rates_by_category(s)],
                   top_sdks=[m.SdkCount(**r) for r in queries.top_sdks(s, limit)],
                   apps_by_risk=[m.AppRisk(**r) for r in queries.apps_by_risk(s, limit)])


@router.get("/healthz", response_model=m.Health, responses={503: ERR}, summary="Liveness: the store answers")
def healthz(ctx: Ctx) -> m.Health:
    import sqlalchemy as sa

    try:
        with ctx.store.engine.connect() as c:
            c.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        raise HTTPException(503, f"the results store does not answer ({type(exc).__name__})") from None
    return m.Health(status="ok", version=__version__, workers=ctx.settings.workers)
