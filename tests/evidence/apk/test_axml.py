"""Binary XML reader: androguard's torture files, real manifests, and hostile input built here.

Expectations for the torture files are androguard's (its ``tests/test_axml.py`` and the trees its
AXMLPrinter produces), except where privaudit deliberately differs; those cases say so.
"""

from __future__ import annotations

import random
import struct
import time
import zipfile

import pytest
from axml_build import IDS, NO, Doc, build, string_pool  # a tiny AXML writer shared with test_manifest
from conftest import shared

from privaudit.errors import MalformedInput
from privaudit.evidence.apk import axml
from privaudit.evidence.apk.axml import Element, format_value, parse_axml, parse_document

SAMPLE = (
    "manifest",
    {"android:versionCode": 7, "android:versionName": "1.0", "package": "com.example"},
    [
        ("uses-sdk", {"android:minSdkVersion": 21, "android:targetSdkVersion": 33}, []),
        ("uses-permission", {"android:name": "android.permission.INTERNET"}, []),
        (
            "application",
            {"android:label": ("ref", 0x7F040000), "android:debuggable": True, "android:name": ".App"},
            [("activity", {"android:name": ".Main", "android:exported": False}, [])],
        ),
    ],
)


def assert_one_line_malformed(data: bytes) -> MalformedInput:
    with pytest.raises(MalformedInput) as exc:
        parse_document(data)
    msg = str(exc.value)
    assert msg.startswith("binary manifest: ") and "\n" not in msg
    return exc.value


def parses_or_malformed(data: bytes) -> Element | None:
    """The contract for any input: a tree or MalformedInput, nothing else."""
    try:
        return parse_document(data).root
    except MalformedInput as e:
        assert "\n" not in str(e)
        return None


# --------------------------------------------------------------------------------------------
# Synthetic documents
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("utf8", [False, True])
def test_builder_roundtrip(utf8):
    doc = parse_document(build(SAMPLE, utf8))
    root = doc.root
    assert doc.anomalies == []
    assert root.tag == "manifest"
    assert root.attrs == {"versionCode": "7", "versionName": "1.0", "package": "com.example"}
    assert [c.tag for c in root.children] == ["uses-sdk", "uses-permission", "application"]
    assert root.find("uses-sdk").attrs == {"minSdkVersion": "21", "targetSdkVersion": "33"}
    app = root.find("application")
    assert app.attrs == {"label": "@0x7f040000", "debuggable": "true", "name": ".App"}
    assert app.children[0].attrs == {"name": ".Main", "exported": "false"}
    assert [e.tag for e in root.iter()] == ["manifest", "uses-sdk", "uses-permission", "application", "activity"]
    assert root.offset > 0 and all(c.offset > root.offset for c in root.iter() if c is not root)
    assert len({e.offset for e in root.iter()}) == 5


def test_typed_value_rendering():
    assert format_value(0x10, 0xFFFFFFFF) == "-1"
    assert format_value(0x10, 42) == "42"
    assert format_value(0x11, 0x20) == "0x00000020"
    assert format_value(0x12, 0) == "false"
    assert format_value(0x12, 1) == "true"
    assert format_value(0x12, 0xFFFFFFFF) == "true"
    assert format_value(0x01, 0x7F040000) == "@0x7f040000"
    assert format_value(0x02, 0x01010040) == "?0x01010040"
    assert format_value(0x1C, 0xFFAABBCC) == "#ffaabbcc"
    assert format_value(0x04, struct.unpack("<I", struct.pack("<f", 1.5))[0]) == "1.5"
    assert format_value(0x04, struct.unpack("<I", struct.pack("<f", 1.0))[0]) == "1.0"
    assert format_value(0x05, (77 << 8) | 0x00) == "77.0px"  # 77 px, radix 23p0
    assert format_value(0x05, (16 << 8) | 0x01) == "16.0dip"
    assert format_value(0x06, (1 << 8) | 0x00) == "100.0%"
    assert format_value(0x00, 0) == ""


