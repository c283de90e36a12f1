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
    for block in doc.blocks:
        seg_text = text[block.start : block.end]
        if not seg_text.strip():
            continue
        section = doc.section_of(block.start)
        heading = section.heading if section else None
        cats = language.classify(seg_text, heading) if block.kind != "heading" else []
        ev.segments.append(Segment(block.start, block.end, cats))
        if block.kind == "table_row" and block.cells:
            row = language.sdk_rows([text[s:e] for s, e in block.cells])
            if row is not None:
                row.start, row.end = block.start, block.end
                ev.sdk_disclosures.append(row)
    seen_sdk = {(d.sdk_id or d.name) for d in ev.sdk_disclosures}
    for sent in doc.sentences:
        s_text = text[sent.start : sent.end]
        for pi, start, end, surface in language.pi_mentions(s_text):
            ev.mentions.append(PiMention(pi, surface, sent.start + start, sent.start + end))
        ev.practices.extend(language.practices(s_text, sent.start))
        ev.permission_disclosures.extend(language.permission_explanations(s_text, sent.start))
        for d in language.sdk_sentences(s_text, sent.start):
            if (d.sdk_id or d.name) not in seen_sdk:
                seen_sdk.add(d.sdk_id or d.name)
                ev.sdk_disclosures.append(d)
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
