"""The request log (6.3, 6.5): Chinese working days on the State Council calendar, deadlines, verdicts, errors.

Calendar dates below were checked against the chinesecalendar package's data and the State Council notices:
2025 (国办发明电〔2024〕12号): Spring Festival 1/28–2/4 off, 1/26 (Sun) and 2/8 (Sat) worked; National Day and
Mid-Autumn 10/1–10/8 off, 9/28 (Sun) and 10/11 (Sat) worked. 2026 (国办发明电〔2025〕7号): Spring Festival
2/15–2/23 off, 2/14 (Sat) and 2/28 (Sat) worked; Mid-Autumn 9/25–9/27 off; National Day 10/1–10/7 off,
9/20 (Sun) and 10/10 (Sat) worked.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from privaudit.audit import AuditInputs, audit
from privaudit.cli import main
from privaudit.errors import InputError
from privaudit.evidence import EvidenceSet
from privaudit.evidence.requests import (
    is_working_day,
    load_requests,
    measure,
    nth_working_day,
    working_days_between,
)
from privaudit.model import Verdict
from privaudit.rules import evaluate

D = date.fromisoformat


@pytest.mark.parametrize("day,working", [
    # 2025 Spring Festival
    ("2025-01-26", True), ("2025-01-27", True), ("2025-01-28", False), ("2025-01-31", False), ("2025-02-03", False),
    ("2025-02-04", False), ("2025-02-05", True), ("2025-02-08", True), ("2025-02-09", False),
    # 2025 National Day + Mid-Autumn
    ("2025-09-28", True), ("2025-10-01", False), ("2025-10-06", False), ("2025-10-08", False), ("2025-10-09", True),
    ("2025-10-11", True), ("2025-10-12", False),
    # 2026 Spring Festival
    ("2026-02-14", True), ("2026-02-15", False), ("2026-02-16", False), ("2026-02-23", False), ("2026-02-24", True),
    ("2026-02-28", True), ("2026-03-01", False),
    # 2026 Mid-Autumn, National Day
    ("2026-09-20", True), ("2026-09-25", False), ("2026-10-01", False), ("2026-10-07", False), ("2026-10-08", True),
    ("2026-10-10", True), ("2026-10-11", False),
])
def test_official_calendar(day, working):
    assert is_working_day(D(day)) is working


@pytest.mark.parametrize("submitted,day15", [
    ("2025-01-24", "2025-02-20"),  # weekdays alone would give 2025-02-14
    ("2025-09-26", "2025-10-23"),
    ("2026-02-13", "2026-03-12"),
    ("2026-09-18", "2026-10-15"),
])
def test_fifteenth_working_day_across_holidays(submitted, day15):
    assert nth_working_day(D(submitted), 15) == D(day15)
    assert working_days_between(D(submitted), D(day15)) == 15
    day16 = nth_working_day(D(submitted), 16)
    assert day16 > D(day15) and working_days_between(D(submitted), day16) == 16
    assert working_days_between(D(submitted), day16 - timedelta(days=1)) == 15


def test_adjusted_weekend_counts():
    # 2025-01-24 (Fri) -> 2025-01-27 (Mon): Sat 1/25 off, Sun 1/26 worked, Mon 1/27 worked
    assert working_days_between(D("2025-01-24"), D("2025-01-27")) == 2
    # the whole 2025 Spring Festival week off: 1/27 -> 2/5 counts only 2/5
    assert working_days_between(D("2025-01-27"), D("2025-02-05")) == 1


def _log(tmp_path, *rows, as_of=None):
    p = tmp_path / "requests.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    if as_of:
        lines.append(json.dumps({"as_of": as_of}))
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


def _verdict(tmp_path, *rows, item="M191-6.3", as_of=None):
    ev = EvidenceSet(requests=load_requests(str(_log(tmp_path, *rows, as_of=as_of))))
    (f,) = evaluate(ev, [item])
    return f


def test_day_15_passes_day_16_violates(tmp_path):
    ok = {"id": "R1", "kind": "deletion", "submitted": "2025-01-24", "completed": "2025-02-20"}
    f = _verdict(tmp_path, ok)
    assert f.verdict is Verdict.PASS
    assert f.evidence[0].data["working_days"] == 15 and f.evidence[0].data["deadline"] == "2025-02-20"
    late = dict(ok, id="R2", completed="2025-02-21")
    f = _verdict(tmp_path, ok, late)
    assert f.verdict is Verdict.VIOLATION and "R2" in f.summary_en
    e = f.evidence[0]
    assert e.data["id"] == "R2" and e.data["working_days"] == 16 and e.data["limit"] == 15
    assert "2025-01-24" in e.summary and "2025-02-21" in e.summary and e.provenance.locator == "line 2"


def test_promise_of_20_working_days_is_a_violation(tmp_path):
    r = {"id": "R1", "kind": "cancellation", "submitted": "2025-03-03", "promised_days": 20,
         "promised_unit": "working_day", "completed": "2025-03-05"}
    f = _verdict(tmp_path, r)
    assert f.verdict is Verdict.VIOLATION and f.evidence[0].data["status"] == "promise_too_long"


def test_shorter_promise_is_the_limit(tmp_path):
    r = {"id": "R1", "kind": "correction", "submitted": "2025-09-26", "promised_days": 5,
         "completed": "2025-10-10"}  # 9/28, 9/29, 9/30, 10/9, 10/10 -> day 5
    assert _verdict(tmp_path, r).verdict is Verdict.PASS
    r["completed"] = "2025-10-11"  # the adjusted Saturday is day 6
    assert _verdict(tmp_path, r).verdict is Verdict.VIOLATION


def test_natural_day_promise(tmp_path):
    r = {"id": "R1", "kind": "deletion", "submitted": "2025-03-03", "promised_days": 7,
         "promised_unit": "natural_day", "completed": "2025-03-11"}
    assert _verdict(tmp_path, r).verdict is Verdict.VIOLATION
    r["completed"] = "2025-03-10"
    assert _verdict(tmp_path, r).verdict is Verdict.PASS


def test_open_requests(tmp_path):
    r = {"id": "R1", "kind": "deletion", "submitted": "2026-02-13"}
    assert _verdict(tmp_path, r, as_of="2026-03-12").verdict is Verdict.UNDETERMINED
    f = _verdict(tmp_path, r, as_of="2026-03-13")
    assert f.verdict is Verdict.VIOLATION and f.evidence[0].data["status"] == "open_overdue"


def test_outside_the_calendar_is_undetermined():
    from privaudit.evidence.requests import Request

    o = measure(Request("R1", "deletion", D("2026-12-28"), 1), D("2027-01-20"))
    assert o.status == "calendar_unknown" and "2027" in o.note


def test_complaints_combine_with_the_policy(tmp_path):
    c = {"id": "C1", "kind": "complaint", "submitted": "2025-09-26", "completed": "2025-10-24"}
    p = tmp_path / "policy.txt"
    p.write_text("隐私政策\n如您对个人信息保护有任何投诉、举报，可发送邮件至 privacy@example.com，"
                 "我们将在15个工作日内处理。\n", encoding="utf-8")
    r = audit(AuditInputs(policy=str(p), requests=str(_log(tmp_path, c)), only=["M191-6.5", "M191-6.3"]))
    f = r.finding("M191-6.5")
    assert f.verdict is Verdict.VIOLATION and any(e.kind == "request" for e in f.evidence)
    assert any(i.kind == "requests" for i in r.inputs)
    c["completed"] = "2025-10-23"
    r = audit(AuditInputs(policy=str(p), requests=str(_log(tmp_path, c)), only=["M191-6.5"]))
    assert r.finding("M191-6.5").verdict is Verdict.PASS


@pytest.mark.parametrize("line,needle", [
    ('{"id": "R1", "kind": "erase", "submitted": "2025-01-01"}', "line 2 (id R1): kind"),
    ('{"id": "R1", "kind": "deletion", "submitted": "2025-13-01"}', "line 2 (id R1): submitted"),
    ('{"id": "R1", "kind": "deletion"', "line 2: not JSON"),
    ('{"id": "R1", "kind": "deletion", "submitted": "2025-01-02", "completed": "2025-01-01"}', "line 2 (id R1)"),
    ('{"id": "R1", "kind": "deletion", "submitted": "2025-01-02", "promised_days": -3}', "promised_days"),
])
def test_malformed_log_names_the_line(tmp_path, capsys, line, needle):
    p = tmp_path / "bad.jsonl"
    p.write_text("# comment\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        load_requests(str(p))
    policy = tmp_path / "policy.txt"
    policy.write_text("隐私政策\n", encoding="utf-8")
    capsys.readouterr()
    assert main(["scan", "--policy", str(policy), "--requests", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err
