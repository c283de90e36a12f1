"""Batch throughput: apps per minute with the process pool (1 and 2 workers) and on a local Dask cluster (2 workers),
and the per-app time and peak-RSS distributions by APK size, projected to a million apps.

Each configuration runs ``privaudit batch`` as a user runs it (a CLI process, start-up included) on the same list
of APKs, into a fresh temporary store; the per-app numbers are read back from that store's ``runs`` table. The
Dask cluster is started before its timed run (its start-up is reported apart) and reached with ``--scheduler``.

Writes docs/benchmarks-batch.json and regenerates the sections between ``<!-- batch:begin -->`` and
``<!-- batch:end -->`` in docs/benchmarks.md and docs/scale.md. Every number in them comes from this run.

Usage: python benchmarks/batch_throughput.py [--apks DIR] [--limit N] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_APKS = REPO.parent / "shared" / "data" / "apks"
APP_SUFFIXES = (".apk", ".apks", ".xapk", ".aab")
MiB = 1024 * 1024
# APK size buckets (upper bounds in MiB); the last is open-ended.
BUCKETS = [("< 0.1 MiB", 0.1), ("0.1–1 MiB", 1), ("1–10 MiB", 10), ("10–50 MiB", 50), ("50–100 MiB", 100),
           ("≥ 100 MiB", math.inf)]
# The size mix the million-app projection assumes for real store apps (a share per bucket; stated in the docs).
# DroidBench apps are tiny; app-store apps in China mostly weigh tens of MiB. This is an assumption, not a measurement.
STORE_MIX = {"< 0.1 MiB": 0.0, "0.1–1 MiB": 0.02, "1–10 MiB": 0.18, "10–50 MiB": 0.45, "50–100 MiB": 0.25,
             "≥ 100 MiB": 0.10}
STORE_MIX_TYPICAL_MIB = {"< 0.1 MiB": 0.05, "0.1–1 MiB": 0.5, "1–10 MiB": 5, "10–50 MiB": 30, "50–100 MiB": 75,
                         "≥ 100 MiB": 150}
CORES = [2, 16, 64, 256, 1024]
MILLION = 1_000_000


def collect(root: Path, limit: int) -> list[Path]:
    apps = sorted(p for p in root.rglob("*") if p.is_file() and p.name.lower().endswith(APP_SUFFIXES))
    if limit and limit < len(apps):  # a smoke run: an even spread over the sizes, not the first N names
        by_size = sorted(apps, key=lambda p: p.stat().st_size)
        step = len(by_size) / limit
        apps = sorted({by_size[int(i * step)] for i in range(limit)})
    return apps


def batch(app_list: Path, db: Path, workers: int, executor: str, scheduler: str | None,
          cpus: set[int] | None = None) -> dict:
    """One ``privaudit batch`` CLI run (on ``cpus`` only, when given: parent and workers); wall time, summary."""
    cmd = [sys.executable, "-m", "privaudit", "batch", str(app_list), "--db", str(db), "--workers", str(workers),
           "--executor", executor, "--format", "json", "--timeout", "300"]
    if scheduler:
        cmd += ["--scheduler", scheduler]
    t = time.perf_counter()
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=False, preexec_fn=pin)
    wall = time.perf_counter() - t
    if out.returncode != 0:
        raise SystemExit(f"batch failed ({executor}, {workers} workers): {out.stderr.strip()[-500:]}")
    summary = json.loads(out.stdout)
    # apps/min over the batch's own time (hashing, workers, recording): the CLI's fixed start-up (~0.5 s of
    # imports) would otherwise weigh on a small sample and on nothing in a long batch.
    return {"wall_s": round(wall, 2), "batch_s": summary["seconds"], "total": summary["total"], "ok": summary["ok"],
            "errors": summary["errors"], "apps_per_min": round(summary["total"] / summary["seconds"] * 60, 1)}


def runs(db: Path) -> list[dict]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT source, status, seconds, peak_rss_mb, LENGTH(report) FROM runs").fetchall()
    return [{"source": s, "status": st, "seconds": sec, "rss_mb": rss, "report_bytes": rb or 0,
             "size_mib": os.path.getsize(s) / MiB} for s, st, sec, rss, rb in rows]


def verdicts(db: Path) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    with sqlite3.connect(db) as conn:
        for source, item, verdict in conn.execute("SELECT r.source, f.item, f.verdict FROM runs r JOIN findings f "
                                                  "ON f.run_id = r.id WHERE r.status = 'ok'"):
            out.setdefault(source, {})[item] = verdict
    return out


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def dist(values: list[float]) -> dict:
    return {"n": len(values), "p50": pct(values, 50), "p90": pct(values, 90), "p99": pct(values, 99),
            "max": max(values) if values else None, "mean": sum(values) / len(values) if values else None}


def bucket_of(size_mib: float) -> str:
    return next(name for name, upper in BUCKETS if size_mib < upper)


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least squares y = a + b·x (b clamped at 0: cost never falls with size)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    b = max(0.0, sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var) if var else 0.0
    return my - b * mx, b


def distributions(rows: list[dict]) -> dict:
    ok = [r for r in rows if r["status"] == "ok"]
    out = {"all": {"seconds": dist([r["seconds"] for r in ok]), "rss_mb": dist([r["rss_mb"] for r in ok]),
                   "size_mib": dist([r["size_mib"] for r in ok])}, "buckets": {}}
    for name, _ in BUCKETS:
        sel = [r for r in ok if bucket_of(r["size_mib"]) == name]
        if sel:
            out["buckets"][name] = {"seconds": dist([r["seconds"] for r in sel]),
                                    "rss_mb": dist([r["rss_mb"] for r in sel]),
                                    "size_mib": dist([r["size_mib"] for r in sel])}
    return out


def projection(rows: list[dict], pool1: dict, pool2: dict, store: dict) -> dict:
    """What a million apps cost, from the 1-worker run's per-app times and the 2-worker run's scaling."""
    ok = [r for r in rows if r["status"] == "ok"]
    sizes = [r["size_mib"] for r in ok]
    t_a, t_b = linear_fit(sizes, [r["seconds"] for r in ok])
    m_a, m_b = linear_fit(sizes, [r["rss_mb"] for r in ok])
    measured = distributions(rows)["buckets"]
    per_bucket = {}
    for name, _ in BUCKETS:
        typical = STORE_MIX_TYPICAL_MIB[name]
        if name in measured and measured[name]["seconds"]["n"] >= 5:
            b = measured[name]
            per_bucket[name] = {"source": "measured", "n": b["seconds"]["n"], "seconds": b["seconds"]["mean"],
                                "rss_p99_mb": b["rss_mb"]["p99"]}
        else:
            per_bucket[name] = {"source": f"extrapolated (linear in size, at {typical:g} MiB)", "n": 0,
                                "seconds": t_a + t_b * typical, "rss_p99_mb": m_a + m_b * typical}
    # The batch's time per app (parent hashing and recording, process start), at 1 worker, over the audit's own time.
    overhead = pool1["batch_s"] / pool1["total"] / (sum(r["seconds"] for r in ok) / len(ok))
    efficiency = min(1.0, pool2["apps_per_min"] / pool1["apps_per_min"] / 2)  # above 1: noise, not a free lunch
    sample_core_s = pool1["batch_s"] / pool1["total"]
    mix_core_s = sum(STORE_MIX[n] * per_bucket[n]["seconds"] for n in STORE_MIX) * overhead
    memory = max(per_bucket[n]["rss_p99_mb"] for n in STORE_MIX if STORE_MIX[n] > 0)

    def cost(core_s: float) -> dict:
        core_h = core_s * MILLION / 3600
        return {"core_seconds_per_app": round(core_s, 4), "core_hours": round(core_h, 1),
                "wall_hours": {str(n): round(core_h / (n * efficiency), 2) for n in CORES}}

    return {"fit_seconds": {"a": t_a, "b_per_mib": t_b}, "fit_rss_mb": {"a": m_a, "b_per_mib": m_b},
            "overhead_factor": round(overhead, 3), "scaling_efficiency": round(efficiency, 3),
            "per_bucket": per_bucket, "sample_mix": cost(sample_core_s), "store_mix": cost(mix_core_s),
            "memory_per_worker_mb": max(256, math.ceil(memory * 1.5 / 256) * 256),
            "store_gb": round(store["bytes_per_run"] * MILLION / 1e9, 2)}


def store_size(db: Path, n_runs: int) -> dict:
    size = sum(os.path.getsize(p) for p in (db, Path(str(db) + "-wal")) if p.exists())
    return {"file_bytes": size, "runs": n_runs, "bytes_per_run": round(size / max(1, n_runs))}


def _spin(n: int = 8_000_000) -> None:
    s = 0
    for i in range(n):
        s += i * i


def cpu_ceiling(workers: int) -> float:
    """The machine's own scaling for pure CPU work: the same loop in 1 process, then in ``workers`` at once.

    On a VM the vCPUs may share a physical core or be stolen by neighbours; the batch cannot scale past this.
    """
    import multiprocessing as mp

    def timed(k: int) -> float:
        t = time.perf_counter()
        procs = [mp.Process(target=_spin) for _ in range(k)]  # k processes on all CPUs; k=1 uses one
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        return time.perf_counter() - t

    one = timed(1)
    return workers * one / timed(workers)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apks", default=str(SHARED_APKS), help="folder of APKs (default: the shared data, all of it)")
    ap.add_argument("--limit", type=int, default=0, help="a smoke run on N apps spread over the sizes")
    ap.add_argument("--workers", type=int, default=2, help="workers for the parallel runs (default: 2)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each configuration, interleaved; the median run is reported (default: 3)")
    ap.add_argument("--json", default=str(REPO / "docs" / "benchmarks-batch.json"))
    ap.add_argument("--docs", default=str(REPO / "docs"))
    args = ap.parse_args()
    apps = collect(Path(args.apks), args.limit)
    if not apps:
        raise SystemExit(f"no apps under {args.apks}")
    n = args.workers
    with tempfile.TemporaryDirectory(prefix="privaudit-bench-batch-") as tmp:
        app_list = Path(tmp) / "apps.txt"
        app_list.write_text("".join(f"{p}\n" for p in apps), encoding="utf-8")
        configs: dict[str, dict] = {}
        dbs: dict[str, Path] = {}
        tries: dict[str, list[tuple[dict, Path]]] = {}
        ceilings: list[float] = []
        for k in range(max(1, args.repeat)):  # interleaved, so a burst of load elsewhere hits both configurations
            ceilings.append(cpu_ceiling(n))
            print(f"machine's own {n}-process scaling #{k + 1}: {ceilings[-1]:.2f}x", file=sys.stderr)
            for name, workers in (("pool-1", 1), (f"pool-{n}", n)):
                db = Path(tmp) / f"{name}-{k}.sqlite"
                # cores, not workers, are what scale: the 1-worker run is pinned to one CPU (its parent records
                # while its worker audits, so unpinned it would use two); the n-worker run gets n CPUs
                cpus = set(sorted(os.sched_getaffinity(0))[:workers])
                tries.setdefault(name, []).append((batch(app_list, db, workers, "pool", None, cpus), db))
                print(f"{name} #{k + 1}: {tries[name][-1][0]}", file=sys.stderr)
        for name, runs_ in tries.items():
            ordered = sorted(runs_, key=lambda r: r[0]["batch_s"])
            configs[name], dbs[name] = ordered[len(ordered) // 2]
            configs[name]["repeats_apps_per_min"] = [r[0]["apps_per_min"] for r in runs_]
        from distributed import LocalCluster

        t = time.perf_counter()
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               silence_logs=logging.ERROR)
        cluster_start = time.perf_counter() - t
        try:
            name = f"dask-{n}"
            dbs[name] = Path(tmp) / f"{name}.sqlite"
            configs[name] = batch(app_list, dbs[name], n, "dask", cluster.scheduler_address)
            configs[name]["cluster_start_s"] = round(cluster_start, 2)
            print(f"{name}: {configs[name]}", file=sys.stderr)
        finally:
            cluster.close()
        rows = {name: runs(db) for name, db in dbs.items()}
        for name in configs:
            configs[name]["per_app"] = distributions(rows[name])
        found = {name: verdicts(db) for name, db in dbs.items()}
        same = all(v == found["pool-1"] for v in found.values())
        store = store_size(dbs[f"pool-{n}"], len(rows[f"pool-{n}"]))
    pool1, pooln, daskn = configs["pool-1"], configs[f"pool-{n}"], configs[f"dask-{n}"]
    ratios = [b["apps_per_min"] / a["apps_per_min"]
              for (a, _), (b, _) in zip(tries["pool-1"], tries[f"pool-{n}"], strict=True)]
    sample_buckets = {b: sum(1 for p in apps if bucket_of(p.stat().st_size / MiB) == b) for b, _ in BUCKETS}
    result = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "sample": {"apps": len(apps), "limit": args.limit or None, "root": os.path.relpath(args.apks, REPO),
                   "size_buckets": sample_buckets},
        "configs": configs,
        "scaling_ratio": round(pooln["apps_per_min"] / pool1["apps_per_min"], 2),
        "scaling_ratios_per_repeat": [round(r, 2) for r in ratios],
        "machine_scaling_per_repeat": [round(c, 2) for c in ceilings],
        "machine_scaling": round(sorted(ceilings)[len(ceilings) // 2], 2),
        "dask_overhead_s_per_app": round((daskn["batch_s"] - pooln["batch_s"]) * n / len(apps), 3),
        "dask_extra_worker_s_per_app": round(daskn["per_app"]["all"]["seconds"]["mean"]
                                             - pooln["per_app"]["all"]["seconds"]["mean"], 3),
        "findings_identical": same,
        "store": store,
        "projection": projection(rows["pool-1"], pool1, pooln, store),
    }
    Path(args.json).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    docs = Path(args.docs)
    replace_section(docs / "benchmarks.md", benchmarks_section(result, n))
    replace_section(docs / "scale.md", scale_section(result, n))
    print(benchmarks_section(result, n))
    return 0


def replace_section(path: Path, body: str) -> None:
    begin, end = "<!-- batch:begin -->", "<!-- batch:end -->"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n{body.strip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def _f(x: float | None, digits: int = 2) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _sample_line(r: dict) -> str:
    s = r["sample"]
    mix = ", ".join(f"{k}: {v}" for k, v in s["size_buckets"].items() if v)
    limited = f" (a `--limit {s['limit']}` smoke run, spread over the sizes)" if s["limit"] else ""
    return (f"{s['apps']} apps from `{s['root']}`{limited} — by size: {mix}; "
            f"{r['machine']['cpus']} CPUs, Python {r['machine']['python']}")


def benchmarks_section(r: dict, n: int) -> str:
    c = r["configs"]
    pool1, pooln, daskn = c["pool-1"], c[f"pool-{n}"], c[f"dask-{n}"]
    ratio = r["scaling_ratio"]
    goal = 1.8 if n == 2 else 0.9 * n
    lines = [
        "## Batch throughput — `benchmarks/batch_throughput.py` → [benchmarks-batch.json](benchmarks-batch.json), "
        "[scale.md](scale.md)",
        "",
        _sample_line(r) + ". Each configuration is a `privaudit batch` CLI run into a fresh store; apps/min over "
        "the batch's own time (the summary's `seconds`: hashing, workers, recording), the CLI's start-up apart.",
        "",
        "| configuration | batch time (CLI wall) | apps/min | ok / errors | per-app time p50 / p90 / p99 / max "
        "| peak RSS p50 / max |",
        "|---|---|---|---|---|---|",
    ]
    for name, cfg in c.items():
        s, m = cfg["per_app"]["all"]["seconds"], cfg["per_app"]["all"]["rss_mb"]
        lines.append(f"| `{name}` | {cfg['batch_s']:.1f} s ({cfg['wall_s']:.1f} s) | **{cfg['apps_per_min']:,.0f}** "
                     f"| {cfg['ok']} / {cfg['errors']} | {_f(s['p50'])} / {_f(s['p90'])} / {_f(s['p99'])} / "
                     f"{_f(s['max'])} s | "
                     f"{_f(m['p50'], 0)} / {_f(m['max'], 0)} MiB |")
    met = "met" if ratio >= goal else "**not met**"
    lines += [
        "",
        "| measure | result | goal |",
        "|---|---|---|",
        f"| scaling, pool {n} workers on {n} CPUs over 1 worker pinned to 1 CPU "
        f"(median runs of {len(r['scaling_ratios_per_repeat'])}; each "
        f"repeat's ratio: {', '.join(f'{x:.2f}' for x in r['scaling_ratios_per_repeat'])}) | **{ratio:.2f}×** | "
        f"≥ {goal:g}× — {met} |",
        f"| the machine's own {n}-process scaling for pure CPU work, measured beside each repeat "
        f"({', '.join(f'{x:.2f}' for x in r['machine_scaling_per_repeat'])}) | {r['machine_scaling']:.2f}× "
        f"(the batch reached {ratio / r['machine_scaling'] * 100:.0f}% of it) | the ceiling |",
        f"| Dask over the pool, {n} workers | {daskn['apps_per_min']:,.0f} vs {pooln['apps_per_min']:,.0f} apps/min; "
        f"**{r['dask_overhead_s_per_app']:+.2f} s** worker time per app "
        f"(each app forked by a warm fork server on its worker, as the pool forks from its warm parent: "
        f"{r['dask_extra_worker_s_per_app']:+.2f} s in the per-app time); "
        f"cluster start {daskn.get('cluster_start_s', 0):.1f} s, once | |",
        f"| same verdicts in every configuration | {'yes' if r['findings_identical'] else '**no**'} | yes |",
        f"| store size | {r['store']['bytes_per_run'] / 1024:,.1f} KiB per run (SQLite file / runs) | |",
        "",
        f"Per-app time and memory are the worker's own (`runs.seconds`, `runs.peak_rss_mb`); the pool's 1-worker "
        f"run is {pool1['batch_s']:.1f} s. What this means for a million apps: [scale.md](scale.md).",
    ]
    return "\n".join(lines)


def scale_section(r: dict, n: int) -> str:
    p = r["projection"]
    pool1 = r["configs"]["pool-1"]
    by = pool1["per_app"]["buckets"]
    lines = [
        "## What a million apps cost",
        "",
        f"Measured on {_sample_line(r)} (`benchmarks/batch_throughput.py`; the full numbers are in "
        "[benchmarks-batch.json](benchmarks-batch.json)). Everything below is computed from that run.",
        "",
        "**Measured per-app cost by APK size** (the 1-worker pool run, so no app competes for a core):",
        "",
        "| APK size | apps audited (error rows and duplicates not counted) | time p50 / p90 / p99 / max "
        "| peak RSS p50 / p90 / p99 / max |",
        "|---|---|---|---|",
    ]
    for name, _ in BUCKETS:
        if name in by:
            s, m = by[name]["seconds"], by[name]["rss_mb"]
            lines.append(f"| {name} | {s['n']} | {_f(s['p50'])} / {_f(s['p90'])} / {_f(s['p99'])} / "
                         f"{_f(s['max'])} s | {_f(m['p50'], 0)} / {_f(m['p90'], 0)} / {_f(m['p99'], 0)} / "
                         f"{_f(m['max'], 0)} MiB |")
    a, b = p["fit_seconds"]["a"], p["fit_seconds"]["b_per_mib"]
    ma, mb = p["fit_rss_mb"]["a"], p["fit_rss_mb"]["b_per_mib"]
    lines += [
        "",
        f"A straight line through the sample: time ≈ {a:.3f} s + {b:.3f} s/MiB × size, peak RSS ≈ {ma:.0f} MiB + "
        f"{mb:.1f} MiB/MiB × size. The batch (parent hashing, process start, recording) costs "
        f"{p['overhead_factor']:.2f}× the audit's own time per app; two workers reached "
        f"{p['scaling_efficiency'] * 100:.0f}% of perfect scaling, used below for N cores. On Dask each app is "
        f"forked by a warm fork server on its worker (scheduling and result transfer added): "
        f"{r['dask_overhead_s_per_app']:+.2f} s of worker time per app against the pool, measured.",
        "",
        "**Caveat: real store apps are much larger than this sample.** DroidBench and the other shared APKs are test "
        "apps of kilobytes to a few MiB; app-store apps in China weigh tens of MiB, with more dex code, more SDKs "
        "and more evidence per report. Size classes the sample has no (or fewer than 5) apps in are **extrapolated** "
        "along the straight line above — an assumption that time and memory grow linearly with APK size, which the "
        "sample cannot confirm beyond its largest app "
        f"({_f(pool1['per_app']['all']['size_mib']['max'])} MiB). Re-run the benchmark on a sample of the apps you "
        "will audit (`--apks DIR`) before buying hardware.",
        "",
        "| APK size | assumed share of a store crawl | per-app time | peak RSS p99 | from |",
        "|---|---|---|---|---|",
    ]
    for name, _ in BUCKETS:
        pb = p["per_bucket"][name]
        src = f"measured ({pb['n']} apps)" if pb["source"] == "measured" else pb["source"]
        lines.append(f"| {name} | {STORE_MIX[name] * 100:.0f}% | {pb['seconds']:.2f} s | {pb['rss_p99_mb']:,.0f} MiB "
                     f"| {src} |")
    sm, st = p["sample_mix"], p["store_mix"]
    lines += [
        "",
        "| a million apps | core-hours | wall time on " + " / ".join(f"{c:,}" for c in CORES) + " cores |",
        "|---|---|---|",
        f"| with the sample's size mix | {sm['core_hours']:,.0f} | "
        + " / ".join(_hours(sm["wall_hours"][str(c)]) for c in CORES) + " |",
        f"| with the store mix assumed above | {st['core_hours']:,.0f} | "
        + " / ".join(_hours(st["wall_hours"][str(c)]) for c in CORES) + " |",
        "",
        f"- **Memory per worker to provision:** {p['memory_per_worker_mb']:,} MiB — the largest p99 peak RSS of the "
        "size classes in the store mix, plus half again; set `--max-memory` to it so an outlier becomes an error "
        "row instead of swapping the machine. A worker holds one app at a time.",
        f"- **Store:** {r['store']['bytes_per_run'] / 1024:,.1f} KiB per run measured (SQLite file size / runs, "
        f"report JSON, findings and evidence rows included), so about **{p['store_gb']:,.1f} GB** for a million "
        "runs of apps like the sample; bigger apps carry more evidence per report, so count on more. For a million "
        "apps use PostgreSQL (`--db postgresql://…`): no single-file limits, and several batches can write it.",
        "- Wall time assumes the cores stay as busy as the two-worker run kept them; across machines the one parent "
        "(hashing, recording) is shared by every worker and becomes the limit first: watch its CPU.",
    ]
    return "\n".join(lines)


def _hours(h: float) -> str:
    if h >= 48:
        return f"{h / 24:,.1f} d"
    if h >= 1:
        return f"{h:,.1f} h"
    return f"{h * 60:,.0f} min"


if __name__ == "__main__":
    sys.exit(main())
