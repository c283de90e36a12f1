"""The app's signing certificates, read from its v1 (JAR) signature files and its APK Signing Block.

Nothing is verified here: no digest or signature is checked (that would need real crypto and
is the platform's job). What is read is *who claims to have signed*: the X.509 certificates,
their SHA-256/SHA-1 fingerprints over the DER, and their subject and issuer names.

- v1: each ``META-INF/<NAME>.SF`` with a ``META-INF/<NAME>.RSA|.DSA|.EC`` next to it (the pairing
  Android itself uses; a block file without its .SF is ignored, as the platform ignores it).
  The block is a DER PKCS#7 SignedData; its ``certificates [0] IMPLICIT`` set is read, the
  certificate named by a SignerInfo (issuer and serial number, or subject key id) first and
  any chain certificates after it.
- v2, v3, v3.1: the "APK Sig Block 42" right before the central directory, made of
  (uint64 length, uint32 id, value) pairs; each value is a length-prefixed sequence of signers,
  each signer's length-prefixed signed data holding the digests and then the length-prefixed
  certificates.

Hostile or broken signature data never raises: every length is checked against the buffer that
encloses it, counts are capped, DER is walked by a fixed schema (no recursion into arbitrary
nesting, so depth is bounded by construction), indefinite lengths and lengths over 4 bytes are
refused. A broken part yields nothing; the rest is still read, and the scheme list says which
signature blocks were present even when their content could not be read.
"""

from __future__ import annotations

import hashlib
import struct

from privaudit.errors import InputError
from privaudit.evidence.apk.zipread import ZipArchive
from privaudit.model import Certificate

SIG_BLOCK_MAGIC = b"APK Sig Block 42"
V2_ID = 0x7109871A
V3_ID = 0xF05368C0
V31_ID = 0x1B93AD61
_BLOCK_SCHEMES = {V2_ID: "v2", V3_ID: "v3", V31_ID: "v3.1"}
_RANK = {"v1": 1, "v2": 2, "v3": 3, "v3.1": 4}

MAX_SIG_FILE = 1 << 20  # inflated bytes of one v1 signature block file
MAX_SIG_FILES = 16  # v1 signers per APK
MAX_CERTS = 64  # certificates per PKCS#7 set or per signer
MAX_SIGNERS = 16  # SignerInfos per PKCS#7, signers per v2/v3 block
MAX_PAIRS = 4096  # id-value pairs in the APK Signing Block
MAX_CHILDREN = 1024  # elements walked in one DER SEQUENCE/SET
MAX_OID_BYTES = 64

OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_SKI = "2.5.29.14"
_ATTR_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "STREET",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    "1.2.840.113549.1.9.1": "emailAddress",
}

# Universal tags
_INTEGER, _OCTET_STRING, _OID, _SEQUENCE, _SET = 0x02, 0x04, 0x06, 0x30, 0x31
_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x12: "ascii",  # NumericString
    0x13: "ascii",  # PrintableString
    0x14: "latin-1",  # T61String (TeletexString): latin-1 is what signers put there in practice
    0x16: "ascii",  # IA5String
    0x1A: "ascii",  # VisibleString
    0x1C: "utf-32-be",  # UniversalString
    0x1E: "utf-16-be",  # BMPString
}


class _Bad(Exception):
    """Signature data that cannot be read; caught before it leaves this module."""


# -- public ----------------------------------------------------------------------------------


