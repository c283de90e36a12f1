"""Command line: parse arguments, call ``audit()`` (or ``capture()``), choose a format. Nothing else.

Exit codes: 0 done; 1 a finding reached ``--fail-on``; 2 bad input or usage.
"""

from __future__ import annotations

import argparse
import os
import sys

from privaudit.errors import EXIT_FINDINGS, EXIT_INPUT, EXIT_OK, InputError

FORMATS = ("text", "json", "md", "html", "sarif", "xlsx", "pdf")
FAIL_ORDER = {"violation": ("violation",), "risk": ("violation", "risk")}


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser. ``query`` and ``serve`` get their full definitions only when they are the command
    (their many options cost a scan's start-up a few milliseconds); otherwise a one-line entry for the help."""
    p = argparse.ArgumentParser(
        prog="privaudit",
        description="Audit an Android app against Method 191 (App违法违规收集使用个人信息行为认定方法).",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command")

    scan = sub.add_parser("scan", help="audit an app: a verdict with evidence for each of the 31 items")
    scan.add_argument("app", nargs="?", help="the app: .apk, split set (.apks/.xapk) or bundle (.aab); optional when "
                      "other evidence is given")
    scan.add_argument("--policy", help="the privacy policy: a file (HTML, text, Markdown, PDF) or an http(s) URL "
                      "(fetched only when given); default: the policy bundled in the APK, if any")
    scan.add_argument("--trace", action="append", default=[], metavar="FILE",
                      help="runtime trace: privaudit JSONL, Android logcat, camille Excel export (repeatable)")
    scan.add_argument("--network", action="append", default=[], metavar="FILE",
                      help="network capture: HAR, pcap or pcapng (repeatable)")
    scan.add_argument("--ui", action="append", default=[], metavar="DIR|ARCHIVE",
                      help="UI exploration run: a DroidBot output folder (its logcat joins the trace) or a folder of "
                      "uiautomator dumps, or either as .zip/.tar/.tar.gz (repeatable)")
    scan.add_argument("--profile", metavar="FILE", help="device profile: the identifiers to look for in traffic")
    scan.add_argument("--first-party", action="append", default=[], metavar="DOMAIN",
                      help="a domain the app's operator owns (traffic there is not third-party)")
    scan.add_argument("--consent-time", type=float, metavar="T",
                      help="the consent moment on the trace/capture clock, when the run did not record it")
    scan.add_argument("--package", help="the app's package name, when no APK is given")
    scan.add_argument("--app-type", help="one of the 39 common app types (id, number or Chinese name), for 4.1")
    scan.add_argument("--requests", metavar="FILE",
                      help="request log (JSON Lines, see docs/request-log.md): handling times for 6.3 and 6.5")
    scan.add_argument("--review", metavar="FILE", help="reviewer answers (from `privaudit review init`) to merge")
    scan.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    scan.add_argument("-o", "--output", help="write the report here (default: standard output)")
    scan.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default: zh)")
    scan.add_argument("--fail-on", choices=tuple(FAIL_ORDER), help="exit 1 when any finding is at least this")
    scan.add_argument("--only", nargs="+", metavar="ITEM", default=[], help="evaluate only these items")

    pol = sub.add_parser("policy", help="analyse a privacy policy alone: segments, practices, SDK lists, items")
    pol.add_argument("policy", help="a file (HTML, text, Markdown, PDF) or an http(s) URL")
    pol.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    pol.add_argument("-o", "--output", help="write the report here (default: standard output)")
    pol.add_argument("--lang", choices=("zh", "en"), default="zh", help="report language (default: zh)")
    pol.add_argument("--fail-on", choices=tuple(FAIL_ORDER), help="exit 1 when any finding is at least this")

    rules = sub.add_parser("rules", help="list the 31 items of the Method")
    rules.add_argument("--lang", choices=("zh", "en"), default="zh")
    rules.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("app-types", help="list the 39 app types accepted by --app-type")

    diff = sub.add_parser("diff", help="compare two JSON reports: items that got worse, better, or changed evidence")
    diff.add_argument("old", help="the earlier report (privaudit scan --format json)")
    diff.add_argument("new", help="the later report")
    diff.add_argument("--format", choices=("text", "json", "md"), default="text", help="output format (default: text)")
    diff.add_argument("-o", "--output", help="write the comparison here (default: standard output)")
    diff.add_argument("--lang", choices=("zh", "en"), default="zh", help="language (default: zh)")
    diff.add_argument("--fail-on-worse", action="store_true", help="exit 1 when any item got worse (release gating)")

    rev = sub.add_parser("review", help="reviewer workflow: questions for the items a person must decide")
    rev_sub = rev.add_subparsers(dest="review_command")
    rinit = rev_sub.add_parser("init", help="write a review file from a JSON report (manual, risk, undetermined)")
    rinit.add_argument("report", help="a JSON report (privaudit scan --format json)")
    rinit.add_argument("-o", "--output", default="review.yaml", help="the review file (default: review.yaml)")

    cap = sub.add_parser("capture", help="record a runtime trace: spawn the app under Frida with privaudit's agent "
                         "(rooted device with frida-server; pip install 'privaudit[capture]')")
    cap.add_argument("--device", required=True, metavar="SERIAL", help="the device's adb serial (adb devices)")
    cap.add_argument("--package", required=True, help="the app's package name")
    cap.add_argument("-o", "--output", metavar="FILE",
                     help="trace to write, privaudit-trace JSONL (default: PACKAGE-YYYYmmdd-HHMMSS.jsonl)")
    cap.add_argument("--duration", type=float, metavar="S", help="stop after S seconds (default: Ctrl-C)")
    cap.add_argument("--fresh", action="store_true", help="clear the app's data first (pm clear): a first launch")
    cap.add_argument("--consent-key", action="store_true",
                     help="mark the consent moment when Enter is pressed (besides taps the agent recognises)")
    cap.add_argument("--mitm", type=int, metavar="PORT", help="also run mitmdump on PORT (needs --har)")
    cap.add_argument("--har", metavar="FILE", help="where mitmdump writes the HAR")
    bat = sub.add_parser("batch", help="audit many apps, each in its own process, into a resumable results store "
                         "(see docs/batch.md)")
    bat.add_argument("source", help="a folder (every .apk/.apks/.xapk/.aab under it), a list file (one path a "
                     "line) or a manifest (.csv or .jsonl: apk,policy,trace,network,ui,app_type)")
    bat.add_argument("--db", default="privaudit-results.sqlite", metavar="PATH|URL",
                     help="the results store: a SQLite file (default: privaudit-results.sqlite) or a database "
                     "URL such as postgresql://user:pass@host/db")
    bat.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                     help="apps audited at once (default: the number of CPUs)")
    bat.add_argument("--timeout", type=float, default=300.0, metavar="S",
                     help="seconds per app before its worker is killed (default: 300)")
    bat.add_argument("--max-memory", type=int, default=4096, metavar="MB",
                     help="address space an audit may add to its worker, in MB (default: 4096; 0: no limit)")
    bat.add_argument("--skip-failed", action="store_true",
                     help="on a rerun, also skip apps that failed before with the same inputs (default: try them "
                     "again)")
    bat.add_argument("--executor", choices=("pool", "dask"), default="pool",
                     help="where the apps are audited: pool (worker processes on this machine, default) or dask "
                     "(a Dask cluster; needs pip install 'privaudit[dask]'; see docs/scale.md)")
    bat.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                     help="with --executor dask: the running Dask scheduler to use (default: start a local cluster "
                     "of --workers processes)")
    bat.add_argument("--format", choices=("summary", "json"), default="summary",
                     help="what to print at the end (default: summary)")
    bat.add_argument("-o", "--output", help="write the summary here (default: standard output)")
    from privaudit.serve import cli as serve_cli
    from privaudit.store import query_cli

    for name, module in (("query", query_cli), ("serve", serve_cli)):
        if command == name:
            module.add_parser(sub)
        else:
            sub.add_parser(name, help=module.HELP)
    return p


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = _parser(next((w for w in words if not w.startswith("-")), None)).parse_args(argv)
    try:
        if args.version:
            from privaudit import __version__

            print(f"privaudit {__version__}")
            return EXIT_OK
        if args.command in ("scan", "policy"):
            return _scan(args)
        if args.command == "rules":
            from privaudit.report.catalogue import render_rules

            _emit(render_rules(args.lang, args.format), None)
            return EXIT_OK
        if args.command == "capture":
            return _capture(args)
        if args.command == "batch":
            return _batch(args)
        if args.command == "query":
            from privaudit.store import query_cli

            return query_cli.run(args)
        if args.command == "serve":
            from privaudit.serve import cli as serve_cli

            return serve_cli.run(args)
        if args.command == "diff":
            return _diff(args)
        if args.command == "review" and args.review_command == "init":
            from privaudit.review import init_review

            _emit(init_review(args.report), args.output)
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
    from privaudit.report import BINARY, render, render_bytes

    if args.command == "policy":
        inputs = AuditInputs(policy=args.policy)
    else:
        inputs = AuditInputs(apk=args.app, policy=args.policy, traces=args.trace, network=args.network, ui=args.ui,
                             profile=args.profile, first_party=args.first_party, consent_time=args.consent_time,
                             package=args.package, app_type=args.app_type, only=args.only,
                             requests=args.requests, review=args.review)
    report = audit(inputs)
    if args.format in BINARY:
        _emit(render_bytes(report, args.format, args.lang), args.output)
    else:
        _emit(render(report, args.format, args.lang), args.output)
    if args.fail_on:
        hit = FAIL_ORDER[args.fail_on]
        if any(f.verdict.value in hit for f in report.findings):
            return EXIT_FINDINGS
    return EXIT_OK


