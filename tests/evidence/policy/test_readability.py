"""Readability measurements and the candidate M191-2.4 flag against the CA4P-483 corpus percentiles."""

from __future__ import annotations

import json
import re

import pytest
from conftest import shared

from privaudit.evidence.policy.readability import (
    METRICS,
    PERCENTILES,
    STATS_PATH,
    corpus_stats,
    has_toc,
    headings,
    measure,
    percentile_of,
    readability,
    units,
)
from privaudit.evidence.policy.statements import split_sentences

CLEAR = """隐私政策
一、我们收集哪些信息
注册时，我们收集您的手机号码。
您使用地图时，我们收集您的位置。
二、您的权利
您可以在设置中删除您的信息。
您可以随时注销账号。
三、联系我们
邮箱：privacy@example.com。
"""

JARGON_SENTENCE = (
    "为保障个人信息主体的合法权益，个人信息控制者将采用SSL加密传输、去标识化及匿名化等技术措施，并通过SDK与API接口、Cookie及网络信标、"
    "服务器日志和设备标识符等方式，在委托处理、共同控制或数据出境等场景中对个人信息实施访问控制与哈希散列处理，以确保其处理活动符合相应的规范要求"
)


def long_jargon_text() -> str:
    return "".join(f"{JARGON_SENTENCE}（第{i}项）。" for i in range(120))


def test_units_are_cjk_aware():
    assert units("我们收集您的手机号码") == 10
    assert units("We collect your phone number") == 5
    assert units("我们收集IMEI和MAC地址") == 9  # 7 CJK characters + 2 words


def test_headings_and_toc():
    heads = headings(CLEAR)
    assert [CLEAR[a:b] for a, b in heads] == ["隐私政策", "一、我们收集哪些信息", "二、您的权利", "三、联系我们"]
    assert not has_toc(CLEAR)
    toc = "目录\n一、收集\n二、共享\n三、权利\n一、收集\n我们收集手机号码，用于注册。\n二、共享\n我们不共享。\n三、权利\n您可删除。"
    assert has_toc(toc)
    # Without the word 目录, a repeated list of headings is a table of contents too.
    assert has_toc(toc.replace("目录\n", ""))


def test_measure_clear_text():
    m = measure(CLEAR, split_sentences(CLEAR))
    assert m["language"] == "zh"
    assert m["sentences"] == 9
    assert m["jargon_density"] == 0.0
    assert m["headings"] == 4
    longest = m["longest_sentence"]
    assert CLEAR[longest["start"]:longest["end"]] == "您使用地图时，我们收集您的位置。"


def test_percentile_of():
    pts = {"p5": 10, "p10": 20, "p25": 30, "p50": 40, "p75": 50, "p90": 60, "p95": 70}
    assert percentile_of(5, pts) == (2.5, "<p5")
    assert percentile_of(80, pts) == (97.5, ">p95")
    assert percentile_of(40, pts) == (50.0, "p50")
    assert percentile_of(55, pts) == (82.5, "p75-p90")
    flat = {"p5": 0, "p10": 0, "p25": 0.1, "p50": 0.2, "p75": 0.3, "p90": 0.4, "p95": 0.5}
    assert percentile_of(0, flat) == (10.0, "p10")


def test_corpus_stats_file_is_aggregate_only():
    with open(STATS_PATH, encoding="utf-8") as fh:
        stats = json.load(fh)
    assert stats["count"] == 483 and stats["language"] == "zh" and "CA4P" in stats["corpus"]
    assert set(stats["metrics"]) == set(METRICS)
    for k, pts in stats["metrics"].items():
        assert list(pts) == [f"p{p}" for p in PERCENTILES], k
        vals = list(pts.values())
        assert all(isinstance(v, (int, float)) for v in vals) and vals == sorted(vals), k
    # Nothing but numbers and labels: no corpus text (no Chinese sentence) in the file.
    raw = open(STATS_PATH, encoding="utf-8").read()
    assert not re.search(r"[\u4e00-\u9fff]", raw)


def test_clear_text_is_not_flagged():
    r = readability(CLEAR, split_sentences(CLEAR))
    assert corpus_stats() is not None
    assert r["hard_to_read"] is False and r["reasons"] == []
    assert r["percentile"]["mean_sentence_length"] < 10
    assert r["band"]["length_units"] == "<p5"


def test_long_jargon_text_is_flagged():
    text = long_jargon_text()
    r = readability(text, split_sentences(text))
    reasons = {x["reason"] for x in r["reason_details"]}
    assert r["hard_to_read"] is True
    assert reasons == {"long_and_long_sentences", "jargon", "very_long_sentences", "unstructured"}
    assert r["percentile"]["jargon_density"] == 97.5 and r["jargon_density"] == 1.0
    assert sorted(line.split(":")[0] for line in r["reasons"]) == sorted(reasons)
    jargon = next(x for x in r["reason_details"] if x["reason"] == "jargon")
    assert {"SSL", "去标识化", "SDK"} <= set(jargon["terms"])


def test_english_text_gets_no_corpus_comparison():
    text = "We collect cookies and device identifiers. We encrypt data with TLS. " * 5
    r = readability(text, split_sentences(text))
    assert r["language"] == "en" and r["jargon_density"] == 1.0
    assert r["percentile"] == {} and r["hard_to_read"] is False and r["notes"]


def test_flag_rate_on_corpus_is_modest():
    """On the corpus it was calibrated on, the flag marks a minority (a reviewer's queue, not a verdict)."""
    import glob
    import html

    folder = shared("data", "policies", "zh", "ca4p483", "raw_data")
    flagged = total = 0
    for p in sorted(glob.glob(str(folder / "*.html")))[::4]:
        raw = open(p, encoding="utf-8").read()
        m = re.search(r"<pre[^>]*>(.*?)</pre>", raw, re.S)
        text = "\n".join(ln.replace("**", "").lstrip("#* ").strip() for ln in html.unescape(m.group(1)).split("\n")
                         if ln.strip() and not ln.startswith("Apkid:") and not set(ln.strip()) <= {"="})
        total += 1
        flagged += readability(text, split_sentences(text))["hard_to_read"]
    assert total > 100
    assert 0.02 <= flagged / total <= 0.3


def test_real_see_agreement_policy():
    path = shared("data", "policies", "zh", "see_agreement", "docs", "哔哩哔哩", "隐私政策", "2021年10月8日.md")
    text = re.sub(r"^---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.S).replace("**", "")
    text = re.sub(r"^#+\s*", "", text, flags=re.M)
    r = readability(text, split_sentences(text))
    assert r["headings"] >= 10 and r["has_toc"] is True
    # bilibili's 2021 policy is longer than almost every CA4P policy.
    assert r["band"]["length_units"] == ">p95"
    assert 0 <= r["percentile"]["mean_sentence_length"] <= 100


@pytest.mark.parametrize("metric", METRICS)
def test_every_metric_has_a_percentile(metric):
    text = long_jargon_text()
    assert metric in readability(text, split_sentences(text))["percentile"]
