"""UI evidence: loading DroidBot folders and uiautomator dumps, and the facts found on them."""

from __future__ import annotations

import json
import os
import tarfile

import pytest
from conftest import shared

from privaudit.errors import InputError
from privaudit.evidence.ui import detect
from privaudit.evidence.ui.load import load_ui
from privaudit.evidence.ui.model import Screen, Transition, UiRun, Widget
from privaudit.model import Provenance

QQ = ("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
PKG = "com.example.app"


def node(text="", cls="android.widget.TextView", bounds="[0,0][100,100]", clickable=False, checkable=False,
         checked=False, rid="", desc="", pkg=PKG):
    return (f'<node index="0" text="{text}" resource-id="{rid}" class="{cls}" package="{pkg}" content-desc="{desc}" '
            f'checkable="{str(checkable).lower()}" checked="{str(checked).lower()}" '
            f'clickable="{str(clickable).lower()}" enabled="true" bounds="{bounds}" />')


def dump(*nodes: str) -> str:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?><hierarchy rotation=\"0\">"
            f'<node index="0" text="" class="android.widget.FrameLayout" package="{PKG}" '
            f'bounds="[0,0][1080,2280]">{"".join(nodes)}</node></hierarchy>')


def write_dumps(folder, *xmls: str) -> None:
    for i, x in enumerate(xmls):
        p = folder / f"{i:02d}.xml"
        p.write_text(x, encoding="utf-8")
        os.utime(p, (1_700_000_000 + i, 1_700_000_000 + i))


PROMPT = dump(node("隐私政策提示"), node("请阅读《示例隐私政策》后选择"),
              node("同意", "android.widget.Button", "[100,1500][500,1600]", clickable=True),
              node("不同意", "android.widget.Button", "[600,1500][1000,1600]", clickable=True))
HOME = dump(node("首页"), node("我的", clickable=True))


# ---------------------------------------------------------------- the real QQ音乐 DroidBot run


@pytest.fixture(scope="module")
def qq():
    return load_ui(str(shared(*QQ)))


def test_qq_loads_screens_and_transitions(qq):
    assert qq.package == "com.tencent.qqmusic"
    assert len(qq.screens) > 150 and len(qq.transitions) > 300
    assert {t.action for t in qq.transitions} >= {"tap", "back", "scroll", "start", "auto"}
    assert any("empty or unreadable event file" in n for n in qq.notes)  # event_2021-11-23_105731.json is empty


def test_qq_first_launch_prompt(qq):
    p = detect.first_launch_prompt(qq)
    assert p is not None
    assert p.screen.activity.endswith("StartUpPrivacyPolicyActivity")
    texts = p.screen.texts()
    assert "隐私保护指引概要" in texts and "《QQ音乐隐私保护指引》" in p.link.label
    assert [(w.label, k) for w, k in p.controls] == [("确定", "acknowledge")]  # the dialog has no 同意 button
    assert p.before == []  # only the launcher and one blank splash of the same activity came first
    assert len(p.blank_before) == 1
    assert detect.starts_at_launch(qq)


def test_qq_policy_text_not_reached(qq):
    main = detect.main_screen(qq)
    assert main is not None and "推荐" in main.texts()
    pp = detect.taps_to_policy(qq)
    # the run opened two WebViews (the 用户许可协议 and the QQ号码规则 under a "使用条款和隐私政策" title), never the
    # privacy guide itself, and those sessions are not linked to the first main screen
    assert pp.steps is None and pp.target is None
    assert pp.explored_screens > 50 and pp.explored_transitions > 50
    webviews = [s for s in qq.screens if "WebView" in (s.activity or "")]
    assert len(webviews) == 2 and not any(detect.is_policy_text(s) for s in webviews)


def test_qq_consent_boxes(qq):
    assert detect.prechecked_consent(qq) == []
    boxes = detect.agree_controls(qq)
    assert boxes and all(label == "同意《用户许可协议》《QQ音乐隐私指引》" for _, _, label in boxes)
    assert all(not w.checked for _, w, _ in boxes)


# ---------------------------------------------------------------- uiautomator dumps


def test_dumps_prompt_first(tmp_path):
    write_dumps(tmp_path, PROMPT, HOME)
    (tmp_path / "00.png").write_bytes(b"\x89PNG")
    run = load_ui(str(tmp_path))
    assert [s.id for s in run.screens] == ["00", "01"] and run.screens[0].screenshot
    assert run.package == PKG
    assert [t.action for t in run.transitions] == ["unknown"]
    assert any("without a same-name .png" in n for n in run.notes)
    p = detect.first_launch_prompt(run)
    assert p.screen.id == "00" and p.before == [] and {k for _, k in p.controls} == {"accept", "refuse"}


def test_dumps_screen_before_prompt(tmp_path):
    write_dumps(tmp_path, HOME, PROMPT)
    p = detect.first_launch_prompt(load_ui(str(tmp_path)))
    assert p.screen.id == "01" and [s.id for s in p.before] == ["00"]


def test_prechecked_box(tmp_path):
    login = dump(node(cls="android.widget.CheckBox", bounds="[100,1800][150,1850]", checkable=True, checked=True),
                 node("我已阅读并同意《隐私政策》", bounds="[160,1800][800,1850]"), node("登录", clickable=True))
    write_dumps(tmp_path, login)
    issues = detect.prechecked_consent(load_ui(str(tmp_path)))
    assert [(i.kind, i.label) for i in issues] == [("prechecked", "我已阅读并同意《隐私政策》")]


def test_implied_consent(tmp_path):
    write_dumps(tmp_path, dump(node("登录即代表同意《用户协议》和《隐私政策》"), node("登录", clickable=True)))
    issues = detect.prechecked_consent(load_ui(str(tmp_path)))
    assert [i.kind for i in issues] == ["implied"]


