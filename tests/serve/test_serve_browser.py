"""End to end in headless Chromium (Debian's, driven by Playwright; Playwright never downloads a browser here)
against a real uvicorn server: log in, upload the demo app with the form, read the report."""

from __future__ import annotations

import os
import shutil

import pytest
from serving import DEMO, DEMO_PACKAGE, TOKEN, live_server, settings

from privaudit import catalog

# The same no-network flags as the HTML report's Chromium test (tests/report/test_formats.py).
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not path:
        pytest.skip("chromium not installed (Debian package chromium; scripts/setup.sh installs it)")
    return path


def test_log_in_upload_the_demo_app_and_read_its_report(tmp_path):
    chromium = _chromium()
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed (pip install playwright)")
    with live_server(settings(str(tmp_path / "r.sqlite"), tmp_path)) as base, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            console: list[str] = []
            page.on("console", lambda msg: console.append(msg.text))
            outside: list[str] = []
            page.on("request", lambda req: None if req.url.startswith((base, "data:", "about:"))
                    else outside.append(req.url))
            page.goto(base + "/")
            assert page.locator("#upload").count() == 0  # the upload form needs the token
            page.fill("input[name=token]", "wrong")
            page.click("#login button[type=submit]")
            assert "令牌不正确" in page.content()
            page.fill("input[name=token]", TOKEN)
            page.click("#login button[type=submit]")
            page.wait_for_selector("#upload")
            page.set_input_files("input[name=apk]", str(DEMO))
            page.select_option("select[name=app_type]", "map_navigation")
            page.click("#upload button[type=submit]")
            page.wait_for_url(f"{base}/runs/*")
            # the page refreshes itself while the run is queued or running
            page.wait_for_selector("iframe.report", timeout=90_000)
            assert page.get_attribute("iframe.report", "sandbox") == ""
            report = page.frame_locator("iframe.report").locator("body")
            text = report.inner_text(timeout=30_000)
            assert DEMO_PACKAGE in text
            titles = [it["title_zh"] for it in catalog.items()]
            assert sum(t in text for t in titles) >= len(titles) * 0.9
            assert "征得同意前收集个人信息" in text
            assert DEMO_PACKAGE in page.locator("main").inner_text()
            # a download link serves the file with its name
            with page.expect_download() as dl:
                page.click("text=Markdown")
            assert dl.value.suggested_filename.endswith("-zh.md")
            page.goto(base + "/")
            assert DEMO_PACKAGE in page.locator("main").inner_text()
            assert not outside, outside
            assert not [c for c in console if "Content Security Policy" in c or "Refused" in c], console
        finally:
            browser.close()
