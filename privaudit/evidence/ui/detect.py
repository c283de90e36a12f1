"""Facts found on a UI run, no verdicts: the first-launch privacy prompt, the tap distance from the main screen to
the policy text, pre-ticked consent boxes and "continuing means agreeing" texts.

Words come from ``runtime.consent``: a control is an agree / refuse / acknowledge control when its whole label is
one of ``consent_words`` (so 不同意 is never 同意); a text names the privacy policy when it contains one of the
policy words that speak of privacy or personal information (隐私政策, 隐私保护指引, 个人信息保护政策 …; a bare
用户协议 does not) or a book-title link 《…隐私…》.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field

from privaudit.evidence.runtime.consent import agrees, classify_control, consent_words, normalise, presents_policy
from privaudit.evidence.ui.model import Screen, Transition, UiRun, Widget

PRIVACY_WORDS = tuple(normalise(w) for lang in consent_words["policy"].values() for w in lang
                      if "隐私" in w or "个人信息" in w or "privacy" in w)
_LINK = re.compile(r"《[^》]{0,40}(?:隐私|个人信息)[^》]{0,40}》")
# "logging in / registering / continuing means you agree to …" (CP 2.2: consent implied by another action)
IMPLIED_RE = re.compile(r"(?:登录|登陆|注册|继续|使用|进入|点击|下一步|开始)[^，。,;；]{0,12}?"
                        r"(?:即|即代表|即表示|即视为|视为|表示|代表|意味着)[^，。,;；]{0,6}?(?:同意|接受)"
                        r"|by (?:logging in|signing up|registering|continuing|using)[^.]{0,40}?you (?:agree|accept)",
                        re.IGNORECASE)
SYSTEM_PACKAGES = ("android", "com.android.systemui", "com.android.permissioncontroller",
                   "com.google.android.permissioncontroller", "com.android.packageinstaller",
                   "com.google.android.packageinstaller")
POLICY_TEXT_MIN_CHARS = 800  # a policy page is long text
POLICY_TEXT_MIN_PI = 5  # … that speaks of personal information (个人信息 / personal information) this many times
HEADING_MAX_CHARS = 40
STEP_COST = {"tap": 1, "back": 1, "scroll": 1, "input": 1, "unknown": 1, "auto": 0}  # "start" is not navigation


def names_privacy(text: str | None) -> bool:
    if not text:
        return False
    norm = normalise(text)
    return any(w in norm for w in PRIVACY_WORDS) or bool(_LINK.search(text))


def is_system(screen: Screen) -> bool:
    pkg = screen.package or ""
    return pkg in SYSTEM_PACKAGES or "launcher" in pkg or "launcher" in (screen.activity or "").lower()


def controls(screen: Screen) -> list[tuple[Widget, str]]:
    """Clickable controls (or buttons) labelled with a consent word: (widget, accept|refuse|acknowledge)."""
    out = []
    for w in screen.widgets:
        if w.clickable or w.cls.endswith("Button"):
            kind = classify_control(w.label)
            if kind:
                out.append((w, kind))
    return out


def is_prompt(screen: Screen) -> bool:
    return any(names_privacy(t) for t in screen.texts()) and bool(controls(screen))


def is_policy_text(screen: Screen) -> Widget | None:
    """The heading naming the privacy policy when the screen shows the policy text itself, else None.

    Long text (``POLICY_TEXT_MIN_CHARS``) that speaks of personal information (``POLICY_TEXT_MIN_PI`` times)
    under a heading or WebView title naming the privacy policy; a 《…》 link inside other text is no heading.
    """
    texts = screen.texts()
    body = "".join(texts)
    if len(body) < POLICY_TEXT_MIN_CHARS:
        return None
    pi = body.count("个人信息") + len(re.findall(r"(?i)personal (?:information|data)", body))
    if pi < POLICY_TEXT_MIN_PI:
        return None
    for w in screen.widgets:
        label = w.label
        if label and len(label.strip()) <= HEADING_MAX_CHARS and not label.strip().startswith("《") \
                and names_privacy(label):
            return w
    return None


def app_package(run: UiRun) -> str | None:
    if run.package:
        return run.package
    for s in run.screens:
        if not is_system(s) and s.package:
            return s.package
    return None


def _is_app(screen: Screen, pkg: str | None) -> bool:
    return not is_system(screen) and (pkg is None or screen.package == pkg)


@dataclass(slots=True)
class Prompt:
    screen: Screen
    link: Widget | None  # the text naming the policy
    controls: list[tuple[Widget, str]]
    before: list[Screen] = field(default_factory=list)  # app screens with content shown before the prompt
    blank_before: list[Screen] = field(default_factory=list)  # app screens without any text (splash, loading)


def first_launch_prompt(run: UiRun) -> Prompt | None:
    pkg = app_package(run)
    before: list[Screen] = []
    blank: list[Screen] = []
    for s in run.screens:
        if is_prompt(s):
            link = next((w for w in s.widgets if w.label and _LINK.search(w.label)), None) \
                or next((w for w in s.widgets if names_privacy(w.label)), None)
            return Prompt(s, link, controls(s), before, blank)
        if _is_app(s, pkg):
            (before if s.texts() else blank).append(s)
    return None


def starts_at_launch(run: UiRun) -> bool:
    """The run's first screen is the launcher or the app's own: it covers the app's launch."""
    if not run.screens:
        return False
    first = run.screens[0]
    return _is_app(first, app_package(run)) or "launcher" in (first.package or "") \
        or "launcher" in (first.activity or "").lower()