def _diff(args: argparse.Namespace) -> int:
    from privaudit.report.compare import compare, load_report, render_diff

    result = compare(load_report(args.old), load_report(args.new))
    _emit(render_diff(result, args.format, args.lang), args.output)
    return EXIT_FINDINGS if args.fail_on_worse and result.worse else EXIT_OK


def _batch(args: argparse.Namespace) -> int:
    import math

    from privaudit.batch import BatchOptions, collect_jobs, run_batch
    from privaudit.batch.runner import render_summary

    if args.workers < 1 or not (args.timeout > 0 and math.isfinite(args.timeout)) or args.max_memory < 0:
        raise InputError("--workers must be at least 1, --timeout a number of seconds above 0 and --max-memory at "
                         "least 0")
    if args.scheduler and args.executor != "dask":
        raise InputError("--scheduler needs --executor dask")
    if not args.db.strip():
        raise InputError("--db is empty: give a SQLite file or a database URL")
    _check_output(args.output)  # before the batch, not after an hour of it
    jobs = collect_jobs(args.source)
    result = run_batch(jobs, BatchOptions(db=args.db, workers=args.workers, timeout=args.timeout,
                                          max_memory=args.max_memory or None, progress=sys.stderr,
                                          executor=args.executor, scheduler=args.scheduler,
                                          skip_failed=args.skip_failed))
    _emit(render_summary(result, args.format), args.output)
    return EXIT_OK


