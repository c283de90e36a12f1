"""A finished run's report in any format, with its media type and a download file name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from privaudit.model import report_from_dict
from privaudit.report import render_bytes
from privaudit.store.db import Store

MEDIA_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "sarif": "application/sarif+json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "text": "text/plain; charset=utf-8",
}
EXTENSIONS = {"json": "json", "md": "md", "html": "html", "sarif": "sarif", "xlsx": "xlsx", "pdf": "pdf",
              "text": "txt"}


class RunMissing(LookupError):
    """No such run."""


class RunNotFinished(LookupError):
    """The run is queued, running, or failed: there is no report."""


@dataclass(frozen=True, slots=True)
class Download:
    body: bytes
    media_type: str
    filename: str

    @property
    def disposition(self) -> str:
        return f'attachment; filename="{self.filename}"'


def report_download(store: Store, run_id: int, fmt: str, lang: str) -> Download:
    """Raises RunMissing, RunNotFinished, or InputError (a format whose renderer is not installed: PDF)."""
    run = store.run(run_id)
    if run is None:
        raise RunMissing(f"no run {run_id}")
    data = store.report(run_id) if run["status"] == "ok" else None
    if data is None:
        raise RunNotFinished(f"run {run_id} has no report (status: {run['status']})")
    body = render_bytes(report_from_dict(data), fmt, lang)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", run.get("package") or "app").strip("._") or "app"
    return Download(body, MEDIA_TYPES[fmt], f"privaudit-{stem}-run{run_id}-{lang}.{EXTENSIONS[fmt]}")