def main_screen(run: UiRun) -> Screen | None:
    """The first app screen with content after the consent prompt (or from the start when there is none)."""
    prompt = first_launch_prompt(run)
    pkg = app_package(run)
    started = prompt is None
    for s in run.screens:
        if not started:
            started = s is prompt.screen  # type: ignore[union-attr]
            continue
        if _is_app(s, pkg) and s.texts() and not is_prompt(s):
            return s
    return None


@dataclass(slots=True)
class PolicyPath:
    start: Screen | None
    target: Screen | None = None
    heading: Widget | None = None
    steps: int | None = None  # taps, back presses, scrolls and inputs on the shortest path; None: not reached
    path: list[Transition] = field(default_factory=list)
    explored_screens: int = 0
    explored_transitions: int = 0


def taps_to_policy(run: UiRun) -> PolicyPath:
    """Shortest path (0-1 BFS; ``auto`` steps are free, ``start`` relaunches excluded) from the main screen."""
    start = main_screen(run)
    out = PolicyPath(start)
    if start is None:
        return out
    by_id = {s.id: s for s in run.screens}
    edges: dict[str, list[Transition]] = {}
    for tr in run.transitions:
        if tr.action in STEP_COST and tr.src != tr.dst:
            edges.setdefault(tr.src, []).append(tr)
    dist = {start.id: 0}
    back: dict[str, Transition] = {}
    queue = deque([start.id])
    done: set[str] = set()
    explored_edges = 0
    best: str | None = None
    while queue:
        node = queue.popleft()
        if node in done:
            continue
        done.add(node)
        scr = by_id.get(node)
        heading = is_policy_text(scr) if scr is not None else None
        if heading is not None:
            best, out.heading = node, heading
            break
        for tr in edges.get(node, []):
            explored_edges += 1
            d = dist[node] + STEP_COST[tr.action]
            if d < dist.get(tr.dst, 1 << 30):
                dist[tr.dst] = d
                back[tr.dst] = tr
                (queue.appendleft if STEP_COST[tr.action] == 0 else queue.append)(tr.dst)
    out.explored_screens = len(done)
    out.explored_transitions = explored_edges
    if best is not None:
        out.target = by_id[best]
        out.steps = dist[best]
        node = best
        while node in back:
            out.path.append(back[node])
            node = back[node].src
        out.path.reverse()
    return out


@dataclass(slots=True)
class ConsentIssue:
    kind: str  # "prechecked" (a ticked box naming the policy, first seen ticked) or "implied" (continuing = agreeing)
    screen: Screen
    widget: Widget
    label: str


def row_label(screen: Screen, box: Widget) -> str:
    """The box's own label, else the texts on its row to its right, left to right."""
    if box.label:
        return box.label
    if box.bounds is None:
        return ""
    x1, y1, _x2, y2 = box.bounds
    row = []
    for w in screen.widgets:
        if w is box or not w.label or w.bounds is None:
            continue
        wx1, wy1, _wx2, wy2 = w.bounds
        if wy1 < y2 and y1 < wy2 and wx1 >= x1 and (wy2 - wy1) <= 3 * max(1, y2 - y1):
            row.append((wx1, w.label))
    return "".join(t for _, t in sorted(row))


def _box_key(screen: Screen, box: Widget, label: str) -> tuple[str | None, str, str]:
    return (screen.activity or screen.package, box.rid or box.cls, label)


