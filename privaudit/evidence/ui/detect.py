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
           "main_screen", "is_policy_text", "names_privacy", "Prompt", "PolicyPath", "ConsentIssue"]
