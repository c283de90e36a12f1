"""The REST API and pages in process (FastAPI TestClient), on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile

import pytest
from serving import AUTH, DEMO, DEMO_PACKAGE, TOKEN, make_client, upload, wait_done

from privaudit import catalog
from privaudit.serve.downloads import MEDIA_TYPES

HASH_NAME = re.compile(r"^[0-9a-f]{64}$")
SAME_ORIGIN = {"Origin": "http://testserver"}  # the TestClient's own origin, as a browser sends it


def _pdf_available() -> str | None:
    """Why a PDF cannot be rendered here, or None (the same checks as tests/report/test_pdf.py)."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "weasyprint not installed (pip install weasyprint)"
    except OSError as exc:
        return f"Pango missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}"
    return None


def test_upload_demo_then_report_in_every_format(store_target, tmp_path):
    with make_client(store_target, tmp_path) as client:
        r = upload(client)
        assert r.status_code == 202, r.text
        accepted = r.json()
        run_id = accepted["run_id"]
        assert accepted["status"] == "queued" and r.headers["location"] == f"/api/runs/{run_id}"
        assert accepted["links"]["page"] == f"/runs/{run_id}"
        run = wait_done(client, run_id)
        assert run["status"] == "ok", run["error"]
        assert run["package"] == DEMO_PACKAGE and run["source"] == "demo.apk" and run["attempts"] == 1
        assert run["version_name"] and len(run["sha256"]) == 64

        for fmt, media in MEDIA_TYPES.items():
            r = client.get(f"/api/runs/{run_id}/report", params={"format": fmt})
            if fmt == "pdf" and _pdf_available():
                assert r.status_code == 501 and "WeasyPrint" in r.json()["detail"]
                continue
            assert r.status_code == 200, (fmt, r.text[:300])
            assert r.headers["content-type"] == media
            ext = {"text": "txt"}.get(fmt, fmt)
            assert re.fullmatch(rf'attachment; filename="privaudit-{re.escape(DEMO_PACKAGE)}-run{run_id}-zh\.{ext}"',
                                r.headers["content-disposition"])
            body = r.content
            assert str(tmp_path).encode() not in body  # the server's paths are not shown
            if fmt in ("json", "sarif"):
                data = json.loads(body)
                assert DEMO_PACKAGE in json.dumps(data, ensure_ascii=False)
            elif fmt == "xlsx":
                assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None
            elif fmt == "pdf":
                assert body.startswith(b"%PDF-")
            else:
                text = body.decode("utf-8")
                assert DEMO_PACKAGE in text and "征得同意前收集个人信息" in text
        # the page's download links, in English too
        r = client.get(f"/runs/{run_id}/report.md", params={"lang": "en"})
        assert r.status_code == 200 and "Method 191" in r.text and r.headers["content-disposition"].endswith('-en.md"')
        for ext in ("html", "xlsx", "txt", "text", "json", "sarif"):
            r = client.get(f"/runs/{run_id}/report.{ext}")
            assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment; filename=")
        assert client.get(f"/runs/{run_id}/report.exe").status_code == 404
        assert client.get(f"/api/runs/{run_id}/report", params={"format": "docx"}).status_code == 422

        page = client.get(f"/runs/{run_id}")
        assert page.status_code == 200 and '<iframe class="report" title="报告 Report" sandbox=""' in page.text
        assert DEMO_PACKAGE in page.text and "http-equiv" not in page.text  # done: no refresh
        assert "default-src 'none'" in page.headers["content-security-policy"]
        assert "<script" not in page.text.lower()

        stats = client.get("/api/stats").json()
        assert stats["summary"]["apps"] == 1 and stats["summary"]["runs_ok"] == 1
        assert len(stats["by_item"]) == 31 and len(stats["by_category"]) == 6
        assert stats["apps_by_risk"][0]["package"] == DEMO_PACKAGE
        assert {s["sdk_id"] for s in stats["top_sdks"]}

        home = client.get("/")
        assert home.status_code == 200 and DEMO_PACKAGE in home.text
        assert catalog.items()[0]["title_zh"] in home.text and 'action="/login"' in home.text
        app_id = run["app_id"]
        assert client.get(f"/apps/{app_id}").status_code == 200
        assert client.get("/apps").status_code == 200
        assert client.get("/healthz").json()["status"] == "ok"


