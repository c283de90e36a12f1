"""Results store at corpus size: how long the corpus questions take (``privaudit query`` and the web dashboard)
as the store grows, on SQLite and (with --pg URL) PostgreSQL.

The store is filled through ``Store.record`` — the batch's own write path — with real reports: the fixture apps
and the demo app audited once, then recorded again and again as distinct apps (new SHA-256 and package each,
verdicts rotated so the rates are not all alike). Each query is timed at every checkpoint (median of 3).

Writes docs/benchmarks-store.json and the section between ``<!-- store:begin -->``/``<!-- store:end -->`` in
docs/scale.md.

Usage: python benchmarks/store_scale.py [--runs 20000] [--checkpoints 1000,5000,20000] [--pg postgresql://…]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from privaudit.audit import AuditInputs, audit  # noqa: E402
from privaudit.store import Store  # noqa: E402
from privaudit.store import queries as q  # noqa: E402

VERDICTS = ("violation", "risk", "pass", "undetermined")
QUERIES = {
    "summary": lambda s: q.corpus_summary(s),
    "rates by item": lambda s: q.rates_by_item(s),
    "rates by category": lambda s: q.rates_by_category(s),
    "rates by SDK": lambda s: q.rates_by_sdk(s),
    "apps with SDK (极光)": lambda s: q.apps_with_sdk(s, "极光"),
    "apps violating 3.1": lambda s: q.apps_violating(s, "3.1"),
    "top SDKs": lambda s: q.top_sdks(s, 20),
    "apps by risk (50)": lambda s: q.apps_by_risk(s, 50),
}


def base_reports() -> list[dict]:
    apps = sorted((REPO / "tests" / "fixtures" / "apk").glob("*.apk")) + [REPO / "examples/demo-app/demo.apk"]
    return [audit(AuditInputs(apk=str(p))).to_dict() for p in apps]


def variant(base: dict, i: int) -> dict:
    r = copy.deepcopy(base)
    r["app"]["sha256"] = f"{i:064x}"
    r["app"]["package"] = f"bench.app{i // 2}"  # two versions per app
    r["app"]["version_name"] = f"1.{i % 2}"
    for k, f in enumerate(r["findings"]):
        if f["verdict"] in VERDICTS and (i + k) % 7 == 0:
            f["verdict"] = VERDICTS[(i + k) % len(VERDICTS)]
    return r


def timed(fn, store) -> float:
    times = []
    for _ in range(3):
        t = time.perf_counter()
        fn(store)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fill_and_measure(target: str, runs: int, checkpoints: list[int], bases: list[dict]) -> dict:
    store = Store(target)
    out: dict = {"checkpoints": []}
    write_s = 0.0
    done = 0
    for cp in checkpoints:
        t = time.perf_counter()
        while done < cp:
            r = variant(bases[done % len(bases)], done)
            store.record(sha256=r["app"]["sha256"], source=f"app{done}.apk", inputs_key="k", tool_version="bench",
                         seconds=0.02, report=r)
            done += 1
        write_s += time.perf_counter() - t
        row = {"runs": cp, "record_ms_mean": round(write_s / done * 1000, 2),
               "queries_ms": {name: round(timed(fn, store) * 1000, 1) for name, fn in QUERIES.items()}}
        if target.startswith("/"):
            row["file_mib"] = round(os.path.getsize(target) / (1 << 20), 1)
        out["checkpoints"].append(row)
        print(target.split("@")[-1][:40], row, file=sys.stderr)
    store.close()
    return out


def section(result: dict) -> str:
    lines = ["## The store at corpus size — `benchmarks/store_scale.py` → "
             "[benchmarks-store.json](benchmarks-store.json)",
             "",
             "Real reports (the fixture apps and the demo app) recorded again and again through `Store.record` as "
             "distinct app versions (two per app), verdicts rotated; each corpus question timed at each size "
             "(median of 3), on this 2-vCPU machine.", ""]
    for backend, data in result["backends"].items():
        cps = data["checkpoints"]
        lines.append(f"**{backend}** — write: {cps[-1]['record_ms_mean']} ms per run (mean)"
                     + (f"; file {cps[-1]['file_mib']} MiB at {cps[-1]['runs']:,} runs" if "file_mib" in cps[-1]
                        else ""))
        lines.append("")
        lines.append("| question | " + " | ".join(f"{c['runs']:,} runs" for c in cps) + " |")
        lines.append("|---|" + "---|" * len(cps))
        for name in QUERIES:
            lines.append(f"| {name} | " + " | ".join(f"{c['queries_ms'][name]:,.0f} ms" for c in cps) + " |")
        lines.append("")
    lines.append("The dashboard (`/`, `/api/stats`) asks the summary, both rate tables, top SDKs and apps by risk at "
                 "once. Beyond the largest size measured, time grows with the number of latest runs scanned; "
                 "re-run with `--runs` to measure the size you plan for.")
    return "\n".join(lines)


def replace_section(path: Path, text: str) -> None:
    doc = path.read_text(encoding="utf-8")
    begin, end = "<!-- store:begin -->", "<!-- store:end -->"
    block = f"{begin}\n{text}\n{end}"
    doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):] if begin in doc else doc.rstrip() + \
        "\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20_000)
    ap.add_argument("--checkpoints", default="")
    ap.add_argument("--pg", help="also on PostgreSQL: a URL of an empty database")
    ap.add_argument("--json", default=str(REPO / "docs" / "benchmarks-store.json"))
    ap.add_argument("--docs", default=str(REPO / "docs" / "scale.md"))
    args = ap.parse_args()
    cps = sorted({int(x) for x in args.checkpoints.split(",") if x} | {args.runs}) if args.checkpoints else \
        sorted({max(1, args.runs // 20), args.runs // 4, args.runs})
    bases = base_reports()
    result = {"runs": args.runs, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="privaudit-bench-store-") as tmp:
        result["backends"]["SQLite"] = fill_and_measure(str(Path(tmp) / "s.sqlite"), args.runs, cps, bases)
    if args.pg:
        result["backends"]["PostgreSQL"] = fill_and_measure(args.pg, args.runs, cps, bases)
    Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    replace_section(Path(args.docs), section(result))
    print(section(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
