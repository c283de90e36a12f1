"""Policy version diffs: sentence alignment and the summary of changed practices."""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser

from conftest import shared

from privaudit.evidence.policy.diff import diff_policies, normalise, purposes, third_parties

OLD = """隐私政策
生效日期：2021年1月1日
一、我们如何收集信息
1. 注册时，我们收集您的手机号码，用于创建账号。
2. 我们使用友盟统计分析SDK统计应用的使用情况。
二、我们如何共享信息
我们不会与任何第三方共享您的个人信息。
三、联系我们
如有疑问，请发送邮件至privacy@example.com，我们将在30天内回复您的请求。
"""

NEW = """隐私政策
生效日期：2022年3月1日
一、我们如何收集信息
1. 注册时，我们收集您的手机号码和电子邮箱，用于创建账号。
2. 为了向您推荐附近的内容，我们会收集您的精确位置信息。
3. 我们使用友盟统计分析SDK统计应用的使用情况。
4. 我们接入了北京某某广告科技有限公司的广告SDK，用于展示个性化广告，该SDK会收集您的OAID。
二、我们如何共享信息
我们不会与任何第三方共享您的个人信息。
三、联系我们
如有疑问，请发送邮件至privacy@example.com，我们将在15个工作日内回复您的请求。
"""


def text_of(text: str, span: tuple[int, int] | None) -> str:
    assert span is not None
    return text[span[0]:span[1]]


def test_identical_texts_have_no_changes():
    d = diff_policies(OLD, OLD)
    assert d.identical and not d.has_changes and d.practices.empty()
    # Whitespace, markdown marks and renumbering are not changes either.
    d = diff_policies(OLD, OLD.replace("1. 注册时", "**（1）注册时**").replace("\n", "\n\n"))
    assert d.identical and not d.has_changes


def test_sentences_added_removed_changed():
    d = diff_policies(OLD, NEW)
    assert not d.identical and d.has_changes
    added = [text_of(NEW, c.new) for c in d.added]
    assert added == ["2. 为了向您推荐附近的内容，我们会收集您的精确位置信息。",
                     "4. 我们接入了北京某某广告科技有限公司的广告SDK，用于展示个性化广告，该SDK会收集您的OAID。"]
    assert all(c.old is None and c.section == "一、我们如何收集信息" for c in d.added)
    assert d.removed == []
    changed = {text_of(OLD, c.old): text_of(NEW, c.new) for c in d.changed}
    assert changed["1. 注册时，我们收集您的手机号码，用于创建账号。"] == "1. 注册时，我们收集您的手机号码和电子邮箱，用于创建账号。"
    assert "生效日期：2021年1月1日" in changed
    assert all(0.5 <= c.similarity <= 1 for c in d.changed)
    assert d.unchanged >= 6 and d.moved == 0


def test_removed_sentences_have_old_offsets():
    d = diff_policies(NEW, OLD)
    removed = [text_of(NEW, c.old) for c in d.removed]
    assert len(removed) == 2 and "精确位置信息" in removed[0]
    assert all(c.new is None for c in d.removed)


def test_changed_practices():
    p = diff_policies(OLD, NEW).practices
    assert {"precise_location", "email", "advertising_id"} <= set(p.pi_types_added)
    assert {"电子邮箱", "精确位置信息", "OAID"} <= set(p.pi_terms_added)
    assert p.pi_types_removed == [] and p.pi_terms_removed == []
    assert "北京某某广告科技有限公司" in p.third_parties_added
    assert not any("友盟" in t for t in p.third_parties_added)  # present in both versions
    assert {"推荐附近的内容", "展示个性化广告"} <= set(p.purposes_added)
    assert p.handling_times == {
        "old": [{"days": 30, "unit": "natural_day", "applies_to": "rights_request", "over_limit": True}],
        "new": [{"days": 15, "unit": "working_day", "applies_to": "rights_request", "over_limit": False}]}
    # And the reverse direction reports the same things as removed.
    r = diff_policies(NEW, OLD).practices
    assert {"precise_location", "advertising_id"} <= set(r.pi_types_removed)
    assert "北京某某广告科技有限公司" in r.third_parties_removed


def test_moved_sentence_is_not_a_change():
    a = "第一条。\n第二条内容较长。\n第三条内容也较长。\n第四条。"
    b = "第一条。\n第三条内容也较长。\n第二条内容较长。\n第四条。"
    d = diff_policies(a, b)
    assert d.moved == 1 and not d.added and not d.removed


