"""A UI exploration run given as an archive (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``, also ``.tar.bz2``/``.tar.xz``):
unpacked, safely, into a private temporary folder that the loaders then read like any run folder.

The format is told by the content (zip magic, tar header, gzip/bzip2/xz magic), not by the file name: the web
service stores uploads under their hash, without an extension.

Refused, as one ``UnsafeInput``/``MalformedInput`` line naming the archive and the entry, with nothing left behind:
absolute paths, ``..`` components, drive letters, names with control characters or that do not decode; tar members
other than regular files and folders (symlinks, hard links, devices, FIFOs); encrypted zip members and zip
symlinks; two entries with one path; more than ``max_entries`` entries or ``max_bytes`` bytes unpacked, and zip
bombs: a member (over 1 MiB) or the whole archive (over 16 MiB unpacked) expanding more than ``max_ratio`` times.
Sizes and counts are checked from the headers (the zip central directory; each tar header before its data) and
again while the data is written (a header may lie). Truncated or corrupt archives and files that are no archive
are ``MalformedInput``. Files are written 0600, folders 0700, archive modes and owners ignored; modification
times are kept (a folder of uiautomator dumps is ordered by them). ``__MACOSX/`` entries are skipped.

When the archive holds exactly one top-level folder the run is that folder (a zipped DroidBot ``output/``).
"""

from __future__ import annotations

import lzma
import os
import re
import shutil
import stat
import struct
import tarfile
import tempfile
import time
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from privaudit.errors import MalformedInput, UnsafeInput

MAX_ENTRIES = 100_000
MAX_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 100  # unpacked / packed
RATIO_MEMBER_FLOOR = 1024 * 1024  # smaller members may compress as well as they like
RATIO_TOTAL_FLOOR = 16 * 1024 * 1024
CHUNK = 1 << 20
_CORRUPT = (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError, struct.error)  # bz2: OSError, ValueError
_DRIVE = re.compile(r"^[A-Za-z]:")
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")