def prechecked_consent(run: UiRun) -> list[ConsentIssue]:
    out: list[ConsentIssue] = []
    seen: set[tuple[str | None, str, str]] = set()
    for s in run.screens:
        boxes = [w for w in s.widgets if w.checkable]
        for box in boxes:
            label = row_label(s, box)
            if not presents_policy(label):
                continue
            key = _box_key(s, box, label)
            if key in seen:
                continue
            seen.add(key)
            if box.checked:
                out.append(ConsentIssue("prechecked", s, box, label))
        if boxes:
            continue
        for w in s.widgets:
            if w.label and presents_policy(w.label) and IMPLIED_RE.search(w.label):
                out.append(ConsentIssue("implied", s, w, w.label))
    return out


def agree_controls(run: UiRun) -> list[tuple[Screen, Widget, str]]:
    """Explicit agreement on a screen naming the policy: an agree control, or an unticked box labelled 同意…"""
    out = []
    for s in run.screens:
        if not any(presents_policy(t) for t in s.texts()):
            continue
        for w, kind in controls(s):
            if kind == "accept":
                out.append((s, w, w.label or ""))
        for w in s.widgets:
            if w.checkable and not w.checked:
                label = row_label(s, w)
                if agrees(label) and presents_policy(label):
                    out.append((s, w, label))
    return out


__all__ = ["first_launch_prompt", "taps_to_policy", "prechecked_consent", "agree_controls", "starts_at_launch",
           "permission_dialogs", "after_refusal", "personalisation_switch", "account_paths", "distances",
           "main_screen", "is_policy_text", "names_privacy", "Prompt", "PolicyPath", "ConsentIssue",
           "policy_screen_readability", "read_png", "contrast_ratio", "box_contrast", "text_size_px"]


# ---------------------------------------------------------------- permission dialogs (2.3)

PERMISSION_PACKAGES = ("com.android.permissioncontroller", "com.google.android.permissioncontroller",
                       "com.android.packageinstaller", "com.google.android.packageinstaller")
# the buttons of a runtime-permission dialog (AOSP and Chinese ROMs)
PERMISSION_BUTTONS = frozenset(normalise(w) for w in (
    "允许", "拒绝", "仅在使用中允许", "使用时允许", "仅使用期间允许", "始终允许", "本次允许", "仅限这一次", "禁止",
    "拒绝且不再询问", "禁止后不再提示", "allow", "deny", "don't allow", "while using the app", "only this time",
    "allow all the time", "deny & don't ask again", "deny and don't ask again"))
DENY_BUTTONS = frozenset(normalise(w) for w in (
    "拒绝", "禁止", "拒绝且不再询问", "禁止后不再提示", "deny", "don't allow", "deny & don't ask again",
    "deny and don't ask again"))
PERMISSION_SENTENCE_RE = re.compile(
    r"(?:是否)?允许[^，。?？]{0,30}(?:访问|使用|获取|拍摄|录制|录音|拨打|管理|发送|查看|读取|确定|获得)"
    r"|(?:申请|请求|获取|开启|使用)[^，。]{0,12}权限|allow [^?]{1,60}? to ", re.IGNORECASE)
# what the permission is about, from the dialog's sentence
PERMISSION_GROUPS = (
    ("storage", re.compile(r"(?i)存储|文件|照片|媒体|相册|photos|media|files|storage")),
    ("camera", re.compile(r"(?i)相机|摄像头|拍摄|拍照|take pictures|camera")),
    ("location", re.compile(r"(?i)位置|定位|location")),
    ("microphone", re.compile(r"(?i)麦克风|录音|录制音频|record audio|microphone")),
    ("phone", re.compile(r"(?i)电话|设备信息|make and manage phone calls|phone")),
    ("contacts", re.compile(r"(?i)通讯录|联系人|contacts")),
    ("sms", re.compile(r"(?i)短信|sms|messages")),
    ("calendar", re.compile(r"(?i)日历|calendar")),
)
PI_NOUN_RE = re.compile(r"(?i)权限|存储|文件|照片|相册|媒体|相机|摄像头|拍照|拍摄|位置|定位|麦克风|录音|电话|设备信息|"
                        r"通讯录|联系人|短信|日历|permission|storage|camera|location|microphone|contacts")
PURPOSE_RE = re.compile(r"(?:用于|用来|为了|以便|便于|以供|从而)(?!保证|确保|正常|提升|更好)[^，。；;,.]{2,}"
                        r"|[\w]{2,}(?:功能|服务|时)[^，。；;]{0,6}需要[^，。；;]{0,15}权限"
                        r"|(?:used (?:to|for)|in order to|so (?:that|we can)|to let you)\s+\w+", re.IGNORECASE)
