"""The policy evidence as plain data for the report's ``facts.policy`` (and `privaudit policy`)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from privaudit.evidence.policy.model import PolicyEvidence

MAX_SEGMENT_TEXT = 2000


def policy_facts(ev: PolicyEvidence) -> dict[str, Any]:
    doc = ev.document
    text = doc.text
    return {
        "document": {
            "path": doc.path, "format": doc.source_format, "encoding": doc.encoding, "language": doc.language,
            "simplified_chinese": doc.simplified_chinese, "traditional_only": doc.traditional_only,
            "characters": len(text), "sentences": len(doc.sentences), "sections": len(doc.sections),
            "sha256": doc.sha256, "notes": doc.notes, "looks_like_policy": ev.facts.get("looks_like_policy"),
        },
        "segments": [{"text": text[s.start : s.end][:MAX_SEGMENT_TEXT], "start": s.start, "end": s.end,
                      "categories": s.categories} for s in ev.segments],
        "pi_mentions": [asdict(m) for m in ev.mentions],
        "practices": [asdict(p) | {"text": text[p.start : p.end]} for p in ev.practices],
        "sdk_disclosures": [asdict(d) for d in ev.sdk_disclosures],
        "permission_disclosures": [asdict(d) for d in ev.permission_disclosures],
        "statements": [{"kind": s.kind, "start": s.start, "end": s.end, "value": s.value,
                        "text": text[s.start : s.end]} for s in ev.facts.get("statements", [])],
        "readability": ev.facts.get("readability", {}),
    }
