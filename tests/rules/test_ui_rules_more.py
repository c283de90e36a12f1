"""Items decided (or helped) by the new UI detectors: 2.3, 3.2, 4.2, 3.6, 6.1, 6.2, 6.5."""

from __future__ import annotations

import pytest
from conftest import REPO, shared

from privaudit.evidence import EvidenceSet
from privaudit.evidence.policy.analyse import analyse
from privaudit.evidence.policy.document import read_policy
from privaudit.evidence.ui.load import load_ui
from privaudit.evidence.ui.model import Screen, Transition, UiRun, Widget
from privaudit.model import Provenance, Verdict
from privaudit.rules import evaluate

PKG = "com.example.app"
PC = "com.android.permissioncontroller"
QQ = ("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
POL = REPO / "tests" / "fixtures" / "policy"


def W(text=None, cls="android.widget.TextView", **kw) -> Widget:
    return Widget(cls, text, **kw)


def S(sid: str, *widgets: Widget, pkg: str = PKG) -> Screen:
    return Screen(sid, None, f"{pkg}/.{sid}", pkg, list(widgets), Provenance("ui", "run", f"{sid}.json", None, sid))


def T(src: str, dst: str, action: str = "tap", label: str | None = None) -> Transition:
    return Transition(src, dst, action, W(label, clickable=True) if label else None, None,  # type: ignore[arg-type]
                      Provenance("ui", "run"))


def judge(run: UiRun, item: str, policy: str | None = None):
    ev = EvidenceSet(ui=[run])
    if policy:
        ev.policy = analyse(read_policy(str(POL / policy)))
    (f,) = evaluate(ev, [item])
    return f


PROMPT = S("prompt", W("请阅读并同意《示例隐私政策》"), W("同意", "android.widget.Button", clickable=True),
           W("不同意", "android.widget.Button", clickable=True))
LAUNCHER = S("home", W("Camera"), pkg="com.android.launcher3")
MAIN = S("main", W("首页"), W("下载", clickable=True))
DIALOG = S("perm", W("要允许“示例”访问您设备上的照片、媒体内容和文件吗？", rid=f"{PC}:id/permission_message"),
           W("允许", "android.widget.Button", rid=f"{PC}:id/permission_allow_button", clickable=True),
           W("拒绝", "android.widget.Button", rid=f"{PC}:id/permission_deny_button", clickable=True), pkg=PC)


# ---------------------------------------------------------------- 2.3


def test_2_3_dialog_without_purpose_violation():
    run = UiRun("run", [MAIN, DIALOG], [T("main", "perm", label="下载")], [], PKG)
    f = judge(run, "M191-2.3")
    assert f.verdict is Verdict.VIOLATION
    assert [e.data["screen"] for e in f.evidence] == ["perm", "main"]
    assert f.evidence[0].data["permission"] == "storage" and f.evidence[0].provenance.source == "ui"


def test_2_3_dialog_with_purpose_passes():
    why = S("why", W("我们需要获取存储权限，用于保存您下载的歌曲。"), W("好的", clickable=True))
    run = UiRun("run", [MAIN, why, DIALOG], [T("main", "why", label="下载"), T("why", "perm", label="好的")], [], PKG)
    f = judge(run, "M191-2.3")
    assert f.verdict is Verdict.PASS and f.evidence[0].data["screen"] == "why"


def test_2_3_generic_purpose_is_violation():
    why = S("why", W("为保证App正常运行，需要获取您的存储权限"), W("好的", clickable=True))
    run = UiRun("run", [why, DIALOG], [T("why", "perm", label="好的")], [], PKG)
    f = judge(run, "M191-2.3")
    assert f.verdict is Verdict.VIOLATION and "generic" in f.summary_en
    assert any(e.data.get("kind") == "generic_purpose" for e in f.evidence)


def test_2_3_no_dialog_no_policy_is_undetermined():
    assert judge(UiRun("run", [MAIN], [], [], PKG), "M191-2.3").verdict is Verdict.UNDETERMINED


# ---------------------------------------------------------------- 3.2 / 4.2


def test_4_2_exit_on_refusal_is_risk_not_violation():
    run = UiRun("run", [PROMPT, LAUNCHER], [T("prompt", "home", label="不同意")], [], PKG)
    f = judge(run, "M191-4.2")
    assert f.verdict is Verdict.RISK and "exited 1" in f.summary_en
    assert [e.data["screen"] for e in f.evidence] == ["prompt", "home"]
    assert judge(run, "M191-3.2").verdict is Verdict.UNDETERMINED  # an exit is no loop


def test_3_2_refusal_loop_violation():
    again = S("prompt2", *PROMPT.widgets)
    run = UiRun("run", [PROMPT, again], [T("prompt", "prompt2", label="不同意")], [], PKG)
    f = judge(run, "M191-3.2")
    assert f.verdict is Verdict.VIOLATION and "loop" in f.summary_en
    assert [e.data["kind"] for e in f.evidence] == ["refused_consent", "prompt_again"]
    assert judge(run, "M191-4.2").verdict is Verdict.RISK


def test_permission_denied_then_asked_again_is_3_2_violation():
    run = UiRun("run", [MAIN, DIALOG], [T("main", "perm", label="下载"), T("perm", "perm", label="拒绝")], [], PKG)
    assert judge(run, "M191-3.2").verdict is Verdict.VIOLATION


def test_4_2_refusal_then_carry_on_passes_and_no_refusal_is_undetermined():
    run = UiRun("run", [PROMPT, MAIN], [T("prompt", "main", label="不同意")], [], PKG)
    assert judge(run, "M191-4.2").verdict is Verdict.PASS
    run = UiRun("run", [PROMPT, MAIN], [T("prompt", "main", label="同意")], [], PKG)
    assert judge(run, "M191-4.2").verdict is Verdict.UNDETERMINED


# ---------------------------------------------------------------- 3.6

SETTINGS = S("settings", W("个性化推荐", bounds=(40, 400, 600, 460)),
             W(None, "android.widget.Switch", checkable=True, checked=True, bounds=(900, 405, 1040, 455)))
FEED = S("feed", W("猜你喜欢"), W("歌曲A"))


def test_3_6_switch_passes():
    f = judge(UiRun("run", [SETTINGS], [], [], PKG), "M191-3.6")
    assert f.verdict is Verdict.PASS and f.evidence[0].data["checked"] is True


def test_3_6_switch_passes_even_when_policy_lacks_opt_out():
    f = judge(UiRun("run", [SETTINGS], [], [], PKG), "M191-3.6", "deficient_zh.txt")
    assert f.verdict is Verdict.PASS and "does not describe" in f.summary_en


def test_3_6_marked_without_switch_is_undetermined_unless_policy_says_no_opt_out():
    run = UiRun("run", [FEED], [], [], PKG)
    assert judge(run, "M191-3.6").verdict is Verdict.UNDETERMINED
    f = judge(run, "M191-3.6", "deficient_zh.txt")
    assert f.verdict is Verdict.VIOLATION and any(e.kind == "screen" for e in f.evidence)


# ---------------------------------------------------------------- 6.1 / 6.2 / 6.5


def account_run(cond: str = "请上传本人手持身份证照片") -> UiRun:
    me = S("me", W("我的"), W("设置", clickable=True))
    settings = S("settings", W("注销账号", clickable=True), W("意见反馈", clickable=True))
    cancel = S("cancel", W("账号注销"), W(cond))
    return UiRun("run", [PROMPT, MAIN, me, settings, cancel],
                 [T("prompt", "main", label="同意"), T("main", "me", label="我的"), T("me", "settings", label="设置"),
                  T("settings", "cancel", label="注销账号")], [], PKG)


def test_6_2_hand_held_id_photo_violation():
    f = judge(account_run(), "M191-6.2")
    assert f.verdict is Verdict.VIOLATION and "手持身份证" in f.summary_zh
    assert f.evidence[0].data["condition"] == "id_photo_in_hand" and f.evidence[0].data["screen"] == "cancel"


def test_6_2_other_conditions_are_risk():
    assert judge(account_run("注销前请确认账号内无未完成的订单"), "M191-6.2").verdict is Verdict.RISK


def test_6_1_and_6_5_entries():
    f = judge(account_run(), "M191-6.1")
    assert f.verdict is Verdict.PASS and f.evidence[0].data["steps"] == 2
    f = judge(account_run(), "M191-6.5")
    assert f.verdict is Verdict.PASS and f.evidence[0].data["text"] == "意见反馈"


def test_6_5_ui_entry_complements_the_policy():
    f = judge(account_run(), "M191-6.5", "deficient_zh.txt")  # the policy publishes no channel, the app has one
    assert f.verdict is Verdict.RISK and f.evidence[0].data["kind"] == "complaint_entry"
    f = judge(account_run(), "M191-6.5", "good_zh.html")
    assert f.verdict is Verdict.PASS and {e.kind for e in f.evidence} == {"policy_sentence", "screen"}


def test_6_1_far_entry_is_risk():
    run = account_run()
    run.screens.insert(2, S("mid", W("更多")))
    run.transitions[1] = T("main", "mid", label="更多")
    run.transitions.insert(2, T("mid", "me", label="我的"))
    run.transitions.insert(3, T("me", "me", label="x"))
    extra = [S(f"x{i}", W(f"页{i}")) for i in range(3)]
    run.screens += extra
    run.transitions[-1:] = [T("settings", "x0"), T("x0", "x1"), T("x1", "x2"), T("x2", "cancel")]
    run.screens[4] = S("settings", W("账号与安全", clickable=True))  # the entry label only on the far screen
    f = judge(run, "M191-6.1")
    assert f.verdict is Verdict.RISK and f.evidence[0].data["steps"] == 7


# ---------------------------------------------------------------- the real QQ音乐 run


@pytest.fixture(scope="module")
def qq_findings():
    return {f.item: f for f in evaluate(EvidenceSet(ui=[load_ui(str(shared(*QQ)))]),
                                        ["M191-2.3", "M191-3.2", "M191-4.2", "M191-3.6", "M191-6.1", "M191-6.5"])}


def test_qq_2_3_storage_and_camera_dialogs_without_purpose(qq_findings):
    f = qq_findings["M191-2.3"]
    assert f.verdict is Verdict.VIOLATION and "2 system permission dialog(s) (camera, storage)" in f.summary_en
    dialogs = [e for e in f.evidence if e.data.get("kind") == "permission_dialog"]
    assert [e.data["permission"] for e in dialogs] == ["storage", "camera"]
    assert dialogs[0].data["text"].startswith("Allow QQMusic to access photos")
    before = [e for e in f.evidence if e.data.get("kind") == "previous_screen"]
    assert before[0].data["screen"].startswith("7f4253e0")  # the 隐私保护指引概要 prompt, no storage purpose


def test_qq_refusal_items_stay_undetermined(qq_findings):
    assert qq_findings["M191-4.2"].verdict is Verdict.UNDETERMINED  # no 不同意 / DENY tap in the run
    assert qq_findings["M191-3.2"].verdict is Verdict.UNDETERMINED
    assert qq_findings["M191-3.6"].verdict is Verdict.UNDETERMINED
    assert qq_findings["M191-6.1"].verdict is Verdict.UNDETERMINED