def test_broken_dumps_are_notes(tmp_path):
    write_dumps(tmp_path, PROMPT, "<hierarchy><node", "not xml at all", HOME,
                '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><hierarchy/>', "<hierarchy/>")
    run = load_ui(str(tmp_path))
    assert [s.id for s in run.screens] == ["00", "03"]
    assert run.transitions == []  # the broken dumps between them break the sequence
    assert any("4 XML dump(s) skipped" in n for n in run.notes)


def test_garbage_is_one_input_error(tmp_path):
    with pytest.raises(InputError, match="neither a DroidBot output folder"):
        load_ui(str(tmp_path))
    (tmp_path / "x.xml").write_text("garbage")
    with pytest.raises(InputError, match="no readable uiautomator XML dump"):
        load_ui(str(tmp_path))
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(InputError, match="not a directory"):
        load_ui(str(f))


# ---------------------------------------------------------------- partial DroidBot folders


def _state(tag: str, sid: str, activity: str, views: list[dict]) -> dict:
    return {"tag": tag, "state_str": sid, "foreground_activity": activity, "views": views}


def _view(text=None, cls="android.widget.TextView", clickable=False, **kw) -> dict:
    return {"text": text, "class": cls, "clickable": clickable, "bounds": [[0, 0], [10, 10]], "visible": True, **kw}


def test_partial_droidbot_folder(tmp_path):
    states = tmp_path / "states"
    states.mkdir()
    (states / "state_2024-01-01_100000.json").write_text(json.dumps(_state(
        "2024-01-01_100000", "s1", f"{PKG}/.Splash",
        [_view("《隐私政策》"), _view("同意", "android.widget.Button", True)])), encoding="utf-8")
    (states / "state_2024-01-01_100005.json").write_text("{broken", encoding="utf-8")
    (states / "state_2024-01-01_100006.json").write_text(json.dumps(_state(
        "2024-01-01_100006", "s9", f"{PKG}/.Main", [])), encoding="utf-8")  # no views
    events = tmp_path / "events"
    events.mkdir()
    (events / "event_2024-01-01_100001.json").write_text(json.dumps({
        "tag": "2024-01-01_100001", "start_state": "s1", "stop_state": "s2",
        "event": {"event_type": "touch", "view": _view("同意", "android.widget.Button", True)}}))
    (events / "event_2024-01-01_100002.json").write_text("")
    with tarfile.open(tmp_path / "states_json.tar.gz", "w:gz") as tf:
        data = json.dumps(_state("2024-01-01_100003", "s2", f"{PKG}/.Main", [_view("首页")])).encode()
        import io

        info = tarfile.TarInfo("states/state_2024-01-01_100003.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        evil = tarfile.TarInfo("../state_2024-01-01_100004.json")
        evil.size = len(data)
        tf.addfile(evil, io.BytesIO(data))
    run = load_ui(str(tmp_path))
    assert [s.id for s in run.screens] == ["s1", "s2"]
    assert [(t.src, t.dst, t.action) for t in run.transitions] == [("s1", "s2", "tap")]
    joined = " | ".join(run.notes)
    assert "not JSON" in joined and "without a state_str, tag or views" in joined
    assert "empty or unreadable event file" in joined and "'..' paths ignored" in joined


# ---------------------------------------------------------------- taps_to_policy on hand-made runs


def _screen(sid: str, *texts: str, activity: str | None = None) -> Screen:
    return Screen(sid, None, activity or f"{PKG}/.{sid}", PKG, [Widget("android.widget.TextView", t) for t in texts],
                  Provenance("ui", "run", f"{sid}.json", None, sid))


POLICY_BODY = "我们如何收集和使用您的个人信息。" * 60


def chain_run(n_taps: int) -> UiRun:
    prompt = Screen("prompt", None, f"{PKG}/.Prompt", PKG,
                    [Widget("android.widget.TextView", "请阅读《隐私政策》"),
                     Widget("android.widget.Button", "同意", clickable=True)], Provenance("ui", "run"))
    screens = [prompt, _screen("main", "首页")] + [_screen(f"s{i}", f"页面{i}") for i in range(1, n_taps)]
    screens.append(_screen("policy", "隐私政策", POLICY_BODY))
    ids = [s.id for s in screens[1:]]
    trans = [Transition("prompt", "main", "tap", None, None, Provenance("ui", "run"))]
    trans += [Transition(a, b, "tap", Widget("android.widget.TextView", f"to {b}"), None, Provenance("ui", "run"))
              for a, b in zip(ids, ids[1:], strict=False)]
    trans.append(Transition("main", "policy", "start", None, None, Provenance("ui", "run")))  # relaunch: ignored
    return UiRun("run", screens, trans, [], PKG)


@pytest.mark.parametrize("n", [2, 5])
def test_taps_to_policy_chain(n):
    pp = detect.taps_to_policy(chain_run(n))
    assert pp.start.id == "main" and pp.target.id == "policy" and pp.steps == n
    assert pp.heading.label == "隐私政策" and len(pp.path) == n


def test_auto_steps_are_free():
    run = chain_run(2)
    run.transitions.insert(1, Transition("main", "s1", "auto", None, None, Provenance("ui", "run")))
    assert detect.taps_to_policy(run).steps == 1


def test_not_reached_counts():
    run = chain_run(3)
    run.transitions = [t for t in run.transitions if t.dst != "policy"]
    pp = detect.taps_to_policy(run)
    assert pp.steps is None and pp.explored_screens == 3 and pp.explored_transitions == 2