# purposes that explain nothing (testability 2.3: 为保证App正常运行, 提升体验 …) are removed before PURPOSE_RE
GENERIC_RE = re.compile(r"(?:为了?|以)?(?:保证|确保|保障)[^，。；]{0,12}?(?:正常运行|正常使用|稳定运行|正常工作)"
                        r"|(?:以|为了?)?(?:正常使用|正常运行)[^，。；]{0,12}?(?:功能|服务)?"
                        r"|(?:为了?|以便?)?(?:提升|提高|优化|改善|更好的?)[^，。；]{0,8}?(?:体验|服务)"
                        r"|(?i:to (?:improve|provide) (?:your|a better) (?:experience|service))")
_SENTENCE_SPLIT = re.compile(r"[。！？!?；;\n]+")


def _rid_package(w: Widget) -> str | None:
    return w.rid.split(":", 1)[0] if w.rid and ":" in w.rid else None


def _system_widget(screen: Screen, w: Widget) -> bool:
    pkg = _rid_package(w)
    if pkg is not None:
        return pkg in PERMISSION_PACKAGES or pkg == "android"
    return (screen.package or "") in PERMISSION_PACKAGES


def purpose_sentences(text: str | None) -> tuple[list[str], list[str]]:
    """(specific, generic) sentences of ``text`` that explain why a permission or PI is needed."""
    specific, generic = [], []
    for sent in _SENTENCE_SPLIT.split(text or ""):
        sent = sent.strip()
        if not sent or not PI_NOUN_RE.search(sent):
            continue
        if PURPOSE_RE.search(GENERIC_RE.sub("", sent)):
            specific.append(sent)
        elif GENERIC_RE.search(sent) or PURPOSE_RE.search(sent) or "需要" in sent:
            generic.append(sent)
    return specific, generic


@dataclass(slots=True)
class PermissionDialog:
    screen: Screen
    message: Widget | None  # the dialog's sentence ("Allow X to access …?", 是否允许…访问…)
    group: str | None  # storage, camera, location … (None: not recognised)
    buttons: list[Widget]
    previous: Screen | None  # the app screen shown immediately before the dialog
    purpose: tuple[Screen, Widget, str] | None = None  # app text giving a specific purpose, same or previous screen
    generic: list[tuple[Screen, Widget, str]] = field(default_factory=list)  # app text with a generic purpose only
    # the app's purpose text for this permission group on other screens of the run (not with this dialog)
    elsewhere: list[tuple[Screen, Widget, str]] = field(default_factory=list)


def is_permission_dialog(screen: Screen) -> tuple[Widget | None, list[Widget]] | None:
    """(message, buttons) when the screen shows a runtime-permission dialog, else None."""
    buttons = [w for w in screen.widgets if w.label and normalise(w.label) in PERMISSION_BUTTONS]
    message = next((w for w in screen.widgets if w.label and PERMISSION_SENTENCE_RE.search(w.label)
                    and normalise(w.label) not in PERMISSION_BUTTONS), None)
    if (screen.package or "") in PERMISSION_PACKAGES:
        sys_buttons = [w for w in buttons if _system_widget(screen, w)]
        if message is not None and not _system_widget(screen, message):
            message = next((w for w in screen.widgets if w.label and _system_widget(screen, w)
                            and PERMISSION_SENTENCE_RE.search(w.label)), None)
        if sys_buttons or message is not None:
            return message, sys_buttons
        return None  # e.g. the app's own dialog drawn while the permission activity is in front
    if buttons and message is not None and any(normalise(b.label or "") in DENY_BUTTONS for b in buttons) \
            and any(normalise(b.label or "") not in DENY_BUTTONS for b in buttons):
        return message, buttons
    return None


def _predecessor(run: UiRun, sid: str, pkg: str | None, hops: int = 4) -> Screen | None:
    """The app screen shown immediately before ``sid``: through ``auto`` steps and unrecorded states only."""
    by_id = {s.id: s for s in run.screens}
    cur = sid
    for _ in range(hops):
        tr = next((t for t in run.transitions if t.dst == cur and t.src != cur), None)
        if tr is None:
            return None
        scr = by_id.get(tr.src)
        if scr is not None and _is_app(scr, pkg) and scr.texts():
            return scr
        if scr is not None and tr.action != "auto":
            return None  # a system screen reached by an input: no app screen directly before
        cur = tr.src
    return None


def _app_purposes(screen: Screen, system_ok: bool) -> tuple[tuple[Widget, str] | None, list[tuple[Widget, str]]]:
    found, generic = None, []
    for w in screen.widgets:
        if not w.label or (not system_ok and _system_widget(screen, w)):
            continue
        specific, gen = purpose_sentences(w.label)
        if specific and found is None:
            found = (w, specific[0])
        generic += [(w, g) for g in gen]
    return found, generic