def _capture(args: argparse.Namespace) -> int:
    import time

    from privaudit.capture import CaptureOptions, capture

    output = args.output or f"{args.package}-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    result = capture(CaptureOptions(device=args.device, package=args.package, output=output, duration=args.duration,
                                    fresh=args.fresh, consent_key=args.consent_key, mitm_port=args.mitm,
                                    har=args.har))
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    consent_at = "none" if result.consent_time is None else f"t={result.consent_time:.3f}"
    print(f"privaudit capture: wrote {result.events} events to {result.output} ({counts}); consent: {consent_at}",
          file=sys.stderr)
    return EXIT_OK


def _check_output(path: str | None) -> None:
    """Refuse an -o that cannot be written, before doing the work."""
    if path is None or path == "-":
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError("output directory does not exist", path)
    if not os.access(directory, os.W_OK):
        raise InputError("output directory is not writable", path)


def _emit(text: str | bytes, path: str | None) -> None:
    """Write to standard output, or atomically to ``path`` (never a half-written file).

    Text gets a final newline; bytes (binary formats such as xlsx) are written as they are.
    """
    binary = isinstance(text, bytes)
    if not binary and not text.endswith("\n"):
        text += "\n"
    if path is None or path == "-":
        if binary:
            sys.stdout.flush()
            sys.stdout.buffer.write(text)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(text)
        return
    from privaudit.output import replacing

    with replacing(path) as tmp, open(tmp, "wb") if binary else open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
