"""``privaudit query``: arguments (light: argparse only) and the call into privaudit.store.queries."""

from __future__ import annotations

import argparse
import os
from typing import Any

from privaudit.store import DEFAULT_DB

EXPORT_SUFFIXES = (".csv", ".parquet")


def _common() -> argparse.ArgumentParser:
    """Options every question takes, before or after its name. Defaults live on ``query`` itself: a
    sub-parser's default would overwrite a value given before the question's name. A new parser for each
    use: ``parents`` shares action objects, and ``set_defaults`` on ``query`` would reach the questions'."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="PATH|URL",
                   help=f"the results store: a SQLite file (default: {DEFAULT_DB}) or a postgresql:// URL")
    p.add_argument("--format", choices=("table", "csv", "json"), default=argparse.SUPPRESS,
                   help="what to print (default: table)")
    p.add_argument("--export", metavar="FILE", default=argparse.SUPPRESS,
                   help="write the rows to FILE instead; its suffix, .csv or .parquet, decides the format")
    p.add_argument("--lang", choices=("zh", "en"), default=argparse.SUPPRESS,
                   help="language of titles and summaries (default: zh)")
    return p

HELP = "ask a results store what users ask of a corpus (see docs/batch.md)"


def add_parser(sub: argparse._SubParsersAction) -> None:
    q = sub.add_parser("query", parents=[_common()], help=HELP,
                       description="Questions over a results store filled by privaudit batch or serve. Every "
                       "app file counts once, by its latest successful run.")
    q.set_defaults(db=DEFAULT_DB, format="table", export=None, lang="zh")
    qs = q.add_subparsers(dest="query_command", metavar="QUESTION")
    s = qs.add_parser("sdk", parents=[_common()], help="apps that embed an SDK (id, or part of its name or vendor)")
    s.add_argument("sdk", help="an SDK id (umeng-common) or part of an id, name or vendor (umeng, 极光)")
    i = qs.add_parser("item", parents=[_common()], help="apps that violate a Method item")
    i.add_argument("item", help="an item ID: M191-3.1 or 3.1")
    i.add_argument("--include-risk", action="store_true", help="also apps where the item is a risk")
    r = qs.add_parser("rates", parents=[_common()], help="violation rates per item, category or SDK")
    r.add_argument("--by", choices=("item", "category", "sdk"), default="item", help="(default: item)")
    r.add_argument("--min-apps", type=int, default=1, metavar="N",
                   help="with --by sdk: only SDKs embedded by at least N apps (default: 1)")
    v = qs.add_parser("versions", parents=[_common()], help="item-by-item verdicts of two versions of an app")
    v.add_argument("package", help="the app's package name")
    v.add_argument("--old", metavar="V", help="version name or SHA-256 prefix (default: the second newest)")
    v.add_argument("--new", metavar="V", help="version name or SHA-256 prefix (default: the newest)")
    a = qs.add_parser("apps", parents=[_common()], help="apps by risk score: 3 × violations + risks")
    a.add_argument("--limit", type=int, default=50, metavar="N", help="at most N apps (default: 50)")
    qs.add_parser("summary", parents=[_common()], help="apps, app files and runs by status in the store")


def run(args: argparse.Namespace) -> int:
    from privaudit.errors import EXIT_OK, InputError

    if not getattr(args, "query_command", None):
        raise InputError("say what to ask: privaudit query sdk|item|rates|versions|apps|summary (see --help)")
    export = _export_format(args.export) if args.export else None
    for opt in ("limit", "min_apps"):
        if getattr(args, opt, 1) < 1:
            raise InputError(f"--{opt.replace('_', '-')} must be at least 1")

    import sqlalchemy as sa

    from privaudit.store import export as out
    from privaudit.store import queries
    from privaudit.store.db import Store, store_url
    from privaudit.urls import redact

    _require_existing(args.db)
    try:
        with Store(args.db, migrate=False) as store:  # a query never writes: no migration, no new tables
            name, rows = _ask(queries, store, args)
    except sa.exc.SQLAlchemyError as exc:
        msg = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise InputError(f"the query failed ({msg[:300]})", redact(store_url(args.db))) from None
    columns, rows = out.in_language(queries.COLUMNS[name], rows, args.lang)
    if export:
        out.write_file(args.export, export, columns, rows)
        import sys

        print(f"{len(rows)} row{'' if len(rows) == 1 else 's'} written to {args.export}", file=sys.stderr)
        return EXIT_OK
    text = out.render(args.format, columns, rows)
    print(text, end="" if text.endswith("\n") else "\n")
    return EXIT_OK


def _ask(queries: Any, store: Any, args: argparse.Namespace) -> tuple[str, list[dict[str, Any]]]:
    cmd = args.query_command
    if cmd == "sdk":
        return "apps_with_sdk", queries.apps_with_sdk(store, args.sdk)
    if cmd == "item":
        verdicts = ("violation", "risk") if args.include_risk else ("violation",)
        return "apps_violating", queries.apps_violating(store, args.item, verdicts)
    if cmd == "rates":
        if args.by == "item":
            return "rates_by_item", queries.rates_by_item(store)
        if args.by == "category":
            return "rates_by_category", queries.rates_by_category(store)
        return "rates_by_sdk", queries.rates_by_sdk(store, min_apps=args.min_apps)
    if cmd == "versions":
        return "compare_versions", queries.compare_versions(store, args.package, old=args.old, new=args.new)
    if cmd == "apps":
        return "apps_by_risk", queries.apps_by_risk(store, limit=args.limit)
    return "corpus_summary", queries.corpus_summary(store)


def _export_format(path: str) -> str:
    from privaudit.errors import InputError

    suffix = os.path.splitext(path)[1].lower()
    if suffix not in EXPORT_SUFFIXES:
        raise InputError("--export writes .csv or .parquet files; the suffix decides which", path)
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise InputError("Parquet export needs pyarrow: pip install 'privaudit[parquet]'", path) from None
    return suffix[1:]


def _require_existing(target: str) -> None:
    """A query never creates a store: a SQLite file must already be there (Store would create an empty one)."""
    from privaudit.errors import InputError

    path: str | None = None
    if "://" not in target:
        path = target
    elif target.startswith("sqlite:"):
        import sqlalchemy as sa

        path = sa.engine.make_url(target).database or ""
        if path in ("", ":memory:"):
            raise InputError("no results store here (an in-memory SQLite database is always empty)", target)
    if path is not None and not os.path.isfile(path):
        raise InputError("no results store here (fill one with privaudit batch --db, or give --db)", path)
