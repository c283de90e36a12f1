"""One app in a process of its own without forking the caller: the warm fork server (run_forked, used on Dask
workers and by the web service). Same outcomes as the in-process audit; the limits hold."""

from __future__ import annotations

import os

from conftest import REPO
from test_batch import big_dex_apk

from privaudit.audit import AuditInputs, audit
from privaudit.batch.child import run_forked
from privaudit.batch.jobs import Job

DEMO = REPO / "examples" / "demo-app" / "demo.apk"
CLEAN = REPO / "tests" / "fixtures" / "apk" / "clean_app.apk"


def _verdicts(report: dict) -> dict[str, str]:
    return {f["item"]: f["verdict"] for f in report["findings"]}


def test_the_fork_server_gives_the_in_process_findings_and_limits_hold(tmp_path):
    want = _verdicts(audit(AuditInputs(apk=str(DEMO))).to_dict())
    big = str(big_dex_apk(tmp_path / "big.apk"))
    fifo = tmp_path / "stalled.html"
    os.mkfifo(fifo)
    outcome, seconds = run_forked(Job(apk=str(DEMO)), 60, 2048)
    assert outcome[0] == "ok" and _verdicts(outcome[1]) == want and outcome[2] > 10  # peak RSS in MiB
    outcome, _ = run_forked(Job(apk=str(CLEAN), policy=str(fifo)), 1.5, 2048)
    assert outcome[0] == "error" and outcome[1].endswith("timed out after 1.5 s (worker killed)"), outcome
    outcome, _ = run_forked(Job(apk=str(tmp_path / "missing.apk")), 60, 2048)
    assert outcome[0] == "error" and "missing.apk" in outcome[1] and "\n" not in outcome[1]
    outcome, _ = run_forked(Job(apk=big), 60, 8)  # 8 MB more than the process maps cannot hold a 64 MiB DEX
    assert outcome[0] == "error" and "out of memory (limit 8 MB" in outcome[1], outcome


def test_the_fork_server_survives_its_apps_and_is_replaced_when_it_dies():
    from privaudit.batch import child

    assert run_forked(Job(apk=str(CLEAN)), 60, None)[0][0] == "ok"
    server = child._local.server
    assert run_forked(Job(apk=str(DEMO)), 60, None)[0][0] == "ok"
    assert child._local.server is server  # one warm server per thread, many apps
    server.kill()
    server.wait()
    outcome, _ = run_forked(Job(apk=str(CLEAN)), 60, None)
    assert outcome[0] == "ok" and child._local.server is not server
