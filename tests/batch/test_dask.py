"""privaudit batch on Dask: the same findings as scan and the process pool; hostile apps, killed workers and
unreachable schedulers become error rows or one-line errors; inputs by file:// and http:// URL."""

from __future__ import annotations

import functools
import http.server
import json
import logging
import os
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from conftest import REPO
from test_batch import _zip_bomb

from privaudit.audit import AuditInputs, audit
from privaudit.batch import BatchOptions, Job, collect_jobs, run_batch
from privaudit.batch.fetch import fetched, redact
from privaudit.batch.jobs import apk_sha256
from privaudit.cli import main
from privaudit.errors import InputError

distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")

DEMO = REPO / "examples" / "demo-app" / "demo.apk"
FIXTURES = sorted((REPO / "tests" / "fixtures" / "apk").glob("*.apk"))
APPS = [*FIXTURES, DEMO]
POLICY = REPO / "tests" / "fixtures" / "policy" / "good_zh.html"


@pytest.fixture(scope="module")
def scheduler():
    """A local 2-worker cluster; a lost worker's task fails at once (KilledWorker) so the batch's retry shows."""
    import dask

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                           dashboard_address=None, silence_logs=logging.ERROR)
    yield cluster.scheduler_address
    cluster.close()


@pytest.fixture(scope="module")
def scanned() -> dict[str, dict[str, str]]:
    """What ``privaudit scan`` says: app path -> {item: verdict}."""
    return {str(p): _verdicts(audit(AuditInputs(apk=str(p)))) for p in APPS}


def _verdicts(report) -> dict[str, str]:
    return {f.item: f.verdict.value for f in report.findings}


def _stored(db) -> dict[str, dict[str, str]]:
    """The ok runs in a store: source -> {item: verdict}."""
    out: dict[str, dict[str, str]] = {}
    with sqlite3.connect(db) as conn:
        for source, item, verdict in conn.execute("SELECT r.source, f.item, f.verdict FROM runs r "
                                                  "JOIN findings f ON f.run_id = r.id WHERE r.status = 'ok'"):
            out.setdefault(source, {})[item] = verdict
    return out


def _errors(db) -> dict[str, tuple[str, int]]:
    with sqlite3.connect(db) as conn:
        return {os.path.basename(s): (e, a) for s, e, a in
                conn.execute("SELECT source, error, attempts FROM runs WHERE status = 'error'")}


