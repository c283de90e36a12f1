"""Inputs given by URL (``s3://``, ``gs://``, ``http(s)://``, ``file://``, ``memory://``…), read through fsspec.

A batch job may name its app, traces, captures and UI runs by URL. The worker copies each into a private
temporary folder (same file name, so formats are still recognised by their extension), audits the copies and
removes the folder. A policy given as an http(s) URL is not fetched here: the audit reads a policy page itself
(``scan --policy URL``), with its own timeout and size cap. The parent streams the app's URL once more for the
SHA-256 that makes a batch resumable.

fsspec is imported only when a job has a URL; credentials come from fsspec's usual places (environment,
``~/.aws``, ``~/.config/gcloud``…), never from privaudit. Messages name a URL without its password or signature.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from privaudit.batch.jobs import Job, is_url
from privaudit.errors import InputError
from privaudit.evidence.apk.zipread import MAX_TOTAL
from privaudit.urls import redact

# Bytes fetched per input: an app is refused beyond what the zip reader would inflate from one archive.
MAX_FETCH = MAX_TOTAL


def fetched_by_worker(path: str | None, kind: str) -> bool:
    """Whether the worker copies this input: a URL, except an http(s) policy (the audit reads those itself)."""
    if not is_url(path):
        return False
    return not (kind == "policy" and path.lower().startswith(("http://", "https://")))


def public_job(job: Job) -> tuple[str, dict[str, Any]]:
    """The app's name and the job as stored: URLs redacted (the store is read by others; credentials stay out)."""
    def r(v: str | None) -> str | None:
        return redact(v) if v and is_url(v) else v

    d = job.to_dict()
    return r(job.apk) or job.apk, {k: ([r(x) for x in v] if isinstance(v, list) else r(v) if k != "app_type" else v)
                                   for k, v in d.items()}


@contextmanager
def fetched(job: Job, names: dict[str, str] | None = None, limit: int = MAX_FETCH) -> Iterator[Job]:
    """The job with every URL input (see ``fetched_by_worker``) replaced by a local copy, removed on exit.

    ``names`` receives local path -> redacted URL, to put the URLs back into the report and messages. A URL
    that cannot be read, or is larger than ``limit`` bytes, is an ``InputError`` naming the URL.
    """
    if not any(fetched_by_worker(p, kind) for kind, p in _inputs(job)):
        yield job
        return
    names = {} if names is None else names
    tmp = tempfile.mkdtemp(prefix="privaudit-fetch-")
    try:
        count = iter(range(1 << 30))

        def local(path: str | None, kind: str) -> str | None:
            if not fetched_by_worker(path, kind):
                return path
            dest = os.path.join(tmp, str(next(count)))
            os.mkdir(dest, 0o700)
            copy = _fetch(path, dest, tree=(kind == "ui"), limit=limit)
            names[copy] = redact(path)
            return copy

        yield Job(apk=local(job.apk, "apk"), policy=local(job.policy, "policy"),
                  traces=[local(p, "trace") for p in job.traces], network=[local(p, "network") for p in job.network],
                  ui=[local(p, "ui") for p in job.ui], app_type=job.app_type)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def url_sha256(url: str, limit: int = MAX_FETCH) -> str:
    """SHA-256 of the object at ``url``, streamed (the parent's resume key for an app given by URL)."""
    h = hashlib.sha256()
    with _open(url, limit) as src:
        _stream(src, h.update, url, limit)
    return h.hexdigest()


def _inputs(job: Job) -> Iterator[tuple[str, str | None]]:
    yield "apk", job.apk
    yield "policy", job.policy
    yield from (("trace", p) for p in job.traces)
    yield from (("network", p) for p in job.network)
    yield from (("ui", p) for p in job.ui)


