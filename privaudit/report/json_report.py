"""JSON: the documented, versioned schema in docs/report-schema.md."""

from __future__ import annotations

import json

from privaudit.model import Report


def render(report: Report, lang: str = "zh") -> str:
    data = report.to_dict()
    data = {"schema": "privaudit-report", **data}
    return json.dumps(data, ensure_ascii=False, indent=2)
