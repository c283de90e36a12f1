"""Report formats. Each module renders a ``Report``; none decides anything."""

from __future__ import annotations

from importlib import import_module

from privaudit.model import Report

FORMATS = {"text": "privaudit.report.text", "json": "privaudit.report.json_report",
           "md": "privaudit.report.markdown"}


def render(report: Report, fmt: str, lang: str = "zh") -> str:
    return import_module(FORMATS[fmt]).render(report, lang)
