"""items.json: the 31 items of Method 191 as data, checked against the shared reference texts.

What holds without the shared data: schema, 31 items with IDs M191-1.1 … M191-6.5 in order, valid evidence
letters, automation consistent with level, non-empty text. What needs ``../shared/reference``: the official
Chinese text (data/method191_items.json, method191.md), the evidence table of method191.md, the levels of
testability.md, and that each cited clause exists in the regulation text held under texts/.
"""

from __future__ import annotations

import json
import re
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import shared

from privaudit import catalog

CATALOGUE = Path(catalog.__file__).parent / "items.json"
TITLE_EN = "Method for Determining Illegal and Improper Collection and Use of Personal Information by Apps"

COUNTS = {1: 4, 2: 4, 3: 9, 4: 6, 5: 3, 6: 5}  # items per category in Method 191
ALL_IDS = [f"M191-{c}.{n}" for c, k in COUNTS.items() for n in range(1, k + 1)]
ID_RE = re.compile(r"^M191-[1-6]\.[1-9]$")

LETTERS = "SPRNULM"
AUTOMATION = {"A": "automatic", "A*": "automatic", "H": "semi-automatic", "M": "manual"}
STRENGTH = {"automatic": 2, "semi-automatic": 1, "manual": 0}
LEVEL_STRENGTH = {"A": 3, "A*": 2, "H": 1, "M": 0}
SEVERITIES = {"high", "medium", "low"}

TEXT_FIELDS = ["zh", "en", "title_zh", "title_en", "severity_note", "decision_zh", "decision_en",
               "lab_check_zh", "remediation_zh", "remediation_en"]  # fmt: skip
ITEM_KEYS = set(TEXT_FIELDS) | {"id", "category", "evidence", "automation", "level", "severity", "references"}
ZH_FIELDS = ["zh", "title_zh", "decision_zh", "lab_check_zh", "remediation_zh"]

# Evidence letters beyond method191.md's table. Each is in testability.md's evidence column for the item.
EVIDENCE_ADDITIONS: dict[str, tuple[set[str], str]] = {
    "M191-1.1": ({"U"}, "a policy linked only from the UI (not in the APK) is found by UI exploration"),
    "M191-3.3": ({"P"}, "'beyond the authorised scope' is judged against the scope the policy declares"),
    "M191-3.5": ({"U"}, "the app's own privacy switches are read from the UI, not from system state"),
    "M191-3.7": ({"R", "N"}, "a lure (contacts for a lottery) is proven by the read (R) and upload (N)"),
    "M191-4.4": ({"N"}, "the rate of packets carrying PI is the second frequency measure"),
    "M191-4.6": ({"S"}, "targetSdkVersion < 23 (install-time bundled grant) is read from the manifest"),
    "M191-6.4": ({"N"}, "uploads still tied to a deleted account show in the network capture"),
}

# Mixed entries of testability.md: ``level`` is the main decision, ``automation`` the weaker honest one.
MIXED: dict[str, tuple[str, str, str]] = {
    "M191-1.2": ("A", "semi-automatic", "presence is automatic; conspicuousness needs a reviewer"),
    "M191-2.1": ("A*", "semi-automatic", "mapping free policy text to PI types needs review"),
    "M191-2.3": ("A", "semi-automatic", "wording beyond the list of generic phrases needs review"),
    "M191-3.6": ("A*", "semi-automatic", "whether the switch really stops the use of PI is back-end"),
    "M191-3.9": ("A*", "semi-automatic", "back-end practices need review"),
    "M191-6.2": ("A", "semi-automatic", "the reasonableness of a condition is a judgement"),
    "M191-6.4": ("H", "manual", "back-end completion is not observable from the client"),
}

# Thresholds the decision rules must state (testability.md, related.md §4, §13, §14).
THRESHOLDS = {
    "M191-1.3": ["4次"],
    "M191-3.2": ["48小时"],
    "M191-3.1": ["t_c"],
    "M191-4.6": ["targetSdkVersion", "23"],
    "M191-6.3": ["15个工作日"],
    "M191-6.5": ["15个工作日"],
}

