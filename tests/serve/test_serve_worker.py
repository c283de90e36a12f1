"""The background workers: a died child is retried once, runs left running are requeued at start-up, shutdown
stops the threads, and ``privaudit serve`` starts a server that prints its generated token once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import httpx
from serving import AUTH, DEMO, DEMO_PACKAGE, make_client, upload, wait_done

from privaudit.batch.jobs import Job
from privaudit.serve import worker
from privaudit.serve.worker import AuditWorkers, public_error, shown_names
from privaudit.store.db import Store


def _queue_demo(store: Store) -> int:
    job = Job(apk=str(DEMO))
    return store.queue(sha256="0" * 64, source="demo.apk", inputs_key=job.inputs_key(), tool_version="test",
                       job={**job.to_dict(), "sha256": "0" * 64})


def test_a_died_child_is_retried_once(store_target, monkeypatch):
    real = worker.run_forked
    calls: list[str] = []

    def flaky(job, timeout, max_memory):
        calls.append(job.apk)
        if len(calls) == 1:
            return ("died", f"{job.apk}: worker died (signal SIGKILL)"), 0.1
        return real(job, timeout, max_memory)

    monkeypatch.setattr(worker, "run_forked", flaky)
    with Store(store_target) as store:
        run_id = _queue_demo(store)
        workers = AuditWorkers(store, 1, 120, None)
        claimed = store.claim()
        assert claimed and claimed[0] == run_id
        workers.audit(*claimed)
        assert len(calls) == 2 and store.run(run_id)["status"] == "ok"

        monkeypatch.setattr(worker, "run_forked", lambda job, t, m: (("died", f"{job.apk}: died"), 0.1))
        run_id = _queue_demo(store)
        workers.audit(*store.claim())
        run = store.run(run_id)
        assert run["status"] == "error" and run["error"] == "app: died" and run["sha256"] == "0" * 64


def test_runs_left_running_are_requeued_at_start_and_workers_stop_on_shutdown(store_target, tmp_path):
    with Store(store_target) as store:
        run_id = _queue_demo(store)
        assert store.claim()[0] == run_id and store.run(run_id)["status"] == "running"  # a server died here
    client = make_client(store_target, tmp_path)
    workers = client.app.state.context.workers
    with client:
        run = wait_done(client, run_id)
        assert run["status"] == "ok" and run["package"] == DEMO_PACKAGE and run["attempts"] == 2
        threads = list(workers._threads)
        assert threads and all(th.is_alive() for th in threads)
    assert not any(th.is_alive() for th in threads)


def test_error_messages_hide_server_paths():
    up = "/srv/data/uploads/"
    job = Job(apk=up + "a" * 64, policy=up + "b" * 64, traces=[up + "c" * 64, up + "d" * 64])
    names = shown_names(job, {"apk": "x.apk", "trace": ["t1.jsonl"]})
    msg = public_error(f"{job.apk}: not a zip\n(see {job.policy}, {job.traces[0]}, {job.traces[1]})", names)
    assert msg == "x.apk: not a zip (see policy, t1.jsonl, trace)"


def test_privaudit_serve_prints_a_generated_token_and_serves(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "PRIVAUDIT_TOKEN"}
    proc = subprocess.Popen([sys.executable, "-m", "privaudit", "serve", "--db", str(tmp_path / "r.sqlite"),
                             "--data-dir", str(tmp_path / "data"), "--port", str(port), "--workers", "0"],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        token_line = proc.stderr.readline()
        assert "write token" in token_line
        token = token_line.rsplit(" ", 1)[1].strip()
        assert len(token) >= 32
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "privaudit serve did not start"
            time.sleep(0.1)
        files = {"apk": ("demo.apk", DEMO.read_bytes())}
        base = f"http://127.0.0.1:{port}"
        assert httpx.post(f"{base}/api/apps", files=files, headers=AUTH).status_code == 401
        r = httpx.post(f"{base}/api/apps", files=files, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 202
    finally:
        proc.terminate()
        code = proc.wait(30)
        rest = proc.stderr.read()
        proc.stderr.close()
    # uvicorn shuts down gracefully (lifespan: workers stopped), then exits by the signal it got
    assert code in (0, -signal.SIGTERM) and "Application shutdown complete" in rest, rest[-2000:]
    assert token not in rest  # printed once



def test_an_exception_while_auditing_makes_the_run_an_error_and_the_next_run_completes(store_target, tmp_path,
                                                                                         monkeypatch):
    real = worker.run_forked
    calls: list[str] = []

    def broken_once(job, timeout, max_memory):
        calls.append(job.apk)
        if len(calls) == 1:
            raise RuntimeError(f"the fork server broke\nwhile auditing {job.apk}")
        return real(job, timeout, max_memory)

    monkeypatch.setattr(worker, "run_forked", broken_once)
    with make_client(store_target, tmp_path) as client:
        bad = wait_done(client, upload(client).json()["run_id"], timeout=30)
        assert bad["status"] == "error"
        assert bad["error"].startswith("internal error while auditing or recording this run (RuntimeError;")
        assert bad["error"].endswith("the fork server broke while auditing demo.apk")  # one line, the shown name
        assert str(tmp_path) not in bad["error"]
        good = wait_done(client, upload(client).json()["run_id"])
        assert good["status"] == "ok" and good["package"] == DEMO_PACKAGE and len(calls) == 2


def test_a_run_that_cannot_even_be_recorded_is_logged_and_the_worker_goes_on(store_target, tmp_path, monkeypatch,
                                                                              caplog):
    real = worker.run_forked
    calls: list[str] = []

    def broken_once(job, timeout, max_memory):
        calls.append(job.apk)
        if len(calls) == 1:
            raise OSError("cannot fork")
        return real(job, timeout, max_memory)

    monkeypatch.setattr(worker, "run_forked", broken_once)
    with make_client(store_target, tmp_path) as client:
        store = client.app.state.context.store
        real_record = store.record
        failures: list[int] = []

        def record(**kw):
            if (kw.get("error") or "").startswith("internal error"):
                failures.append(kw["run_id"])
                raise ConnectionError("the database went away")
            return real_record(**kw)

        monkeypatch.setattr(store, "record", record)
        first = upload(client).json()["run_id"]
        second = wait_done(client, upload(client).json()["run_id"])
        assert second["status"] == "ok" and len(calls) == 2
        assert failures == [first] and client.get(f"/api/runs/{first}").json()["status"] == "running"
    logged = [r.getMessage() for r in caplog.records if r.name == "privaudit.serve"]
    assert f"run {first} failed inside the server" in logged
    assert any(f"run {first} could not be recorded as an error either" in m for m in logged)
