"""Android binary XML (AXML) reader: pure standard library, bounded in time and memory.

The format is a sequence of ``ResChunk_header`` chunks (``type:u16, header_size:u16, size:u32``):
an outer ``RES_XML_TYPE`` header, a string pool, an optional resource map (the resource id of each
attribute name), then namespace / element / CDATA nodes. This module turns it into a light tree of
:class:`Element` whose attribute keys are *local* names (``name``, ``exported``, ``targetSdkVersion``).

Leniency follows the platform where the platform accepts a file, and androguard where the brief asks
for it; every deviation from a clean file is recorded in :attr:`Document.anomalies`:

* the outer chunk type is not checked (Android does not check it either);
* a declared total size that is larger than the data, or implausibly small, is ignored; a plausible
  smaller one ends the document early, as on the device;
* unknown chunk types are skipped by their size; a chunk header that cannot be a header (header size
  below 8 or chunk size below the header size) is skipped by scanning forward for the next plausible
  node header, as androguard does;
* an attribute's name is taken from the resource map when its id is a known ``android:`` attribute
  (that is what the platform uses), else from the string pool;
* a string that is not NUL-terminated is read by its length prefix; a string that points outside the
  pool reads as ``""``; text is cut at the first NUL (as aapt does) and control characters, U+FFFE and
  U+FFFF become U+FFFD.

Anything that cannot be parsed raises :class:`~privaudit.errors.MalformedInput` with a one-line
message ``"<what>: <problem>"`` (``what`` defaults to ``"binary manifest"``).
"""

from __future__ import annotations

import struct

from privaudit.errors import MalformedInput

__all__ = [
    "ANDROID_ATTRS",
    "Document",
    "Element",
    "StringPool",
    "format_value",
    "parse_axml",
    "parse_document",
]

# Chunk types (frameworks/base/libs/androidfw/include/androidfw/ResourceTypes.h)
RES_STRING_POOL_TYPE = 0x0001
RES_TABLE_TYPE = 0x0002
RES_XML_TYPE = 0x0003
RES_XML_START_NAMESPACE_TYPE = 0x0100
RES_XML_END_NAMESPACE_TYPE = 0x0101
RES_XML_START_ELEMENT_TYPE = 0x0102
RES_XML_END_ELEMENT_TYPE = 0x0103
RES_XML_CDATA_TYPE = 0x0104
RES_XML_LAST_CHUNK_TYPE = 0x017F
RES_XML_RESOURCE_MAP_TYPE = 0x0180

UTF8_FLAG = 0x100
NO_INDEX = 0xFFFFFFFF

# Limits against hostile input.
MAX_STRINGS = 1_000_000
MAX_ELEMENTS = 200_000
MAX_DEPTH = 512
MAX_ANOMALIES = 50
MAX_RESYNC_CANDIDATES = 100_000  # candidate headers examined while skipping junk, per document

# Res_value data types
TYPE_NULL = 0x00
TYPE_REFERENCE = 0x01
TYPE_ATTRIBUTE = 0x02
TYPE_STRING = 0x03
TYPE_FLOAT = 0x04
TYPE_DIMENSION = 0x05
TYPE_FRACTION = 0x06
TYPE_DYNAMIC_REFERENCE = 0x07
TYPE_DYNAMIC_ATTRIBUTE = 0x08
TYPE_INT_DEC = 0x10
TYPE_INT_HEX = 0x11
TYPE_INT_BOOLEAN = 0x12
TYPE_FIRST_COLOR_INT = 0x1C
TYPE_LAST_COLOR_INT = 0x1F
TYPE_LAST_INT = 0x1F

