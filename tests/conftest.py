"""Shared test helpers. Real data lives in the repo root's sibling ``shared/`` and is optional."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REPO = Path(__file__).resolve().parents[1]


def shared(*parts: str) -> Path:
    """Path to real data under ``../shared``; skips the test, saying why, when it is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data absent: {p}")
    return p


PG_URL_ENV = "PRIVAUDIT_TEST_PG_URL"  # set by .ci/run (scripts/ci-postgres.sh starts the server)


def _pg_url() -> str | None:
    import os

    url = os.environ.get(PG_URL_ENV)
    if not url:
        if os.environ.get("PRIVAUDIT_REQUIRE_PG"):
            pytest.fail(f"PRIVAUDIT_REQUIRE_PG is set but {PG_URL_ENV} is not")
        pytest.skip(f"PostgreSQL store tests skipped: {PG_URL_ENV} is not set (run scripts/ci-postgres.sh, "
                    f"then export {PG_URL_ENV}=<the URL it prints>)")
    return url


@pytest.fixture(scope="session")
def _pg_database():
    """A database of this test session's own (several sessions may share one server): created from the URL in
    PRIVAUDIT_TEST_PG_URL, dropped at the end. None when the server is unreachable (the tests skip, or fail
    when PRIVAUDIT_REQUIRE_PG is set)."""
    import os
    import uuid

    import sqlalchemy as sa

    from privaudit.store.db import store_url

    base = os.environ.get(PG_URL_ENV)
    if not base:
        yield None
        return
    name = f"privaudit_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(store_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        yield ("unreachable", " ".join(str(exc.orig).split())[:200])
        return
    url = sa.engine.make_url(store_url(base)).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> None:
    """Drop every table so each test starts from an empty database (migrations run again on open)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as c:
            c.execute(sa.text("DROP SCHEMA public CASCADE"))
            c.execute(sa.text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request, tmp_path) -> str:
    """A results store to write to: a fresh SQLite file, and (when PRIVAUDIT_TEST_PG_URL is set) an emptied
    PostgreSQL database of this session's own. Tests taking it run once per backend."""
    import os

    if request.param == "sqlite":
        return str(tmp_path / "results.sqlite")
    _pg_url()
    db = request.getfixturevalue("_pg_database")
    if isinstance(db, tuple):
        if os.environ.get("PRIVAUDIT_REQUIRE_PG"):
            pytest.fail(f"PostgreSQL at {PG_URL_ENV} is required but unreachable: {db[1]}")
        pytest.skip(f"PostgreSQL store tests skipped: server unreachable ({db[1]})")
    _reset_pg(db)
    return db
