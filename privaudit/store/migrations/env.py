"""Alembic environment: runs on the connection the store passes in (privaudit.store.migrate)."""

from alembic import context

from privaudit.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - the alembic CLI is not how privaudit runs migrations
    raise RuntimeError("run migrations through privaudit.store.migrate.upgrade(engine)")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