def signing_certificates(archive: ZipArchive) -> tuple[list[Certificate], list[str]]:
    """Certificates of the signers and the schemes present ("v1", "v2", "v3", "v3.1"), best effort.

    Malformed signature data never raises: it yields what could be read (and the scheme list says
    which blocks were present). Certificates are ordered strongest scheme first (v3.1, v3, v2,
    then v1 signers, then v1 chain certificates); the same DER seen under several schemes is one
    Certificate labelled with the strongest of them.
    """
    schemes: list[str] = []
    found: list[tuple[str, bytes]] = []

    blocks = _signing_block_values(archive)
    for scheme_id in (V31_ID, V3_ID, V2_ID):
        if scheme_id in blocks:
            scheme = _BLOCK_SCHEMES[scheme_id]
            found.extend((scheme, der) for der in _block_certificates(blocks[scheme_id]))

    v1_signers, v1_others, v1_present = _v1_certificates(archive)
    found.extend(("v1", der) for der in v1_signers)
    found.extend(("v1", der) for der in v1_others)

    if v1_present:
        schemes.append("v1")
    schemes.extend(_BLOCK_SCHEMES[i] for i in (V2_ID, V3_ID, V31_ID) if i in blocks)

    certs: list[Certificate] = []
    seen: set[bytes] = set()
    for scheme, der in found:  # already strongest first, so the first sighting keeps its label
        if der in seen:
            continue
        cert = parse_certificate(der, scheme)
        if cert is not None:
            seen.add(der)
            certs.append(cert)
    return certs, schemes


def parse_certificate(der: bytes, scheme: str = "v1") -> Certificate | None:
    """A Certificate for one DER-encoded X.509 certificate, or None if it is not one.

    Fingerprints cover the bytes given; subject and issuer are empty strings when the names
    cannot be read although the outer structure can.
    """
    try:
        issuer, subject = _cert_names(der)
    except _Bad:
        return None
    return Certificate(
        sha256=hashlib.sha256(der).hexdigest().upper(),
        sha1=hashlib.sha1(der).hexdigest().upper(),
        subject=subject,
        issuer=issuer,
        scheme=scheme,
    )


# -- v1: PKCS#7 in META-INF --------------------------------------------------------------------


def _v1_block_names(archive: ZipArchive) -> list[str]:
    names = []
    for name in archive.members:
        if not name.startswith("META-INF/") or "/" in name[9:]:
            continue
        base, dot, ext = name.rpartition(".")
        if dot and ext in ("RSA", "DSA", "EC") and f"{base}.SF" in archive.members:
            names.append(name)
    return names


def _v1_certificates(archive: ZipArchive) -> tuple[list[bytes], list[bytes], bool]:
    """(signer certificates, other certificates, whether any v1 signature was present)."""
    signers: list[bytes] = []
    others: list[bytes] = []
    names = _v1_block_names(archive)
    for name in names[:MAX_SIG_FILES]:
        try:
            data = archive.read(name, limit=MAX_SIG_FILE)
            s, o = _pkcs7_certificates(data)
        except (InputError, _Bad):
            continue
        signers.extend(s)
        others.extend(o)
    return signers, [d for d in others if d not in signers], bool(names)


def _pkcs7_certificates(data: bytes) -> tuple[list[bytes], list[bytes]]:
    """Certificates of a DER ContentInfo holding SignedData: (named by a SignerInfo, the rest)."""
    tag, start, end = _tlv(data, 0, len(data))
    _expect(tag, _SEQUENCE)
    kids = _children(data, start, end)
    if len(kids) < 2 or kids[0][0] != _OID or kids[1][0] != 0xA0:
        raise _Bad("not a ContentInfo")
    if _oid(data, kids[0][1], kids[0][2]) != OID_SIGNED_DATA:
        raise _Bad("not SignedData")
    tag, start, end = _tlv(data, kids[1][1], kids[1][2])
    _expect(tag, _SEQUENCE)
    fields = _children(data, start, end)
    certs: list[tuple[int, int]] = []  # (start, end) of each full certificate TLV
    signer_infos: list[tuple[int, int]] = []
    for ftag, fstart, fend in fields[3:]:  # after version, digestAlgorithms, encapContentInfo
        if ftag == 0xA0:
            for ctag, cstart, cend in _children(data, fstart, fend, with_header=True):
                if ctag == _SEQUENCE and len(certs) < MAX_CERTS:  # skip attribute certificates
                    certs.append((cstart, cend))
        elif ftag == _SET:
            signer_infos = [(s, e) for t, s, e in _children(data, fstart, fend) if t == _SEQUENCE]
    ders = [data[s:e] for s, e in certs]
    keys = [_cert_ids(der) for der in ders]
    chosen: list[int] = []
    for s, e in signer_infos[:MAX_SIGNERS]:
        idx = _match_signer(data, s, e, keys)
        if idx is not None and idx not in chosen:
            chosen.append(idx)
    if not chosen and ders:
        chosen = [_leaf_index(keys)]
    return [ders[i] for i in chosen], [d for i, d in enumerate(ders) if i not in chosen]


