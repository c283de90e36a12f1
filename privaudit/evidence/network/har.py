"""HAR 1.2 captures (mitmproxy, Charles, browsers), read as a stream into flows with PI hits.

HAR files can be hundreds of MB, so the file is never loaded whole: ``ijson`` (C backend where
available) yields one ``log.entries`` item at a time, and memory stays bounded by the largest
entry plus the flows kept (which hold no bodies).

Per entry: one ``Flow`` (time from ``startedDateTime`` as epoch seconds, host, method, URL,
status) and PI scanned in the URL (query parameters as fields), the request headers and cookies,
and the request body (``postData.text`` or ``params``; ``encoding: base64`` undone; gzip, deflate
and br undone when the HAR still carries them encoded). Response bodies are scanned only when
asked (``responses=True``) and small: what a server sends back is not collection by the app.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.network.hosts import attribute, normalise_host
from privaudit.evidence.network.pi_match import PiMatcher, scan_request
from privaudit.evidence.runtime.model import Capture, Flow
from privaudit.model import Provenance

BUF_SIZE = 256 * 1024
EXACT_OFFSET_LIMIT = 64 * 1024 * 1024  # broken files up to this size are re-read to name the exact byte
MAX_RESPONSE_SCAN = 1024 * 1024
MAX_NOTES = 50  # per-entry notes beyond this are counted, not listed


def read_har(path: str | os.PathLike[str], matcher: PiMatcher | None = None, *,
             first_party: Iterable[str] = (), responses: bool = False, strict: bool = True) -> Capture:
    """Read a HAR file. Broken JSON is a ``MalformedInput`` naming the byte offset (with ``strict=False``
    the flows read before the break are kept, with a note); a JSON file that is not a HAR is an
    ``InputError``."""
    p = os.fspath(path)
    capture = Capture(path=p, format="har", clock="epoch")
    capture.flows.extend(iter_har(p, matcher, capture.notes, first_party=first_party, responses=responses,
                                  strict=strict))
    return capture


def iter_har(path: str | os.PathLike[str], matcher: PiMatcher | None, notes: list[str], *,
             first_party: Iterable[str] = (), responses: bool = False, strict: bool = True) -> Iterator[Flow]:
    """The flows of a HAR one at a time, for callers that aggregate and need not keep them all;
    notes are appended to ``notes`` as they arise. Errors as for ``read_har``."""
    ijson = _ijson()
    p = os.fspath(path)
    matcher = matcher or PiMatcher(None)
    first_party = tuple(first_party)
    note = _Notes(notes)
    try:
        f = open(p, "rb")
    except OSError as e:
        raise InputError(f"cannot read HAR: {e.strerror or e}", p) from None
    with f:
        start = _check_start(f, p)
        reader = _CountingReader(f, start)
        count = flows = 0
        try:
            for item in ijson.items(reader, "log.entries.item", use_float=True, buf_size=BUF_SIZE):
                i = count
                count += 1
                if not isinstance(item, dict) or not isinstance(item.get("request"), dict):
                    note.add(f"entry {i}: not a HAR entry (no request object); skipped")
                    continue
                flows += 1
                yield _flow(i, item, p, matcher, first_party, responses, note)
        except ijson.JSONError as e:
            offset, reason = _error_position(p, reader, str(e))
            if strict or not flows:
                raise MalformedInput(f"broken JSON at byte offset {offset}: {reason}", p) from None
            note.add(f"broken JSON at byte offset {offset} ({reason}); the {flows} flows before it are kept")
        if count == 0 and not _has_entries(ijson, p, start):
            raise InputError("not a HAR: JSON without a log.entries array", p)
    note.finish()


# --------------------------------------------------------------------------------------------
# One entry
# --------------------------------------------------------------------------------------------


def _flow(i: int, e: dict[str, Any], path: str, matcher: PiMatcher, first_party: tuple[str, ...],
          responses: bool, notes: _Notes) -> Flow:
    req = e["request"]
    url = req.get("url") if isinstance(req.get("url"), str) else ""
    method = req.get("method") if isinstance(req.get("method"), str) else None
    headers = _pairs(req.get("headers"))
    cookies = _pairs(req.get("cookies")) or None
    try:
        parts = urlsplit(url)
        host, scheme = parts.hostname or "", parts.scheme or "https"
    except ValueError:
        host, scheme = "", "https"
        notes.add(f"entry {i}: URL cannot be parsed")
    if not host:
        host = next((normalise_host(v) for k, v in headers if k.lower() in ("host", ":authority")), "")
    t = _epoch(e.get("startedDateTime"))
    if math.isnan(t):
        notes.add(f"entry {i}: startedDateTime missing or not ISO 8601; its time is unknown")
    body, mime = _post_data(i, req.get("postData"), notes)
    hits, body_notes = scan_request(matcher, url, headers, body, cookies, mime)
    for n in body_notes:
        notes.add(f"entry {i}: {n}")
    resp = e.get("response") if isinstance(e.get("response"), dict) else {}
    status = resp.get("status")
    status = status if isinstance(status, int) and not isinstance(status, bool) and status > 0 else None
    if responses:
        hits += _response_hits(i, resp, matcher, notes)
    kind, owner, sdk_id = attribute(host, first_party) if host else ("unknown", None, None)
    host, method = sys.intern(host), sys.intern(method) if method else None
    return Flow(id=f"har:{i}", t=t, host=host, provenance=Provenance("network", path, locator=f"har:{i}"),
                scheme=scheme, method=method, url=url or None, status=status, owner_kind=kind, owner=owner,
                sdk_id=sdk_id, hits=hits)


def _pairs(value: Any) -> list[tuple[str, str]]:
    out = []
    if isinstance(value, list):
        for h in value:
            if isinstance(h, dict) and isinstance(h.get("name"), str):
                v = h.get("value")
                out.append((h["name"], v if isinstance(v, str) else "" if v is None else str(v)))
    return out


def _post_data(i: int, pd: Any, notes: _Notes) -> tuple[bytes | None, str | None]:
    if not isinstance(pd, dict):
        return None, None
    mime = pd.get("mimeType") if isinstance(pd.get("mimeType"), str) else None
    text = pd.get("text")
    if isinstance(text, str) and text:
        if str(pd.get("encoding", "")).lower() == "base64":
            try:
                return base64.b64decode(text, validate=False), mime
            except (binascii.Error, ValueError):
                notes.add(f"entry {i}: postData marked base64 is not Base64; scanned as text")
        return _text_bytes(text), mime
    params = _pairs(pd.get("params"))
    if params:  # only the decoded form fields were kept: rebuild a form body
        from urllib.parse import urlencode

        return urlencode(params).encode(), "application/x-www-form-urlencoded"
    return None, mime


def _response_hits(i: int, resp: dict[str, Any], matcher: PiMatcher, notes: _Notes) -> list:
    content = resp.get("content")
    if not isinstance(content, dict) or not isinstance(content.get("text"), str) or not content["text"]:
        return []
    text = content["text"]
    if len(text) > MAX_RESPONSE_SCAN:
        return []
    data = _text_bytes(text)
    if str(content.get("encoding", "")).lower() == "base64":
        try:
            data = base64.b64decode(text)
        except (binascii.Error, ValueError):
            notes.add(f"entry {i}: response content marked base64 is not Base64")
    return matcher.scan(data, "response")


def _text_bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _epoch(value: Any) -> float:
    if not isinstance(value, str) or not value:
        return math.nan
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return math.nan
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


# --------------------------------------------------------------------------------------------
# Reading and errors
# --------------------------------------------------------------------------------------------


class _Notes:
    def __init__(self, target: list[str]) -> None:
        self._target = target
        self._dropped = 0

    def add(self, note: str) -> None:
        if len(self._target) < MAX_NOTES:
            self._target.append(note)
        else:
            self._dropped += 1

    def finish(self) -> None:
        if self._dropped:
            self._target.append(f"{self._dropped} more notes like the above were left out")


class _CountingReader:
    """Counts the bytes handed to the parser and keeps the last two chunks, to locate an error."""

    def __init__(self, f: Any, start: int) -> None:
        f.seek(start)
        self._f = f
        self.pos = start
        self.window = b""
        self.window_start = start

    def read(self, n: int = -1) -> bytes:
        b = self._f.read(n)
        keep = self.window[-BUF_SIZE:]
        self.window_start = self.pos - len(keep)
        self.window = keep + b
        self.pos += len(b)
        return b


def _check_start(f: Any, path: str) -> int:
    """Offset of the JSON text (after a BOM); refuses what cannot be a HAR before parsing."""
    head = f.read(4096)
    if not head:
        raise InputError("empty file, not a HAR", path)
    start = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    stripped = head[start:].lstrip()
    if not stripped:
        raise InputError("only whitespace, not a HAR", path)
    if stripped[:1] != b"{":
        raise InputError("not a HAR: the file does not start with a JSON object", path)
    return start


def _has_entries(ijson: Any, path: str, start: int) -> bool:
    with open(path, "rb") as f:
        f.seek(start)
        try:
            for prefix, event, _value in ijson.parse(f, buf_size=BUF_SIZE):
                if prefix == "log.entries" and event == "start_array":
                    return True
        except ijson.JSONError:
            return False
    return False


def _error_position(path: str, reader: _CountingReader, message: str) -> tuple[int, str]:
    first = message.strip().splitlines()[0] if message.strip() else "invalid JSON"
    reason = first.split(":", 1)[-1].strip() or first
    if "premature EOF" in message:
        return reader.pos, "the file ends inside the JSON (truncated)"
    size = os.path.getsize(path)
    if size <= EXACT_OFFSET_LIMIT:
        with open(path, "rb") as f:
            raw = f.read()
        start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
        try:
            text = raw[start:].decode("utf-8")
        except UnicodeDecodeError as e:
            return start + e.start, "bytes that are not UTF-8"
        try:
            json.loads(text)
        except json.JSONDecodeError as e:
            return start + len(text[: e.pos].encode("utf-8")), e.msg
        except RecursionError:
            pass
    # yajl shows the text around the error and a caret under it: find that text in the last chunks read.
    lines = message.splitlines()
    for k, line in enumerate(lines[:-1]):
        caret = lines[k + 1]
        if "^" in caret and line.strip():
            snippet = line.strip().encode("utf-8", "replace")
            lead = len(line) - len(line.lstrip())
            at = reader.window.find(snippet)
            if at >= 0 and reader.window.find(snippet, at + 1) < 0:
                return reader.window_start + at + max(0, caret.index("^") - lead), reason
    return reader.pos, f"{reason} (within the {BUF_SIZE // 1024} KiB before this offset)"


def _ijson() -> Any:
    try:
        import ijson
    except ImportError:
        raise InputError("reading HAR files needs the ijson package: pip install ijson") from None
    return ijson
