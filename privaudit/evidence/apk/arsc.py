"""resources.arsc: the global string pool, and resolution of a single resource id to its value.

Only what an audit needs: every string the app ships (for keyword and SDK evidence) and the value
behind a ``@0x7f...`` reference such as the application label. Pure standard library, bounded work:
the table is walked chunk by chunk (each chunk skipped by its size), reference chains are followed at
most ``MAX_REFERENCE_DEPTH`` times, and every offset is checked against its chunk before it is read.
Errors raise :class:`~privaudit.errors.MalformedInput` with a one-line ``"resources.arsc: ..."``.
"""

from __future__ import annotations

import struct

from privaudit.errors import MalformedInput

from .axml import (
    RES_STRING_POOL_TYPE,
    RES_TABLE_TYPE,
    TYPE_REFERENCE,
    TYPE_STRING,
    StringPool,
    format_value,
    string_at,
)

__all__ = ["resource_strings", "string_value", "MAX_REFERENCE_DEPTH"]

WHAT = "resources.arsc"
RES_TABLE_PACKAGE_TYPE = 0x0200
RES_TABLE_TYPE_TYPE = 0x0201
FLAG_SPARSE = 0x01
FLAG_OFFSET16 = 0x02
ENTRY_FLAG_COMPLEX = 0x0001
ENTRY_FLAG_COMPACT = 0x0008
MAX_REFERENCE_DEPTH = 8

_HDR = struct.Struct("<HHI").unpack_from
_U16 = struct.Struct("<H").unpack_from
_U32 = struct.Struct("<I").unpack_from
_TYPE = struct.Struct("<BBHII").unpack_from  # id, flags, reserved, entryCount, entriesStart
_ENTRY = struct.Struct("<HHI").unpack_from  # size (or compact key), flags, key (or compact data)
_VALUE = struct.Struct("<HBBI").unpack_from  # size, res0, dataType, data