def permission_dialogs(run: UiRun) -> list[PermissionDialog]:
    """Each distinct runtime-permission dialog (by its sentence) and the app's purpose text on the same screen or
    the app screen immediately before it (testability 2.3)."""
    pkg = app_package(run)
    out: list[PermissionDialog] = []
    seen: set[str] = set()
    for s in run.screens:
        hit = is_permission_dialog(s)
        if hit is None:
            continue
        message, buttons = hit
        key = normalise(message.label) if message is not None and message.label else s.id
        if key in seen:
            continue
        seen.add(key)
        group = next((g for g, rx in PERMISSION_GROUPS if message is not None and rx.search(message.label or "")), None)
        d = PermissionDialog(s, message, group, buttons, _predecessor(run, s.id, pkg))
        # same screen: app text only (the system sentence never explains); previous screen: any of its text
        same, gen = _app_purposes(s, system_ok=False)
        if same is not None and same[0] is not message:
            d.purpose = (s, same[0], same[1])
        d.generic += [(s, w, t) for w, t in gen if w is not message]
        if d.purpose is None and d.previous is not None:
            prev, gen = _app_purposes(d.previous, system_ok=True)
            if prev is not None:
                d.purpose = (d.previous, prev[0], prev[1])
            d.generic += [(d.previous, w, t) for w, t in gen]
        if d.purpose is None and group is not None:
            rx = dict(PERMISSION_GROUPS)[group]
            for other in run.screens:
                if other is s or other is d.previous:
                    continue
                found, _ = _app_purposes(other, system_ok=False)
                if found is not None and rx.search(found[1]):
                    d.elsewhere.append((other, found[0], found[1]))
        out.append(d)
    return out


# ---------------------------------------------------------------- after a refusal (3.2, 4.2)


@dataclass(slots=True)
class Refusal:
    kind: str  # "consent" (不同意 on the privacy prompt) or "permission" (拒绝 / DENY in a permission dialog)
    screen: Screen
    widget: Widget | None
    transition: Transition
    outcome: str  # "exit" (launcher / another package next), "loop" (the same prompt back, no user input), "continue"
    next: Screen | None = None  # the screen that shows the outcome


def _same_prompt(kind: str, a: Screen, b: Screen) -> bool:
    if a.id == b.id:
        return True
    if kind == "consent":
        return is_prompt(b)
    da, db = is_permission_dialog(a), is_permission_dialog(b)
    if da is None or db is None:
        return False
    return (da[0].label if da[0] else None) == (db[0].label if db[0] else None)


def after_refusal(run: UiRun, hops: int = 3) -> list[Refusal]:
    """Each recorded tap on a refuse control (consent prompt) or a deny button (permission dialog) and what
    followed without further input (``auto`` steps and unrecorded states, at most ``hops``)."""
    pkg = app_package(run)
    by_id = {s.id: s for s in run.screens}
    out: list[Refusal] = []
    trs = run.transitions
    for j, tr in enumerate(trs):
        if tr.action != "tap" or tr.widget is None:
            continue
        src = by_id.get(tr.src)
        if src is None:
            continue
        label = normalise(tr.widget.label or "")
        if is_prompt(src) and classify_control(tr.widget.label) == "refuse":
            kind = "consent"
        elif label in DENY_BUTTONS and is_permission_dialog(src) is not None:
            kind = "permission"
        else:
            continue
        chain: list[Screen] = []
        cur, k = tr.dst, j + 1
        if cur in by_id:
            chain.append(by_id[cur])
        while len(chain) < hops and k < len(trs) and trs[k].src == cur and trs[k].action == "auto":
            cur = trs[k].dst
            k += 1
            if cur in by_id:
                chain.append(by_id[cur])
        outcome, nxt = "continue", (chain[0] if chain else None)
        for s in chain:
            if _same_prompt(kind, src, s):
                outcome, nxt = "loop", s
                break
            if "launcher" in (s.package or "") or "launcher" in (s.activity or "").lower() or (
                    pkg is not None and s.package != pkg and not is_system(s)):
                outcome, nxt = "exit", s
                break
        if not chain:
            outcome = "unknown"
        out.append(Refusal(kind, src, tr.widget, tr, outcome, nxt))
    return out


# ---------------------------------------------------------------- personalisation switch (3.6)

PERSONALISATION_RE = re.compile(r"个性化(?:推荐|广告|内容|推送|服务)|程序化广告|定向推送|猜你喜欢|"
                                r"(?i:personali[sz]ed (?:recommendations?|ads|advertising|content))")


@dataclass(slots=True)
class PersonalisationSwitch:
    screen: Screen
    label: Widget  # the text naming personalisation
    switch: Widget | None  # the checkable widget on its row (None: marked but no switch on this screen)


