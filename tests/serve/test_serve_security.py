"""Writes with the login cookie must come from the site's own pages (Origin, else Referer); the cookie's value
expires and is refused after logout; HEAD works on every GET route."""

from __future__ import annotations

import json
import time
import warnings

import httpx
import pytest
from serving import AUTH, TOKEN, live_server, make_client, settings, upload

from privaudit.serve.app import create_app
from privaudit.serve.guard import SESSION_COOKIE, Sessions

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SAME = "http://testserver"  # the TestClient's own origin


def _log_in(client) -> str:
    r = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
    assert r.status_code == 303
    return client.cookies[SESSION_COOKIE]


def _refused(r, status: int = 403) -> str:
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert isinstance(detail, str) and detail and "\n" not in detail
    return detail


def _runs(client) -> int:
    return client.get("/api/stats").json()["summary"]["runs"]


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://testserver:8080"},
    {"Origin": "https://testserver"},
    {"Origin": "http://testserver.evil.example"},
    {"Referer": "http://evil.example/testserver/"},
    {"Referer": ""},
    {},  # neither header
], ids=["foreign", "null", "other-port", "other-scheme", "suffix", "foreign-referer", "empty-referer", "none"])
def test_a_cookie_write_from_another_site_is_refused_and_nothing_is_stored(store_target, tmp_path, headers):
    with make_client(store_target, tmp_path, workers=0) as client:
        _log_in(client)
        detail = _refused(upload(client, headers=headers))
        assert ("cross-site" in detail) if headers else ("Origin or Referer" in detail)
        r = client.post("/upload", files={"apk": ("demo.apk", b"PK\x03\x04")}, headers=headers,
                        follow_redirects=False)
        _refused(r)
        assert _runs(client) == 0
        assert client.get("/").status_code == 200  # reads need nothing
    uploads = tmp_path / "data" / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())


def test_a_cookie_write_from_the_site_itself_and_a_bearer_write_are_accepted(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0) as client:
        _log_in(client)
        for headers in ({"Origin": SAME}, {"Origin": "HTTP://TestServer:80"}, {"Referer": f"{SAME}/runs/1?x=1"}):
            assert upload(client, headers=headers).status_code == 202, headers
        r = client.post("/upload", files={"apk": ("demo.apk", b"PK\x03\x04")}, headers={"Origin": SAME},
                        follow_redirects=False)
        assert r.status_code == 303
        client.cookies.clear()
        assert upload(client, headers=AUTH).status_code == 202  # an API client: no Origin needed
        assert _runs(client) == 5


def test_login_from_another_site_is_refused(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0) as client:
        r = client.post("/login", data={"token": TOKEN}, headers={"Origin": "http://evil.example"},
                        follow_redirects=False)
        _refused(r)
        assert "set-cookie" not in r.headers
        assert client.post("/login", data={"token": TOKEN}, headers={"Origin": SAME},
                           follow_redirects=False).status_code == 303


def test_the_origin_is_compared_with_the_request_scheme(tmp_path):
    """Behind TLS (uvicorn's --proxy-headers sets the scheme to https) the site's origin is https."""
    with TestClient(create_app(settings(str(tmp_path / "r.sqlite"), tmp_path, workers=0)),
                    base_url="https://testserver") as client:
        _log_in(client)
        _refused(upload(client, headers={"Origin": "http://testserver"}))
        assert upload(client, headers={"Origin": "https://testserver"}).status_code == 202


def test_the_login_cookie_expires_and_is_checked_by_the_server(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0, session_seconds=600) as client:
        r = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        cookie = r.headers["set-cookie"]
        assert "Max-Age=600" in cookie and "HttpOnly" in cookie
        value = client.cookies[SESSION_COOKIE]
        issued, nonce, mac = value.split(".")
        assert abs(int(issued) - time.time()) < 60 and nonce and len(mac) == 64 and TOKEN not in value

        sessions = Sessions(TOKEN, 600)
        now = time.time()
        refused = {"expired": sessions.issue(now - 601), "long expired": sessions.issue(now - 30 * 86400),
                   "from the future": sessions.issue(now + 3600), "other token": Sessions("other", 600).issue(),
                   "tampered": f"{int(issued) - 1}.{nonce}.{mac}", "other nonce": f"{issued}.x{nonce}.{mac}",
                   "no stamp": f"{nonce}.{mac}", "empty": ""}
        for what, forged in refused.items():
            client.cookies.clear()
            client.cookies.set(SESSION_COOKIE, forged)
            _refused(upload(client, headers={"Origin": SAME}), 401)
            assert 'action="/login"' in client.get("/").text, what  # not logged in
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, sessions.issue(now - 500))  # still within its 600 s
        assert upload(client, headers={"Origin": SAME}).status_code == 202
        assert 'action="/upload"' in client.get("/").text