# android: attribute resource ids (frameworks/base/core/res/res/values/public*.xml). Enough for the
# manifest model and the usual manifest/intent-filter attributes; others fall back to the string pool.
ANDROID_ATTRS: dict[int, str] = {
    0x01010000: "theme",
    0x01010001: "label",
    0x01010002: "icon",
    0x01010003: "name",
    0x01010005: "allowClearUserData",
    0x01010006: "permission",
    0x01010007: "readPermission",
    0x01010008: "writePermission",
    0x01010009: "protectionLevel",
    0x0101000A: "permissionGroup",
    0x0101000B: "sharedUserId",
    0x0101000C: "hasCode",
    0x0101000D: "persistent",
    0x0101000E: "enabled",
    0x0101000F: "debuggable",
    0x01010010: "exported",
    0x01010011: "process",
    0x01010012: "taskAffinity",
    0x01010013: "multiprocess",
    0x01010014: "finishOnTaskLaunch",
    0x01010015: "clearTaskOnLaunch",
    0x01010016: "stateNotNeeded",
    0x01010017: "excludeFromRecents",
    0x01010018: "authorities",
    0x01010019: "syncable",
    0x0101001A: "initOrder",
    0x0101001B: "grantUriPermissions",
    0x0101001C: "priority",
    0x0101001D: "launchMode",
    0x0101001E: "screenOrientation",
    0x0101001F: "configChanges",
    0x01010020: "description",
    0x01010021: "targetPackage",
    0x01010024: "value",
    0x01010025: "resource",
    0x01010026: "mimeType",
    0x01010027: "scheme",
    0x01010028: "host",
    0x01010029: "port",
    0x0101002A: "path",
    0x0101002B: "pathPrefix",
    0x0101002C: "pathPattern",
    0x010101EA: "order",
    0x01010202: "targetActivity",
    0x01010203: "alwaysRetainTaskState",
    0x01010204: "allowTaskReparenting",
    0x0101020C: "minSdkVersion",
    0x0101021B: "versionCode",
    0x0101021C: "versionName",
    0x0101022B: "windowSoftInputMode",
    0x0101022D: "noHistory",
    0x01010261: "sharedUserLabel",
    0x01010270: "targetSdkVersion",
    0x01010271: "maxSdkVersion",
    0x01010272: "testOnly",
    0x0101027F: "backupAgent",
    0x01010280: "allowBackup",
    0x01010281: "glEsVersion",
    0x0101028E: "required",
    0x010102B7: "installLocation",
    0x010102BE: "logo",
    0x010102D3: "hardwareAccelerated",
    0x0101035A: "largeHeap",
    0x0101036A: "stopWithTask",
    0x010103A7: "parentActivityName",
    0x010103A9: "isolatedProcess",
    0x010103AF: "supportsRtl",
    0x010103BF: "singleUser",
    0x010103C7: "permissionFlags",
    0x010103E3: "ssp",
    0x010103E4: "sspPrefix",
    0x010103E5: "sspPattern",
    0x010103F2: "banner",
    0x01010473: "fullBackupOnly",
    0x010104EA: "extractNativeLibs",
    0x010104EB: "fullBackupContent",
    0x010104EC: "usesCleartextTraffic",
    0x010104ED: "lockTaskMode",
    0x010104EE: "autoVerify",
    0x010104F6: "resizeableActivity",
    0x01010504: "defaultToDeviceProtectedStorage",
    0x01010505: "directBootAware",
    0x0101050E: "externalService",
    0x01010527: "networkSecurityConfig",
    0x0101052C: "roundIcon",
    0x01010531: "visibleToInstantApps",
    0x01010549: "splitName",
    0x01010554: "requiredFeature",
    0x01010560: "maxAspectRatio",
    0x01010569: "showWhenLocked",
    0x0101056A: "turnScreenOn",
    0x01010572: "compileSdkVersion",
    0x01010573: "compileSdkVersionCodename",
    0x01010576: "versionCodeMajor",
    0x0101057A: "appComponentFactory",
    0x01010599: "foregroundServiceType",
    0x0101059A: "hasFragileUserData",
    0x01010603: "requestLegacyExternalStorage",
    0x01010608: "forceQueryable",
    0x01010614: "preserveLegacyExternalStorage",
    0x01010616: "gwpAsanMode",
    0x01010624: "memtagMode",
    0x0101063E: "dataExtractionRules",
    0x01010644: "usesPermissionFlags",
    0x01010645: "requestRawExternalStorageAccess",
}

_HDR = struct.Struct("<HHI").unpack_from
_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_POOL = struct.Struct("<IIIII").unpack_from
_START = struct.Struct("<IIHHHHHH").unpack_from  # ns, name, attrStart, attrSize, attrCount, id, class, style
_U32x5 = struct.Struct("<5I").unpack_from  # attribute: ns, name, rawValue, (size, res0, dataType), data
_FLOAT = struct.Struct("<f")

