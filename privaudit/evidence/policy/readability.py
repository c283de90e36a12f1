"""Readability measurements of a privacy policy, compared with a corpus of real Chinese policies.

M191-2.4 (内容晦涩难懂、冗长繁琐，如使用大量专业术语) has no numeric threshold in any rule or
standard, so this module measures and compares, and raises a *candidate* flag for a reviewer:

- length: CJK characters plus Latin-script words ("units"), sentence count;
- sentence length in units: mean, 90th percentile, the longest sentence (with offsets);
- jargon density: share of sentences containing a term from a small legal/technical lexicon;
- structure: headings found in the text's lines, whether there is a table of contents.

Each metric is placed against the percentiles of the CA4P-483 corpus (483 real app policies,
Zhao et al., EMNLP 2022), kept as aggregate numbers only in ``catalog/policy_corpus_stats.json``
(written by ``benchmarks/policy_corpus_stats.py``). ``hard_to_read`` is raised when the text is
an outlier on the corpus in a way the item describes; the reasons carry the measurements.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache

STATS_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                          "catalog", "policy_corpus_stats.json")

# Metrics with a corpus distribution (higher = harder, except headings where lower = less structure).
METRICS = ("length_units", "sentences", "mean_sentence_length", "p90_sentence_length", "longest_sentence_length",
           "jargon_density", "headings")
PERCENTILES = (5, 10, 25, 50, 75, 90, 95)

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z]+(?:['’-][A-Za-z]+)*|\d+(?:[.,]\d+)*")

# Legal and technical terms an ordinary reader does not know (TAF 068 4.1 c judges by "an ordinary
# person's understanding"). Everyday PI words (手机号, 位置) are deliberately not here; nor are the
# categories the law asks policies to name (敏感个人信息), which would penalise compliance.
JARGON_ZH = (
    "去标识化", "匿名化", "假名化", "脱敏", "加密传输", "加密存储", "加密技术", "安全套接层", "传输层安全", "数字证书", "身份鉴别",
    "访问控制", "防火墙", "可信执行环境", "等级保护", "哈希", "散列", "网络信标", "网站信标", "像素标签", "像素标记", "软件开发工具包",
    "应用程序编程接口", "应用程序接口", "个人信息主体", "个人信息控制者", "数据控制者", "个人信息处理者", "受托方", "委托处理", "共同控制",
    "共同处理", "元数据", "服务器日志", "日志信息", "用户画像", "设备指纹", "唯一设备标识符", "设备标识符", "本地存储", "自动化决策",
    "信息系统自动决策", "数据出境", "埋点", "反欺诈", "令牌", "签名算法", "Cookie", "SDK", "API", "SSL", "TLS", "HTTPS", "IMEI", "IMSI",
    "IDFA", "OAID", "Android ID", "MAC地址", "UUID", "GUID", "DNS", "ETag", "LocalStorage", "Web Beacon", "ISO27001", "ISO 27001",
)
JARGON_EN = (
    r"de-?identif\w*", r"anonymi[sz]\w*", r"pseudonymi[sz]\w*", r"encrypt\w*", r"cookies?", r"web beacons?", r"pixel tags?",
    r"SDKs?", r"APIs?", r"SSL", r"TLS", r"HTTPS", r"data subjects?", r"data controllers?", r"(?:data )?processors?",
    r"hash(?:ed|ing)?", r"IP address(?:es)?", r"device identifiers?", r"IMEI", r"IDFA", r"metadata", r"log files?",
    r"local storage", r"profiling", r"automated decision[- ]making", r"legitimate interests?", r"controllers?",
)
_JARGON = re.compile(
    "|".join(sorted((re.escape(t) for t in JARGON_ZH), key=len, reverse=True))
    + r"|\b(?:" + "|".join(JARGON_EN) + r")\b",
    re.I,
)

_HEADING_NUM = re.compile(
    r"^\s*(?:#{1,6}\s*|第[一二三四五六七八九十百零\d]+[章节条部分篇]|[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[)）]|"
    r"\d+(?:\.\d+)*[、.．]?\s|\d+(?:\.\d+)+|[IVX]+\.\s|[A-Z]\.\s|Article\s+\d+|Section\s+\d+)"
)
_TOC = re.compile(r"^\s*(?:目\s*录|本(?:政策|指引)将帮助您了解以下内容|本(?:政策|指引)包含以下|table of contents|contents)\s*[:：]?\s*$|"
                  r"(?:帮助您了解以下内容|目录)[:：]?\s*$", re.I)
_END_PUNCT = re.compile(r"[。；;，,：:！？!?]\s*$")


def units(s: str) -> int:
    """Length in CJK characters plus Latin-script words (and numbers)."""
    return len(_CJK.findall(s)) + len(_WORD.findall(_CJK.sub(" ", s)))


def headings(text: str) -> list[tuple[int, int]]:
    """Lines that look like headings: numbered or marked short lines, or short lines without punctuation."""
    out = []
    pos = 0
    lines = text.split("\n")
    for i, line in enumerate(lines):
        start, end = pos, pos + len(line)
        pos = end + 1
        s = line.strip()
        if not s or len(s) > 60:
            continue
        u = units(s)
        if u == 0 or u > 30 or _END_PUNCT.search(s):
            continue
        numbered = bool(_HEADING_NUM.match(s))
        if not numbered:
            # An unnumbered heading: short, no sentence punctuation inside, followed by a longer line.
            nxt = next((ln for ln in lines[i + 1:] if ln.strip()), "")
            if u > 16 or re.search(r"[。，,；;：:]", s) or units(nxt) <= u or re.match(r"^\s*[-*•·]", s):
                continue
            if re.search(r"\d{4}\s*[年/.-]", s):  # "更新日期 2021年…" lines
                continue
        lead = len(line) - len(line.lstrip())
        out.append((start + lead, start + lead + len(s)))
    return out


def has_toc(text: str, heads: list[tuple[int, int]] | None = None) -> bool:
    """A table of contents: an explicit "目录/contents" line, or ≥ 3 headings listed twice (list, then body)."""
    for line in text[: max(2000, len(text) // 4)].split("\n"):
        if _TOC.search(line.strip()):
            return True
    heads = headings(text) if heads is None else heads
    seen: dict[str, int] = {}
    for a, b in heads:
        key = re.sub(r"[\s#*]|^[（(]?[一二三四五六七八九十\d.]+[)）、.．]?", "", text[a:b])
        if len(key) >= 2:
            seen[key] = seen.get(key, 0) + 1
    return sum(1 for n in seen.values() if n >= 2) >= 3


def _pctl(values: list[float], p: float) -> float:
    """Linear-interpolated percentile (numpy's default method)."""
    if not values:
        return 0.0
    v = sorted(values)
    k = (len(v) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def measure(text: str, sentences: list[tuple[int, int]]) -> dict:
    """The raw measurements (no corpus comparison)."""
    cjk = len(_CJK.findall(text))
    words = len(_WORD.findall(_CJK.sub(" ", text)))
    lens = []
    longest = (0, 0, 0)
    jargon_sents = 0
    terms: dict[str, int] = {}
    spelled: dict[str, str] = {}
    for a, b in sentences:
        s = text[a:b]
        n = units(s)
        if n == 0:
            continue
        lens.append(n)
        if n > longest[2]:
            longest = (a, b, n)
        found = _JARGON.findall(s)
        if found:
            jargon_sents += 1
            for t in found:
                key = spelled.setdefault(t.lower(), t)  # one entry per term, as first written
                terms[key] = terms.get(key, 0) + 1
    heads = headings(text)
    language = "zh" if cjk >= words else "en" if words else "none"
    return {
        "language": language,
        "characters": sum(1 for c in text if not c.isspace()),
        "cjk_characters": cjk,
        "latin_words": words,
        "length_units": cjk + words,
        "sentences": len(lens),
        "mean_sentence_length": round(sum(lens) / len(lens), 2) if lens else 0.0,
        "p90_sentence_length": round(_pctl(lens, 90), 2),
        "longest_sentence": {"start": longest[0], "end": longest[1], "length": longest[2]},
        "longest_sentence_length": longest[2],
        "jargon_density": round(jargon_sents / len(lens), 4) if lens else 0.0,
        "jargon_terms": dict(sorted(terms.items(), key=lambda kv: (-kv[1], kv[0]))[:15]),
        "headings": len(heads),
        "has_toc": has_toc(text, heads),
    }


@cache
def corpus_stats() -> dict | None:
    """The corpus percentiles (lazy); None when the file has not been generated."""
    try:
        with open(STATS_PATH, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None


def percentile_of(value: float, points: dict[str, float]) -> tuple[float, str]:
    """Approximate corpus percentile of ``value`` from the stored points p5..p95, and its band.

    Between stored points the percentile is interpolated linearly (on a flat stretch, where several
    points are equal, the highest percentile reached is given); outside p5..p95 it is reported as
    2.5 or 97.5 with band "<p5" / ">p95" (the file keeps no minimum or maximum).
    """
    xs = [(p, float(points[f"p{p}"])) for p in PERCENTILES]
    if value < xs[0][1]:
        return 2.5, "<p5"
    if value > xs[-1][1]:
        return 97.5, ">p95"
    reached = [p for p, v in xs if v == value]
    if reached:
        p = max(reached)
        return float(p), f"p{p}"
    for (p0, v0), (p1, v1) in zip(xs, xs[1:], strict=False):
        if v0 < value < v1:
            return round(p0 + (p1 - p0) * (value - v0) / (v1 - v0), 1), f"p{p0}-p{p1}"
    return 97.5, ">p95"


def readability(text: str, sentences: list[tuple[int, int]]) -> dict:
    """Measurements, corpus percentiles and a candidate ``hard_to_read`` flag with reasons (M191-2.4).

    ``reasons`` are readable lines starting with the reason code; ``reason_details`` carry the same
    reasons as dicts with the measurements and the corpus thresholds. Flag rules (any one raises the
    flag; all compare with the Chinese corpus, so they apply to Chinese text only):
    - ``long_and_long_sentences``: length ≥ corpus p90 and mean sentence length ≥ corpus p90 —
      冗长繁琐: a text both among the longest tenth and written in the longest sentences;
    - ``jargon``: jargon density ≥ corpus p90 — 使用大量专业术语, relative to what real policies use;
    - ``very_long_sentences``: 90th-percentile sentence length ≥ corpus p95 — a fifth of the
      text or more in sentences longer than almost every policy's typical long sentence;
    - ``unstructured``: length ≥ corpus median and no heading at all — a long text with nothing
      to navigate by.
    """
    m = measure(text, sentences)
    stats = corpus_stats()
    out: dict = dict(m)
    out["percentile"] = {}
    out["band"] = {}
    out["hard_to_read"] = False
    out["reasons"] = []  # one line per reason, starting with its code
    out["reason_details"] = []  # the same reasons with their measurements
    out["notes"] = []
    if stats is None:
        out["notes"].append("corpus statistics not generated (run benchmarks/policy_corpus_stats.py)")
        return out
    out["corpus"] = {"name": stats["corpus"], "count": stats["count"], "date": stats["date"]}
    if m["language"] != stats.get("language", "zh"):
        out["notes"].append(f"corpus statistics are for {stats.get('language', 'zh')} policies; "
                            f"this text is {m['language']}: no percentiles, no flag")
        return out
    pts = stats["metrics"]
    for k in METRICS:
        if k in pts:
            out["percentile"][k], out["band"][k] = percentile_of(float(m[k]), pts[k])

    def at_least(k: str, p: int) -> bool:
        return k in pts and float(m[k]) >= float(pts[k][f"p{p}"])

    details = out["reason_details"]
    if at_least("length_units", 90) and at_least("mean_sentence_length", 90):
        details.append({"reason": "long_and_long_sentences", "length_units": m["length_units"],
                        "corpus_p90_length": pts["length_units"]["p90"],
                        "mean_sentence_length": m["mean_sentence_length"],
                        "corpus_p90_mean_sentence_length": pts["mean_sentence_length"]["p90"]})
        out["reasons"].append(
            f"long_and_long_sentences: {m['length_units']} units ≥ corpus p90 {pts['length_units']['p90']:g}, "
            f"mean sentence {m['mean_sentence_length']:g} ≥ p90 {pts['mean_sentence_length']['p90']:g}")
    if at_least("jargon_density", 90) and m["sentences"] >= 10:
        details.append({"reason": "jargon", "jargon_density": m["jargon_density"],
                        "corpus_p90": pts["jargon_density"]["p90"], "terms": m["jargon_terms"]})
        top = "、".join(list(m["jargon_terms"])[:5])
        out["reasons"].append(f"jargon: {m['jargon_density']:.0%} of sentences ≥ corpus p90 "
                              f"{pts['jargon_density']['p90']:.0%} ({top})")
    if at_least("p90_sentence_length", 95) and m["sentences"] >= 10:
        details.append({"reason": "very_long_sentences", "p90_sentence_length": m["p90_sentence_length"],
                        "corpus_p95": pts["p90_sentence_length"]["p95"], "longest_sentence": m["longest_sentence"]})
        out["reasons"].append(f"very_long_sentences: 90th-percentile sentence {m['p90_sentence_length']:g} units ≥ "
                              f"corpus p95 {pts['p90_sentence_length']['p95']:g}")
    if at_least("length_units", 50) and m["headings"] == 0:
        details.append({"reason": "unstructured", "length_units": m["length_units"], "headings": 0,
                        "corpus_median_length": pts["length_units"]["p50"]})
        out["reasons"].append(f"unstructured: {m['length_units']} units ≥ corpus median "
                              f"{pts['length_units']['p50']:g} and no headings")
    out["hard_to_read"] = bool(details)
    return out
