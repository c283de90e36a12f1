"""PI matching throughput and memory of ``read_har`` on large synthetic HAR files.

Generates HARs of the given sizes in a temporary folder (JSON event batches, form posts like the
Facebook SDK's, GETs with query strings, a few large crash reports and gzip bodies; about 6 % of
entries carry a profile value in one of the encodings), then reads each one in a fresh,
single-threaded process, with a full device profile and the value-free detectors on, and reports:

* end-to-end MB/s of ``read_har`` (file bytes / CPU time, and / wall time) and the peak RSS of
  that process (best of ``--repeat`` runs by CPU time: the machine may be shared),
* the same with parsing only (ijson, no scan) to show where the time goes,
* scan-only MB/s per matcher backend on the request bodies held in memory,
* recall on the planted values (every planted entry must have a hit of the planted type).

    .venv/bin/python benchmarks/network_pi.py                 # 100 MB and 300 MB files
    .venv/bin/python benchmarks/network_pi.py --sizes 50      # quicker
"""

from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROFILE = {
    "imei": "490154203237518", "imsi": "460001234567890", "android_id": "7d5a6fd0d53a566b",
    "oaid": "2f1e3c4d-aa55-4b6c-9d8e-0123456789ab", "gaid": "1209d0b9-b959-42e6-b921-aa5d9d08c1af",
    "mac": "a4:5e:60:c2:1f:9b", "serial": "R58M1234ABC", "phone_number": "+8613800138000",
    "location": {"lat": 39.9042, "lon": 116.4074},
    "installed_packages": ["com.tencent.mm", "com.eg.android.AlipayGphone", "com.taobao.taobao", "com.sina.weibo",
                           "com.ss.android.ugc.aweme", "com.jingdong.app.mall"],
}
HOSTS = ["graph.facebook.com", "api2.branch.io", "sessions.bugsnag.com", "ulogs.umeng.com", "api.sample-app.cn",
         "cdn.sample-app.cn", "sdk.e.qq.com", "log.tbs.qq.com", "a.other-tracker.net"]
WORDS = ("screen open close click view item cart pay search home detail share login banner feed video play "
         "pause seek error network wifi cellular foreground background").split()
PLANTS = ["raw_json", "md5", "sha256_upper", "base64_json", "mac_urlencoded", "mac_nocolon", "location",
          "installed", "detector_imei", "android_id_upper", "oaid_form"]
PLANT_TYPE = {"raw_json": "imei", "md5": "imei", "sha256_upper": "android_id", "base64_json": "imei",
              "mac_urlencoded": "mac_address", "mac_nocolon": "mac_address", "location": "precise_location",
              "installed": "installed_apps", "detector_imei": "imei", "android_id_upper": "android_id",
              "oaid_form": "advertising_id"}


# --------------------------------------------------------------------------------------------
# Generating
# --------------------------------------------------------------------------------------------


def _event(rng: random.Random, i: int) -> dict:
    return {"event": rng.choice(WORDS), "ts": 1712307431146 + i, "seq": i,
            "sid": hashlib.md5(str(rng.random()).encode()).hexdigest(),
            "props": {rng.choice(WORDS): rng.choice(WORDS) for _ in range(rng.randint(2, 6))} |
            {"x": round(rng.uniform(-500, 500), 4), "dur": rng.randint(1, 99999)}}


def _plant(kind: str, rng: random.Random) -> dict:
    p = PROFILE
    if kind == "raw_json":
        return {"dev": {"imei": p["imei"]}}
    if kind == "md5":
        return {"did_md5": hashlib.md5(p["imei"].encode()).hexdigest()}
    if kind == "sha256_upper":
        return {"aid_h": hashlib.sha256(p["android_id"].encode()).hexdigest().upper()}
    if kind == "base64_json":
        blob = json.dumps({"os": "android", "m": rng.randint(0, 9), "imei": p["imei"], "t": rng.random()})
        return {"ext": base64.b64encode(blob.encode()).decode()}
    if kind == "mac_urlencoded":
        return {"u": "https://x.example/?m=" + quote(p["mac"], safe="")}
    if kind == "mac_nocolon":
        return {"wm": p["mac"].replace(":", "").upper()}
    if kind == "location":
        return {"geo": {"lat": p["location"]["lat"] + 0.0003, "lng": p["location"]["lon"] - 0.0002}}
    if kind == "installed":
        return {"apps": rng.sample(p["installed_packages"], 4) + ["com.example.other"]}
    if kind == "detector_imei":
        return {"imei2": "356938035643809"}
    if kind == "android_id_upper":
        return {"aid": p["android_id"].upper()}
    return {}