def test_resource_map_names_win_over_obfuscated_pool_names():
    # Packers blank or scramble the string-pool names; the platform goes by resource id.
    d = Doc()
    d.s("")  # index 0 -> resource id of android:name, but an empty string
    d.s("Xq9")  # index 1 -> resource id of android:exported, scrambled name
    d.resids = [IDS["name"], IDS["exported"]]
    tag = d.s("activity")
    ext = struct.pack("<IIHHHHHH", NO, tag, 20, 20, 2, 0, 0, 0)
    val = d.s(".Main")
    attrs = struct.pack("<IIIHBBI", NO, 0, val, 8, 0, 3, val) + struct.pack("<IIIHBBI", NO, 1, NO, 8, 0, 0x12, 1)
    start = struct.pack("<HHIII", 0x0102, 16, 16 + 20 + 40, 1, NO) + ext + attrs
    end = struct.pack("<HHIIIII", 0x0103, 16, 24, 1, NO, NO, tag)
    pool = string_pool(d.strings)
    resmap = struct.pack("<HHII", 0x0180, 8, 16, IDS["name"]) + struct.pack("<I", IDS["exported"])
    body = pool + resmap + start + end
    doc = parse_document(struct.pack("<HHI", 3, 8, 8 + len(body)) + body)
    assert doc.root.attrs == {"name": ".Main", "exported": "true"}
    assert any("disagree with their resource ids" in a for a in doc.anomalies)


def test_attribute_named_by_resource_id_beats_plain_duplicate():
    # A plain (namespace-less, id-less) "name" first, then the real android:name: Android reads the latter.
    root = ("activity", {"name": ".Decoy", "android:name": ".Real"}, [])
    assert parse_axml(build(root)).attrs["name"] == ".Real"
    root = ("activity", {"android:name": ".Real", "name": ".Decoy"}, [])
    assert parse_axml(build(root)).attrs["name"] == ".Real"


def test_namespace_prefix_inside_names_is_stripped():
    root = ("android:manifest", {"android:package": "x", "tools:replace": "y"}, [])
    el = parse_axml(build(root))
    assert el.tag == "manifest"
    assert el.attrs == {"package": "x", "replace": "y"}


def test_attribute_start_and_size_are_honoured():
    # attributeStart/attributeSize are read from the element, not assumed (20/20), as on the device.
    strings = ["activity", "name", "exported", ".Main"]
    ext = struct.pack("<IIHHHHHH", NO, 0, 24, 24, 2, 0, 0, 0) + b"\xee" * 4
    a1 = struct.pack("<IIIHBBI", NO, 1, 3, 8, 0, 3, 3) + b"\xee" * 4
    a2 = struct.pack("<IIIHBBI", NO, 2, NO, 8, 0, 0x12, 0) + b"\xee" * 4
    # Header size 20: the element's extension starts 4 bytes after the usual 16.
    start = struct.pack("<HHIII", 0x0102, 20, 20 + len(ext) + 48, 1, NO) + b"\xee" * 4 + ext + a1 + a2
    end = struct.pack("<HHIIIII", 0x0103, 16, 24, 1, NO, NO, 0)
    body = string_pool(strings) + start + end
    el = parse_axml(struct.pack("<HHI", 3, 8, 8 + len(body)) + body)
    assert el.attrs == {"name": ".Main", "exported": "false"}


def test_text_chunks_are_collected():
    d = Doc()
    tag, txt = d.s("span"), d.s("<b>hi</b>")
    start = struct.pack("<HHIII", 0x0102, 16, 36, 1, NO) + struct.pack("<IIHHHHHH", NO, tag, 20, 20, 0, 0, 0, 0)
    cdata = struct.pack("<HHIIII", 0x0104, 16, 28, 1, NO, txt) + struct.pack("<HBBI", 8, 0, 0, 0)
    end = struct.pack("<HHIIIII", 0x0103, 16, 24, 1, NO, NO, tag)
    body = string_pool(d.strings) + start + cdata + end
    el = parse_axml(struct.pack("<HHI", 3, 8, 8 + len(body)) + body)
    assert el.tag == "span" and el.text == "<b>hi</b>" and el.children == []


