"""The policy-language layer: what a piece of privacy-policy text says, from plain strings.

Everything here is lexicon- and rule-driven (``catalog/policy_lexicon.json`` plus the PI synonyms of
``catalog/pi_types.json`` and the SDK names of ``catalog/sdks.json``); no model is downloaded or trained.
Matchers are compiled once, lazily, and cached.

- ``classify(text, heading)`` — the categories (``model.CATEGORIES``) of one paragraph-sized segment;
- ``pi_mentions(text)`` — PI-type mentions, longest match first, no overlaps;
- ``practices(sentence, offset)`` — who does what to which PI, why and when, as one sentence declares it;
- ``sdk_rows(cells)`` / ``sdk_sentences(text, offset)`` — third-party SDK lists (tables and "label：value" runs);
- ``permission_explanations(text, offset)`` — permission notes (权限说明);
- ``sentences(text)`` — a plain sentence splitter for callers without a parsed document.

Offsets are character offsets into the string given, shifted by ``offset`` where the function takes one.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from privaudit import catalog
from privaudit.evidence.policy.model import (
    CATEGORIES,
    PermissionDisclosure,
    Practice,
    SdkDisclosure,
)

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
# Full-width ASCII (！…～) and the ideographic space map onto ASCII for matching; lengths do not change.
_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _fold(text: str) -> str:
    """Same-length matching copy: full-width ASCII to ASCII, then case-folded where that keeps the length."""
    t = text.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(text) else text
    low = t.lower()
    return low if len(low) == len(t) else t


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


# --------------------------------------------------------------------------------------------------
# Phrase matcher: one trie-shaped regex over many phrases; leftmost-longest, non-overlapping.
# --------------------------------------------------------------------------------------------------

def _canon(phrase: str) -> str:
    """Lookup key of a phrase or matched text: folded, without spaces, hyphens or markdown stars."""
    return _SEPARATORS.sub("", _fold(phrase))


_SEPARATORS = re.compile(r"[\s\-*_]+")


def _trie_key(phrase: str) -> str:
    """Folded phrase with each run of separators as one space (matched by optional separators)."""
    return _SEPARATORS.sub(" ", _fold(phrase)).strip()


def _trie_regex(keys: list[str]) -> str:
    trie: dict[str, Any] = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any], prev: str | None) -> str:
        alts = []
        for ch in sorted(k for k in node if k):
            step = r"[\s*_\-]*" if ch == " " else re.escape(ch)
            if prev is not None and prev != " " and ch != " " and _needs_gap(prev, ch):
                step = r"[\s*_\-]*" + step
            sub = emit(node[ch], ch)
            alts.append(step + sub)
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            body = "(?:" + body + ")?"
        return body

    return emit(trie, None)


def _needs_gap(a: str, b: str) -> bool:
    """Between two characters of a phrase the text may hold spaces, hyphens or markdown: between an ASCII
    word character and a CJK one (\"IP 地址\", \"设备 **ID**\"), and between two ASCII words (\"Wi-Fi\")."""
    a_ascii, b_ascii = _is_ascii_word(a), _is_ascii_word(b)
    if a_ascii != b_ascii:
        return True
    return False


@dataclass(slots=True, eq=False)
class PhraseMatcher:
    """Finds phrases from a table; ``value`` of a phrase is anything (``None`` drops the match)."""

    regex: re.Pattern[str]
    table: dict[str, Any]
    ascii_bounded: bool = True

    @classmethod
    def build(cls, phrases: dict[str, Any], ascii_bounded: bool = True) -> PhraseMatcher:
        table: dict[str, Any] = {}
        keys = set()
        for phrase, value in phrases.items():
            key = _canon(phrase)
            if not key:
                continue
            keys.add(_trie_key(phrase))
            table[key] = value
        # Separators in phrases are optional in the text too ("WiFi" / "Wi-Fi" / "wi fi").
        pattern = _trie_regex(sorted(keys))
        return cls(re.compile(pattern), table, ascii_bounded)

    def finditer(self, text: str, folded: str | None = None):
        """(start, end, value) of each match; ``folded`` is ``_fold(text)`` if the caller has it."""
        s = _fold(text) if folded is None else folded
        pos = 0
        n = len(s)
        search = self.regex.search
        while pos < n:
            m = search(s, pos)
            if m is None:
                return
            start, end = m.span()
            if start == end:
                pos = start + 1
                continue
            hit = self._accept(s, start, end)
            if hit is None:
                pos = start + 1
                continue
            end, value = hit
            yield start, end, value
            pos = end

    def _accept(self, s: str, start: int, end: int) -> tuple[int, Any] | None:
        """The longest acceptable match at ``start`` ending at or before ``end``: ASCII words must not be
        cut out of longer ASCII words ("IP" in "ZIP"), English plurals are allowed ("photos")."""
        while end > start:
            key = _canon(s[start:end])
            if key in self.table and self._bounded(s, start, end):
                return end, self.table[key]
            end -= 1
            while end > start and _canon(s[start:end]) not in self.table:
                end -= 1
        return None

    def _bounded(self, s: str, start: int, end: int) -> bool:
        if not self.ascii_bounded:
            return True
        if _is_ascii_word(s[start]) and start > 0 and _is_ascii_word(s[start - 1]):
            return False
        if _is_ascii_word(s[end - 1]) and end < len(s) and _is_ascii_word(s[end]):
            # allow a plural s/es after an English word ("devices", "addresses")
            rest = s[end:end + 2]
            if end - start > 3 and s[end - 1].isalpha() and rest[:1] == "s" and \
                    (len(rest) < 2 or not _is_ascii_word(rest[1])):
                return True
            return False
        return True


# --------------------------------------------------------------------------------------------------
# Lexicon
# --------------------------------------------------------------------------------------------------

@cache
def lexicon() -> dict[str, Any]:
    return catalog.load("policy_lexicon")


def _pairs(entries: list[list[Any]]) -> dict[str, float]:
    return {str(p): float(w) for p, w in entries}


@dataclass(slots=True, eq=False)
class _Classifier:
    heading: PhraseMatcher  # value: list of (category, weight); category "" = not a category
    body: PhraseMatcher
    pi_weight: dict[str, float]
    decision: dict[str, Any]
    patterns: re.Pattern[str] | None  # all patterns in one alternation, group p<i> is pattern i
    pattern_weights: list[tuple[str, float]]


@cache
def _classifier() -> _Classifier:
    lex = lexicon()
    head: dict[str, list[tuple[str, float]]] = {}
    body: dict[str, list[tuple[str, float]]] = {}
    pi_weight: dict[str, float] = {}
    for cat, cues in lex["categories"].items():
        if cat not in CATEGORIES:
            raise ValueError(f"policy_lexicon: unknown category {cat}")
        for phrase, w in _pairs(cues.get("heading", [])).items():
            head.setdefault(phrase, []).append((cat, w))
        for phrase, w in _pairs(cues.get("body", [])).items():
            body.setdefault(phrase, []).append((cat, w))
        if cues.get("pi_mention"):
            pi_weight[cat] = float(cues["pi_mention"])
    for phrase, w in _pairs(lex["not_categories"]["heading"]).items():
        head.setdefault(phrase, []).append(("", w))
    for phrase, w in _pairs(lex["not_categories"].get("body", [])).items():
        body.setdefault(phrase, []).append(("", w))
    items = [(cat, rx, float(w)) for cat, entries in lex.get("patterns", {}).items() if cat != "note"
             for rx, w in entries]
    combined = re.compile("|".join(f"(?P<p{i}>{rx})" for i, (_, rx, _) in enumerate(items)), re.M) if items else None
    return _Classifier(PhraseMatcher.build(_merge(head)), PhraseMatcher.build(_merge(body)), pi_weight,
                       lex["decision"], combined, [(cat, w) for cat, _, w in items])


def _merge(table: dict[str, list[tuple[str, float]]]) -> dict[str, list[tuple[str, float]]]:
    """Phrases that differ only in case/spacing share one key: keep all their (category, weight) pairs."""
    merged: dict[str, list[tuple[str, float]]] = {}
    for phrase, pairs in table.items():
        merged.setdefault(_canon(phrase), []).extend(pairs)
    return merged


# --------------------------------------------------------------------------------------------------
# classify
# --------------------------------------------------------------------------------------------------

_HEADING_NOISE = re.compile(
    r"^[\s#>*_`\-•·●◆■□【\[(（]*"
    r"(?:第[一二三四五六七八九十百\d]+[章节条部分]+|[一二三四五六七八九十百]+(?=[、.．\s)）:：])|"
    r"\d+(?:[.．]\d+)*(?=[、.．\s)）:：]|$)|[a-zA-Z](?=[.、)）]))?"
    r"[\s、.．:：)）】\]*_]*")


def clean_heading(heading: str) -> str:
    """The words of a heading without numbering, markdown and brackets."""
    h = heading.strip()
    h = _HEADING_NOISE.sub("", h, count=1)
    h = re.sub(r"[*_#`【】\[\]]+", "", h)
    return h.strip(" \t：:。")


@lru_cache(maxsize=4096)
def _clean_heading_cached(heading: str) -> str:
    return clean_heading(heading)


def looks_like_heading(line: str, max_len: int = 40) -> bool:
    """A short line that does not read as a sentence: numbering or markdown, no sentence-final stop."""
    s = line.strip()
    if not s:
        return False
    words = clean_heading(s)
    if not words or len(words) > max_len:
        return False
    if re.search(r"[。；;，,]$", s.rstrip("*_ ")):
        return False
    numbered = bool(re.match(r"^[\s#>*_]*(?:第[一二三四五六七八九十百\d]+[章节条部分]|[一二三四五六七八九十]+[、.．]|"
                             r"[（(][一二三四五六七八九十\d]+[)）]|\d+(?:[.．]\d+)*[、.．\s]|#)", s))
    if numbered or s.startswith(("#", "**")):
        return True
    return len(words) <= 24 and not re.search(r"[。；]", words)


def _score_heading(h: str, clf: _Classifier) -> tuple[dict[str, float], float]:
    return _heading_scores(h)


@lru_cache(maxsize=4096)
def _heading_scores(h: str) -> tuple[dict[str, float], float]:
    clf = _classifier()
    best: dict[str, float] = {}
    none = 0.0
    for _, _, pairs in clf.heading.finditer(h):
        for cat, w in pairs:
            if cat == "":
                none = max(none, w)
            else:
                best[cat] = max(best.get(cat, 0.0), w)
    return best, none


def _score_body(text: str, clf: _Classifier, boost_until: int) -> dict[str, float]:
    scores: dict[str, float] = {}
    seen: dict[tuple[str, str], int] = {}
    boost = float(clf.decision.get("first_sentence_boost", 1.0))
    folded = _fold(text)
    mentions = _pi_mentions(text, folded, True)
    pi_starts = [s for _, s, _, _ in mentions]
    pi_ends = [e for _, _, e, _ in mentions]
    for start, end, pairs in clf.body.finditer(text, folded):
        # a cue word that is part of a PI mention ("收货地址", "email address") is data, not a topic cue
        i = bisect.bisect_left(pi_starts, end) - 1
        in_pi = i >= 0 and pi_ends[i] > start
        for cat, w in pairs:
            if in_pi and cat != "collection":
                continue
            k = (cat, str(id(pairs)))
            n = seen.get(k, 0)
            if n >= 3:  # a cue repeated many times says little more
                continue
            seen[k] = n + 1
            scores[cat] = scores.get(cat, 0.0) + w * (boost if start < boost_until else 1.0)
    if clf.patterns is not None:
        counts: dict[str, int] = {}
        for m in clf.patterns.finditer(text):
            key = m.lastgroup or ""
            if counts.get(key, 0) < 3:
                counts[key] = counts.get(key, 0) + 1
                cat, w = clf.pattern_weights[int(key[1:])]
                scores[cat] = scores.get(cat, 0.0) + w
    if clf.pi_weight:
        n_pi = min(len(mentions), 12)
        for cat, w in clf.pi_weight.items():
            if n_pi:
                scores[cat] = scores.get(cat, 0.0) + w * n_pi
    return scores


def category_scores(text: str, heading: str | None = None) -> tuple[dict[str, float], float, float]:
    """(scores per category, not-a-category heading score, not-a-category total score), before the
    decision rule."""
    clf = _classifier()
    d = clf.decision
    h = _clean_heading_cached(heading) if heading else ""
    hs, none_head = _score_heading(h, clf) if h else ({}, 0.0)
    first = re.search(r"[。！？!?；;\n]", text)
    bs = _score_body(text, clf, first.end() if first else len(text))
    norm = (1.0 + len(text) / float(d["body_length_norm"])) ** 0.5
    hf, bf = d["heading_factor"], d["body_factor"]
    scores = {c: hf * hs.get(c, 0.0) + bf * bs.get(c, 0.0) / norm for c in set(hs) | set(bs) if c}
    none_total = hf * none_head + bf * bs.get("", 0.0) / norm
    # a strong not-a-category heading ("Cookie", "定义", "更新日期") outranks category cues of the heading
    if none_head >= d["none_heading_wins"] and none_head >= max(hs.values(), default=0.0):
        none_total = max(none_total, max(scores.values(), default=0.0))
    return scores, none_head, none_total


def classify(text: str, heading: str | None = None) -> list[str]:
    """Categories (from ``CATEGORIES``, in that order) of one paragraph-sized segment.

    ``heading`` is the segment's section heading when known; it weighs most. A heading of a section
    outside our categories (definitions, scope, cookies, disputes, table of contents…) gives no category
    unless the body is much stronger. Without a heading, a line that itself looks like a heading is read
    as one.
    """
    if heading is None and "\n" not in text.strip() and looks_like_heading(text):
        heading, text = text, ""
    clf = _classifier()
    d = clf.decision
    scores, _, none = category_scores(text, heading)
    if _is_toc(text):
        return []
    top = max(scores.values(), default=0.0)
    min_score = d["min_score_en"] if _mostly_latin(text or heading or "") else d["min_score"]
    if top < min_score:
        return _short_fragment(text, heading, d)
    if none and none >= top:
        return []
    floor = d["min_score_by_category"]
    keep = [c for c in CATEGORIES
            if scores.get(c, 0.0) >= floor.get(c, min_score) and scores.get(c, 0.0) >= d["relative"] * top]
    if not heading and len(keep) >= d["spread_reject"]:
        return []
    # An SDK list is a sharing disclosure too.
    if "sdk_list" in keep and "third_party_sharing" not in keep:
        keep = [c for c in CATEGORIES if c in keep or c == "third_party_sharing"]
    return keep


def _mostly_latin(text: str) -> bool:
    """English (or other Latin-script) text: fewer CJK characters than a tenth of the letters."""
    sample = text[:400]
    if sample.isascii():
        return True
    return len(_CJK_CHAR.findall(sample)) * 10 < len(_LATIN_CHAR.findall(sample))


_CJK_CHAR = re.compile("[\u3400-\u9fff]")
_LATIN_CHAR = re.compile("[A-Za-z]")


def _short_fragment(text: str, heading: str | None, d: dict[str, Any]) -> list[str]:
    """A table cell, row or list fragment with too few cue words: one that names a third party or SDK
    ("微信 | 分享内容到微信 | 设备信息") is a sharing disclosure; a short one naming PI ("通讯录", "读取设备
    识别码") is a collection statement."""
    whole = ((heading or "") + "\n" + text).strip()
    if len(whole) <= d["fragment_len"] and (find_sdks(whole) or _brands().search(whole)):
        return ["third_party_sharing"]
    if len(whole) <= d["short_fragment_len"] and pi_mentions(whole):
        return ["collection"]
    return []


@cache
def _brands() -> re.Pattern[str]:
    names = sorted(lexicon()["third_party_brands"], key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z])(?:" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z])", re.I)