def _filesystem(url: str) -> tuple[Any, str]:
    try:
        import fsspec
    except ImportError:
        raise InputError("inputs by URL need fsspec: pip install 'privaudit[dask]'", redact(url)) from None
    try:
        return fsspec.core.url_to_fs(url)
    except ImportError as exc:  # a protocol whose backend is not installed (s3fs, gcsfs, aiohttp for http…)
        raise InputError(f"cannot fetch: {_one_line(exc)}", redact(url)) from None
    except (ValueError, KeyError) as exc:
        raise InputError(f"cannot fetch: not a URL fsspec knows ({_one_line(exc)})", redact(url)) from None


def _open(url: str, limit: int = MAX_FETCH) -> BinaryIO:
    fs, path = _filesystem(url)
    # http(s): a plain stream (block_size 0) needs no range requests, which many servers do not answer.
    extra = {"block_size": 0} if url.lower().startswith(("http://", "https://")) else {}
    try:
        src = fs.open(path, "rb", **extra)
    except Exception as exc:  # each backend raises its own kinds (FileNotFoundError, ClientError, HTTPError…)
        raise InputError(f"cannot fetch ({type(exc).__name__}: {_one_line(exc)})", redact(url)) from None
    size = getattr(src, "size", None)
    if isinstance(size, int) and size > limit:
        src.close()
        raise InputError(f"is {size} bytes (limit {limit})", redact(url))
    return src


def _stream(src: BinaryIO, sink: Any, url: str, limit: int) -> int:
    total = 0
    try:
        while chunk := src.read(1 << 20):
            total += len(chunk)
            if total > limit:
                raise InputError(f"larger than {limit} bytes (limit)", redact(url))
            sink(chunk)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot fetch ({type(exc).__name__}: {_one_line(exc)})", redact(url)) from None
    return total


def _fetch(url: str, dest: str, *, tree: bool, limit: int) -> str:
    """Copy ``url`` into the folder ``dest``; the local path. ``tree``: a folder (a UI run), copied whole."""
    name = _file_name(url)
    if not tree:
        target = os.path.join(dest, name)
        with _open(url, limit) as src, open(target, "xb") as out:
            _stream(src, out.write, url, limit)
        return target
    fs, root = _filesystem(url)
    try:
        members = sorted(fs.find(root, withdirs=False))
    except Exception as exc:
        raise InputError(f"cannot list ({type(exc).__name__}: {_one_line(exc)})", redact(url)) from None
    if not members:
        raise InputError("no files under this folder URL", redact(url))
    target = os.path.join(dest, name)
    budget = limit
    prefix = root.rstrip("/") + "/"
    for member in members:
        rel = member[len(prefix):] if member.startswith(prefix) else os.path.basename(member)
        if not rel or rel.startswith("/") or ".." in rel.split("/"):
            raise InputError(f"member {rel!r} would leave the folder", redact(url))
        local = os.path.join(target, *rel.split("/"))
        os.makedirs(os.path.dirname(local), exist_ok=True)
        member_url = fs.unstrip_protocol(member)
        with _open(member_url, budget) as src, open(local, "xb") as out:
            budget -= _stream(src, out.write, member_url, budget)
    return target


def _file_name(url: str) -> str:
    """The URL's last path segment (its extension tells the readers the format), made safe as a file name."""
    link = next((part for part in url.split("::") if "://" in part), url)  # zip://a.apk::s3://b/c.zip: a.apk
    path = link.split("://", 1)[-1].split("?")[0].split("#")[0]
    name = os.path.basename(path.rstrip("/"))
    name = re.sub(r"[^\w.+-]", "_", urllib.parse.unquote(name)).lstrip(".")
    return name[:200] or "input"


_USERINFO = re.compile(r"(//[^/:@\s]+):[^@/\s]+@")
_SECRET_PARAM = re.compile(r"([?&][^=&\s]*(?:sig|token|secret|password|passwd|credential|key)[^=&\s]*=)[^&\s#]+",
                           re.IGNORECASE)


def _one_line(exc: BaseException) -> str:
    """A backend's message, on one line, with any URL in it redacted (they quote the URL they failed on)."""
    text = _SECRET_PARAM.sub(r"\1***", _USERINFO.sub(r"\1:***@", " ".join(str(exc).split())))
    return text[:300]