def test_nul_is_cut_and_control_characters_replaced():
    root = ("manifest", {"package": "a\x1b[31mb", "android:versionName": "0.0\x00\x00junk", "x": "\ufffe\uffff"}, [])
    el = parse_axml(build(root))
    assert el.attrs["versionName"] == "0.0"
    assert el.attrs["package"] == "a\ufffd[31mb"  # no terminal escape survives
    assert el.attrs["x"] == "\ufffd\ufffd"


def test_supplementary_characters_and_lone_surrogates():
    root = ("manifest", {"package": "pkg", "label": "emoji 😀 ok"}, [("a", {"n": "中文"}, [])])
    el = parse_axml(build(root))
    assert el.attrs["label"] == "emoji 😀 ok"
    assert el.children[0].attrs["n"] == "中文"
    # A lone high surrogate written raw into a UTF-16 pool becomes U+FFFD.
    data = bytearray(build(("m", {"k": "AB"}, [])))
    i = data.index("AB".encode("utf-16-le"))
    data[i : i + 2] = b"\x00\xd8"
    assert parse_axml(bytes(data)).attrs["k"] == "\ufffdB"


def test_long_strings_use_two_unit_lengths():
    long = "x" * 40000
    for utf8 in (False, True):
        if utf8:
            long = "y" * 20000  # UTF-8 byte lengths stop at 0x7FFF
        el = parse_axml(build(("m", {"v": long}, []), utf8=utf8))
        assert el.attrs["v"] == long


def test_unknown_chunks_are_skipped_and_noted():
    data = build(SAMPLE)
    junk_chunk = struct.pack("<HHI", 0x0777, 8, 16) + b"\xaa" * 8
    pos = _first_node(data)
    patched = data[:pos] + junk_chunk + data[pos:]
    patched = patched[:4] + struct.pack("<I", len(patched)) + patched[8:]
    doc = parse_document(patched)
    assert doc.root.attrs["package"] == "com.example"
    assert any("unknown chunk type 0x0777" in a for a in doc.anomalies)


def test_junk_between_chunks_is_skipped_by_resync():
    data = build(SAMPLE)
    pos = _first_node(data)
    patched = data[:pos] + b"\x00\x00\x00\x00\x01\x02" + data[pos:]  # not a chunk header
    patched = patched[:4] + struct.pack("<I", len(patched)) + patched[8:]
    doc = parse_document(patched)
    assert doc.root.attrs["package"] == "com.example"
    assert [e.tag for e in doc.root.iter()] == ["manifest", "uses-sdk", "uses-permission", "application", "activity"]
    assert any("junk" in a for a in doc.anomalies)


def test_large_junk_is_skipped_quickly():
    data = build(SAMPLE)
    pos = _first_node(data)
    for junk in (b"\xab" * 8_000_000, b"\x00\x01\x10\x00" * 2_000_000):
        patched = data[:pos] + b"\0\0\0\0" + junk + data[pos:]
        patched = patched[:4] + struct.pack("<I", len(patched)) + patched[8:]
        t0 = time.perf_counter()
        parses_or_malformed(patched)
        assert time.perf_counter() - t0 < 2


def test_zero_sized_final_end_namespace_is_accepted():
    data = bytearray(build(SAMPLE))
    assert struct.unpack_from("<H", data, len(data) - 24)[0] == 0x0101
    data[len(data) - 20 : len(data) - 16] = b"\0\0\0\0"
    doc = parse_document(bytes(data))
    assert doc.root.attrs["package"] == "com.example"


def test_wrong_declared_sizes_are_tolerated():
    data = build(SAMPLE)
    bigger = data[:4] + struct.pack("<I", 0x42424242) + data[8:]
    doc = parse_document(bigger)
    assert doc.root.attrs["package"] == "com.example"
    assert any("declared size" in a for a in doc.anomalies)
    tiny = data[:4] + struct.pack("<I", 0) + data[8:]
    assert parse_document(tiny).root.attrs["package"] == "com.example"
    # Trailing data after a plausible declared size: ignored, as on the device.
    doc = parse_document(data + b"\xff" * 10)
    assert doc.root.attrs["package"] == "com.example"
    assert any("after the declared end" in a for a in doc.anomalies)