def _is_toc(text: str) -> bool:
    """A table of contents: several short lines that are headings of different categories."""
    lines = [ln for ln in text.split("\n") if ln.strip()]
    if len(lines) < 4:
        return False
    short = [ln for ln in lines if len(clean_heading(ln)) <= 30]
    if len(short) < 0.7 * len(lines):
        return False
    clf = _classifier()
    cats = set()
    for ln in short:
        hs, _ = _score_heading(clean_heading(ln), clf)
        if hs:
            cats.add(max(hs, key=hs.get))
    return len(cats) >= 3


# --------------------------------------------------------------------------------------------------
# PI mentions
# --------------------------------------------------------------------------------------------------

@cache
def _pi_matcher() -> PhraseMatcher:
    table: dict[str, str | None] = {}
    for t in catalog.load("pi_types")["types"]:
        for s in t["synonyms_zh"] + t["synonyms_en"]:
            table.setdefault(s, t["id"])
            if _is_english(s) and s[-1:].isalpha() and not s.endswith("s"):
                table.setdefault(s + "s", t["id"])
    lex = lexicon()
    for pi, syns in lex["pi_extra_synonyms"].items():
        if pi == "note":
            continue
        for s in syns:
            table.setdefault(s, pi)
    for s in lex["pi_stop_phrases"]["phrases"]:
        table[s] = None
    return PhraseMatcher.build(table)