def test_same_apk_twice_is_one_app_one_version_two_runs(store_target, tmp_path):
    with make_client(store_target, tmp_path) as client:
        ids = [upload(client, name=n).json()["run_id"] for n in ("demo.apk", "same-demo-again.apk")]
        runs = [wait_done(client, i) for i in ids]
        assert [r["status"] for r in runs] == ["ok", "ok"]
        apps = client.get("/api/apps").json()
        assert apps["total"] == 1 and apps["apps"][0]["versions"] == 1 and apps["apps"][0]["runs"] == 2
        detail = client.get(f"/api/apps/{apps['apps'][0]['id']}").json()
        assert len(detail["versions"]) == 1
        assert sorted(r["id"] for r in detail["versions"][0]["runs"]) == sorted(ids)
        assert client.get("/api/stats").json()["summary"] == {
            "apps": 1, "versions": 1, "runs": 2, "runs_ok": 2, "runs_error": 0, "runs_queued": 0, "runs_running": 0}
    stored = os.listdir(tmp_path / "data" / "uploads")
    assert len(stored) == 1 and HASH_NAME.match(stored[0])  # the same bytes are kept once


def test_truncated_apk_is_a_one_line_error_and_the_server_carries_on(store_target, tmp_path):
    data = DEMO.read_bytes()
    with make_client(store_target, tmp_path) as client:
        bad = wait_done(client, upload(client, data[: len(data) // 2], name="truncated.apk").json()["run_id"])
        assert bad["status"] == "error" and bad["package"] is None
        assert bad["error"] and "\n" not in bad["error"] and len(bad["error"]) <= 500
        assert str(tmp_path) not in bad["error"]  # the server's paths are not shown
        assert client.get(f"/api/runs/{bad['id']}/report").status_code == 409
        page = client.get(f"/runs/{bad['id']}")
        assert page.status_code == 200 and "审计失败" in page.text
        good = wait_done(client, upload(client).json()["run_id"])
        assert good["status"] == "ok" and client.get("/healthz").status_code == 200


def test_app_type_by_id_or_chinese_name(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0) as client:
        r = upload(client, app_type="no-such-type")
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "app_type"]
        assert upload(client, app_type="地图导航类").status_code == 202
        assert upload(client, app_type="map_navigation").status_code == 202
        assert client.get("/api/stats").json()["summary"]["runs_queued"] == 2
        r = client.post("/upload", files={"apk": ("a.apk", b"x")}, data={"app_type": "nope"}, headers=AUTH)
        assert r.status_code == 422 and "unknown app type" in r.text


def test_writes_need_the_token(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                        {"Authorization": "Bearer"}, {"Cookie": "privaudit_session=forged"}):
            r = upload(client, headers=headers)
            assert r.status_code == 401, headers
            assert r.headers["www-authenticate"] == "Bearer" and "token" in r.json()["detail"]
        assert client.post("/upload", files={"apk": ("a.apk", b"x")}).status_code == 401
        # reads need none
        assert client.get("/api/apps").status_code == 200 and client.get("/").status_code == 200

        r = client.post("/login", data={"token": "wrong"})
        assert r.status_code == 401 and "令牌不正确" in r.text and "set-cookie" not in r.headers
        r = client.post("/login", data={"token": TOKEN}, follow_redirects=False)
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and TOKEN not in cookie
        # the client keeps the cookie: the form upload (from the site's own page) works and lands on the run's page
        assert 'action="/upload"' in client.get("/").text
        r = client.post("/upload", files={"apk": ("demo.apk", DEMO.read_bytes())}, follow_redirects=False,
                        headers=SAME_ORIGIN)
        assert r.status_code == 303 and re.fullmatch(r"/runs/\d+", r.headers["location"])
        assert upload(client, headers=SAME_ORIGIN).status_code == 202  # the API accepts the cookie too
        client.post("/logout", headers=SAME_ORIGIN)
        client.cookies.clear()
        assert upload(client, headers=SAME_ORIGIN).status_code == 401


def test_404s(store_target, tmp_path):
    with make_client(store_target, tmp_path, workers=0) as client:
        for path in ("/api/runs/999", "/api/apps/999", "/api/runs/999/report", "/runs/999", "/apps/999"):
            assert client.get(path).status_code == 404, path
        assert client.get("/api/runs/0").status_code == 422
        for cdn_page in ("/docs", "/redoc"):
            assert client.get(cdn_page).status_code == 404
        assert client.get("/openapi.json").json()["paths"]["/api/apps"]["post"]


HOSTILE_NAMES = [
    "../../../../etc/passwd",
    "..\\..\\windows\\system32\\evil.apk",
    "a\x00b\x01c\x1b[31mred\x7f.apk",
    "\u202egpj.apk",  # right-to-left override
    "<script>alert(1)</script>.apk",
    "<img src=x onerror=alert(1)>.apk",
    "zero\u200bwidth\ufeff.apk",
    "😀" * 300 + ".apk",
    "/",
]


def _multipart(name: str, body: bytes) -> tuple[bytes, str]:
    """A multipart body with the file name's raw UTF-8 bytes, as a hostile client would send it."""
    boundary = "privaudit-test-boundary"
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="apk"; filename="').encode() \
        + name.replace('"', "%22").replace("\r", "").replace("\n", "").encode("utf-8") \
        + b'"\r\nContent-Type: application/octet-stream\r\n\r\n'
    return head + body + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=range(len(HOSTILE_NAMES)))
def test_hostile_file_names_are_stored_by_hash_and_shown_escaped(store_target, tmp_path, name):
    with make_client(store_target, tmp_path, workers=0) as client:
        body, ctype = _multipart(name, b"PK\x03\x04 not really an app " + name.encode("utf-8", "replace"))
        r = client.post("/api/apps", content=body, headers={**AUTH, "Content-Type": ctype})
        assert r.status_code == 202, r.text
        run_id = r.json()["run_id"]
        shown = client.get(f"/api/runs/{run_id}").json()["source"]
        assert shown and len(shown) <= 120
        assert "/" not in shown and "\\" not in shown
        assert not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in "\u202e\u200b\ufeff" for c in shown)
        page = client.get(f"/runs/{run_id}").text
        assert "<script" not in page.lower() and "<img" not in page.lower()
        if "<img" in name:
            assert "&lt;img src=x onerror=alert(1)&gt;.apk" in page
    for root, _dirs, files in os.walk(tmp_path / "data"):
        assert os.path.relpath(root, tmp_path / "data") in (".", "uploads"), root
        for f in files:
            assert root.endswith("uploads") and HASH_NAME.match(f), (root, f)
    assert not (tmp_path / "etc").exists() and not any(tmp_path.parent.glob("**/evil.apk"))


