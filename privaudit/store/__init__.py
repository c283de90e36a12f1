"""The results store (SQLite file or PostgreSQL URL) shared by ``batch``, ``query`` and ``serve``.

``Store`` is imported on first use, so ``privaudit scan`` never pays for SQLAlchemy.
"""

from __future__ import annotations

from typing import Any

DEFAULT_DB = "privaudit-results.sqlite"

__all__ = ["DEFAULT_DB", "Store", "store_url"]


def __getattr__(name: str) -> Any:
    if name in ("Store", "store_url"):
        from privaudit.store import db

        return getattr(db, name)
    raise AttributeError(name)
