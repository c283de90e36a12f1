"""``create_app(settings)``: the FastAPI application — REST API, pages, background audit workers.

Layers, outermost first: ``WriteGuard`` (token and body size, before any body is read), FastAPI's routing, the
handlers (``api``: JSON; ``pages``: HTML), which read the store and queue runs; ``AuditWorkers`` audit them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from privaudit import __version__
from privaudit.serve import api, pages
from privaudit.serve.context import Context
from privaudit.serve.guard import WriteGuard
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
    app.state.context = Context(settings=settings, store=store, workers=workers)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_exception_handler(405, method_not_allowed)
    app.add_middleware(WriteGuard, token=settings.token,
                       limits={path: settings.max_body_bytes for path in UPLOAD_PATHS},
                       default_limit=SMALL_BODY_BYTES, open_paths=frozenset({"/login", "/logout"}))
    return app


async def method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
    """405 with every method the path has in ``Allow`` (Starlette lists only the first matching route's)."""
    path = request.url.path
    allowed = sorted({m for r in request.app.router.routes if isinstance(r, APIRoute) and r.path_regex.match(path)
                      for m in r.methods})
    return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(allowed)})
