"""M191-1.4 from the screen that shows the policy: language (policy text) plus size and contrast (screenshot)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from conftest import REPO, shared

from privaudit.evidence import EvidenceSet
from privaudit.evidence.ui.load import load_ui
from privaudit.model import Verdict
from privaudit.rules import evaluate

_spec = importlib.util.spec_from_file_location(  # the PNG / dump builders of the evidence tests
    "_readability_builders", Path(__file__).parents[1] / "evidence" / "ui" / "test_readability_ui.py")
_b = importlib.util.module_from_spec(_spec)  # type: ignore[arg-type]
_spec.loader.exec_module(_b)  # type: ignore[union-attr]
policy_run, LIGHT, QQ = _b.policy_run, _b.LIGHT, _b.QQ


def _policy(name: str = "good_zh.html"):
    from privaudit.evidence.policy.analyse import analyse
    from privaudit.evidence.policy.document import read_policy

    return analyse(read_policy(str(REPO / "tests" / "fixtures" / "policy" / name)))


def judge(**kw):
    (f,) = evaluate(EvidenceSet(**kw), ["M191-1.4"])
    return f


def readability(f):
    return [e for e in f.evidence if e.data.get("kind") == "policy_readability"]


def test_language_and_visual_fine_pass(tmp_path):
    f = judge(policy=_policy(), ui=[policy_run(tmp_path)])
    assert f.verdict is Verdict.PASS
    (e,) = readability(f)
    assert e.data["screen"] == "b_policy" and e.data["contrast"] > 12 and e.data["sp"] > 12
    assert e.data["bounds"] == [0, 40, 360, 600] and e.data["text"].startswith("我们如何收集")


def test_low_contrast_is_a_risk(tmp_path):
    f = judge(policy=_policy(), ui=[policy_run(tmp_path, fg=LIGHT)])
    assert f.verdict is Verdict.RISK and "4.5:1" in f.summary_en
    assert readability(f)[0].data["contrast"] < 2


def test_small_text_is_a_risk(tmp_path):
    f = judge(policy=_policy(), ui=[policy_run(tmp_path, body_box=(0, 40, 360, 300))])
    assert f.verdict is Verdict.RISK
    assert "under 12 sp" in f.summary_en and "median body text" in f.summary_en
    assert readability(f)[0].data["sp"] < 12


def test_ui_without_policy_text_is_undetermined(tmp_path):
    f = judge(ui=[policy_run(tmp_path)])
    assert f.verdict is Verdict.UNDETERMINED and [m.kind for m in f.missing] == ["P"]


def test_no_screenshot_keeps_the_language_verdict(tmp_path):
    f = judge(policy=_policy(), ui=[policy_run(tmp_path, with_png=False)])
    assert f.verdict is Verdict.UNDETERMINED and "screenshot" in f.summary_en
    f = judge(policy=_policy())
    assert f.verdict is Verdict.UNDETERMINED and "no UI run" in f.summary_en


def test_qqmusic_policy_not_reached_keeps_policy_verdict():
    run = load_ui(str(shared(*QQ)))
    f = judge(policy=_policy(), ui=[run])
    assert f.verdict is Verdict.UNDETERMINED and not readability(f)
    assert "did not reach the policy text" in f.summary_en
