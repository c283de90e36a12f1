"""Alembic, driven from code: the store upgrades itself to the newest schema when opened.

``privaudit/store/migrations`` holds the revisions; a new schema change is one new revision file whose result
matches ``schema.py`` (tests/store/test_migrations.py compares them with Alembic's autogenerate).
"""

from __future__ import annotations

import os

import sqlalchemy as sa

from privaudit.errors import InputError

HERE = os.path.dirname(os.path.abspath(__file__))


def config(connection: sa.Connection | None = None):  # -> alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", os.path.join(HERE, "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    from alembic import command

    # one migration at a time: two processes opening a new store at once (two batches) take turns; the second
    # then finds the schema at head. SQLite: BEGIN IMMEDIATE (db._sqlite_begin); PostgreSQL: an advisory lock.
    with engine.connect().execution_options(privaudit_write=True) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(191191191)"))
        tables = set(sa.inspect(conn).get_table_names())
        if tables and "alembic_version" not in tables:
            what = ("a results store from privaudit 0.1's first batch format (no migrations)"
                    if "runs" in tables else
                    f"a database with other tables ({', '.join(sorted(tables)[:3])}…), not a privaudit store")
            raise InputError(f"{what}; use a new file or an empty database",
                             engine.url.render_as_string(hide_password=True))
        if "alembic_version" in tables and _current(conn) == _head():
            return  # the common case costs one query, not Alembic's script loading
        command.upgrade(config(conn), revision)


def check(engine: sa.Engine) -> None:
    """For readers (``privaudit query``): the store must be privaudit's, at this version's schema; nothing is
    written to it."""
    where = engine.url.render_as_string(hide_password=True)
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
        if "alembic_version" not in tables:
            raise InputError("not a privaudit results store (privaudit batch or serve writes one)", where)
        current = _current(conn)
    if current != _head():
        raise InputError(f"the store's schema is {current}, this privaudit reads {_head()}: run privaudit batch "
                         "on it once to upgrade it", where)


def _current(conn: sa.Connection) -> str | None:
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _head() -> str:
    from privaudit.store.migrations import HEAD

    return HEAD