def test_elements_after_the_root_are_ignored():
    one = build(("manifest", {"package": "p"}, []))
    pos = _first_node(one)
    nodes = one[pos + 24 : -24]  # start+end of <manifest>
    data = one[: len(one) - 24] + nodes + one[len(one) - 24 :]
    data = data[:4] + struct.pack("<I", len(data)) + data[8:]
    doc = parse_document(data)
    assert doc.root.children == [] and doc.element_count == 1
    assert any("after the root" in a for a in doc.anomalies)


def _first_node(data: bytes) -> int:
    pos = 8
    while True:
        t, _hs, size = struct.unpack_from("<HHI", data, pos)
        if 0x0100 <= t <= 0x0104:
            return pos
        pos += size


# --------------------------------------------------------------------------------------------
# Hostile input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "too short"),
        (b"\x03\x00\x08\x00\x08\x00\x00", "too short"),
        (b'<?xml version="1.0"?><manifest/>', "plain-text XML"),
        (b"\xef\xbb\xbf<manifest/>        ", "plain-text XML"),
        (b"\x03\x00\x08\x00\x08\x00\x00\x00", "no string pool"),  # header only (androguard: invalid)
        (b"\x03\x00\x04\x00\x10\x00\x00\x00" + b"\0" * 8, "header size"),
        # androguard testWrongStringPoolHeader / testWrongStringPoolSize / testWrongHeaderSize
        (
            b"\x03\x00\x08\x00\x24\x00\x00\x00\xde\xad\x1c\x00\x1c\x00\x00\x00" + b"\0" * 20,
            "",
        ),
        (
            b"\x03\x00\x08\x00\x2c\x00\x00\x00\x01\x00\x24\x00\x24\x00\x00\x00" + b"\0" * 28,
            "",
        ),
        # androguard testReplacement: an empty AXML (string pool with no strings) has no root
        (
            b"\x03\x00\x08\x00\x24\x00\x00\x00\x01\x00\x1c\x00\x1c\x00\x00\x00" + b"\0" * 20,
            "no root element",
        ),
    ],
)
def test_broken_headers(data, words):
    err = assert_one_line_malformed(data)
    assert words in str(err)


def test_string_count_of_2_pow_31():
    data = bytearray(build(SAMPLE))
    struct.pack_into("<I", data, 16, 2**31)
    err = assert_one_line_malformed(bytes(data))
    assert "string count" in str(err)
    struct.pack_into("<I", data, 16, 300_000)  # below the cap but the offset table cannot fit
    err = assert_one_line_malformed(bytes(data))
    assert "offset table" in str(err)


def test_absurd_attribute_count_and_chunk_size():
    data = bytearray(build(SAMPLE))
    pos = _first_node(bytes(data)) + 24  # the <manifest> start element
    struct.pack_into("<H", data, pos + 16 + 12, 0xFFFF)  # attributeCount
    assert "attributes that do not fit" in str(assert_one_line_malformed(bytes(data)))
    data = bytearray(build(SAMPLE))
    struct.pack_into("<I", data, pos + 4, 0x7FFFFFF0)  # chunk size
    assert "truncated" in str(assert_one_line_malformed(bytes(data)))


def test_string_offsets_out_of_range_read_as_empty():
    data = bytearray(build(SAMPLE))
    struct.pack_into("<I", data, 8 + 28, 0x00FFFFFF)  # offset of string #0
    doc = parse_document(bytes(data))
    assert any("string #0" in a for a in doc.anomalies)


