"""A small binary-XML (AXML) writer for tests: builds manifests and layouts from
``(tag, {attr: value}, [children])`` trees, written independently of the parser it tests.
Values: str → string, bool → boolean, int → decimal, ("ref", id) → reference."""

from __future__ import annotations

import struct

ANDROID_NS = "http://schemas.android.com/apk/res/android"
NO = 0xFFFFFFFF
IDS = {  # the android: attribute ids the brief names, written out independently of the module
    "label": 0x01010001,
    "icon": 0x01010002,
    "name": 0x01010003,
    "permission": 0x01010006,
    "debuggable": 0x0101000F,
    "exported": 0x01010010,
    "value": 0x01010024,
    "resource": 0x01010025,
    "minSdkVersion": 0x0101020C,
    "versionCode": 0x0101021B,
    "versionName": 0x0101021C,
    "targetSdkVersion": 0x01010270,
    "maxSdkVersion": 0x01010271,
    "allowBackup": 0x01010280,
    "usesCleartextTraffic": 0x010104EC,
    "networkSecurityConfig": 0x01010527,
}


def _len8(n: int) -> bytes:
    return bytes([n]) if n < 0x80 else bytes([0x80 | (n >> 8), n & 0xFF])


def _len16(n: int) -> bytes:
    return struct.pack("<H", n) if n < 0x8000 else struct.pack("<HH", 0x8000 | (n >> 16), n & 0xFFFF)


def string_pool(strings: list[str], utf8: bool = False) -> bytes:
    offsets, blob = [], bytearray()
    for s in strings:
        offsets.append(len(blob))
        if utf8:
            b = s.encode("utf-8")
            blob += _len8(len(s)) + _len8(len(b)) + b + b"\0"
        else:
            b = s.encode("utf-16-le")
            blob += _len16(len(b) // 2) + b + b"\0\0"
    while len(blob) % 4:
        blob.append(0)
    start = 28 + 4 * len(strings)
    head = struct.pack("<HHIIIIII", 1, 28, start + len(blob), len(strings), 0, 0x100 if utf8 else 0, start, 0)
    return head + struct.pack(f"<{len(strings)}I", *offsets) + bytes(blob)


class Doc:
    """Build AXML from nested tuples ``(tag, {attr: value}, [children])``.

    Attribute keys ``android:x`` get the android namespace and, when ``x`` is in ``IDS``, a resource
    id; other keys have no namespace. Values: ``str`` (string), ``bool``, ``int`` (decimal),
    ``("ref", id)``, ``("typed", type, data)`` or ``("raw", string, type, data)``.
    """

    def __init__(self, utf8: bool = False) -> None:
        self.utf8 = utf8
        self.strings: list[str] = []
        self.index: dict[str, int] = {}
        self.resids: list[int] = []
        self.idnames: dict[str, int] = {}  # android attribute name -> its pool index (with a resource id)

    def s(self, text: str) -> int:
        if text not in self.index:
            self.index[text] = len(self.strings)
            self.strings.append(text)
        return self.index[text]

    def _collect(self, node) -> None:
        for key in node[1]:
            local = key.split(":", 1)[1] if key.startswith("android:") else None
            if local in IDS and local not in self.idnames:
                # Names with a resource id come first and are not shared with plain strings (as aapt2).
                self.idnames[local] = len(self.strings)
                self.strings.append(local)
                self.resids.append(IDS[local])
        for c in node[2]:
            self._collect(c)

    def _value(self, v) -> tuple[int, int, int]:
        if isinstance(v, bool):
            return NO, 0x12, 0xFFFFFFFF if v else 0
        if isinstance(v, int):
            return NO, 0x10, v & 0xFFFFFFFF
        if isinstance(v, tuple) and v[0] == "ref":
            return NO, 0x01, v[1]
        if isinstance(v, tuple) and v[0] == "typed":
            return NO, v[1], v[2]
        if isinstance(v, tuple) and v[0] == "raw":
            return self.s(v[1]), v[2], v[3]
        i = self.s(v)
        return i, 0x03, i

    def _element(self, node, out: list[bytes]) -> None:
        tag, attrs, children = node
        body = b""
        for key, v in attrs.items():
            if key.startswith("android:"):
                ns = self.s(ANDROID_NS)
                name = self.idnames.get(key[8:])
                if name is None:
                    name = self.s(key[8:])
            else:
                ns, name = NO, self.s(key)
            raw, vtype, data = self._value(v)
            body += struct.pack("<IIIHBBI", ns, name, raw, 8, 0, vtype, data)
        ext = struct.pack("<IIHHHHHH", NO, self.s(tag), 20, 20, len(attrs), 0, 0, 0)
        out.append(struct.pack("<HHIII", 0x0102, 16, 16 + len(ext) + len(body), 1, NO) + ext + body)
        for c in children:
            self._element(c, out)
        out.append(struct.pack("<HHIIIII", 0x0103, 16, 24, 1, NO, NO, self.s(tag)))

    def build(self, root) -> bytes:
        self._collect(root)
        prefix, uri = self.s("android"), self.s(ANDROID_NS)
        nodes: list[bytes] = [struct.pack("<HHIIIII", 0x0100, 16, 24, 1, NO, prefix, uri)]
        self._element(root, nodes)
        nodes.append(struct.pack("<HHIIIII", 0x0101, 16, 24, 1, NO, prefix, uri))
        pool = string_pool(self.strings, self.utf8)
        resmap = struct.pack("<HHI", 0x0180, 8, 8 + 4 * len(self.resids)) + struct.pack(
            f"<{len(self.resids)}I", *self.resids
        )
        body = pool + resmap + b"".join(nodes)
        return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body


def build(root, utf8: bool = False) -> bytes:
    return Doc(utf8).build(root)
