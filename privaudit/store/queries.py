"""Corpus questions over the results store: which apps embed an SDK, which violate an item, rates per item,
category and SDK, how two versions of an app differ.

Each function takes a ``Store`` and returns a list of dicts, one per row, with the keys in the order of
``COLUMNS[function name]`` (so an empty answer still has its columns). The SQL is SQLAlchemy Core without
dialect-specific constructs, and rows are ordered in Python, so SQLite and PostgreSQL give the same answer
whatever the database's collation.

Corpus statistics count every app file (version) once, by its *latest run*: the newest run with status
``ok`` (by start time, then id). Older runs of the same file, failed runs and queued runs are ignored.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from privaudit import catalog
from privaudit.errors import InputError
from privaudit.report.compare import RANK
from privaudit.store import schema as t
from privaudit.store.db import Store

VERDICT_COLUMNS = ("violation", "risk", "pass", "undetermined", "manual", "not_applicable")
RATE_COLUMNS = ("apps",) + VERDICT_COLUMNS + ("violation_rate", "violation_or_risk_rate")

COLUMNS: dict[str, tuple[str, ...]] = {
    "apps_with_sdk": ("package", "label", "version_name", "version_code", "sha256", "run_id", "sdk_id",
                      "sdk_name", "vendor"),
    "apps_violating": ("package", "label", "version_name", "sha256", "run_id", "item", "verdict", "summary_zh",
                       "summary_en"),
    "rates_by_item": ("item", "category", "title_zh", "title_en") + RATE_COLUMNS,
    "rates_by_category": ("category", "name_zh", "name_en") + RATE_COLUMNS,
    "rates_by_sdk": ("sdk_id", "name", "vendor", "apps", "apps_violating", "violation_rate", "top_items"),
    "compare_versions": ("item", "category", "title_zh", "title_en", "old_verdict", "new_verdict", "change",
                         "old_version", "new_version"),
    "top_sdks": ("sdk_id", "name", "vendor", "kinds", "apps"),
    "apps_by_risk": ("package", "label", "version_name", "sha256", "run_id", "violations", "risks", "score"),
    "corpus_summary": ("apps", "versions", "runs", "runs_ok", "runs_error", "runs_queued", "runs_running"),
}

# A category's verdict for one app is its worst item's, so the six counts of a category add up to its apps.
_CATEGORY_ORDER = ("violation", "risk", "undetermined", "manual", "pass", "not_applicable")


def latest_runs() -> sa.Subquery:
    """(run_id, version_id): every app file's newest ``ok`` run. Usable by other queries (the web pages)."""
    r = t.runs.c
    newest_first = sa.func.row_number().over(
        partition_by=r.version_id, order_by=(sa.func.coalesce(r.started, r.created).desc(), r.id.desc()))
    ranked = (sa.select(r.id.label("run_id"), r.version_id, newest_first.label("rank"))
              .where(r.status == "ok", r.version_id.is_not(None)).subquery("ranked"))
    return sa.select(ranked.c.run_id, ranked.c.version_id).where(ranked.c.rank == 1).subquery("latest")


def _latest_apps(latest: sa.Subquery) -> sa.Join:
    return (latest.join(t.versions, t.versions.c.id == latest.c.version_id)
            .join(t.apps, t.apps.c.id == t.versions.c.app_id))


def _rows(store: Store, query: sa.Select) -> list[tuple[Any, ...]]:
    with store.engine.connect() as c:
        return [tuple(row) for row in c.execute(query)]


def _as_dicts(name: str, rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(COLUMNS[name], row, strict=True)) for row in rows]