def test_overlapping_strings_cannot_blow_up_decoding():
    # 1M offsets, all pointing at one 2000-character string: decoding would produce 2G characters.
    count = 1_000_000
    text = "z" * 2000
    blob = struct.pack("<H", len(text)) + text.encode("utf-16-le") + b"\0\0"
    start = 28 + 4 * count
    pool = struct.pack("<HHIIIIII", 1, 28, start + len(blob), count, 0, 0, start, 0) + b"\0" * (4 * count) + blob
    data = struct.pack("<HHI", 3, 8, 8 + len(pool)) + pool
    t0 = time.perf_counter()
    err = assert_one_line_malformed(data)
    assert "overlapping" in str(err)
    assert time.perf_counter() - t0 < 10


def nested_bytes(depth: int) -> bytes:
    """``depth`` nested <n> elements, written iteratively (no recursion anywhere)."""
    pool = string_pool(["n"])
    start = struct.pack("<HHIII", 0x0102, 16, 36, 1, NO) + struct.pack("<IIHHHHHH", NO, 0, 20, 20, 0, 0, 0, 0)
    end = struct.pack("<HHIIIII", 0x0103, 16, 24, 1, NO, NO, 0)
    body = pool + start * depth + end * depth
    return struct.pack("<HHI", 3, 8, 8 + len(body)) + body


def test_deep_nesting_is_capped():
    ok = parse_document(nested_bytes(axml.MAX_DEPTH))
    assert ok.element_count == axml.MAX_DEPTH
    assert sum(1 for _ in ok.root.iter()) == axml.MAX_DEPTH  # iter() does not recurse
    assert "nested deeper" in str(assert_one_line_malformed(nested_bytes(axml.MAX_DEPTH + 1)))
    assert "nested deeper" in str(assert_one_line_malformed(nested_bytes(100_000)))


def test_element_count_is_capped(monkeypatch):
    monkeypatch.setattr(axml, "MAX_ELEMENTS", 50)
    root = ("manifest", {}, [("uses-permission", {}, []) for _ in range(60)])
    assert "more than 50 elements" in str(assert_one_line_malformed(build(root)))


def test_random_bytes_never_escape():
    rng = random.Random(191)
    for size in list(range(0, 64)) + [rng.randrange(64, 4096) for _ in range(300)]:
        parses_or_malformed(bytes(rng.getrandbits(8) for _ in range(size)))
    # Random bytes behind a valid outer header and a valid string pool header.
    for _ in range(300):
        tail = bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 600)))
        pool = string_pool(["a", "b", "manifest"])
        body = pool + tail
        parses_or_malformed(struct.pack("<HHI", 3, 8, 8 + len(body)) + body)


def test_bit_flips_never_escape():
    data = build(SAMPLE)
    rng = random.Random(7)
    for _ in range(2000):
        b = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        parses_or_malformed(bytes(b))


def test_truncation_of_synthetic_manifest():
    data = build(SAMPLE)
    outcomes = set()
    for cut in range(0, len(data), 7):
        outcomes.add(parses_or_malformed(data[:cut]) is not None)
    assert False in outcomes  # truncation inside a chunk is reported


def test_element_is_light():
    e = Element("a", {"k": "v"})
    assert e.get("k") == "v" and e.get("x") is None and e.find("b") is None and e.findall("b") == []
    assert e.children == [] and e.text == "" and "Element('a'" in repr(e)


# --------------------------------------------------------------------------------------------
# androguard's torture files
# --------------------------------------------------------------------------------------------