# Control characters (C0 except TAB/LF/CR, DEL, C1), the non-characters U+FFFE/U+FFFF, surrogates.
_BAD_CHARS = {c: "\ufffd" for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))}
_BAD_CHARS.update(dict.fromkeys((0xFFFE, 0xFFFF, *range(0xD800, 0xE000)), "\ufffd"))  # + lone surrogates

_DIMENSION_UNITS = ("px", "dip", "sp", "pt", "in", "mm")
_FRACTION_UNITS = ("%", "%p")
_RADIX_MULTS = (1.0 / (1 << 8), 1.0 / (1 << 15), 1.0 / (1 << 23), 1.0 / (1 << 31))


def _clean(s: str) -> str:
    """Cut at the first NUL (as aapt does) and replace characters no report should carry."""
    i = s.find("\x00")
    if i >= 0:
        s = s[:i]
    if not s.isprintable():
        s = s.translate(_BAD_CHARS)
    return s


class _Anomalies(list):
    """A list of messages that stops growing at ``MAX_ANOMALIES`` (and says how many were dropped)."""

    __slots__ = ("dropped",)

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def add(self, message: str) -> None:
        if len(self) < MAX_ANOMALIES:
            self.append(message)
        else:
            self.dropped += 1

    def final(self) -> list[str]:
        out = list(self)
        if self.dropped:
            out.append(f"{self.dropped} more anomalies not listed")
        return out


def _pool_layout(data: bytes, pos: int, end: int, what: str, max_count: int | None) -> tuple[int, bool, int, int, int]:
    """Validate a ``ResStringPool`` header at ``pos``; return (count, utf8, table, base, stop):
    the string offsets table position and the string data area ``[base, stop)``."""
    if pos + 28 > end:
        raise MalformedInput(f"{what}: truncated string pool header at offset {pos}")
    t, hs, size = _HDR(data, pos)
    if t != RES_STRING_POOL_TYPE:
        raise MalformedInput(f"{what}: expected a string pool at offset {pos}, found chunk type 0x{t:04x}")
    if hs < 28 or size < hs:
        raise MalformedInput(f"{what}: bad string pool header at offset {pos} (header {hs}, size {size})")
    if size > end - pos:
        raise MalformedInput(
            f"{what}: string pool at offset {pos} is truncated ({size} bytes declared, {end - pos} present)"
        )
    count, style_count, flags, strings_start, styles_start = _POOL(data, pos + 8)
    if max_count is not None and (count > max_count or style_count > max_count):
        raise MalformedInput(f"{what}: absurd string count {count} (styles {style_count})")
    table = pos + hs
    if table + 4 * (count + style_count) > pos + size:
        raise MalformedInput(f"{what}: string offset table ({count} strings) extends past the string pool")
    if not count:
        return 0, False, table, pos + size, pos + size
    if strings_start >= size or strings_start < hs:
        raise MalformedInput(f"{what}: string data offset {strings_start} outside the string pool")
    stop = size
    if style_count and styles_start:
        if styles_start <= strings_start or styles_start > size:
            raise MalformedInput(f"{what}: style data offset {styles_start} outside the string pool")
        stop = styles_start
    return count, bool(flags & UTF8_FLAG), table, pos + strings_start, pos + stop


def _budget(data: bytes) -> int:
    # Every byte of string data may be decoded a few times, no more (overlapping offsets).
    return max(1 << 24, 8 * len(data))


