"""Static scan speed and memory: privaudit vs androguard 4.x AnalyzeAPK vs the inflate floor.

Each tool runs as a whole process, the way a user runs it (start-up and imports count), on
the same APKs in the same run. For each APK the benchmark also checks that privaudit and
androguard find the same set of referenced PI-reading APIs.

Usage: python benchmarks/static_scan.py [--apks DIR] [--limit N] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED_APKS = REPO.parent / "shared" / "data" / "apks"
FLOOR = """
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
n = sum(len(z.read(i)) for i in z.namelist() if i.startswith("classes") and i.endswith(".dex"))
"""


def run(cmd: list[str], timeout: float = 600) -> tuple[float, int, int]:
    """(wall seconds, peak RSS KiB, exit code) of one child process, run from the measured tree."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tempfile.gettempdir())
    try:
        _, status, usage = os.wait4(p.pid, 0)
    except KeyboardInterrupt:
        p.kill()
        raise
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss, p.returncode


def ours_apis(report_path: str) -> set[str]:
    with open(report_path, encoding="utf-8") as fh:
        data = json.load(fh)
    return {u["api_id"] for u in data["facts"].get("api_uses", []) if not u["reflective"]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--apks", default=str(SHARED_APKS))
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--out", default=str(REPO / "docs" / "benchmarks-static.md"))
    ap.add_argument("--code", default=str(REPO), help="privaudit source tree to measure (e.g. a worktree of a commit)")
    args = ap.parse_args()
    apks = sorted(Path(args.apks).rglob("*.apk"))
    if args.limit:
        apks = apks[: args.limit]
    if not apks:
        print(f"no APKs under {args.apks}", file=sys.stderr)
        return 2
    py = sys.executable
    code = Path(args.code).resolve()
    # privaudit as a user installs it: a regular (non-editable) install of that tree in its own venv.
    venv = Path(tempfile.mkdtemp(prefix="pa-venv-"))
    subprocess.run([py, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-deps", str(code)], check=True)
    privaudit = [str(venv / "bin" / "privaudit")]
    # Warm the byte-code caches once so neither tool pays compilation in the timed runs.
    subprocess.run([privaudit[0], "rules"], check=False, capture_output=True)
    subprocess.run([py, "-c", "import androguard.misc"], check=False, capture_output=True)
    rows = []
    tmp = tempfile.mkdtemp(prefix="pa-bench-")
    for apk in apks:
        ours_out, ag_out = f"{tmp}/ours.json", f"{tmp}/ag.json"
        for f in (ours_out, ag_out):
            if os.path.exists(f):
                os.unlink(f)
        o_wall, o_rss, o_rc = run(privaudit + ["scan", str(apk), "--format", "json", "-o", ours_out])
        a_wall, a_rss, a_rc = run([py, str(REPO / "benchmarks" / "androguard_ref.py"), str(apk), ag_out, str(code)])
        f_wall, f_rss, f_rc = run([py, "-c", FLOOR, str(apk)])
        agree = None
        if o_rc == 0 and a_rc == 0:
            mine = ours_apis(ours_out)
            with open(ag_out) as fh:
                theirs = set(json.load(fh))
            agree = mine == theirs
            diff = sorted(mine ^ theirs)
        else:
            diff = []
        rows.append({"apk": str(apk.relative_to(args.apks)), "size": apk.stat().st_size, "ours_s": o_wall,
                     "ours_kib": o_rss, "ours_rc": o_rc, "ag_s": a_wall, "ag_kib": a_rss, "ag_rc": a_rc,
                     "floor_s": f_wall, "floor_rc": f_rc, "agree": agree, "diff": diff})
        print(f"{rows[-1]['apk'][:60]:60} ours {o_wall:6.3f}s/{o_rss // 1024:4}MiB rc={o_rc}  "
              f"androguard {a_wall:6.2f}s/{a_rss // 1024:4}MiB rc={a_rc}  floor {f_wall:5.3f}s  agree={agree}",
              flush=True)
    write_markdown(rows, args.out)
    with open(Path(args.out).with_suffix(".json"), "w") as fh:
        json.dump(rows, fh, indent=1)
    return 0


def write_markdown(rows: list[dict], out: str) -> None:
    both = [r for r in rows if r["ours_rc"] == 0 and r["ag_rc"] == 0]
    speed = [r["ag_s"] / r["ours_s"] for r in both]
    mem = [r["ours_kib"] / r["ag_kib"] for r in both]
    floor = [r["ours_s"] / r["floor_s"] for r in rows if r["ours_rc"] == 0 and r["floor_rc"] == 0]
    agree = sum(1 for r in both if r["agree"])
    big = sorted(both, key=lambda r: -r["size"])[:8]
    lines = [
        "# Static scan: privaudit vs androguard",
        "",
        f"Run: {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, Python {sys.version.split()[0]}; "
        f"{len(rows)} APKs from `../shared/data/apks` (DroidBench 3.0, androguard test APKs, exodus-core apps).",
        "Each tool is a whole process as a user runs it: `privaudit scan APK --format json` (a regular install in its "
        "own venv) vs a script calling "
        "androguard 4.x `AnalyzeAPK` and listing the same catalogued APIs through its cross-references "
        "(`benchmarks/androguard_ref.py`); the floor is a Python process that only inflates the DEX entries.",
        "",
        f"- APKs both tools read: {len(both)}; privaudit failed on {sum(r['ours_rc'] != 0 for r in rows)} "
        f"(exit 2, a one-line error), androguard on {sum(r['ag_rc'] != 0 for r in rows)}.",
        f"- **Speed-up (androguard time / privaudit time): median {statistics.median(speed):.1f}×**, "
        f"min {min(speed):.1f}×, max {max(speed):.1f}×." if speed else "- no common APKs",
        f"- **Peak RSS (privaudit / androguard): median {statistics.median(mem):.2f}**, max {max(mem):.2f}."
        if mem else "",
        f"- **privaudit time / inflate floor: median {statistics.median(floor):.2f}×**, max {max(floor):.2f}×."
        if floor else "",
        f"- Same set of referenced sensitive APIs: {agree} of {len(both)} APKs.",
        "",
        "Largest APKs:",
        "",
        "| APK | size | privaudit | androguard | floor | RSS privaudit | RSS androguard | same APIs |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in big:
        lines.append(f"| {r['apk']} | {r['size'] / 1e6:.1f} MB | {r['ours_s']:.3f} s | {r['ag_s']:.2f} s | "
                     f"{r['floor_s']:.3f} s | {r['ours_kib'] / 1024:.0f} MiB | {r['ag_kib'] / 1024:.0f} MiB | "
                     f"{r['agree']} |")
    disagree = [r for r in both if not r["agree"]]
    if disagree:
        lines += ["", "APKs where the API sets differ:", ""]
        lines += [f"- {r['apk']}: {', '.join(r['diff'])}" for r in disagree]
    Path(out).write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
