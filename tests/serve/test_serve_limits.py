"""Size limits: refused with 413 before the body is read (a declared Content-Length), or as soon as a streamed
body passes the limit (chunked, against a real uvicorn server); the token is checked before any of it."""

from __future__ import annotations

import httpx
from serving import AUTH, DEMO, live_server, make_client, settings, upload

MIB = 1024 * 1024


BOUNDARY = "x"
MULTIPART = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


class CountingBody:
    """A request body generator that records how many bytes the server pulled from it: a multipart form whose
    app file goes on and on."""

    def __init__(self, total: int, chunk: int = 64 * 1024) -> None:
        self.total, self.chunk, self.pulled = total, b"\0" * chunk, 0

    def __iter__(self):
        head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="apk"; filename="big.apk"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n").encode()
        self.pulled += len(head)
        yield head
        while self.pulled < self.total:
            self.pulled += len(self.chunk)
            yield self.chunk


def test_declared_length_over_the_limit_is_refused_before_the_body_is_read(tmp_path):
    with make_client(str(tmp_path / "r.sqlite"), tmp_path, workers=0, max_apk_bytes=MIB,
                     max_evidence_bytes=MIB) as client:
        for headers, status in ((AUTH, 413), ({}, 401), ({"Authorization": "Bearer nope"}, 401)):
            body = CountingBody(512 * MIB)
            r = client.post("/api/apps", content=iter(body), headers={
                **headers, **MULTIPART, "Content-Length": str(body.total)})
            assert r.status_code == status and r.headers["connection"] == "close"
            assert body.pulled == 0, body.pulled
        assert client.post("/api/apps", content=b"x", headers={**AUTH, "Content-Length": "12x"}).status_code == 400
        # any other write has a small limit: the login form
        body = CountingBody(MIB)
        r = client.post("/login", content=iter(body), headers={"Content-Length": str(body.total)})
        assert r.status_code == 413 and body.pulled == 0
        assert client.get("/api/stats").json()["summary"]["runs"] == 0


def test_each_file_is_held_to_its_own_limit_after_parsing(tmp_path):
    with make_client(str(tmp_path / "r.sqlite"), tmp_path, workers=0, max_apk_bytes=DEMO.stat().st_size - 1,
                     max_evidence_bytes=1000) as client:
        r = upload(client)  # the body is within apk + evidence, the app file alone is not
        assert r.status_code == 413 and "the app file larger than" in r.json()["detail"]
    with make_client(str(tmp_path / "r2.sqlite"), tmp_path, workers=0, max_evidence_bytes=1000) as client:
        files = [("apk", ("demo.apk", DEMO.read_bytes())), ("trace", ("a.jsonl", b"{}\n" * 200)),
                 ("trace", ("b.jsonl", b"{}\n" * 200))]
        r = client.post("/api/apps", files=files, headers=AUTH)
        assert r.status_code == 413 and "evidence files together" in r.json()["detail"]
        files[2] = ("network", ("c.har", b"{}"))
        assert client.post("/api/apps", files=files, headers=AUTH).status_code == 202
    leftovers = [p.name for p in (tmp_path / "data" / "uploads").iterdir() if p.name.startswith(".")]
    assert not leftovers  # a refused file leaves no partial copy


def test_chunked_body_is_cut_off_when_it_passes_the_limit(tmp_path):
    s = settings(str(tmp_path / "r.sqlite"), tmp_path, workers=0, max_apk_bytes=MIB, max_evidence_bytes=0)
    with live_server(s) as base, httpx.Client(base_url=base, timeout=60) as client:
        body = CountingBody(1024 * MIB)  # a GiB, never sent in full
        r = client.post("/api/apps", content=iter(body),
                        headers={**AUTH, **MULTIPART})
        assert r.status_code == 413
        # read up to the limit, plus what sat in the sockets' buffers when the server stopped reading
        assert MIB < body.pulled < 64 * MIB, body.pulled
        body = CountingBody(1024 * MIB)
        r = client.post("/api/apps", content=iter(body), headers=MULTIPART)
        assert r.status_code == 401 and body.pulled < 64 * MIB
        # the server is fine afterwards, and a real upload works over the wire
        r = client.post("/api/apps", files={"apk": ("demo.apk", DEMO.read_bytes())}, headers=AUTH)
        assert r.status_code == 202 and client.get("/healthz").status_code == 200
