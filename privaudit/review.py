"""Reviewer workflow: ask a person about the items the machine could not settle, and merge the answers.

``init_review(report.json)`` writes a YAML review file with one question per item whose verdict is manual,
risk or undetermined, with the item's guidance from the catalogue. ``merge_review(report, review.yaml)`` applies
the answered questions: the reviewer's verdict replaces the machine's (kept in ``machine_verdict``), the note
becomes evidence. Answers recorded for another build of the app (a different SHA-256) are never applied.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from privaudit import catalog
from privaudit.errors import InputError
from privaudit.model import Evidence, Provenance, Report, Severity, Verdict

ASK = ("manual", "risk", "undetermined")
VERDICTS = tuple(v.value for v in Verdict)
ANSWER_FIELDS = ("verdict", "note", "reviewer", "attachments")

HEADER = """\
# privaudit review file. Answer a question by filling in `verdict` ({verdicts}),
# `note` (why), `reviewer` (your name) and `attachments` (screenshots, recordings: paths relative to this file).
# Leave `verdict` empty to keep the machine's verdict. Merge with: privaudit scan APP ... --review THIS_FILE
# Answers apply only to the app whose SHA-256 is given in app_sha256.
"""


def init_review(report_path: str) -> str:
    """The review file (YAML text) for a JSON report."""
    try:
        with open(report_path, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise InputError(f"cannot read the report ({exc.strerror})", report_path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not a JSON report (line {exc.lineno}: {exc.msg})", report_path) from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise InputError("not a privaudit JSON report (privaudit scan --format json)", report_path)
    app = data.get("app") or {}
    questions = []
    for f in data["findings"]:
        if not isinstance(f, dict) or f.get("verdict") not in ASK:
            continue
        try:
            item = catalog.item(f["item"])
        except KeyError:
            raise InputError(f"unknown item {f.get('item')!r} in the report", report_path) from None
        questions.append({
            "item": item["id"],
            "title_zh": item["title_zh"],
            "machine_verdict": f["verdict"],
            "machine_summary": f.get("summary_zh", ""),
            "evidence": [e.get("summary", "") for e in f.get("evidence", []) if isinstance(e, dict)][:10],
            "decision_zh": item.get("decision_zh", ""),
            "lab_check_zh": item.get("lab_check_zh", ""),
            "verdict": None, "note": None, "reviewer": None, "attachments": [],
        })
    doc = {"app_sha256": app.get("sha256"), "package": app.get("package"), "report": report_path,
           "questions": questions}
    import yaml

    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)
    text = re.sub(r"^(\s+)(verdict|note|reviewer): null$", r"\1\2:", text, flags=re.M)
    return HEADER.format(verdicts=" | ".join(VERDICTS)) + text


def _line(node: Any) -> int:
    return node.start_mark.line + 1


def _mapping(node: Any) -> dict[str, tuple[Any, Any]]:
    """key -> (key node, value node) of a YAML mapping node."""
    return {k.value: (k, v) for k, v in node.value if hasattr(k, "value") and isinstance(k.value, str)}


def _scalar(node: Any) -> Any:
    import yaml

    return yaml.SafeLoader("").construct_document(node)


def read_answers(path: str) -> tuple[str | None, list[dict[str, Any]]]:
    """The answered questions of a review file, each with its line numbers; errors name the line."""
    import yaml

    try:
        with open(path, encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as exc:
        raise InputError(f"cannot read the review file ({exc.strerror})", path) from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(f"{path}: {where}not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(root, yaml.MappingNode) or "questions" not in _mapping(root):
        raise InputError("not a review file (no `questions:`); create one with `privaudit review init`", path)
    top = _mapping(root)
    sha = _scalar(top["app_sha256"][1]) if "app_sha256" in top else None
    qs = top["questions"][1]
    if not isinstance(qs, yaml.SequenceNode):
        raise InputError(f"{path}: line {_line(qs)}: `questions` must be a list")
    known = {i["id"] for i in catalog.items()}
    base = os.path.dirname(os.path.abspath(path))
    answers = []
    for qn in qs.value:
        if not isinstance(qn, yaml.MappingNode):
            raise InputError(f"{path}: line {_line(qn)}: a question must be a mapping (item:, verdict:, …)")
        q = _mapping(qn)
        if "item" not in q:
            raise InputError(f"{path}: line {_line(qn)}: question without `item`")
        item = _scalar(q["item"][1])
        if item not in known:
            raise InputError(f"{path}: line {_line(q['item'][1])}: unknown item {item!r}; items are "
                             "M191-1.1 … M191-6.5 (see `privaudit rules`)")
        verdict = _scalar(q["verdict"][1]) if "verdict" in q else None
        if verdict in (None, ""):
            continue
        if verdict not in VERDICTS:
            raise InputError(f"{path}: line {_line(q['verdict'][1])}: verdict {verdict!r} for {item} is not one of "
                             + ", ".join(VERDICTS))
        attachments = _scalar(q["attachments"][1]) if "attachments" in q else []
        if isinstance(attachments, str):
            attachments = [attachments]
        if not isinstance(attachments, list):
            raise InputError(f"{path}: line {_line(q['attachments'][1])}: attachments must be a list of paths")
        for i, a in enumerate(attachments):
            node = q["attachments"][1]
            line = _line(node.value[i]) if isinstance(node, yaml.SequenceNode) else _line(node)
            if not isinstance(a, str) or not os.path.exists(os.path.join(base, a)):
                raise InputError(f"{path}: line {line}: attachment {a!r} for {item} does not exist")
        q_sha = _scalar(q["app_sha256"][1]) if "app_sha256" in q else sha
        note = _scalar(q["note"][1]) if "note" in q else None
        reviewer = _scalar(q["reviewer"][1]) if "reviewer" in q else None
        answers.append({"item": item, "verdict": verdict, "note": str(note) if note is not None else "",
                        "reviewer": str(reviewer) if reviewer else "reviewer", "attachments": attachments,
                        "app_sha256": q_sha, "line": _line(q["verdict"][1])})
    return sha, answers


def merge_review(report: Report, path: str) -> list[str]:
    """Apply a review file's answers to ``report`` in place; returns the items changed."""
    _, answers = read_answers(path)
    scanned = report.app.sha256 if report.app is not None else None
    changed = []
    for a in answers:
        try:
            f = report.finding(a["item"])
        except KeyError:
            continue  # item not evaluated (--only)
        prov = Provenance("review", path, None, None, f"line {a['line']}")
        if a["app_sha256"] != scanned:
            f.evidence.append(Evidence(
                "review", f"stale review answer not applied: answered for app SHA-256 {a['app_sha256']}, "
                f"scanned app is {scanned}", prov,
                {"stale": True, "reviewer": a["reviewer"], "verdict": a["verdict"], "app_sha256": a["app_sha256"]}))
            f.summary_zh += "（审核结论针对另一版本的应用，已忽略，请重新审核。）"
            f.summary_en += " (A review answer was recorded for a different build of the app and was not applied.)"
            continue
        new = Verdict(a["verdict"])
        f.machine_verdict = f.machine_verdict or f.verdict
        f.verdict = new
        f.decided_by = a["reviewer"]
        item = catalog.item(f.item)
        bad = new in (Verdict.VIOLATION, Verdict.RISK)
        f.severity = Severity(item["severity"]) if bad else Severity.INFO
        f.remediation_zh = item.get("remediation_zh", "") if bad else ""
        f.remediation_en = item.get("remediation_en", "") if bad else ""
        f.evidence.append(Evidence(
            "review", f"{a['reviewer']}: {new.value}" + (f" — {a['note']}" if a["note"] else ""), prov,
            {k: v for k, v in {"reviewer": a["reviewer"], "verdict": new.value,
                               "machine_verdict": f.machine_verdict.value, "note": a["note"] or None,
                               "attachments": a["attachments"] or None}.items() if v is not None}))
        f.missing = [m for m in f.missing if m.kind != "M"]
        changed.append(f.item)
    return changed
