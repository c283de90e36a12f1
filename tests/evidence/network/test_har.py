"""HAR reading: the tweasel captures of real app traffic, and HARs built here for the odd cases.

The tweasel run metadata (``log._tweasel``) names the app and the device model but holds no
identifier values, so the profile is built from values the SDKs themselves label in the capture:
Branch sends the Google advertising ID as ``google_advertising_id``. The 16-hex-digit Bugsnag
``user.id``, which the app also logs as ``deviceId=``, has the shape of an Android ID; that it *is*
the Android ID is our assumption, used only to test matching in the Bugsnag bodies.
"""

from __future__ import annotations

import base64
import gzip
import json
import math
import sys
from datetime import datetime
from pathlib import Path

import pytest
from conftest import shared

from privaudit.errors import InputError, MalformedInput
from privaudit.evidence.network.har import read_har
from privaudit.evidence.network.pi_match import PiMatcher
from privaudit.evidence.network.profile import profile_from_dict

TWEASEL = ("data", "dynamic", "tweasel_reporthar")
HARS = [("android", "first-run.har"), ("android", "second-run.har"), ("ios", "first-run.har"),
        ("ios", "second-run.har")]
IMEI = "490154203237518"


def _tweasel_profile(har: Path):
    """The device's values as far as the capture tells them (see the module docstring)."""
    log = json.loads(har.read_text())["log"]
    meta = log["_tweasel"]
    assert meta["device"]["platform"] in ("android", "ios")
    assert not {"imei", "android_id", "advertising_id", "mac"} & set(meta["device"])  # no values there
    gaid = android_id = None
    for e in log["entries"]:
        text = (e["request"].get("postData") or {}).get("text", "")
        if e["request"]["url"].startswith("https://api2.branch.io/") and text:
            gaid = json.loads(text)["google_advertising_id"]
        if e["request"]["url"] == "https://sessions.bugsnag.com/":
            android_id = json.loads(text)["sessions"][0]["user"]["id"]
    assert gaid and android_id
    return profile_from_dict({"gaid": gaid, "android_id": android_id})


@pytest.mark.parametrize(("platform", "name"), HARS)
def test_tweasel_hosts_are_third_parties_named_by_sdk(platform: str, name: str) -> None:
    cap = read_har(shared(*TWEASEL, platform, name))
    assert cap.format == "har" and cap.clock == "epoch" and cap.notes == []
    by_host = {f.host: (f.owner_kind, f.owner, f.sdk_id) for f in cap.flows}
    assert by_host["graph.facebook.com"] == ("third_party", "Facebook SDK Core / App Events", "facebook-core")
    assert by_host["api2.branch.io"] == ("third_party", "Branch", "branch")
    assert by_host["cdn.branch.io"] == ("third_party", "Branch", "branch")
    if name == "first-run.har":
        assert by_host["sessions.bugsnag.com"] == ("third_party", "Bugsnag", "bugsnag")
        assert by_host["notify.bugsnag.com"] == ("third_party", "Bugsnag", "bugsnag")
    first = cap.flows[0]
    assert first.id == "har:0" and first.provenance.locator == "har:0" and first.provenance.source == "network"
    assert first.t == datetime.fromisoformat("2023-04-07T13:04:57.078662+00:00").timestamp()
    assert (first.method, first.status, first.scheme) == ("GET", 200, "https")


def test_tweasel_identifiers_are_found_with_the_device_profile() -> None:
    har = shared(*TWEASEL, "android", "first-run.har")
    cap = read_har(har, PiMatcher(_tweasel_profile(har), detectors=False))
    found = {(f.host, h.pi_type, h.where, h.encoding, h.field) for f in cap.flows for h in f.hits}
    assert ("graph.facebook.com", "advertising_id", "url", "raw", "advertiser_id") in found
    assert ("graph.facebook.com", "advertising_id", "body", "raw", "advertiser_id") in found
    assert ("api2.branch.io", "advertising_id", "body", "raw", "google_advertising_id") in found
    assert ("api2.branch.io", "advertising_id", "body", "raw", "aaid") in found
    assert ("sessions.bugsnag.com", "android_id", "body", "raw", "id") in found
    assert ("notify.bugsnag.com", "android_id", "body", "raw", "id") in found
    # every flow that sends the advertising ID is caught: the Facebook activity posts and the app
    # settings call with advertiser_id, and every Branch open/close
    with_ad = [f.id for f in cap.flows if any(h.pi_type == "advertising_id" for h in f.hits)]
    assert with_ad == ["har:5", "har:7", "har:8", "har:9", "har:11", "har:12", "har:14"]
    assert {h.pi_type for f in cap.flows for h in f.hits} == {"advertising_id", "android_id"}