def _text_key(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")


def _rate(n: int, total: int) -> float | None:
    return round(n / total, 4) if total else None


def _item_ids() -> list[str]:
    return [it["id"] for it in catalog.items()]


def item_id(text: str) -> str:
    """``M191-3.1``, ``m191-3.1`` or ``3.1`` -> ``M191-3.1``; anything else is an InputError."""
    raw = text.strip()
    wanted = raw.upper() if raw.upper().startswith("M191-") else f"M191-{raw}"
    ids = _item_ids()
    if wanted not in ids:
        raise InputError(f"unknown item {raw!r}: item IDs look like {ids[0]}…{ids[-1]} (or 3.1 for M191-3.1); "
                         "privaudit rules lists them")
    return wanted


# -- which apps ------------------------------------------------------------------------------------------------


def apps_with_sdk(store: Store, sdk: str) -> list[dict[str, Any]]:
    """App files whose latest run embeds an SDK: ``sdk`` is an exact ``sdk_id`` or a case-insensitive part of an
    SDK's id, name or vendor (``umeng``, ``极光``). One row per app file and matching SDK."""
    needle = sdk.strip()
    if not needle:
        raise InputError("name an SDK: an id such as umeng-common, or part of a name or vendor such as 极光")
    latest = latest_runs()
    s = t.sdks.c
    q = (sa.select(t.apps.c.package, t.apps.c.label, t.versions.c.version_name, t.versions.c.version_code,
                   t.versions.c.sha256, latest.c.run_id, s.sdk_id, s.name, s.vendor)
         .select_from(_latest_apps(latest).join(t.sdks, s.run_id == latest.c.run_id))
         .where(sa.or_(s.sdk_id == needle, s.sdk_id.icontains(needle, autoescape=True),
                       s.name.icontains(needle, autoescape=True), s.vendor.icontains(needle, autoescape=True)))
         .distinct())
    rows = sorted(_rows(store, q), key=lambda r: (_text_key(r[0]), _text_key(r[2]), r[5], r[6]))
    return _as_dicts("apps_with_sdk", rows)


def apps_violating(store: Store, item: str, verdicts: tuple[str, ...] = ("violation",)) -> list[dict[str, Any]]:
    """App files whose latest run gave ``item`` (``M191-3.1`` or ``3.1``) one of ``verdicts``."""
    wanted = item_id(item)
    bad = [v for v in verdicts if v not in RANK]
    if bad or not verdicts:
        raise InputError(f"unknown verdict {', '.join(bad) or '(none)'}: verdicts are {', '.join(RANK)}")
    latest = latest_runs()
    f = t.findings.c
    q = (sa.select(t.apps.c.package, t.apps.c.label, t.versions.c.version_name, t.versions.c.sha256,
                   latest.c.run_id, f.item, f.verdict, f.summary_zh, f.summary_en)
         .select_from(_latest_apps(latest).join(t.findings, f.run_id == latest.c.run_id))
         .where(f.item == wanted, f.verdict.in_(verdicts)))
    rows = sorted(_rows(store, q), key=lambda r: (-RANK[r[6]], _text_key(r[0]), _text_key(r[2]), r[4]))
    return _as_dicts("apps_violating", rows)


def apps_by_risk(store: Store, limit: int = 50) -> list[dict[str, Any]]:
    """App files by their latest run's score, ``3 * violations + risks``, highest first (at most ``limit``)."""
    latest = latest_runs()
    f = t.findings.c
    violations = sa.func.coalesce(sa.func.sum(sa.case((f.verdict == "violation", 1), else_=0)), 0)
    risks = sa.func.coalesce(sa.func.sum(sa.case((f.verdict == "risk", 1), else_=0)), 0)
    q = (sa.select(t.apps.c.package, t.apps.c.label, t.versions.c.version_name, t.versions.c.sha256,
                   latest.c.run_id, violations, risks)
         .select_from(_latest_apps(latest).outerjoin(t.findings, f.run_id == latest.c.run_id))
         .group_by(t.apps.c.package, t.apps.c.label, t.versions.c.version_name, t.versions.c.sha256,
                   latest.c.run_id))
    rows = [(*r[:5], int(r[5]), int(r[6]), 3 * int(r[5]) + int(r[6])) for r in _rows(store, q)]
    rows.sort(key=lambda r: (-r[7], -r[5], _text_key(r[0]), _text_key(r[2]), r[4]))
    return _as_dicts("apps_by_risk", rows[:max(limit, 0)])


# -- rates -----------------------------------------------------------------------------------------------------


def _rate_values(counts: dict[str, int]) -> tuple[Any, ...]:
    apps = sum(counts.get(v, 0) for v in VERDICT_COLUMNS)
    return (apps, *(counts.get(v, 0) for v in VERDICT_COLUMNS), _rate(counts.get("violation", 0), apps),
            _rate(counts.get("violation", 0) + counts.get("risk", 0), apps))


def rates_by_item(store: Store) -> list[dict[str, Any]]:
    """All 31 items, in the Method's order: how many app files each verdict, and the violation rates.

    ``apps`` is the number of app files whose latest run decided the item (every run does, unless ``--only``
    limited it)."""
    latest = latest_runs()
    f = t.findings.c
    q = (sa.select(f.item, f.verdict, sa.func.count())  # one finding per (run, item): a UNIQUE constraint
         .select_from(latest.join(t.findings, f.run_id == latest.c.run_id))
         .group_by(f.item, f.verdict))
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for item, verdict, n in _rows(store, q):
        counts[item][verdict] = int(n)
    rows = [(it["id"], it["category"], it.get("title_zh") or it["zh"], it.get("title_en") or it["en"],
             *_rate_values(counts.get(it["id"], {}))) for it in catalog.items()]
    return _as_dicts("rates_by_item", rows)


def rates_by_category(store: Store) -> list[dict[str, Any]]:
    """The six categories: an app file's verdict for a category is its worst item's there (violation > risk >
    undetermined > manual > pass > not_applicable), so an app counts as violating a category when any of its
    items is a violation, and the six counts add up to ``apps``."""
    latest = latest_runs()
    f = t.findings.c
    worst_rank = sa.func.max(sa.case(*((f.verdict == v, len(_CATEGORY_ORDER) - i)
                                       for i, v in enumerate(_CATEGORY_ORDER)), else_=0))
    per_app = (sa.select(f.category, f.run_id, worst_rank.label("worst"))
               .select_from(latest.join(t.findings, f.run_id == latest.c.run_id))
               .group_by(f.category, f.run_id).subquery("per_app"))
    q = (sa.select(per_app.c.category, per_app.c.worst, sa.func.count())
         .group_by(per_app.c.category, per_app.c.worst))
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for category, worst, n in _rows(store, q):
        if worst:
            counts[int(category)][_CATEGORY_ORDER[len(_CATEGORY_ORDER) - int(worst)]] = int(n)
    rows = [(cat["id"], cat["zh"], cat["en"], *_rate_values(counts.get(cat["id"], {})))
            for cat in catalog.categories()]
    return _as_dicts("rates_by_category", rows)


def _sdk_runs(latest: sa.Subquery) -> sa.Subquery:
    """(sdk_id, run_id): which latest runs embed which SDK, once each."""
    return (sa.select(t.sdks.c.sdk_id, t.sdks.c.run_id)
            .select_from(latest.join(t.sdks, t.sdks.c.run_id == latest.c.run_id))
            .distinct().subquery("sdk_runs"))


def _sdk_names(store: Store) -> dict[str, tuple[str | None, str | None, str | None]]:
    q = (sa.select(t.sdks.c.sdk_id, sa.func.max(t.sdks.c.name), sa.func.max(t.sdks.c.vendor),
                   sa.func.max(t.sdks.c.kinds)).group_by(t.sdks.c.sdk_id))
    return {r[0]: (r[1], r[2], r[3]) for r in _rows(store, q)}


def rates_by_sdk(store: Store, min_apps: int = 1) -> list[dict[str, Any]]:
    """Per SDK embedded by at least ``min_apps`` app files: how many, how many of them have at least one
    violation (any item), the rate, and the three items most often violated among them (``M191-3.1 (4), …``).
    Most embedded first."""
    latest = latest_runs()
    sr = _sdk_runs(latest)
    f = t.findings.c
    apps_q = sa.select(sr.c.sdk_id, sa.func.count()).group_by(sr.c.sdk_id)
    violating = (sa.select(sr.c.sdk_id, sa.func.count(sa.distinct(sr.c.run_id)))
                 .select_from(sr.join(t.findings, f.run_id == sr.c.run_id))
                 .where(f.verdict == "violation").group_by(sr.c.sdk_id))
    by_item = (sa.select(sr.c.sdk_id, f.item, sa.func.count(sa.distinct(sr.c.run_id)))
               .select_from(sr.join(t.findings, f.run_id == sr.c.run_id))
               .where(f.verdict == "violation").group_by(sr.c.sdk_id, f.item))
    apps = {sdk: int(n) for sdk, n in _rows(store, apps_q)}
    bad = {sdk: int(n) for sdk, n in _rows(store, violating)}
    order = {item: i for i, item in enumerate(_item_ids())}
    items: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for sdk, item, n in _rows(store, by_item):
        items[sdk].append((item, int(n)))
    names = _sdk_names(store)
    rows = []
    for sdk, n in apps.items():
        if n < min_apps:
            continue
        top = sorted(items.get(sdk, []), key=lambda x: (-x[1], order.get(x[0], len(order)), x[0]))[:3]
        name, vendor, _kinds = names.get(sdk, (None, None, None))
        rows.append((sdk, name, vendor, n, bad.get(sdk, 0), _rate(bad.get(sdk, 0), n),
                     ", ".join(f"{item} ({k})" for item, k in top)))
    rows.sort(key=lambda r: (-r[3], -r[4], r[0]))
    return _as_dicts("rates_by_sdk", rows)


def top_sdks(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """The SDKs embedded by the most app files (latest runs), at most ``limit``."""
    latest = latest_runs()
    sr = _sdk_runs(latest)
    names = _sdk_names(store)
    rows = [(sdk, *names.get(sdk, (None, None, None)), int(n))
            for sdk, n in _rows(store, sa.select(sr.c.sdk_id, sa.func.count()).group_by(sr.c.sdk_id))]
    rows.sort(key=lambda r: (-r[4], r[0]))
    return _as_dicts("top_sdks", rows[:max(limit, 0)])


# -- one app ---------------------------------------------------------------------------------------------------


def compare_versions(store: Store, package: str, old: str | None = None,
                     new: str | None = None) -> list[dict[str, Any]]:
    """Item by item, the latest runs' verdicts of two versions of ``package``, and whether the item got
    ``better``, ``worse`` or stayed the ``same`` (violation > risk > undetermined, manual > pass,
    not_applicable; an item absent from one run counts as undetermined there).

    By default the two app files first seen most recently (new: the latest); ``old``/``new`` pick a version
    by its version name or a prefix of its SHA-256, and the one not given defaults to the most recently
    first seen other version."""
    latest = latest_runs()
    q = (sa.select(t.versions.c.id, t.versions.c.version_name, t.versions.c.sha256, t.versions.c.first_seen,
                   latest.c.run_id)
         .select_from(t.versions.join(t.apps, t.apps.c.id == t.versions.c.app_id)
                      .join(latest, latest.c.version_id == t.versions.c.id))
         .where(t.apps.c.package == package))
    found = sorted(_rows(store, q), key=lambda r: (r[3], r[0]), reverse=True)  # most recently first seen first
    if not found:
        raise InputError(f"no audited app with package {package} in this store")
    if len(found) < 2:
        raise InputError(f"{package} has only one audited version in this store ({_label(found[0])}); "
                         "comparing needs two")
    chosen_new = _pick(found, new, package) if new else None
    chosen_old = _pick(found, old, package) if old else None
    rest = [v for v in found if v not in (chosen_new, chosen_old)]
    chosen_new = chosen_new or rest.pop(0)
    chosen_old = chosen_old or rest.pop(0)
    if chosen_old == chosen_new:
        raise InputError(f"--old and --new both select {_label(chosen_old)} of {package}")
    old_label, new_label = _label(chosen_old), _label(chosen_new)
    if old_label == new_label:
        old_label, new_label = _label(chosen_old, sha=True), _label(chosen_new, sha=True)
    verdicts = _verdicts(store, chosen_old[4]), _verdicts(store, chosen_new[4])
    rows = []
    for it in catalog.items():
        o, n = verdicts[0].get(it["id"]), verdicts[1].get(it["id"])
        ro, rn = RANK.get(o or "undetermined", 1), RANK.get(n or "undetermined", 1)
        change = "worse" if rn > ro else "better" if rn < ro else "same"
        rows.append((it["id"], it["category"], it.get("title_zh") or it["zh"], it.get("title_en") or it["en"],
                     o, n, change, old_label, new_label))
    return _as_dicts("compare_versions", rows)


def _label(version: tuple[Any, ...], sha: bool = False) -> str:
    name, sha256 = version[1], version[2]
    if name and not sha:
        return str(name)
    return f"{name} ({sha256[:12]})" if name else sha256[:12]


def _pick(found: list[tuple[Any, ...]], wanted: str, package: str) -> tuple[Any, ...]:
    key = wanted.strip()
    hits = [v for v in found if v[1] == key] or [v for v in found if key and v[2].startswith(key.lower())]
    if not hits:
        names = ", ".join(_label(v, sha=True) for v in found)
        raise InputError(f"{package} has no audited version {key!r} (by version name or SHA-256 prefix); "
                         f"it has {names}")
    if len(hits) > 1:
        raise InputError(f"{key!r} matches {len(hits)} versions of {package}; give a longer SHA-256 prefix")
    return hits[0]


def _verdicts(store: Store, run_id: int) -> dict[str, str]:
    q = sa.select(t.findings.c.item, t.findings.c.verdict).where(t.findings.c.run_id == run_id)
    return {item: verdict for item, verdict in _rows(store, q)}


# -- the store -------------------------------------------------------------------------------------------------


def corpus_summary(store: Store) -> list[dict[str, Any]]:
    """One row: apps, app files (versions), and runs in all and by status."""
    r = t.runs.c
    status_counts = [sa.func.coalesce(sa.func.sum(sa.case((r.status == s, 1), else_=0)), 0)
                     for s in ("ok", "error", "queued", "running")]
    with store.engine.connect() as c:
        apps = c.execute(sa.select(sa.func.count()).select_from(t.apps)).scalar_one()
        versions = c.execute(sa.select(sa.func.count()).select_from(t.versions)).scalar_one()
        runs = c.execute(sa.select(sa.func.count(), *status_counts).select_from(t.runs)).one()
    return _as_dicts("corpus_summary", [(int(apps), int(versions), *(int(n) for n in runs))])
