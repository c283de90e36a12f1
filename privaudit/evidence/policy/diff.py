"""What changed between two versions of a privacy policy (evidence for M191-2.2 and 4.3).

``diff_policies(old_text, new_text)`` aligns the two texts sentence by sentence with
``difflib.SequenceMatcher`` over normalised sentences (whitespace, markdown marks and list
numbering ignored, so renumbering a clause is not a change), pairs the sentences of each
replaced block by similarity into *changed* sentences, and reports the rest as *added* or
*removed* — each with offsets in its text and the heading of the section it sits in. Sentences
that only moved are not reported.

It then summarises the **changed practices**: PI terms, third parties (SDKs from
``catalog/sdks.json`` and "XX公司 / XX SDK" names), purposes and promised handling times that
appear on one side only. A term counts as added when it occurs in an added or changed sentence
of the new text and nowhere in the old text (and conversely for removed), so rewording a clause
that keeps the same PI does not show up as a practice change.

Time is bounded: identical texts and common leading/trailing sentences are skipped first, the
pairing inside a replaced block compares each sentence only with a window of candidates, and a
deadline (``time_budget`` seconds) turns the remaining pairing into plain added/removed and
sets ``truncated``.
"""

from __future__ import annotations

import difflib
import re
import time
from dataclasses import dataclass, field
from functools import cache

from privaudit.evidence.policy.readability import headings
from privaudit.evidence.policy.statements import company_names, find_statements, pi_terms, split_sentences, trie_regex

CHANGED_MIN_RATIO = 0.5  # two sentences at least this similar (character-level) are one changed sentence
PAIR_WINDOW = 12  # in a replaced block, compare a sentence with this many candidates either side


@dataclass(slots=True, eq=False)
class SentenceChange:
    kind: str  # added | removed | changed
    old: tuple[int, int] | None  # (start, end) in old_text
    new: tuple[int, int] | None  # (start, end) in new_text
    similarity: float | None = None  # changed sentences: character-level ratio
    section: str | None = None  # heading of the section (new text; old text for removed sentences)


@dataclass(slots=True, eq=False)
class PracticeChanges:
    pi_types_added: list[str] = field(default_factory=list)  # ids from catalog/pi_types.json
    pi_types_removed: list[str] = field(default_factory=list)
    pi_terms_added: list[str] = field(default_factory=list)  # the words used
    pi_terms_removed: list[str] = field(default_factory=list)
    third_parties_added: list[str] = field(default_factory=list)
    third_parties_removed: list[str] = field(default_factory=list)
    purposes_added: list[str] = field(default_factory=list)
    purposes_removed: list[str] = field(default_factory=list)
    handling_times: dict | None = None  # {"old": [...], "new": [...]} when the promised periods differ

    def empty(self) -> bool:
        return not any((self.pi_types_added, self.pi_types_removed, self.pi_terms_added, self.pi_terms_removed,
                        self.third_parties_added, self.third_parties_removed, self.purposes_added,
                        self.purposes_removed, self.handling_times))


@dataclass(slots=True, eq=False)
class PolicyDiff:
    added: list[SentenceChange] = field(default_factory=list)
    removed: list[SentenceChange] = field(default_factory=list)
    changed: list[SentenceChange] = field(default_factory=list)
    practices: PracticeChanges = field(default_factory=PracticeChanges)
    identical: bool = False  # the texts are equal after normalisation
    moved: int = 0  # sentences that only changed place
    unchanged: int = 0  # sentences aligned as equal
    truncated: bool = False  # the time budget ran out; some pairs were not compared

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.removed or self.changed)


# --------------------------------------------------------------------------- normalisation

_MARKS = re.compile(r"[*_#>`|]+|\s+")
_ENUM = re.compile(r"^(?:[（(]?(?:\d{1,3}(?:\.\d{1,3})*|[一二三四五六七八九十]+|[a-zA-Z]|[①-⑳])[)）.、．]\s*)+")


def normalise(s: str) -> str:
    """A sentence for comparison: no whitespace or markdown marks, no leading list number."""
    s = _MARKS.sub("", s)
    return _ENUM.sub("", s)


# --------------------------------------------------------------------------- third parties and purposes

_GENERIC_SDK = re.compile(r"^(?:第三方|该|本|此|相关|其他|以下|上述|下述|前述|各|某|接入|集成|嵌入|使用|合作方?|我们|您|的|等)+$")
_SDK_NAME = re.compile(r"(?P<name>[\u4e00-\u9fffA-Za-z0-9·+]{2,20}?)\s?(?:SDK|sdk)(?![A-Za-z])")
_SDK_CUT = re.compile(r".*(?:的|了|和|与|及|或|、|接入|集成|嵌入|使用|通过|包括|包含|如|例如|第三方|合作方|以下|上述|该|本|此|其他|相关)")