def _match_signer(data: bytes, start: int, end: int,
                  keys: list[tuple[bytes, int, bytes, bytes] | None]) -> int | None:
    """Index of the certificate a SignerInfo's sid names, if any."""
    try:
        fields = _children(data, start, end)
        if len(fields) < 2:
            return None
        tag, s, e = fields[1]
        if tag == _SEQUENCE:  # issuerAndSerialNumber
            parts = _children(data, s, e, with_header=True)
            if len(parts) < 2 or parts[0][0] != _SEQUENCE or parts[1][0] != _INTEGER:
                return None
            issuer = data[parts[0][1] : parts[0][2]]
            _, ss, se = _tlv(data, parts[1][1], parts[1][2])
            serial = int.from_bytes(data[ss:se], "big", signed=True)
            for i, k in enumerate(keys):
                if k is not None and k[1] == serial and k[0] == issuer:
                    return i
            issuer_text = _name_text(issuer)  # re-encoded names still match by their text
            for i, k in enumerate(keys):
                if k is not None and k[1] == serial and _name_text(k[0]) == issuer_text:
                    return i
        elif tag == 0x80:  # subjectKeyIdentifier
            ski = data[s:e]
            for i, k in enumerate(keys):
                if k is not None and k[3] and k[3] == ski:
                    return i
    except _Bad:
        return None
    return None


def _leaf_index(keys: list[tuple[bytes, int, bytes, bytes] | None]) -> int:
    """Without a usable SignerInfo: the first certificate that issued none of the others."""
    issuers = {k[0] for k in keys if k is not None and k[0] != k[2]}
    for i, k in enumerate(keys):
        if k is not None and k[2] not in issuers:
            return i
    return 0


# -- v2/v3/v3.1: the APK Signing Block ---------------------------------------------------------


def _signing_block_values(archive: ZipArchive) -> dict[int, bytes]:
    """Values of the v2/v3/v3.1 pairs in the APK Signing Block (first of each id), if any."""
    buf = archive._buf
    cd = archive.central_directory_offset
    out: dict[int, bytes] = {}
    if cd < 32 or cd > len(buf):
        return out
    size, magic = struct.unpack_from("<Q16s", buf, cd - 24)
    if magic != SIG_BLOCK_MAGIC or size < 24 or size > cd - 8:
        return out
    start = cd - size - 8
    if struct.unpack_from("<Q", buf, start)[0] != size:
        return out
    pos, end = start + 8, cd - 24
    for _ in range(MAX_PAIRS):
        if pos + 12 > end:
            break
        length, pair_id = struct.unpack_from("<QI", buf, pos)
        if length < 4 or length > end - pos - 8:
            break
        if pair_id in _BLOCK_SCHEMES and pair_id not in out:
            out[pair_id] = bytes(buf[pos + 12 : pos + 8 + length])
        pos += 8 + length
    return out