def _is_english(s: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9 .'\-/]+", s)) and len(s) > 3


def pi_mentions(text: str, features: bool = False) -> list[tuple[str, int, int, str]]:
    """(pi_type, start, end, surface) for each PI mention in ``text``: leftmost-longest, no overlaps.

    Phrases in the lexicon's stop list ("客服电话", "公司名称"…) take their span and yield nothing. A PI
    word used for a feature, a permission or the account as an object ("基于地理位置的功能", "麦克风权限",
    "创建账号") is not a mention of data and is left out unless ``features`` is true.
    """
    return _pi_mentions(text, _fold(text), features)


def _pi_mentions(text: str, folded: str, features: bool) -> list[tuple[str, int, int, str]]:
    out = []
    prefixes, suffixes = _pi_context()
    for start, end, pi in _pi_matcher().finditer(text, folded):
        if pi is None:
            continue
        if not features and (text[max(0, start - 2):start] in prefixes or
                             text[max(0, start - 1):start] in prefixes or
                             suffixes.match(text, end)):
            continue
        out.append((pi, start, end, text[start:end]))
    return out


@cache
def _pi_context() -> tuple[frozenset[str], re.Pattern[str]]:
    ctx = lexicon()["pi_context"]
    sufs = sorted(ctx["suffixes"], key=len, reverse=True)
    return frozenset(ctx["prefixes"]), re.compile(r"[\s*_]*(?:的)?(?:" + "|".join(map(re.escape, sufs)) + ")")


@cache
def _sensitive() -> frozenset[str]:
    return frozenset(t["id"] for t in catalog.load("pi_types")["types"] if t["sensitive"])


# --------------------------------------------------------------------------------------------------
# Sentences and clauses
# --------------------------------------------------------------------------------------------------

_SENT_END = re.compile(r"[。！？!?；;]+|\n+|(?<=[a-z0-9)\]])\.(?=\s+[A-Z\"“(]|\s*$)")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, its closing punctuation included: split at 。！？；, line breaks and
    English full stops."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in _SENT_END.finditer(text):
        _add_span(out, text, pos, m.start() if m.group().isspace() else m.end())
        pos = m.end()
    _add_span(out, text, pos, len(text))
    return out


def _add_span(out: list[tuple[int, int]], text: str, s: int, e: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))