@pytest.mark.parametrize(("platform", "name"), HARS)
def test_tweasel_value_free_detectors(platform: str, name: str) -> None:
    cap = read_har(shared(*TWEASEL, platform, name), PiMatcher(None))
    hits = [(f.host, h.pi_type, h.detector, h.field) for f in cap.flows for h in f.hits]
    # the advertising ID is seen by its keys, in URL, form and JSON bodies alike
    assert ("graph.facebook.com", "advertising_id", "ad_id", "advertiser_id") in hits
    assert ("api2.branch.io", "advertising_id", "ad_id", "google_advertising_id") in hits
    assert ("api2.branch.io", "advertising_id", "ad_id", "aaid") in hits
    # and nothing else: these captures hold no IMEI, MAC, IMSI, phone number or coordinates
    assert {h[1] for h in hits} == {"advertising_id"}


# --------------------------------------------------------------------------------------------
# HARs built here
# --------------------------------------------------------------------------------------------


def _entry(url: str, body: dict | None = None, headers: list | None = None, cookies: list | None = None,
           started: str | None = "2024-01-02T03:04:05.5Z", status: int = 200) -> dict:
    req = {"method": "POST" if body else "GET", "url": url, "httpVersion": "HTTP/1.1",
           "headers": headers or [], "cookies": cookies or [], "queryString": []}
    if body:
        req["postData"] = body
    e = {"request": req, "response": {"status": status, "content": {"size": 0, "text": ""}}, "timings": {}}
    if started is not None:
        e["startedDateTime"] = started
    return e


def _write(tmp_path: Path, entries: list, name: str = "c.har") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "t"}, "entries": entries}}))
    return p


def test_bodies_encoded_in_the_har_are_decoded(tmp_path: Path) -> None:
    payload = json.dumps({"imei": IMEI}).encode()
    gz = base64.b64encode(gzip.compress(payload)).decode()
    entries = [
        _entry("https://a.example/1", {"mimeType": "application/json", "text": gz, "encoding": "base64"},
               [{"name": "Content-Encoding", "value": "gzip"}]),
        _entry("https://a.example/2", {"mimeType": "application/octet-stream",
                                       "text": base64.b64encode(payload).decode(), "encoding": "base64"}),
        _entry("https://a.example/3", {"mimeType": "application/x-www-form-urlencoded",
                                       "params": [{"name": "imei", "value": IMEI}]}),
        _entry("https://a.example/4", {"mimeType": "application/x-www-form-urlencoded",
                                       "text": f"data=%7B%22imei%22%3A%22{IMEI}%22%7D"}),
    ]
    cap = read_har(_write(tmp_path, entries), PiMatcher(profile_from_dict({"imei": IMEI}), detectors=False))
    assert [[(h.where, h.encoding, h.field) for h in f.hits] for f in cap.flows] == [
        [("body", "raw", "imei")], [("body", "raw", "imei")], [("body", "raw", "imei")],
        [("body", "raw", "data.imei")]]


def test_brotli_body_decoded_or_noted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    brotli = pytest.importorskip("brotli")
    packed = brotli.compress(json.dumps({"imei": IMEI, "pad": "abc" * 300}).encode())
    assert IMEI.encode() not in packed
    body = base64.b64encode(packed).decode()
    har = _write(tmp_path, [_entry("https://a.example/", {"mimeType": "application/json", "text": body,
                                                          "encoding": "base64"},
                                   [{"name": "Content-Encoding", "value": "br"}])])
    cap = read_har(har)
    assert [h.pi_type for h in cap.flows[0].hits] == ["imei"]
    monkeypatch.setitem(sys.modules, "brotli", None)  # as if it were not installed
    cap = read_har(har)
    assert cap.flows[0].hits == []
    assert any("brotli" in n for n in cap.notes)


