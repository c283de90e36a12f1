"""Consent vocabulary and inference: which controls create the consent moment t_c, which a refusal t_r.

Per testability.md ("Shared definitions" 1; T/TAF 078.6 §3.7–3.8, TC260-PG-20202A 3.5) only a tap
on an explicit affirmative control (同意, 同意并继续, 我同意, Agree …) on a page that presents the
policy or a link to it creates ``t_c``. Acknowledgements (好的, 我知道了, 知道了, 确定, OK …) and
"continuing means agreeing" never do; a tap on 不同意 / 拒绝 / 暂不同意 creates ``t_r``.

``consent_words`` holds the word lists (zh and en), ``classify_control`` applies them to one
control's text (exact match after normalisation, so 不同意 is never read as 同意),
``presents_policy`` tells whether a text names the policy, and ``infer_consent`` adds
``consent_shown`` (and, from recorded taps, ``consent_accepted`` / ``consent_refused``) events to a
trace that has only indirect evidence. It never invents an acceptance: an acceptance needs a
recorded tap on an affirmative control.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from privaudit.evidence.runtime.model import Trace, TraceEvent

consent_words: dict[str, dict[str, tuple[str, ...]]] = {
    # explicit agreement: creates t_c
    "accept": {
        "zh": ("同意", "我同意", "同意并继续", "同意并使用", "同意并进入", "同意并开始使用", "同意并登录",
               "同意并授权", "同意协议", "同意隐私政策", "同意并接受", "已阅读并同意", "我已阅读并同意", "接受",
               "我接受", "接受并继续"),
        "en": ("agree", "i agree", "agree and continue", "agree & continue", "accept", "i accept",
               "accept and continue", "accept & continue", "accept all", "agree and proceed"),
    },
    # refusal: creates t_r
    "refuse": {
        "zh": ("不同意", "拒绝", "暂不同意", "不同意并退出", "拒绝并退出", "不同意，退出", "暂不使用", "不接受",
               "退出", "退出应用", "仅浏览", "不同意并浏览"),
        "en": ("disagree", "i disagree", "decline", "reject", "refuse", "do not agree", "don't agree",
               "not now", "exit"),
    },
    # acknowledgement or navigation: never t_c
    "acknowledge": {
        "zh": ("好的", "好", "我知道了", "知道了", "确定", "确认", "继续", "下一步", "进入", "开始使用", "立即体验"),
        "en": ("ok", "okay", "got it", "i know", "continue", "next", "start", "confirm"),
    },
    # words that name the privacy policy (or the agreement that carries it)
    "policy": {
        "zh": ("隐私政策", "隐私保护指引", "隐私指引", "隐私协议", "隐私条款", "隐私权政策", "隐私声明", "隐私保护政策",
               "个人信息保护政策", "个人信息保护指引", "个人信息处理规则", "用户协议", "服务协议", "用户服务协议",
               "用户许可协议"),
        "en": ("privacy policy", "privacy notice", "privacy statement", "privacy guidelines", "terms of service",
               "terms of use", "user agreement"),
    },
}

# Activity class names that look like a consent or policy screen (used when no view hierarchy exists).
PRIVACY_ACTIVITY_RE = re.compile(r"(?i)(privacy|agreement|protocol|policy|consent|licen[cs]e|terms|yinsi|xieyi)")
# A checkbox label that agrees: 同意…, 我已阅读并同意…, I have read and agree…
AGREE_LABEL_RE = re.compile(r"^(?:我?已?(?:阅读|了解|知悉|仔细阅读)(?:并|且)?)?(?:同意|接受)"
                            r"|^(?:i )?(?:have read and )?(?:agree|accept)")

SHOWN_WINDOW_S = 10.0  # an inferred consent_shown is dropped if another one lies this close
TAP_WINDOW_S = 120.0  # a tap counts for the prompt shown at most this long before it
_TAP_RE = re.compile(r'^(?:tap|touch|click|long_touch)\s+"([^"]{1,200})"')
_STRIP = " \t\r\n\u3000.,;:!?。，、；：！？\"'“”‘’()（）[]【】<>《》「」"


@cache
def _words(group: str) -> frozenset[str]:
    return frozenset(normalise(w) for lang in consent_words[group].values() for w in lang)


def normalise(text: str) -> str:
    """NFKC, lower case, no surrounding space or punctuation, inner runs of space collapsed."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(text.strip(_STRIP).split())


def classify_control(text: str | None) -> str | None:
    """"accept", "refuse" or "acknowledge" for a control whose whole label is one of the listed words."""
    if not text:
        return None
    norm = normalise(text)
    for group in ("refuse", "accept", "acknowledge"):
        if norm in _words(group):
            return group
    return None


def agrees(label: str | None) -> bool:
    """True for a checkbox label that states agreement (``我已阅读并同意《隐私政策》``), never for 不同意…"""
    if not label:
        return False
    norm = normalise(label)
    return not norm.startswith(("不同意", "不接受", "disagree", "do not")) and bool(AGREE_LABEL_RE.match(norm))


def presents_policy(text: str | None) -> bool:
    if not text:
        return False
    norm = normalise(text)
    return any(w in norm for w in _words("policy"))


def looks_like_privacy_activity(activity: str | None) -> bool:
    if not activity:
        return False
    simple = activity.rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    return bool(PRIVACY_ACTIVITY_RE.search(simple))


def infer_consent(trace: Trace, *, from_taps: bool = True) -> None:
    """Add consent events supported by indirect evidence; keeps ``trace.events`` sorted by time.

    - a ``screen`` event whose activity is named like a policy screen (``StartUpPrivacyPolicyActivity``,
      ``…AgreementActivity``, ``…ProtocolActivity``) becomes ``consent_shown`` unless another
      ``consent_shown`` lies within 10 s;
    - with ``from_taps``, a ``user_action`` recorded as ``tap "同意"`` (or another explicit accept or
      refuse word) within 120 s after a ``consent_shown`` becomes ``consent_accepted`` /
      ``consent_refused`` unless a consent decision already lies within 2 s.
    """
    added: list[TraceEvent] = []
    shown = [e.t for e in trace.events if e.kind == "consent_shown"]
    for e in trace.events:
        if e.kind == "screen" and looks_like_privacy_activity(e.activity):
            if any(abs(t - e.t) <= SHOWN_WINDOW_S for t in shown):
                continue
            added.append(TraceEvent(t=e.t, kind="consent_shown", provenance=e.provenance, activity=e.activity,
                                    detail=f"inferred: {e.activity} is named like a privacy/agreement screen "
                                           "(no view hierarchy to confirm the prompt)"))
            shown.append(e.t)
    if from_taps:
        decided = [e.t for e in trace.events if e.kind in ("consent_accepted", "consent_refused")]
        for e in trace.events:
            if e.kind != "user_action" or not e.detail:
                continue
            m = _TAP_RE.match(e.detail)
            verdict = classify_control(m.group(1)) if m else None
            if verdict not in ("accept", "refuse"):
                continue
            if not any(0 <= e.t - t <= TAP_WINDOW_S for t in shown):
                continue
            if any(abs(t - e.t) <= 2.0 for t in decided):
                continue
            kind = "consent_accepted" if verdict == "accept" else "consent_refused"
            added.append(TraceEvent(t=e.t, kind=kind, provenance=e.provenance, activity=e.activity,
                                    detail=f"inferred from {e.detail}"))
            decided.append(e.t)
    if added:
        trace.events.extend(added)
        trace.events.sort(key=lambda ev: ev.t)