class StringPool:
    """A ``ResStringPool`` chunk, decoded eagerly into :attr:`strings`; ``pool[i]`` is ``""`` for a
    bad or absent index.

    Construction validates the structure (counts, offset table, string area bounds) and raises
    :class:`MalformedInput`. A single bad string (outside the string data) reads as ``""`` and a
    missing terminator is tolerated; both are noted in ``anomalies``. The total decoded size is
    bounded by a budget proportional to the input, which only overlapping hostile offsets exceed.
    ``limit`` decodes only the first ``limit`` strings; ``max_count`` rejects larger pools.
    """

    __slots__ = ("strings", "count", "utf8")

    def __init__(
        self,
        data: bytes,
        pos: int,
        end: int,
        what: str,
        anomalies: _Anomalies | None = None,
        limit: int | None = None,
        max_count: int | None = MAX_STRINGS,
    ) -> None:
        count, utf8, table, base, stop = _pool_layout(data, pos, end, what, max_count)
        self.count = count
        self.utf8 = utf8
        if limit is not None:
            count = max(0, min(count, limit))
        if not count:
            self.strings: list[str] = []
            return
        offsets = struct.unpack_from(f"<{count}I", data, table)
        bad: list[tuple[int, str]] = []
        decode = _decode_utf8 if utf8 else _decode_utf16
        self.strings = decode(data, offsets, base, stop, _budget(data), bad, what)
        if bad and anomalies is not None:
            _report_bad_strings(bad, anomalies)

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, idx: int) -> str:
        return self.strings[idx] if 0 <= idx < len(self.strings) else ""


_PLURAL = {
    "is not NUL-terminated": "are not NUL-terminated",
    "starts outside the string data": "start outside the string data",
    "extends past the string data": "extend past the string data",
}


def _report_bad_strings(bad: list[tuple[int, str]], anomalies: _Anomalies) -> None:
    by_reason: dict[str, list[int]] = {}
    for idx, why in bad:
        by_reason.setdefault(why, []).append(idx)
    for why, idxs in by_reason.items():
        if len(idxs) == 1:
            anomalies.add(f"string #{idxs[0]} {why}")
        else:
            anomalies.add(f"{len(idxs)} strings {_PLURAL.get(why, why)} (first #{idxs[0]})")


def string_at(data: bytes, pos: int, end: int, idx: int, what: str) -> str | None:
    """Decode only string ``idx`` of the pool at ``pos`` (``None`` if the index is out of range)."""
    count, utf8, table, base, stop = _pool_layout(data, pos, end, what, None)
    if not 0 <= idx < count:
        return None
    offsets = _U32(data, table + 4 * idx)
    if utf8:
        return _decode_utf8(data, offsets, base, stop, _budget(data), [], what)[0]
    return _decode_utf16_slow(data, offsets, base, stop, _budget(data), [], what)[0]


def _over_budget(what: str) -> MalformedInput:
    return MalformedInput(f"{what}: string pool decodes to far more text than its size (overlapping strings)")


def _decode_utf16(data, offsets, base, stop, budget, bad, what) -> list[str]:
    region = data[base:stop]
    if len(region) & 1:
        region = region[:-1]
    text = region.decode("utf-16-le", "surrogatepass")
    size = len(text)
    if size * 2 != len(region):
        # Surrogate pairs present: character positions no longer match offsets; decode one by one.
        return _decode_utf16_slow(data, offsets, base, stop, budget, bad, what)
    out = []
    append = out.append
    bad_chars = _BAD_CHARS
    for idx, off in enumerate(offsets):
        k = off >> 1
        if k >= size:
            bad.append((idx, "starts outside the string data"))
            append("")
            continue
        n = ord(text[k])
        k += 1
        if n & 0x8000:
            if k >= size:
                bad.append((idx, "extends past the string data"))
                append("")
                continue
            n = ((n & 0x7FFF) << 16) | ord(text[k])
            k += 1
        q = k + n
        if q > size:
            bad.append((idx, "extends past the string data"))
            append("")
            continue
        budget -= n
        if budget < 0:
            raise _over_budget(what)
        s = text[k:q]
        if q >= size or text[q] != "\x00":
            bad.append((idx, "is not NUL-terminated"))
        if "\x00" in s:
            s = s[: s.find("\x00")]
        if not s.isprintable():
            s = s.translate(bad_chars)
        append(s)
    return out


def _decode_utf16_slow(data, offsets, base, stop, budget, bad, what) -> list[str]:
    out = []
    for idx, off in enumerate(offsets):
        p = base + (off & ~1)
        if p + 2 > stop:
            bad.append((idx, "starts outside the string data"))
            out.append("")
            continue
        (n,) = _U16(data, p)
        p += 2
        if n & 0x8000:
            if p + 2 > stop:
                bad.append((idx, "extends past the string data"))
                out.append("")
                continue
            n = ((n & 0x7FFF) << 16) | _U16(data, p)[0]
            p += 2
        q = p + 2 * n
        if q > stop:
            bad.append((idx, "extends past the string data"))
            out.append("")
            continue
        budget -= n
        if budget < 0:
            raise _over_budget(what)
        if q + 2 > stop or data[q] or data[q + 1]:
            bad.append((idx, "is not NUL-terminated"))
        out.append(_clean(data[p:q].decode("utf-16-le", "replace")))
    return out


