"""The one zip reader: reads members of APKs, split sets and bundles in memory, never to disk.

It reads the way Android's own loader does rather than the way ``zipfile`` does:
sizes come from the central directory (so data descriptors and lying local headers do not
matter), bytes prepended to the archive are tolerated, an unknown compression method whose
sizes match is read as stored, and the first of duplicate names wins (the others are kept
as a note, since duplicates are a known tampering trick).

It refuses what is hostile: names that climb out of the archive or are absolute, members
whose inflated size passes a cap or whose compression ratio is absurd (zip bombs), and
central directories with absurd counts or offsets. Every refusal is an ``UnsafeInput`` or
``MalformedInput`` with a one-line message.
"""

from __future__ import annotations

import mmap
import os
import struct
import zlib
from dataclasses import dataclass

from privaudit.errors import InputError, MalformedInput, UnsafeInput

EOCD_SIG = b"PK\x05\x06"
ZIP64_LOCATOR_SIG = b"PK\x06\x07"
ZIP64_EOCD_SIG = b"PK\x06\x06"
CDH_SIG = b"PK\x01\x02"
LFH_SIG = b"PK\x03\x04"

MAX_ENTRIES = 500_000
MAX_MEMBER_SIZE = 512 * 1024 * 1024  # inflated bytes of one member
MAX_RATIO = 200  # inflated/compressed, above which a large member is a bomb
RATIO_FLOOR = 16 * 1024 * 1024  # members smaller than this are never judged by ratio
MAX_TOTAL = 2 * 1024 * 1024 * 1024  # inflated bytes read from one archive


@dataclass(slots=True, eq=False)
class ZipMember:
    name: str
    method: int
    flags: int
    crc: int
    compressed_size: int
    size: int
    header_offset: int  # local header offset, already corrected for prepended bytes


class ZipArchive:
    """A read-only view of a zip held in memory or memory-mapped from a file."""

    def __init__(self, data: bytes | mmap.mmap | memoryview, label: str) -> None:
        self.label = label
        self._buf = data
        self.members: dict[str, ZipMember] = {}
        self.duplicates: list[str] = []
        self.prefix_bytes = 0
        self._budget = MAX_TOTAL
        self.central_directory_offset = 0  # where the central directory starts in the buffer
        self._read_directory()

    @classmethod
    def open(cls, path: str) -> ZipArchive:
        """Map ``path`` without reading it whole; raises InputError for anything not a zip."""
        if os.path.isdir(path):
            raise InputError("is a directory, not an app file", path)
        try:
            fh = open(path, "rb")
        except OSError as exc:
            raise InputError(f"cannot open ({exc.strerror or exc})", path) from None
        with fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                raise InputError("empty file", path)
            if size < 22:
                raise MalformedInput("not a zip archive (too short)", path)
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        return cls(buf, path)

    # -- directory -------------------------------------------------------------------------

    def _fail(self, what: str) -> MalformedInput:
        return MalformedInput(f"not a readable zip archive: {what}", self.label)

    def _read_directory(self) -> None:
        buf = self._buf
        size = len(buf)
        tail_start = max(0, size - (65535 + 22))
        eocd = _rfind(buf, EOCD_SIG, tail_start, size)
        if eocd < 0:
            raise self._fail("no end-of-central-directory record")
        if eocd + 22 > size:
            raise self._fail("truncated end-of-central-directory record")
        (_, _, _, _, count, cd_size, cd_offset, _) = struct.unpack_from("<4sHHHHIIH", buf, eocd)
        if count == 0xFFFF or cd_offset == 0xFFFFFFFF or cd_size == 0xFFFFFFFF:
            count, cd_size, cd_offset = self._zip64(eocd, count, cd_size, cd_offset)
        if count > MAX_ENTRIES:
            raise UnsafeInput(f"zip declares {count} entries (limit {MAX_ENTRIES})", self.label)
        cd_end = eocd
        cd_start = cd_end - cd_size
        if cd_start < 0:
            raise self._fail("central directory larger than the file")
        # Bytes prepended to the archive shift every offset by the same amount.
        self.prefix_bytes = cd_start - cd_offset
        if self.prefix_bytes < 0:
            raise self._fail("central directory offset points past its end")
        self.central_directory_offset = cd_start
        pos = cd_start
        for _ in range(count):
            if pos + 46 > cd_end or buf[pos : pos + 4] != CDH_SIG:
                raise self._fail("central directory entry out of place")
            (flags, method, crc, csize, usize, nlen, xlen, clen, hoff) = _cdh(buf, pos)
            raw_name = bytes(buf[pos + 46 : pos + 46 + nlen])
            if xlen and (csize == 0xFFFFFFFF or usize == 0xFFFFFFFF or hoff == 0xFFFFFFFF):
                csize, usize, hoff = _zip64_extra(buf[pos + 46 + nlen : pos + 46 + nlen + xlen],
                                                  csize, usize, hoff)
            pos += 46 + nlen + xlen + clen
            if pos > cd_end:
                raise self._fail("central directory entry runs past its end")
            name = _decode_name(raw_name, flags)
            _check_name(name, self.label)
            if name in self.members:
                self.duplicates.append(name)
                continue
            self.members[name] = ZipMember(name, method, flags, crc, csize, usize, hoff + self.prefix_bytes)

    def _zip64(self, eocd: int, count: int, cd_size: int, cd_offset: int) -> tuple[int, int, int]:
        loc = eocd - 20
        if loc < 0 or self._buf[loc : loc + 4] != ZIP64_LOCATOR_SIG:
            return count, cd_size, cd_offset
        (z64_off,) = struct.unpack_from("<Q", self._buf, loc + 8)
        if z64_off + 56 > len(self._buf) or self._buf[z64_off : z64_off + 4] != ZIP64_EOCD_SIG:
            raise self._fail("broken zip64 end record")
        (count, _, cd_size, cd_offset) = struct.unpack_from("<QQQQ", self._buf, z64_off + 24)
        return count, cd_size, cd_offset

    # -- members ---------------------------------------------------------------------------

    def names(self) -> list[str]:
        return list(self.members)

    def __contains__(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str, limit: int = MAX_MEMBER_SIZE) -> bytes:
        """The inflated bytes of member ``name``, refusing more than ``limit`` bytes.

        Inflation stops at the size the central directory declares, so a member that lies about
        its size cannot make us inflate more than it claimed; the archive as a whole may inflate at
        most ``MAX_TOTAL`` bytes however many members are read.
        """
        m = self.members[name]
        start = self._data_start(m)
        end = start + m.compressed_size
        if end > len(self._buf):
            raise MalformedInput(f"member {name!r} is truncated", self.label)
        if m.size > limit:
            raise UnsafeInput(f"member {name!r} declares {m.size} bytes (limit {limit})", self.label)
        if m.size > RATIO_FLOOR and m.size > MAX_RATIO * max(1, m.compressed_size):
            raise UnsafeInput(f"member {name!r} has compression ratio {m.size // max(1, m.compressed_size)}:1 "
                              "(zip bomb?)", self.label)
        if m.size > self._budget:
            raise UnsafeInput(f"archive inflates past {MAX_TOTAL} bytes (zip bomb?)", self.label)
        self._budget -= m.size
        raw = self._buf[start:end]
        if m.method == 0 or (m.method != 8 and m.compressed_size == m.size):
            return bytes(raw)
        if m.method != 8:
            raise MalformedInput(f"member {name!r} uses unsupported compression {m.method}", self.label)
        d = zlib.decompressobj(-15)
        try:
            out = d.decompress(raw, m.size + 1)
        except zlib.error as exc:
            raise MalformedInput(f"member {name!r} does not inflate ({exc})", self.label) from None
        if len(out) > m.size or d.unconsumed_tail:
            raise UnsafeInput(f"member {name!r} inflates past its declared {m.size} bytes (zip bomb?)",
                              self.label)
        return out

    def _data_start(self, m: ZipMember) -> int:
        off = m.header_offset
        if off < 0 or off + 30 > len(self._buf) or self._buf[off : off + 4] != LFH_SIG:
            raise MalformedInput(f"member {m.name!r} has no local header", self.label)
        nlen, xlen = struct.unpack_from("<HH", self._buf, off + 26)
        return off + 30 + nlen + xlen

    def data_offset(self, name: str) -> int:
        """Byte offset of the member's stored data in the archive file (for provenance)."""
        return self._data_start(self.members[name])


