"""Consent vocabulary and inference: only explicit agreement creates t_c, and nothing is invented."""

from __future__ import annotations

import pytest

from privaudit.evidence.runtime.consent import agrees, classify_control, consent_words, infer_consent, presents_policy
from privaudit.evidence.runtime.model import Trace, TraceEvent
from privaudit.model import Provenance


@pytest.mark.parametrize("text, verdict", [
    ("同意", "accept"), ("同意并继续", "accept"), (" 我同意 ", "accept"), ("Agree", "accept"), ("I AGREE", "accept"),
    ("不同意", "refuse"), ("拒绝", "refuse"), ("暂不同意", "refuse"), ("Disagree", "refuse"),
    ("好的", "acknowledge"), ("我知道了", "acknowledge"), ("确定", "acknowledge"), ("OK", "acknowledge"),
    ("同意《隐私政策》并继续阅读全文", None), ("推荐", None), ("", None), (None, None),
])
def test_classify_control(text, verdict):
    assert classify_control(text) == verdict


def test_word_lists_are_bilingual_and_disjoint():
    groups = [set(consent_words[g]["zh"]) | set(consent_words[g]["en"]) for g in ("accept", "refuse", "acknowledge")]
    assert all(consent_words[g]["zh"] and consent_words[g]["en"] for g in consent_words)
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])


def test_checkbox_labels_and_policy_mentions():
    assert agrees("我已阅读并同意《用户协议》和《隐私政策》") and agrees("同意《用户许可协议》《QQ音乐隐私指引》")
    assert agrees("I have read and agree to the Privacy Policy")
    assert not agrees("不同意") and not agrees("我知道了") and not agrees(None)
    assert presents_policy("请阅读《QQ音乐隐私保护指引》") and presents_policy("See our Privacy Policy")
    assert not presents_policy("设置铃声")


def ev(t, kind, **kw):
    return TraceEvent(t=t, kind=kind, provenance=Provenance("trace", "mem", locator=f"t={t}"), **kw)


def test_infer_consent_from_activity_names_and_taps():
    trace = Trace(path="mem", format="jsonl", package="com.x", events=[
        ev(1.0, "screen", activity="com.x/.SplashActivity"),
        ev(2.0, "screen", activity="com.x/.ui.UserAgreementActivity"),
        ev(3.0, "screen", activity="com.x/.ui.UserAgreementActivity"),  # same prompt: one consent_shown
        ev(5.0, "user_action", detail='tap "我知道了" (com.x:id/ok Button)'),
        ev(6.0, "user_action", detail='tap "同意并继续" (com.x:id/agree Button)'),
        ev(400.0, "user_action", detail='tap "同意" (com.x:id/other Button)'),  # no prompt shown recently
    ])
    infer_consent(trace)
    kinds = [(e.t, e.kind) for e in trace.events if e.kind.startswith("consent")]
    assert kinds == [(2.0, "consent_shown"), (6.0, "consent_accepted")]
    assert trace.consent_time() == 6.0
    assert [e.t for e in trace.events] == sorted(e.t for e in trace.events)


def test_infer_consent_never_invents_an_acceptance():
    trace = Trace(path="mem", format="logcat", package="com.x", events=[
        ev(1.0, "screen", activity="com.x/.PrivacyPolicyActivity"),
        ev(2.0, "user_action", detail='tap "好的"'),
        ev(3.0, "screen", activity="com.x/.MainActivity"),
    ])
    infer_consent(trace)
    assert [e.kind for e in trace.events].count("consent_shown") == 1
    assert trace.consent_time() is None
    refusal = Trace(path="mem", format="jsonl", package="com.x", events=[
        ev(1.0, "consent_shown"), ev(2.0, "user_action", detail='tap "不同意"')])
    infer_consent(refusal)
    assert refusal.refusal_time() == 2.0 and refusal.consent_time() is None
    untouched = Trace(path="mem", format="jsonl", package="com.x", events=[
        ev(1.0, "consent_shown"), ev(2.0, "user_action", detail='tap "同意"')])
    infer_consent(untouched, from_taps=False)
    assert untouched.consent_time() is None
