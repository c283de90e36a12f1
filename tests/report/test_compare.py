"""privaudit diff: verdict changes between two runs, release gating, one-line errors on non-reports."""

from __future__ import annotations

import copy
import json

import pytest
from conftest import REPO

from privaudit.audit import AuditInputs, audit
from privaudit.cli import main
from privaudit.errors import InputError
from privaudit.report import render
from privaudit.report.compare import RANK, compare, load_report, render_diff

DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")


@pytest.fixture(scope="module")
def base() -> dict:
    return json.loads(render(audit(AuditInputs(apk=DEMO)), "json"))


def _write(tmp_path, name: str, data: dict) -> str:
    p = tmp_path / name
    p.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(p)


def _first(data: dict, verdict: str) -> dict:
    return next(f for f in data["findings"] if f["verdict"] == verdict)


def test_rank_order():
    assert RANK["violation"] > RANK["risk"] > RANK["undetermined"] == RANK["manual"] > RANK["pass"]
    assert RANK["pass"] == RANK["not_applicable"]


def test_identical_reports_have_no_changes(base):
    c = compare(base, copy.deepcopy(base))
    assert not (c.worse or c.better or c.changed or c.evidence_changed) and c.unchanged == len(base["findings"])


def test_worse_better_and_evidence_changes(base):
    new = copy.deepcopy(base)
    und = _first(new, "undetermined")
    und["verdict"] = "violation"
    risky = next((f for f in new["findings"] if f["verdict"] in ("violation", "risk") and f is not und), None)
    assert risky is not None
    risky_item, risky["verdict"] = risky["item"], "pass"
    same = next(f for f in new["findings"] if f["evidence"] and f["item"] not in (und["item"], risky_item))
    same["evidence"] = same["evidence"][1:]
    c = compare(base, new)
    assert [ch.item for ch in c.worse] == [und["item"]] and c.worse[0].new == "violation"
    assert [ch.item for ch in c.better] == [risky_item]
    assert [ch.item for ch in c.evidence_changed] == [same["item"]] and c.evidence_changed[0].evidence_removed == 1
    text = render_diff(c, "text", "en")
    assert "Worse (1)" in text and und["item"] in text
    assert json.loads(render_diff(c, "json"))["counts"]["worse"] == 1
    assert "## 变差 (1)" in render_diff(c, "md", "zh")


def test_worse_is_ordered_by_rank_then_severity(base):
    new = copy.deepcopy(base)
    und = [f for f in new["findings"] if f["verdict"] in ("undetermined", "pass", "not_applicable")][:3]
    und[0]["verdict"], und[1]["verdict"] = "risk", "violation"
    if RANK[und[2]["verdict"]] < RANK["undetermined"]:
        und[2]["verdict"] = "manual"
    c = compare(base, new)
    assert [ch.new for ch in c.worse][:2] == ["violation", "risk"]


def test_cli_diff_fail_on_worse(tmp_path, base, capsys):
    new = copy.deepcopy(base)
    item = _first(new, "undetermined")
    item["verdict"] = "violation"
    old_p, new_p = _write(tmp_path, "old.json", base), _write(tmp_path, "new.json", new)
    assert main(["diff", old_p, new_p, "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "Worse (1)" in out and item["item"] in out
    assert main(["diff", old_p, new_p, "--fail-on-worse"]) == 1
    capsys.readouterr()
    assert main(["diff", new_p, old_p, "--fail-on-worse", "--format", "json"]) == 0  # the reverse only improves
    assert json.loads(capsys.readouterr().out)["counts"]["better"] == 1


def test_cli_diff_writes_output(tmp_path, base):
    p = _write(tmp_path, "a.json", base)
    out = tmp_path / "d.md"
    assert main(["diff", p, p, "--format", "md", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8").startswith("# 报告对比")


@pytest.mark.parametrize("content", ['{"findings": []}', "[1, 2]", "not json", '{"schema": "privaudit-report", '
                                     '"schema_version": "1.0", "findings": [{"item": "M191-1.1", "verdict": "?"}]}',
                                     '{"schema": "privaudit-report", "schema_version": "9.0", "findings": []}'])
def test_non_report_is_one_line_exit_2(tmp_path, base, capsys, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    good = _write(tmp_path, "good.json", base)
    assert main(["diff", str(bad), good]) == 2
    err = capsys.readouterr().err
    assert err.startswith("privaudit: error: ") and err.count("\n") == 1 and "bad.json" in err
    with pytest.raises(InputError):
        load_report(str(bad))


def test_missing_file_is_exit_2(tmp_path, capsys):
    assert main(["diff", str(tmp_path / "nope.json"), str(tmp_path / "nope2.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