def test_evidence_files_are_audited_and_shown_by_their_names(store_target, tmp_path):
    policy = DEMO.parent / "assets" / "privacy_policy.html"
    with make_client(store_target, tmp_path) as client:
        r = client.post("/api/apps", headers=AUTH, data={"app_type": "map_navigation"},
                        files=[("apk", ("demo.apk", DEMO.read_bytes())),
                               ("policy", ("隐私政策.html", policy.read_bytes()))])
        assert r.status_code == 202, r.text
        run = wait_done(client, r.json()["run_id"])
        assert run["status"] == "ok", run["error"]
        report = client.get(f"/api/runs/{run['id']}/report").json()
    inputs = {i["kind"]: i["path"] for i in report["inputs"]}
    assert inputs["apk"] == "demo.apk" and inputs["policy"] == "隐私政策.html"
    assert report["app_type"] == "map_navigation"


def test_ui_run_archive_is_audited(store_target, tmp_path):
    """A zipped folder of uiautomator dumps uploaded as ``ui`` joins the audit: the report lists it as an input and
    its screens are in the facts."""
    def dump(*texts: str, checked: bool = False) -> str:
        nodes = "".join(f'<node text="{t}" class="android.widget.TextView" package="{DEMO_PACKAGE}" '
                        f'bounds="[160,1800][800,1850]" />' for t in texts)
        box = (f'<node text="" class="android.widget.CheckBox" package="{DEMO_PACKAGE}" checkable="true" '
               f'checked="{str(checked).lower()}" bounds="[100,1800][150,1850]" />')
        return (f'<?xml version="1.0" encoding="UTF-8"?><hierarchy rotation="0"><node text="" '
                f'class="android.widget.FrameLayout" package="{DEMO_PACKAGE}" bounds="[0,0][1080,2280]">'
                f'{box}{nodes}</node></hierarchy>')

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(zipfile.ZipInfo("dumps/00.xml", (2024, 1, 1, 10, 0, 0)), dump("首页"))
        zf.writestr(zipfile.ZipInfo("dumps/01.xml", (2024, 1, 1, 10, 0, 10)),
                    dump("我已阅读并同意《隐私政策》", "登录", checked=True))
    with make_client(store_target, tmp_path) as client:
        r = client.post("/api/apps", headers=AUTH,
                        files=[("apk", ("demo.apk", DEMO.read_bytes())), ("ui", ("run.zip", buf.getvalue()))])
        assert r.status_code == 202, r.text
        run = wait_done(client, r.json()["run_id"])
        assert run["status"] == "ok", run["error"]
        report = client.get(f"/api/runs/{run['id']}/report").json()
    assert [i["kind"] for i in report["inputs"]].count("ui") == 1
    assert report["facts"]["ui"][0]["screens"] == 2
    assert "privaudit-ui-" not in json.dumps(report)  # the temporary folder is not named
    assert str(tmp_path) not in json.dumps(report)  # nor the server's path of the upload
    assert any(i["kind"] == "ui" and i["path"] == "run.zip" for i in report["inputs"])
    uploads = tmp_path / "data" / "uploads"
    assert len([f for f in os.listdir(uploads) if HASH_NAME.match(f)]) == 2