def _on_row(screen: Screen, label: Widget, box: Widget) -> bool:
    if label.bounds is None or box.bounds is None:
        return False
    _, y1, _, y2 = label.bounds
    _, by1, _, by2 = box.bounds
    return by1 < y2 + 40 and y1 - 40 < by2


def personalisation_switch(run: UiRun) -> list[PersonalisationSwitch]:
    """App screens naming personalised recommendation / ads, with the switch on the same row when there is one."""
    pkg = app_package(run)
    out: list[PersonalisationSwitch] = []
    seen: set[tuple[str | None, str]] = set()
    for s in run.screens:
        if not _is_app(s, pkg):
            continue
        boxes = [w for w in s.widgets if w.checkable]
        for w in s.widgets:
            if not w.label or w.checkable or not PERSONALISATION_RE.search(w.label):
                continue
            key = (s.activity or s.package, w.label)
            if key in seen:
                continue
            seen.add(key)
            box = next((b for b in boxes if _on_row(s, w, b)), None)
            if box is None and len(boxes) == 1 and all(b.bounds is None for b in boxes):
                box = boxes[0]
            out.append(PersonalisationSwitch(s, w, box))
    return out


# ---------------------------------------------------------------- account cancellation and complaints (6.1, 6.2, 6.5)

CANCEL_RE = re.compile(r"注销(?:账号|帐号|账户|帐户)|(?:账号|帐号|账户|帐户)注销|删除(?:账号|帐号|账户|帐户)|"
                       r"(?i:delete (?:my |your )?account|close (?:my |your )?account)")
COMPLAINT_RE = re.compile(r"客服|投诉|举报|联系我们|意见反馈|帮助与反馈|问题反馈|"
                          r"(?i:contact us|customer service|feedback|report)")


@dataclass(slots=True)
class Entry:
    screen: Screen
    widget: Widget
    steps: int | None  # shortest distance from the main screen (taps, backs, scrolls, inputs); None: not computable


@dataclass(slots=True)
class CancelCondition:
    screen: Screen
    widget: Widget
    condition: str  # id from the policy reader's list: id_photo_in_hand, face_recognition, bank_card …
    text: str
    unreasonable: bool
    review: bool = False


@dataclass(slots=True)
class AccountPaths:
    cancel: list[Entry] = field(default_factory=list)
    conditions: list[CancelCondition] = field(default_factory=list)
    complaint: list[Entry] = field(default_factory=list)


def distances(run: UiRun, start: Screen | None) -> dict[str, int]:
    """0-1 BFS distances from ``start`` over the run's transitions (as in ``taps_to_policy``)."""
    if start is None:
        return {}
    edges: dict[str, list[Transition]] = {}
    for tr in run.transitions:
        if tr.action in STEP_COST and tr.src != tr.dst:
            edges.setdefault(tr.src, []).append(tr)
    dist = {start.id: 0}
    queue = deque([start.id])
    done: set[str] = set()
    while queue:
        node = queue.popleft()
        if node in done:
            continue
        done.add(node)
        for tr in edges.get(node, []):
            d = dist[node] + STEP_COST[tr.action]
            if d < dist.get(tr.dst, 1 << 30):
                dist[tr.dst] = d
                (queue.appendleft if STEP_COST[tr.action] == 0 else queue.append)(tr.dst)
    return dist


def account_paths(run: UiRun) -> AccountPaths:
    from privaudit.evidence.policy.statements import _CONDITIONS, _REVIEW_CONDITIONS  # shared condition list

    pkg = app_package(run)
    dist = distances(run, main_screen(run))
    out = AccountPaths()
    seen: set[tuple[str, str | None, str]] = set()
    for s in run.screens:
        if not _is_app(s, pkg):
            continue
        labels = [w for w in s.widgets if w.label]
        cancel_screen = any(CANCEL_RE.search(w.label or "") for w in labels)
        for w in labels:
            text = w.label or ""
            for kind, rx, bucket in (("cancel", CANCEL_RE, out.cancel), ("complaint", COMPLAINT_RE, out.complaint)):
                m = rx.search(text)
                if m and len(text) <= HEADING_MAX_CHARS and (kind, s.activity or s.package, m.group(0)) not in seen:
                    seen.add((kind, s.activity or s.package, m.group(0)))
                    bucket.append(Entry(s, w, dist.get(s.id)))
            if not cancel_screen:
                continue
            found = []
            for cid, unreasonable, rx in _CONDITIONS:
                m = rx.search(text)
                if m and ("cond", cid, text) not in seen:
                    seen.add(("cond", cid, text))
                    found.append(CancelCondition(s, w, cid, m.group(0), unreasonable, cid in _REVIEW_CONDITIONS))
            if any(c.condition == "id_photo_in_hand" for c in found):  # as the policy reader does
                found = [c for c in found if c.condition != "id_document"]
            out.conditions += found
    return out


