"""Accuracy and speed of the policy-language layer (privaudit.evidence.policy.language).

Measures, on real corpora under ../shared (never copied into the project):

1. CA4P-483 (Chinese app policies, Zhao et al., EMNLP 2022): segment categories against the paragraph
   classes, and PI-type extraction against the ``e_21`` (数据) spans. Policies are split by file number:
   even numbers are the tuning half (the only half looked at while writing the lexicon), odd numbers the
   held-out half, whose numbers are the headline.
2. VioDroid-Finder labelled sentences (26 compliance rules, CR1–CR26): per-rule and per-category
   precision/recall for the rules that map onto our categories. Not used for tuning.
3. OPP-115 (English website policies, Wilson et al., ACL 2016): per-category F1 on the consolidated
   segment labels. Split by file number like CA4P.
4. Speed: all 483 CA4P policies end to end through the layer's functions, one core.

Usage: python benchmarks/policy_accuracy.py [--out docs/accuracy.md] [--no-speed]
       python benchmarks/policy_accuracy.py --errors CATEGORY   (tuning half only: misclassified segments)
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from privaudit.evidence.policy import language  # noqa: E402

SHARED = REPO.parent / "shared"
CA4P = SHARED / "data" / "policies" / "zh" / "ca4p483"
VIODROID = SHARED / "data" / "policies" / "zh" / "viodroid_finder" / "dataset" / "labelled_dataset.csv"
OPP115 = SHARED / "data" / "policies" / "en" / "opp115"

# CA4P paragraph classes → our categories (exactly these; the brief's mapping).
CA4P_MAP = {
    "e_1": "collection", "e_2": "third_party_sharing", "e_4": "user_rights", "e_5": "retention",
    "e_6": "security", "e_7": "policy_change", "e_9": "withdraw_consent", "e_11": "minors",
    "e_12": "cross_border", "e_14": "contact",
}
CA4P_PARAGRAPH = {f"e_{i}" for i in range(1, 18)}
# CA4P classes outside the map whose content *is* one of our categories by definition; in the default
# ("lenient") count our answer for that one category is neither rewarded nor penalised there.
CA4P_DONT_CARE = {
    "e_3": {"collection"},  # 用户提供个人信息: user-provided PI is collected PI
    "e_10": {"withdraw_consent"},  # 用户隐私设置选择: privacy settings (turn permissions/recommendations off)
}
MAPPED = list(dict.fromkeys(CA4P_MAP.values()))

# An e_21 span that names no kind of data at all ("个人信息", "您的信息", "上述数据", "未成年人个人信息"):
# excluded from the "specific" recall. Written before measuring and amended once after reading tuning-half
# misses (stacked qualifiers such as 未成年人+个人, 基本/基础, surrounding punctuation); it does not look at
# our lexicon.
_QUALIFIER = (r"(?:(?:您|你|用户|我们|个人|其)的?|其他|其它|相关|上述|前述|以上|该等?|这些|此类?|以下|必要的?|某些|"
              r"若干|部分|有关|全部|任何|更多|所需的?|去标识化或匿名化后的|匿名化的?|公开的?|非公开的?|您授权的|"
              r"你授权的|额外的?|所有|一些|该|此|这|上面|下列|如下|基本|基础|未成年人的?|儿童的?|青少年的?|隐私|敏感|"
              r"非个人|非)")
GENERIC_SPAN = re.compile(rf"^{_QUALIFIER}*(?:个人|用户)?(?:信息|数据|资料|隐私)$")
_SPAN_TRIM = re.compile(r"^[\s*，,。、；;：:]+|[\s*，,。、；;：:]+$")

VIODROID_MAP = {
    "CR4": "contact", "CR5": "minors", "CR7": "policy_change", "CR8": "withdraw_consent",
    "CR9": "personalisation_opt_out", "CR10": "user_rights", "CR11": "collection", "CR12": "collection",
    "CR13": "collection", "CR16": "collection", "CR14": "retention", "CR15": "security", "CR17": "security",
    "CR18": "third_party_sharing", "CR19": "third_party_sharing", "CR20": "third_party_sharing",
    "CR21": "third_party_sharing", "CR22": "third_party_sharing", "CR23": "cross_border",
    "CR24": "cross_border", "CR25": "cross_border", "CR26": "cross_border",
}

OPP_MAP = {
    "First Party Collection/Use": {"collection"},
    "Third Party Sharing/Collection": {"third_party_sharing"},
    "User Access, Edit and Deletion": {"user_rights"},
    "Policy Change": {"policy_change"},
    "User Choice/Control": {"withdraw_consent", "personalisation_opt_out"},
    # beyond the brief's five, reported separately
    "Data Retention": {"retention"},
    "Data Security": {"security"},
}
OPP_MAIN = ["First Party Collection/Use", "Third Party Sharing/Collection", "User Access, Edit and Deletion",
            "Policy Change", "User Choice/Control"]


# --------------------------------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------------------------------

@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def p(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def r(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        return 2 * self.p * self.r / (self.p + self.r) if self.p + self.r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


def macro_f1(table: dict[str, PRF], keys: Iterable[str]) -> float:
    keys = list(keys)
    return sum(table[k].f1 for k in keys) / len(keys) if keys else 0.0


# --------------------------------------------------------------------------------------------------
# CA4P-483
# --------------------------------------------------------------------------------------------------

_PRE = re.compile(r'<pre id="s1v1">(.*?)</pre>', re.S)


def ca4p_text(path: Path) -> str:
    """The annotated text of a raw CA4P file: the unescaped <pre> body (annotation offsets index it)."""
    raw = path.read_text(encoding="utf-8")
    m = _PRE.search(raw)
    return html.unescape(m.group(1)) if m else ""


def ca4p_number(path: Path) -> int:
    return int(path.name[:4])


def in_split(number: int, split: str) -> bool:
    return split == "all" or (split == "tune") == (number % 2 == 0)


@dataclass
class Ca4pDoc:
    number: int
    text: str
    paragraphs: list[tuple[int, int, set[str]]] = field(default_factory=list)  # (start, end, classes)
    data: list[tuple[int, int]] = field(default_factory=list)  # e_21 spans


def ca4p_docs(split: str) -> list[Ca4pDoc]:
    docs = []
    for ann in sorted((CA4P / "annotations_merged_json").glob("*.json")):
        n = ca4p_number(ann)
        if not in_split(n, split):
            continue
        text = ca4p_text(CA4P / "raw_data" / f"{ann.stem}.html")
        spans: dict[tuple[int, int], set[str]] = defaultdict(set)
        data = []
        for a in json.loads(ann.read_text(encoding="utf-8")):
            assert text[a["start"]:a["end"]] == a["text"], (ann.name, a["start"])
            if a["classId"] in CA4P_PARAGRAPH:
                spans[(a["start"], a["end"])].add(a["classId"])
            elif a["classId"] == "e_21":
                data.append((a["start"], a["end"]))
        doc = Ca4pDoc(n, text, [(s, e, c) for (s, e), c in sorted(spans.items())], sorted(data))
        docs.append(doc)
    return docs


def split_heading(text: str) -> tuple[str | None, str]:
    """(heading, body) of an annotated paragraph: its first line is the heading if it looks like one."""
    stripped = text.strip()
    first, _, rest = stripped.partition("\n")
    if rest.strip() and language.looks_like_heading(first):
        return first.strip(), rest.strip()
    return None, stripped


def eval_segments(docs: list[Ca4pDoc], lenient: bool = True,
                  errors: list[tuple[str, str, set[str], list[str]]] | None = None) -> dict[str, PRF]:
    table = {c: PRF() for c in MAPPED}
    for doc in docs:
        for s, e, classes in doc.paragraphs:
            gold = {CA4P_MAP[c] for c in classes if c in CA4P_MAP}
            dont = set().union(*(CA4P_DONT_CARE.get(c, set()) for c in classes)) if lenient else set()
            heading, body = split_heading(doc.text[s:e])
            pred = set(language.classify(body, heading))
            for c in MAPPED:
                if c in dont and c not in gold:
                    continue
                if c in gold and c in pred:
                    table[c].tp += 1
                elif c in pred:
                    table[c].fp += 1
                elif c in gold:
                    table[c].fn += 1
            if errors is not None and (pred & set(MAPPED)) != gold:
                errors.append((f"{doc.number:04d}:{s}", doc.text[s:e], gold | {f"({c})" for c in classes},
                               sorted(pred)))
    return table


@dataclass
class PiCounts:
    predicted_in_scope: int = 0
    correct_overlap: int = 0
    correct_exact: int = 0
    predicted_all: int = 0
    correct_all: int = 0
    gold: int = 0
    gold_found: int = 0
    gold_exact: int = 0
    gold_specific: int = 0
    gold_specific_found: int = 0
    docs: int = 0

    def row(self) -> dict[str, float]:
        d = lambda a, b: a / b if b else 0.0  # noqa: E731
        return {
            "precision_overlap": d(self.correct_overlap, self.predicted_in_scope),
            "precision_exact": d(self.correct_exact, self.predicted_in_scope),
            "precision_whole_text": d(self.correct_all, self.predicted_all),
            "recall_overlap": d(self.gold_found, self.gold),
            "recall_exact": d(self.gold_exact, self.gold),
            "recall_specific": d(self.gold_specific_found, self.gold_specific),
        }


def eval_pi(docs: list[Ca4pDoc], misses: list[str] | None = None, wrong: list[str] | None = None) -> PiCounts:
    """Matching rules (see docs/accuracy.md): a predicted mention is correct when it overlaps an e_21 span
    of the same policy by at least one character (exact: same start and end). Precision counts predicted
    mentions inside sentences that contain at least one e_21 span (the sentences the annotators labelled);
    ``precision_whole_text`` counts every mention in the policy. Recall: an e_21 span is found when some
    mention overlaps it (exact: a mention has its start and end); ``recall_specific`` leaves out spans
    matching GENERIC_SPAN ("个人信息", "您的信息"…)."""
    c = PiCounts()
    for doc in docs:
        if not doc.data:
            continue
        c.docs += 1
        mentions = [(s, e) for _, s, e, _ in language.pi_mentions(doc.text)]
        gold = doc.data
        gold_set = set(gold)
        starts = [g[0] for g in gold]
        scope = [(s, e) for s, e in language.sentences(doc.text) if _overlaps_any(s, e, gold, starts)]
        scope_starts = [s for s, _ in scope]
        for s, e in mentions:
            hit = _overlaps_any(s, e, gold, starts)
            c.predicted_all += 1
            c.correct_all += hit
            if _inside_any(s, e, scope, scope_starts):
                c.predicted_in_scope += 1
                c.correct_overlap += hit
                c.correct_exact += (s, e) in gold_set
                if not hit and wrong is not None:
                    wrong.append(f"{doc.number:04d}: {doc.text[max(0, s - 12):s]}[{doc.text[s:e]}]"
                                 f"{doc.text[e:e + 12]}")
        m_starts = [m[0] for m in mentions]
        m_set = set(mentions)
        for s, e in gold:
            found = _overlaps_any(s, e, mentions, m_starts)
            c.gold += 1
            c.gold_found += found
            c.gold_exact += (s, e) in m_set
            if not GENERIC_SPAN.match(_SPAN_TRIM.sub("", re.sub(r"[\s*]", "", doc.text[s:e]))):
                c.gold_specific += 1
                c.gold_specific_found += found
                if not found and misses is not None:
                    misses.append(doc.text[s:e])
    return c


def _overlaps_any(s: int, e: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    import bisect
    i = bisect.bisect_left(starts, e)  # spans starting before e
    for j in range(i - 1, max(-1, i - 40), -1):
        if spans[j][1] > s:
            return True
    return False


def _inside_any(s: int, e: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    import bisect
    i = bisect.bisect_right(starts, s) - 1
    return i >= 0 and spans[i][0] <= s and e <= spans[i][1]


def _e12_copy_share(docs: list[Ca4pDoc]) -> tuple[int, int]:
    """(e_12 units about a copy of one's data — 副本, portability —, all e_12 units)."""
    units = [doc.text[s:e] for doc in docs for s, e, classes in doc.paragraphs if "e_12" in classes]
    return sum("副本" in u for u in units), len(units)


# --------------------------------------------------------------------------------------------------
# VioDroid-Finder
# --------------------------------------------------------------------------------------------------

def eval_viodroid() -> tuple[dict[str, PRF], dict[str, PRF], int]:
    """Each labelled sentence is classified on its own (no heading). Sentences without any CR label
    (section headings) are left out; a sentence's gold categories are those of its mapped rules; rules
    CR1–CR3 and CR6 map to nothing (negatives everywhere)."""
    rows = list(csv.reader(open(VIODROID, encoding="utf-8")))
    by_cat = {c: PRF() for c in dict.fromkeys(VIODROID_MAP.values())}
    by_rule = {r: PRF() for r in VIODROID_MAP}
    n = 0
    for sentence, _pc, cr in rows:
        rules = {r for r in cr.split("#") if r}
        if not rules:
            continue
        n += 1
        pred = set(language.classify(sentence))
        gold = {VIODROID_MAP[r] for r in rules if r in VIODROID_MAP}
        for c, t in by_cat.items():
            if c in gold and c in pred:
                t.tp += 1
            elif c in pred:
                t.fp += 1
            elif c in gold:
                t.fn += 1
        for r, t in by_rule.items():
            c = VIODROID_MAP[r]
            if r in rules and c in pred:
                t.tp += 1
            elif c in pred:
                t.fp += 1
            elif r in rules:
                t.fn += 1
    return by_cat, by_rule, n


# --------------------------------------------------------------------------------------------------
# OPP-115
# --------------------------------------------------------------------------------------------------

def opp_segments(split: str) -> Iterator[tuple[str, list[str], set[str]]]:
    labels: dict[tuple[str, int], set[str]] = defaultdict(set)
    with open(OPP115 / "segment_categories.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            labels[(row["policy_file"].rsplit(".", 1)[0], int(row["segment_id"]))].add(row["category"])
    for path in sorted((OPP115 / "sanitized_policies").glob("*.html")):
        number = int(path.name.split("_", 1)[0])
        if not in_split(number, split):
            continue
        segments = path.read_text(encoding="utf-8", errors="replace").split("|||")
        for i, seg in enumerate(segments):
            parts = [html.unescape(re.sub(r"<[^>]+>", " ", p)).strip() for p in re.split(r"<br\s*/?>", seg)]
            parts = [re.sub(r"\s+", " ", p) for p in parts if p.strip()]
            yield path.stem, parts, labels.get((path.stem, i), set())


def eval_opp(split: str) -> dict[str, PRF]:
    table = {k: PRF() for k in OPP_MAP}
    for _, parts, gold in opp_segments(split):
        if not parts:
            continue
        heading = None
        body = "\n".join(parts)
        if len(parts) > 1 and len(parts[0]) <= 80 and not parts[0].rstrip().endswith((".", ":", ";")):
            heading, body = parts[0], "\n".join(parts[1:])
        pred = set(language.classify(body, heading))
        for label, cats in OPP_MAP.items():
            g = label in gold
            p = bool(pred & cats)
            t = table[label]
            t.tp += g and p
            t.fp += p and not g
            t.fn += g and not p
    return table


# --------------------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------------------

def analyse_text(text: str) -> tuple[int, int, int, int, int]:
    """The whole layer over one policy's text, the way a caller without a parsed document would run it:
    lines are blocks; a heading-like line is the section heading of the lines below it."""
    segments = 0
    heading = None
    for line in text.split("\n"):
        if not line.strip() or set(line.strip()) <= set("=-*#"):
            continue
        if language.looks_like_heading(line):
            heading = line
            continue
        language.classify(line, heading)
        segments += 1
    mentions = language.pi_mentions(text)
    n_practices = 0
    for s, e in language.sentences(text):
        n_practices += len(language.practices(text[s:e], s))
    sdks = language.sdk_sentences(text)
    perms = language.permission_explanations(text)
    return segments, len(mentions), n_practices, len(sdks), len(perms)


def speed() -> dict[str, float]:
    """Run ``_speed`` in a fresh process (so the first build of the matchers and the peak RSS are its own)."""
    out = subprocess.run([sys.executable, __file__, "--speed-json"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def _speed() -> dict[str, float]:
    try:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass
    paths = sorted((CA4P / "raw_data").glob("*.html"))
    texts = [ca4p_text(p) for p in paths]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    language.classify("我们会收集您的位置信息", "收集")  # builds the lazily compiled matchers
    language.practices("我们会收集您的位置信息")
    language.sdk_sentences("SDK名称：友盟")
    language.permission_explanations("相机权限：用于扫码")
    cold = time.perf_counter() - t0
    times = []
    totals = Counter()
    for text in texts:
        t = time.perf_counter()
        seg, men, pra, sdk, per = analyse_text(text)
        times.append((time.perf_counter() - t) * 1000)
        totals.update(segments=seg, mentions=men, practices=pra, sdks=sdk, permissions=per)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    chars = [len(t) for t in texts]
    return {
        "policies": len(texts), "median_ms": statistics.median(times), "p90_ms": _pct(times, 0.9),
        "max_ms": max(times), "total_s": sum(times) / 1000, "cold_build_ms": cold * 1000,
        "median_chars": statistics.median(chars), "peak_rss_mib": rss / 1024, "rss_before_mib": rss_before / 1024,
        **{k: float(v) for k, v in totals.items()},
    }


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------

def f(x: float) -> str:
    return f"{x:.3f}"


def seg_table(tune: dict[str, PRF], held: dict[str, PRF]) -> list[str]:
    lines = ["| category (CA4P class) | held-out P | R | F1 | support | tuning P | R | F1 | support |",
             "|---|---|---|---|---|---|---|---|---|"]
    inv = {v: k for k, v in CA4P_MAP.items()}
    for c in MAPPED:
        h, t = held[c], tune[c]
        lines.append(f"| {c} ({inv[c]}) | {f(h.p)} | {f(h.r)} | {f(h.f1)} | {h.support} | {f(t.p)} | {f(t.r)} | "
                     f"{f(t.f1)} | {t.support} |")
    lines.append(f"| **macro-F1** | | | **{f(macro_f1(held, MAPPED))}** | | | | {f(macro_f1(tune, MAPPED))} | |")
    return lines


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(REPO / "docs" / "accuracy.md"))
    ap.add_argument("--no-speed", action="store_true")
    ap.add_argument("--errors", help="print misclassified tuning-half segments for this category (or 'all')")
    ap.add_argument("--pi-errors", action="store_true", help="print tuning-half PI misses and wrong mentions")
    ap.add_argument("--speed-json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.speed_json:
        print(json.dumps(_speed()))
        return 0
    if not CA4P.exists():
        print(f"shared data absent: {CA4P}", file=sys.stderr)
        return 2

    if args.errors or args.pi_errors:
        docs = ca4p_docs("tune")  # never the held-out half
        if args.errors:
            errs: list = []
            t = eval_segments(docs, errors=errs)
            for c in MAPPED:
                print(f"{c:24s} P {t[c].p:.3f} R {t[c].r:.3f} F1 {t[c].f1:.3f} n={t[c].support}")
            print("macro", round(macro_f1(t, MAPPED), 4))
            for where, text, gold, pred in errs:
                if args.errors == "all" or args.errors in gold or args.errors in pred:
                    print("----", where, "gold", sorted(gold), "pred", pred)
                    print(text[:300].replace("\n", " ⏎ "))
        if args.pi_errors:
            misses: list[str] = []
            wrong: list[str] = []
            c = eval_pi(docs, misses, wrong)
            print(c.row())
            print("MISSES", Counter(misses).most_common(150))
            print("WRONG", "\n".join(wrong[:400]))
        return 0

    t0 = time.perf_counter()
    tune_docs, held_docs = ca4p_docs("tune"), ca4p_docs("held")
    seg_tune, seg_held = eval_segments(tune_docs), eval_segments(held_docs)
    strict_tune, strict_held = eval_segments(tune_docs, lenient=False), eval_segments(held_docs, lenient=False)
    pi_tune, pi_held = eval_pi(tune_docs), eval_pi(held_docs)
    vio_cat, vio_rule, vio_n = eval_viodroid() if VIODROID.exists() else ({}, {}, 0)
    opp_tune, opp_held = (eval_opp("tune"), eval_opp("held")) if OPP115.exists() else ({}, {})
    accuracy_s = time.perf_counter() - t0
    sp = None if args.no_speed else speed()

    out: list[str] = []
    w = out.append
    w("# Policy-language accuracy")
    w("")
    w("Generated by `benchmarks/policy_accuracy.py` (do not edit by hand). It measures "
      "`privaudit/evidence/policy/language.py` with `privaudit/catalog/policy_lexicon.json` and the PI synonyms "
      "of `pi_types.json`: lexicons and rules only, no trained model. The corpora are read from `../shared` and "
      "never copied into the project.")
    w("")
    w("Sources: CA4P-483 — Zhao et al., *A Fine-grained Chinese Software Privacy Policy Dataset for Sequence "
      "Labeling and Regulation Compliant Identification*, EMNLP 2022 (academic use). VioDroid-Finder — "
      "das-lab/VioDroid-Finder, `dataset/labelled_dataset.csv` (AGPL-3.0; used only to measure). OPP-115 — "
      "Wilson et al., *The Creation and Analysis of a Website Privacy Policy Corpus*, ACL 2016 (research only).")
    w("")
    goals = [
        ("segment macro-F1 (CA4P held-out, 10 mapped classes)", macro_f1(seg_held, MAPPED), ">= 0.85"),
        ("PI precision (CA4P held-out, overlap, labelled sentences)", pi_held.row()["precision_overlap"], ">= 0.95"),
        ("PI recall (CA4P held-out, overlap, all e_21 spans)", pi_held.row()["recall_overlap"], ">= 0.85"),
        ("PI recall (CA4P held-out, overlap, specific e_21 spans)", pi_held.row()["recall_specific"], ">= 0.85"),
    ]
    w("## Headline (held-out half) against the goals")
    w("")
    w("| measure | held-out | goal | met |")
    w("|---|---|---|---|")
    for name, val, goal in goals:
        w(f"| {name} | {f(val)} | {goal} | {'yes' if val >= float(goal[3:]) else '**no**'} |")
    if sp:
        w(f"| median time per policy, whole layer, one core | {sp['median_ms']:.1f} ms | <= 50 ms | "
          f"{'yes' if sp['median_ms'] <= 50 else '**no**'} |")
    w("")
    w("## 1. CA4P-483")
    w("")
    w(f"Policies with annotations: {len(tune_docs)} tuning (even file numbers), {len(held_docs)} held-out "
      f"(odd). The lexicon was written and tuned looking only at the tuning half; the held-out half was "
      "run for this report only.")
    w("")
    w("### Segment categories")
    w("")
    w("Unit: each distinct paragraph-class annotation span (classes e_1–e_17; spans with the same start and "
      "end form one unit with all their classes; nested spans are separate units). Its first line is passed "
      "as `heading` when it looks like a heading (`language.looks_like_heading`), the rest as text. Gold "
      "categories: the mapped classes (e_1 collection, e_2 third_party_sharing, e_4 user_rights, e_5 "
      "retention, e_6 security, e_7 policy_change, e_9 withdraw_consent, e_11 minors, e_12 cross_border, "
      "e_14 contact). Every other class — e_16 其他, e_8 definitions, e_13 notifications, e_15 cookies, "
      "e_17 — is a negative for every category, with two exceptions in the default count: on e_3 "
      "(用户提供个人信息, user-provided PI) a `collection` answer is not counted either way, and on e_10 "
      "(用户隐私设置选择, privacy settings) a `withdraw_consent` answer is not counted either way. The strict "
      "count below treats those as negatives too. Text outside any annotation is not scored.")
    w("")
    w(*seg_table(seg_tune, seg_held)[:1])
    for line in seg_table(seg_tune, seg_held)[1:]:
        w(line)
    w("")
    w(f"Strict count (e_3/e_10 negatives everywhere): macro-F1 held-out {f(macro_f1(strict_held, MAPPED))}, "
      f"tuning {f(macro_f1(strict_tune, MAPPED))}; collection P/R held-out "
      f"{f(strict_held['collection'].p)}/{f(strict_held['collection'].r)}.")
    w("")
    w("### PI-type extraction (`pi_mentions`) against e_21 (数据) spans")
    w("")
    w("Matching rule: a predicted mention is correct when it overlaps an e_21 span of the same policy by at "
      "least one character; exact = same start and end. CA4P annotates data spans only inside sentences "
      "about a practice and not exhaustively, so precision counts the mentions inside sentences (split at "
      "。！？；, line breaks) that contain at least one e_21 span; the whole-text figure counts every mention "
      "in every annotated policy. Recall: an e_21 span is found when some mention overlaps it; the "
      "'specific' recall leaves out spans that name no kind of data (`GENERIC_SPAN`: 个人信息, 您的信息, "
      "上述数据, 未成年人个人信息…; written before measuring and amended once, after reading tuning-half misses, to "
      "accept stacked qualifiers and surrounding punctuation). e_21 spans are often lists "
      "(\"姓名、通信地址、联系方式\") or phrases that are not one of our 41 types (性别, 生日, 用户画像), "
      "so exact-span numbers are low by construction.")
    w("")
    w("| measure | held-out | tuning |")
    w("|---|---|---|")
    rh, rt = pi_held.row(), pi_tune.row()
    for k in rh:
        w(f"| {k.replace('_', ' ')} | {f(rh[k])} | {f(rt[k])} |")
    w(f"| e_21 spans (specific) | {pi_held.gold} ({pi_held.gold_specific}) | {pi_tune.gold} "
      f"({pi_tune.gold_specific}) |")
    w(f"| mentions in labelled sentences / in whole text | {pi_held.predicted_in_scope} / {pi_held.predicted_all}"
      f" | {pi_tune.predicted_in_scope} / {pi_tune.predicted_all} |")
    w("")
    w("Annotation gaps: 60 mentions drawn at random from the tuning half's false positives (inside labelled "
      "sentences, overlapping no e_21 span) were judged by hand during development: 46 name PI of the "
      "reported type that CA4P left unannotated (list labels such as \"设备信息：\", "
      "\"以便您查询您的交易记录\", \"修改头像\"), 14 are not data (device words such as 录音设备, features "
      "such as 图片搜索, parties such as 设备制造商, purposes such as 使用目的：人脸识别). Read as a rough "
      "estimate, the share of mentions that name PI is about 0.89 + 0.11 × 46/60 ≈ 0.97 on that half (one judge, "
      "the lexicon's author; three of the 14 kinds were fixed afterwards). The table's figures are the strict, "
      "annotation-bound ones.")
    w("")
    if vio_cat:
        w("## 2. VioDroid-Finder labelled sentences")
        w("")
        w(f"{vio_n} sentences with at least one CR label, each classified alone (no heading); sentences "
          "without a CR label (mostly section headings) are left out. Not used for tuning. Mapping: "
          + ", ".join(f"{r}→{c}" for r, c in VIODROID_MAP.items())
          + "; CR1 (update date), CR2 (scope), CR3 (controller identity) and CR6 (consent before collection) "
            "map to none of our categories and are negatives. Per rule: recall over the rule's sentences; "
            "precision = share of the sentences given the mapped category that carry that rule (so rules "
            "sharing a category split its precision).")
        w("")
        w("| category | P | R | F1 | support |")
        w("|---|---|---|---|---|")
        for c, t in vio_cat.items():
            w(f"| {c} | {f(t.p)} | {f(t.r)} | {f(t.f1)} | {t.support} |")
        w(f"| **macro-F1** | | | **{f(macro_f1(vio_cat, vio_cat))}** | |")
        w("")
        w("| rule | → category | P | R | support |")
        w("|---|---|---|---|---|")
        for r, t in vio_rule.items():
            w(f"| {r} | {VIODROID_MAP[r]} | {f(t.p)} | {f(t.r)} | {t.support} |")
        w("")
    if opp_tune:
        w("## 3. OPP-115 (English)")
        w("")
        w("Segments as released (split at `|||`), labels from `segment_categories.csv` (consolidated, 0.75 "
          "threshold; a segment can have several). A segment's first `<br>`-separated line is its heading when "
          "it is short and does not end like a sentence. Mapping: First Party Collection/Use → collection, "
          "Third Party Sharing/Collection → third_party_sharing, User Access, Edit and Deletion → user_rights, "
          "Policy Change → policy_change, User Choice/Control → withdraw_consent or personalisation_opt_out "
          "(either counts); beyond the brief, Data Retention → retention and Data Security → security. Other, "
          "Do Not Track and International and Specific Audiences are negatives. Split like CA4P by file "
          "number (even = tuning); English cues were added after reading tuning-half errors only. Cookie and web-"
          "beacon segments are First Party Collection in OPP-115 but a separate class (e_15) in CA4P; the "
          "classifier follows CA4P and gives them no category, which costs collection recall here.")
        w("")
        w("| OPP-115 category | held-out P | R | F1 | support | tuning P | R | F1 | support |")
        w("|---|---|---|---|---|---|---|---|---|")
        for k in OPP_MAP:
            h, t = opp_held[k], opp_tune[k]
            w(f"| {k} | {f(h.p)} | {f(h.r)} | {f(h.f1)} | {h.support} | {f(t.p)} | {f(t.r)} | {f(t.f1)} | "
              f"{t.support} |")
        w(f"| **macro-F1 (brief's five)** | | | **{f(macro_f1(opp_held, OPP_MAIN))}** | | | | "
          f"{f(macro_f1(opp_tune, OPP_MAIN))} | |")
        w("")
    if sp:
        w("## 4. Speed")
        w("")
        w(f"All {int(sp['policies'])} CA4P policies (median {int(sp['median_chars'])} characters) through "
          "`analyse_text`: every non-heading line classified under its last heading, `pi_mentions` over the "
          "text, `practices` on every sentence, `sdk_sentences` and `permission_explanations` over the text. "
          "One process pinned to one core, matchers built once before timing.")
        w("")
        w("| measure | value |")
        w("|---|---|")
        w(f"| median ms per policy | {sp['median_ms']:.1f} |")
        w(f"| 90th percentile / max ms | {sp['p90_ms']:.1f} / {sp['max_ms']:.1f} |")
        w(f"| total for all policies | {sp['total_s']:.2f} s |")
        w(f"| building the matchers (first calls in a fresh process) | {sp['cold_build_ms']:.0f} ms |")
        w(f"| peak RSS of that process (Python + privaudit + all 483 texts loaded) | {sp['peak_rss_mib']:.0f} MiB "
          f"({sp['rss_before_mib']:.0f} MiB before the matchers were built) |")
        w(f"| found: segments / PI mentions / practices / SDK disclosures / permission notes | "
          f"{int(sp['segments'])} / {int(sp['mentions'])} / {int(sp['practices'])} / {int(sp['sdks'])} / "
          f"{int(sp['permissions'])} |")
        w("")
    not_xb = [c for c in MAPPED if c != "cross_border"]
    e12 = {name: _e12_copy_share(docs) for name, docs in (("held-out", held_docs), ("tuning", tune_docs))}
    pi_spec_h = pi_held.gold_specific / pi_held.gold if pi_held.gold else 0.0
    w("## 5. Where the goals are not met, and why")
    w("")
    w(f"- **Segment macro-F1 {f(macro_f1(seg_held, MAPPED))} held-out (goal 0.85; tuning "
      f"{f(macro_f1(seg_tune, MAPPED))}).** Part of the gap to the tuning half is cue words fitted to the "
      "policies that were read; the largest single loss is cross_border (F1 "
      f"{f(seg_held['cross_border'].f1)}): CA4P's e_12 (数据迁移, data migration) also labels data-portability "
      f"paragraphs (个人信息副本: {e12['held-out'][0]} of {e12['held-out'][1]} held-out e_12 units, "
      f"{e12['tuning'][0]} of {e12['tuning'][1]} tuning), which are user_rights in our vocabulary, and labels "
      "the template section \"您的个人信息如何在全球范围转移\" e_5 in some policies and e_12 in others. Without "
      f"cross_border the held-out macro-F1 is {f(macro_f1(seg_held, not_xb))} (tuning "
      f"{f(macro_f1(seg_tune, not_xb))}). Collection (F1 {f(seg_held['collection'].f1)}) loses on the "
      "e_1/e_3/e_16/e_2 boundaries (user-provided data, introductions that list what is collected, SDK "
      "paragraphs labelled as sharing) and on one-word table cells.")
    w(f"- **PI precision {f(rh['precision_overlap'])} held-out (goal 0.95).** Bound by the annotation: CA4P marks "
      "data spans only where its annotators saw a practice, and not every one there (see the audit above). "
      "Words that name a device or feature rather than data (摄像头, 麦克风, 地理位置 in 基于地理位置的功能) are "
      "dropped by context rules; most of the remaining false positives (46 of 60 in the audit) are real "
      "mentions the annotators skipped.")
    w(f"- **PI recall {f(rh['recall_overlap'])} over all e_21 spans, {f(rh['recall_specific'])} over specific "
      f"ones (goal 0.85).** {f(1 - pi_spec_h)} of the held-out e_21 spans are generic (个人信息, 您的信息…) and "
      "name none of our 41 PI types by design; of the specific ones, most misses are data kinds outside the "
      "taxonomy (性别, 生日, 年龄, 统计信息, 游戏数据, 用户画像 — pi_types.json's ids are fixed by tests/catalog) "
      "or descriptions (\"可以识别您身份的信息\").")
    w(f"- **Speed** is met: median {sp['median_ms']:.1f} ms per policy." if sp else "- Speed not measured.")
    w("")
    w("## 6. How the numbers were obtained")
    w("")
    w("- The lexicon (`policy_lexicon.json`), the PI synonyms added to `pi_types.json` and the five decision "
      "parameters (a small grid over relative threshold, minimum score, length normalisation, first-sentence "
      "boost and heading factor) were chosen looking only at the tuning half's errors. The held-out half was "
      "evaluated after that; nothing that changes `classify` or `pi_mentions` output was changed afterwards.")
    w("- Before the split was fixed, one held-out policy (0601) was opened to learn the file format and the "
      "most frequent e_21 strings over all files were listed once to see what the class holds.")
    w("- VioDroid-Finder was not used for tuning. OPP-115's English cues were adjusted on its even-numbered "
      "(tuning) policies only.")
    w("")
    w(f"_Accuracy part computed in {accuracy_s:.1f} s._")
    text = "\n".join(out) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