def test_scan_pool_and_dask_agree_hostile_apps_are_error_rows(scheduler, scanned, tmp_path, capsys):
    _zip_bomb(tmp_path / "bomb.apk")
    data = DEMO.read_bytes()
    (tmp_path / "truncated.apk").write_bytes(data[: len(data) // 2])
    manifest = tmp_path / "apps.jsonl"
    rows = [{"apk": str(p)} for p in APPS] + [{"apk": "bomb.apk"}, {"apk": "truncated.apk"}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    pool_db, dask_db = tmp_path / "pool.sqlite", tmp_path / "dask.sqlite"
    pool = run_batch(collect_jobs(str(manifest)), BatchOptions(db=str(pool_db), workers=2, timeout=60))
    assert (pool.ok, pool.errors) == (len(APPS), 2), pool.error_rows
    assert main(["batch", str(manifest), "--executor", "dask", "--scheduler", scheduler, "--db", str(dask_db),
                 "--timeout", "60", "--format", "json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["total"], summary["ok"], summary["errors"]) == (len(APPS) + 2, len(APPS), 2)

    assert _stored(pool_db) == scanned
    assert _stored(dask_db) == scanned
    assert all(len(v) == 31 for v in scanned.values())
    errors = _errors(dask_db)
    assert set(errors) == {"bomb.apk", "truncated.apk"}
    assert "zip bomb" in errors["bomb.apk"][0] or "limit" in errors["bomb.apk"][0]
    assert "truncated.apk" in errors["truncated.apk"][0]
    assert all("\n" not in e for e, _ in errors.values())
    assert {k: e for k, (e, _) in errors.items()} == {k: e for k, (e, _) in _errors(pool_db).items()}
    with sqlite3.connect(dask_db) as conn:  # time and peak memory measured on the worker
        assert conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok' AND seconds > 0 "
                            "AND peak_rss_mb > 0").fetchone()[0] == len(APPS)
    # Resuming works the same: a rerun on Dask skips every finished app.
    again = run_batch(collect_jobs(str(manifest)), BatchOptions(db=str(dask_db), executor="dask",
                                                               scheduler=scheduler))
    assert (again.ok, again.errors, again.skipped) == (0, 2, len(APPS))


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def http_root():
    """A local web server over the repository: (base URL, its root folder)."""
    handler = functools.partial(_QuietHandler, directory=str(REPO))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("executor", ["pool", "dask"])
def test_inputs_by_file_and_http_url(executor, scheduler, scanned, http_root, tmp_path):
    pytest.importorskip("aiohttp", reason="fsspec reads http(s) URLs with aiohttp (pip install 'fsspec[http]')")
    rel = lambda p: p.relative_to(REPO).as_posix()  # noqa: E731
    by_file = FIXTURES[0].as_uri()
    by_http = f"{http_root}/{rel(FIXTURES[1])}"
    demo_http = f"{http_root}/{rel(DEMO)}"
    jobs = [Job(apk=by_file), Job(apk=by_http), Job(apk=demo_http, policy=POLICY.as_uri()),
            Job(apk=f"http://auditor:hunter2@127.0.0.1:{http_root.rsplit(':', 1)[1]}/missing.apk"),
            Job(apk=str(FIXTURES[2]), traces=[f"{http_root}/missing-trace.jsonl?token=s3cr3t"])]
    db = tmp_path / "urls.sqlite"
    result = run_batch(jobs, BatchOptions(db=str(db), workers=2, timeout=60, executor=executor, scheduler=scheduler))
    assert (result.ok, result.errors) == (3, 2), result.error_rows

    stored = _stored(db)
    assert stored[by_file] == scanned[str(FIXTURES[0])]
    assert stored[by_http] == scanned[str(FIXTURES[1])]
    assert stored[demo_http] == _verdicts(audit(AuditInputs(apk=str(DEMO), policy=str(POLICY))))
    with sqlite3.connect(db) as conn:
        shas = dict(conn.execute("SELECT source, sha256 FROM runs WHERE status = 'ok'").fetchall())
        reports = [r for (r,) in conn.execute("SELECT report FROM runs WHERE status = 'ok'")]
    assert shas[by_http] == apk_sha256(str(FIXTURES[1]))  # the parent streamed the URL for the resume key
    assert all("privaudit-fetch-" not in r for r in reports)  # the reports name the URLs, not the copies
    assert any(demo_http in r for r in reports)

    messages = [row["error"] for row in result.error_rows]
    assert all("hunter2" not in m and "s3cr3t" not in m and "\n" not in m for m in messages)
    assert any("auditor:***@" in m and "missing.apk" in m for m in messages)  # the parent's hash: one line, redacted
    assert any("missing-trace.jsonl?token=***" in m for m in messages)  # fetched on the worker, failed there


def test_fetch_copies_caps_and_cleans_up():
    fsspec = pytest.importorskip("fsspec")
    mem = fsspec.filesystem("memory")
    mem.pipe({"/t/app.apk": b"x" * 100, "/t/ui/run1/a.xml": b"<a/>", "/t/ui/run1/sub/b.xml": b"<b/>"})
    names: dict[str, str] = {}
    with fetched(Job(apk="memory://t/app.apk", policy="https://example.org/p.html", ui=["memory://t/ui"]),
                 names) as local:
        assert local.policy == "https://example.org/p.html"  # the audit fetches a policy URL itself
        assert os.path.basename(local.apk) == "app.apk" and os.path.getsize(local.apk) == 100
        assert sorted(os.path.relpath(os.path.join(r, f), local.ui[0]) for r, _, fs in os.walk(local.ui[0])
                      for f in fs) == ["run1/a.xml", "run1/sub/b.xml"]
        tmp = os.path.dirname(os.path.dirname(local.apk))
    assert not os.path.exists(tmp)
    assert set(names.values()) == {"memory://t/app.apk", "memory://t/ui"}
    with pytest.raises(InputError, match=r"memory://t/app.apk: .*limit"):
        with fetched(Job(apk="memory://t/app.apk"), limit=50):
            pass
    assert redact("s3://k:secret@bucket/a.apk?X-Amz-Signature=abc&v=2") == "s3://k:***@bucket/a.apk?X-Amz-Signature=***&v=2"


def _audit_children() -> list:
    """The audits' own processes under this test process: forked by a Dask worker's fork server
    (``python -m privaudit.batch.child --serve``), so they and their parent carry its command line."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            if "privaudit.batch.child" in p.cmdline() and "privaudit.batch.child" in p.parent().cmdline():
                found.append(p)
        except psutil.Error:
            pass
    return found


def _wait_for(condition, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def test_killed_worker_is_retried_once_then_recorded(scheduler, tmp_path):
    """An app whose audit blocks (a FIFO as its policy); the test kills its Dask worker, then, on the retry, the
    audit's process: recorded as an error row after two attempts, the other apps' results kept."""
    fifo = tmp_path / "stalled-policy.html"
    os.mkfifo(fifo)
    good = FIXTURES[1:4]
    jobs = [Job(apk=str(p)) for p in good] + [Job(apk=str(FIXTURES[0]), policy=str(fifo))]
    db = tmp_path / "killed.sqlite"
    out: dict = {}
    batch = threading.Thread(target=lambda: out.update(result=run_batch(jobs, BatchOptions(
        db=str(db), timeout=45, executor="dask", scheduler=scheduler))))
    batch.start()
    try:
        def good_done() -> bool:
            try:
                with sqlite3.connect(db) as conn:
                    return conn.execute("SELECT COUNT(*) FROM runs WHERE status = 'ok'").fetchone()[0] == len(good)
            except sqlite3.Error:
                return False

        _wait_for(good_done, "the good apps")
        first = _wait_for(lambda: (c := _audit_children()) and len(c) == 1 and c[0], "the stalled audit")
        first.parent().parent().kill()  # the Dask worker running it (above its fork server): KilledWorker
        second = _wait_for(lambda: [c for c in _audit_children() if c.pid != first.pid], "the retry")[0]
        second.kill()  # the audit's own process on the retry: "died", no attempts left
    finally:
        batch.join(60)
    result = out["result"]
    assert (result.ok, result.errors) == (len(good), 1), result.error_rows
    error, attempts = _errors(db)[FIXTURES[0].name]
    assert attempts == 2 and "worker died (signal SIGKILL)" in error
    assert set(_stored(db)) == {str(p) for p in good}


def test_unreachable_scheduler_is_one_line_exit_2(capsys, tmp_path):
    rc = main(["batch", str(DEMO), "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1",
               "--db", str(tmp_path / "r.sqlite")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.count("\n") == 1 and "cannot reach the Dask scheduler" in err and "tcp://127.0.0.1:1" in err
    assert not (tmp_path / "r.sqlite").exists()  # refused before the store is opened or any APK is read
    db = str(tmp_path / "r.sqlite")
    assert main(["batch", str(DEMO), "--executor", "dask", "--scheduler", "foo", "--db", db]) == 2
    err = capsys.readouterr().err
    assert err == "privaudit: error: foo: not a scheduler address: give tcp://HOST:PORT\n"


def test_scan_and_pool_batch_do_not_import_dask():
    code = ("import sys, privaudit.cli, privaudit.batch.runner, privaudit.batch.fetch; "
            "from privaudit.batch import run_batch; "
            "print(sorted(m for m in ('dask', 'distributed', 'fsspec') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO).stdout
    assert out.strip() == "[]"