# Documents a reference may cite, each mapped to its text under reference/texts/ (None: no local text;
# the structure is web-verified in related.md, so only the class number and name are cited).
# fmt: off
DOCS: dict[str, str | None] = {
    "PIPL": "Laws/中华人民共和国个人信息保护法.txt",
    "CSL": "Laws/中华人民共和国网络安全法.txt",
    "GB/T 35273-2020": "National standards/信息安全技术 个人信息安全规范.txt",
    "GB/T 42574-2023": "National standards/信息安全技术 个人信息处理中告知和同意的实施指南.txt",
    "《信息安全技术 移动互联网应用程序（App）个人信息安全测评规范》（征求意见稿）":
        "National standards/信息安全技术 移动互联网应用程序（App）个人信息安全测评规范（征）.txt",
    "TC260-PG-20202A": "National Information Security Standardization Technical Committee/TC260-PG-20202A*",
    "TC260-PG-20203A": "National Information Security Standardization Technical Committee/TC260-PG-20203A*",
    "TC260-PG-20204A": "National Information Security Standardization Technical Committee/TC260-PG-20204A*",
    "《常见类型移动互联网应用程序必要个人信息范围规定》":
        "Guidelines/《常见类型移动互联网应用程序必要个人信息范围规定》.txt",
    "《互联网信息服务算法推荐管理规定》":
        "Cyberspace Administration of China/《互联网信息服务算法推荐管理规定》.txt",
    "《App违法违规收集使用个人信息自评估指南》（2019）":
        "App Special Governance Working Group/*自评估指南.txt",
    "T/TAF 068-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 068-2020*",
    "T/TAF 085-2021": "Telecommunication Terminal Industry Forum Association/*/TTAF 085-2021*",
    "T/TAF 078.1-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.1-2020*",
    "T/TAF 078.2-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.2-2020*",
    "T/TAF 078.3-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.3-2020*",
    "T/TAF 078.4-2021": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.4-2021*",
    "T/TAF 078.5-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.5-2020*",
    "T/TAF 078.6-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.6-2020*",
    "T/TAF 078.10-2020": "Telecommunication Terminal Industry Forum Association/*/TTAF 078.10-2020*",
    "工信部信管函〔2019〕337号": None,
    "工信部信管函〔2020〕164号": None,
}
# fmt: on
# Problem classes of the MIIT notices that related.md marks as verified ([W]); 337号 7–8 are only [R].
MIIT_CLASSES = {
    "工信部信管函〔2019〕337号": {
        1: "私自收集个人信息",
        2: "超范围收集个人信息",
        3: "私自共享给第三方",
        4: "强制用户使用定向推送功能",
        5: "不给权限不让用",
        6: "频繁申请权限",
    },
    "工信部信管函〔2020〕164号": {
        1: "违规收集个人信息",
        2: "超范围收集个人信息",
        3: "违规使用个人信息",
        4: "强制用户使用定向推送功能",
        5: "APP强制、频繁、过度索取权限",
        6: "APP频繁自启动和关联启动",
        7: "欺骗误导用户下载APP",
        8: "欺骗误导用户提供个人信息",
    },
}  # fmt: skip

HAN = re.compile(r"[\u4e00-\u9fff]")
TRAILING = "；。;."


def data() -> dict[str, Any]:
    return catalog.load("items")


def items() -> list[dict[str, Any]]:
    return data()["items"]


def by_id() -> dict[str, dict[str, Any]]:
    return {it["id"]: it for it in items()}


def norm(text: str) -> str:
    """Full-width/half-width brackets and similar made equal; trailing clause punctuation dropped."""
    return unicodedata.normalize("NFKC", text).strip().rstrip(TRAILING)


@cache
def method_md() -> str:
    return shared("reference", "method191.md").read_text(encoding="utf-8")


@cache
def md_items() -> dict[str, tuple[str, str]]:
    """``id -> (official zh, English gloss)`` from the item list of method191.md."""
    found = re.findall(r"^- (M191-\d\.\d+) (.+?) — (.+)$", method_md(), re.M)
    return {i: (zh.strip(), gloss.strip()) for i, zh, gloss in found}