def test_url_headers_and_cookies(tmp_path: Path) -> None:
    entries = [_entry(f"https://t.example.com/p?sn=R58Mabc123X&imei={IMEI}",
                      headers=[{"name": "X-Device", "value": IMEI}, {"name": "Cookie", "value": f"did={IMEI}"}],
                      cookies=[{"name": "did", "value": IMEI}])]
    cap = read_har(_write(tmp_path, entries), PiMatcher(profile_from_dict({"imei": IMEI}), detectors=False))
    hits = sorted((h.where, h.field) for h in cap.flows[0].hits)
    assert hits == [("cookie", "did"), ("header", "X-Device"), ("url", "imei")]  # the Cookie header is not doubled
    assert cap.flows[0].host == "t.example.com" and cap.flows[0].owner_kind == "unknown"


def test_first_party_domains_from_the_caller(tmp_path: Path) -> None:
    entries = [_entry("https://api.sample.com.cn/x"), _entry("https://cdn.other.net/y"),
               _entry("https://graph.facebook.com/z")]
    cap = read_har(_write(tmp_path, entries), first_party=["www.sample.com.cn"])
    assert [(f.owner_kind, f.owner) for f in cap.flows] == [
        ("first_party", "sample.com.cn"), ("third_party", "unknown vendor"),
        ("third_party", "Facebook SDK Core / App Events")]


def test_missing_time_is_nan_with_a_note(tmp_path: Path) -> None:
    cap = read_har(_write(tmp_path, [_entry("https://a.example/", started=None), "junk"]))
    assert len(cap.flows) == 1 and math.isnan(cap.flows[0].t)
    assert any("startedDateTime" in n for n in cap.notes) and any("entry 1" in n for n in cap.notes)


def test_the_whole_file_is_never_json_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    har = _write(tmp_path, [_entry(f"https://a.example/?imei={IMEI}") for _ in range(50)])

    def refuse(*_a, **_k):
        raise AssertionError("the HAR must be streamed")

    monkeypatch.setattr(json, "load", refuse)
    monkeypatch.setattr(json, "loads", refuse)
    cap = read_har(har)
    assert len(cap.flows) == 50 and all(f.hits for f in cap.flows)


def test_broken_json_names_the_byte_offset(tmp_path: Path) -> None:
    good = json.dumps({"log": {"version": "1.2", "entries": [_entry("https://a.example/1"),
                                                             _entry("https://a.example/2")]}})
    cut = good.index('{"request"', good.index("a.example/1"))  # the second entry
    broken = good[:cut] + '{"request": {"url": "x",, }' + good[cut:]
    p = tmp_path / "b.har"
    p.write_text(broken)
    with pytest.raises(MalformedInput) as err:
        read_har(p)
    offset = broken.index(",, ") + 1
    assert f"byte offset {offset}" in str(err.value) and "\n" not in str(err.value)
    partial = read_har(p, strict=False)
    assert len(partial.flows) == 1 and "broken JSON" in partial.notes[-1]


def test_truncated_har(tmp_path: Path) -> None:
    p = tmp_path / "t.har"
    text = json.dumps({"log": {"entries": [_entry("https://a.example/1"), _entry("https://a.example/2")]}})
    p.write_text(text[: len(text) - 40])
    with pytest.raises(MalformedInput, match=r"byte offset \d+: the file ends inside the JSON"):
        read_har(p)
    assert len(read_har(p, strict=False).flows) == 1


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty file"),
    (b"  \n ", "only whitespace"),
    (b'{"foo": [1, 2]}', "not a HAR"),
    (b'{"log": {"entries": {}}}', "not a HAR"),
    (b"[1, 2, 3]", "not a HAR"),
    (b"\x00\x01\x02garbage\xff", "not a HAR"),
])
def test_not_a_har(tmp_path: Path, content: bytes, message: str) -> None:
    p = tmp_path / "x.har"
    p.write_bytes(content)
    with pytest.raises(InputError, match=message) as err:
        read_har(p)
    assert not isinstance(err.value, MalformedInput) and "\n" not in str(err.value)


def test_empty_entries_is_a_har_without_flows(tmp_path: Path) -> None:
    cap = read_har(_write(tmp_path, []))
    assert cap.flows == [] and cap.notes == []


def test_response_bodies_only_when_asked(tmp_path: Path) -> None:
    e = _entry("https://a.example/")
    e["response"]["content"] = {"size": 40, "mimeType": "application/json",
                                "text": base64.b64encode(json.dumps({"imei": IMEI}).encode()).decode(),
                                "encoding": "base64"}
    har = _write(tmp_path, [e])
    assert read_har(har).flows[0].hits == []
    hits = read_har(har, responses=True).flows[0].hits
    assert [(h.pi_type, h.where, h.field) for h in hits] == [("imei", "response", "imei")]