def _block_certificates(value: bytes) -> list[bytes]:
    """Certificates of every signer in a v2/v3/v3.1 block value; a broken signer is skipped."""
    out: list[bytes] = []
    try:
        signers, _ = _prefixed(value, 0, len(value))
    except _Bad:
        return out
    pos, end = signers
    for _ in range(MAX_SIGNERS):
        if pos >= end:
            break
        try:
            (s_start, s_end), pos = _prefixed(value, pos, end)
        except _Bad:
            break  # the signer sequence itself is broken: nothing after this can be framed
        try:
            (d_start, d_end), _ = _prefixed(value, s_start, s_end)  # signed data
            _, cpos = _prefixed(value, d_start, d_end)  # digests
            (c_start, c_end), _ = _prefixed(value, cpos, d_end)  # certificates
        except _Bad:
            continue
        cpos = c_start
        for _ in range(MAX_CERTS):
            if cpos >= c_end:
                break
            try:
                (x_start, x_end), cpos = _prefixed(value, cpos, c_end)
            except _Bad:
                break
            out.append(value[x_start:x_end])
    return out


def _prefixed(buf: bytes, pos: int, end: int) -> tuple[tuple[int, int], int]:
    """A uint32-length-prefixed slice at ``pos``: ((start, end), position after it)."""
    if pos + 4 > end:
        raise _Bad("length prefix past its buffer")
    (n,) = struct.unpack_from("<I", buf, pos)
    if n > end - pos - 4:
        raise _Bad("length past its buffer")
    return (pos + 4, pos + 4 + n), pos + 4 + n


# -- X.509 -------------------------------------------------------------------------------------


def _tbs_fields(der: bytes) -> list[tuple[int, int, int]]:
    """The header-inclusive fields of tbsCertificate, with the optional [0] version dropped."""
    tag, start, end = _tlv(der, 0, len(der))
    _expect(tag, _SEQUENCE)
    if end != len(der):
        raise _Bad("trailing bytes after the certificate")
    tag, start, end = _tlv(der, start, end)
    _expect(tag, _SEQUENCE)
    fields = _children(der, start, end, with_header=True)
    if fields and fields[0][0] == 0xA0:
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, ...
    if len(fields) < 6 or fields[0][0] != _INTEGER or fields[2][0] != _SEQUENCE \
            or fields[4][0] != _SEQUENCE:
        raise _Bad("not a tbsCertificate")
    return fields


def _cert_names(der: bytes) -> tuple[str, str]:
    fields = _tbs_fields(der)
    try:
        issuer = _name_text(der[fields[2][1] : fields[2][2]])
        subject = _name_text(der[fields[4][1] : fields[4][2]])
    except _Bad:
        return "", ""
    return issuer, subject


def _cert_ids(der: bytes) -> tuple[bytes, int, bytes, bytes] | None:
    """(issuer DER, serial number, subject DER, subject key identifier or b"")."""
    try:
        fields = _tbs_fields(der)
        _, s, e = _tlv(der, fields[0][1], fields[0][2])
        serial = int.from_bytes(der[s:e], "big", signed=True)
        issuer = der[fields[2][1] : fields[2][2]]
        subject = der[fields[4][1] : fields[4][2]]
        ski = b""
        for tag, s, e in fields[6:]:
            if tag == 0xA3:  # extensions [3] EXPLICIT
                ski = _subject_key_id(der, s, e)
        return issuer, serial, subject, ski
    except _Bad:
        return None


def _subject_key_id(der: bytes, start: int, end: int) -> bytes:
    _, s, e = _tlv(der, start, end)  # the [3] wrapper
    tag, s, e = _tlv(der, s, e)
    _expect(tag, _SEQUENCE)
    for tag, xs, xe in _children(der, s, e):
        if tag != _SEQUENCE:
            continue
        parts = _children(der, xs, xe)
        if len(parts) >= 2 and parts[0][0] == _OID and _oid(der, parts[0][1], parts[0][2]) == OID_SKI:
            _, vs, ve = parts[-1]  # extnValue OCTET STRING wrapping an OCTET STRING
            tag, ks, ke = _tlv(der, vs, ve)
            return der[ks:ke] if tag == _OCTET_STRING else b""
    return b""


