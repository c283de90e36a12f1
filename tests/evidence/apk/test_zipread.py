"""The zip reader on archives built here: what Android tolerates is read, what is hostile is refused."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from privaudit.errors import InputError, MalformedInput, UnsafeInput
from privaudit.evidence.apk.zipread import ZipArchive


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _write(tmp_path, name: str, data: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


def test_reads_members_in_memory(tmp_path):
    path = _write(tmp_path, "a.apk", _zip({"AndroidManifest.xml": b"x" * 100, "classes.dex": b"dex\n035\x00"}))
    z = ZipArchive.open(path)
    assert sorted(z.names()) == ["AndroidManifest.xml", "classes.dex"]
    assert z.read("AndroidManifest.xml") == b"x" * 100
    assert list(tmp_path.iterdir()) == [tmp_path / "a.apk"]  # nothing extracted


def test_zip_bomb_declared_size_refused(tmp_path):
    # 600 MiB of zeros deflates to well under a megabyte.
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = b"\0" * (1 << 20)
    raw = b"".join(comp.compress(chunk) for _ in range(600)) + comp.flush()
    size = 600 << 20
    name = b"classes.dex"
    crc = 0
    lfh = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), size, len(name), 0) + name
    cdh = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(raw), size,
                      len(name), 0, 0, 0, 0, 0, 0) + name
    body = lfh + raw
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(cdh), len(body), 0)
    path = _write(tmp_path, "bomb.apk", body + cdh + eocd)
    z = ZipArchive.open(path)
    with pytest.raises(UnsafeInput, match="zip bomb|limit"):
        z.read("classes.dex")


def test_member_lying_about_its_size_is_refused(tmp_path):
    data = _zip({"classes.dex": b"A" * 200_000})
    # Patch the central directory's uncompressed size down to 1000 bytes.
    cd = data.rindex(b"PK\x01\x02")
    data = data[: cd + 24] + struct.pack("<I", 1000) + data[cd + 28 :]
    z = ZipArchive.open(_write(tmp_path, "lie.apk", data))
    with pytest.raises(UnsafeInput, match="declared"):
        z.read("classes.dex")


@pytest.mark.parametrize("name", ["../evil.so", "a/../../evil.so", "/etc/passwd", "C:\\x.dll", "lib\\..\\..\\x"])
def test_path_tricks_refused(tmp_path, name):
    data = _zip({"AndroidManifest.xml": b"m", name: b"x"})
    with pytest.raises(UnsafeInput):
        ZipArchive.open(_write(tmp_path, "trick.apk", data))


def test_prepended_bytes_tolerated(tmp_path):
    data = b"JUNK" * 100 + _zip({"classes.dex": b"hello"})
    z = ZipArchive.open(_write(tmp_path, "pre.apk", data))
    assert z.prefix_bytes == 400
    assert z.read("classes.dex") == b"hello"


def test_duplicate_names_first_wins(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf, pytest.warns(UserWarning):
        zf.writestr("classes.dex", b"first")
        zf.writestr("classes.dex", b"second")
    z = ZipArchive.open(_write(tmp_path, "dup.apk", buf.getvalue()))
    assert z.read("classes.dex") == b"first"
    assert z.duplicates == ["classes.dex"]


def test_bogus_method_with_equal_sizes_read_as_stored(tmp_path):
    data = bytearray(_zip({"classes.dex": b"plain bytes"}, zipfile.ZIP_STORED))
    cd = data.rindex(b"PK\x01\x02")
    data[cd + 10 : cd + 12] = struct.pack("<H", 99)  # unknown compression method
    z = ZipArchive.open(_write(tmp_path, "m.apk", bytes(data)))
    assert z.read("classes.dex") == b"plain bytes"


def test_data_descriptor_sizes_come_from_central_directory(tmp_path):
    # zipfile writes data descriptors when writing to an unseekable stream.
    class Unseekable(io.RawIOBase):
        def __init__(self):
            self.buf = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.buf += b
            return len(b)

    out = Unseekable()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("classes.dex", b"D" * 5000)
    z = ZipArchive.open(_write(tmp_path, "dd.apk", bytes(out.buf)))
    assert z.members["classes.dex"].flags & 0x8
    assert z.read("classes.dex") == b"D" * 5000


@pytest.mark.parametrize("data,exc", [(b"", InputError), (b"not a zip at all" * 10, MalformedInput),
                                      (b"PK\x05\x06" + b"\0\0\0\0\1\0\1\0" + b"\0" * 10, MalformedInput)])
def test_not_a_zip(tmp_path, data, exc):
    with pytest.raises(exc):
        ZipArchive.open(_write(tmp_path, "x.apk", data))


def test_truncated_member(tmp_path):
    data = _zip({"classes.dex": bytes(range(256)) * 400})
    cd = data.rindex(b"PK\x01\x02")
    # Drop the tail of the member's data but keep the directory.
    z_data = data[:60] + data[cd:]
    with pytest.raises(MalformedInput):
        z = ZipArchive.open(_write(tmp_path, "t.apk", z_data))
        z.read("classes.dex")


def test_directory_is_refused(tmp_path):
    with pytest.raises(InputError, match="directory"):
        ZipArchive.open(str(tmp_path))


def test_empty_archive_has_no_members(tmp_path):
    z = ZipArchive.open(_write(tmp_path, "e.apk", b"PK\x05\x06" + b"\0" * 18))
    assert z.names() == []
