"""Pick the runtime importer by content, not by file name.

- a directory with ``events/`` or ``utg.js`` → DroidBot (``droidbot.read_droidbot``);
- a file whose first line is a privaudit-trace header → ``jsonl.read_trace``;
- the xlsx (zip) or xls (OLE2) signature → camille (``camille.read_camille``);
- text in which a logcat line appears among the first 200 lines → ``logcat.read_logcat``;
- anything else, binary data and empty files included → ``InputError("unknown trace format: …")``.
"""

from __future__ import annotations

import json
import os

from privaudit.errors import InputError
from privaudit.evidence.runtime import camille, droidbot, jsonl, logcat
from privaudit.evidence.runtime.model import Trace

SNIFF_BYTES = 64 * 1024
SNIFF_LINES = 200


def load_trace(path: str, package: str | None = None) -> Trace:
    """Read any supported runtime trace; ``package`` keeps (or attributes to) that app."""
    if os.path.isdir(path):
        if os.path.isdir(os.path.join(path, "events")) or os.path.isfile(os.path.join(path, "utg.js")):
            return droidbot.read_droidbot(path, package)
        raise InputError("unknown trace format: a directory without DroidBot's events/ or utg.js", path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read trace: {exc.strerror or exc}", path) from None
    if not head.strip():
        raise InputError("unknown trace format: empty file", path)
    if head.startswith(camille.XLSX_MAGIC) or head.startswith(camille.XLS_MAGIC):
        return camille.read_camille(path, package)
    if _is_jsonl(head):
        trace = jsonl.read_trace(path)
        if package and trace.package and trace.package != package:
            raise InputError(f"trace is for {trace.package}, not {package}", path)
        return trace
    if b"\x00" in head:
        raise InputError("unknown trace format: binary data", path)
    text = head.decode("utf-8", errors="replace")
    lines = text.splitlines()[:SNIFF_LINES]
    if len(head) == SNIFF_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    if any(logcat.is_logcat_line(line) for line in lines):
        return logcat.read_logcat(path, package)
    raise InputError("unknown trace format: not DroidBot, privaudit-trace JSONL, camille Excel or logcat", path)


def _is_jsonl(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].strip().lstrip(b"\xef\xbb\xbf")
    if not first.startswith(b"{"):
        return False
    try:
        obj = json.loads(first.decode("utf-8", errors="replace"))
    except ValueError:
        return b'"privaudit-trace"' in first
    return isinstance(obj, dict) and obj.get("format") == jsonl.FORMAT