def _decode_utf8(data, offsets, base, stop, budget, bad, what) -> list[str]:
    out = []
    append = out.append
    bad_chars = _BAD_CHARS
    for idx, off in enumerate(offsets):
        p = base + off
        if p + 2 > stop:
            bad.append((idx, "starts outside the string data"))
            append("")
            continue
        # UTF-16 length (skipped), then UTF-8 byte length; each 1 or 2 bytes.
        p += 2 if data[p] & 0x80 else 1
        if p + 1 > stop:
            bad.append((idx, "extends past the string data"))
            append("")
            continue
        n = data[p]
        if n & 0x80:
            if p + 2 > stop:
                bad.append((idx, "extends past the string data"))
                append("")
                continue
            n = ((n & 0x7F) << 8) | data[p + 1]
            p += 2
        else:
            p += 1
        q = p + n
        if q > stop:
            bad.append((idx, "extends past the string data"))
            append("")
            continue
        budget -= n
        if budget < 0:
            raise _over_budget(what)
        if q >= stop or data[q]:
            bad.append((idx, "is not NUL-terminated"))
        s = data[p:q].decode("utf-8", "replace")
        if "\x00" in s:
            s = s[: s.find("\x00")]
        if not s.isprintable():
            s = s.translate(bad_chars)
        append(s)
    return out


class Element:
    """One XML element: ``tag``, ``attrs`` (local name -> rendered value), ``children``.

    ``offset`` is the byte offset of the element's start chunk in the AXML data (provenance);
    ``text`` is the concatenated CDATA directly inside the element ('' when none).
    """

    __slots__ = ("tag", "attrs", "children", "offset", "text")

    def __init__(
        self,
        tag: str,
        attrs: dict[str, str] | None = None,
        children: list[Element] | None = None,
        offset: int = -1,
        text: str = "",
    ) -> None:
        self.tag = tag
        self.attrs = attrs if attrs is not None else {}
        self.children = children if children is not None else []
        self.offset = offset
        self.text = text

    def get(self, key: str, default: str | None = None) -> str | None:
        return self.attrs.get(key, default)

    def find(self, tag: str) -> Element | None:
        """First direct child with this tag."""
        for c in self.children:
            if c.tag == tag:
                return c
        return None

    def findall(self, tag: str) -> list[Element]:
        """Direct children with this tag."""
        return [c for c in self.children if c.tag == tag]

    def iter(self, tag: str | None = None):
        """This element and all descendants in document order (iterative: no recursion limit)."""
        stack = [self]
        while stack:
            e = stack.pop()
            if tag is None or e.tag == tag:
                yield e
            stack.extend(reversed(e.children))

    def __repr__(self) -> str:
        return f"Element({self.tag!r}, {len(self.attrs)} attrs, {len(self.children)} children, offset={self.offset})"


class Document:
    """Result of :func:`parse_document`."""

    __slots__ = ("root", "anomalies", "element_count")

    def __init__(self, root: Element, anomalies: list[str], element_count: int) -> None:
        self.root = root
        self.anomalies = anomalies
        self.element_count = element_count


def _fmt_float(x: float) -> str:
    s = f"{x:.7g}"
    if "." not in s and "e" not in s and "n" not in s:
        s += ".0"
    return s


def _complex(data: int) -> float:
    mantissa = data & 0xFFFFFF00
    if mantissa & 0x80000000:
        mantissa -= 1 << 32
    return mantissa * _RADIX_MULTS[(data >> 4) & 3]


