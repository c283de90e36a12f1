"""DEX reading that touches only what a decision needs.

A DEX file keeps its string, type, field and method tables sorted (the platform verifier
rejects files that do not), so a catalogue API is found by binary search, not by decoding
every name. Call sites are found with one regular-expression pass over the file for the
invoke/field-read opcodes that carry a wanted index; only the methods holding such a
candidate are decoded instruction by instruction to confirm it and to learn which class and
method make the call. Class data (to map code to methods) is parsed only when there is a
candidate at all.
"""

from __future__ import annotations

import bisect
import re
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from privaudit.errors import MalformedInput

NO_INDEX = 0xFFFFFFFF
INVOKE_OPS = bytes([*range(0x6E, 0x73), *range(0x74, 0x79), 0xFA, 0xFB, 0xFC, 0xFD])
FIELD_READ_OPS = bytes([*range(0x52, 0x59), *range(0x60, 0x67)])
CONST_STRING = 0x1A
CONST_STRING_JUMBO = 0x1B
MAX_TABLE = 1 << 24  # far above any real table; a bigger count is a hostile header


def _widths() -> bytes:
    """Instruction width in 16-bit code units, by opcode (payloads handled separately)."""
    w = [1] * 256
    spans = {
        2: [0x02, 0x05, 0x08, 0x13, 0x15, 0x16, 0x19, 0x1A, 0x1C, 0x1F, 0x20, 0x22, 0x23, 0x29,
            *range(0x2D, 0x3E), *range(0x44, 0x6E), *range(0x90, 0xB0), *range(0xD0, 0xE3),
            0xFE, 0xFF],
        3: [0x03, 0x06, 0x09, 0x14, 0x17, 0x1B, 0x24, 0x25, 0x26, 0x2A, 0x2B, 0x2C,
            *range(0x6E, 0x73), *range(0x74, 0x79), 0xFC, 0xFD],
        4: [0xFA, 0xFB],
        5: [0x18],
    }
    for width, ops in spans.items():
        for op in ops:
            w[op] = width
    return bytes(w)


WIDTH = _widths()


@dataclass(slots=True, eq=False)
class CallSite:
    """One use of a wanted method or field, located in the caller's bytecode."""

    target: int  # method or field index
    target_kind: str  # "method" | "field"
    caller_class: str  # type descriptor, e.g. Lcom/umeng/commonsdk/UMConfigure;
    caller_method: str  # name + descriptor, e.g. init(Landroid/content/Context;)V
    offset: int  # byte offset of the instruction in the DEX file
    strings: tuple[str, ...] = ()  # string constants loaded in the same method


@dataclass(slots=True)
class _Code:
    start: int  # offset of the code item
    end: int  # end of its instructions
    class_idx: int
    method_idx: int