def _name_text(name: bytes) -> str:
    """RFC 4514-style text of a DER Name: last RDN first, ", " between RDNs, "+" within one."""
    tag, start, end = _tlv(name, 0, len(name))
    _expect(tag, _SEQUENCE)
    rdns = []
    for tag, s, e in _children(name, start, end):
        _expect(tag, _SET)
        atoms = []
        for atag, as_, ae in _children(name, s, e):
            _expect(atag, _SEQUENCE)
            parts = _children(name, as_, ae, with_header=True)
            if len(parts) != 2 or parts[0][0] != _OID:
                raise _Bad("bad attribute")
            _, os_, oe = _tlv(name, parts[0][1], parts[0][2])
            oid = _oid(name, os_, oe)
            atoms.append(f"{_ATTR_NAMES.get(oid, oid)}={_attr_value(name, parts[1])}")
        rdns.append("+".join(atoms))
    return ", ".join(reversed(rdns))


def _attr_value(buf: bytes, tlv: tuple[int, int, int]) -> str:
    tag, hstart, hend = tlv
    codec = _STRING_CODECS.get(tag)
    if codec is None:  # not a string: RFC 4514 hex form of the whole encoding
        return "#" + buf[hstart:hend].hex()
    _, s, e = _tlv(buf, hstart, hend)
    text = buf[s:e].decode(codec, "replace")
    return _escape(text)


def _escape(text: str) -> str:
    out = []
    for i, ch in enumerate(text):
        if ch in ',+"\\<>;' or (i == 0 and ch in "# ") or (i == len(text) - 1 and ch == " "):
            out.append("\\" + ch)
        elif ch == "\x00":
            out.append("\\00")
        else:
            out.append(ch)
    return "".join(out)


# -- DER -----------------------------------------------------------------------------------------


def _tlv(buf: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of the element at ``pos``, which must end by ``end``.

    Low tag numbers come back as the identifier byte; high ones as (byte << 24 | number), so
    they never equal a low one. Indefinite lengths and lengths over 4 bytes are refused.
    """
    if pos + 2 > end:
        raise _Bad("truncated element")
    tag = buf[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        number = 0
        for _ in range(4):
            if pos >= end:
                raise _Bad("truncated tag")
            b = buf[pos]
            pos += 1
            number = number << 7 | (b & 0x7F)
            if not b & 0x80:
                break
        else:
            raise _Bad("tag number too long")
        tag = tag << 24 | number
    if pos >= end:
        raise _Bad("truncated length")
    length = buf[pos]
    pos += 1
    if length == 0x80:
        raise _Bad("indefinite length")
    if length & 0x80:
        n = length & 0x7F
        if n > 4 or pos + n > end:
            raise _Bad("bad long-form length")
        length = int.from_bytes(buf[pos : pos + n], "big")
        pos += n
    if length > end - pos:
        raise _Bad("element runs past its container")
    return tag, pos, pos + length


def _children(buf: bytes, start: int, end: int, with_header: bool = False) -> list[tuple[int, int, int]]:
    """Elements of a constructed value: (tag, content start, end) or, with_header, (tag, start, end)
    spanning the whole element. Every element must fit exactly; at most MAX_CHILDREN."""
    out = []
    pos = start
    while pos < end:
        if len(out) >= MAX_CHILDREN:
            raise _Bad("too many elements")
        tag, s, e = _tlv(buf, pos, end)
        out.append((tag, pos, e) if with_header else (tag, s, e))
        pos = e
    return out


def _oid(buf: bytes, start: int, end: int) -> str:
    if start >= end or end - start > MAX_OID_BYTES:
        raise _Bad("bad object identifier")
    arcs = []
    value = 0
    for b in buf[start:end]:
        value = value << 7 | (b & 0x7F)
        if not b & 0x80:
            arcs.append(value)
            value = 0
    if buf[end - 1] & 0x80:
        raise _Bad("truncated object identifier")
    first = arcs[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(a) for a in head + arcs[1:])


def _expect(tag: int, wanted: int) -> None:
    if tag != wanted:
        raise _Bad(f"tag 0x{tag:02x} where 0x{wanted:02x} was expected")
