"""The command line as a user runs it: formats, exit codes, and one-line errors on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

from privaudit.cli import main

DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")
FIXTURES = REPO / "tests" / "fixtures" / "apk"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "privaudit", *args], capture_output=True, text=True, timeout=120,
                          cwd=REPO)


def test_json_report_has_every_item(tmp_path, capsys):
    out = tmp_path / "r.json"
    assert main(["scan", DEMO, "--format", "json", "-o", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema"] == "privaudit-report" and data["schema_version"] == "1.0"
    items = [f["item"] for f in data["findings"]]
    assert len(items) == 31 and items[0] == "M191-1.1" and items[-1] == "M191-6.5"
    assert {f["verdict"] for f in data["findings"]} <= {
        "violation", "risk", "pass", "undetermined", "not_applicable", "manual"}
    assert data["app"]["package"] == "com.example.privdemo"
    assert len(data["app"]["sha256"]) == 64
    assert data["app"]["certificates"][0]["sha256"]
    # every undetermined finding says what would decide it
    for f in data["findings"]:
        if f["verdict"] == "undetermined":
            assert f["missing"], f["item"]


def test_text_and_markdown(tmp_path, capsys):
    assert main(["scan", DEMO]) == 0
    text = capsys.readouterr().out
    assert "com.example.privdemo" in text and "M191-5.1" in text and "风险" in text
    assert main(["scan", DEMO, "--lang", "en", "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Method 191") and "| M191-4.6" in md and "UMConfigure" in md


def test_fail_on_sets_exit_code(capsys):
    assert main(["scan", DEMO, "--fail-on", "risk"]) == 1
    assert main(["scan", str(FIXTURES / "multidex.apk"), "--fail-on", "violation"]) == 0
    assert main(["scan", str(FIXTURES / "legacy_target22.apk"), "--fail-on", "violation"]) == 1


def test_only_and_app_type(capsys):
    assert main(["scan", DEMO, "--only", "M191-4.1", "--app-type", "2", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [f["item"] for f in data["findings"]] == ["M191-4.1"]
    from privaudit import catalog

    assert data["app_type"] == next(t["id"] for t in catalog.app_types() if t["no"] == 2)
    assert main(["scan", DEMO, "--only", "M191-4.1", "--app-type", "网络约车类", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["app_type"] == data["app_type"]


@pytest.mark.parametrize("args,needle", [
    (["scan", "/nonexistent.apk"], "cannot open"),
    (["scan", "--app-type", "no-such-type", DEMO], "unknown app type"),
    (["scan", DEMO, "--only", "M191-9.9"], "unknown item"),
    (["scan", DEMO, "-o", "/nonexistent-dir/r.json"], "output directory"),
])
def test_bad_usage_exits_2(args, needle, capsys):
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and err.count("\n") == 1


def test_bad_inputs_one_line_exit_2(tmp_path):
    empty = tmp_path / "empty.apk"
    empty.write_bytes(b"")
    text = tmp_path / "notes.apk"
    text.write_text("this is not an app\n" * 50)
    zip_no_manifest = tmp_path / "plain.zip"
    import zipfile

    with zipfile.ZipFile(zip_no_manifest, "w") as z:
        z.writestr("readme.txt", "hello")
    for path in (empty, text, zip_no_manifest, tmp_path):
        r = run_cli("scan", str(path))
        assert r.returncode == 2, (path, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1, r.stderr
        assert r.stdout == ""


def test_failed_scan_writes_no_file(tmp_path):
    out = tmp_path / "r.json"
    bad = tmp_path / "bad.apk"
    bad.write_bytes(b"PK\x03\x04garbage")
    r = run_cli("scan", str(bad), "--format", "json", "-o", str(out))
    assert r.returncode == 2 and not out.exists()
    assert list(tmp_path.iterdir()) == [bad]


def test_rules_listing(capsys):
    assert main(["rules"]) == 0
    zh = capsys.readouterr().out
    assert zh.count("M191-") == 31 and "未公开收集使用规则" in zh
    assert main(["rules", "--lang", "en", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 31


def test_output_to_a_named_pipe_is_written_into_it_not_replaced(tmp_path):
    """-o names a FIFO (as /dev/null or /dev/stdout would be a device): the report goes through it and the pipe
    stays a pipe — renaming a temporary file over it would replace the device."""
    import stat
    import threading

    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    assert main(["scan", str(DEMO), "--format", "json", "-o", str(fifo)]) == 0
    reader.join(10)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert json.loads(got[0])["app"]["package"] == "com.example.privdemo"
    assert [p.name for p in tmp_path.iterdir()] == ["report.pipe"]  # no temporary file left beside it