_CLAUSE_END = re.compile(r"[，,：:；;。！？!?\n]")


def _clause_bounds(text: str, pos: int) -> tuple[int, int]:
    start = 0
    for m in _CLAUSE_END.finditer(text, 0, pos):
        start = m.end()
    m = _CLAUSE_END.search(text, pos)
    return start, (m.start() if m else len(text))


# --------------------------------------------------------------------------------------------------
# Practices
# --------------------------------------------------------------------------------------------------

@dataclass(slots=True, eq=False)
class _PracticeLex:
    actions: PhraseMatcher
    purpose: PhraseMatcher
    condition: PhraseMatcher
    open_list: PhraseMatcher
    negation: PhraseMatcher
    generic: PhraseMatcher
    third: PhraseMatcher
    sdk: PhraseMatcher
    deng_follow: tuple[str, ...]
    deng_not_before: frozenset[str]
    cond_openers: tuple[str, ...]
    user_subjects: tuple[str, ...]


@cache
def _practice_lex() -> _PracticeLex:
    lex = lexicon()
    actions: dict[str, str] = {}
    for action, words in lex["actions"].items():
        for w in words:
            actions.setdefault(w, action)

    def flag(words: list[str]) -> PhraseMatcher:
        return PhraseMatcher.build({w: True for w in words})

    return _PracticeLex(
        actions=PhraseMatcher.build(actions),
        purpose=flag(lex["purpose_markers"]),
        condition=flag(lex["condition_markers"]),
        open_list=flag(lex["open_list_markers"]),
        negation=flag(lex["negation_markers"]),
        generic=flag(lex["generic_pi"]),
        third=flag(lex["third_party"]),
        sdk=_sdk_matcher(),
        deng_follow=tuple(lex["open_list_deng"]["followers"]),
        deng_not_before=frozenset(lex["open_list_deng"]["not_before"]),
        cond_openers=tuple(lex["condition_clause_openers"]),
        user_subjects=tuple(lex["user_subject_before_use"]),
    )


@cache
def _sdk_by_id() -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in catalog.sdks()}


@cache
def _sdk_matcher() -> PhraseMatcher:
    """SDK names as policies write them: catalogue names (with and without "SDK", parentheticals,
    English names) and the lexicon's brand aliases. Value: (sdk_id, display name)."""
    table: dict[str, tuple[str, str]] = {}
    for sdk in catalog.sdks():
        for name in (sdk["name"], sdk.get("name_en") or ""):
            if not name:
                continue
            for variant in _name_variants(name):
                table.setdefault(variant, (sdk["id"], variant))
    for alias, sdk_id in lexicon()["sdk_aliases"]["aliases"].items():
        if sdk_id not in _sdk_by_id():
            raise ValueError(f"policy_lexicon: sdk alias {alias} names unknown SDK {sdk_id}")
        table[alias] = (sdk_id, alias)
    return PhraseMatcher.build(table)


_COMMON_WORDS = frozenset("""
    sdk google facebook 腾讯 百度 阿里 华为 小米 网易 京东 share login pay push analytics ads map maps location
    crash kit core auth search navi scan update messaging events gaming im rtc ocr app open here line chat tune max
    heap batch trade branch adjust singular mob tim nim msc asr tts ima ump mtl zid vk mobile
    风控 反欺诈 智能风控 短视频 一键登录 统计 推送 广告 地图 定位 支付 登录 分享 客服 验证码
""".split())


def _name_variants(name: str) -> set[str]:
    """How a catalogue name may appear in a policy: the full name, without its parenthetical, without a
    trailing "SDK", split at " / ", and ASCII product names given in brackets ("U-APM", "Pangle"). Common
    words, acronyms under four letters and PI words are left out."""
    out = {name.strip()}
    base = re.sub(r"[（(][^）)]*[）)]", "", name).strip()
    out.add(base)
    for inner in re.findall(r"[（(]([^）)]*)[）)]", name):
        for part in re.split(r"[/、,，]| / ", inner):
            part = part.strip()
            if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 .+\-]{3,}", part) and re.search(r"[A-Z0-9\-]", part):
                out.add(part)
    for v in list(out):
        for part in re.split(r"\s+/\s+", v):
            out.add(part.strip())
    for v in list(out):
        stripped = re.sub(r"\s*SDK$", "", v, flags=re.I).strip()
        out.add(stripped)
    pi_words = _pi_matcher().table
    keep = set()
    for v in out:
        if len(v) < 2 or v.casefold() in _COMMON_WORDS or _canon(v) in pi_words or \
                v.count("（") + v.count("(") != v.count("）") + v.count(")"):
            continue
        if re.fullmatch(r"[A-Za-z]{1,3}", v):
            continue
        keep.add(v)
    return keep


def find_sdks(text: str) -> list[tuple[int, int, str, str]]:
    """(start, end, sdk_id, surface) of each catalogued SDK named in ``text``."""
    return [(s, e, v[0], text[s:e]) for s, e, v in _sdk_matcher().finditer(text)]