def format_value(vtype: int, data: int) -> str:
    """Render a typed ``Res_value`` that is not a string (strings come from the pool)."""
    if vtype == TYPE_INT_DEC:
        return str(data - (1 << 32) if data & 0x80000000 else data)
    if vtype == TYPE_INT_BOOLEAN:
        return "true" if data else "false"
    if vtype == TYPE_REFERENCE or vtype == TYPE_DYNAMIC_REFERENCE:
        return f"@0x{data:08x}"
    if vtype == TYPE_INT_HEX:
        return f"0x{data:08x}"
    if TYPE_FIRST_COLOR_INT <= vtype <= TYPE_LAST_COLOR_INT:
        return f"#{data:08x}"
    if TYPE_INT_DEC < vtype <= TYPE_LAST_INT:
        return str(data - (1 << 32) if data & 0x80000000 else data)
    if vtype == TYPE_ATTRIBUTE or vtype == TYPE_DYNAMIC_ATTRIBUTE:
        return f"?0x{data:08x}"
    if vtype == TYPE_NULL:
        return ""
    if vtype == TYPE_FLOAT:
        return _fmt_float(_FLOAT.unpack(data.to_bytes(4, "little"))[0])
    if vtype == TYPE_DIMENSION:
        unit = data & 0xF
        return _fmt_float(_complex(data)) + (_DIMENSION_UNITS[unit] if unit < 6 else "")
    if vtype == TYPE_FRACTION:
        unit = data & 0xF
        return _fmt_float(_complex(data) * 100) + (_FRACTION_UNITS[unit] if unit < 2 else "")
    return f"0x{data:08x}"


def _looks_like_node(data: bytes, q: int, end: int) -> bool:
    """Is there a plausible XML node (or resource map) header at ``q``? Used to resync after junk."""
    t, hs, size = _HDR(data, q)
    if RES_XML_START_NAMESPACE_TYPE <= t <= RES_XML_CDATA_TYPE:
        return hs == 16 and size >= 24 and q + size <= end
    if t == RES_XML_RESOURCE_MAP_TYPE:
        return hs == 8 and size >= 8 and size % 4 == 0 and q + size <= end
    return False


def _resync(data: bytes, q: int, end: int, budget: list[int]) -> int:
    """Offset of the next plausible node header at or after ``q``, or -1. Node headers start
    ``?? 01 10 00`` (type 0x01xx, header size 16), resource maps ``80 01 08 00``; ``find`` keeps
    the scan in C, and ``budget`` (candidates left for the whole document) bounds the rest."""
    last = end - 8
    node = rmap = -2  # next match of each pattern at or after q (-1: none left)
    while q <= last:
        budget[0] -= 1
        if budget[0] < 0:
            return -1
        if node != -1 and node < q:
            node = data.find(b"\x01\x10\x00", q + 1, end)
            node = node - 1 if node > 0 else -1
        if rmap != -1 and rmap < q:
            rmap = data.find(b"\x80\x01\x08\x00", q, end)
        if node < 0 and rmap < 0:
            return -1
        c = min(x for x in (node, rmap) if x >= 0)
        if c > last:
            return -1
        if _looks_like_node(data, c, end):
            return c
        q = c + 1
    return -1


def _attr_struct(count: int) -> struct.Struct:
    st = _ATTR_STRUCTS.get(count)
    if st is None:
        st = struct.Struct(f"<{5 * count}I")
        if len(_ATTR_STRUCTS) < 256:
            _ATTR_STRUCTS[count] = st
    return st


_ATTR_STRUCTS: dict[int, struct.Struct] = {}


