"""``create_app(settings)``: the FastAPI application — REST API, pages, background audit workers.

Layers, outermost first: ``HeadAsGet`` (HEAD answered as GET without the body), ``WriteGuard`` (token, origin of
cookie writes and body size, before any body is read), FastAPI's routing, the
handlers (``api``: JSON; ``pages``: HTML), which read the store and queue runs; ``AuditWorkers`` audit them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from privaudit import __version__
from privaudit.serve import api, pages
from privaudit.serve.context import Context
from privaudit.serve.guard import HeadAsGet, Sessions, WriteGuard
from privaudit.serve.settings import SMALL_BODY_BYTES, Settings
from privaudit.serve.worker import AuditWorkers
from privaudit.store.db import Store

DESCRIPTION = """Audit Android apps against Method 191 (App违法违规收集使用个人信息行为认定方法), item by item.

Upload an app with `POST /api/apps` (multipart; `Authorization: Bearer <token>`), poll `GET /api/runs/{id}`
until its status is `ok` or `error`, then download the report in any format. Reads need no token."""

UPLOAD_PATHS = ("/api/apps", "/upload")


def create_app(settings: Settings) -> FastAPI:
    """The application over ``settings.db``; opening the store migrates it. Workers start with the lifespan."""
    store = Store(settings.db)
    workers = AuditWorkers(store, settings.workers, settings.audit_timeout, settings.max_memory_mb)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(workers.start)
        try:
            yield
        finally:
            await anyio.to_thread.run_sync(workers.stop)
            store.close()

    app = FastAPI(title="privaudit", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")  # Swagger/ReDoc load from a CDN
    sessions = Sessions(settings.token, settings.session_seconds)
    app.state.context = Context(settings=settings, store=store, workers=workers, sessions=sessions)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_exception_handler(405, method_not_allowed)
    app.add_middleware(WriteGuard, token=settings.token, sessions=sessions,
                       limits={path: settings.max_body_bytes for path in UPLOAD_PATHS},
                       default_limit=SMALL_BODY_BYTES, open_paths=frozenset({"/login", "/logout"}))
    app.add_middleware(HeadAsGet)
    return app


async def method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
    """405 with every method the path has in ``Allow`` (Starlette lists only the first matching route's), HEAD
    wherever GET is (``HeadAsGet``)."""
    path = request.url.path
    allowed = {m for r in _api_routes(request.app.router.routes) if r.path_regex.match(path) for m in r.methods}
    allowed = sorted(allowed | {"HEAD"} if "GET" in allowed else allowed)
    return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(allowed)})


def _api_routes(routes: list) -> Iterator[APIRoute]:
    """The routes, those of included routers too (newer FastAPI keeps an included router as one route, with
    ``original_router``; the routers here are included without a prefix)."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield r
        elif (inner := getattr(r, "original_router", None)) is not None:
            yield from _api_routes(inner.routes)
