"""SARIF 2.1.0: findings as code-scanning results (GitHub code scanning, GitLab, IDE viewers).

One rule per Method item (``M191-x.y``), one result per finding whose verdict is ``violation``
(level ``error``) or ``risk`` (level ``warning``), both ``kind: "fail"``. Findings that are
``undetermined`` or ``manual`` are emitted too, with ``kind: "review"``: a person has to look, and
dropping them would hide that the app was not fully assessed. SARIF 2.1.0 (3.27.10) requires
``level: "none"`` whenever ``kind`` is not ``fail``, so those carry level ``none`` (viewers show them
as notes). ``pass`` and ``not_applicable`` produce no result.

Locations come from each evidence's provenance:

* APK members: ``artifactLocation.uri`` ``APP!entry`` with ``region.byteOffset``;
* policy sentences: the policy file with ``region.charOffset`` / ``charLength``;
* trace lines (locator ``line N``): the trace file with ``region.startLine``;
* Dalvik callers (``Lcom/a/B;->m()V`` or ``com.a.B.m(...)``): ``logicalLocations``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from privaudit import __version__, catalog
from privaudit.model import Evidence, Finding, Report
from privaudit.report.labels import summary, title

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"violation": "error", "risk": "warning", "undetermined": "none", "manual": "none"}
MAX_LOCATIONS = 50  # per result; the JSON report keeps every piece of evidence
_LINE = re.compile(r"line (\d+)$")
_DALVIK = re.compile(r"^L[\w/$]+;->")
_JAVA_METHOD = re.compile(r"^[\w$]+(\.[\w$]+)+\(.*\)")


def render(report: Report, lang: str = "zh") -> str:
    return json.dumps(to_sarif(report, lang), ensure_ascii=False, indent=2)


def to_sarif(report: Report, lang: str = "zh") -> dict[str, Any]:
    rules = [_rule(it, lang) for it in catalog.items()]
    index = {r["id"]: i for i, r in enumerate(rules)}
    results = [_result(f, index, lang) for f in report.findings if f.verdict.value in LEVEL]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "privaudit", "version": __version__, "rules": rules}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"schema_version": report.schema_version, "generated_at": report.generated_at,
                       "app_type": report.app_type},
    }
    if report.inputs:
        run["artifacts"] = [{"location": {"uri": i.path}, "roles": ["analysisTarget"],
                             **({"hashes": {"sha-256": i.sha256}} if i.sha256 else {}),
                             "properties": {"kind": i.kind}} for i in report.inputs]
    if report.app:
        a = report.app
        run["properties"]["app"] = {"package": a.package, "version_name": a.version_name,
                                    "version_code": a.version_code, "sha256": a.sha256, "label": a.label}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def _rule(it: dict[str, Any], lang: str) -> dict[str, Any]:
    other = "en" if lang == "zh" else "zh"
    return {
        "id": it["id"],
        "name": it.get("title_en") or it["en"],
        "shortDescription": {"text": title(it["id"], lang)},
        "fullDescription": {"text": it["zh"]},  # the official wording of the Method
        "help": {"text": it.get(f"decision_{lang}") or it[lang]},
        "properties": {"category": it["category"], "automation": it.get("automation"),
                       "severity": it.get("severity"), "level": it.get("level"),
                       "evidence": it.get("evidence", []), f"title_{other}": title(it["id"], other),
                       "description_en": it["en"]},
    }


def _result(f: Finding, index: dict[str, int], lang: str) -> dict[str, Any]:
    verdict = f.verdict.value
    res: dict[str, Any] = {"ruleId": f.item, "ruleIndex": index[f.item], "level": LEVEL[verdict],
                           "message": {"text": summary(f, lang) or f.item}}
    res["kind"] = "review" if verdict in ("undetermined", "manual") else "fail"
    locations, logical = [], []
    for e in f.evidence[:MAX_LOCATIONS]:
        loc = _location(e)
        if loc:
            locations.append(loc)
        caller = _caller(e)
        if caller and caller not in logical:
            logical.append(caller)
    if logical:
        # logical locations ride on a location of their own when there is no physical one for them
        locations.append({"logicalLocations": [{"fullyQualifiedName": c, "kind": "function"} for c in logical]})
    if locations:
        res["locations"] = locations
    res["properties"] = {"verdict": verdict, "severity": f.severity.value, "decided_by": f.decided_by,
                         "evidence_count": len(f.evidence),
                         "missing": [m.reason_zh if lang == "zh" else m.reason_en for m in f.missing]}
    return res


def _location(e: Evidence) -> dict[str, Any] | None:
    p = e.provenance
    region: dict[str, Any] = {}
    if p.source == "apk":
        uri = f"{p.file}!{p.entry}" if p.entry else p.file
        if p.offset is not None and p.offset >= 0:
            region["byteOffset"] = p.offset
    elif p.source == "policy":
        uri = f"{p.file}!{p.entry}" if p.entry else p.file
        if p.offset is not None and p.offset >= 0:
            region["charOffset"] = p.offset
            text = p.locator or e.summary
            if text and e.kind in ("policy_sentence", "policy_segment"):
                region["charLength"] = len(text)
    else:
        uri = f"{p.file}!{p.entry}" if p.entry else p.file
        m = _LINE.search(p.locator or "")
        if m and int(m.group(1)) >= 1:
            region["startLine"] = int(m.group(1))
        elif p.offset is not None and p.offset >= 0:
            region["byteOffset"] = p.offset
    if not uri:
        return None
    phys: dict[str, Any] = {"artifactLocation": {"uri": uri}}
    if region:
        phys["region"] = region
    return {"physicalLocation": phys, "message": {"text": e.summary}}


def _caller(e: Evidence) -> str | None:
    loc = e.provenance.locator or ""
    if e.provenance.source == "apk" and (_DALVIK.match(loc) or _JAVA_METHOD.match(loc)):
        return loc
    caller = e.data.get("caller") if isinstance(e.data, dict) else None
    return caller if isinstance(caller, str) and caller else None
