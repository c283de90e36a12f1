"""Report formats. Each module renders a ``Report``; none decides anything."""

from __future__ import annotations

from importlib import import_module

from privaudit.model import Report

FORMATS = {"text": "privaudit.report.text", "json": "privaudit.report.json_report",
           "md": "privaudit.report.markdown", "html": "privaudit.report.html", "sarif": "privaudit.report.sarif",
           "xlsx": "privaudit.report.xlsx", "pdf": "privaudit.report.pdf"}
BINARY = frozenset({"xlsx", "pdf"})  # these modules offer ``render_bytes(report, lang) -> bytes`` instead of ``render``


def render(report: Report, fmt: str, lang: str = "zh") -> str:
    return import_module(FORMATS[fmt]).render(report, lang)


def render_bytes(report: Report, fmt: str, lang: str = "zh") -> bytes:
    """Any format as bytes: binary formats as they are, text formats encoded as UTF-8."""
    if fmt in BINARY:
        return import_module(FORMATS[fmt]).render_bytes(report, lang)
    return render(report, fmt, lang).encode("utf-8")
