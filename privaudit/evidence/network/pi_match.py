"""Find PI in request bytes: the device's known values in their usual encodings, and value-free detectors.

Every needle goes into ONE multi-pattern automaton that runs once over the ASCII-lowercased
bytes of a request (URL, query fields, headers, cookies and body joined, each part remembering
where it came from): the known values and their raw / case / hash / Base64 / URL-encoded forms,
the installed package names, and the key names (``imei"``, ``lat=``…) that wake a value-free
detector. Each match is then checked against the original bytes (Base64 is case-sensitive and
is confirmed by decoding; digits must not touch other digits; a detector's value must have its
shape), so the lowercasing costs no precision. Location near the profile's point is found by
parsing the number pairs around each occurrence of the point's whole degrees (``39.``, ``116.``).

A hit records the PI type, where, the encoding and the field, never the value.

Backends, fastest first: ``ahocorasick_rs`` (Rust DFA over bytes), ``pyahocorasick``, and Python's
``re`` (one alternation of escaped literals; non-overlapping, ~170 times slower). See
``docs/benchmarks-network.md``.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import math
import re
import zlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from privaudit.evidence.network.profile import DeviceProfile
from privaudit.evidence.runtime.model import PiHit

MIN_VALUE_LEN = 6  # shorter profile values would match by chance; they are skipped with a note
MIN_B64_CORE = 8
MAX_BODY = 64 * 1024 * 1024  # inflated bytes of one body; more is cut (a note says so)
KEY_WINDOW = 256  # bytes looked back from a hit for the key it belongs to
PAIR_GAP = 48  # most bytes between the two numbers of a coordinate pair
DETECTOR_PAIR_SPAN = 300  # a lat key and a lon key this close form one point
MIN_INSTALLED = 3  # package names from the device's list in one request part -> installed_apps
BACKENDS = ("ahocorasick_rs", "pyahocorasick", "regex")

# Key hints that wake a value-free detector: hint -> (detector, strong). A strong hint counts at the
# end of any key (``deviceImei``); a weak one only as the whole key or after ``_ - .`` or a camel hump.
HINTS: dict[str, tuple[str, bool]] = {
    **dict.fromkeys(("imei", "imei1", "imei2", "meid", "deviceid", "device_id", "udid", "dev_id"), ("imei", True)),
    "did": ("imei", False),
    **dict.fromkeys(("imsi", "imsi1", "imsi2", "subscriberid", "subscriber_id"), ("imsi", True)),
    **dict.fromkeys(("iccid", "simserial", "sim_serial", "simserialnumber", "sim_serial_number"), ("iccid", True)),
    **dict.fromkeys(("macaddress", "mac_address", "macaddr", "mac_addr", "wifimac", "wifi_mac"), ("mac", True)),
    "mac": ("mac", False),
    "bssid": ("bssid", True),
    **dict.fromkeys(("latitude",), ("lat", True)),
    "lat": ("lat", False),
    **dict.fromkeys(("longitude",), ("lon", True)),
    **dict.fromkeys(("lng", "lon", "long"), ("lon", False)),
    **dict.fromkeys(("latlng", "latlon", "lnglat", "coordinates", "coordinate", "coords"), ("latlon", True)),
    **dict.fromkeys(("location", "loc", "gps", "ll"), ("latlon", False)),
    **dict.fromkeys(("advertiser_id", "advertising_id", "advertisingid", "gaid", "aaid", "idfa", "oaid",
                     "googleadid", "gps_adid"), ("adid", True)),
    **dict.fromkeys(("adid", "ad_id"), ("adid", False)),
    **dict.fromkeys(("android_id", "androidid", "ssaid"), ("android_id", True)),
    **dict.fromkeys(("phonenumber", "phone_number", "phonenum", "phone_num", "msisdn", "line1number",
                     "mobileno", "mobile_no", "mobilephone", "mobile_phone"), ("phone", True)),
    **dict.fromkeys(("phone", "mobile", "tel", "telephone"), ("phone", False)),
}
_TERMINATORS = (b'"', b"'", b"=", b">", b":")
_NOT_MAC = {"000000000000", "020000000000", "ffffffffffff"}

_KEY_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_PKG_CHARS = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789_.")
_DIGITS = frozenset(b"0123456789")
_KEY = (rb'(?:"([^"\\\r\n]{1,64})"\s*:\s*\[?\s*"?|(?<![\w.\-\[\]])([A-Za-z_][\w.\-\[\]]{0,63})\s*[=:]\s*"?'
        rb"|<([A-Za-z_][\w.\-]{0,63})>)")
_KEY_JUST_BEFORE = re.compile(_KEY + rb"\Z")  # the value starts right after its key
_KEY_BEFORE = re.compile(_KEY + rb'[^"\r\n&<>]{0,%d}\Z' % KEY_WINDOW)  # the value is inside a keyed string
_VALUE = re.compile(rb'\s*(?:[:=]\s*)?\[?\s*["\']?([\w.:+\-%/]{1,100})')
_PAIR = re.compile(rb'\s*(?:[:=]\s*)?[\[{(]?\s*["\']?(-?\d{1,3}\.\d+)\s*["\']?\s*[,;\s]\s*["\']?(-?\d{1,3}\.\d+)')
_NUMBER = re.compile(rb"(?<![\w.])-?\d{1,3}\.\d{2,}(?![\d.])")
_UUID = re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_HEX = re.compile(rb"[0-9a-fA-F]+")
_MAC_VALUE = re.compile(rb"[0-9a-fA-F]{2}([:-]?)[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4}")
_PHONE = re.compile(rb"(?:\+?86)?1[3-9]\d{9}|\+\d{8,15}")


@dataclass(slots=True, frozen=True)
class _Needle:
    pi_type: str  # PI type; for a trigger, the detector name
    kind: str  # value | hash | base64 | urlencoded | nocolon | dashes | package | trigger
    label: str = ""  # hash name, or a trigger's key hint
    exact: bytes | None = None  # case-sensitive needles must equal the original bytes
    forms: tuple[bytes, ...] = ()  # value: (as given, lower, upper), to name the case seen
    digits: bool = False  # all digits: no digit may touch it on either side


_KIND_ORDER = {"value": 0, "nocolon": 1, "dashes": 1, "urlencoded": 2, "hash": 3, "base64": 4}


class PiMatcher:
    """Scans bytes for PI. ``profile`` None leaves only the value-free detectors.

    ``detectors`` runs the value-free detectors even when a profile is given (default), so an
    identifier the tester did not list (a second SIM, a MAC of another interface) is still seen.
    """

    def __init__(self, profile: DeviceProfile | None = None, *, detectors: bool = True,
                 backend: str | None = None) -> None:
        self.profile = profile
        self.notes: list[str] = []
        self._locations = [q for lat, lon in (profile.locations if profile else ()) for q in _datums(lat, lon)]
        self._radius = profile.radius_m if profile else 100.0
        self._loc_prefixes = _degree_prefixes([(lat, lon) for lat, lon, _ in self._locations], self._radius)
        self._loc_prefixes_all = sorted({p for group in self._loc_prefixes for p in group})
        table: dict[bytes, list[_Needle]] = {}
        if profile:
            for key, pi_type, value in profile.values():
                if len(value) < MIN_VALUE_LEN:
                    self.notes.append(f"profile {key} is shorter than {MIN_VALUE_LEN} characters; not matched")
                    continue
                for pattern, needle in _value_needles(key, pi_type, value):
                    _add(table, pattern, needle)
            for pkg in profile.installed_packages:
                _add(table, pkg.lower().encode(), _Needle("installed_apps", "package", pkg))
        if detectors:
            for hint, (detector, _strong) in HINTS.items():
                for t in _TERMINATORS:
                    _add(table, hint.encode() + t, _Needle(detector, "trigger", hint))
        self._patterns = list(table)
        self._needles = [sorted(table[p], key=lambda n: _KIND_ORDER.get(n.kind, 9)) for p in self._patterns]
        self.backend = _make_backend(self._patterns, backend)

    @property
    def pattern_count(self) -> int:
        return len(self._patterns)

    def scan(self, data: bytes, where: str, field: str | None = None) -> list[PiHit]:
        """PI in one piece of bytes (a body, a URL, a header value). ``field`` names it when known."""
        return self.scan_parts([(where, field, data)])

    def scan_fields(self, items: Iterable[tuple[str | None, bytes]], where: str) -> list[PiHit]:
        """PI in several named parts of one kind (query parameters, headers, form fields), in one pass."""
        return self.scan_parts([(where, name, value) for name, value in items])

    def scan_parts(self, items: Iterable[tuple[str, str | None, bytes]]) -> list[PiHit]:
        """PI in the parts of one request, each ``(where, field, bytes)``: joined, scanned in one pass."""
        parts = _Parts()
        chunks: list[bytes] = []
        pos = 0
        for where, name, value in items:
            if not value:
                continue
            parts.starts.append(pos)
            parts.fields.append(name)
            parts.wheres.append(where)
            chunks.append(value)
            pos += len(value) + 1
        if not chunks:
            return []
        return self._scan(chunks[0] if len(chunks) == 1 else b"\n".join(chunks), parts)

    # ----------------------------------------------------------------------------------------

    def _scan(self, data: bytes, parts: _Parts) -> list[PiHit]:
        low = data.lower()
        hits: dict[tuple[str, str, str | None, str, str | None], PiHit] = {}
        triggers: list[tuple[_Needle, int, int]] = []
        packages: dict[bytes, int] = {}
        for pid, s, e in self.backend.find(low):
            for nd in self._needles[pid]:
                if nd.kind == "trigger":
                    triggers.append((nd, s, e))
                    continue
                if nd.exact is not None and (data[s:e] != nd.exact or (nd.kind == "base64" and
                                                                       not _b64_holds(data, s, e, nd.forms[0]))):
                    continue
                if nd.digits and ((s and data[s - 1] in _DIGITS) or (e < len(data) and data[e] in _DIGITS)):
                    continue
                if nd.kind == "package":
                    if (s and low[s - 1] in _PKG_CHARS) or (e < len(low) and low[e] in _PKG_CHARS):
                        continue
                    packages.setdefault(low[s:e], s)
                    continue
                _add_hit(hits, nd.pi_type, _encoding(nd, data[s:e]), *_field(data, s, parts))
        if self._locations and all(any(p in low for p in group) for group in self._loc_prefixes):
            self._near_location(data, parts, hits)
        if len(packages) >= MIN_INSTALLED:
            _add_hit(hits, "installed_apps", "raw", *_field(data, min(packages.values()), parts))
        if triggers:
            self._detect(data, parts, triggers, hits)
        return list(hits.values())

    def _near_location(self, data: bytes, parts: _Parts, hits: dict) -> None:
        """Number pairs near the profile's point, looked for only where a number has the point's degrees."""
        seen: set[int] = set()
        for prefix in self._loc_prefixes_all:
            pos = data.find(prefix)
            budget = 10_000  # occurrences looked at per prefix and body
            while pos >= 0 and budget:
                budget -= 1
                st = pos - 1 if pos and data[pos - 1] == 45 else pos  # a leading minus
                pos = data.find(prefix, pos + 1)
                if st in seen:
                    continue
                seen.add(st)
                m = _NUMBER.match(data, st)
                if not m:
                    continue
                a = float(m.group())
                after = _NUMBER.search(data, m.end(), m.end() + PAIR_GAP + 32)
                earlier = list(_NUMBER.finditer(data, max(0, st - PAIR_GAP - 32), st))
                before = earlier[-1] if earlier else None
                pairs = []  # (first number, second number, where the first starts)
                if after and after.start() - m.end() <= PAIR_GAP and parts.same(st, after.start()):
                    pairs.append((a, float(after.group()), st))
                if before and st - before.end() <= PAIR_GAP and parts.same(before.start(), st):
                    pairs.append((float(before.group()), a, before.start()))
                for x, y, first in pairs:
                    for lat, lon, datum in self._locations:
                        if min(_distance_m(x, y, lat, lon), _distance_m(y, x, lat, lon)) <= self._radius:
                            _add_hit(hits, "precise_location", datum, *_field(data, first, parts))
                            return

    def _detect(self, data: bytes, parts: _Parts, triggers: list[tuple[_Needle, int, int]], hits: dict) -> None:
        known = {(h.pi_type, h.where, h.field) for h in hits.values()}
        lats: list[tuple[int, str, bytes]] = []
        lons: list[tuple[int, str, bytes]] = []

        def add(pi_type: str, detector: str, pos: int, key: str) -> None:
            i = parts.index(pos)
            where, f = parts.wheres[i], _combine(parts.fields[i], key)
            if (pi_type, where, f) not in known:
                _add_hit(hits, pi_type, "detector", where, f, detector)

        for nd, s, e in triggers:
            key = _key_at(data, s, len(nd.label))
            if key is None:
                continue
            if nd.pi_type == "latlon":
                m = _PAIR.match(data, e)
                if m and _coordinate_pair(m.group(1), m.group(2)):
                    add(_location_type(m.group(1), m.group(2)), "coordinates", s, key)
                continue
            m = _VALUE.match(data, e)
            if not m:
                continue
            token = m.group(1)
            if nd.pi_type == "lat":
                lats.append((s, key, token))
            elif nd.pi_type == "lon":
                lons.append((s, key, token))
            else:
                found = _check(nd.pi_type, nd.label, token)
                if found:
                    add(found[0], found[1], s, key)
        for s, key, a in lats:
            near = [(abs(p - s), t) for p, _k, t in lons if abs(p - s) <= DETECTOR_PAIR_SPAN and parts.same(p, s)]
            if near and _coordinate_pair(a, min(near)[1]):
                add(_location_type(a, min(near)[1]), "coordinates", s, key)


@dataclass(slots=True)
class _Parts:
    """Where each joined part starts, and its ``where`` and field."""

    starts: list[int] = field(default_factory=list)
    fields: list[str | None] = field(default_factory=list)
    wheres: list[str] = field(default_factory=list)

    def index(self, pos: int) -> int:
        return bisect_right(self.starts, pos) - 1

    def same(self, a: int, b: int) -> bool:
        return self.index(a) == self.index(b)


def _add_hit(hits: dict, pi_type: str, encoding: str, where: str, f: str | None, detector: str | None = None) -> None:
    hits.setdefault((pi_type, encoding, f, where, detector), PiHit(pi_type, where, encoding, f, detector))


# --------------------------------------------------------------------------------------------
# Needles
# --------------------------------------------------------------------------------------------


def _add(table: dict[bytes, list[_Needle]], pattern: bytes, needle: _Needle) -> None:
    low = pattern.lower()
    bucket = table.setdefault(low, [])
    if needle not in bucket:
        bucket.append(needle)


def _value_needles(key: str, pi_type: str, value: str) -> list[tuple[bytes, _Needle]]:
    given = value.encode("utf-8")
    forms = [given]
    if key == "phone_number":
        digits = re.sub(rb"\D", b"", given)
        national = digits[2:] if digits.startswith(b"86") and len(digits) == 13 else digits
        forms += [digits, national, b"+86" + national] if len(national) == 11 else [digits]
    forms = [f for f in dict.fromkeys(forms) if len(f) >= MIN_VALUE_LEN]
    out: list[tuple[bytes, _Needle]] = []
    hashed: list[bytes] = []
    for f in forms:
        out.append((f, _Needle(pi_type, "value", forms=(f, f.lower(), f.upper()), digits=f.isdigit())))
        hashed += [f, f.lower(), f.upper()]
        quoted = quote(f, safe="").encode()
        if quoted != f:
            out.append((quoted, _Needle(pi_type, "urlencoded")))
    if key == "mac":
        bare = given.replace(b":", b"")
        out.append((bare, _Needle(pi_type, "nocolon")))
        out.append((given.replace(b":", b"-"), _Needle(pi_type, "dashes")))
        hashed += [bare, bare.lower(), bare.upper()]
    hashed = list(dict.fromkeys(hashed))
    for h in hashed:
        for name in ("md5", "sha1", "sha256"):
            out.append((hashlib.new(name, h).hexdigest().encode(), _Needle(pi_type, "hash", name)))
        for core in _b64_cores(h):
            for variant in {core, core.replace(b"+", b"-").replace(b"/", b"_")}:
                out.append((variant, _Needle(pi_type, "base64", exact=variant, forms=(h,))))
                if b"/" in variant:  # as written inside a JSON string
                    escaped = variant.replace(b"/", b"\\/")
                    out.append((escaped, _Needle(pi_type, "base64", exact=escaped, forms=(h,))))
    return out


def _b64_cores(value: bytes) -> set[bytes]:
    """The Base64 characters that depend only on ``value``, at each of the three byte alignments.

    One of them is a substring of the Base64 of any text that contains ``value`` (padded or not),
    so a value inside a larger encoded JSON document is found too.
    """
    out = set()
    n = len(value)
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + value)
        core = enc[-(-8 * k // 6): (8 * (k + n)) // 6]
        if len(core) >= MIN_B64_CORE:
            out.add(core)
    return out


_B64_STD = bytes.maketrans(b"-_", b"+/")


def _b64_holds(data: bytes, s: int, e: int, value: bytes) -> bool:
    """Whether the Base64 text around a core match decodes to bytes containing the whole ``value``.

    A core leaves out up to 4 bits of the value's last byte; decoding a little more, at each of
    the four alignments the surrounding text may have, settles it.
    """
    tail = data[e:e + 8]
    for a in range(max(0, s - 3), s + 1):
        chunk = (data[a:e] + tail).replace(b"\\/", b"/").translate(_B64_STD)
        end = len(chunk)
        for i, ch in enumerate(chunk):
            if not (48 <= ch <= 57 or 65 <= ch <= 90 or 97 <= ch <= 122 or ch in (43, 47)):
                end = i
                break
        chunk = chunk[:end]
        chunk = chunk[: len(chunk) - (len(chunk) % 4 == 1)]
        try:
            if value in base64.b64decode(chunk + b"=" * (-len(chunk) % 4)):
                return True
        except (ValueError, binascii.Error):
            continue
    return False


def _encoding(nd: _Needle, seen: bytes) -> str:
    if nd.kind == "value":
        given, lower, upper = nd.forms
        if seen == given:
            return "raw"
        if seen == lower:
            return "lower"
        if seen == upper:
            return "upper"
        return "raw"
    if nd.kind == "hash":
        return nd.label
    return nd.kind


# --------------------------------------------------------------------------------------------
# Fields and keys
# --------------------------------------------------------------------------------------------


def _field(data: bytes, pos: int, parts: _Parts) -> tuple[str, str | None]:
    """(where, field) of a hit at ``pos``: the part's field, with the key just before the hit added."""
    i = parts.index(pos)
    lo = max(parts.starts[i], pos - KEY_WINDOW)
    m = _KEY_JUST_BEFORE.search(data, lo, pos) or _KEY_BEFORE.search(data, lo, pos)
    inner = None
    if m:
        inner = (m.group(1) or m.group(2) or m.group(3)).decode("utf-8", "replace")
    return parts.wheres[i], _combine(parts.fields[i], inner)


