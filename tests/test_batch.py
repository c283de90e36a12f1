"""privaudit batch: many apps, each in its own process; hostile ones become error rows, reruns resume."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import struct
import threading
import time
import zlib

import pytest
import sqlalchemy as sa
from conftest import REPO

from privaudit.audit import AuditInputs, audit
from privaudit.batch import BatchOptions, Job, collect_jobs, run_batch
from privaudit.cli import main
from privaudit.errors import InputError
from privaudit.store import Store

DEMO = REPO / "examples" / "demo-app" / "demo.apk"
FIXTURES = sorted((REPO / "tests" / "fixtures" / "apk").glob("*.apk"))


def _zip_bomb(path):
    """600 MiB of zeros declared in the manifest member (built as in tests/evidence/apk/test_zipread.py)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * (1 << 20)
    raw = b"".join(comp.compress(chunk) for _ in range(600)) + comp.flush()
    size = 600 << 20
    name = b"AndroidManifest.xml"  # the first member an audit reads
    lfh = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(raw), size, len(name), 0) + name
    cdh = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(raw), size,
                      len(name), 0, 0, 0, 0, 0, 0) + name
    body = lfh + raw
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(cdh), len(body), 0)
    path.write_bytes(body + cdh + eocd)
    return path


@pytest.fixture
def hostile_batch(tmp_path):
    """A manifest of the fixture apps, the demo app, and three that must fail.

    The one that overruns the time limit is the clean app given a named pipe (FIFO) as its policy:
    opening a FIFO with no writer blocks forever, as a policy on a stalled network mount would. No
    test-only hook in the worker: the parent's timeout is the only way out.
    """
    _zip_bomb(tmp_path / "bomb.apk")
    truncated = tmp_path / "truncated.apk"
    data = DEMO.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    fifo = tmp_path / "stalled-policy.html"
    os.mkfifo(fifo)
    rows = [{"apk": str(p)} for p in FIXTURES] + [{"apk": str(DEMO)}]
    rows += [{"apk": "bomb.apk"}, {"apk": "truncated.apk"},
             {"apk": str(FIXTURES[0]), "policy": "stalled-policy.html"}]
    manifest = tmp_path / "apps.jsonl"
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return manifest, len(FIXTURES) + 1


def _sql(target: str):
    """Run SQL against a results store (either backend): a function of (sql) -> rows."""
    store = Store(target)

    def q(sql: str) -> list:
        with store.engine.connect() as c:
            return c.execute(sa.text(sql)).all()

    return q


def test_hostile_apps_become_error_rows_and_rerun_resumes(hostile_batch, store_target):
    manifest, good = hostile_batch
    opts = BatchOptions(db=store_target, workers=4, timeout=3.0, max_memory=2048)
    first = run_batch(collect_jobs(str(manifest)), opts)
    assert (first.total, first.ok, first.errors, first.skipped) == (good + 3, good, 3, 0), first.error_rows

    q = _sql(store_target)
    rows = q("SELECT source, status, error FROM runs ORDER BY id")
    assert len(rows) == good + 3
    errors = {os.path.basename(apk): err for apk, status, err in rows if status == "error"}
    assert set(errors) == {"bomb.apk", "truncated.apk", FIXTURES[0].name}
    assert "zip bomb" in errors["bomb.apk"] or "limit" in errors["bomb.apk"]
    assert "truncated.apk" in errors["truncated.apk"]
    assert "timed out after 3 s" in errors[FIXTURES[0].name]
    assert all("\n" not in e for e in errors.values())
    assert q("SELECT COUNT(*) FROM versions")[0][0] == good
    assert q("SELECT COUNT(DISTINCT run_id) FROM findings")[0][0] == good
    assert q("SELECT COUNT(*) FROM findings")[0][0] == good * 31
    # evidence rows link back to their finding; per-app time and memory are kept for the scale figures
    assert q("SELECT COUNT(*) FROM evidence")[0][0] > 0
    assert q("SELECT COUNT(*) FROM runs WHERE status='ok' AND (seconds IS NULL OR peak_rss_mb IS NULL)")[0][0] == 0

    # A rerun skips the apps that finished and tries the three failures again.
    second = run_batch(collect_jobs(str(manifest)), opts)
    assert (second.ok, second.errors, second.skipped) == (0, 3, good)
    assert second.items == first.items
    assert q("SELECT COUNT(*) FROM runs WHERE status='ok'")[0][0] == good
    # --skip-failed: the three failures are not tried a third time (a timeout would cost its limit again)
    third = run_batch(collect_jobs(str(manifest)), BatchOptions(db=store_target, workers=4, timeout=3.0,
                                                                max_memory=2048, skip_failed=True))
    assert (third.ok, third.errors, third.skipped) == (0, 0, good + 3)


