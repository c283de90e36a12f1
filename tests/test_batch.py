"""privaudit batch: many apps, each in its own process; hostile ones become error rows, reruns resume."""

from __future__ import annotations

import json
import os
import sqlite3
import struct
import zlib

import pytest
from conftest import REPO

from privaudit.audit import AuditInputs, audit
from privaudit.batch import BatchOptions, Job, collect_jobs, run_batch
from privaudit.cli import main
from privaudit.errors import InputError

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


def test_hostile_apps_become_error_rows_and_rerun_resumes(hostile_batch, tmp_path):
    manifest, good = hostile_batch
    db = tmp_path / "results.sqlite"
    opts = BatchOptions(db=str(db), workers=4, timeout=3.0, max_memory=2048)
    first = run_batch(collect_jobs(str(manifest)), opts)
    assert (first.total, first.ok, first.errors, first.skipped) == (good + 3, good, 3, 0), first.error_rows

    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT apk, status, error FROM runs ORDER BY id").fetchall()
    assert len(rows) == good + 3
    errors = {os.path.basename(apk): err for apk, status, err in rows if status == "error"}
    assert set(errors) == {"bomb.apk", "truncated.apk", FIXTURES[0].name}
    assert "zip bomb" in errors["bomb.apk"] or "limit" in errors["bomb.apk"]
    assert "truncated.apk" in errors["truncated.apk"]
    assert "timed out after 3 s" in errors[FIXTURES[0].name]
    assert all("\n" not in e for e in errors.values())
    assert conn.execute("SELECT COUNT(*) FROM apps").fetchone()[0] == good
    assert conn.execute("SELECT COUNT(DISTINCT run_id) FROM findings").fetchone()[0] == good
    assert conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == good * 31

    # A rerun skips the apps that finished and tries the three failures again.
    second = run_batch(collect_jobs(str(manifest)), opts)
    assert (second.ok, second.errors, second.skipped) == (0, 3, good)
    assert second.items == first.items
    assert conn.execute("SELECT COUNT(*) FROM runs WHERE status='ok'").fetchone()[0] == good


def test_batch_findings_match_scan(tmp_path, capsys):
    db = tmp_path / "r.sqlite"
    assert main(["batch", str(DEMO), "--db", str(db), "--format", "json", "--workers", "1"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["total"], summary["ok"], summary["errors"]) == (1, 1, 0)
    report = audit(AuditInputs(apk=str(DEMO)))
    want = sorted((f.item, f.verdict.value, f.severity.value) for f in report.findings)
    conn = sqlite3.connect(db)
    got = sorted(conn.execute("SELECT item, verdict, severity FROM findings").fetchall())
    assert got == want
    stored = json.loads(conn.execute("SELECT report_json FROM runs").fetchone()[0])
    assert stored["app"]["sha256"] == report.app.sha256
    assert [f["verdict"] for f in stored["findings"]] == [f.verdict.value for f in report.findings]
    sdks = {r[0] for r in conn.execute("SELECT sdk_id FROM sdks")}
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


def test_memory_limit_is_an_error_row(tmp_path):
    # 8 MB of address space is below what the forked worker already maps: every allocation fails.
    r = run_batch([Job(apk=str(DEMO))], BatchOptions(db=str(tmp_path / "r.sqlite"), workers=1, max_memory=8))
    assert (r.ok, r.errors) == (0, 1)
    err = r.error_rows[0]["error"]
    assert "out of memory (limit 8 MB" in err or "worker crashed" in err, err


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
