"""PI matching: every encoding of a known value, value-free detectors, and no match for other values."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

import pytest

from privaudit.evidence.network.pi_match import BACKENDS, PiMatcher, decode_body, luhn_ok, scan_request
from privaudit.evidence.network.profile import profile_from_dict

IMEI = "490154203237518"  # Luhn-valid
MAC = "a4:5e:60:c2:1f:9b"
SERIAL = "R58Mabc123X"  # mixed case, so raw, lower and upper differ
ANDROID_ID = "7d5a6fd0d53a566b"
OAID = "2f1e3c4d-aa55-4b6c-9d8e-0123456789ab"
PROFILE = profile_from_dict({
    "imei": IMEI, "mac": MAC.upper(), "serial": SERIAL, "android_id": ANDROID_ID, "oaid": OAID,
    "phone_number": "+8613800138000", "imsi": "460001234567890",
    "location": {"lat": 39.9042, "lon": 116.4074},
    "installed_packages": ["com.tencent.mm", "com.eg.android.AlipayGphone", "com.taobao.taobao", "com.sina.weibo"],
})


def _b64(b: bytes, url: bool = False, pad: bool = True) -> bytes:
    out = base64.urlsafe_b64encode(b) if url else base64.b64encode(b)
    return out if pad else out.rstrip(b"=")


def _h(name: str, value: str) -> bytes:
    return hashlib.new(name, value.encode()).hexdigest().encode()


# ASCII letters and digits never make Base64 emit + or /, so the alphabets differ only around a value:
# this JSON's URL-safe encoding has - and _ next to the IMEI.
URLSAFE_JSON = json.dumps({"note": "??>~~", "imei": IMEI, "t": "~?"}).encode()

CASES = [
    ("imei", "raw", IMEI.encode()),
    ("serial_number", "raw", SERIAL.encode()),
    ("serial_number", "lower", SERIAL.lower().encode()),
    ("serial_number", "upper", SERIAL.upper().encode()),
    ("android_id", "upper", ANDROID_ID.upper().encode()),
    ("imei", "md5", _h("md5", IMEI)),
    ("imei", "md5", _h("md5", IMEI).upper()),
    ("imei", "sha1", _h("sha1", IMEI)),
    ("imei", "sha1", _h("sha1", IMEI).upper()),
    ("imei", "sha256", _h("sha256", IMEI)),
    ("imei", "sha256", _h("sha256", IMEI).upper()),
    ("serial_number", "md5", _h("md5", SERIAL.lower())),
    ("mac_address", "md5", _h("md5", MAC.upper())),
    ("mac_address", "sha1", _h("sha1", MAC.replace(":", ""))),
    ("imei", "base64", _b64(IMEI.encode())),
    ("imei", "base64", _b64(IMEI.encode(), pad=False)),
    ("android_id", "base64", _b64(ANDROID_ID.encode())),
    ("android_id", "base64", _b64(ANDROID_ID.encode(), pad=False)),
    ("oaid", "base64", _b64(OAID.encode(), url=True, pad=False)),
    ("serial_number", "base64", _b64(SERIAL.encode(), url=True)),
    ("imei", "base64", _b64(json.dumps({"os": "android", "imei": IMEI}).encode())),  # inside encoded JSON
    ("imei", "base64", _b64(URLSAFE_JSON, url=True, pad=False)),
    ("imei", "base64", _b64(URLSAFE_JSON).replace(b"/", b"\\/")),  # as a JSON string escapes it
    ("mac_address", "raw", MAC.upper().encode()),
    ("mac_address", "lower", MAC.encode()),
    ("mac_address", "urlencoded", quote(MAC, safe="").encode()),
    ("mac_address", "urlencoded", quote(MAC.upper(), safe="").lower().encode()),
    ("mac_address", "nocolon", MAC.replace(":", "").encode()),
    ("mac_address", "nocolon", MAC.replace(":", "").upper().encode()),
    ("mac_address", "dashes", MAC.replace(":", "-").encode()),
    ("mac_address", "dashes", MAC.replace(":", "-").upper().encode()),
    ("phone_number", "raw", b"13800138000"),
    ("phone_number", "raw", b"+8613800138000"),
    ("imsi", "raw", b"460001234567890"),
]


@pytest.mark.parametrize(("key", "encoding", "payload"), CASES,
                         ids=[f"{k}-{e}-{i}" for i, (k, e, _p) in enumerate(CASES)])
def test_every_encoding_of_a_profile_value_is_found(key: str, encoding: str, payload: bytes) -> None:
    pi_type = {"oaid": "advertising_id"}.get(key, key)
    m = PiMatcher(PROFILE, detectors=False)
    body = b'{"event":"open","v":"' + payload + b'","n":1}'
    hits = m.scan(body, "body")
    assert [(h.pi_type, h.encoding) for h in hits] == [(pi_type, encoding)]
    assert hits[0].field == "v" or encoding == "base64"
    assert hits[0].where == "body" and hits[0].detector is None


def test_the_urlsafe_case_really_differs_from_standard_base64() -> None:
    assert set(_b64(URLSAFE_JSON, url=True)) & set(b"-_")
    assert set(_b64(URLSAFE_JSON)) & set(b"/")


@pytest.mark.parametrize("payload", [
    _h("md5", "490154203237519"), _h("sha1", "490154203237519"), _h("sha256", "490154203237519").upper(),
    _b64(b"490154203237519"), _b64(b"R58Mabc123Y"), _h("md5", MAC.replace("a4", "a5")),
    b"4901542032375180", b"14901542032375", b"a4:5e:60:c2:1f:9c", b"R58Mabc123",
])
def test_a_different_value_does_not_match(payload: bytes) -> None:
    assert PiMatcher(PROFILE, detectors=False).scan(b"x=" + payload, "body") == []


def test_digits_touching_a_numeric_value_do_not_match() -> None:
    m = PiMatcher(PROFILE, detectors=False)
    assert m.scan(b"id=1" + IMEI.encode(), "body") == []
    assert m.scan(IMEI.encode() + b"7", "body") == []
    assert len(m.scan(b"id=" + IMEI.encode() + b"&x", "body")) == 1


def test_the_value_is_never_stored() -> None:
    m = PiMatcher(PROFILE)
    hits = m.scan(f"imei={IMEI}&mac={MAC}&sn={SERIAL}".encode(), "url")
    assert len(hits) == 3
    text = repr(hits)
    for value in (IMEI, MAC, SERIAL, MAC.replace(":", "")):
        assert value not in text and value.upper() not in text


def test_fields_come_from_query_form_and_json_keys() -> None:
    m = PiMatcher(PROFILE, detectors=False)
    items = [("imei", b"imei=" + IMEI.encode()), ("q", b"q=hello")]
    assert [(h.field, h.where) for h in m.scan_fields(items, "url")] == [("imei", "url")]
    hits = m.scan(json.dumps({"device": {"sn": SERIAL}, "data": _b64(IMEI.encode()).decode()}).encode(), "body")
    assert {(h.pi_type, h.field) for h in hits} == {("serial_number", "sn"), ("imei", "data")}
    nested = m.scan_fields([("custom_events", json.dumps([{"did": IMEI}]).encode())], "body")
    assert [h.field for h in nested] == ["custom_events.did"]


def test_location_within_100_m_of_the_profile_point() -> None:
    m = PiMatcher(PROFILE, detectors=False)
    near = m.scan(b'{"lat":39.90461,"lng":116.40712,"acc":12}', "body")  # about 50 m away
    assert [(h.pi_type, h.encoding, h.field) for h in near] == [("precise_location", "raw", "lat")]
    assert m.scan(b'{"pos":"116.40745,39.90415"}', "body")  # lon,lat order, as GeoJSON writes it
    assert m.scan(b'{"lat":39.9072,"lng":116.4074}', "body") == []  # about 330 m north
    assert m.scan(b"version=39.9042&build=116.4074.1", "body") == []  # a dotted version is not a number


def test_location_in_the_chinese_datums() -> None:
    from privaudit.evidence.network.pi_match import gcj02_to_bd09, wgs84_to_gcj02

    lat, lon = wgs84_to_gcj02(39.9087, 116.3975)  # Tiananmen: GCJ-02 is about 550 m off WGS-84
    assert (round(lat, 4), round(lon, 4)) == (39.9101, 116.4037)
    m = PiMatcher(PROFILE, detectors=False)
    g_lat, g_lon = wgs84_to_gcj02(39.9042, 116.4074)
    b_lat, b_lon = gcj02_to_bd09(g_lat, g_lon)
    gcj = m.scan(b'{"latitude":%.6f,"longitude":%.6f}' % (g_lat, g_lon), "body")
    bd = m.scan(b"location=%.6f,%.6f" % (b_lon, b_lat), "url")  # lon,lat as Baidu's APIs write it
    assert [(h.pi_type, h.encoding) for h in gcj] == [("precise_location", "gcj02")]
    assert [(h.pi_type, h.encoding, h.field) for h in bd] == [("precise_location", "bd09", "location")]
    abroad = PiMatcher(profile_from_dict({"location": {"lat": 52.52, "lon": 13.405}}), detectors=False)
    assert abroad.scan(b'{"lat":52.5201,"lon":13.4051}', "body")[0].encoding == "raw"
    assert len(abroad._locations) == 1  # no Chinese datum outside China


def test_three_installed_packages_make_an_app_list() -> None:
    m = PiMatcher(PROFILE, detectors=False)
    three = json.dumps({"apps": ["com.tencent.mm", "com.taobao.taobao", "com.sina.weibo", "x.y"]}).encode()
    assert [(h.pi_type, h.field) for h in m.scan(three, "body")] == [("installed_apps", "apps")]
    two = json.dumps({"apps": ["com.tencent.mm", "com.taobao.taobao"]}).encode()
    assert m.scan(two, "body") == []
    # a longer package that starts with a listed one is another app
    longer = json.dumps(["com.tencent.mm.plugin", "com.taobao.taobao", "com.sina.weibo"]).encode()
    assert m.scan(longer, "body") == []


# --------------------------------------------------------------------------------------------
# Value-free detectors
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"imei":"490154203237518"}', [("imei", "imei_luhn", "imei")]),
    (b"deviceId=490154203237518&x=1", [("imei", "imei_luhn", "deviceId")]),
    (b'{"udid": 490154203237518}', [("imei", "imei_luhn", "udid")]),
    (b'{"imei":"490154203237519"}', []),  # Luhn fails
    (b'{"order":"490154203237518"}', []),  # no identifier key
    (b'{"imei":"000000000000000"}', []),
    (b'{"wifiMac":"A4:5E:60:C2:1F:9B"}', [("mac_address", "mac", "wifiMac")]),
    (b'{"mac":"a45e60c21f9b"}', [("mac_address", "mac", "mac")]),
    (b'{"mac":"02:00:00:00:00:00"}', []),  # Android's placeholder
    (b'{"hmac":"a45e60c21f9b"}', []),
    (b'{"bssid":"a4-5e-60-c2-1f-9b"}', [("wifi_info", "mac", "bssid")]),
    (b'{"lat":31.230416,"lng":121.473701}', [("precise_location", "coordinates", "lat")]),
    (b'{"latitude":"31.23","longitude":"121.47"}', [("coarse_location", "coordinates", "latitude")]),
    (b"ll=31.2304,121.4737", [("precise_location", "coordinates", "ll")]),
    (b'{"lat_val":0,"flat":31.2304,"long":121.4737}', []),
    (b'{"imsi":"460001234567890"}', [("imsi", "imsi", "imsi")]),
    (b'{"subscriberId":"460001234567890"}', [("imsi", "imsi", "subscriberId")]),
    (b'{"subscriberId":"310260000000000"}', []),
    (b'{"sn":"460001234567890"}', []),
    (b'{"advertiser_id":"1209d0b9-b959-42e6-b921-aa5d9d08c1af"}', [("advertising_id", "ad_id", "advertiser_id")]),
    (b'{"gaid":"00000000-0000-0000-0000-000000000000"}', []),  # tracking limited
    (b'{"android_id":"7d5a6fd0d53a566b"}', [("android_id", "android_id", "android_id")]),
    (b'{"mobile":"13800138000"}', [("phone_number", "phone", "mobile")]),
    (b'{"hotel":"13800138000"}', []),
    (b'{"iccid":"89860012345678901234"}', [("iccid", "iccid", "iccid")]),
])
def test_value_free_detectors(body: bytes, expected: list[tuple[str, str, str]]) -> None:
    hits = PiMatcher(None).scan(body, "body")
    assert [(h.pi_type, h.detector, h.field) for h in hits] == expected
    assert all(h.encoding == "detector" for h in hits)


def test_detectors_in_headers_and_do_not_repeat_profile_hits() -> None:
    hits, _ = scan_request(PiMatcher(None), "https://a.example/x", [("X-IMEI", IMEI)], None)
    assert [(h.pi_type, h.where, h.field) for h in hits] == [("imei", "header", "X-IMEI")]
    with_profile = PiMatcher(PROFILE).scan(b'{"imei":"%s"}' % IMEI.encode(), "body")
    assert [(h.encoding, h.detector) for h in with_profile] == [("raw", None)]


def test_luhn() -> None:
    assert luhn_ok(b"490154203237518") and not luhn_ok(b"490154203237519")


# --------------------------------------------------------------------------------------------
# Backends and bodies
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_every_backend_finds_the_same(backend: str) -> None:
    pytest.importorskip({"ahocorasick_rs": "ahocorasick_rs", "pyahocorasick": "ahocorasick"}.get(backend, "re"))
    m = PiMatcher(PROFILE, backend=backend)
    assert m.backend.name == backend
    body = json.dumps({"a": IMEI, "b": _h("md5", SERIAL).decode(), "c": _b64(ANDROID_ID.encode()).decode(),
                       "mac": MAC.replace(":", "-"), "imei2": "356938035643809"}).encode()
    got = sorted((h.pi_type, h.encoding, h.field) for h in m.scan(body, "body"))
    assert got == [("android_id", "base64", "c"), ("imei", "detector", "imei2"), ("imei", "raw", "a"),
                   ("mac_address", "dashes", "mac"), ("serial_number", "md5", "b")]


def test_short_profile_values_are_skipped_with_a_note() -> None:
    m = PiMatcher(profile_from_dict({"serial": "1234"}))
    assert m.notes and "serial" in m.notes[0]
    assert m.scan(b"sn=1234", "body") == []


def test_decode_body_gzip_deflate_and_plain() -> None:
    import gzip
    import zlib

    raw = b'{"imei":"%s"}' % IMEI.encode()
    assert decode_body(gzip.compress(raw), "gzip") == (raw, None)
    assert decode_body(gzip.compress(raw), None) == (raw, None)  # by magic, without a header
    assert decode_body(zlib.compress(raw), "deflate") == (raw, None)
    assert decode_body(raw, "gzip") == (raw, None)  # already decoded by the capture tool
    data, note = decode_body(b"\x1f\x8b\x08\x00garbage", "gzip")
    assert note and "could not be decoded" in note


def test_fast_percent_decoding_agrees_with_urllib() -> None:
    import random
    from urllib.parse import parse_qsl, unquote_to_bytes

    from privaudit.evidence.network.pi_match import form_fields, unquote_bytes

    rng = random.Random(7)
    alphabet = b"ab%25%zz%4%41%5C\\\\x+=&;\xe6\xbc\xa2%E6%BC%A2"
    for _ in range(2000):
        s = bytes(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert unquote_bytes(s) == unquote_to_bytes(s), s
    query = "a=1+2&b=%7B%22imei%22%3A%22x%22%7D&c&d=%&e=%E6%BC%A2"
    got = [(k, kv.decode("utf-8", "replace")) for k, kv in form_fields(query.encode())]
    want = [(k, f"{k}={v}" if v or k != "c" else k) for k, v in parse_qsl(query, keep_blank_values=True)]
    assert got == want


def test_one_request_one_pass_with_where_per_part() -> None:
    hits, notes = scan_request(PiMatcher(PROFILE, detectors=False), f"https://h.example/d/{IMEI}?sn={SERIAL}",
                               [("X-Aid", ANDROID_ID)], b'{"oaid":"%s"}' % OAID.encode(), [("m", MAC)],
                               "application/json")
    assert notes == []
    assert sorted((h.where, h.pi_type, h.field) for h in hits) == [
        ("body", "advertising_id", "oaid"), ("cookie", "mac_address", "m"), ("header", "android_id", "X-Aid"),
        ("url", "imei", None), ("url", "serial_number", "sn")]