_PROVIDE_SHARE = re.compile(r"(?:向|与|给)(?!您|你|用户|我们|我司|本公司|本平台)[^，。；,;]{1,30}?(?:提供|共享|分享|披露)")
_PROVIDE_COLLECT = re.compile(r"(?<![为向给帮])(?:您|你|用户)[^，。；,;向为]{0,8}?提供")


def _actions(sentence: str, folded: str, lx: _PracticeLex,
             mentions: list[tuple[str, int, int, str]]) -> list[tuple[int, int, str]]:
    found = []
    for s, e, action in lx.actions.finditer(sentence, folded):
        if any(ms < e and s < me for _, ms, me, _ in mentions):
            continue  # "记录" inside "浏览记录" is data, not a verb
        if action == "use" or sentence[s:e] in ("访问", "查看"):
            before = sentence[max(0, s - 3):s]
            if any(before.endswith(u) for u in lx.user_subjects) or sentence[e:e + 2] in ("我们", "本服"):
                continue  # "您使用…" is the user using a service
        if action == "disclose" and sentence[s:e] == "公开" and sentence[e:e + 2] not in ("披露", "您的", "你的"):
            continue
        found.append((s, e, action))
    for m in _PROVIDE_SHARE.finditer(sentence):
        if not any(s <= m.end() - 1 < e for s, e, _ in found):
            found.append((m.end() - 2, m.end(), "share"))
    for m in _PROVIDE_COLLECT.finditer(sentence):
        if not any(s <= m.end() - 1 < e for s, e, _ in found):
            found.append((m.end() - 2, m.end(), "collect"))
    found.sort()
    return found


def _group_actions(sentence: str, acts: list[tuple[int, int, str]]) -> list[list[tuple[int, int, str]]]:
    """Verbs joined by 和/、/及/或/并 ("收集和使用") share their object."""
    groups: list[list[tuple[int, int, str]]] = []
    for a in acts:
        if groups:
            gap = sentence[groups[-1][-1][1]:a[0]]
            if len(gap) <= 4 and re.fullmatch(r"[\s和与及或并、/，,以和或者and]*", gap):
                groups[-1].append(a)
                continue
        groups.append([a])
    return groups


def _clause_of(sentence: str, pos: int) -> tuple[int, int]:
    return _clause_bounds(sentence, pos)


def _negated(sentence: str, folded: str, verb_start: int, lx: _PracticeLex) -> bool:
    cs, _ = _clause_of(sentence, verb_start)
    clause = sentence[cs:verb_start]
    if clause.lstrip().startswith(lx.cond_openers) and not re.search(r"(我们|我司|本公司|we )", clause):
        return False
    for s, _, _ in lx.negation.finditer(clause, folded[cs:verb_start]):
        # a negation inside an embedded condition ("如您不同意…") does not negate our verb
        if not re.search(r"(如果?|若|当)(您|你)[^，,]*$", clause[:s]):
            return True
    # "未经您同意，我们不会…" puts the negation before the verb in the same clause; "we do not" too
    return False


def _open_list(sentence: str, folded: str, lx: _PracticeLex, mentions: list[tuple[str, int, int, str]]) -> bool:
    if any(True for _ in lx.open_list.finditer(sentence, folded)):
        return True
    for m in re.finditer("等", sentence):
        i = m.start()
        if i > 0 and sentence[i - 1] in lx.deng_not_before:
            continue
        if not any(0 <= i - e <= 2 for _, _, e, _ in mentions):
            continue
        after = sentence[i + 1:i + 6]
        if not after or after[0] in "，,。；;、）)）\n" or after.startswith(lx.deng_follow) or \
                any(ms == i + 1 for _, ms, _, _ in mentions):
            return True
    return False


def _marked_clause(sentence: str, folded: str, matcher: PhraseMatcher, limit: int = 80) -> str | None:
    for s, _, _ in matcher.finditer(sentence, folded):
        cs, ce = _clause_of(sentence, s)
        # purposes/conditions run from the marker to the end of their clause
        frag = sentence[s:ce].strip(" ，,：:")
        if len(frag) < 3:
            continue
        return frag[:limit]
    return None


def _marked_clauses(sentence: str, folded: str, matcher: PhraseMatcher, limit: int = 120) -> str | None:
    """Every clause a marker opens, joined with "；" ("当您使用…时；经您单独同意")."""
    found: list[str] = []
    last_end = -1
    for s, _, _ in matcher.finditer(sentence, folded):
        if s < last_end:
            continue
        _, ce = _clause_of(sentence, s)
        frag = sentence[s:ce].strip(" ，,：:")
        last_end = ce
        if len(frag) >= 3 and frag not in found:
            found.append(frag)
    return "；".join(found)[:limit] if found else None


def practices(sentence: str, offset: int = 0) -> list[Practice]:
    """The data practices one sentence declares: one ``Practice`` per verb group ("收集和使用" is one group
    but yields collect and use). A group counts when its scope names PI types, or generic PI ("个人信息")
    for share/transfer/disclose/entrust and negated statements.

    ``actor`` is the party that ends up with the PI: ``first_party`` for our own collection and use; the
    named SDK or third party (``third_party`` when unnamed) for sharing, entrusting, transfer and disclosure,
    and for collection when a third party is the subject ("友盟SDK会收集…").
    """
    lx = _practice_lex()
    folded = _fold(sentence)
    if lx.actions.regex.search(folded) is None and "提供" not in sentence:
        return []
    mentions = _pi_mentions(sentence, folded, True)
    acts = _actions(sentence, folded, lx, mentions)
    if not acts:
        return []
    sdks = [(s, e, v[0], sentence[s:e]) for s, e, v in _sdk_matcher().finditer(sentence, folded)]
    thirds = [(s, e) for s, e, _ in lx.third.finditer(sentence, folded)]
    generic = [(s, e) for s, e, _ in lx.generic.finditer(sentence, folded)]
    groups = _group_actions(sentence, acts)
    purpose = _marked_clause(sentence, folded, lx.purpose)
    condition = _marked_clauses(sentence, folded, lx.condition)
    open_list = _open_list(sentence, folded, lx, mentions)
    out: list[Practice] = []
    bounds = [g[0][0] for g in groups] + [len(sentence)]
    for gi, group in enumerate(groups):
        g_start = group[0][0]
        scope_end = bounds[gi + 1]
        pis = [m for m in mentions if g_start <= m[1] < scope_end]
        if not pis and gi + 1 < len(groups) and _clause_of(sentence, g_start) == _clause_of(sentence, scope_end):
            # "委托第三方服务商处理您的订单信息": the next verb of the clause carries the object
            pis = [m for m in mentions if scope_end <= m[1] < bounds[gi + 2]]
        if not pis:
            prev_end = groups[gi - 1][-1][1] if gi else 0
            pis = [m for m in mentions if prev_end <= m[1] < g_start]
        types = list(dict.fromkeys(m[0] for m in pis))
        negated = _negated(sentence, folded, g_start, lx)
        has_generic = any(g_start <= s < scope_end or (gi == 0 and s < g_start) for s, _ in generic)
        for _, _, action in _dedupe_actions(group):
            if not types and not (has_generic and (action != "collect" and action != "use" or negated)):
                continue
            actor, sdk_id = _actor(sentence, action, g_start, scope_end, sdks, thirds)
            out.append(Practice(
                actor=actor, sdk_id=sdk_id, action=action, pi_types=types, purpose=purpose,
                condition=condition, sensitive=any(t in _sensitive() for t in types), open_list=open_list,
                start=offset, end=offset + len(sentence), negated=negated))
    return out