# Per file: what the root must look like, attribute checks as (path, index, attribute, value),
# and an anomaly substring ("" = must be clean). Paths are "/"-separated child tags from the root.
TORTURE = {
    "AndroidManifest.xml": dict(  # androguard testFileCompare: the TC app's manifest
        package="org.t0t0.androguard.TC",
        checks=[
            ("", 0, "versionCode", "1"),
            ("", 0, "versionName", "1.0"),
            ("application", 0, "label", "@0x7f040000"),
            ("application", 0, "icon", "@0x7f020000"),
            ("application", 0, "debuggable", "true"),
            ("application/activity", 0, "name", "TCActivity"),
            ("application/activity/intent-filter/action", 0, "name", "android.intent.action.MAIN"),
            ("application/activity/intent-filter/category", 0, "name", "android.intent.category.LAUNCHER"),
        ],
        tags=["manifest", "application", "activity", "intent-filter", "action", "category"],
        anomaly="",
    ),
    "AndroidManifest-Chinese.xml": dict(
        package="com.hotel",
        checks=[
            ("", 0, "versionName", "1.7.2"),
            ("application", 0, "label", "经济酒店"),
            ("application", 0, "name", "HotelApplication"),
            ("application/activity", 3, "label", "请选择入住酒店城市"),
            ("application/activity", 5, "label", "修改日期"),
            ("application/activity", 6, "label", "房间详情"),
            ("application/activity", 3, "theme", "@0x0103000b"),
            ("application/activity", 1, "configChanges", "0x000000e0"),
        ],
        anomaly="",
    ),
    "AndroidManifest-xmlns.xml": dict(
        package="com.real.RealPlayer",
        checks=[
            ("", 0, "versionName", "0.0.0.61"),
            ("application", 0, "debuggable", "false"),
            ("application", 0, "isThemeable", "true"),  # pluto: namespace
            ("application/activity-alias", 0, "name", ".Home"),
            ("application/activity-alias", 0, "targetActivity", "com.real.IMP.home.Home"),
        ],
        anomaly="",
    ),
    "AndroidManifestDoubleNamespace.xml": dict(
        package="com.tencent.weread",
        checks=[
            ("", 0, "versionCode", "10122117"),
            ("", 0, "platformBuildVersionName", "7.1.1"),
            ("uses-sdk", 0, "minSdkVersion", "19"),
            ("uses-sdk", 0, "targetSdkVersion", "23"),
            ("uses-permission", 0, "name", "android.permission.SYSTEM_OVERLAY_WINDOW"),
            ("meta-data", 0, "value", "b346c166-e3b4-479f-b05f-6164623304a3"),
        ],
        count=("uses-permission", 34),
        anomaly="",
    ),
    "AndroidManifestExtraNamespace.xml": dict(
        package="com.shopgate.android.app13182",
        checks=[
            ("permission", 0, "protectionLevel", "0x00000002"),
            ("application", 0, "label", "Babyshop UK"),
            ("application", 0, "allowBackup", "false"),
            ("application/provider", 0, "exported", "false"),
            ("application/receiver", 0, "permission", "com.google.android.c2dm.permission.SEND"),
        ],
        anomaly="",
    ),
    "AndroidManifestLiapp.xml": dict(  # androguard testPackers: is_packed() is True
        package="kc.dotoritv.android.air",
        checks=[
            ("", 0, "versionName", "4.0.4"),
            ("application", 0, "name", "com.lockincomp.liapp.LiappCommon"),
            ("application", 0, "allowBackup", "true"),
            ("application/receiver", 0, "name", "com.igaworks.IgawReceiver"),
            ("application/receiver", 0, "exported", "true"),
        ],
        anomaly="disagree with their resource ids",
    ),
    "AndroidManifestMaskingNamespace.xml": dict(
        package="com.primedia.apartmentguide",
        checks=[
            ("application", 0, "networkSecurityConfig", "@0x7f080000"),
            ("application/activity/intent-filter", 1, "order", "1"),  # instant: namespace
            ("uses-sdk", 0, "targetSdkVersion", "26"),
        ],
        anomaly="",
    ),
    "AndroidManifestNonZeroStyle.xml": dict(
        package="co.download.video",
        checks=[("application", 0, "name", ".a"), ("uses-sdk", 0, "minSdkVersion", "4")],
        anomaly="",
    ),
    "AndroidManifestNullbytes.xml": dict(
        package="com.ditc.automobilityxxxxxxxxxxxx",
        checks=[
            ("", 0, "versionName", "0.0"),  # "0.0\0\0" in the pool, cut at the NUL as aapt does
            ("application/meta-data", 0, "value", "AEdPqrEAAAAIDTufxtXeOnzafMIjOzxpQ9CAsFNV74SJNxStHg"),
        ],
        anomaly="",
    ),
    "AndroidManifestTextChunksXML.xml": dict(
        package="com.tslstudio.tsladsudoku",
        checks=[("span", 0, "class", "tag"), ("uses-sdk", 0, "targetSdkVersion", "25")],
        text=("span", 0, "\n<uses-permission\n"),
        anomaly="",
    ),
    "AndroidManifestUTF8Strings.xml": dict(
        package="com.easylocker.bbottles.zt",
        checks=[
            ("", 0, "sharedUserId", "com.jodo"),
            ("application/meta-data", 0, "name", "UMENG_APPKEY"),
            ("application/meta-data", 0, "value", "54b88471fd98c55716000d2c"),
            ("application/activity/meta-data", 0, "name", "@0x7f040001"),
        ],
        anomaly="",
    ),
    "AndroidManifestWithComment.xml": dict(
        package="com.zxfxxx660.sucruri",
        checks=[
            ("application", 0, "name", "com.gdog.AppWrapper"),
            ("", 0, "platformBuildVersionCode", "23"),  # typed 23; the raw string index is bogus
        ],
        anomaly="",
    ),
    # androguard: is_valid() is False ("Declared filesize does not match"). The brief asks to tolerate
    # a wrong total size, so we parse; the file also carries the unterminated strings below.
    "AndroidManifestWrongFilesize.xml": dict(
        package="com.swampy.sexpos",
        checks=[("uses-permission", 10, "name", "android.permission.SEND_SMS")],
        anomaly="declared size 1111638594 is larger than the data",
    ),
    "AndroidManifest_InvalidCharsInAttribute.xml": dict(
        package="com.chaozhuo.gameassistant",
        checks=[("uses-sdk", 0, "minSdkVersion", "17")],
        clean_attr=("", "versionName", "QQ1479447355"),
        anomaly="",
    ),
    "AndroidManifest_NamespaceInAttributeName.xml": dict(
        package="jyiaivi.ohduxbbylb",
        checks=[
            ("", 0, "versionName", "1.0"),
            ("uses-sdk", 0, "minSdkVersion", "8"),
            ("uses-sdk", 0, "targetSdkVersion", "10"),
            ("uses-permission", 0, "name", "android.permission.WRITE_EXTERNAL_STORAGE"),
            ("application", 0, "label", "Установка"),
            ("application/activity", 0, "name", ".uvbuvudq"),
        ],
        anomaly="",
    ),
    "AndroidManifest_NamespaceInAttributeName2.xml": dict(
        package="com.car2go",
        checks=[
            ("uses-permission", 0, "maxSdkVersion", "22"),
            ("uses-permission-sdk-23", 0, "name", "android.permission.CAMERA"),
            ("application", 0, "name", "o.У"),
            ("application/provider", 2, "initOrder", "100"),
            ("application/provider", 3, "name", "com.crashlytics.android.CrashlyticsInitProvider"),
        ],
        anomaly="",
    ),
    # androguard raises "UTF-16 String is not null terminated!" (aapt segfaults). We read the 33
    # unterminated strings by their length prefix and say so.
    "AndroidManifest_StringNotTerminated.xml": dict(
        package="com.swampy.sexpos",
        checks=[
            ("uses-permission", 10, "name", "android.permission.SEND_SMS"),
            ("application/receiver", 0, "name", "com.swampy.sexpos.pos.f"),
        ],
        anomaly="33 strings are not NUL-terminated (first #49)",
    ),
    "AndroidManifest_WrongChunkStart.xml": dict(
        package="com.zxfxxx160.sucruri55633254",
        checks=[
            ("", 0, "platformBuildVersionName", "APKTOOL"),
            ("application", 0, "name", "com.phone.stop.db.PhoneApplication"),
        ],
        anomaly="outer chunk type is 0x0000",
    ),
    # androguard testNonManifest: layouts, root LinearLayout.
    "test.xml": dict(
        root="LinearLayout",
        checks=[
            ("", 0, "orientation", "1"),
            ("", 0, "layout_width", "-1"),
            ("Tag2/test.test.TestLayout", 0, "background", "#ffaabbcc"),
            ("Tag2/test.test.TestLayout", 0, "layout_width", "77.0px"),
            ("Tag2/test.test.TestLayout", 0, "text", "Hello!"),
            ("Tag2/test.test.TestLayout", 0, "integer", "100"),
            ("Tag2/test.test.TestLayout", 0, "id", "@0x7f060003"),
            ("ZoobaZooba/Oohohoh", 0, "zzzz", "asd"),
        ],
        anomaly="",
    ),
    "test1.xml": dict(root="LinearLayout", checks=[("TextView", 0, "textSize", "26.0sp")], anomaly=""),
    "test2.xml": dict(root="LinearLayout", checks=[("", 0, "gravity", "0x00000050")], anomaly=""),
    "test3.xml": dict(root="LinearLayout", checks=[("", 0, "id", "@0x010200f5")], anomaly=""),
}