def _entry(rng: random.Random, i: int, plant: str | None) -> dict:
    host = rng.choice(HOSTS)
    headers = [{"name": "User-Agent", "value": "Dalvik/2.1.0 (Linux; U; Android 13; Pixel 6 Build/TQ3A.230805.001)"},
               {"name": "Accept-Encoding", "value": "gzip"}, {"name": "Connection", "value": "Keep-Alive"},
               {"name": "Host", "value": host}, {"name": "X-Request-Id", "value": hashlib.sha1(b"%d" % i).hexdigest()}]
    r = rng.random()
    url = f"https://{host}/v{rng.randint(1, 3)}/{rng.choice(WORDS)}"
    post = None
    extra = _plant(plant, rng) if plant else {}
    if plant == "oaid_form" or (plant is None and r < 0.25):
        fields = {"format": "json", "sdk": "android", "event": "CUSTOM_APP_EVENTS",
                  "custom_events": json.dumps([_event(rng, k) for k in range(rng.randint(1, 8))]),
                  "anon_id": "XZ" + hashlib.md5(b"%d" % i).hexdigest()}
        if plant == "oaid_form":
            fields["oaid"] = PROFILE["oaid"]
        post = {"mimeType": "application/x-www-form-urlencoded", "text": urlencode(fields)}
        headers.append({"name": "Content-Type", "value": "application/x-www-form-urlencoded"})
    elif plant is None and r < 0.40:
        url += "?" + urlencode({"k": rng.choice(WORDS), "ts": 1712307431 + i, "n": rng.randint(0, 10**6)})
    else:
        big = plant is None and rng.random() < 0.04
        n = rng.randint(300, 1200) if big else int(rng.lognormvariate(2.2, 0.9)) + 1
        body = {"app": "com.sample.app", "events": [_event(rng, k) for k in range(min(n, 1500))]} | extra
        text = json.dumps(body, separators=(",", ":"))
        headers.append({"name": "Content-Type", "value": "application/json"})
        if plant is None and rng.random() < 0.02:  # a body the capture tool kept compressed
            post = {"mimeType": "application/json", "encoding": "base64",
                    "text": base64.b64encode(gzip.compress(text.encode(), 1)).decode()}
            headers.append({"name": "Content-Encoding", "value": "gzip"})
        else:
            post = {"mimeType": "application/json", "text": text}
    req = {"method": "POST" if post else "GET", "url": url, "httpVersion": "HTTP/1.1", "headers": headers,
           "cookies": [], "queryString": [], "headersSize": -1, "bodySize": len(post["text"]) if post else 0}
    if post:
        req["postData"] = post
    started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1712307431 + i // 10)) + f".{i % 1000:03d}Z"
    return {"startedDateTime": started, "time": rng.randint(5, 900), "request": req,
            "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                         "cookies": [], "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                         "redirectURL": "", "headersSize": -1, "bodySize": 2},
            "cache": {}, "timings": {"send": 0, "wait": 40, "receive": 1}}


