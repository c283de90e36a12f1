"""Alembic revisions of the results store. HEAD names the newest (checked against the scripts in the tests)."""

HEAD = "0001"