@cache
def md_evidence() -> dict[str, set[str]]:
    """``id -> letters`` from the evidence table of method191.md."""
    rows = re.findall(r"^\|\s*(\d\.\d+)\s*\|\s*([SPRNULM](?:\s+[SPRNULM])*)\s*\|", method_md(), re.M)
    return {f"M191-{n}": set(letters.split()) for n, letters in rows}


@cache
def official() -> dict[str, Any]:
    with open(shared("reference", "data", "method191_items.json"), encoding="utf-8") as fh:
        return json.load(fh)


@cache
def levels_in_testability() -> dict[str, list[str]]:
    """``id -> levels named in the last column`` of testability.md's item tables."""
    text = shared("reference", "testability.md").read_text(encoding="utf-8").replace("\\*", "*")
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\|\s*(M191-\d\.\d+)\s*\|.*\|\s*([^|]+?)\s*\|\s*$", line)
        if m:
            out[m.group(1)] = re.findall(r"A\*|\bA\b|\bH\b|\bM\b", m.group(2))
    return out


# -- structure (no shared data needed) ---------------------------------------------------------------------


def test_top_level_and_document() -> None:
    d = data()
    assert set(d) == {"version", "document", "evidence_kinds", "categories", "items"}
    assert d["version"] == 1
    assert d["document"] == {
        "zh": "《App违法违规收集使用个人信息行为认定方法》",
        "en": TITLE_EN,
        "number": "国信办秘字〔2019〕191号",
        "date": "2019-11-28",
    }


def test_file_is_utf8_pretty_printed_without_ascii_escapes() -> None:
    raw = CATALOGUE.read_text(encoding="utf-8")
    assert "\\u" not in raw, "write with ensure_ascii=False"
    assert raw.startswith("{\n  "), "pretty-printed with indent 2"
    assert json.loads(raw) == data()


def test_evidence_kinds() -> None:
    kinds = data()["evidence_kinds"]
    assert list(kinds) == list(LETTERS)
    for k, v in kinds.items():
        assert set(v) == {"zh", "en", "supply_zh", "supply_en"}, k
        assert all(isinstance(s, str) and s.strip() for s in v.values()), k
        assert HAN.search(v["zh"]) and HAN.search(v["supply_zh"]), k
    flags = {
        "P": "--policy",
        "R": "--trace",
        "N": "--network",
        "U": "--ui",
        "L": "--requests",
        "M": "--review",
    }
    for k, flag in flags.items():
        assert flag in kinds[k]["supply_zh"] and flag in kinds[k]["supply_en"], k


def test_categories() -> None:
    cats = data()["categories"]
    assert [c["id"] for c in cats] == [1, 2, 3, 4, 5, 6]
    for c in cats:
        assert set(c) == {"id", "zh", "en"}
        assert HAN.search(c["zh"]) and c["en"].strip()


def test_31_items_with_the_ids_in_order() -> None:
    ids = [it["id"] for it in items()]
    assert len(ids) == 31
    assert all(ID_RE.match(i) for i in ids), ids
    assert ids == ALL_IDS


def test_every_category_has_its_items() -> None:
    for it in items():
        assert it["category"] == int(it["id"].split("-")[1].split(".")[0]), it["id"]
    per = {c["id"]: sum(1 for it in items() if it["category"] == c["id"]) for c in data()["categories"]}
    assert per == COUNTS


def test_item_keys_and_non_empty_text() -> None:
    for it in items():
        assert set(it) == ITEM_KEYS, (it["id"], set(it) ^ ITEM_KEYS)
        for f in TEXT_FIELDS:
            assert isinstance(it[f], str) and it[f].strip(), (it["id"], f)
        for f in ZH_FIELDS:
            assert HAN.search(it[f]), (it["id"], f, "Chinese field without Chinese text")
        assert not HAN.search(it["title_en"]), it["id"]


