"""Uploaded files: stored under the data dir by their SHA-256, never by the client's name.

The client's file name is kept only as a display string: its last path component, control and format
characters (bidi overrides, zero-width marks) removed, length-capped. Pages escape it like any other input.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

from privaudit.errors import InputError
from privaudit.serve.settings import Settings
from privaudit.store.db import Store

DISPLAY_NAME_MAX = 120
HASH_NAME = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class StoredFile:
    sha256: str
    path: str
    size: int


class TooLarge(InputError):
    """An uploaded file over its limit."""


def display_name(raw: str | None, fallback: str = "upload") -> str:
    """A client's file name made safe to show: no path, no control/format/unassigned characters, at most
    ``DISPLAY_NAME_MAX`` characters."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch if unicodedata.category(ch)[0] not in "CZ" or ch == " " else
                   (" " if unicodedata.category(ch).startswith("Z") else "") for ch in name)
    name = " ".join(name.split()).strip(" .")
    if len(name) > DISPLAY_NAME_MAX:
        name = name[:DISPLAY_NAME_MAX - 1] + "…"
    return name or fallback


def store_upload(src: BinaryIO, upload_dir: str, limit: int, what: str) -> StoredFile:
    """Copy ``src`` into ``upload_dir/<sha256>`` (atomically; an identical file already there is kept).

    Raises ``TooLarge`` past ``limit`` bytes, leaving nothing behind.
    """
    os.makedirs(upload_dir, mode=0o700, exist_ok=True)
    h = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(prefix=".part-", dir=upload_dir)
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"{what} larger than {limit} bytes")
                h.update(chunk)
                out.write(chunk)
        digest = h.hexdigest()
        path = os.path.join(upload_dir, digest)
        if os.path.exists(path):
            os.unlink(tmp)
        else:
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        return StoredFile(sha256=digest, path=path, size=size)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@dataclass(frozen=True, slots=True)
class Part:
    """One uploaded file as the form parser gives it: the client's name and a readable file."""

    filename: str | None
    file: BinaryIO


def queue_upload(store: Store, settings: Settings, apk: Part, policy: Part | None, traces: list[Part],
                 network: list[Part], app_type: str | None, ui: Part | None = None) -> int:
    """Store the files by hash and queue an audit of them; the run's id.

    ``ui`` is a UI exploration run as one archive (zip, tar, tar.gz: a zipped DroidBot output folder or folder of
    uiautomator dumps); it counts towards the evidence limit and is unpacked by the audit, not here.

    Raises ``TooLarge`` (an app file over ``max_apk_bytes``, or evidence over ``max_evidence_bytes`` together)
    or ``InputError`` (an unknown app type). Whether the files are what they claim is the audit's business: a
    broken app file (or UI archive) is a run with status ``error``.
    """
    from privaudit import __version__
    from privaudit.audit import resolve_app_type
    from privaudit.batch.jobs import Job

    app_type = (app_type or "").strip() or None
    if app_type is not None:
        app_type = resolve_app_type(app_type)["id"]
    stored = store_upload(apk.file, settings.upload_dir, settings.max_apk_bytes, "the app file")
    budget = settings.max_evidence_bytes

    def evidence(part: Part, what: str) -> str:
        nonlocal budget
        f = store_upload(part.file, settings.upload_dir, budget, f"the evidence files together ({what})")
        budget -= f.size
        return f.path

    job = Job(apk=stored.path, policy=evidence(policy, "policy") if policy else None,
              traces=[evidence(p, "trace") for p in traces], network=[evidence(p, "network") for p in network],
              ui=[evidence(ui, "UI run")] if ui else [], app_type=app_type)
    names = {"apk": display_name(apk.filename, "app.apk"),
             "policy": display_name(policy.filename, "policy") if policy else None,
             "trace": [display_name(p.filename, "trace") for p in traces],
             "network": [display_name(p.filename, "network") for p in network],
             "ui": [display_name(ui.filename, "ui-run.zip")] if ui else []}
    return store.queue(sha256=stored.sha256, source=names["apk"], inputs_key=job.inputs_key(),
                       tool_version=__version__, job={**job.to_dict(), "sha256": stored.sha256, "names": names})
