"""UI detectors for 2.3 (permission dialogs and their purpose), 3.2 / 4.2 (after a refusal), 3.6 (personalisation
switch), 6.1 / 6.2 / 6.5 (cancellation and complaint entries)."""

from __future__ import annotations

import os

import pytest
from conftest import shared

from privaudit.evidence.ui import detect
from privaudit.evidence.ui.load import load_ui
from privaudit.evidence.ui.model import Screen, Transition, UiRun, Widget
from privaudit.model import Provenance

QQ = ("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
PKG = "com.example.app"
PC = "com.android.permissioncontroller"


def node(text="", cls="android.widget.TextView", bounds="[0,0][100,100]", clickable=False, checkable=False,
         checked=False, rid="", pkg=PKG):
    return (f'<node index="0" text="{text}" resource-id="{rid}" class="{cls}" package="{pkg}" content-desc="" '
            f'checkable="{str(checkable).lower()}" checked="{str(checked).lower()}" '
            f'clickable="{str(clickable).lower()}" enabled="true" bounds="{bounds}" />')


def dump(*nodes: str, pkg: str = PKG) -> str:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"
            f'<node index="0" text="" class="android.widget.FrameLayout" package="{pkg}" '
            f'bounds="[0,0][1080,2280]">{"".join(nodes)}</node></hierarchy>')


def write_dumps(folder, *xmls: str) -> str:
    for i, x in enumerate(xmls):
        p = folder / f"{i:02d}.xml"
        p.write_text(x, encoding="utf-8")
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))
    return str(folder)


def system_dialog(sentence: str = "要允许“示例”访问您设备上的照片、媒体内容和文件吗？") -> str:
    return dump(node(sentence, rid=f"{PC}:id/permission_message", pkg=PC),
                node("允许", "android.widget.Button", clickable=True, rid=f"{PC}:id/permission_allow_button", pkg=PC),
                node("拒绝", "android.widget.Button", clickable=True, rid=f"{PC}:id/permission_deny_button", pkg=PC),
                pkg=PC)


HOME = dump(node("首页"), node("我的", clickable=True))


def test_permission_dialog_without_purpose(tmp_path):
    run = load_ui(write_dumps(tmp_path, HOME, system_dialog()), PKG)
    (d,) = detect.permission_dialogs(run)
    assert d.group == "storage" and d.purpose is None and d.previous is not None and d.previous.id == "00"
    assert [b.label for b in d.buttons] == ["允许", "拒绝"]


def test_permission_dialog_with_purpose_before(tmp_path):
    why = dump(node("存储权限使用说明"), node("我们需要申请存储权限，用于保存您下载的歌曲和图片。"),
               node("去授权", clickable=True))
    run = load_ui(write_dumps(tmp_path, HOME, why, system_dialog()), PKG)
    (d,) = detect.permission_dialogs(run)
    assert d.purpose is not None and d.purpose[0].id == "01" and d.purpose[2].startswith("我们需要申请存储权限")


def test_generic_purpose_does_not_count(tmp_path):
    why = dump(node("为保证App正常运行，需要获取您的存储权限"), node("好的", clickable=True))
    run = load_ui(write_dumps(tmp_path, why, system_dialog()), PKG)
    (d,) = detect.permission_dialogs(run)
    assert d.purpose is None and d.generic and "正常运行" in d.generic[0][2]


@pytest.mark.parametrize(("text", "specific"), [
    ("QQ音乐请求存储空间权限用于保存下载歌曲及缓存歌曲", True),
    ("扫码功能需要使用相机权限", True),
    ("为了提升体验，我们需要使用您的位置权限", False),
    ("为保证App正常运行，需要获取存储权限", False),
    ("用于保存下载歌曲", False),  # no permission or PI named
])
def test_purpose_sentences(text, specific):
    assert bool(detect.purpose_sentences(text)[0]) is specific


def test_app_dialog_under_permission_activity_is_not_a_system_dialog():
    w = Widget("android.widget.TextView", "QQ音乐请求存储空间权限用于保存下载歌曲。", rid=f"{PKG}:id/es")
    s = Screen("x", None, f"{PC}/.permission.ui.GrantPermissionsActivity", PC,
               [w, Widget("android.widget.Button", "确定", rid=f"{PKG}:id/ok", clickable=True)],
               Provenance("ui", "run"))
    assert detect.is_permission_dialog(s) is None


# ---------------------------------------------------------------- after a refusal

def W(text=None, cls="android.widget.TextView", **kw) -> Widget:
    return Widget(cls, text, **kw)


def S(sid: str, *widgets: Widget, pkg: str = PKG) -> Screen:
    return Screen(sid, None, f"{pkg}/.{sid}", pkg, list(widgets), Provenance("ui", "run", f"{sid}.json", None, sid))


def T(src: str, dst: str, action: str = "tap", label: str | None = None) -> Transition:
    return Transition(src, dst, action, W(label, clickable=True) if label else None, None,  # type: ignore[arg-type]
                      Provenance("ui", "run"))


PROMPT = S("prompt", W("请阅读并同意《示例隐私政策》"), W("同意", "android.widget.Button", clickable=True),
           W("不同意", "android.widget.Button", clickable=True))
LAUNCHER = S("home", W("Camera"), pkg="com.android.launcher3")
MAIN = S("main", W("首页"))


def test_refusal_exit():
    run = UiRun("run", [PROMPT, LAUNCHER], [T("prompt", "home", label="不同意")], [], PKG)
    (r,) = detect.after_refusal(run)
    assert (r.kind, r.outcome, r.next.id) == ("consent", "exit", "home")


