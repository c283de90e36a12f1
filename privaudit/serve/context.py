"""What every request handler shares: the settings, the store, the background workers, the login sessions."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from privaudit.serve.guard import Sessions
from privaudit.serve.settings import Settings
from privaudit.serve.worker import AuditWorkers
from privaudit.store.db import Store


@dataclass(slots=True)
class Context:
    settings: Settings
    store: Store
    workers: AuditWorkers
    sessions: Sessions


def get_context(request: Request) -> Context:
    return request.app.state.context


def run_links(run_id: int) -> dict:
    from privaudit.serve.models import REPORT_FORMATS

    return {"page": f"/runs/{run_id}", "api": f"/api/runs/{run_id}",
            "report": {fmt: f"/api/runs/{run_id}/report?format={fmt}" for fmt in REPORT_FORMATS}}
