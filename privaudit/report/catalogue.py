"""Listings of the catalogues themselves: the Method's items and the app types."""

from __future__ import annotations

import json

from privaudit import catalog


def render_rules(lang: str, fmt: str) -> str:
    items = catalog.items()
    if fmt == "json":
        return json.dumps(items, ensure_ascii=False, indent=2)
    out = []
    for cat in catalog.categories():
        out.append(f"{cat['id']}. {cat[lang]}")
        for it in items:
            if it["category"] == cat["id"]:
                ev = "".join(it["evidence"])
                out.append(f"  {it['id']:9} [{ev:6}] {it['automation']:14} {it.get('title_' + lang) or it[lang]}")
    return "\n".join(out)


def render_app_types() -> str:
    return "\n".join(f"{t['no']:2}  {t['id']:28} {t['zh']}  {t['en']}" for t in catalog.app_types())