def test_refusal_loop_through_unrecorded_state():
    again = S("prompt2", *PROMPT.widgets)
    run = UiRun("run", [PROMPT, again], [T("prompt", "blank", label="不同意"), T("blank", "prompt2", "auto")], [], PKG)
    (r,) = detect.after_refusal(run)
    assert r.outcome == "loop" and r.next is again


def test_refusal_continue_and_permission_deny():
    dialog = S("perm", W("Allow Example to access your location?"), W("ALLOW", "android.widget.Button"),
               W("DENY", "android.widget.Button"), pkg=PC)
    run = UiRun("run", [PROMPT, MAIN, dialog],
                [T("prompt", "main", label="不同意"), T("main", "perm", "auto"), T("perm", "main", label="DENY")], [],
                PKG)
    outs = [(r.kind, r.outcome) for r in detect.after_refusal(run)]
    assert outs == [("consent", "continue"), ("permission", "continue")]


# ---------------------------------------------------------------- personalisation, account paths


def test_personalisation_switch_on_row():
    settings = S("settings", W("个性化推荐", bounds=(40, 400, 600, 460)),
                 W(None, "android.widget.Switch", checkable=True, checked=True, bounds=(900, 405, 1040, 455)),
                 W("清除缓存", bounds=(40, 600, 600, 660)))
    (p,) = detect.personalisation_switch(UiRun("run", [settings], [], [], PKG))
    assert p.switch is not None and p.switch.checked and p.label.label == "个性化推荐"


def test_personalisation_marked_without_switch():
    feed = S("feed", W("猜你喜欢", bounds=(0, 100, 300, 150)), W("歌曲A"))
    (p,) = detect.personalisation_switch(UiRun("run", [feed], [], [], PKG))
    assert p.switch is None


def test_account_paths_with_distance_and_conditions():
    me = S("me", W("我的"), W("设置", clickable=True))
    settings = S("settings", W("注销账号", clickable=True), W("联系客服", clickable=True))
    cancel = S("cancel", W("账号注销"), W("请上传本人手持身份证照片，并绑定手机号完成验证"))
    run = UiRun("run", [PROMPT, MAIN, me, settings, cancel],
                [T("prompt", "main", label="同意"), T("main", "me", label="我的"), T("me", "settings", label="设置"),
                 T("settings", "cancel", label="注销账号")], [], PKG)
    paths = detect.account_paths(run)
    assert [(e.widget.label, e.steps) for e in paths.cancel] == [("注销账号", 2), ("账号注销", 3)]
    assert [(e.widget.label, e.steps) for e in paths.complaint] == [("联系客服", 2)]
    assert [(c.condition, c.unreasonable) for c in paths.conditions] == [("id_photo_in_hand", True)]


# ---------------------------------------------------------------- the real QQ音乐 run


@pytest.fixture(scope="module")
def qq():
    return load_ui(str(shared(*QQ)))


def test_qq_permission_dialogs(qq):
    # Verified by reading the states: the storage dialog (state 8cf282d4, "Allow QQMusic to access photos, media, and
    # files on your device?") follows the 隐私保护指引概要 prompt (7f4253e0) through one unrecorded state; neither
    # says what storage is for. The app's own text "QQ音乐请求存储空间权限用于保存下载歌曲及缓存歌曲。" (state fa0ca355)
    # appears only ~73 min later, after a relaunch — not before the system dialog. The camera dialog (ac972957)
    # follows a player screen (687b02f2) tapped on 灯光已关闭, again without a purpose.
    dialogs = {d.screen.id[:8]: d for d in detect.permission_dialogs(qq)}
    assert set(dialogs) == {"8cf282d4", "ac972957"}
    storage, camera = dialogs["8cf282d4"], dialogs["ac972957"]
    assert storage.group == "storage" and camera.group == "camera"
    assert storage.previous is not None and storage.previous.id.startswith("7f4253e0")
    assert "隐私保护指引概要" in storage.previous.texts()
    assert camera.previous is not None and camera.previous.id.startswith("687b02f2")
    assert storage.purpose is None and camera.purpose is None
    late = next(s for s in qq.screens if s.id.startswith("fa0ca355"))
    assert detect.is_permission_dialog(late) is None  # the app's own dialog, though the permission activity is in front
    assert any(detect.purpose_sentences(t)[0] for t in late.texts())
    assert late.t is not None and storage.screen.t is not None and late.t - storage.screen.t > 3600


def test_qq_no_refusal_personalisation_or_account_entries(qq):
    assert detect.after_refusal(qq) == []  # DroidBot never tapped DENY / 不同意 in this run
    assert detect.personalisation_switch(qq) == []
    paths = detect.account_paths(qq)
    assert paths.cancel == [] and paths.conditions == [] and paths.complaint == []


# ---------------------------------------------------------------- picture


def test_to_svg_escapes_and_highlights():
    import xml.etree.ElementTree as ET

    from privaudit.evidence.ui.graph import to_svg

    evil = S("evil", W('<script>alert("x")</script> & 《隐私政策》'))
    run = UiRun("run", [PROMPT, MAIN, evil], [T("prompt", "main", label="同意"), T("main", "evil", label="a<b")], [],
                PKG)
    svg = to_svg(run, [run.transitions[1]])
    root = ET.fromstring(svg)  # well-formed
    assert root.tag.endswith("svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('stroke="#d22"') == 3  # the highlighted edge and its two screens
    assert "a&lt;b" in svg


def test_to_svg_on_qq(qq):
    import xml.etree.ElementTree as ET

    from privaudit.evidence.ui.graph import to_svg

    svg = to_svg(qq)
    assert ET.fromstring(svg).tag.endswith("svg") and svg.count("<rect") == len(qq.screens)