def _at(root: Element, path: str) -> list[Element]:
    found = [root]
    for tag in filter(None, path.split("/")):
        found = [c for e in found for c in e.children if c.tag == tag]
    return found


def test_every_torture_file_has_an_expectation():
    files = {p.name for p in shared("data", "apks", "androguard", "AXML").glob("*.xml")}
    assert files == set(TORTURE)


@pytest.mark.parametrize("name", sorted(TORTURE))
def test_torture_file(name):
    exp = TORTURE[name]
    data = shared("data", "apks", "androguard", "AXML", name).read_bytes()
    doc = parse_document(data)
    root = doc.root
    assert root.tag == exp.get("root", "manifest")
    if "package" in exp:
        assert root.attrs["package"] == exp["package"]
    for path, index, attr, value in exp["checks"]:
        assert _at(root, path)[index].attrs.get(attr) == value, (path, index, attr)
    if "tags" in exp:
        assert [e.tag for e in root.iter()] == exp["tags"]
    if "count" in exp:
        assert len(_at(root, exp["count"][0])) == exp["count"][1]
    if "text" in exp:
        path, index, text = exp["text"]
        assert _at(root, path)[index].text == text
    if "clean_attr" in exp:
        path, attr, part = exp["clean_attr"]
        value = _at(root, path)[0].attrs[attr]
        assert part in value and value.isprintable()
    if exp["anomaly"]:
        assert any(exp["anomaly"] in a for a in doc.anomalies), doc.anomalies
    else:
        assert doc.anomalies == []
    for e in root.iter():
        for k, v in e.attrs.items():
            assert k and "\x00" not in v and "\x1a" not in v


