"""What to audit: a folder of apps, a list file, or a manifest (.csv / .jsonl)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import stat
from dataclasses import dataclass, field

from privaudit.errors import InputError

APP_SUFFIXES = (".apk", ".apks", ".xapk", ".aab")
MAX_LIST_BYTES = 1 << 30  # a list file or manifest is read whole
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://|::")  # a protocol (two letters at least: C:\ is a path) or a chain


def is_url(path: str | None) -> bool:
    """An input named by URL (s3://, http(s)://, file://, fsspec chains): fetched by the worker (batch/fetch.py)."""
    return bool(path) and bool(_URL.search(path))


MANIFEST_KEYS = ("apk", "policy", "trace", "network", "ui", "app_type")


@dataclass(slots=True)
class Job:
    apk: str
    policy: str | None = None
    traces: list[str] = field(default_factory=list)
    network: list[str] = field(default_factory=list)
    ui: list[str] = field(default_factory=list)
    app_type: str | None = None

    def to_dict(self) -> dict:
        return {"apk": self.apk, "policy": self.policy, "trace": list(self.traces), "network": list(self.network),
                "ui": list(self.ui), "app_type": self.app_type}

    @classmethod
    def from_dict(cls, d: dict) -> Job:
        return cls(apk=d["apk"], policy=d.get("policy"), traces=list(d.get("trace") or []),
                   network=list(d.get("network") or []), ui=list(d.get("ui") or []), app_type=d.get("app_type"))

    def inputs_key(self) -> str:
        """Hash of the other inputs' paths, sizes and modification times (and the app type): a changed input
        means a new run (as make and rsync decide; hashing every trace and capture would read gigabytes)."""
        def sized(path: str) -> list:
            if is_url(path):
                return [path, None]
            try:
                st = os.stat(path)
                return [os.path.abspath(path), st.st_size, st.st_mtime_ns]
            except OSError:
                return [os.path.abspath(path), None]

        parts = {
            "policy": sized(self.policy) if self.policy and not self.policy.startswith(("http://", "https://"))
            else self.policy,
            "trace": [sized(p) for p in self.traces],
            "network": [sized(p) for p in self.network],
            "ui": [sized(p) for p in self.ui],
            "app_type": self.app_type,
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def apk_sha256(path: str) -> str:
    """SHA-256 of an app file, read by the parent. Refuses non-regular files (a FIFO would block the parent)."""
    try:
        fh = open(path, "rb", buffering=0) if _is_regular(path) else None
    except OSError as exc:
        raise InputError(f"cannot open ({exc.strerror or exc})", path) from None
    if fh is None:
        raise InputError("not a regular file", path)
    h = hashlib.sha256()
    with fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError as exc:
        raise InputError(f"cannot open ({exc.strerror or exc})", path) from None


def collect_jobs(source: str) -> list[Job]:
    """The jobs named by ``source``: a folder, a .csv or .jsonl manifest, an app file, or a list file."""
    if os.path.isdir(source):
        found = []
        for root, dirs, files in os.walk(source):
            dirs.sort()
            found += [os.path.join(root, f) for f in sorted(files) if f.lower().endswith(APP_SUFFIXES)]
        if not found:
            raise InputError("no .apk/.apks/.xapk/.aab files under this folder", source)
        return [Job(apk=p) for p in found]
    if not os.path.isfile(source):
        raise InputError("no such file or folder", source)
    lower = source.lower()
    if lower.endswith(APP_SUFFIXES):
        return [Job(apk=source)]
    base = os.path.dirname(os.path.abspath(source))
    try:
        with open(source, "rb") as raw:
            data = raw.read(MAX_LIST_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", source) from None
    if len(data) > MAX_LIST_BYTES:  # never a silently cut list: ten million apps fit well under this
        raise InputError(f"list or manifest larger than {MAX_LIST_BYTES >> 20} MiB: split it", source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # Excel on Chinese Windows saves CSV in the local code page (GBK; GB18030 is its superset)
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError("not a text list or manifest (neither UTF-8 nor GBK/GB18030)", source) from None
    import io

    try:
        with io.StringIO(text, newline="") as fh:
            if lower.endswith(".csv"):
                reader = csv.DictReader(fh)
                header = [h.strip() for h in reader.fieldnames or []]
                dup = sorted({h for h in header if header.count(h) > 1})
                if dup:
                    raise InputError(f"manifest header repeats {', '.join(dup)}", source)
                rows = list(reader)
                if rows and "apk" not in rows[0]:
                    raise InputError("manifest has no 'apk' column (header: apk,policy,trace,network,ui,app_type)",
                                     source)
            elif lower.endswith(".jsonl"):
                rows = []
                for n, line in enumerate(fh, 1):
                    if line.strip():
                        try:
                            row = json.loads(line)
                        except json.JSONDecodeError as exc:
                            raise InputError(f"line {n}: not JSON ({exc.msg})", source) from None
                        if not isinstance(row, dict):
                            raise InputError(f"line {n}: not a JSON object", source)
                        rows.append(row)
            else:
                rows = [{"apk": ln.strip()} for ln in fh if ln.strip() and not ln.lstrip().startswith("#")]
    except csv.Error as exc:
        raise InputError(f"not a readable CSV ({exc})", source) from None
    jobs = []
    for n, row in enumerate(rows, 1):
        extra = set(row) - set(MANIFEST_KEYS) - {None}
        if extra:
            raise InputError(f"row {n}: unknown key(s) {', '.join(sorted(map(str, extra)))}", source)
        try:
            apk = _value(row.get("apk"))
            policy, app_type = _value(row.get("policy")), _value(row.get("app_type"))
            traces, network, ui = _many(row.get("trace")), _many(row.get("network")), _many(row.get("ui"))
        except InputError as exc:
            raise InputError(f"row {n}: {exc}", source) from None
        if not apk:
            raise InputError(f"row {n}: no apk", source)

        def path(v: str | None) -> str | None:
            if not v or is_url(v):
                return v
            return v if os.path.isabs(v) else os.path.join(base, v)

        jobs.append(Job(apk=path(apk), policy=path(policy), traces=[path(v) for v in traces],
                        network=[path(v) for v in network], ui=[path(v) for v in ui], app_type=app_type))
    if not jobs:
        raise InputError("no apps listed", source)
    return jobs


def _value(v) -> str | None:
    if v is None:
        return None
    if not isinstance(v, str):
        raise InputError(f"expected a string, got {type(v).__name__}")
    return v.strip() or None


def _many(v) -> list[str]:
    """One path, or several: a JSON list, or ';'-separated in a CSV cell."""
    if isinstance(v, list):
        return [x for x in (_value(i) for i in v) if x]
    s = _value(v)
    return [p.strip() for p in s.split(";") if p.strip()] if s else []