class Dex:
    """A parsed DEX header with lazy access to its tables."""

    def __init__(self, data: bytes, label: str) -> None:
        self.data = data
        self.label = label
        self._strings: dict[int, str] = {}
        self._codes: list[_Code] | None = None
        self._by_class: dict[int, list[_Code]] = {}
        self._class_index: dict[int, int] | None = None
        self._method_names: set[int] | None = None
        self._code_starts: list[int] = []
        d = data
        if len(d) < 0x70 or d[:4] != b"dex\n":
            raise MalformedInput("not a DEX file (bad magic)", label)
        (endian,) = struct.unpack_from("<I", d, 0x28)
        if endian != 0x12345678:
            raise MalformedInput("big-endian or corrupt DEX header", label)
        (
            self.string_ids_size, self.string_ids_off, self.type_ids_size, self.type_ids_off,
            self.proto_ids_size, self.proto_ids_off, self.field_ids_size, self.field_ids_off,
            self.method_ids_size, self.method_ids_off, self.class_defs_size, self.class_defs_off,
        ) = struct.unpack_from("<12I", d, 0x38)
        self._table("string_ids", self.string_ids_off, self.string_ids_size, 4)
        self._table("type_ids", self.type_ids_off, self.type_ids_size, 4)
        self._table("proto_ids", self.proto_ids_off, self.proto_ids_size, 12)
        self._table("field_ids", self.field_ids_off, self.field_ids_size, 8)
        self._table("method_ids", self.method_ids_off, self.method_ids_size, 8)
        self._table("class_defs", self.class_defs_off, self.class_defs_size, 32)
        mv = memoryview(d)
        self._string_ids = mv[self.string_ids_off : self.string_ids_off + 4 * self.string_ids_size].cast("I")
        self._type_ids = mv[self.type_ids_off : self.type_ids_off + 4 * self.type_ids_size].cast("I")

    def _table(self, name: str, off: int, count: int, width: int) -> None:
        if count > MAX_TABLE or (count and (off <= 0 or off + count * width > len(self.data))):
            raise MalformedInput(f"DEX {name} table out of range", self.label)

    # -- names ------------------------------------------------------------------------------

    def string(self, idx: int) -> str:
        """String ``idx``, decoded once (MUTF-8; malformed bytes replaced, never raised)."""
        s = self._strings.get(idx)
        if s is not None:
            return s
        if not 0 <= idx < self.string_ids_size:
            return f"<bad string {idx}>"
        off = self._string_ids[idx]
        d = self.data
        if off >= len(d):
            return f"<bad string {idx}>"
        pos = off
        while pos < len(d) and d[pos] & 0x80:  # skip the ULEB128 UTF-16 length
            pos += 1
        end = d.find(b"\x00", pos + 1)
        raw = d[pos + 1 : end if end >= 0 else len(d)]
        s = _mutf8(raw)
        self._strings[idx] = s
        return s

    def type_name(self, type_idx: int) -> str:
        if not 0 <= type_idx < self.type_ids_size:
            return f"<bad type {type_idx}>"
        return self.string(self._type_ids[type_idx])

    def method_ref(self, idx: int) -> tuple[int, int, int]:
        """(class type idx, proto idx, name string idx) of method ``idx``."""
        return struct.unpack_from("<HHI", self.data, self.method_ids_off + 8 * idx)

    def field_ref(self, idx: int) -> tuple[int, int, int]:
        """(class type idx, type idx, name string idx) of field ``idx``."""
        return struct.unpack_from("<HHI", self.data, self.field_ids_off + 8 * idx)

    def method_signature(self, idx: int) -> str:
        """``name(params)ret`` for method ``idx``."""
        _, proto, name = self.method_ref(idx)
        return self.string(name) + self._proto(proto)

    def _proto(self, proto: int) -> str:
        if proto >= self.proto_ids_size:
            return "(?)"
        _, ret, params_off = struct.unpack_from("<III", self.data, self.proto_ids_off + 12 * proto)
        params = ""
        if params_off and params_off + 4 <= len(self.data):
            (n,) = struct.unpack_from("<I", self.data, params_off)
            n = min(n, 255)
            if params_off + 4 + 2 * n <= len(self.data):
                params = "".join(self.type_name(t) for t in struct.unpack_from(f"<{n}H", self.data, params_off + 4))
        return f"({params}){self.type_name(ret)}"

    def find_string(self, s: str) -> int:
        """Index of string ``s`` or -1 (binary search over the sorted string table)."""
        lo, hi = 0, self.string_ids_size
        key = _utf16_key(s)
        while lo < hi:
            mid = (lo + hi) // 2
            cur = _utf16_key(self.string(mid))
            if cur < key:
                lo = mid + 1
            elif cur > key:
                hi = mid
            else:
                return mid
        return -1

    def find_type(self, descriptor: str) -> int:
        sidx = self.find_string(descriptor)
        if sidx < 0:
            return -1
        ids = self._type_ids
        i = bisect.bisect_left(ids, sidx)
        return i if i < len(ids) and ids[i] == sidx else -1

    def _class_range(self, off: int, count: int, type_idx: int) -> range:
        """Indexes in a (class, name, …)-sorted id table whose class is ``type_idx``."""
        data = self.data

        def cls(i: int) -> int:
            return data[off + 8 * i] | (data[off + 8 * i + 1] << 8)

        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            if cls(mid) < type_idx:
                lo = mid + 1
            else:
                hi = mid
        end = lo
        while end < count and cls(end) == type_idx:
            end += 1
        return range(lo, end)

    def find_methods(self, descriptor: str, name: str) -> list[int]:
        """Method ids of ``descriptor->name`` (all overloads); [] if the DEX never refers to it."""
        t = self.find_type(descriptor)
        if t < 0:
            return []
        return [i for i in self._class_range(self.method_ids_off, self.method_ids_size, t)
                if self.string(self.method_ref(i)[2]) == name]

    def is_method_name(self, name: str) -> bool:
        """Whether any method this DEX refers to, in any class, is called ``name``."""
        sidx = self.find_string(name)
        if sidx < 0:
            return False
        if self._method_names is None:
            table = self.data[self.method_ids_off : self.method_ids_off + 8 * self.method_ids_size]
            self._method_names = {n for _, _, n in struct.iter_unpack("<HHI", table)}
        return sidx in self._method_names

    def find_fields(self, descriptor: str, name: str) -> list[int]:
        t = self.find_type(descriptor)
        if t < 0:
            return []
        return [i for i in self._class_range(self.field_ids_off, self.field_ids_size, t)
                if self.string(self.field_ref(i)[2]) == name]

    # -- classes ----------------------------------------------------------------------------

    def class_defs(self) -> Iterator[tuple[int, int]]:
        """(class type idx, class_data_off) of every class defined in this DEX."""
        base = self.class_defs_off
        for i in range(self.class_defs_size):
            cls, _, _, _, _, _, data_off, _ = struct.unpack_from("<8I", self.data, base + 32 * i)
            yield cls, data_off

    def defined_classes(self) -> list[str]:
        return [self.type_name(c) for c, _ in self.class_defs()]

    # -- call sites -------------------------------------------------------------------------

    def call_sites(self, methods: Iterable[int], fields: Iterable[int] = (),
                   strings: Iterable[int] = ()) -> list[CallSite]:
        """Every instruction that invokes one of ``methods``, reads one of ``fields`` or loads one of
        the string constants ``strings`` (``target_kind`` "string": e.g. an API name for reflection)."""
        methods, fields, strings = set(methods), set(fields), set(strings)
        if not methods and not fields and not strings:
            return []
        found = list(self._candidates(methods, fields, strings))
        if not found:
            return []
        by_code: dict[int, tuple[_Code, list[tuple[int, int, str]]]] = {}
        for hit in found:
            code = self._code_at(hit[0])
            if code is not None:
                by_code.setdefault(code.start, (code, []))[1].append(hit)
        out: list[CallSite] = []
        for code, hits in by_code.values():
            starts, strings = self._decode(code)
            cls = self.type_name(code.class_idx)
            meth = self.method_signature(code.method_idx)
            for pos, target, kind in hits:
                if pos in starts:
                    out.append(CallSite(target, kind, cls, meth, pos, strings))
        out.sort(key=lambda c: c.offset)
        return out

    def _candidates(self, methods: set[int], fields: set[int],
                    strings: set[int] = frozenset()) -> Iterator[tuple[int, int, str]]:
        """(offset, index, kind) of byte runs that look like a wanted invoke or field read.

        One pass over the code section; a candidate must sit on a 16-bit boundary and is confirmed
        later by decoding its method.
        """
        def alts(wanted: set[int]) -> bytes:
            return b"|".join(re.escape(struct.pack("<H", w)) for w in sorted(wanted) if w <= 0xFFFF)

        parts = []
        if methods:
            parts.append(b"(?P<m>[" + re.escape(INVOKE_OPS) + b"][\\x00-\\xff](?:" + alts(methods) + b"))")
        if fields:
            parts.append(b"(?P<f>[" + re.escape(FIELD_READ_OPS) + b"][\\x00-\\xff](?:" + alts(fields) + b"))")
        if strings:
            parts.append(b"(?P<s>\\x1a[\\x00-\\xff](?:" + alts(strings) + b"))")
        pat = re.compile(b"|".join(parts))
        kinds = {"m": ("method", methods), "f": ("field", fields), "s": ("string", strings)}
        data = self.data
        pos, stop = self._code_section()
        while True:
            m = pat.search(data, pos, stop)
            if m is None:
                return
            start = m.start()
            pos = start + 1
            if start & 1 == 0:
                idx = data[start + 2] | (data[start + 3] << 8)
                kind, wanted = kinds[m.lastgroup]  # type: ignore[index]
                if idx in wanted:
                    yield start, idx, kind

    def _code_section(self) -> tuple[int, int]:
        """Byte range holding the code items, from the map list (the whole file if absent)."""
        d = self.data
        (map_off,) = struct.unpack_from("<I", d, 0x34)
        if map_off and map_off + 4 <= len(d):
            (n,) = struct.unpack_from("<I", d, map_off)
            if map_off + 4 + 12 * n <= len(d):
                items = sorted(struct.unpack_from("<HHII", d, map_off + 4 + 12 * i) for i in range(min(n, 64)))
                offs = sorted(off for _, _, _, off in items)
                for typ, _, _, off in items:
                    if typ == 0x2001:  # TYPE_CODE_ITEM
                        nxt = next((o for o in offs if o > off), len(d))
                        return off, nxt
        return 0x70, len(d)

    def _code_at(self, pos: int) -> _Code | None:
        """The method body containing ``pos``.

        Compilers lay code items out in class order, so a binary search over the classes' first
        method bodies finds the class after parsing a few class headers; if the layout is not in
        class order, every class's data is indexed once instead.
        """
        if self._codes is None:
            hit = self._code_by_class_order(pos)
            if hit is not None:
                return hit
            self._index_code()
        i = bisect.bisect_right(self._code_starts, pos) - 1
        if i < 0:
            return None
        code = self._codes[i]  # type: ignore[index]
        return code if code.start + 16 <= pos < code.end else None

    def _code_by_class_order(self, pos: int) -> _Code | None:
        n = self.class_defs_size
        lo, hi, best = 0, n, -1
        try:
            while lo < hi:
                mid = (lo + hi) // 2
                j, first = self._first_code_from(mid, hi)
                if j < 0 or first > pos:
                    hi = mid
                else:
                    best = j
                    lo = j + 1
            for k in (best, best - 1, best + 1):
                if 0 <= k < n:
                    for code in self._class_codes(k):
                        if code.start + 16 <= pos < code.end:
                            return code
        except (IndexError, struct.error):
            return None
        return None

    def _first_code_from(self, i: int, hi: int) -> tuple[int, int]:
        """The first class at index >= i (below hi) that has a method body, and that body's offset."""
        while i < hi:
            codes = self._class_codes(i)
            if codes:
                return i, codes[0].start
            i += 1
        return -1, 0

    def _class_codes(self, i: int) -> list[_Code]:
        cached = self._by_class.get(i)
        if cached is None:
            cls, _, _, _, _, _, cd_off, _ = struct.unpack_from("<8I", self.data, self.class_defs_off + 32 * i)
            cached = list(self._class_code(cls, cd_off)) if cd_off and cd_off < len(self.data) else []
            self._by_class[i] = cached
        return cached

    def _index_code(self) -> None:
        """Map every method body to its class and method (parses all class_data items)."""
        data = self.data
        n = len(data)
        codes: list[_Code] = []
        for cls, cd_off in self.class_defs():
            if not cd_off or cd_off >= n:
                continue
            try:
                codes.extend(self._class_code(cls, cd_off))
            except (IndexError, struct.error):
                raise MalformedInput("DEX class data runs past the end of the file", self.label) from None
        codes.sort(key=lambda c: c.start)
        self._codes = codes
        self._code_starts = [c.start for c in codes]

    def _class_code(self, cls: int, off: int) -> Iterator[_Code]:
        data = self.data
        pos = off
        counts = []
        for _ in range(4):
            v, pos = _uleb(data, pos)
            counts.append(v)
        sf, inf, dm, vm = counts
        for _ in range(sf + inf):
            _, pos = _uleb(data, pos)
            _, pos = _uleb(data, pos)
        for group in (dm, vm):
            midx = 0
            for _ in range(group):
                diff, pos = _uleb(data, pos)
                _, pos = _uleb(data, pos)
                code_off, pos = _uleb(data, pos)
                midx += diff
                if code_off and code_off + 16 <= len(data):
                    (insns,) = struct.unpack_from("<I", data, code_off + 12)
                    yield _Code(code_off, min(len(data), code_off + 16 + 2 * insns), cls, midx)

    def _decode(self, code: _Code) -> tuple[set[int], tuple[str, ...]]:
        """Instruction start offsets and loaded string constants of one method body."""
        data, width = self.data, WIDTH
        pos, end = code.start + 16, code.end
        starts: set[int] = set()
        strings: list[str] = []
        while pos + 1 < end:
            op = data[pos]
            starts.add(pos)
            if op == 0x00 and data[pos + 1]:  # payload pseudo-instructions
                pos += 2 * _payload_units(data, pos)
                continue
            if op == CONST_STRING and pos + 4 <= end:
                strings.append(self.string(data[pos + 2] | (data[pos + 3] << 8)))
            elif op == CONST_STRING_JUMBO and pos + 6 <= end:
                strings.append(self.string(struct.unpack_from("<I", data, pos + 2)[0]))
            pos += 2 * width[op]
        return starts, tuple(strings)

    def methods_of(self, descriptor: str) -> list[tuple[str, _Code]]:
        """(``name(params)ret``, body) of each method with code in class ``descriptor``, if defined here."""
        if self._class_index is None:
            self._class_index = {cls: i for i, (cls, _) in enumerate(self.class_defs())}
        t = self.find_type(descriptor)
        i = self._class_index.get(t, -1) if t >= 0 else -1
        if i < 0:
            return []
        try:
            return [(self.method_signature(c.method_idx), c) for c in self._class_codes(i)]
        except (IndexError, struct.error):
            return []

    def invoked(self, code: _Code) -> list[tuple[str, str]]:
        """(class descriptor, ``name(params)ret``) of every method one body invokes, in order."""
        data, width = self.data, WIDTH
        pos, end = code.start + 16, code.end
        out: list[tuple[str, str]] = []
        while pos + 3 < end:
            op = data[pos]
            if op == 0x00 and data[pos + 1]:
                pos += 2 * _payload_units(data, pos)
                continue
            if op in INVOKE_OPS and op not in (0xFC, 0xFD):
                idx = data[pos + 2] | (data[pos + 3] << 8)
                if idx < self.method_ids_size:
                    out.append((self.type_name(self.method_ref(idx)[0]), self.method_signature(idx)))
            pos += 2 * width[op]
        return out

    def strings_at(self, pattern: re.Pattern[bytes]) -> Iterator[tuple[int, bytes]]:
        """(offset, bytes) of every match of ``pattern`` in the DEX (e.g. URLs in string data)."""
        for m in pattern.finditer(self.data):
            yield m.start(), m.group(0)


