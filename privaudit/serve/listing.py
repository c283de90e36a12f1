"""What the pages and the API list: apps with their versions and runs, recent runs. Reads only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from privaudit.store import schema as t
from privaudit.store.db import Store


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in dict(row).items()}


def app_list(store: Store, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many apps, a page of them): package, label, counts of versions and runs, the latest run's id."""
    v, r = t.versions.c, t.runs.c
    versions = (sa.select(sa.func.count()).where(v.app_id == t.apps.c.id).scalar_subquery())
    runs_of_app = t.runs.join(t.versions, r.version_id == v.id)
    runs = sa.select(sa.func.count()).select_from(runs_of_app).where(v.app_id == t.apps.c.id).scalar_subquery()
    latest = sa.select(sa.func.max(r.id)).select_from(runs_of_app).where(v.app_id == t.apps.c.id).scalar_subquery()
    q = (sa.select(t.apps.c.id, t.apps.c.package, t.apps.c.label, t.apps.c.first_seen,
                   versions.label("versions"), runs.label("runs"), latest.label("latest_run_id"))
         .order_by(t.apps.c.id.desc()).limit(limit).offset(offset))
    with store.engine.connect() as c:
        total = c.execute(sa.select(sa.func.count()).select_from(t.apps)).scalar_one()
        return int(total), [_plain(row) for row in c.execute(q).mappings()]


def app_detail(store: Store, app_id: int) -> dict[str, Any] | None:
    """One app with its versions (newest first), each with its runs (newest first); None when absent."""
    v, r = t.versions.c, t.runs.c
    with store.engine.connect() as c:
        app = c.execute(sa.select(t.apps.c.id, t.apps.c.package, t.apps.c.label, t.apps.c.first_seen)
                        .where(t.apps.c.id == app_id)).mappings().first()
        if app is None:
            return None
        versions = [_plain(row) for row in c.execute(
            sa.select(v.id, v.sha256, v.version_name, v.version_code, v.min_sdk, v.target_sdk, v.size, v.first_seen)
            .where(v.app_id == app_id).order_by(v.id.desc())).mappings()]
        ids = [x["id"] for x in versions]
        runs = [_plain(row) for row in c.execute(
            sa.select(r.id, r.version_id, r.status, r.error, r.source, r.created, r.seconds)
            .where(r.version_id.in_(ids)).order_by(r.id.desc())).mappings()] if ids else []
    for ver in versions:
        ver["runs"] = [{k: x[k] for k in x if k != "version_id"} for x in runs if x["version_id"] == ver["id"]]
    return {**_plain(app), "versions": versions}


def recent_runs(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The newest runs of any status, with their app's package when the audit got that far."""
    r = t.runs.c
    q = (sa.select(r.id, r.status, r.error, r.source, r.created, r.seconds, t.apps.c.id.label("app_id"),
                   t.apps.c.package, t.versions.c.version_name)
         .select_from(t.runs.outerjoin(t.versions, r.version_id == t.versions.c.id)
                      .outerjoin(t.apps, t.versions.c.app_id == t.apps.c.id))
         .order_by(r.id.desc()).limit(limit))
    with store.engine.connect() as c:
        return [_plain(row) for row in c.execute(q).mappings()]