def generate(path: Path, size_mb: int, seed: int = 191) -> dict:
    rng = random.Random(seed)
    planted: dict[int, str] = {}
    target = size_mb * 1_000_000
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"log":{"version":"1.2","creator":{"name":"privaudit benchmark","version":"1"},"entries":[\n')
        i = 0
        while f.tell() < target:
            plant = PLANTS[i // 17 % len(PLANTS)] if i % 17 == 5 else None
            if plant:
                planted[i] = plant
            f.write(("," if i else "") + json.dumps(_entry(rng, i, plant), separators=(",", ":")) + "\n")
            i += 1
        f.write("]}}\n")
    return {"entries": i, "planted": planted, "bytes": path.stat().st_size}


# --------------------------------------------------------------------------------------------
# Measuring (each in a fresh, single-threaded process)
# --------------------------------------------------------------------------------------------


def worker(mode: str, path: str, backend: str | None) -> None:
    from privaudit.evidence.network.har import read_har
    from privaudit.evidence.network.pi_match import PiMatcher
    from privaudit.evidence.network.profile import profile_from_dict

    matcher = PiMatcher(profile_from_dict(PROFILE), backend=backend)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out: dict = {"backend": matcher.backend.name, "patterns": matcher.pattern_count}
    t, cpu = time.perf_counter(), time.process_time()
    if mode == "parse":
        import ijson

        with open(path, "rb") as f:
            out["entries"] = sum(1 for _ in ijson.items(f, "log.entries.item", use_float=True, buf_size=256 * 1024))
    elif mode == "read":
        cap = read_har(path, matcher)
        out["entries"] = len(cap.flows)
        out["hits"] = {c.id: sorted({h.pi_type for h in c.hits}) for c in cap.flows if c.hits}
        out["notes"] = cap.notes[:5]
    elif mode == "iter":  # the same work, flows not kept: memory independent of the file
        from privaudit.evidence.network.har import iter_har

        notes: list[str] = []
        out["entries"] = sum(1 for _ in iter_har(path, matcher, notes))
    elif mode == "scan":
        import ijson

        bodies = []
        with open(path, "rb") as f:
            for e in ijson.items(f, "log.entries.item", use_float=True, buf_size=256 * 1024):
                pd = e["request"].get("postData")
                if pd and "encoding" not in pd:
                    bodies.append(pd["text"].encode())
                if sum(map(len, bodies)) > 200_000_000:
                    break
        size = sum(map(len, bodies))
        t, cpu = time.perf_counter(), time.process_time()
        n = sum(len(matcher.scan(b, "body")) for b in bodies)
        out["bytes"] = size
        out["hits_total"] = n
    out["seconds"] = time.perf_counter() - t
    out["cpu_seconds"] = time.process_time() - cpu
    out["rss_before_kib"] = rss_before
    out["peak_rss_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps(out))


def run(mode: str, path: Path, backend: str | None = None, repeat: int = 1) -> dict:
    """The fastest of ``repeat`` runs by CPU time (the machine may be shared), with the largest peak RSS."""
    cmd = [sys.executable, __file__, "--worker", mode, str(path)] + (["--backend", backend] if backend else [])
    runs = []
    for _ in range(repeat):
        res = subprocess.run(cmd, check=True, capture_output=True, text=True)
        runs.append(json.loads(res.stdout.strip().splitlines()[-1]))
    best = min(runs, key=lambda r: r["cpu_seconds"])
    best["peak_rss_kib"] = max(r["peak_rss_kib"] for r in runs)
    return best


def rate(mb: float, r: dict) -> str:
    return f"{mb / r['cpu_seconds']:6.1f} MB/s CPU, {mb / r['seconds']:6.1f} MB/s wall"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import ijson

    return (f"{cpu}, {os.cpu_count()} cores visible (one thread used), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, ijson backend {ijson.backend}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,300", help="HAR sizes in MB, comma-separated")
    ap.add_argument("--regex-mb", type=int, default=20, help="size of the file for the slow regex backend")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest by CPU time counts")
    ap.add_argument("--worker", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    ap.add_argument("--backend", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], args.backend)
        return
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="privaudit-bench-") as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            path = Path(tmp) / f"synthetic-{size}mb.har"
            t = time.perf_counter()
            meta = generate(path, size)
            mb = meta["bytes"] / 1e6
            print(f"\n== {mb:.0f} MB HAR, {meta['entries']} entries, {len(meta['planted'])} planted "
                  f"(generated in {time.perf_counter() - t:.0f} s)")
            parse = run("parse", path, repeat=args.repeat)
            print(f"parse only (ijson)      : {rate(mb, parse)}  peak RSS {parse['peak_rss_kib'] / 1024:.0f} MiB")
            read = run("read", path, repeat=args.repeat)
            found = read["hits"]
            missed = [i for i, kind in meta["planted"].items() if PLANT_TYPE[kind] not in found.get(f"har:{i}", [])]
            print(f"read_har (full)         : {rate(mb, read)}  peak RSS {read['peak_rss_kib'] / 1024:.0f} MiB"
                  f" (after imports {read['rss_before_kib'] / 1024:.0f} MiB)  backend {read['backend']}, "
                  f"{read['patterns']} patterns")
            it = run("iter", path, repeat=1)
            print(f"iter_har (flows dropped): {rate(mb, it)}  peak RSS {it['peak_rss_kib'] / 1024:.0f} MiB")
            print(f"planted recall          : {len(meta['planted']) - len(missed)}/{len(meta['planted'])}"
                  + (f"  missed e.g. {[(i, meta['planted'][i]) for i in missed[:5]]}" if missed else ""))
            print(f"flows with hits         : {len(found)} (planted: {len(meta['planted'])})")
            for backend in ("ahocorasick_rs", "pyahocorasick"):
                sc = run("scan", path, backend, repeat=args.repeat)
                print(f"scan only {backend:14}: {rate(sc['bytes'] / 1e6, sc)} on {sc['bytes'] / 1e6:.0f} MB of "
                      f"bodies ({sc['hits_total']} hits)")
        small = Path(tmp) / f"synthetic-{args.regex_mb}mb.har"
        generate(small, args.regex_mb)
        mb = small.stat().st_size / 1e6
        for backend in ("ahocorasick_rs", "pyahocorasick", "regex"):
            sc = run("scan", small, backend)
            rd = run("read", small, backend)
            print(f"{mb:.0f} MB file, {backend:14}: scan {sc['bytes'] / 1e6 / sc['cpu_seconds']:6.1f} MB/s CPU, "
                  f"read_har {mb / rd['cpu_seconds']:6.1f} MB/s CPU")


if __name__ == "__main__":
    main()