def test_batch_findings_match_scan(store_target, capsys):
    db = store_target
    assert main(["batch", str(DEMO), "--db", str(db), "--format", "json", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["total"], summary["ok"], summary["errors"]) == (1, 1, 0)
    report = audit(AuditInputs(apk=str(DEMO)))
    want = sorted((f.item, f.verdict.value, f.severity.value) for f in report.findings)
    q = _sql(db)
    got = sorted(tuple(r) for r in q("SELECT item, verdict, severity FROM findings"))
    assert got == want
    stored = Store(db).report(q("SELECT id FROM runs")[0][0])
    assert stored["app"]["sha256"] == report.app.sha256
    assert [f["verdict"] for f in stored["findings"]] == [f.verdict.value for f in report.findings]
    sdks = {r[0] for r in q("SELECT sdk_id FROM sdks")}
    assert sdks == {s["id"] for s in report.facts["sdks"]}
    risky = {f.item for f in report.findings if f.verdict.value == "risk"}
    assert {i for i, c in summary["items"].items() if c["risk"]} == risky
    # rerun via the CLI: skipped, summary text
    assert main(["batch", str(DEMO), "--db", str(db)]) == 0
    out = capsys.readouterr()
    assert "skipped: 1" in out.out and "1/1 done" in out.err


def test_inputs_folder_list_csv(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ("a.apk", "sub/b.xapk", "sub/c.aab", "d.apks", "notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    assert [os.path.relpath(j.apk, tmp_path) for j in collect_jobs(str(tmp_path))] == [
        "a.apk", "d.apks", "sub/b.xapk", "sub/c.aab"]
    lst = tmp_path / "apps.txt"
    lst.write_text("# apps\na.apk\n\n/abs/x.apk\n", encoding="utf-8")
    assert [j.apk for j in collect_jobs(str(lst))] == [str(tmp_path / "a.apk"), "/abs/x.apk"]
    csv_path = tmp_path / "m.csv"
    csv_path.write_text("apk,policy,trace,network,ui,app_type\na.apk,p.html,t1.jsonl;t2.jsonl,,,2\n",
                        encoding="utf-8")
    job = collect_jobs(str(csv_path))[0]
    assert job == Job(apk=str(tmp_path / "a.apk"), policy=str(tmp_path / "p.html"),
                      traces=[str(tmp_path / "t1.jsonl"), str(tmp_path / "t2.jsonl")], app_type="2")
    urls = tmp_path / "remote.jsonl"
    urls.write_text(json.dumps({"apk": "s3://bucket/apps/x.apk", "policy": "https://example.cn/privacy.html",
                                "trace": ["file:///runs/t.jsonl", "local.jsonl"]}) + "\n", encoding="utf-8")
    job = collect_jobs(str(urls))[0]  # URLs are kept as given (fetched by the worker), paths resolved
    assert (job.apk, job.policy, job.traces) == ("s3://bucket/apps/x.apk", "https://example.cn/privacy.html",
                                                 ["file:///runs/t.jsonl", str(tmp_path / "local.jsonl")])
    bad = tmp_path / "bad.csv"
    bad.write_text("path\nx.apk\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'apk' column"):
        collect_jobs(str(bad))


def test_missing_app_is_an_error_row_and_bad_usage_exits_2(tmp_path, capsys):
    lst = tmp_path / "apps.txt"
    lst.write_text(f"missing.apk\n{DEMO}\n", encoding="utf-8")
    db = tmp_path / "r.sqlite"
    assert main(["batch", str(lst), "--db", str(db), "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["ok"], summary["errors"]) == (1, 1)
    assert "missing.apk: cannot open" in summary["error_rows"][0]["error"]
    assert main(["batch", str(tmp_path / "nothing-here")]) == 2
    assert main(["batch", str(lst), "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "no such file or folder" in err


def big_dex_apk(path):
    """The demo app plus a stored 64 MiB ``classes2.dex``: the audit must hold it in memory to read it."""
    import shutil
    import zipfile

    shutil.copy(DEMO, path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr(zipfile.ZipInfo("classes2.dex"), b"dex\n035\0" + os.urandom(64 << 20),
                   compress_type=zipfile.ZIP_STORED)
    return path


def test_memory_limit_is_an_error_row(tmp_path):
    # The limit counts from what the forked worker already maps; 8 MB more cannot hold a 64 MiB DEX.
    big = str(big_dex_apk(tmp_path / "big.apk"))
    r = run_batch([Job(apk=big), Job(apk=str(DEMO))],
                  BatchOptions(db=str(tmp_path / "r.sqlite"), workers=1, max_memory=8))
    assert (r.ok, r.errors) == (1, 1)  # the small app fits in the same limit
    assert r.error_rows[0]["error"] == f"{big}: out of memory (limit 8 MB; ENOMEM)" or \
        r.error_rows[0]["error"].startswith(f"{big}: out of memory (limit 8 MB"), r.error_rows
    # without the limit the same app gets as far as its (corrupt) second DEX
    r = run_batch([Job(apk=big)], BatchOptions(db=str(tmp_path / "r2.sqlite"), workers=1, max_memory=None))
    assert "out of memory" not in r.error_rows[0]["error"]


def test_progress_in_place_on_a_tty_plain_otherwise(tmp_path):
    import io

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    jobs = [Job(apk=str(DEMO)), Job(apk=str(FIXTURES[0]))]
    tty = Tty()
    run_batch(jobs, BatchOptions(db=str(tmp_path / "a.sqlite"), workers=1, progress=tty))
    text = tty.getvalue()
    assert text.startswith("\r") and text.endswith("\n") and text.count("\n") == 1
    assert "2/2 done, 0 errors, 0 skipped" in text
    plain = io.StringIO()
    run_batch(jobs, BatchOptions(db=str(tmp_path / "b.sqlite"), workers=1, progress=plain, progress_every=3600))
    assert "\r" not in plain.getvalue()
    assert plain.getvalue().splitlines()[-1].startswith("privaudit batch: 2/2 done")


def _blocked_job(tmp_path):
    """The clean app with a FIFO as its policy: its worker blocks opening the policy until the test acts."""
    fifo = tmp_path / "policy.html"
    os.mkfifo(fifo)
    return Job(apk=str(FIXTURES[0]), policy=str(fifo)), fifo


def _blocked_worker(seen: set[int], timeout: float = 20.0) -> int:
    """The pid of the batch's worker still running a second after it started (the quick app is done by then)."""
    first_seen: dict[int, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.monotonic()
        for p in mp.active_children():
            if p.pid not in seen and now - first_seen.setdefault(p.pid, now) > 1.0:
                seen.add(p.pid)
                return p.pid
        time.sleep(0.05)
    raise AssertionError("no blocked worker")


def test_worker_killed_mid_app_is_retried_once_and_finished_results_kept(tmp_path):
    blocked, fifo = _blocked_job(tmp_path)
    policy = tmp_path / "real-policy.html"
    policy.write_text("<p>我们会收集您的设备识别码（IMEI）用于账号安全。</p>", encoding="utf-8")
    db = str(tmp_path / "r.sqlite")

    def act():
        pid = _blocked_worker(set())
        # the blocked worker keeps waiting on the FIFO it opened; the retry finds a regular policy there
        os.replace(policy, fifo)
        os.kill(pid, signal.SIGKILL)

    t = threading.Thread(target=act)
    t.start()
    r = run_batch([Job(apk=str(DEMO)), blocked], BatchOptions(db=db, workers=2, timeout=30))
    t.join()
    assert (r.ok, r.errors) == (2, 0), r.error_rows
    rows = {os.path.basename(src): (status, attempts) for src, status, attempts in
            _sql(db)("SELECT source, status, attempts FROM runs")}
    assert rows == {DEMO.name: ("ok", 1), FIXTURES[0].name: ("ok", 2)}


def test_worker_killed_twice_is_recorded_as_an_error(tmp_path):
    blocked, _ = _blocked_job(tmp_path)
    db = str(tmp_path / "r.sqlite")
    seen: set[int] = set()

    def act():
        os.kill(_blocked_worker(seen), signal.SIGKILL)
        os.kill(_blocked_worker(seen), signal.SIGKILL)  # the retry blocks too

    t = threading.Thread(target=act)
    t.start()
    r = run_batch([Job(apk=str(DEMO)), blocked], BatchOptions(db=db, workers=2, timeout=30))
    t.join()
    assert (r.ok, r.errors) == (1, 1)
    assert r.error_rows[0]["error"].endswith("worker died (signal SIGKILL)")
    assert _sql(db)("SELECT status, attempts FROM runs WHERE status='error'") == [("error", 2)]


def test_two_batches_on_one_store_at_once(store_target, tmp_path):
    """Two processes writing one store (two batches; a batch and the service): both finish, one version per APK."""
    import subprocess
    import sys

    apps = tmp_path / "apps.txt"
    apps.write_text("".join(f"{p}\n" for p in [*FIXTURES, DEMO]), encoding="utf-8")
    cmd = [sys.executable, "-m", "privaudit", "batch", str(apps), "--db", store_target, "--workers", "2",
           "--format", "json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-500:] for o in outs]
    for out, _ in outs:
        s = json.loads(out)
        assert s["errors"] == 0 and s["ok"] + s["skipped"] == len(FIXTURES) + 1
    q = _sql(store_target)
    assert q("SELECT COUNT(*) FROM versions")[0][0] == len(FIXTURES) + 1
    assert q("SELECT COUNT(*) FROM apps")[0][0] == q("SELECT COUNT(DISTINCT package) FROM apps")[0][0]


def test_a_killed_batch_leaves_no_worker_behind(tmp_path):
    """SIGKILL of the batch itself (no cleanup code runs): its worker, blocked on a stalled input, dies with it."""
    import subprocess
    import sys

    psutil = pytest.importorskip("psutil")
    blocked, _ = _blocked_job(tmp_path)
    manifest = tmp_path / "m.jsonl"
    manifest.write_text(json.dumps({"apk": blocked.apk, "policy": blocked.policy}) + "\n", encoding="utf-8")
    batch = subprocess.Popen([sys.executable, "-m", "privaudit", "batch", str(manifest), "--db",
                              str(tmp_path / "k.sqlite"), "--timeout", "100"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(batch.pid)
    deadline = time.monotonic() + 20
    while not parent.children() and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = parent.children()
    assert workers, "the worker never started"
    batch.kill()
    batch.wait()
    gone, alive = psutil.wait_procs(workers, timeout=5)
    assert not alive, alive


def test_manifests_in_gbk_and_malformed_rows(tmp_path, capsys):
    gbk = tmp_path / "清单.csv"
    gbk.write_bytes("apk,app_type\n应用/甲.apk,地图导航类\n".encode("gbk"))  # as Excel on Chinese Windows saves it
    job = collect_jobs(str(gbk))[0]
    assert (job.apk, job.app_type) == (str(tmp_path / "应用" / "甲.apk"), "地图导航类")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"apk": "a.apk"}\n{"apk": 5}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2: expected a string, got int"):
        collect_jobs(str(bad))
    dup = tmp_path / "dup.csv"
    dup.write_text("apk,apk\na.apk,b.apk\n", encoding="utf-8")
    with pytest.raises(InputError, match="header repeats apk"):
        collect_jobs(str(dup))


def test_a_changed_input_of_the_same_size_is_audited_again(tmp_path):
    policy = tmp_path / "p.txt"
    policy.write_text("我们会收集您的设备信息。", encoding="utf-8")
    job = Job(apk=str(DEMO), policy=str(policy))
    key = job.inputs_key()
    policy.write_text("我们不会收集您的信息。。", encoding="utf-8")  # same byte count, other text
    os.utime(policy, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    assert policy.stat().st_size == len("我们会收集您的设备信息。".encode()) and job.inputs_key() != key


def test_batch_usage_errors_before_any_work(tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    db = tmp_path / "r.sqlite"
    for argv, msg in ((["--timeout", "inf"], "--timeout a number of seconds above 0"),
                      (["--db", " "], "--db is empty"),
                      (["-o", str(tmp_path / "missing" / "out.txt")], "output directory does not exist")):
        assert main(["batch", str(DEMO), "--db", str(db), *argv]) == 2, argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and msg in err, err
    if os.geteuid() != 0:  # root writes anywhere
        assert main(["batch", str(DEMO), "--db", str(db), "-o", str(ro / "out.txt")]) == 2
    assert not db.exists()  # refused before the store was opened


def test_a_long_list_is_read_whole(tmp_path, monkeypatch):
    from privaudit.batch import jobs

    lst = tmp_path / "apps.txt"
    lst.write_text("".join(f"/apps/{i:07d}.apk\n" for i in range(200_000)), encoding="utf-8")  # ~3.4 MB
    assert len(collect_jobs(str(lst))) == 200_000 and collect_jobs(str(lst))[-1].apk == "/apps/0199999.apk"
    monkeypatch.setattr(jobs, "MAX_LIST_BYTES", 1 << 20)
    with pytest.raises(InputError, match="larger than 1 MiB: split it"):
        collect_jobs(str(lst))


def test_a_worker_killed_mid_app_leaves_no_temporary_files(tmp_path, monkeypatch):
    """The app's UI run is an archive (unpacked into a temporary folder) and its policy stalls: the worker is
    killed at the time limit, with its unpacked files on disk. The batch removes the worker's folder."""
    import tempfile
    import zipfile

    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    run = tmp_path / "run.zip"
    with zipfile.ZipFile(run, "w") as z:
        z.writestr("run/00.xml", '<?xml version="1.0"?><hierarchy rotation="0"><node text="首页" '
                   'class="android.widget.TextView" package="com.example.privdemo" bounds="[0,0][100,100]"/>'
                   '</hierarchy>')
        z.writestr("run/big.bin", os.urandom(1 << 20))
    blocked, _ = _blocked_job(tmp_path)
    blocked.ui = [str(run)]
    r = run_batch([blocked, Job(apk=str(DEMO), ui=[str(run)])],
                  BatchOptions(db=str(tmp_path / "r.sqlite"), workers=2, timeout=3))
    assert (r.ok, r.errors) == (1, 1) and "timed out" in r.error_rows[0]["error"]
    assert list(root.iterdir()) == []
