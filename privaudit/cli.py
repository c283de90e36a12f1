"""Command line: parse arguments, call ``audit()``, choose a format. Nothing else.

Exit codes: 0 done; 1 a finding reached ``--fail-on``; 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import os
import sys

from privaudit.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError

FORMATS = ("text", "json", "md")
FAIL_ORDER = {"violation": ("violation",), "risk": ("violation", "risk")}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="privaudit",
        description="Audit an Android app against Method 191 (App违法违规收集使用个人信息行为认定方法).",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command")

    scan = sub.add_parser("scan", help="audit an app: a verdict with evidence for each of the 31 items")
    scan.add_argument("app", help="the app: .apk, split set (.apks/.xapk) or bundle (.aab)")
    scan.add_argument("--app-type", help="one of the 39 common app types (id, number or Chinese name), for 4.1")
    scan.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    scan.add_argument("-o", "--output", help="write the report here (default: standard output)")
    scan.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default: zh)")
    scan.add_argument("--fail-on", choices=tuple(FAIL_ORDER), help="exit 1 when any finding is at least this")
    scan.add_argument("--only", nargs="+", metavar="ITEM", default=[], help="evaluate only these items")

    rules = sub.add_parser("rules", help="list the 31 items of the Method")
    rules.add_argument("--lang", choices=("zh", "en"), default="zh")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("app-types", help="list the 39 app types accepted by --app-type")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.version:
            from privaudit import __version__

            print(f"privaudit {__version__}")
            return EXIT_OK
        if args.command == "scan":
            return _scan(args)
        if args.command == "rules":
            from privaudit.report.catalogue import render_rules

            _emit(render_rules(args.lang, args.format), None)
            return EXIT_OK
        if args.command == "app-types":
            from privaudit.report.catalogue import render_app_types

            _emit(render_app_types(), None)
            return EXIT_OK
        _parser().print_help()
        return EXIT_INPUT
    except InputError as exc:
        print(f"privaudit: error: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (MemoryError, RecursionError) as exc:
        print(f"privaudit: error: input too large or too deeply nested ({type(exc).__name__})", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("privaudit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a hostile input must never produce a traceback
        if os.environ.get("PRIVAUDIT_DEBUG"):
            raise
        print(f"privaudit: error: could not analyse the input ({type(exc).__name__}: {exc}); "
              "set PRIVAUDIT_DEBUG=1 for details", file=sys.stderr)
        return EXIT_INPUT


def _scan(args: argparse.Namespace) -> int:
    from privaudit.audit import AuditInputs, audit
    from privaudit.report import render

    report = audit(AuditInputs(apk=args.app, app_type=args.app_type, only=args.only))
    _emit(render(report, args.format, args.lang), args.output)
    if args.fail_on:
        hit = FAIL_ORDER[args.fail_on]
        if any(f.verdict.value in hit for f in report.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def _emit(text: str, path: str | None) -> None:
    """Write to standard output, or atomically to ``path`` (never a half-written file)."""
    if not text.endswith("\n"):
        text += "\n"
    if path is None or path == "-":
        sys.stdout.write(text)
        return
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError("output directory does not exist", path)
    fd, tmp = tempfile.mkstemp(prefix=".privaudit-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