def _table(data: bytes) -> tuple[int, int]:
    """Validate the ResTable header; return (end of table, first chunk offset)."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("resources.arsc data must be bytes")
    n = len(data)
    if n < 12:
        raise MalformedInput(f"{WHAT}: too short ({n} bytes)")
    t, hs, size = _HDR(data, 0)
    if t != RES_TABLE_TYPE:
        raise MalformedInput(f"{WHAT}: not a resource table (chunk type 0x{t:04x})")
    if hs < 12 or hs > n:
        raise MalformedInput(f"{WHAT}: bad table header size {hs}")
    # Like the XML reader: a declared size beyond the data or implausibly small is ignored.
    end = size if hs + 8 <= size <= n else n
    return end, hs


def _chunks(data: bytes, pos: int, end: int):
    """Yield (offset, type, header size, size) of the chunks in [pos, end); stop at a bad header."""
    while pos + 8 <= end:
        t, hs, size = _HDR(data, pos)
        if hs < 8 or size < hs or size > end - pos:
            raise MalformedInput(f"{WHAT}: bad chunk header at offset {pos} (type 0x{t:04x}, size {size})")
        yield pos, t, hs, size
        pos += size


def _global_pool(data: bytes) -> tuple[int, int]:
    end, pos = _table(data)
    for cpos, t, _hs, _size in _chunks(data, pos, end):
        if t == RES_STRING_POOL_TYPE:
            return cpos, end
        if t == RES_TABLE_PACKAGE_TYPE:
            break
    raise MalformedInput(f"{WHAT}: no global string pool")


def resource_strings(data: bytes, limit: int = 2_000_000) -> list[str]:
    """All strings of the table's global string pool (the first ``limit`` of them), in pool order.

    Bad individual strings read as ``""`` (see :class:`~.axml.StringPool`).
    """
    pos, end = _global_pool(data)
    return StringPool(data, pos, end, WHAT, limit=limit, max_count=None).strings


def string_value(data: bytes, res_id: int) -> str | None:
    """The value of resource ``res_id`` (e.g. ``0x7f040000`` for ``@0x7f040000``), or ``None``.

    The default configuration is preferred, else the first configuration that defines the entry.
    References are followed (at most ``MAX_REFERENCE_DEPTH`` hops); strings come from the global pool;
    other simple values are rendered like XML attribute values (``true``, ``12``, ``#ff000000``).
    Complex entries (styles, arrays, plurals) give ``None``.
    """
    pool_pos, end = _global_pool(data)
    seen: set[int] = set()
    for _ in range(MAX_REFERENCE_DEPTH + 1):
        if res_id in seen:
            return None
        seen.add(res_id)
        found = _lookup(data, end, res_id)
        if found is None:
            return None
        dtype, value = found
        if dtype == TYPE_STRING:
            return string_at(data, pool_pos, end, value, WHAT)
        if dtype == TYPE_REFERENCE and value:
            res_id = value
            continue
        return format_value(dtype, value)
    return None


def _lookup(data: bytes, end: int, res_id: int) -> tuple[int, int] | None:
    """(dataType, data) of ``res_id`` in the default configuration, else in the first one found."""
    pkg_id = res_id >> 24
    type_id = (res_id >> 16) & 0xFF
    entry = res_id & 0xFFFF
    if not type_id:
        return None
    _end, first = _table(data)
    first_found: tuple[int, int] | None = None
    for ppos, t, phs, psize in _chunks(data, first, end):
        if t != RES_TABLE_PACKAGE_TYPE:
            continue
        if phs < 12 or _U32(data, ppos + 8)[0] != pkg_id:
            continue
        for cpos, ct, chs, csize in _chunks(data, ppos + phs, ppos + psize):
            if ct != RES_TABLE_TYPE_TYPE or chs < 20 or data[cpos + 8] != type_id:
                continue
            value = _entry_value(data, cpos, chs, csize, entry)
            if value is None:
                continue
            if _is_default_config(data, cpos, chs):
                return value
            if first_found is None:
                first_found = value
        break  # only the first package with this id
    return first_found


def _is_default_config(data: bytes, cpos: int, chs: int) -> bool:
    cfg = cpos + 20
    if cfg + 4 > cpos + chs:
        return True
    (cfg_size,) = _U32(data, cfg)
    stop = min(cfg + max(cfg_size, 4), cpos + chs)
    return not any(data[cfg + 4 : stop])


def _entry_value(data: bytes, cpos: int, chs: int, csize: int, entry: int) -> tuple[int, int] | None:
    _tid, flags, _res, count, entries_start = _TYPE(data, cpos + 8)
    cend = cpos + csize
    table = cpos + chs
    if entries_start > csize or entries_start < chs:
        raise MalformedInput(f"{WHAT}: type chunk at offset {cpos} has entries outside the chunk")
    if flags & FLAG_SPARSE:
        if table + 4 * count > cpos + entries_start:
            raise MalformedInput(f"{WHAT}: sparse entry table at offset {cpos} overruns its chunk")
        off = None
        # Sorted by index: binary search, bounded by log2(count) probes.
        lo, hi = 0, count
        while lo < hi:
            mid = (lo + hi) // 2
            idx, o = struct.unpack_from("<HH", data, table + 4 * mid)
            if idx == entry:
                off = o * 4
                break
            if idx < entry:
                lo = mid + 1
            else:
                hi = mid
        if off is None:
            return None
    elif flags & FLAG_OFFSET16:
        if entry >= count:
            return None
        if table + 2 * count > cpos + entries_start:
            raise MalformedInput(f"{WHAT}: entry table at offset {cpos} overruns its chunk")
        (o,) = _U16(data, table + 2 * entry)
        if o == 0xFFFF:
            return None
        off = o * 4
    else:
        if entry >= count:
            return None
        if table + 4 * count > cpos + entries_start:
            raise MalformedInput(f"{WHAT}: entry table at offset {cpos} overruns its chunk")
        (off,) = _U32(data, table + 4 * entry)
        if off == 0xFFFFFFFF:
            return None
    epos = cpos + entries_start + off
    if epos + 8 > cend:
        raise MalformedInput(f"{WHAT}: entry {entry} of type chunk at offset {cpos} lies outside the chunk")
    esize, eflags, edata = _ENTRY(data, epos)
    if eflags & ENTRY_FLAG_COMPACT:
        return eflags >> 8, edata
    if eflags & ENTRY_FLAG_COMPLEX:
        return None
    vpos = epos + esize
    if esize < 8 or vpos + 8 > cend:
        raise MalformedInput(f"{WHAT}: value of entry {entry} in type chunk at offset {cpos} lies outside the chunk")
    _vsize, _r0, dtype, value = _VALUE(data, vpos)
    return dtype, value