def parse_document(data: bytes, what: str = "binary manifest") -> Document:
    """Parse AXML ``data`` into a :class:`Document`; raise :class:`MalformedInput` when impossible."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError("parse_document() needs bytes")
    if not isinstance(data, bytes):
        data = bytes(data)
    n = len(data)
    anomalies = _Anomalies()
    add = anomalies.add
    if n < 8:
        raise MalformedInput(f"{what}: too short to be binary XML ({n} bytes)")
    if data[:16].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<"):
        raise MalformedInput(f"{what}: plain-text XML, not binary XML")
    rtype, rhs, rsize = _HDR(data, 0)
    if rhs < 8 or rhs > n:
        raise MalformedInput(f"{what}: not binary XML (first chunk header size {rhs})")
    if rtype != RES_XML_TYPE:
        add(f"outer chunk type is 0x{rtype:04x}, not 0x0003")
    if rhs != 8:
        add(f"outer chunk header size is {rhs}, not 8")
    end = n
    if rsize > n:
        add(f"declared size {rsize} is larger than the data ({n} bytes); ignored")
    elif rsize < rhs + 8:
        add(f"declared size {rsize} is implausibly small; ignored")
    elif rsize < n:
        add(f"{n - rsize} bytes after the declared end of the document ignored")
        end = rsize

    pool: StringPool | None = None
    strs: list[str] = []
    nstr = 0
    resmap: tuple[int, ...] = ()
    names: dict[int, tuple[str | None, int]] = {}  # attribute name index -> (key, priority)
    stack: list[Element] = []
    root: Element | None = None
    root_closed = False
    ignored_depth = 0  # depth inside elements that follow the closed root (ignored, like Android)
    count = 0
    pos = rhs
    hdr = _HDR
    start_unpack = _START
    android_attrs = ANDROID_ATTRS
    fmt = format_value
    resync_budget = [MAX_RESYNC_CANDIDATES]

    disagree: list[str] = []

    def resolve(ni: int) -> tuple[str | None, int]:
        """Attribute key for a name index and how it was found: 2 = android resource id, 1 = other
        resource id, 0 = string pool only."""
        rid = resmap[ni] if ni < len(resmap) else 0
        local = (strs[ni] if ni < nstr else "").rpartition(":")[2]
        key = android_attrs.get(rid)
        if key is not None:
            if local and local != key:
                disagree.append(f"{local[:40]!r} has id 0x{rid:08x} ({key})")
            r = (key, 2)
        elif local:
            r = (local, 1 if rid else 0)
        elif rid:
            r = (f"0x{rid:08x}", 1)
        else:
            r = (None, 0)
        names[ni] = r
        return r

    while pos < end:
        if end - pos < 8:
            add(f"{end - pos} stray bytes at offset {pos} ignored")
            break
        t, hs, size = hdr(data, pos)
        if hs < 8 or size < hs or size > end - pos:
            if size < 8 and t == RES_XML_END_NAMESPACE_TYPE and hs == 16 and end - pos == 24:
                # Packers zero the size of the final end-namespace chunk (androguard accepts it).
                break
            if hs >= 8 and size >= hs:
                if root_closed and not stack:
                    add(f"truncated chunk at offset {pos} after the root element ignored")
                    break
                raise MalformedInput(
                    f"{what}: chunk 0x{t:04x} at offset {pos} declares {size} bytes"
                    f" but only {end - pos} remain (truncated)"
                )
            # Not a chunk header: scan forward for the next plausible node, as androguard does.
            q = _resync(data, pos + 1, end, resync_budget)
            if q < 0:
                if stack or root is None:
                    raise MalformedInput(f"{what}: unreadable chunk header at offset {pos} (header {hs}, size {size})")
                add(f"unreadable data from offset {pos} to the end ignored")
                break
            add(f"{q - pos} bytes of junk at offset {pos} skipped")
            pos = q
            continue
        nxt = pos + size

        if t == RES_XML_START_ELEMENT_TYPE and hs >= 16 and pool is not None:
            ext = pos + hs
            room = size - hs
            if room < 20:
                raise MalformedInput(f"{what}: element chunk at offset {pos} is too small ({size} bytes)")
            _ns, tname, astart, asize, acount, _id, _cls, _sty = start_unpack(data, ext)
            if acount and (asize < 20 or astart + asize * acount > room):
                raise MalformedInput(
                    f"{what}: element at offset {pos} declares {acount} attributes that do not fit in its chunk"
                )
            if root_closed:
                if ignored_depth == 0:
                    add(f"element after the root's end at offset {pos} ignored")
                ignored_depth += 1
                pos = nxt
                continue
            count += 1
            if count > MAX_ELEMENTS:
                raise MalformedInput(f"{what}: more than {MAX_ELEMENTS} elements")
            if len(stack) >= MAX_DEPTH:
                raise MalformedInput(f"{what}: elements nested deeper than {MAX_DEPTH}")
            attrs: dict[str, str] = {}
            if acount:
                if asize == 20:
                    vals = _attr_struct(acount).unpack_from(data, ext + astart)
                else:
                    vals = []
                    a = ext + astart
                    for _ in range(acount):
                        vals.extend(_U32x5(data, a))
                        a += asize
                prio: dict[str, int] = {}
                for i in range(0, 5 * acount, 5):
                    ani = vals[i + 1]
                    r = names.get(ani)
                    if r is None:
                        r = resolve(ani)
                    key, p = r
                    if key is None:
                        continue
                    if key in prio and p <= prio[key]:
                        continue  # duplicate: the first wins unless this one is named by an android resource id
                    araw = vals[i + 2]
                    vtype = vals[i + 3] >> 24
                    vdata = vals[i + 4]
                    if vtype == TYPE_STRING:
                        # The platform reads typed android: attributes from the typed data and other
                        # attributes (package, ...) from the raw string.
                        si = vdata if p == 2 or araw == NO_INDEX else araw
                        attrs[key] = strs[si] if si < nstr else ""
                    elif vtype == TYPE_NULL and araw != NO_INDEX:
                        attrs[key] = strs[araw] if araw < nstr else ""
                    else:
                        attrs[key] = fmt(vtype, vdata)
                    prio[key] = p
            tag = strs[tname] if tname < nstr else ""
            if ":" in tag:
                tag = tag.rpartition(":")[2]
            el = Element(tag, attrs, [], pos)
            if stack:
                stack[-1].children.append(el)
            elif root is None:
                root = el
            stack.append(el)
            pos = nxt
            continue

        if t == RES_XML_END_ELEMENT_TYPE and hs >= 16 and pool is not None:
            if size - hs < 8:
                raise MalformedInput(f"{what}: end-element chunk at offset {pos} is too small ({size} bytes)")
            if ignored_depth:
                ignored_depth -= 1
            elif stack:
                stack.pop()
                if not stack:
                    root_closed = True
            else:
                add(f"end of element without a start at offset {pos} ignored")
            pos = nxt
            continue

        if t == RES_STRING_POOL_TYPE:
            if pool is None:
                pool = StringPool(data, pos, nxt, what, anomalies)
                strs = pool.strings
                nstr = len(strs)
            else:
                add(f"extra string pool at offset {pos} ignored")
        elif t == RES_XML_RESOURCE_MAP_TYPE:
            if not resmap:
                cnt = (size - hs) // 4
                if cnt > MAX_STRINGS:
                    raise MalformedInput(f"{what}: absurd resource map size {cnt}")
                resmap = struct.unpack_from(f"<{cnt}I", data, pos + hs)
                names.clear()
            else:
                add(f"extra resource map at offset {pos} ignored")
        elif not (RES_XML_START_NAMESPACE_TYPE <= t <= RES_XML_LAST_CHUNK_TYPE):
            add(f"unknown chunk type 0x{t:04x} at offset {pos} skipped")
        elif hs < 16:
            add(f"node 0x{t:04x} at offset {pos} has header size {hs}; skipped")
        elif pool is None:
            raise MalformedInput(f"{what}: no string pool before the first XML node")
        elif t == RES_XML_CDATA_TYPE:
            if size - hs < 12:
                raise MalformedInput(f"{what}: text chunk at offset {pos} is too small ({size} bytes)")
            if stack and not ignored_depth:
                (ti,) = _U32(data, pos + hs)
                if ti < nstr:
                    stack[-1].text += strs[ti]
        elif t == RES_XML_START_NAMESPACE_TYPE or t == RES_XML_END_NAMESPACE_TYPE:
            if size - hs < 8:
                raise MalformedInput(f"{what}: namespace chunk at offset {pos} is too small ({size} bytes)")
        else:
            add(f"unknown XML node type 0x{t:04x} at offset {pos} skipped")
        pos = nxt

    if root is None:
        if pool is None:
            raise MalformedInput(f"{what}: no string pool")
        raise MalformedInput(f"{what}: no root element")
    if stack:
        add(f"document ends inside <{stack[-1].tag}> ({len(stack)} elements left open)")
    if disagree:
        add(
            f"{len(disagree)} attribute name(s) in the string pool disagree with their resource ids,"
            f" which were used (first: {disagree[0]})"
        )
    return Document(root, anomalies.final(), count)


def parse_axml(data: bytes, what: str = "binary manifest") -> Element:
    """Parse AXML ``data`` and return the root :class:`Element`."""
    return parse_document(data, what).root
