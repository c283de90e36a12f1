"""Reviewer workflow: review init -> answers -> scan --review, stale answers, and errors naming the line."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import REPO

from privaudit.cli import main

DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")


@pytest.fixture(scope="module")
def review_file(tmp_path_factory):
    d = tmp_path_factory.mktemp("review")
    report = d / "r.json"
    assert main(["scan", DEMO, "--format", "json", "-o", str(report)]) == 0
    out = d / "review.yaml"
    assert main(["review", "init", str(report), "-o", str(out)]) == 0
    return report, out


def _answer(text: str, item: str, **fields: str) -> str:
    """Fill in the answer fields of one question, keeping every other line where it is."""
    lines = text.splitlines()
    start = lines.index(f"- item: {item}")
    for i in range(start + 1, len(lines)):
        if lines[i].startswith("- item:"):
            break
        for k, v in fields.items():
            if lines[i].startswith(f"  {k}:"):
                lines[i] = f"  {k}: {v}"
    return "\n".join(lines) + "\n"


def _line_of(text: str, item: str, key: str) -> int:
    lines = text.splitlines()
    start = lines.index(f"- item: {item}")
    if key == "item":
        return start + 1
    return next(i + 1 for i in range(start, len(lines)) if lines[i].startswith(f"  {key}:"))


def test_init_asks_about_manual_risk_undetermined(review_file):
    report, out = review_file
    data = json.loads(report.read_text(encoding="utf-8"))
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    asked = {f["item"] for f in data["findings"] if f["verdict"] in ("manual", "risk", "undetermined")}
    assert {q["item"] for q in doc["questions"]} == asked and asked
    assert doc["app_sha256"] == data["app"]["sha256"]
    q = doc["questions"][0]
    assert q["title_zh"] and q["decision_zh"] and q["lab_check_zh"] and q["machine_verdict"] in (
        "manual", "risk", "undetermined")
    assert q["verdict"] is None and q["note"] is None and q["reviewer"] is None and q["attachments"] == []


def test_round_trip(review_file, tmp_path):
    report, out = review_file
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    q = doc["questions"][0]
    (tmp_path / "shot.png").write_bytes(b"\x89PNG")
    answered = tmp_path / "answered.yaml"
    answered.write_text(_answer(out.read_text(encoding="utf-8"), q["item"], verdict="violation",
                                note="首次启动未弹出隐私政策", reviewer="张三", attachments="[shot.png]"),
                        encoding="utf-8")
    r2 = tmp_path / "r2.json"
    assert main(["scan", DEMO, "--review", str(answered), "--format", "json", "-o", str(r2)]) == 0
    data = json.loads(r2.read_text(encoding="utf-8"))
    f = next(f for f in data["findings"] if f["item"] == q["item"])
    assert f["verdict"] == "violation" and f["decided_by"] == "张三" and f["machine_verdict"] == q["machine_verdict"]
    e = f["evidence"][-1]
    assert e["kind"] == "review" and "首次启动未弹出隐私政策" in e["summary"]
    assert e["data"]["attachments"] == ["shot.png"]
    assert e["provenance"]["locator"] == f"line {_line_of(answered.read_text(encoding='utf-8'), q['item'], 'verdict')}"
    assert f["severity"] != "info" and f["remediation_zh"]
    others = [g for g in data["findings"] if g["item"] != q["item"]]
    assert all(g["decided_by"] == "machine" and g["machine_verdict"] is None for g in others)
    assert any(i["kind"] == "review" for i in data["inputs"])


def test_stale_sha_is_not_applied(review_file, tmp_path):
    _, out = review_file
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    q = doc["questions"][0]
    text = _answer(out.read_text(encoding="utf-8"), q["item"], verdict="pass", reviewer="李四")
    text = text.replace(f"app_sha256: {doc['app_sha256']}", "app_sha256: " + "0" * 64)
    stale = tmp_path / "stale.yaml"
    stale.write_text(text, encoding="utf-8")
    r = tmp_path / "r.json"
    assert main(["scan", DEMO, "--review", str(stale), "--format", "json", "-o", str(r)]) == 0
    f = next(f for f in json.loads(r.read_text(encoding="utf-8"))["findings"] if f["item"] == q["item"])
    assert f["verdict"] == q["machine_verdict"] and f["decided_by"] == "machine" and f["machine_verdict"] is None
    assert f["evidence"][-1]["data"]["stale"] is True and "stale" in f["evidence"][-1]["summary"]


@pytest.mark.parametrize("case", ["unknown_item", "bad_verdict", "missing_attachment"])
def test_errors_name_the_line(review_file, tmp_path, capsys, case):
    _, out = review_file
    text = out.read_text(encoding="utf-8")
    item = yaml.safe_load(text)["questions"][1]["item"]
    if case == "unknown_item":
        line = _line_of(text, item, "item")
        text = _answer(text, item, verdict="pass").replace(f"- item: {item}", "- item: M191-9.9")
        needle = "unknown item 'M191-9.9'"
    elif case == "bad_verdict":
        text = _answer(text, item, verdict="ok")
        line = _line_of(text, item, "verdict")
        needle = "verdict 'ok'"
    else:
        text = _answer(text, item, verdict="pass", attachments="[missing.png]")
        line = _line_of(text, item, "attachments")
        needle = "attachment 'missing.png'"
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    capsys.readouterr()
    assert main(["scan", DEMO, "--review", str(bad), "--format", "json", "-o", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"line {line}:" in err and needle in err
