"""Manifests of Android App Bundles (.aab): aapt2's protobuf ``XmlNode``, read into the same
element tree the binary-XML reader produces, so one manifest model serves both.

Message fields (frameworks/base tools/aapt2/Resources.proto):
XmlNode {element=1, text=2}; XmlElement {namespace_declaration=1, namespace_uri=2, name=3,
attribute=4, child=5}; XmlAttribute {namespace_uri=1, name=2, value=3, resource_id=5,
compiled_item=6}; Item {ref=1, prim=7}; Reference {id=1, name=3}; Primitive {int_decimal_value=6,
int_hexadecimal_value=7, boolean_value=8}.
"""

from __future__ import annotations

from privaudit.errors import MalformedInput
from privaudit.evidence.apk.axml import ANDROID_ATTRS, Document, Element

MAX_DEPTH = 256
MAX_ELEMENTS = 200_000


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= end or shift > 63:
            raise MalformedInput("bundle manifest: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7


def _fields(buf: bytes, start: int, end: int):
    """(field number, wire type, value or (start, end) of a length-delimited field)."""
    pos = start
    while pos < end:
        key, pos = _varint(buf, pos, end)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, pos = _varint(buf, pos, end)
            yield num, wt, val
        elif wt == 2:
            ln, pos = _varint(buf, pos, end)
            if pos + ln > end:
                raise MalformedInput("bundle manifest: field runs past its message")
            yield num, wt, (pos, pos + ln)
            pos += ln
        elif wt == 5:
            pos += 4
        elif wt == 1:
            pos += 8
        else:
            raise MalformedInput(f"bundle manifest: unsupported wire type {wt}")
        if pos > end:
            raise MalformedInput("bundle manifest: truncated field")


def _text(buf: bytes, span: tuple[int, int]) -> str:
    return bytes(buf[span[0] : span[1]]).decode("utf-8", "replace")


def _compiled(buf: bytes, span: tuple[int, int]) -> str | None:
    for num, wt, val in _fields(buf, *span):
        if num == 7 and wt == 2:  # Primitive
            for pnum, pwt, pval in _fields(buf, *val):
                if pnum == 8 and pwt == 0:
                    return "true" if pval else "false"
                if pnum in (6, 7) and pwt == 0:
                    v = pval - (1 << 64) if pval >= 1 << 63 else pval
                    return str(v) if pnum == 6 else f"0x{v & 0xFFFFFFFF:08x}"
        if num == 1 and wt == 2:  # Reference
            for rnum, rwt, rval in _fields(buf, *val):
                if rnum == 1 and rwt == 0:
                    return f"@0x{rval:08x}"
    return None


def _attribute(buf: bytes, span: tuple[int, int]) -> tuple[str, str]:
    name, value, res_id, compiled = "", "", 0, None
    for num, wt, val in _fields(buf, *span):
        if num == 2 and wt == 2:
            name = _text(buf, val)
        elif num == 3 and wt == 2:
            value = _text(buf, val)
        elif num == 5 and wt == 0:
            res_id = val
        elif num == 6 and wt == 2:
            compiled = _compiled(buf, val)
    if res_id in ANDROID_ATTRS:
        name = ANDROID_ATTRS[res_id]
    return name, value if value else (compiled or "")


def parse_proto_document(data: bytes) -> Document:
    """The element tree of a protobuf XmlNode (iterative, bounded depth and size)."""
    count = 0
    root: Element | None = None
    # stack of (span of an XmlNode, parent element)
    stack: list[tuple[tuple[int, int], Element | None, int]] = [((0, len(data)), None, 0)]
    while stack:
        span, parent, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise MalformedInput("bundle manifest: nesting too deep")
        for num, wt, val in _fields(data, *span):
            if num != 1 or wt != 2:
                continue
            count += 1
            if count > MAX_ELEMENTS:
                raise MalformedInput("bundle manifest: too many elements")
            el = Element("", offset=val[0])
            kids = []
            for enum, ewt, evl in _fields(data, *val):
                if enum == 3 and ewt == 2:
                    el.tag = _text(data, evl)
                elif enum == 4 and ewt == 2:
                    k, v = _attribute(data, evl)
                    if k:
                        el.attrs.setdefault(k, v)
                elif enum == 5 and ewt == 2:
                    kids.append(evl)
            if parent is None:
                if root is not None:
                    raise MalformedInput("bundle manifest: more than one root element")
                root = el
            else:
                parent.children.append(el)
            for kid in reversed(kids):
                stack.append((kid, el, depth + 1))
    if root is None:
        raise MalformedInput("bundle manifest: no root element")
    # Children were pushed in reverse so they pop in order; appends above kept that order.
    return Document(root, [], count)


def parse_proto_manifest(data: bytes, entry: str = "base/manifest/AndroidManifest.xml"):
    """The ``Manifest`` of a bundle module."""
    from privaudit.evidence.apk.manifest import manifest_from_document

    try:
        doc = parse_proto_document(data)
    except MalformedInput as exc:
        raise MalformedInput(str(exc), path=entry) from None
    return manifest_from_document(doc, entry)