# ---------------------------------------------------------------- readability of the policy screen (1.4)

ASSUMED_WIDTH_DP = 360  # no density recorded: the screen width is taken as 360 dp (a common phone width)
BODY_MIN_CHARS = 20  # a text widget with at least this many characters is body text
MAX_PNG_BYTES = 64 * 1024 * 1024
MAX_PIXELS = 40_000_000
TEXT_SHARE = 0.05  # the pixels farthest in luminance from the background's median: the glyphs
MIN_TEXT_DELTA = 0.01  # … when they differ from it by less than this, no text is visible in the box


def _char_width(ch: str) -> float:
    """Advance of a character in ems: CJK and full-width ≈ 1, other ≈ 0.55."""
    return 1.0 if ord(ch) >= 0x2E80 else 0.55


def text_size_px(w: Widget) -> float | None:
    """Font size (px) estimated from the widget's bounds and its text: the smaller of a single line's
    (height / 1.2) and a filled box's (each character takes its advance × 1.2 line height)."""
    if not w.bounds or not w.label:
        return None
    x1, y1, x2, y2 = w.bounds
    width, height = x2 - x1, y2 - y1
    ems = sum(_char_width(c) for c in w.label if not c.isspace())
    if width <= 0 or height <= 0 or ems <= 0:
        return None
    return min(height / 1.2, (width * height / (1.2 * ems)) ** 0.5)