@cache
def _sdk_terms() -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Matcher over SDK names, English names and vendors in catalog/sdks.json; term -> display name."""
    from privaudit import catalog

    terms: dict[str, str] = {}
    for sdk in catalog.sdks():
        name = sdk["name"]
        candidates = [re.sub(r"\s*(?:SDK|sdk)\s*$", "", re.sub(r"[（(][^）)]*[）)]", "", name)).strip()]
        if sdk.get("name_en"):
            candidates.append(re.sub(r"\s*(?:SDK)\s*$", "", re.sub(r"\s*\([^)]*\)", "", sdk["name_en"])).strip())
        if sdk.get("vendor"):
            candidates.append(sdk["vendor"])
        for c in candidates:
            for variant in {c, c.replace(" ", "")}:
                if len(variant) >= 4 and not re.fullmatch(r"[A-Za-z]{1,4}", variant):
                    terms.setdefault(variant.lower(), name)
    if not terms:
        return None, {}
    return re.compile(trie_regex(list(terms)), re.I), terms


def third_parties(s: str) -> dict[str, str]:
    """Third parties named in ``s``: display name -> the words used (catalogue SDKs by their catalogue
    name, "XX SDK" names and company names as written)."""
    out: dict[str, str] = {}
    rx, terms = _sdk_terms()
    if rx is not None:
        for m in rx.finditer(s):
            out.setdefault(terms[m.group(0).lower()], m.group(0))
    for m in _SDK_NAME.finditer(s):
        name = m.group("name")
        cut = _SDK_CUT.match(name)
        if cut:
            name = name[cut.end():]
        if len(name) >= 2 and not _GENERIC_SDK.match(name) and not any(name in surf or surf in name
                                                                        for surf in out.values()):
            out.setdefault(name + "SDK", name)
    for name in company_names(s):
        out.setdefault(name, name)
    return out


_PURPOSE = re.compile(
    r"(?:用于|以用于|为了|以便(?:于)?|旨在|目的(?:是|为|在于)|for the purposes? of|in order to|so that we can)\s*"
    r"(?P<p>[^，。；;,.:：\n（(]{2,30})",
    re.I,
)
_PURPOSE_TRIM = re.compile(r"^(?:向|为|给)?(?:您|你|用户)?(?:的)?|(?:的)?(?:目的|需要|需求)$")


def purposes(s: str) -> set[str]:
    out = set()
    for m in _PURPOSE.finditer(s):
        p = _PURPOSE_TRIM.sub("", m.group("p").strip())
        if len(p) >= 2:
            out.add(p)
    return out


# --------------------------------------------------------------------------- alignment

def _section_at(heads: list[tuple[int, int]], text: str, offset: int) -> str | None:
    best = None
    for a, b in heads:
        if a <= offset:
            best = (a, b)
        else:
            break
    return text[best[0]: best[1]].strip() if best else None


def _pair_block(a_idx: list[int], b_idx: list[int], a_norm: list[str], b_norm: list[str],
                deadline: float) -> tuple[list[tuple[int, int, float]], bool]:
    """Monotonic pairs (i, j, ratio) of similar sentences in a replaced block; True when cut short."""
    pairs: list[tuple[int, int, float]] = []
    j0 = 0
    for ii, i in enumerate(a_idx):
        if time.monotonic() > deadline:
            return pairs, True
        best, best_r = -1, CHANGED_MIN_RATIO
        centre = round(ii * len(b_idx) / max(1, len(a_idx)))
        lo, hi = max(j0, centre - PAIR_WINDOW), min(len(b_idx), centre + PAIR_WINDOW + 1)
        for jj in range(lo, hi):
            j = b_idx[jj]
            sm = difflib.SequenceMatcher(None, a_norm[i], b_norm[j], autojunk=False)
            if sm.real_quick_ratio() < best_r or sm.quick_ratio() < best_r:
                continue
            r = sm.ratio()
            if r > best_r:
                best, best_r = jj, r
        if best >= 0:
            pairs.append((i, b_idx[best], round(best_r, 3)))
            j0 = best + 1
    return pairs, False


def diff_policies(old_text: str, new_text: str, old_sentences: list[tuple[int, int]] | None = None,
                  new_sentences: list[tuple[int, int]] | None = None, time_budget: float = 10.0) -> PolicyDiff:
    """Sentence-level differences between two versions of a policy and the practices that changed."""
    deadline = time.monotonic() + time_budget
    if old_text == new_text and old_sentences is None and new_sentences is None:
        return PolicyDiff(identical=True, unchanged=len(split_sentences(old_text)))
    a_sp = old_sentences if old_sentences is not None else split_sentences(old_text)
    b_sp = new_sentences if new_sentences is not None else split_sentences(new_text)
    a_norm = [normalise(old_text[x:y]) for x, y in a_sp]
    b_norm = [normalise(new_text[x:y]) for x, y in b_sp]
    # Drop sentences that normalise to nothing (separators, lone marks).
    a_keep = [i for i, s in enumerate(a_norm) if s]
    b_keep = [j for j, s in enumerate(b_norm) if s]
    diff = PolicyDiff()
    if [a_norm[i] for i in a_keep] == [b_norm[j] for j in b_keep]:
        diff.identical = True
        diff.unchanged = len(a_keep)
        return diff

    # Fast path: common head and tail.
    lo = 0
    while lo < min(len(a_keep), len(b_keep)) and a_norm[a_keep[lo]] == b_norm[b_keep[lo]]:
        lo += 1
    hi = 0
    while (hi < min(len(a_keep), len(b_keep)) - lo
           and a_norm[a_keep[len(a_keep) - 1 - hi]] == b_norm[b_keep[len(b_keep) - 1 - hi]]):
        hi += 1
    a_mid = a_keep[lo: len(a_keep) - hi]
    b_mid = b_keep[lo: len(b_keep) - hi]
    diff.unchanged = lo + hi

    sm = difflib.SequenceMatcher(None, [a_norm[i] for i in a_mid], [b_norm[j] for j in b_mid], autojunk=False)
    removed: list[int] = []
    added: list[int] = []
    changed: list[tuple[int, int, float]] = []
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            diff.unchanged += i2 - i1
        elif op == "delete":
            removed.extend(a_mid[i1:i2])
        elif op == "insert":
            added.extend(b_mid[j1:j2])
        else:
            ai, bj = a_mid[i1:i2], b_mid[j1:j2]
            pairs, cut = _pair_block(ai, bj, a_norm, b_norm, deadline)
            diff.truncated |= cut
            changed.extend(pairs)
            paired_a = {p[0] for p in pairs}
            paired_b = {p[1] for p in pairs}
            removed.extend(i for i in ai if i not in paired_a)
            added.extend(j for j in bj if j not in paired_b)

    # Sentences that only moved: identical text removed in one place and added in another.
    add_by_text: dict[str, list[int]] = {}
    for j in added:
        add_by_text.setdefault(b_norm[j], []).append(j)
    moved_a, moved_b = set(), set()
    for i in removed:
        js = add_by_text.get(a_norm[i])
        if js:
            moved_a.add(i)
            moved_b.add(js.pop())
    diff.moved = len(moved_a)
    removed = [i for i in removed if i not in moved_a]
    added = [j for j in added if j not in moved_b]

    a_heads, b_heads = headings(old_text), headings(new_text)
    diff.removed = [SentenceChange("removed", a_sp[i], None, None, _section_at(a_heads, old_text, a_sp[i][0]))
                    for i in sorted(removed)]
    diff.added = [SentenceChange("added", None, b_sp[j], None, _section_at(b_heads, new_text, b_sp[j][0]))
                  for j in sorted(added)]
    diff.changed = [SentenceChange("changed", a_sp[i], b_sp[j], r, _section_at(b_heads, new_text, b_sp[j][0]))
                    for i, j, r in sorted(changed)]
    diff.practices = _practices(old_text, new_text, diff, deadline)
    return diff


# --------------------------------------------------------------------------- practice summary

def _practices(old_text: str, new_text: str, diff: PolicyDiff, deadline: float) -> PracticeChanges:
    new_side = [new_text[c.new[0]: c.new[1]] for c in diff.added + diff.changed if c.new]
    old_side = [old_text[c.old[0]: c.old[1]] for c in diff.removed + diff.changed if c.old]
    old_flat, new_flat = normalise(old_text).lower(), normalise(new_text).lower()
    old_types = {t[0] for t in pi_terms(old_text)}
    new_types = {t[0] for t in pi_terms(new_text)}
    pc = PracticeChanges()

    def side(sents: list[str], other_flat: str, other_types: set[str]) -> tuple[list, list, list, list]:
        # Gather the candidates first; each distinct word is then looked up once in the other text.
        types, words, parties, purp = set(), set(), {}, set()
        for s in sents:
            if time.monotonic() > deadline:
                diff.truncated = True
                break
            for tid, surf, _, _ in pi_terms(s):
                words.add(surf)
                if tid not in other_types:
                    types.add(tid)
            for name, surf in third_parties(s).items():
                parties.setdefault(name, surf)
            purp |= purposes(s)

        def absent(w: str) -> bool:
            return normalise(w).lower() not in other_flat

        return (sorted(types), sorted(w for w in words if absent(w)),
                sorted(n for n, surf in parties.items() if absent(surf)), sorted(p for p in purp if absent(p)))

    pc.pi_types_added, pc.pi_terms_added, pc.third_parties_added, pc.purposes_added = side(new_side, old_flat, old_types)
    pc.pi_types_removed, pc.pi_terms_removed, pc.third_parties_removed, pc.purposes_removed = side(
        old_side, new_flat, new_types)

    def times(text: str) -> list[dict]:
        return sorted(({k: st.value[k] for k in ("days", "unit", "applies_to", "over_limit")}
                       for st in find_statements(text) if st.kind == "handling_time"),
                      key=lambda v: (v["applies_to"], v["unit"], v["days"]))

    if (diff.changed or diff.added or diff.removed) and time.monotonic() <= deadline:
        t_old, t_new = times(old_text), times(new_text)
        if t_old != t_new:
            pc.handling_times = {"old": t_old, "new": t_new}
    return pc
