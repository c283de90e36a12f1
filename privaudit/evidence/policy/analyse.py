"""Read a policy the way an examiner does: segment by segment, sentence by sentence.

``analyse(doc)`` runs the language layer over a ``PolicyDocument`` and returns ``PolicyEvidence``
whose every record points at its sentence. It decides nothing: the rules do.
"""

from __future__ import annotations

import re

from privaudit.evidence.policy.model import PiMention, PolicyDocument, PolicyEvidence, Segment

POLICY_TITLE = re.compile(
    r"隐私政策|隐私保护|隐私权|个人信息保护|个人信息处理规则|隐私协议|隐私声明|privacy\s*(policy|notice|statement)", re.I)


def analyse(doc: PolicyDocument) -> PolicyEvidence:
    from privaudit.evidence.policy import language
    from privaudit.evidence.policy.readability import readability
    from privaudit.evidence.policy.statements import find_statements

    ev = PolicyEvidence(document=doc)
    text = doc.text
    if not text.strip():
        ev.facts["empty"] = True
        return ev
    header: list[str] | None = None  # header cells of the table being read
    previous_kind = None
    for block in doc.blocks:
        seg_text = text[block.start : block.end]
        if block.kind != "table_row":
            header = None
        if not seg_text.strip():
            previous_kind = block.kind
            continue
        section = doc.section_of(block.start)
        heading = section.heading if section else None
        cats = language.classify(seg_text, heading) if block.kind != "heading" else []
        ev.segments.append(Segment(block.start, block.end, cats))
        if block.kind == "table_row" and block.cells:
            cells = [text[s:e] for s, e in block.cells]
            row = language.sdk_rows(cells, header, block.start, block.end)
            if row is not None:
                ev.sdk_disclosures.append(row)
            elif previous_kind != "table_row" or header is None:
                header = cells  # the first row of a table (or a row with no SDK) names the columns
        else:
            # SDK lists written as labelled lines ("SDK名称：…⏎使用目的：…") span sentences: read the block
            ev.sdk_disclosures.extend(language.sdk_sentences(seg_text, block.start))
        previous_kind = block.kind
    seen_sdk: set[str] = set()
    unique = []
    for d in ev.sdk_disclosures:
        key = d.sdk_id or d.name
        if key not in seen_sdk:
            seen_sdk.add(key)
            unique.append(d)
    ev.sdk_disclosures = unique
    for sent in doc.sentences:
        s_text = text[sent.start : sent.end]
        for pi, start, end, surface in language.pi_mentions(s_text):
            ev.mentions.append(PiMention(pi, surface, sent.start + start, sent.start + end))
        ev.practices.extend(language.practices(s_text, sent.start))
        ev.permission_disclosures.extend(language.permission_explanations(s_text, sent.start))
    spans = [(s.start, s.end) for s in doc.sentences]
    ev.facts["statements"] = find_statements(text, spans)
    ev.facts["readability"] = readability(text, spans)
    ev.facts["looks_like_policy"] = _looks_like_policy(doc, ev)
    return ev


def _looks_like_policy(doc: PolicyDocument, ev: PolicyEvidence) -> bool:
    """A privacy policy names itself so, or at least talks about collecting PI in several segments."""
    head = doc.text[:400]
    titled = bool(POLICY_TITLE.search(head)) or any(POLICY_TITLE.search(s.heading) for s in doc.sections[:5])
    collecting = sum(1 for s in ev.segments if "collection" in s.categories)
    return (titled and (collecting >= 1 or len(ev.mentions) >= 3)) or (collecting >= 3 and len(ev.mentions) >= 5)