def _payload_units(data: bytes, pos: int) -> int:
    ident = data[pos + 1]
    if pos + 8 > len(data):
        return 1
    if ident == 0x01:  # packed-switch-payload
        (size,) = struct.unpack_from("<H", data, pos + 2)
        return size * 2 + 4
    if ident == 0x02:  # sparse-switch-payload
        (size,) = struct.unpack_from("<H", data, pos + 2)
        return size * 4 + 2
    if ident == 0x03:  # fill-array-data-payload
        elem, size = struct.unpack_from("<HI", data, pos + 2)
        return (size * elem + 1) // 2 + 4
    return 1


def _uleb(data: bytes, pos: int) -> tuple[int, int]:
    b = data[pos]
    if b < 0x80:
        return b, pos + 1
    result, shift = b & 0x7F, 7
    while True:
        pos += 1
        b = data[pos]
        result |= (b & 0x7F) << shift
        if b < 0x80 or shift >= 28:
            return result, pos + 1
        shift += 7


def _mutf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # MUTF-8 encodes NUL as C0 80 and supplementary characters as surrogate pairs.
    fixed = raw.replace(b"\xc0\x80", b"\x00")
    try:
        s = fixed.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return raw.decode("utf-8", "replace")
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _utf16_key(s: str) -> str:
    """DEX sorts strings by UTF-16 code units; code points agree except above U+FFFF,
    so such strings are compared as their surrogate pairs."""
    if s.isascii() or max(map(ord, s)) <= 0xFFFF:
        return s
    units = s.encode("utf-16-be", "surrogatepass")
    return "".join(chr(int.from_bytes(units[i : i + 2], "big")) for i in range(0, len(units), 2))
