"""resources.arsc: global string pool and single-value resolution, on built tables and real APKs.

Expected string counts and app labels for the real APKs come from androguard 4.1.4
(``ARSCParser.stringpool_main`` and ``APK.get_app_name()``), generated once in a scratch venv.
"""

from __future__ import annotations

import random
import struct
import zipfile

import pytest
from conftest import shared

from privaudit.errors import MalformedInput
from privaudit.evidence.apk.arsc import resource_strings, string_value
from privaudit.evidence.apk.manifest import parse_manifest

# --------------------------------------------------------------------------------------------
# A small resources.arsc writer
# --------------------------------------------------------------------------------------------

T_REF, T_STRING, T_INT, T_BOOL = 0x01, 0x03, 0x10, 0x12


def pool(strings: list[str], utf8: bool = False) -> bytes:
    offsets, blob = [], bytearray()
    for s in strings:
        offsets.append(len(blob))
        if utf8:
            b = s.encode("utf-8")
            assert len(s) < 0x80 and len(b) < 0x80
            blob += bytes([len(s), len(b)]) + b + b"\0"
        else:
            b = s.encode("utf-16-le")
            blob += struct.pack("<H", len(b) // 2) + b + b"\0\0"
    while len(blob) % 4:
        blob.append(0)
    start = 28 + 4 * len(strings)
    head = struct.pack("<HHIIIIII", 1, 28, start + len(blob), len(strings), 0, 0x100 if utf8 else 0, start, 0)
    return head + struct.pack(f"<{len(strings)}I", *offsets) + bytes(blob)


def config(language: str = "") -> bytes:
    cfg = bytearray(64)
    struct.pack_into("<I", cfg, 0, 64)
    cfg[8 : 8 + len(language)] = language.encode()
    return bytes(cfg)


def type_chunk(type_id: int, entries: dict[int, tuple], count: int, language: str = "", mode: str = "plain") -> bytes:
    """entries: index -> ("value", dtype, data) | ("compact", dtype, data) | ("complex",)."""
    blobs, offsets = bytearray(), {}
    for idx in sorted(entries):
        offsets[idx] = len(blobs)
        kind = entries[idx]
        if kind[0] == "value":
            blobs += struct.pack("<HHI", 8, 0, idx) + struct.pack("<HBBI", 8, 0, kind[1], kind[2])
        elif kind[0] == "compact":
            blobs += struct.pack("<HHI", idx, (kind[1] << 8) | 0x08, kind[2])
        else:
            blobs += struct.pack("<HHIII", 16, 0x01, idx, 0, 0)
    if mode == "sparse":
        table = b"".join(struct.pack("<HH", i, offsets[i] // 4) for i in sorted(offsets))
        n, flags = len(offsets), 0x01
    elif mode == "offset16":
        table = b"".join(struct.pack("<H", offsets[i] // 4 if i in offsets else 0xFFFF) for i in range(count))
        n, flags = count, 0x02
    else:
        table = b"".join(struct.pack("<I", offsets.get(i, 0xFFFFFFFF)) for i in range(count))
        n, flags = count, 0
    while len(table) % 4:
        table += b"\0"
    cfg = config(language)
    hs = 20 + len(cfg)
    start = hs + len(table)
    head = struct.pack("<HHIBBHII", 0x0201, hs, start + len(blobs), type_id, flags, 0, n, start)
    return head + cfg + table + bytes(blobs)


def package(pkg_id: int, chunks: list[bytes], types=("string", "bool", "integer"), keys=("k0", "k1", "k2")) -> bytes:
    tpool, kpool = pool(list(types)), pool(list(keys))
    hs = 288
    name = "com.example".encode("utf-16-le").ljust(256, b"\0")
    body = tpool + kpool + b"".join(chunks)
    head = struct.pack("<HHII", 0x0200, hs, hs + len(body), pkg_id) + name
    head += struct.pack("<IIIII", hs, len(types), hs + len(tpool), len(keys), 0)
    return head + body


def table(strings: list[str], packages: list[bytes], utf8: bool = False) -> bytes:
    body = pool(strings, utf8) + b"".join(packages)
    return struct.pack("<HHII", 0x0002, 12, 12 + len(body), len(packages)) + body


STRINGS = ["My App", "Mon appli", "res/layout/main.xml", "中文名字"]
STRING, BOOL, INTEGER = 1, 2, 3


def sample(mode: str = "plain") -> bytes:
    strings_default = type_chunk(
        STRING,
        {0: ("value", T_STRING, 0), 1: ("value", T_REF, 0x7F010000), 2: ("value", T_REF, 0x7F010001), 4: ("complex",)},
        5,
        mode=mode,
    )
    strings_fr = type_chunk(STRING, {0: ("value", T_STRING, 1), 3: ("value", T_STRING, 3)}, 5, language="fr", mode=mode)
    bools = type_chunk(BOOL, {0: ("value", T_BOOL, 0xFFFFFFFF), 1: ("compact", T_BOOL, 0)}, 2, mode=mode)
    ints = type_chunk(INTEGER, {0: ("compact", T_INT, 0xFFFFFFFE), 1: ("compact", T_REF, 0x7F010002)}, 2, mode=mode)
    # String type chunk in the French configuration comes first: the default still wins for entry 0.
    return table(STRINGS, [package(0x7F, [strings_fr, strings_default, bools, ints])])


@pytest.mark.parametrize("mode", ["plain", "offset16", "sparse"])
def test_string_value_resolution(mode):
    data = sample(mode)
    assert string_value(data, 0x7F010000) == "My App"  # default config preferred over "fr"
    assert string_value(data, 0x7F010001) == "My App"  # reference to 0x7f010000
    assert string_value(data, 0x7F010002) == "My App"  # two hops
    assert string_value(data, 0x7F010003) == "中文名字"  # only in "fr": first configuration found
    assert string_value(data, 0x7F010004) is None  # complex entry (style/array)
    assert string_value(data, 0x7F010005) is None  # beyond entryCount
    assert string_value(data, 0x7F020000) == "true"
    assert string_value(data, 0x7F020001) == "false"  # compact entry
    assert string_value(data, 0x7F030000) == "-2"  # compact entry, signed int
    assert string_value(data, 0x7F030001) == "My App"  # compact reference
    assert string_value(data, 0x7F090000) is None  # no such type
    assert string_value(data, 0x7E010000) is None  # no such package
    assert string_value(data, 0x7F000000) is None  # type id 0 does not exist


def test_reference_cycles_stop():
    loop = type_chunk(STRING, {0: ("value", T_REF, 0x7F010001), 1: ("value", T_REF, 0x7F010000)}, 2)
    data = table(["x"], [package(0x7F, [loop])])
    assert string_value(data, 0x7F010000) is None
    chain = {i: ("value", T_REF, 0x7F010000 + i + 1) for i in range(20)}
    data = table(["x"], [package(0x7F, [type_chunk(STRING, chain, 20)])])
    assert string_value(data, 0x7F010000) is None  # longer than the reference depth limit


@pytest.mark.parametrize("utf8", [False, True])
def test_resource_strings(utf8):
    strings = ["a", "bc", "res/drawable/icon.png", "x" * 100] if utf8 else STRINGS
    data = table(strings, [package(0x7F, [])], utf8=utf8)
    assert resource_strings(data) == strings
    assert resource_strings(data, limit=2) == strings[:2]
    assert resource_strings(data, limit=0) == []


def test_resource_strings_are_cleaned():
    data = table(["ok\x00tail", "esc\x1b[0m"], [])
    assert resource_strings(data) == ["ok", "esc\ufffd[0m"]


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "too short"),
        (b"\x02\x00\x0c\x00", "too short"),
        (b"\x03\x00\x08\x00" + b"\0" * 20, "not a resource table"),
        (struct.pack("<HHII", 2, 12, 12, 1), "no global string pool"),
        (struct.pack("<HHII", 2, 4, 12, 1) + b"\0" * 8, "bad table header size"),
    ],
)
def test_broken_tables(data, words):
    for fn in (resource_strings, lambda d: string_value(d, 0x7F010000)):
        with pytest.raises(MalformedInput) as e:
            fn(data)
        assert str(e.value).startswith("resources.arsc: ") and words in str(e.value)
        assert "\n" not in str(e.value)


def test_absurd_string_count():
    data = bytearray(sample())
    struct.pack_into("<I", data, 12 + 8, 2**31)
    with pytest.raises(MalformedInput, match="offset table"):
        resource_strings(bytes(data))


def test_entry_outside_its_chunk():
    data = bytearray(sample())
    # Point entry 0 of the first type chunk far away.
    pos = data.index(struct.pack("<HH", 0x0201, 84))
    entries_table = pos + 84
    struct.pack_into("<I", data, entries_table, 0x00FFFFF0)
    with pytest.raises(MalformedInput, match="outside the chunk"):
        string_value(bytes(data), 0x7F010000)


def _safe(data: bytes) -> None:
    try:
        resource_strings(data)
    except MalformedInput as e:
        assert "\n" not in str(e)
    for rid in (0x7F010000, 0x7F010003, 0x7F020001, 0x7F030001):
        try:
            string_value(data, rid)
        except MalformedInput as e:
            assert "\n" not in str(e)


def test_truncation_and_mutation_never_escape():
    for mode in ("plain", "offset16", "sparse"):
        data = sample(mode)
        for cut in range(0, len(data), 7):
            _safe(data[:cut])
    rng = random.Random(191)
    data = sample("sparse")
    for _ in range(2000):
        b = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        _safe(bytes(b))
    for size in range(0, 300, 3):
        _safe(b"\x02\x00\x0c\x00" + bytes(rng.getrandbits(8) for _ in range(size)))


# --------------------------------------------------------------------------------------------
# Real resource tables
# --------------------------------------------------------------------------------------------

# path: (number of global strings, application label)
REAL = {
    "androguard/APK/Invalid.apk": (12, "Invalid"),
    "androguard/APK/TC-debug.apk": (5, "TCActivity"),
    "androguard/APK/Test-debug.apk": (2, "TestActivity"),
    "androguard/APK/TestActivity.apk": (6, "TestsAndroguardApplication"),
    "androguard/APK/a2dp.Vol_137.apk": (1041, "A2DP Volume"),
    "androguard/APK/app-prod-debug.apk": (1814, "ABCore"),
    "androguard/APK/com.android.example.text.styling.apk": (1697, "TextStylingJava"),
    "androguard/APK/com.example.android.wearable.wear.weardrawers.apk": (2407, "Wear Drawers"),
    "androguard/APK/com.politedroid_4.apk": (29, "Polite Droid"),
    "androguard/APK/com.teleca.jamendo_35.apk": (849, "Jamendo"),
    "androguard/APK/com.test.intent_filter.apk": (2112, "intent-filter"),
    "androguard/APK/duplicate.permisssions_9999999.apk": (5, "urzip"),
    "androguard/APK/hello-world.apk": (1730, "HelloWorld"),
    "androguard/APK/urzip-πÇÇπÇÇ现代汉语通用字-български-عربي1234.apk": (
        5,
        "urzip-πÇÇπÇÇ现代汉语通用字-български-عربي1234",
    ),
    "androguard/AXML/compact-entry.apk": (1, "erev0s.com-CompactEntry"),  # compact entries (Android 14)
    "droidbench/apk/Aliasing/FlowSensitivity1.apk": (994, "Aliasing_Merge1"),
    "exodus_core/apks/blooddonation.apk": (3743, "Don du Sang"),
    "exodus_core/apks/instapaper.apk": (4236, "Lean for Instapaper"),
}


def _read(rel: str) -> tuple[bytes, bytes]:
    with zipfile.ZipFile(shared("data", "apks", *rel.split("/"))) as z:
        return z.read("resources.arsc"), z.read("AndroidManifest.xml")


@pytest.mark.parametrize("rel", sorted(REAL))
def test_real_table(rel):
    count, label = REAL[rel]
    arsc, manifest = _read(rel)
    strings = resource_strings(arsc)
    assert len(strings) == count
    m = parse_manifest(manifest)
    lab = m.application_label
    if lab.startswith("@0x"):
        lab = string_value(arsc, int(lab[3:], 16))
    assert lab == label


def test_real_string_contents():
    arsc, _ = _read("androguard/APK/a2dp.Vol_137.apk")
    strings = resource_strings(arsc)
    assert strings[:3] == ["res/drawable/car2.png", "res/drawable/headset.png", "res/menu/packages_chooser.xml"]
    arsc, _ = _read("exodus_core/apks/instapaper.apk")
    assert resource_strings(arsc)[:3] == ["%1$d / %2$d", "%1$s, %2$s", "- OR -"]


def test_every_real_table_reads():
    n = 0
    for p in sorted(shared("data", "apks").rglob("*.apk")):
        with zipfile.ZipFile(p) as z:
            if "resources.arsc" not in z.namelist():
                continue
            data = z.read("resources.arsc")
        assert resource_strings(data), p
        n += 1
    assert n >= 200