def test_titles_are_short() -> None:
    for it in items():
        assert len(it["title_zh"]) <= 14, (it["id"], it["title_zh"])
        assert len(it["title_en"]) <= 60, (it["id"], it["title_en"])
    assert len({it["title_zh"] for it in items()}) == 31
    assert len({it["title_en"] for it in items()}) == 31


def test_official_text_has_no_trailing_punctuation() -> None:
    for it in items():
        assert it["zh"] == it["zh"].strip() and it["zh"][-1] not in TRAILING, it["id"]


def test_evidence_letters_valid() -> None:
    for it in items():
        ev = it["evidence"]
        assert ev and len(ev) == len(set(ev)), it["id"]
        assert set(ev) <= set(LETTERS), it["id"]
        assert ev == sorted(ev, key=LETTERS.index), (it["id"], "letters in S P R N U L M order")


def test_automation_consistent_with_level() -> None:
    for it in items():
        assert it["level"] in AUTOMATION, it["id"]
        assert it["automation"] in STRENGTH, it["id"]
        if it["id"] in MIXED:
            level, automation, _why = MIXED[it["id"]]
            assert (it["level"], it["automation"]) == (level, automation), it["id"]
            assert STRENGTH[automation] < STRENGTH[AUTOMATION[level]], it["id"]
        else:
            assert it["automation"] == AUTOMATION[it["level"]], it["id"]


def test_manual_items_can_take_a_reviewer_answer() -> None:
    for it in items():
        if it["automation"] == "manual" or it["level"] == "M":
            assert "M" in it["evidence"], it["id"]


def test_severity() -> None:
    for it in items():
        assert it["severity"] in SEVERITIES, it["id"]
    got = by_id()
    for i in ["M191-3.1", "M191-3.2", "M191-4.1", "M191-5.1"]:
        assert got[i]["severity"] == "high", i
    assert got["M191-1.4"]["severity"] == "low"


def test_decision_rules_state_their_thresholds() -> None:
    got = by_id()
    for i, needles in THRESHOLDS.items():
        for n in needles:
            assert n in got[i]["decision_zh"], (i, n)


def test_references_well_formed() -> None:
    for it in items():
        refs = it["references"]
        assert refs, it["id"]
        seen = set()
        for r in refs:
            assert set(r) <= {"doc", "clause", "note_en"} and {"doc", "clause"} <= set(r), (it["id"], r)
            assert r["doc"] in DOCS, (it["id"], r["doc"], "unknown document: add to DOCS once verified")
            assert r["clause"].strip(), (it["id"], r)
            assert (r["doc"], r["clause"]) not in seen, (it["id"], r)
            seen.add((r["doc"], r["clause"]))


def test_miit_classes_are_the_verified_ones() -> None:
    for it in items():
        for r in it["references"]:
            if r["doc"] in MIIT_CLASSES:
                m = re.match(r"^(\d+)\. (.+)$", r["clause"])
                assert m, (it["id"], r["clause"])
                assert MIIT_CLASSES[r["doc"]].get(int(m.group(1))) == m.group(2), (it["id"], r["clause"])


# -- against the shared reference ----------------------------------------------------------------------------


def test_ids_match_method191_md() -> None:
    assert list(md_items()) == ALL_IDS
    assert [it["id"] for it in items()] == list(md_items())


def test_zh_is_the_official_text() -> None:
    off = {x["id"]: x["zh"] for x in official()["items"]}
    assert list(off) == ALL_IDS
    for it in items():
        assert it["zh"] == off[it["id"]].rstrip(TRAILING), it["id"]


def test_zh_matches_method191_md() -> None:
    # method191.md writes M191-2.1's brackets half-width; the official text (method191_items.json) has （）.
    for it in items():
        assert norm(it["zh"]) == norm(md_items()[it["id"]][0]), it["id"]


def test_categories_match_the_official_headings() -> None:
    heads = {c["id"]: c["heading_zh"] for c in official()["categories"]}
    for c in data()["categories"]:
        quoted = re.findall(r"[\"“](.+?)[\"”]", heads[c["id"]])
        assert quoted, c["id"]
        for q in quoted:
            assert q in c["zh"], (c["id"], q)