def test_logout_revokes_the_cookie_on_the_server(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0) as client:
        value = _log_in(client)
        assert upload(client, headers={"Origin": SAME}).status_code == 202
        r = client.post("/logout", headers={"Origin": SAME}, follow_redirects=False)
        assert r.status_code == 303 and f'{SESSION_COOKIE}=""' in r.headers["set-cookie"]
        client.cookies.clear()
        client.cookies.set(SESSION_COOKIE, value)  # a copy kept from before the logout
        _refused(upload(client, headers={"Origin": SAME}), 401)
        client.cookies.clear()
        assert _log_in(client) != value  # a new login (even within the same second) works

        assert upload(client, headers={"Origin": SAME}).status_code == 202


def test_head_is_answered_on_get_routes(tmp_path):
    with make_client(str(tmp_path / "r.sqlite"), tmp_path, workers=0) as client:
        for path in ("/", "/healthz", "/apps", "/api/apps", "/api/stats", "/openapi.json"):
            got = client.get(path)
            r = client.head(path)
            assert r.status_code == 200 == got.status_code, path
            assert r.content == b"" and r.headers["content-length"] == got.headers["content-length"], path
            assert r.headers["content-type"] == got.headers["content-type"]
        assert client.head("/api/runs/999").status_code == 404
        r = client.head("/upload")  # a POST-only path
        assert r.status_code == 405 and r.headers["allow"] == "POST"
        assert client.post("/healthz", headers=AUTH).headers["allow"] == "GET, HEAD"
        assert client.put("/api/apps", headers=AUTH).headers["allow"] == "GET, HEAD, POST"
        assert not any("head" in ops for ops in client.get("/openapi.json").json()["paths"].values())


def test_head_over_a_real_server(tmp_path):
    """uvicorn refuses a HEAD response with a body: the body is really dropped."""
    with live_server(settings(str(tmp_path / "r.sqlite"), tmp_path, workers=0)) as base, \
            httpx.Client(base_url=base, timeout=30) as client:
        for path in ("/", "/healthz"):
            r = client.head(path)
            assert r.status_code == 200 and r.content == b"" and int(r.headers["content-length"]) > 0, path
        assert json.loads(client.get("/healthz").content)["status"] == "ok"  # the connection is still good


def test_guessing_the_token_is_slowed_per_address(tmp_path):
    """Ten wrong tokens within a minute from one address (login form or Bearer header): that address waits, with
    Retry-After, even for the right token; other addresses are not affected."""
    with make_client(str(tmp_path / "r.sqlite"), tmp_path, workers=0) as client:
        for i in range(Sessions.FAILURES):
            wrong = client.post("/login", data={"token": f"guess-{i}"}, headers={"Origin": SAME},
                                follow_redirects=False) if i % 2 else \
                upload(client, headers={"Authorization": f"Bearer guess-{i}"})
            assert wrong.status_code == 401, (i, wrong.status_code)
        r = client.post("/login", data={"token": TOKEN}, headers={"Origin": SAME}, follow_redirects=False)
        assert r.status_code == 429 and "set-cookie" not in r.headers
        r = upload(client, headers=AUTH)
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 61
    sessions = Sessions(TOKEN)
    for _ in range(Sessions.FAILURES):
        sessions.failed("10.0.0.1", now=100.0)
    assert sessions.wait("10.0.0.1", now=100.0) > 0 and sessions.wait("10.0.0.2", now=100.0) == 0
    assert sessions.wait("10.0.0.1", now=161.0) == 0  # a minute later the address may try again


def test_a_revoked_cookie_cannot_be_respelled():
    sessions = Sessions(TOKEN)
    value = sessions.issue()
    assert sessions.valid(value)
    sessions.revoke(value)
    assert not any(sessions.valid(v) for v in (value, "0" + value, "00" + value))
