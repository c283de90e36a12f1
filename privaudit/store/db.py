"""The results store: SQLite by default (a file, nothing to start), PostgreSQL by URL; migrated by Alembic on open.

One writer at a time per app: the batch parent (or the web service's worker) writes a run and its findings,
evidence and SDKs in one transaction; readers (``privaudit query``, the web pages) never see half a run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from privaudit.errors import InputError
from privaudit.store import DEFAULT_DB  # noqa: F401  (re-exported)
from privaudit.store import schema as t
from privaudit.urls import redact


def store_url(target: str) -> str:
    """A path becomes ``sqlite:///ABS``; a URL is taken as given (``postgresql://`` uses psycopg 3)."""
    if "://" not in target:
        return "sqlite:///" + os.path.abspath(target)
    if target.startswith("postgresql://") or target.startswith("postgres://"):
        return "postgresql+psycopg://" + target.split("://", 1)[1]
    return target


def now() -> datetime:
    return datetime.now(UTC)


def category_of(item: str) -> int:
    """``M191-3.4`` -> 3."""
    try:
        return int(item.split("-", 1)[1].split(".", 1)[0])
    except (IndexError, ValueError):
        return 0


class Store:
    def __init__(self, target: str = DEFAULT_DB, *, migrate: bool = True) -> None:
        self.url = store_url(target)
        # a plain path is kept as it is ('?', '#', '%' are file-name characters there, not URL syntax)
        sqlite_path = os.path.abspath(target) if "://" not in target else None
        try:
            if self.url.startswith("sqlite"):
                path = sqlite_path or sa.engine.make_url(self.url).database or ""
                if path not in ("", ":memory:"):
                    path = os.path.abspath(path)
                if not migrate and path not in ("", ":memory:"):
                    # a reader: the file opened read-only, so not even the WAL switch writes to it. Through a
                    # creator, with the path percent-encoded: '#', '?' and '%' in a file name would otherwise
                    # end the path inside SQLite's URI and open (and create) another file.
                    import sqlite3
                    import urllib.parse

                    uri = f"file:{urllib.parse.quote(path)}?mode=ro"
                    self.engine = sa.create_engine(
                        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, timeout=30,
                                                                     check_same_thread=False))
                else:
                    url = sa.engine.URL.create("sqlite", database=path) if sqlite_path else self.url
                    self.engine = sa.create_engine(url, connect_args={"timeout": 30})
                sa.event.listen(self.engine, "connect", _sqlite_pragmas if migrate else _sqlite_read_pragmas)
                sa.event.listen(self.engine, "begin", _sqlite_begin)
            else:
                self.engine = sa.create_engine(self.url, pool_pre_ping=True)
            from privaudit.store.migrate import check, upgrade

            upgrade(self.engine) if migrate else check(self.engine)
        except InputError:
            raise
        except ModuleNotFoundError as exc:
            raise InputError(f"no database driver for this URL ({exc.name} is not installed)", redact(self.url)) \
                from None
        except (sa.exc.SQLAlchemyError, OSError) as exc:
            msg = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise InputError(f"cannot use as a results store ({msg[:300]})", redact(self.url)) from None

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction. On SQLite it starts with BEGIN IMMEDIATE: two processes writing one store (two
        batches, a batch and the service) queue on the lock instead of failing to upgrade a read transaction."""
        with self.engine.connect().execution_options(privaudit_write=True) as c, c.begin():
            yield c

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -------------------------------------------------------------------------------------------

    def done_run(self, sha256: str, inputs_key: str, tool_version: str,
                 statuses: tuple[str, ...] = ("ok",)) -> int | None:
        """The latest run in one of ``statuses`` for this app file, inputs and tool version, if any."""
        q = (sa.select(t.runs.c.id).where(t.runs.c.sha256 == sha256, t.runs.c.inputs_key == inputs_key,
                                          t.runs.c.tool_version == tool_version, t.runs.c.status.in_(statuses))
             .order_by(t.runs.c.id.desc()).limit(1))
        with self.engine.connect() as c:
            return c.execute(q).scalar()

    def queue(self, *, sha256: str | None, source: str, inputs_key: str, tool_version: str,
              job: dict[str, Any] | None = None) -> int:
        """A run waiting for a worker (the web service); its id."""
        with self._write() as c:
            return c.execute(t.runs.insert().values(
                sha256=sha256, source=source, job=job, inputs_key=inputs_key, tool_version=tool_version,
                status="queued", created=now()).returning(t.runs.c.id)).scalar_one()

    def claim(self) -> tuple[int, dict[str, Any]] | None:
        """Take the oldest queued run (marked running); None when there is none."""
        with self._write() as c:
            q = sa.select(t.runs.c.id, t.runs.c.job).where(t.runs.c.status == "queued").order_by(t.runs.c.id).limit(1)
            if c.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            row = c.execute(q).first()
            if row is None:
                return None
            c.execute(t.runs.update().where(t.runs.c.id == row.id)
                      .values(status="running", started=now(), attempts=t.runs.c.attempts + 1))
            return row.id, row.job or {}

    def requeue_running(self) -> int:
        """Runs left 'running' by a worker that died (service restart): queued again; how many."""
        with self._write() as c:
            return c.execute(t.runs.update().where(t.runs.c.status == "running").values(status="queued")).rowcount

    def record(self, *, sha256: str | None, source: str, inputs_key: str, tool_version: str,
               started: datetime | None = None, seconds: float | None = None, report: dict[str, Any] | None = None,
               error: str | None = None, job: dict[str, Any] | None = None, attempts: int = 1,
               peak_rss_mb: float | None = None, run_id: int | None = None) -> int:
        """Write one app's finished run (and its findings, evidence and SDKs) in one transaction; the run's id.

        With ``run_id``, a queued/running run is completed instead of a new one written.
        """
        with self._write() as c:
            version_id = None
            if report is not None:
                version_id = self._version(c, report, sha256)
                sha256 = (report.get("app") or {}).get("sha256") or sha256
            values = dict(version_id=version_id, sha256=sha256, source=source, inputs_key=inputs_key,
                          tool_version=tool_version, status="ok" if report is not None else "error",
                          error=error, started=started or now(),
                          seconds=round(seconds, 3) if seconds is not None else None,
                          peak_rss_mb=round(peak_rss_mb, 1) if peak_rss_mb is not None else None, report=report)
            if run_id is None:
                run_id = c.execute(t.runs.insert().values(created=values["started"], job=job, attempts=attempts,
                                                          **values).returning(t.runs.c.id)).scalar_one()
            else:
                values.pop("source")
                values.pop("inputs_key")
                values.pop("started")
                c.execute(t.runs.update().where(t.runs.c.id == run_id).values(**values))
            if report is not None:
                self._findings(c, run_id, report)
        return run_id

    def _version(self, c: sa.Connection, report: dict[str, Any], sha256: str | None) -> int | None:
        """The version row of this APK (and its app by package), created when new. Insert-or-ignore, then read:
        another process writing the same store may add the same app or version at the same moment."""
        app = report.get("app") or {}
        sha = app.get("sha256") or sha256
        if not sha:
            return None
        row = c.execute(sa.select(t.versions.c.id).where(t.versions.c.sha256 == sha)).first()
        if row is not None:
            return row.id
        package = app.get("package")
        if package is None:  # no package: an app of its own (NULLs are never equal under UNIQUE)
            app_id = c.execute(t.apps.insert().values(package=None, label=app.get("label"), first_seen=now())
                               .returning(t.apps.c.id)).scalar_one()
        else:
            c.execute(_insert(c, t.apps).values(package=package, label=app.get("label"), first_seen=now())
                      .on_conflict_do_nothing(index_elements=["package"]))
            app_id = c.execute(sa.select(t.apps.c.id).where(t.apps.c.package == package)).scalar_one()
            if app.get("label"):
                c.execute(t.apps.update().where(t.apps.c.id == app_id, t.apps.c.label.is_distinct_from(app["label"]))
                          .values(label=app["label"]))
        c.execute(_insert(c, t.versions).values(
            app_id=app_id, sha256=sha, version_name=app.get("version_name"), version_code=app.get("version_code"),
            min_sdk=app.get("min_sdk"), target_sdk=app.get("target_sdk"), size=app.get("size"), first_seen=now())
            .on_conflict_do_nothing(index_elements=["sha256"]))
        return c.execute(sa.select(t.versions.c.id).where(t.versions.c.sha256 == sha)).scalar_one()

    def _findings(self, c: sa.Connection, run_id: int, report: dict[str, Any]) -> None:
        """Findings, their evidence (keyed by run and item) and the SDKs: three multi-row INSERTs."""
        found = report.get("findings", [])
        if found:
            c.execute(t.findings.insert(), [
                dict(run_id=run_id, item=f["item"], category=category_of(f["item"]), verdict=f["verdict"],
                     severity=f["severity"], decided_by=f.get("decided_by"), summary_zh=f.get("summary_zh"),
                     summary_en=f.get("summary_en")) for f in found])
            evidence_rows = [
                dict(run_id=run_id, item=f["item"], kind=e.get("kind", ""), summary=e.get("summary"),
                     source=p.get("source"), file=p.get("file"), entry=p.get("entry"), offset=p.get("offset"),
                     locator=p.get("locator"))
                for f in found for e in f.get("evidence", []) for p in (e.get("provenance") or {},)]
            if evidence_rows:
                c.execute(t.evidence.insert(), evidence_rows)
        sdk_rows = [dict(run_id=run_id, sdk_id=s.get("id") or "", name=s.get("name"), vendor=s.get("vendor"),
                         kinds=",".join(s.get("kinds") or [])) for s in (report.get("facts") or {}).get("sdks", [])]
        if sdk_rows:
            c.execute(t.sdks.insert(), sdk_rows)

    # -- reading -------------------------------------------------------------------------------------------

    def item_counts(self, run_ids: list[int]) -> dict[str, dict[str, int]]:
        """Per item, how many of these runs found a violation and how many a risk."""
        out: dict[str, dict[str, int]] = {}
        with self.engine.connect() as c:
            for i in range(0, len(run_ids), 500):
                chunk = run_ids[i:i + 500]
                q = (sa.select(t.findings.c.item, t.findings.c.verdict, sa.func.count())
                     .where(t.findings.c.run_id.in_(chunk), t.findings.c.verdict.in_(("violation", "risk")))
                     .group_by(t.findings.c.item, t.findings.c.verdict))
                for item, verdict, n in c.execute(q):
                    out.setdefault(item, {"violation": 0, "risk": 0})[verdict] += n
        return dict(sorted(out.items()))

    def run(self, run_id: int) -> dict[str, Any] | None:
        """One run with its app and version (no report body); None when there is no such run."""
        q = (sa.select(t.runs.c.id, t.runs.c.sha256, t.runs.c.source, t.runs.c.status, t.runs.c.error,
                       t.runs.c.created, t.runs.c.started, t.runs.c.seconds, t.runs.c.attempts,
                       t.runs.c.tool_version, t.runs.c.peak_rss_mb, t.runs.c.version_id,
                       t.versions.c.version_name, t.versions.c.version_code, t.apps.c.id.label("app_id"),
                       t.apps.c.package, t.apps.c.label)
             .select_from(t.runs.outerjoin(t.versions, t.runs.c.version_id == t.versions.c.id)
                          .outerjoin(t.apps, t.versions.c.app_id == t.apps.c.id))
             .where(t.runs.c.id == run_id))
        with self.engine.connect() as c:
            row = c.execute(q).mappings().first()
        return _plain(dict(row)) if row is not None else None

    def report(self, run_id: int) -> dict[str, Any] | None:
        """The stored report (``Report.to_dict`` form) of a finished run; None when absent or not finished."""
        with self.engine.connect() as c:
            return c.execute(sa.select(t.runs.c.report).where(t.runs.c.id == run_id)).scalar()


def _insert(c: sa.Connection, table: sa.Table) -> Any:
    """INSERT with ON CONFLICT support for the two backends."""
    if c.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (_sqlite_begin): transactional DDL too
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")  # WAL: no fsync per commit; a power cut may lose the last runs only
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_read_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None
    dbapi_conn.execute("PRAGMA busy_timeout=30000")


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("privaudit_write") else "BEGIN")
