"""Host attribution, the device profile file, and dispatch of capture files by content."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.network.hosts import attribute, registrable_domain
from privaudit.evidence.network.load import load_capture
from privaudit.evidence.network.profile import read_profile


@pytest.mark.parametrize(("host", "expected"), [
    ("graph.facebook.com", "facebook.com"),
    ("a.b.qq.com.cn", "qq.com.cn"),
    ("y.gtimg.cn", "gtimg.cn"),
    ("x.example.co.uk.", "example.co.uk"),
    ("API.Example.COM:8443", "example.com"),
    ("d1pyesk9jfjbwi.cloudfront.net", "d1pyesk9jfjbwi.cloudfront.net"),  # a private suffix: one tenant
    ("10.0.0.1", "10.0.0.1"),
    ("[2001:db8::1]:443", "2001:db8::1"),
    ("localhost", "localhost"),
])
def test_registrable_domain_from_the_bundled_list(host: str, expected: str) -> None:
    assert registrable_domain(host) == expected


def test_the_public_suffix_list_ships_offline() -> None:
    import publicsuffixlist

    assert (Path(publicsuffixlist.__file__).parent / "public_suffix_list.dat").stat().st_size > 100_000


def test_attribution() -> None:
    own = ["music.qq.com", "y.gtimg.cn"]
    assert attribute("sessions.bugsnag.com", own) == ("third_party", "Bugsnag", "bugsnag")
    assert attribute("api2.branch.io") == ("third_party", "Branch", "branch")
    assert attribute("c.y.qq.com", own) == ("first_party", "qq.com", None)
    assert attribute("stat.gtimg.cn", own) == ("first_party", "gtimg.cn", None)
    assert attribute("tracker.example.net", own) == ("third_party", "unknown vendor", None)
    assert attribute("tracker.example.net") == ("unknown", None, None)
    # an SDK's domain stays the SDK's even if a caller lists it among the app's own
    assert attribute("graph.facebook.com", ["facebook.com"])[0:2] == ("third_party", "Facebook SDK Core / App Events")
    assert attribute("", own) == ("unknown", None, None)


# --------------------------------------------------------------------------------------------
# Device profile
# --------------------------------------------------------------------------------------------


def test_read_profile(tmp_path: Path) -> None:
    p = tmp_path / "device.json"
    p.write_text(json.dumps({
        "imei": ["490154203237518", "356938035643809"], "imsi": "460001234567890", "iccid": "89860012345678901234",
        "android_id": "7d5a6fd0d53a566b", "oaid": "2f1e3c4d-aa55-4b6c-9d8e-0123456789ab",
        "gaid": "1209d0b9-b959-42e6-b921-aa5d9d08c1af", "mac": "A4-5E-60-C2-1F-9B", "serial": "R58Mabc123X",
        "phone_number": "+8613800138000", "location": {"lat": 39.9042, "lon": 116.4074},
        "installed_packages": ["com.tencent.mm", "com.taobao.taobao"], "comment": "Pixel 6, lab 3",
    }))
    prof = read_profile(p)
    assert prof.identifiers["imei"] == ("490154203237518", "356938035643809")
    assert prof.identifiers["mac"] == ("A4:5E:60:C2:1F:9B",)
    assert prof.locations == ((39.9042, 116.4074),) and prof.radius_m == 100.0
    assert ("gaid", "advertising_id", "1209d0b9-b959-42e6-b921-aa5d9d08c1af") in prof.values()
    assert prof.path == os.fspath(p)


def test_the_documented_example_profile_reads() -> None:
    doc = (Path(__file__).resolve().parents[3] / "docs" / "device-profile.md").read_text()
    example = doc.split("```json", 1)[1].split("```", 1)[0]
    from privaudit.evidence.network.profile import profile_from_dict

    assert profile_from_dict(json.loads(example)).identifiers


@pytest.mark.parametrize(("content", "error", "message"), [
    ('{"imei": "1",}', MalformedInput, "byte offset 13"),
    ('{"imie": "490154203237518"}', InputError, "unknown key"),
    ('{"mac": "a4:5e:60"}', InputError, "not a MAC"),
    ('{"location": {"lat": 91, "lon": 0}}', InputError, "out of range"),
    ('{"location": [39.9, 116.4]}', InputError, "location must be"),
    ('{"installed_packages": ["not a package"]}', InputError, "not a package name"),
    ('{"imei": {"a": 1}}', InputError, "must be a string"),
    ("[1]", InputError, "JSON object"),
    ("\xff", MalformedInput, "not valid JSON"),
])
def test_bad_profiles(tmp_path: Path, content: str, error: type, message: str) -> None:
    p = tmp_path / "device.json"
    p.write_text(content)
    with pytest.raises(error, match=message) as err:
        read_profile(p)
    assert "\n" not in str(err.value)


def test_missing_profile(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read device profile"):
        read_profile(tmp_path / "nope.json")


# --------------------------------------------------------------------------------------------
# load_capture
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file"),
    (b"\n\n  ", "empty file"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not a network capture"),
    (os.urandom(4096).replace(b"{", b"x").replace(b"\n", b"x"), "not a network capture"),
    (b"GET / HTTP/1.1\r\n", "not a network capture"),
])
def test_load_refuses_what_is_not_a_capture(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "x.bin"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        load_capture(p)
    assert "\n" not in str(err.value)


def test_load_dispatches_by_content_not_name(tmp_path: Path) -> None:
    p = tmp_path / "capture.pcap"  # a HAR, whatever the name says
    p.write_text('\ufeff{"log": {"version": "1.2", "entries": []}}', encoding="utf-8")
    assert load_capture(p).format == "har"
    with pytest.raises(InputError, match="cannot read capture"):
        load_capture(tmp_path / "missing.har")
