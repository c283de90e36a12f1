"""What a server is started with: where the store and the uploads live, the write token, the limits."""

from __future__ import annotations

import os
from dataclasses import dataclass

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    """``db``: a path (SQLite) or a URL (PostgreSQL). ``data_dir``: uploaded files, named by SHA-256.

    ``max_apk_bytes`` caps the app file; ``max_evidence_bytes`` caps the other files of one upload together
    (policy, traces, captures). A request body may be at most their sum plus ``FORM_OVERHEAD`` bytes.
    ``workers``: background audits at once (0: uploads are queued and audited by another server).
    ``session_seconds``: how long a login (the browser's cookie) lasts.
    """

    db: str
    data_dir: str
    token: str
    max_apk_bytes: int = 200 * MIB
    max_evidence_bytes: int = 200 * MIB
    audit_timeout: float = 300.0
    max_memory_mb: int | None = 4096
    workers: int = 1
    session_seconds: int = 12 * 3600

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("the write token must not be empty")
        if self.workers < 0:
            raise ValueError("workers must be 0 or more")
        if self.session_seconds < 1:
            raise ValueError("session_seconds must be 1 or more")

    @property
    def upload_dir(self) -> str:
        return os.path.join(self.data_dir, "uploads")

    @property
    def max_body_bytes(self) -> int:
        return self.max_apk_bytes + self.max_evidence_bytes + FORM_OVERHEAD


FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers, the app type field
SMALL_BODY_BYTES = 16 * 1024  # any other write (the login form)
