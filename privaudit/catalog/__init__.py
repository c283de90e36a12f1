"""Catalogues are data: each JSON file beside this module is the single source of truth for its list.

Loaders are cached and lazy, so a scan pays only for the catalogues its decisions need.
Each file has a top-level ``version`` and one list; their schemas are in ``docs/catalogues.md``
and guarded by ``tests/catalog``.
"""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed catalogue ``name`` (file stem, e.g. ``"sdks"``)."""
    with open(os.path.join(HERE, f"{name}.json"), encoding="utf-8") as fh:
        return json.load(fh)


def items() -> list[dict[str, Any]]:
    return load("items")["items"]


def item(item_id: str) -> dict[str, Any]:
    for entry in items():
        if entry["id"] == item_id:
            return entry
    raise KeyError(item_id)


def evidence_kinds() -> dict[str, dict[str, str]]:
    return load("items")["evidence_kinds"]


def categories() -> list[dict[str, Any]]:
    return load("items")["categories"]


def pi_types() -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in load("pi_types")["types"]}


def sensitive_apis() -> list[dict[str, Any]]:
    return load("sensitive_apis")["apis"]


def permissions() -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in load("permissions")["permissions"]}


def sdks() -> list[dict[str, Any]]:
    return load("sdks")["sdks"]


def packers() -> list[dict[str, Any]]:
    return load("packers")["packers"]


def app_types() -> list[dict[str, Any]]:
    return load("app_types")["types"]