def test_torture_files_survive_truncation():
    # Every 7th byte of a handful of the torture files: a tree or MalformedInput, nothing else.
    d = shared("data", "apks", "androguard", "AXML")
    for name in ("AndroidManifest.xml", "AndroidManifestUTF8Strings.xml", "AndroidManifest_WrongChunkStart.xml"):
        data = (d / name).read_bytes()
        for cut in range(0, len(data), 7):
            parses_or_malformed(data[:cut])


def test_real_manifest_bit_flips():
    data = shared("data", "apks", "androguard", "AXML", "AndroidManifest-Chinese.xml").read_bytes()
    rng = random.Random(1)
    for _ in range(500):
        b = bytearray(data)
        b[rng.randrange(len(b))] = rng.randrange(256)
        parses_or_malformed(bytes(b))


def test_manifests_inside_apks_parse():
    paths = sorted(shared("data", "apks").rglob("*.apk"))
    assert len(paths) >= 190
    parsed = 0
    for p in paths:
        with zipfile.ZipFile(p) as z:
            if "AndroidManifest.xml" not in z.namelist():
                continue  # CertChain.apk, multidex.apk: no manifest at all
            doc = parse_document(z.read("AndroidManifest.xml"))
        assert doc.root.tag == "manifest" and doc.root.attrs.get("package"), p
        parsed += 1
    assert parsed >= 210