def test_en_is_our_own_wording() -> None:
    off = {x["id"]: x["en"] for x in official()["items"]}

    def flat(s: str) -> str:
        return re.sub(r"\W+", " ", s).lower().strip()

    for it in items():
        assert flat(it["en"]) != flat(md_items()[it["id"]][1]), it["id"]
        assert flat(it["en"]) != flat(off[it["id"]]), it["id"]


def test_evidence_matches_method191_table() -> None:
    table = md_evidence()
    assert list(table) == ALL_IDS
    for it in items():
        extra, why = EVIDENCE_ADDITIONS.get(it["id"], (set(), ""))
        assert not (extra & table[it["id"]]), (it["id"], "addition already in the table")
        assert set(it["evidence"]) == table[it["id"]] | extra, (it["id"], why)


def test_evidence_additions_are_in_testability() -> None:
    text = shared("reference", "testability.md").read_text(encoding="utf-8")
    for i, (extra, _why) in EVIDENCE_ADDITIONS.items():
        m = re.search(rf"^\|\s*{re.escape(i)}\s*\|\s*([^|]+)\|", text, re.M)
        assert m, i
        assert extra <= set(re.findall(r"\b[SPRNULM]\b", m.group(1))), (i, extra)


def test_levels_match_testability() -> None:
    levels = levels_in_testability()
    assert list(levels) == ALL_IDS
    for it in items():
        named = levels[it["id"]]
        assert named, it["id"]
        assert it["level"] in named, (it["id"], it["level"], named)
        weakest = min(named, key=LEVEL_STRENGTH.__getitem__)
        assert it["automation"] == AUTOMATION[weakest], (it["id"], named)


# -- cited clauses exist in the texts ------------------------------------------------------------------------

CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


@cache
def text_of(doc: str) -> str:
    pattern = DOCS[doc]
    assert pattern is not None
    root = shared("reference", "texts")
    hits = sorted(root.glob(pattern))
    assert len(hits) == 1, (doc, pattern, hits)
    return hits[0].read_text(encoding="utf-8")


def clause_found(text: str, clause: str) -> list[str]:
    """The clause numbers in ``clause`` that are *not* found in ``text`` (empty list: all found)."""
    flat = re.sub(r"\s+", "", text)
    missing = []
    arts = re.findall(r"第(\d+)条", clause)
    for a in arts:
        if f"第{cn_number(int(a))}条" not in flat:
            missing.append(f"第{a}条")
    if arts:
        return missing
    for tag in re.findall(r"PIC-\d+|附录[A-Z]|表[A-Z]\.\d+", clause):
        if tag not in flat:
            missing.append(tag)
    m = re.match(r"评估点(\d+)", clause)
    if m:
        if not re.search(rf"(?m)^\s*{m.group(1)}\s*[.．]", text):
            missing.append(clause)
        return missing
    rest = re.sub(r"PIC-\d+|附录[A-Z]|表[A-Z]\.\d+", "", clause)
    numbers = re.findall(r"(?<![\w.])((?:[A-Z]\.)?\d+(?:\.\d+)*)(?![\w.)）])", rest)  # not list items "2)"
    if not numbers and rest == clause:
        return [f"no clause number in {clause!r}"]
    for n in numbers:
        if not re.search(rf"(?m)^\s*{re.escape(n)}(?=\s|$|[^\d.])", text):
            missing.append(n)
    return missing


def test_cited_clauses_exist_in_the_texts() -> None:
    shared("reference", "texts")
    bad = []
    for it in items():
        for r in it["references"]:
            if DOCS[r["doc"]] is None:
                continue
            miss = clause_found(text_of(r["doc"]), r["clause"])
            if miss:
                bad.append((it["id"], r["doc"], r["clause"], miss))
    assert not bad, bad


@pytest.mark.parametrize("doc", [d for d, p in DOCS.items() if p is not None])
def test_every_mapped_text_exists(doc: str) -> None:
    shared("reference", "texts")
    assert text_of(doc)
