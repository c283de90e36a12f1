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