def _combine(outer: str | None, inner: str | None) -> str | None:
    if not inner or (outer and inner.lower() == outer.lower()):
        return outer
    return f"{outer}.{inner}" if outer else inner


def _key_at(data: bytes, s: int, hint_len: int) -> str | None:
    """The whole key that ends with the hint at ``s``, or None when the hint is not a key of its own."""
    ks = s
    while ks > 0 and s - ks < 64 and data[ks - 1] in _KEY_CHARS:
        ks -= 1
    key = data[ks: s + hint_len].decode("ascii", "replace")
    hint = key[-hint_len:].lower()
    if HINTS[hint][1] or len(key) == hint_len:
        return key.strip("-.") or None
    before = key[-hint_len - 1]
    if before in "_-." or (key[-hint_len].isupper() and before.islower()):
        return key.strip("-.")
    return None


# --------------------------------------------------------------------------------------------
# Value-free detectors
# --------------------------------------------------------------------------------------------


def _check(detector: str, hint: str, token: bytes) -> tuple[str, str] | None:
    """(PI type, detector name) when ``token`` has the shape ``detector`` looks for."""
    t = token.strip(b".:-")
    if detector == "imei":
        if len(t) == 15 and t.isdigit() and len(set(t)) > 2 and luhn_ok(t):
            return "imei", "imei_luhn"
    elif detector == "imsi":
        if len(t) == 15 and t.isdigit() and len(set(t)) > 2 and (t.startswith(b"460") or "imsi" in hint):
            return "imsi", "imsi"
    elif detector == "iccid":
        if len(t) in (19, 20) and t.isdigit() and t.startswith(b"89"):
            return "iccid", "iccid"
    elif detector in ("mac", "bssid"):
        m = _MAC_VALUE.fullmatch(t)
        if m and re.sub(rb"[:-]", b"", t).lower().decode() not in _NOT_MAC:
            return ("wifi_info" if detector == "bssid" else "mac_address"), "mac"
    elif detector == "adid":
        if (_UUID.fullmatch(t) and t.strip(b"0-")) or (hint == "oaid" and _HEX.fullmatch(t) and 16 <= len(t) <= 64
                                                      and t.strip(b"0")):
            return "advertising_id", "ad_id"
    elif detector == "android_id":
        if _HEX.fullmatch(t) and 15 <= len(t) <= 16 and t.strip(b"0"):
            return "android_id", "android_id"
    elif detector == "phone":
        if _PHONE.fullmatch(t):
            return "phone_number", "phone"
    return None