def test_helpers():
    assert normalise("**（3）我们 收集 IMEI。**") == "我们收集IMEI。"
    assert set(third_parties("我们使用友盟统计分析SDK")) == {"友盟统计分析 SDK"}
    assert "极光推送SDK" in third_parties("我们接入了极光推送SDK用于消息推送")
    assert "第三方SDK" not in third_parties("我们接入的第三方SDK如下")
    assert purposes("我们收集位置信息，用于推荐附近的商家。") == {"推荐附近的商家"}


def test_large_texts_stay_bounded():
    base = "".join(f"第{i}条：我们会收集您的设备信息用于第{i}项功能的安全保障。\n" for i in range(3000))
    other = base.replace("第1500条：我们会收集", "第1500条：我们可能会收集").replace("第10条", "第十条")
    t = time.monotonic()
    d = diff_policies(base, other, time_budget=5)
    assert time.monotonic() - t < 10
    assert len(d.changed) == 2 and not d.truncated


def test_time_budget_is_respected():
    """Two unrelated long texts: one huge replaced block; the budget cuts the pairing and summary short."""
    import random

    rnd = random.Random(1)
    chars = "我们收集您的个人信息用于提供服务设备标识位置联系人相册权限第三方共享"
    a = "".join("".join(rnd.choice(chars) for _ in range(60)) + "。\n" for _ in range(3000))
    b = "".join("".join(rnd.choice(chars) for _ in range(60)) + "。\n" for _ in range(3000))
    t = time.monotonic()
    d = diff_policies(a, b, time_budget=1.0)
    assert time.monotonic() - t < 5
    assert d.truncated and len(d.added) + len(d.changed) == 3000


# ----------------------------------------------------------------------------- real version histories

class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in ("br", "p", "tr", "li", "div", "h1", "h2", "h3", "h4"):
            self.out.append("\n")


def read_see_agreement(*parts: str) -> str:
    """see-agreement markdown as plain lines: front matter, metadata box, tags and markdown marks removed."""
    t = shared("data", "policies", "zh", "see_agreement", "docs", *parts).read_text(encoding="utf-8")
    t = re.sub(r"^---\n.*?\n---\n", "", t, flags=re.S)
    t = re.sub(r"!!! summary.*?(?=\n## |\Z)", "", t, flags=re.S)
    p = _Text()
    p.feed(t)
    t = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", "".join(p.out))
    lines = []
    for ln in t.split("\n"):
        ln = re.sub(r"^\s*#{1,6}\s*", "", ln)
        ln = re.sub(r"^\s*[*+-]\s+", "", ln).replace("**", "").strip()
        if ln and not re.fullmatch(r"[-|:\s]+", ln):
            lines.append(ln)
    return "\n".join(lines)


def test_bilibili_2021_08_to_2021_10():
    """Verified by reading both versions: the 2021-10-08 policy names 北京旷视科技有限公司 for face
    verification, writes 用户ID instead of 用户名 for third-party login data, adds a section on deceased
    users and promises a reply to cancellation requests within 15 working days."""
    old = read_see_agreement("哔哩哔哩", "隐私政策", "2021年8月17日.md")
    new = read_see_agreement("哔哩哔哩", "隐私政策", "2021年10月8日.md")
    d = diff_policies(old, new)
    p = d.practices
    assert not p.empty()
    assert "北京旷视科技有限公司" in p.third_parties_added
    assert "用户ID" in p.pi_terms_added and "用户名" in p.pi_terms_removed
    assert any(c.section and "去世用户" in c.section for c in d.added)
    assert any(t["applies_to"] == "cancellation" and t["days"] == 15 for t in p.handling_times["new"])
    assert not any(t["applies_to"] == "cancellation" for t in p.handling_times["old"])
    login = [c for c in d.changed if "用户ID" in new[c.new[0]:c.new[1]]]
    assert login and "用户名" in old[login[0].old[0]:login[0].old[1]]


def test_xuexi_qiangguo_2020_06_to_2020_10():
    """Verified by reading: the 2020-10-03 version adds a 强国运动 section collecting step counts."""
    folder = ("未分类", "学习强国", "学习强国隐私权政策")
    old = read_see_agreement(*folder, "2020-06-17.md")
    new = read_see_agreement(*folder, "2020-10-03.md")
    d = diff_policies(old, new)
    assert "步数" in d.practices.pi_terms_added
    added = [new[c.new[0]:c.new[1]] for c in d.added]
    assert any("强国运动" in s and "步数" in s for s in added)
    assert all(c.section == "（五）为您提供运动记录服务" for c in d.added)
    assert d.removed == []


def test_real_identical_versions():
    text = read_see_agreement("未分类", "豆瓣", "豆瓣个人信息保护政策", "index.md")
    d = diff_policies(text, text)
    assert d.identical and not d.has_changes and d.practices.empty()