def _dedupe_actions(group: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    seen = set()
    out = []
    for a in group:
        if a[2] not in seen:
            seen.add(a[2])
            out.append(a)
    return out


def _actor(sentence: str, action: str, g_start: int, scope_end: int,
           sdks: list[tuple[int, int, str, str]], thirds: list[tuple[int, int]]) -> tuple[str, str | None]:
    cs, _ = _clause_of(sentence, g_start)
    if action in ("collect", "use"):
        # a third party as the subject of the verb's clause
        for s, _, sdk_id, surface in sdks:
            if cs <= s < g_start:
                return surface, sdk_id
        for s, e in thirds:
            if cs <= s < g_start and not re.search(r"(从|自|向|通过)$", sentence[max(cs, s - 2):s]):
                return sentence[s:e], None
        return "first_party", None
    # share / entrust / transfer / disclose: the recipient
    if sdks:
        return sdks[0][3], sdks[0][2]
    if thirds:
        s, e = thirds[0]
        return sentence[s:e], None
    return "third_party" if action in ("share", "entrust", "transfer") else "public", None


# --------------------------------------------------------------------------------------------------
# SDK lists
# --------------------------------------------------------------------------------------------------

@cache
def _field_matcher() -> PhraseMatcher:
    table: dict[str, str] = {}
    for field, labels in lexicon()["sdk_fields"].items():
        if field == "note":
            continue
        for label in labels:
            table.setdefault(label, field)
    return PhraseMatcher.build(table)


_URL = re.compile(r"https?://[^\s<>\"'）)】\]，。；]+|www\.[^\s<>\"'）)】\]，。；]+", re.I)
_COMPANY = re.compile(r"(有限公司|有限责任公司|股份有限公司|集团|公司|Inc\.?|Ltd\.?|LLC|GmbH|Limited|Corporation|Co\.)\s*$", re.I)


def _cell_field(cell: str) -> str | None:
    """The field a header cell names, when the whole cell is a label."""
    c = clean_heading(cell).strip(" ：:")
    if not c or len(c) > 20:
        return None
    hits = list(_field_matcher().finditer(c))
    if len(hits) == 1 and hits[0][1] - hits[0][0] >= len(_canon(c)) - 4:
        return hits[0][2]
    return None


def is_sdk_header(cells: list[str]) -> bool:
    fields = [_cell_field(c) for c in cells]
    return sum(1 for f in fields if f) >= 2 and "name" in fields or ("company" in fields and "purpose" in fields)


def sdk_rows(cells: list[str], header: list[str] | None = None, start: int = 0,
             end: int | None = None) -> SdkDisclosure | None:
    """One row of an SDK list (第三方SDK清单) as a disclosure, or ``None`` (a header row, or no SDK).

    With ``header`` (the table's header cells) columns are assigned by their labels; without it, by
    content: a URL cell, a company cell (…有限公司), a cell naming a catalogued SDK or containing "SDK",
    a purpose cell (用于/为了/…), and the cell with the most PI mentions. ``start``/``end`` locate the row.
    """
    cells = [c.strip() for c in cells]
    if not any(cells) or is_sdk_header(cells):
        return None
    end = start + len("\t".join(cells)) if end is None else end
    fields: dict[str, str] = {}
    if header and len(header) == len(cells):
        for h, c in zip(header, cells, strict=True):
            f = _cell_field(h)
            if f and c and f not in fields:
                fields[f] = c
    rest = [c for c in cells if c and c not in fields.values()]
    if "url" not in fields:
        for c in rest:
            if _URL.search(c):
                fields["url"] = c
                break
    if "name" not in fields:
        for c in rest:
            if c in fields.values() or re.fullmatch(r"\d+[.、]?", c):
                continue
            if find_sdks(c) and len(c) <= 40 or re.search(r"SDK|sdk|Kit\b", c) and len(c) <= 40:
                fields["name"] = c
                break
    if "company" not in fields:
        for c in rest:
            if c not in fields.values() and _COMPANY.search(c) and len(c) <= 40:
                fields["company"] = c
                break
    if "purpose" not in fields:
        lx = _practice_lex()
        for c in rest:
            if c not in fields.values() and (any(True for _ in lx.purpose.finditer(c)) or
                                             re.search(r"推送|统计|分享|登录|支付|定位|地图|广告|分析|崩溃|验证|"
                                                       r"识别|客服|消息|push|analytics|ads|login|crash", c, re.I)):
                if len(pi_mentions(c)) <= 1:
                    fields["purpose"] = c
                    break
    if "pi" not in fields:
        best = max((c for c in rest if c not in fields.values()), key=lambda c: len(pi_mentions(c)), default=None)
        if best is not None and pi_mentions(best):
            fields["pi"] = best
    name = fields.get("name")
    if not name:
        if header and not fields:
            return None
        sdk_hits = [h for c in cells for h in find_sdks(c)]
        if not sdk_hits:
            return None
        name = sdk_hits[0][3]
    return _disclosure(name, fields.get("company"), fields.get("purpose"), fields.get("pi", ""),
                       fields.get("url"), start, end)


def _disclosure(name: str, company: str | None, purpose: str | None, pi_text: str, url_text: str | None,
                start: int, end: int) -> SdkDisclosure:
    name = re.sub(r"^\s*\d+[.、)）]\s*", "", clean_heading(name)).strip()
    hits = find_sdks(name)
    sdk_id = hits[0][2] if hits else None
    if sdk_id is None and company:
        hits = find_sdks(company)
        sdk_id = hits[0][2] if hits else None
    url = None
    if url_text:
        m = _URL.search(url_text)
        url = m.group(0).rstrip(".") if m else None
    types = list(dict.fromkeys(t for t, _, _, _ in pi_mentions(pi_text)))
    return SdkDisclosure(name=name, sdk_id=sdk_id, company=(company or None), purpose=(purpose or None),
                         pi_types=types, policy_url=url, start=start, end=end)


_LABEL = re.compile(r"[:：]")


def sdk_sentences(text: str, offset: int = 0) -> list[SdkDisclosure]:
    """SDK disclosures written as text: "SDK名称：…；使用目的：…；收集个人信息类型：…；隐私政策链接：…" runs
    (one field per line or separated by ；), and sentences naming a catalogued SDK with what it is for
    ("我们接入了友盟SDK，用于统计分析，会收集您的设备信息")."""
    out: list[SdkDisclosure] = []
    records = _label_runs(text)
    covered: list[tuple[int, int]] = []
    for fields, s, e in records:
        name = fields.get("name")
        if not name:
            continue
        out.append(_disclosure(name[0], _v(fields, "company"), _v(fields, "purpose"), _v(fields, "pi") or "",
                               _v(fields, "url"), offset + s, offset + e))
        covered.append((s, e))
    lx = _practice_lex()
    named = [h[0] for h in find_sdks(text)]
    if not named:
        out.sort(key=lambda d: d.start)
        return out
    for s, e in sentences(text):
        i = bisect.bisect_left(named, s)
        if i >= len(named) or named[i] >= e:
            continue
        if any(cs <= s < ce for cs, ce in covered):
            continue
        sent = text[s:e]
        hits = find_sdks(sent)
        if not hits:
            continue
        if not re.search(r"SDK|sdk|接入|集成|嵌入|使用了|插件|第三方|服务商|提供的", sent):
            continue
        purpose = _marked_clause(sent, _fold(sent), lx.purpose)
        types = pi_mentions(sent)
        if not purpose and not types:
            continue
        first = hits[0]
        out.append(SdkDisclosure(name=first[3], sdk_id=first[2], company=None, purpose=purpose,
                                 pi_types=list(dict.fromkeys(t for t, _, _, _ in types)),
                                 policy_url=(m.group(0) if (m := _URL.search(sent)) else None),
                                 start=offset + s, end=offset + e))
    out.sort(key=lambda d: d.start)
    return out


def _v(fields: dict[str, list[str]], key: str) -> str | None:
    vals = fields.get(key)
    return vals[0] if vals else None


def _label_runs(text: str) -> list[tuple[dict[str, list[str]], int, int]]:
    """Group "label：value" pairs into records; a record starts at a name label (or at the first label
    after a record that already has that field)."""
    fm = _field_matcher()
    labels = []
    for s, e, field in fm.finditer(text):
        rest = text[e:e + 3]
        m = re.match(r"[\s*_]*[:：]", rest)
        if not m:
            continue
        # the label must start its line or follow a separator
        before = text[max(0, s - 6):s]
        if before and not re.search(r"(^|[\n；;，,。、|\t]|\d[.、)）]|[（(]\d+[)）])[\s*_>\-•·]*$", before):
            continue
        labels.append((s, e + m.end(), field))
    records: list[tuple[dict[str, list[str]], int, int]] = []
    cur: dict[str, list[str]] = {}
    cur_start = None
    cur_end = 0
    for i, (s, vs, field) in enumerate(labels):
        ve = labels[i + 1][0] if i + 1 < len(labels) else len(text)
        nl = text.find("\n\n", vs, ve)
        if nl != -1:
            ve = nl
        if field != "pi":
            nl1 = text.find("\n", vs, ve)
            if nl1 != -1:
                ve = nl1
        value = text[vs:ve].strip(" \t\n；;，,。*_")
        gap = text[cur_end:s] if cur else ""
        if field == "name" or field in cur or "\n\n" in gap or (cur and not cur.get("name") and "\n" in gap):
            if cur.get("name"):
                records.append((cur, cur_start, cur_end))
            cur, cur_start = {}, s
        if not cur and field != "name":
            # "1. 极光推送SDK⏎使用目的：…": the line above the first label names the SDK
            line_start = text.rfind("\n", 0, text.rfind("\n", 0, s) if text.rfind("\n", 0, s) >= 0 else 0)
            line = text[line_start + 1:max(line_start + 1, text.rfind("\n", 0, s))].strip()
            if line and len(line) <= 40 and text[text.rfind("\n", 0, s) + 1:s].strip(" \t*_>-•·") == "" and (
                    find_sdks(line) or re.search(r"SDK|sdk", line)) and not _LABEL.search(line):
                cur["name"] = [line]
                cur_start = text.find(line, line_start + 1)
        if cur_start is None or not cur:
            cur_start = s if cur_start is None else cur_start
        cur.setdefault(field, []).append(value)
        cur_end = vs + len(text[vs:ve].rstrip())
    if cur.get("name"):
        records.append((cur, cur_start, cur_end))
    return records


# --------------------------------------------------------------------------------------------------
# Permission explanations
# --------------------------------------------------------------------------------------------------

@dataclass(slots=True, eq=False)
class _PermLex:
    zh: PhraseMatcher
    en: PhraseMatcher


@cache
def _perm_lex() -> _PermLex:
    lex = lexicon()["permission_aliases"]
    zh = dict(lex["zh"])
    for p in catalog.load("permissions")["permissions"]:
        zh.setdefault(re.sub(r"[（(].*$", "", p["zh"]), p["name"])
    return _PermLex(PhraseMatcher.build(zh), PhraseMatcher.build(dict(lex["en"])))


_ANDROID_PERM = re.compile(r"\b((?:[a-z][a-z0-9_]*\.)+permission\.[A-Z][A-Z0-9_]+)\b|\b([A-Z][A-Z]+(?:_[A-Z]+)+)\b")
_PERM_WORD = re.compile(r"权限|permission", re.I)


@cache
def _known_short_names() -> dict[str, str]:
    names = {p.rsplit(".", 1)[-1]: p for p in catalog.permissions()}
    for p in lexicon()["permission_aliases"]["zh"].values():
        names.setdefault(p.rsplit(".", 1)[-1], p)
    return names


def permission_explanations(text: str, offset: int = 0) -> list[PermissionDisclosure]:
    """Permission notes: "相机权限（CAMERA）：用于扫码", "android.permission.READ_PHONE_STATE 读取设备状态，用于…",
    "我们需要访问您的通讯录权限，以便…", "Camera permission: to scan QR codes".

    ``permission`` is the Android name when the words resolve (written out, a known constant such as
    ``READ_PHONE_STATE``, or a Chinese/English name before 权限/permission), else the words used.
    ``purpose`` is the explanation that follows (or the purpose clause of the sentence), if any.
    """
    hits: list[tuple[int, int, str]] = []
    short = _known_short_names()
    for m in _ANDROID_PERM.finditer(text):
        if m.group(1):
            hits.append((m.start(), m.end(), m.group(1)))
        elif m.group(2) in short:
            hits.append((m.start(), m.end(), short[m.group(2)]))
    android = [(s, e) for s, e, _ in hits]
    taken = list(android)
    for m in _PERM_WORD.finditer(text):
        s_word = m.start()
        # "READ_PHONE_STATE（电话权限）": the words after an Android name restate it
        if any(s <= s_word < e + 12 and "\n" not in text[e:s_word] for s, e in android):
            continue
        hit = _perm_name_before(text, s_word, m.end())
        if hit is None:
            continue
        s, name = hit
        if any(ts <= s < te for ts, te in taken):
            continue
        hits.append((s, m.end(), name))
        taken.append((s, m.end()))
    hits = _merge_perm_hits(text, sorted(hits))
    out: list[PermissionDisclosure] = []
    bounds = sentences(text)
    starts = [b[0] for b in bounds]
    lx = _practice_lex()
    covered_until = -1
    for i, (s, e, name) in enumerate(hits):
        if s < covered_until:
            continue  # the same permission named again inside its own explanation
        k = bisect.bisect_right(starts, s) - 1
        sent_end = bounds[k][1] if k >= 0 and s < bounds[k][1] else len(text)
        nxt = next((h[0] for h in hits[i + 1:] if h[2] != name or h[0] >= sent_end), len(text))
        stop = min(sent_end, nxt)
        covered_until = stop
        purpose = _explanation(text, e, stop)
        if purpose is None:
            sent_start = next((ss for ss, se in bounds if ss <= s < se), 0)
            sent = text[sent_start:sent_end]
            purpose = _marked_clause(sent, _fold(sent), lx.purpose)
        end = stop if purpose else e
        while end > e and text[end - 1] in " \t\n。；;，,.":
            end -= 1
        out.append(PermissionDisclosure(permission=name, purpose=purpose, start=offset + s,
                                        end=offset + max(end, e)))
    return _dedupe_perms(out)


def _perm_name_before(text: str, word_start: int, word_end: int) -> tuple[int, str] | None:
    """The permission words right before 权限 / permission (or inside brackets after it)."""
    pl = _perm_lex()
    window_start = max(0, word_start - 14)
    window = text[window_start:word_start]
    best = None
    for s, e, name in (pl.zh.finditer(window) if not text[word_start:word_end].isascii()
                       else pl.en.finditer(window)):
        # the name must end right before the word (allowing "的", brackets, spaces, markdown)
        gap = window[e:]
        if re.fullmatch(r"[\s*_的/（）()]*(?:[（(][^（）()]{0,12}[)）])?[\s*_]*", gap):
            best = (window_start + s, name)
    if best:
        return best
    after = text[word_end:word_end + 24]
    m = re.match(r"\s*[（(]([^）)]{1,20})[)）]", after)
    if m:
        inner = m.group(1)
        for _, _, name in pl.zh.finditer(inner):
            return word_start, name
    return None


def _merge_perm_hits(text: str, hits: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """"相机权限（CAMERA）" is one mention: merge neighbours naming the same permission across brackets."""
    out: list[tuple[int, int, str]] = []
    for s, e, name in hits:
        if out and re.fullmatch(r"[\s*_（()）:：/、]*", text[out[-1][1]:s]) and (
                out[-1][2] == name or not out[-1][2].startswith("android.") or not name.startswith("android.")):
            ps, pe, pname = out[-1]
            keep = name if name.startswith("android.") and not pname.startswith("android.") else pname
            out[-1] = (ps, max(pe, e), keep)
            continue
        out.append((s, e, name))
    return out


def _explanation(text: str, pos: int, stop: int) -> str | None:
    """The words after a permission name that explain it: after "：", "用于", "以便", "为了"…"""
    seg = text[pos:stop]
    m = re.match(r"[\s*_)）]*(?:[（(][^）)]{0,40}[)）])?[\s*_]*[:：\-—–]\s*(.+)", seg, re.S)
    if m:
        val = m.group(1).strip(" \t\n；;，,。.*_")
        return val[:120] or None
    m = re.search(r"(用于|用以|用来|以便|为了|目的是|以实现|以确保|以保障|to |for |used to|used for)", seg)
    if m and m.start() <= 40:
        val = seg[m.start():].strip(" \t\n；;，,。.*_")
        return val[:120] or None
    return None


def _dedupe_perms(items: list[PermissionDisclosure]) -> list[PermissionDisclosure]:
    out: list[PermissionDisclosure] = []
    for d in items:
        if out and out[-1].permission == d.permission and d.start - out[-1].end <= 2 and not d.purpose:
            continue
        out.append(d)
    return out