def luhn_ok(digits: bytes) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ch - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _coordinate_pair(a: bytes, b: bytes) -> bool:
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    if not (math.isfinite(x) and math.isfinite(y)) or (x == 0 and y == 0):
        return False
    if min(_decimals(a), _decimals(b)) < 2:
        return False
    return (abs(x) <= 90 and abs(y) <= 180) or (abs(y) <= 90 and abs(x) <= 180)


def _decimals(token: bytes) -> int:
    _, _, frac = token.partition(b".")
    return len(frac.rstrip(b"0")) if frac.isdigit() else 0


def _location_type(a: bytes, b: bytes) -> str:
    """Three decimals (about 100 m) or more is a precise location; two (about 1 km) an approximate one."""
    return "precise_location" if min(_decimals(a), _decimals(b)) >= 3 else "coarse_location"


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    if abs(lat1) > 90 or abs(lon1) > 180:
        return math.inf
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))


def _datums(lat: float, lon: float) -> list[tuple[float, float, str]]:
    """The profile point (WGS-84, as a phone's GPS reports it) and, in China, the same point in the
    GCJ-02 datum that Chinese map SDKs (AMap, Tencent) report and in Baidu's BD-09: 300-700 m apart,
    so a point sent in either would otherwise be missed."""
    out = [(lat, lon, "raw")]
    if 72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271:
        g_lat, g_lon = wgs84_to_gcj02(lat, lon)
        out.append((g_lat, g_lon, "gcj02"))
        out.append((*gcj02_to_bd09(g_lat, g_lon), "bd09"))
    return out


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """The published GCJ-02 offset (Krasovsky ellipsoid), applied to a WGS-84 point in China."""
    a, ee = 6378245.0, 0.00669342162296594323
    x, y = lon - 105.0, lat - 35.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
             + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
             + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
             + (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
             + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
             + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = (d_lat * 180.0) / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = (d_lon * 180.0) / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lat + d_lat, lon + d_lon


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    x_pi = math.pi * 3000.0 / 180.0
    z = math.sqrt(lon * lon + lat * lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _degree_prefixes(points: Iterable[tuple[float, float]], radius_m: float) -> list[tuple[bytes, ...]]:
    """For the cheap pre-check: the whole-degree prefixes (``39.``, ``116.``) a nearby point must show.

    One group per coordinate; a body is parsed for number pairs only if every group has a member in it.
    """
    lat_set: set[bytes] = set()
    lon_set: set[bytes] = set()
    margin = radius_m / 111_000 + 0.001
    for lat, lon in points:
        for d in (-margin, 0.0, margin):
            lat_set.add(b"%d." % int(abs(lat + d)))
            lon_set.add(b"%d." % int(abs(lon + d)))
    return [tuple(sorted(lat_set)), tuple(sorted(lon_set))] if lat_set else []


# --------------------------------------------------------------------------------------------
# HTTP requests: bodies and the parts of a request, scanned the same way for HAR and pcap
# --------------------------------------------------------------------------------------------


def decode_body(data: bytes, content_encoding: str | None) -> tuple[bytes, str | None]:
    """Undo Content-Encoding when the bytes are still encoded (HAR tools often store them decoded).

    Returns the bytes to scan and a note when something could not be decoded or was cut.
    """
    codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
    if data[:2] == b"\x1f\x8b" and "gzip" not in codings and "x-gzip" not in codings:
        codings.append("gzip")
    note = None
    for coding in reversed(codings):
        if coding in ("identity", "chunked"):
            continue
        try:
            if coding in ("gzip", "x-gzip"):
                if data[:2] != b"\x1f\x8b":
                    continue
                data, cut = _inflate(data, 47)
            elif coding == "deflate":
                if _looks_text(data):
                    continue
                try:
                    data, cut = _inflate(data, 15)
                except zlib.error:
                    data, cut = _inflate(data, -15)
            elif coding == "br":
                if _looks_text(data):
                    continue
                try:
                    import brotli  # optional
                except ImportError:
                    return data, "a brotli-encoded body was not decoded (install the brotli package); scanned as is"
                data, cut = _unbrotli(brotli, data)
            else:
                if not _looks_text(data):
                    return data, f"a body with Content-Encoding {coding} was not decoded; scanned as is"
                continue
        except Exception as e:  # zlib.error, brotli.error: a damaged body is scanned as it is
            return data, f"a {coding} body could not be decoded ({type(e).__name__}); scanned as is"
        if cut:
            note = f"a {coding} body inflates past {MAX_BODY} bytes; only the first {MAX_BODY} were scanned"
    return data, note


def _inflate(data: bytes, wbits: int) -> tuple[bytes, bool]:
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, MAX_BODY)
    if not d.eof and not d.unconsumed_tail and not out:
        raise zlib.error("incomplete stream")
    return out, bool(d.unconsumed_tail)


def _unbrotli(brotli: Any, data: bytes) -> tuple[bytes, bool]:
    dec = brotli.Decompressor()
    try:
        out = dec.process(data, output_buffer_limit=MAX_BODY)
    except TypeError:  # older brotli without a limit
        out = dec.process(data)
    return out[:MAX_BODY], len(out) >= MAX_BODY


def _looks_text(data: bytes) -> bool:
    head = data[:256]
    return not any(b < 9 or 13 < b < 32 for b in head)


def _to_bytes(s: str) -> bytes:
    return s.encode("utf-8", "surrogateescape")


def unquote_bytes(b: bytes) -> bytes:
    """Percent-decoding in C (``codecs.escape_decode`` on ``%XX`` rewritten as ``\\xXX``), ten times faster
    than ``urllib``'s on large form fields; malformed escapes fall back to ``urllib``."""
    if b"%" not in b:
        return b
    try:
        return codecs.escape_decode(b.replace(b"\\", b"\\\\").replace(b"%", b"\\x"))[0]
    except ValueError:
        return unquote_to_bytes(b)


def form_fields(data: bytes) -> list[tuple[str, bytes]]:
    """``application/x-www-form-urlencoded`` (or a query string) as (name, ``name=value`` decoded)."""
    out = []
    for piece in data.split(b"&"):
        if not piece:
            continue
        k, sep, v = piece.partition(b"=")
        k = unquote_bytes(k.replace(b"+", b" "))
        out.append((k.decode("utf-8", "replace"), k + sep + unquote_bytes(v.replace(b"+", b" "))))
    return out


def scan_request(matcher: PiMatcher, url: str, headers: list[tuple[str, str]], body: bytes | None,
                 cookies: list[tuple[str, str]] | None = None, mime_type: str | None = None
                 ) -> tuple[list[PiHit], list[str]]:
    """PI in one HTTP request: URL (query parameters as fields), headers, cookies and body, in one pass.

    Cookies come from ``cookies`` when given, else from the Cookie header(s). A form body is read
    as its fields; any other body as one piece, fields named from the JSON or form key before a hit.
    """
    notes: list[str] = []
    try:
        split = urlsplit(url)
        path, query = split.path, split.query
    except ValueError:
        path, query = url, ""
    parts: list[tuple[str, str | None, bytes]] = [("url", None, unquote_bytes(_to_bytes(path)))]
    parts += [("url", k, kv) for k, kv in form_fields(_to_bytes(query))]
    content_type = mime_type or ""
    content_encoding = None
    for name, value in headers:
        low = name.lower()
        if low == "cookie":
            if cookies is None:
                for c in value.split(";"):
                    k, _, v = c.strip().partition("=")
                    if k:
                        parts.append(("cookie", k, _to_bytes(f"{k}={v}")))
            continue
        if low == "content-type" and not content_type:
            content_type = value
        elif low == "content-encoding":
            content_encoding = value
        parts.append(("header", name, _to_bytes(f"{name}: {value}")))
    if cookies is not None:
        parts += [("cookie", k, _to_bytes(f"{k}={v}")) for k, v in cookies if k]
    if body:
        body, note = decode_body(body, content_encoding)
        if note:
            notes.append(note)
        head = body[:64].lstrip()
        if "x-www-form-urlencoded" in content_type.lower() and not head.startswith((b"{", b"[")):
            parts += [("body", k, kv) for k, kv in form_fields(body)]
        else:
            parts.append(("body", None, body))
    return matcher.scan_parts(parts), notes


# --------------------------------------------------------------------------------------------
# Backends
# --------------------------------------------------------------------------------------------


class _RsBackend:
    name = "ahocorasick_rs"

    def __init__(self, patterns: list[bytes]) -> None:
        import ahocorasick_rs

        self._ac = ahocorasick_rs.BytesAhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.DFA)

    def find(self, low: bytes) -> list[tuple[int, int, int]]:
        return self._ac.find_matches_as_indexes(low, overlapping=True)


