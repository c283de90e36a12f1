"""Items decided from UI runs: 1.2 (prompt on first launch), 1.3 (policy within 4 taps), 3.4 (explicit consent)."""

from __future__ import annotations

import pytest
from conftest import shared

from privaudit.evidence import EvidenceSet
from privaudit.evidence.ui.load import load_ui
from privaudit.evidence.ui.model import Screen, Transition, UiRun, Widget
from privaudit.model import Provenance, Verdict
from privaudit.rules import evaluate

PKG = "com.example.app"
QQ = ("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
POLICY_BODY = "我们如何收集和使用您的个人信息。" * 60


def W(text=None, cls="android.widget.TextView", **kw) -> Widget:
    return Widget(cls, text, **kw)


def S(sid: str, *widgets: Widget, pkg: str = PKG, activity: str | None = None) -> Screen:
    return Screen(sid, None, activity or f"{pkg}/.{sid}", pkg, list(widgets),
                  Provenance("ui", "run", f"{sid}.json", None, sid))


def T(src: str, dst: str, action: str = "tap") -> Transition:
    return Transition(src, dst, action, W(f"to {dst}", clickable=True), None, Provenance("ui", "run"))  # type: ignore[arg-type]


PROMPT = S("prompt", W("请阅读并同意《示例隐私政策》"), W("同意", "android.widget.Button", clickable=True,
                                                  bounds=(100, 1500, 500, 1600)),
           W("不同意", "android.widget.Button", clickable=True))
LAUNCHER = S("home", W("Camera"), pkg="com.android.launcher3", activity="com.android.launcher3/.Launcher")


def judge(run: UiRun, item: str):
    (f,) = evaluate(EvidenceSet(ui=[run]), [item])
    return f


def chain(n: int) -> UiRun:
    ids = ["main"] + [f"s{i}" for i in range(1, n)] + ["policy"]
    screens = [LAUNCHER, PROMPT, S("main", W("首页"))] + [S(i, W(f"页面{i}")) for i in ids[1:-1]]
    screens.append(S("policy", W("隐私政策"), W(POLICY_BODY)))
    trans = [T("home", "prompt", "start"), T("prompt", "main")] + [T(a, b) for a, b in zip(ids, ids[1:], strict=False)]
    return UiRun("run", screens, trans, [], PKG)


# ---------------------------------------------------------------- 1.2


def test_1_2_prompt_first_passes():
    f = judge(chain(2), "M191-1.2")
    assert f.verdict is Verdict.PASS
    assert f.evidence[0].kind == "screen" and f.evidence[0].data["screen"] == "prompt"
    assert f.evidence[0].provenance.source == "ui" and f.evidence[1].data["bounds"] == [100, 1500, 500, 1600]


def test_1_2_other_screen_first_is_violation():
    run = chain(2)
    run.screens.insert(1, S("ads", W("精选内容")))
    f = judge(run, "M191-1.2")
    assert f.verdict is Verdict.VIOLATION and f.evidence[0].data["screen"] == "ads"


def test_1_2_no_prompt():
    run = UiRun("run", [LAUNCHER, S("main", W("首页"))], [], [], PKG)
    assert judge(run, "M191-1.2").verdict is Verdict.VIOLATION  # the run covers the launch
    late = UiRun("run", [S("settings", W("设置"), pkg="com.android.settings")], [], [], PKG)
    f = judge(late, "M191-1.2")
    assert f.verdict is Verdict.UNDETERMINED and f.missing[0].kind == "U"


def test_1_2_without_ui_is_undetermined():
    (f,) = evaluate(EvidenceSet(), ["M191-1.2"])
    assert f.verdict is Verdict.UNDETERMINED


# ---------------------------------------------------------------- 1.3


def test_1_3_two_taps_pass():
    f = judge(chain(2), "M191-1.3")
    assert f.verdict is Verdict.PASS and f.evidence[1].data["steps"] == 2
    assert f.evidence[1].data["text"] == "隐私政策"


def test_1_3_five_taps_violation():
    f = judge(chain(5), "M191-1.3")
    assert f.verdict is Verdict.VIOLATION and "5 step(s)" in f.summary_en


def test_1_3_not_reached_is_undetermined_never_pass():
    run = chain(3)
    run.transitions = [t for t in run.transitions if t.dst != "policy"]
    f = judge(run, "M191-1.3")
    assert f.verdict is Verdict.UNDETERMINED
    assert "not reached in 3 screens / 2 transitions" in f.summary_en


# ---------------------------------------------------------------- 3.4


def test_3_4_prechecked_box_violation():
    login = S("login", W(None, "android.widget.CheckBox", checkable=True, checked=True, bounds=(100, 1800, 150, 1850)),
              W("我已阅读并同意《隐私政策》", bounds=(160, 1800, 800, 1850)), W("登录", clickable=True))
    f = judge(UiRun("run", [login], [], [], PKG), "M191-3.4")
    assert f.verdict is Verdict.VIOLATION and f.evidence[0].data["issue"] == "prechecked"
    assert f.evidence[0].data["bounds"] == [100, 1800, 150, 1850]


def test_3_4_implied_consent_violation():
    login = S("login", W("登录即代表同意《用户协议》和《隐私政策》"), W("登录", clickable=True))
    f = judge(UiRun("run", [login], [], [], PKG), "M191-3.4")
    assert f.verdict is Verdict.VIOLATION and f.evidence[0].data["issue"] == "implied"


def test_3_4_explicit_agree_passes():
    f = judge(chain(2), "M191-3.4")
    assert f.verdict is Verdict.PASS and f.evidence[0].data["text"] == "同意"


def test_3_4_acknowledge_only_prompt_violation():
    prompt = S("prompt", W("请阅读《隐私政策》"), W("我知道了", "android.widget.Button", clickable=True))
    f = judge(UiRun("run", [prompt], [], [], PKG), "M191-3.4")
    assert f.verdict is Verdict.VIOLATION and "acknowledgement" in f.summary_en


# ---------------------------------------------------------------- the real QQ音乐 run


@pytest.fixture(scope="module")
def qq_findings():
    ev = EvidenceSet(ui=[load_ui(str(shared(*QQ)))])
    return {f.item: f for f in evaluate(ev, ["M191-1.2", "M191-1.3", "M191-3.4"])}


def test_qq_1_2_passes_with_the_dialog(qq_findings):
    f = qq_findings["M191-1.2"]
    assert f.verdict is Verdict.PASS
    e = f.evidence[0]
    assert e.kind == "screen" and e.data["activity"].endswith("StartUpPrivacyPolicyActivity")
    assert "《QQ音乐隐私保护指引》" in e.data["text"] and e.provenance.entry == "states/state_2021-11-23_094445.json"
    assert any(x.data.get("text") == "确定" for x in f.evidence)


def test_qq_1_3_not_reached(qq_findings):
    # the run never opened the privacy guide's text (only the 用户许可协议 and the QQ号码规则 WebViews)
    f = qq_findings["M191-1.3"]
    assert f.verdict is Verdict.UNDETERMINED and "not reached in" in f.summary_en
    assert f.evidence[0].data["activity"].endswith("LoginActivity")  # the home feed is hosted by LoginActivity


def test_qq_3_4_prompt_offers_only_ok(qq_findings):
    # the first-launch dialog asks to "阅读并同意" but its only button is 确定 (an acknowledgement); the login
    # screen's 同意 box is unticked, so nothing is pre-checked
    f = qq_findings["M191-3.4"]
    assert f.verdict is Verdict.VIOLATION and "“确定”" in f.summary_zh
