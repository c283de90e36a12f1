"""URLs in messages, reports and the store: shown without their credentials."""

from __future__ import annotations

import re
import urllib.parse

_SECRET_KEYS = re.compile(r"sig|signature|token|secret|password|passwd|credential|key", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL for messages and reports: no password, no signature or token in the query string."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return url.split("@")[-1]
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        netloc = (user.split(":", 1)[0] + ":***@" if ":" in user else user + "@") + host
    query = "&".join(f"{k}=***" if _SECRET_KEYS.search(k) else (f"{k}={v}" if v else k)
                     for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