class _PyAcBackend:
    name = "pyahocorasick"

    def __init__(self, patterns: list[bytes]) -> None:
        import ahocorasick

        self._ac = ahocorasick.Automaton()
        for i, p in enumerate(patterns):
            self._ac.add_word(p.decode("latin-1"), (i, len(p)))
        self._ac.make_automaton()

    def find(self, low: bytes) -> Iterable[tuple[int, int, int]]:
        for end, (i, n) in self._ac.iter(low.decode("latin-1")):
            yield i, end + 1 - n, end + 1


class _RegexBackend:
    """One alternation of escaped literals, longest first. Non-overlapping: a needle inside another's
    match is missed, which only matters for values that contain one another."""

    name = "regex"

    def __init__(self, patterns: list[bytes]) -> None:
        order = sorted(range(len(patterns)), key=lambda i: -len(patterns[i]))
        self._index = {patterns[i]: i for i in order}
        self._rx = re.compile(b"|".join(re.escape(patterns[i]) for i in order)) if patterns else None

    def find(self, low: bytes) -> Iterable[tuple[int, int, int]]:
        if self._rx is None:
            return
        for m in self._rx.finditer(low):
            yield self._index[m.group()], m.start(), m.end()


class _EmptyBackend:
    name = "none"

    def find(self, low: bytes) -> list[tuple[int, int, int]]:
        return []


def _make_backend(patterns: list[bytes], backend: str | None) -> Any:
    if not patterns:
        return _EmptyBackend()
    classes = {"ahocorasick_rs": _RsBackend, "pyahocorasick": _PyAcBackend, "regex": _RegexBackend}
    if backend is not None:
        if backend not in classes:
            raise ValueError(f"unknown matcher backend {backend!r}; one of {', '.join(BACKENDS)}")
        return classes[backend](patterns)
    for name in BACKENDS:
        try:
            return classes[name](patterns)
        except ImportError:
            continue
    raise AssertionError("the regex backend needs no import")