def archive_kind(path: str) -> str | None:
    """``zip`` or ``tar`` (possibly compressed) by the file's first bytes, else None (a folder, a missing file or
    anything else)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return None
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return "zip"
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00":
        return "tar"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    try:
        if tarfile.is_tarfile(path):
            return "tar"
    except (OSError, tarfile.TarError, EOFError, ValueError):
        pass
    try:
        if zipfile.is_zipfile(path):  # a zip with something in front of it (a self-extractor)
            return "zip"
    except OSError:
        pass
    return None


def is_archive(path: str) -> bool:
    return archive_kind(path) is not None


@contextmanager
def opened_run(path: str, tmp_root: str | None = None, **limits: int) -> Iterator[str]:
    """The run folder of ``path``: ``path`` itself when it is a folder, else the archive unpacked into a private
    temporary folder under ``tmp_root`` (the system's by default), removed on leaving."""
    if os.path.isdir(path):
        yield path
        return
    dest = tempfile.mkdtemp(prefix="privaudit-ui-", dir=tmp_root)
    try:
        yield extract_run(path, dest, **limits)
    finally:
        shutil.rmtree(dest, ignore_errors=True)


def extract_run(path: str, dest: str, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES,
                max_ratio: int = MAX_RATIO) -> str:
    """Unpack the archive ``path`` into the folder ``dest`` (created 0700 if missing; it should be empty and
    private) and return the run folder: ``dest``, or its only top-level folder. On any error ``dest``'s content
    is removed (and ``dest`` itself if this call created it) before the error is raised."""
    kind = archive_kind(path)
    if kind is None:
        if not os.path.exists(path):
            raise MalformedInput("UI run: no such file or folder", path)
        raise MalformedInput("UI run: neither a folder nor a zip or tar archive (expected a DroidBot output folder "
                             "or a folder of uiautomator XML dumps, as such or archived)", path)
    created = not os.path.exists(dest)
    os.makedirs(dest, mode=0o700, exist_ok=True)
    ex = _Extractor(path, dest, max_entries, max_bytes, max_ratio)
    try:
        if kind == "zip":
            ex.zip()
        else:
            ex.tar()
        if ex.count == 0:
            raise MalformedInput("UI run archive: no files in it", path)
    except BaseException:
        if created:
            shutil.rmtree(dest, ignore_errors=True)
        else:
            for name in os.listdir(dest):
                p = os.path.join(dest, name)
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    os.unlink(p)
        raise
    names = os.listdir(dest)
    if len(names) == 1 and os.path.isdir(os.path.join(dest, names[0])):
        return os.path.join(dest, names[0])
    return dest


class _Extractor:
    def __init__(self, path: str, dest: str, max_entries: int, max_bytes: int, max_ratio: int) -> None:
        self.path, self.dest = path, dest
        self.max_entries, self.max_bytes, self.max_ratio = max_entries, max_bytes, max_ratio
        self.size = os.path.getsize(path)
        self.count = 0  # entries seen
        self.total = 0  # bytes written
        self.declared = 0  # bytes announced by the headers so far
        self.dirs: list[tuple[str, float]] = []

    # ---------------------------------------------------------------- errors

    def unsafe(self, entry: str, why: str) -> UnsafeInput:
        return UnsafeInput(f"UI run archive: entry {entry!r}: {why}; refused", self.path)

    def broken(self, entry: str | None, why: str) -> MalformedInput:
        where = f"at entry {entry!r}: " if entry else ""
        return MalformedInput(f"UI run archive: truncated or corrupt ({where}{why})", self.path)

    # ---------------------------------------------------------------- names and limits

    def target(self, raw: str) -> str | None:
        """The safe path under ``dest`` for an entry name, None for an entry to skip."""
        if _BAD_CHARS.search(raw):
            raise self.unsafe(raw, "its name has control characters or does not decode")
        name = raw.replace("\\", "/")
        if name.startswith("/"):
            raise self.unsafe(raw, "absolute path")
        if _DRIVE.match(name):
            raise self.unsafe(raw, "drive letter")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if ".." in parts:
            raise self.unsafe(raw, "'..' in its path")
        if any(":" in p for p in parts):
            raise self.unsafe(raw, "':' in its path (a drive or an alternate data stream)")
        if not parts or parts[0] == "__MACOSX" or parts[-1] == ".DS_Store":
            return None
        return os.path.join(self.dest, *parts)

    def counted(self, entry: str, size: int) -> None:
        self.count += 1
        if self.count > self.max_entries:
            raise self.unsafe(entry, f"more than {self.max_entries} entries in the archive")
        self.declared += max(size, 0)
        if self.declared > self.max_bytes:
            raise self.unsafe(entry, f"more than {self.max_bytes} bytes unpacked in all")

    def check_total(self, entry: str) -> None:
        if self.total > self.max_bytes:
            raise self.unsafe(entry, f"more than {self.max_bytes} bytes unpacked in all")
        if self.total > RATIO_TOTAL_FLOOR and self.total > self.max_ratio * max(self.size, 1):
            raise self.unsafe(entry, f"the archive expands more than {self.max_ratio} times (a zip bomb?)")

    # ---------------------------------------------------------------- writing

    def mkdir(self, target: str, mtime: float | None) -> None:
        rel = os.path.relpath(target, self.dest)
        cur = self.dest
        for part in rel.split(os.sep):
            cur = os.path.join(cur, part)
            try:
                os.mkdir(cur, 0o700)
            except FileExistsError:
                if os.path.islink(cur) or not os.path.isdir(cur):
                    raise self.unsafe(rel, "a file and a folder with one path") from None
        if mtime is not None:
            self.dirs.append((target, mtime))

    def write(self, entry: str, target: str, src: BinaryIO, size: int, mtime: float | None) -> None:
        self.mkdir(os.path.dirname(target), None)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
        try:
            fd = os.open(target, flags, 0o600)
        except FileExistsError:
            raise self.unsafe(entry, "two entries with one path") from None
        written = 0
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = src.read(CHUNK)
                if not chunk:
                    break
                written += len(chunk)
                self.total += len(chunk)
                if written > size:
                    raise self.unsafe(entry, f"more data than its header's {size} bytes")
                self.check_total(entry)
                out.write(chunk)
        if written != size:
            raise self.broken(entry, f"{written} of {size} bytes")
        if mtime is not None:
            try:
                os.utime(target, (mtime, mtime))
            except (OSError, OverflowError, ValueError):
                pass

    def finish(self) -> None:
        for target, mtime in reversed(self.dirs):
            try:
                os.utime(target, (mtime, mtime))
            except (OSError, OverflowError, ValueError):
                pass

    # ---------------------------------------------------------------- zip

    def zip(self) -> None:
        try:
            zf = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as exc:
            raise self.broken(None, str(exc) or type(exc).__name__) from None
        except UnicodeDecodeError:
            raise UnsafeInput("UI run archive: an entry's name is not valid UTF-8; refused", self.path) from None
        with zf:
            infos = zf.infolist()
            if len(infos) > self.max_entries:
                raise self.unsafe(infos[self.max_entries].filename,
                                  f"more than {self.max_entries} entries in the archive")
            plan = []
            for info in infos:  # every header checked before anything is written
                name = info.filename
                target = self.target(name)
                mode = info.external_attr >> 16
                if stat.S_ISLNK(mode):
                    raise self.unsafe(name, "a symbolic link")
                if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                    raise self.unsafe(name, "not a regular file or folder")
                if info.flag_bits & 0x1:
                    raise self.unsafe(name, "encrypted")
                self.counted(name, 0 if info.is_dir() else info.file_size)
                if (not info.is_dir() and info.file_size > RATIO_MEMBER_FLOOR
                        and info.file_size > self.max_ratio * max(info.compress_size, 1)):
                    raise self.unsafe(name, f"expands {info.file_size // max(info.compress_size, 1)} times "
                                            f"(over {self.max_ratio}: a zip bomb?)")
                if target is not None:
                    plan.append((info, target))
            for info, target in plan:
                mtime = _zip_mtime(info)
                if info.is_dir():
                    self.mkdir(target, mtime)
                    continue
                try:
                    with zf.open(info) as src:
                        self.write(info.filename, target, src, info.file_size, mtime)
                except (zipfile.BadZipFile, *_CORRUPT) as exc:
                    raise self.broken(info.filename, str(exc) or type(exc).__name__) from None
                except NotImplementedError as exc:
                    raise MalformedInput(f"UI run archive: entry {info.filename!r}: {exc}", self.path) from None
        self.finish()

    # ---------------------------------------------------------------- tar

    def tar(self) -> None:
        entry = None
        try:
            with open(self.path, "rb") as fh, tarfile.open(fileobj=fh, mode="r|*") as tf:
                for member in tf:
                    entry = member.name
                    if member.isreg():
                        self.counted(entry, member.size)
                        target = self.target(entry)
                        if target is None:
                            continue
                        src = tf.extractfile(member)
                        if src is None:
                            raise self.broken(entry, "no data")
                        self.write(entry, target, src, member.size, float(member.mtime))
                    elif member.isdir():
                        self.counted(entry, 0)
                        target = self.target(entry)
                        if target is not None:
                            self.mkdir(target, float(member.mtime))
                    else:
                        self.counted(entry, 0)
                        self.target(entry)
                        what = ("a symbolic link" if member.issym() else "a hard link" if member.islnk() else
                                "a device" if member.isdev() and not member.isfifo() else
                                "a FIFO" if member.isfifo() else "not a regular file or folder")
                        raise self.unsafe(entry, what)
                    entry = None
                # tarfile ends quietly where a header should be and the data stops: a tar cut between two
                # members. A complete one ends with two zero blocks, the first read as the end above.
                if tf.fileobj.read(512) == b"":
                    raise self.broken(None, "no end-of-archive marker")
        except (tarfile.TarError, *_CORRUPT) as exc:
            raise self.broken(entry, str(exc) or type(exc).__name__) from None
        self.finish()


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    """The member's modification time: the extended-timestamp extra field (0x5455, UTC seconds) when present,
    else the DOS date and time (local time, 2 s resolution)."""
    extra = info.extra
    i = 0
    while i + 4 <= len(extra):
        hid, ln = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4:i + 4 + ln]
        if hid == 0x5455 and len(body) >= 5 and body[0] & 1:
            return float(struct.unpack_from("<i", body, 1)[0])
        i += 4 + ln
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


__all__ = ["MAX_BYTES", "MAX_ENTRIES", "MAX_RATIO", "archive_kind", "extract_run", "is_archive", "opened_run"]