def read_png(path: str) -> tuple[int, int, list[float]] | str:
    """(width, height, relative luminance per pixel, row-major) of an 8-bit PNG (grey, grey+alpha, RGB, RGBA;
    not interlaced), or a note saying why it was not read. Alpha is ignored."""
    import struct
    import zlib

    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_PNG_BYTES + 1)
    except OSError as exc:
        return f"screenshot unreadable ({exc.strerror or exc})"
    if len(data) > MAX_PNG_BYTES:
        return f"screenshot over {MAX_PNG_BYTES} bytes, not read"
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "screenshot is not a PNG"
    pos, ihdr, idat = 8, None, []
    try:
        while pos + 8 <= len(data):
            length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
            chunk = data[pos + 8:pos + 8 + length]
            if ctype == b"IHDR":
                ihdr = struct.unpack(">IIBBBBB", chunk[:13])
            elif ctype == b"IDAT":
                idat.append(chunk)
            elif ctype == b"IEND":
                break
            pos += 12 + length
    except struct.error:
        return "PNG chunks truncated"
    if ihdr is None or not idat:
        return "PNG without IHDR or IDAT"
    width, height, depth, colour, _, _, interlace = ihdr
    channels = {0: 1, 4: 2, 2: 3, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        return (f"PNG colour type {colour}, bit depth {depth}{', interlaced' if interlace else ''} not supported "
                "(only 8-bit grey, grey+alpha, RGB, RGBA)")
    if width * height > MAX_PIXELS or not width or not height:
        return f"PNG of {width}×{height} pixels not read"
    stride = width * channels
    try:
        raw = zlib.decompressobj().decompress(b"".join(idat), (stride + 1) * height + 1)
    except zlib.error as exc:
        return f"PNG image data corrupt ({exc})"
    if len(raw) < (stride + 1) * height:
        return "PNG image data truncated"
    rows: list[bytearray] = []
    prev = bytearray(stride)
    bpp = channels
    for y in range(height):
        ftype = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if ftype == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif ftype == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif ftype == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        elif ftype != 0:
            return f"PNG row {y}: unknown filter type {ftype}"
        rows.append(line)
        prev = line
    lin = [_linear(v) for v in range(256)]
    lum: list[float] = []
    for line in rows:
        if channels <= 2:
            lum.extend(lin[line[i]] for i in range(0, stride, channels))
        else:
            lum.extend(0.2126 * lin[line[i]] + 0.7152 * lin[line[i + 1]] + 0.0722 * lin[line[i + 2]]
                       for i in range(0, stride, channels))
    return width, height, lum


def _linear(v: int) -> float:
    c = v / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def contrast_ratio(l1: float, l2: float) -> float:
    """WCAG 2 contrast ratio of two relative luminances."""
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def box_contrast(img: tuple[int, int, list[float]], bounds: tuple[int, int, int, int]) -> dict | None:
    """Text vs background inside ``bounds``: background = the median luminance, text = the mean of the
    ``TEXT_SHARE`` of pixels farthest from it; None when the box is off the image or shows no text."""
    width, height, lum = img
    x1, y1, x2, y2 = max(0, bounds[0]), max(0, bounds[1]), min(width, bounds[2]), min(height, bounds[3])
    if x2 <= x1 or y2 <= y1:
        return None
    px = [lum[y * width + x] for y in range(y1, y2) for x in range(x1, x2)]
    bg = sorted(px)[len(px) // 2]
    far = sorted(px, key=lambda v: abs(v - bg), reverse=True)[:max(1, int(len(px) * TEXT_SHARE))]
    fg = sum(far) / len(far)
    if abs(fg - bg) < MIN_TEXT_DELTA:
        return None
    return {"text_luminance": round(fg, 4), "background_luminance": round(bg, 4),
            "contrast": round(contrast_ratio(fg, bg), 2)}


def _median(xs: list[float]) -> float | None:
    if not xs:
        return None
    s = sorted(xs)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def _body_widgets(screen: Screen) -> list[Widget]:
    return [w for w in screen.widgets if w.label and len(w.label.strip()) >= BODY_MIN_CHARS and w.bounds]


def policy_screen_readability(run: UiRun) -> list[dict]:
    """Readability measurements of each screen showing the policy text (``is_policy_text``).

    Per body-text widget (``BODY_MIN_CHARS``): its height in px, an estimated font size in px and sp
    (``text_size_px`` / density), characters per 1000 dp² and, from the screenshot, the text/background
    contrast (``box_contrast``). No density is recorded by DroidBot or uiautomator, so the screenshot width
    (else the widest widget) is taken as ``ASSUMED_WIDTH_DP``. Also the median body-text size (sp) of the app's
    other screens. Screens without a screenshot (or an unreadable one) get sizes only and a note.
    """
    pkg = app_package(run)
    policy = [(s, h) for s in run.screens if (h := is_policy_text(s)) is not None]
    if not policy:
        return []
    images: dict[str, tuple[int, int, list[float]] | str] = {}
    for s, _ in policy:
        if s.screenshot and s.screenshot.lower().endswith(".png"):
            images[s.id] = read_png(s.screenshot)
    width_px = next((img[0] for img in images.values() if not isinstance(img, str)), None)
    how = "screenshot width"
    if width_px is None:
        width_px = max((w.bounds[2] for s in run.screens for w in s.widgets if w.bounds), default=None)
        how = "widest widget"
    density = width_px / ASSUMED_WIDTH_DP if width_px else None
    density_note = (f"density not recorded: {how} {width_px} px taken as {ASSUMED_WIDTH_DP} dp "
                    f"(≈ {density:.2f} px/dp)" if density else "density unknown: no screenshot and no widget bounds")
    policy_ids = {s.id for s, _ in policy}
    other = [size for s in run.screens if s.id not in policy_ids and _is_app(s, pkg)
             for w in _body_widgets(s) if (size := text_size_px(w))]
    app_median = _median(other)
    out = []
    for s, heading in policy:
        notes: list[str] = []
        img = images.get(s.id)
        if s.screenshot is None:
            notes.append("no screenshot of the policy screen: contrast not measured")
        elif img is None:
            notes.append(f"screenshot {s.screenshot} is not a PNG: contrast not measured")
        elif isinstance(img, str):
            notes.append(f"{img}: contrast not measured")
            img = None
        rows = []
        for w in _body_widgets(s):
            x1, y1, x2, y2 = w.bounds  # type: ignore[misc]
            size = text_size_px(w)
            row = {"widget": w, "text": w.label.strip()[:60], "bounds": list(w.bounds),  # type: ignore[union-attr,arg-type]
                   "height_px": y2 - y1, "size_px": round(size, 1) if size else None,
                   "sp": round(size / density, 1) if size and density else None}
            if density and (x2 - x1) * (y2 - y1) > 0:
                row["chars_per_1000dp2"] = round(len(w.label) * 1000 * density ** 2 / ((x2 - x1) * (y2 - y1)), 2)
            if img is not None:
                c = box_contrast(img, w.bounds)  # type: ignore[arg-type]
                if c:
                    row.update(c)
            rows.append(row)
        if img is not None and rows and not any("contrast" in r for r in rows):
            notes.append("no text pixels found inside the policy text's bounds on the screenshot")
        out.append({"screen": s, "heading": heading, "screenshot": s.screenshot, "density": density,
                    "density_note": density_note, "widgets": rows,
                    "app_median_sp": round(app_median / density, 1) if app_median and density else None,
                    "notes": notes})
    return out