def _cdh(buf: bytes | mmap.mmap, pos: int) -> tuple[int, ...]:
    flags, method = struct.unpack_from("<HH", buf, pos + 8)
    crc, csize, usize, nlen, xlen, clen = struct.unpack_from("<IIIHHH", buf, pos + 16)
    (hoff,) = struct.unpack_from("<I", buf, pos + 42)
    return flags, method, crc, csize, usize, nlen, xlen, clen, hoff


def _zip64_extra(extra: bytes, csize: int, usize: int, hoff: int) -> tuple[int, int, int]:
    i = 0
    while i + 4 <= len(extra):
        tag, ln = struct.unpack_from("<HH", extra, i)
        body = extra[i + 4 : i + 4 + ln]
        if tag == 0x0001:
            vals = [struct.unpack_from("<Q", body, j)[0] for j in range(0, len(body) - 7, 8)]
            it = iter(vals)
            if usize == 0xFFFFFFFF:
                usize = next(it, usize)
            if csize == 0xFFFFFFFF:
                csize = next(it, csize)
            if hoff == 0xFFFFFFFF:
                hoff = next(it, hoff)
            break
        i += 4 + ln
    return csize, usize, hoff


def _decode_name(raw: bytes, flags: int) -> str:
    if flags & 0x800:
        return raw.decode("utf-8", "replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _check_name(name: str, label: str) -> None:
    if "\x00" in name:
        raise UnsafeInput(f"zip entry name contains a NUL byte: {name!r}", label)
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise UnsafeInput(f"zip entry has an absolute path: {name!r}", label)
    if ".." in norm.split("/"):
        raise UnsafeInput(f"zip entry climbs out of the archive: {name!r}", label)


def _rfind(buf: bytes | mmap.mmap, sig: bytes, start: int, end: int) -> int:
    """Last EOCD signature in [start, end) whose comment length fits the file."""
    pos = buf.rfind(sig, start, end)
    while pos >= 0:
        if pos + 22 <= end:
            (clen,) = struct.unpack_from("<H", buf, pos + 20)
            if pos + 22 + clen <= end:
                return pos
        pos = buf.rfind(sig, start, pos)
    return -1
