"""PDF report: the HTML report laid out by WeasyPrint, Chinese text and all, read back with pypdf."""

from __future__ import annotations

import io

import pytest
from conftest import REPO

from privaudit import catalog
from privaudit.audit import AuditInputs, audit
from privaudit.cli import main
from privaudit.errors import InputError
from privaudit.model import Report
from privaudit.report import BINARY, FORMATS, render_bytes

DEMO = str(REPO / "examples" / "demo-app" / "demo.apk")


def _need_weasyprint() -> None:
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        pytest.skip("weasyprint not installed (pip install weasyprint)")
    except OSError as exc:
        pytest.skip(f"Pango missing (apt-get install libpango-1.0-0 libpangoft2-1.0-0): {exc}")


def _need_cjk_font() -> None:
    import subprocess

    try:
        fonts = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        fonts = ""
    if not fonts.strip():
        pytest.skip("no Simplified Chinese font (apt-get install fonts-wqy-microhei)")


@pytest.fixture(scope="module")
def demo_report() -> Report:
    return audit(AuditInputs(apk=DEMO))


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)


def test_pdf_is_a_registered_binary_format():
    from privaudit import cli

    assert "pdf" in FORMATS and "pdf" in BINARY and "pdf" in cli.FORMATS


def test_demo_report_pdf_has_chinese_titles_and_package(demo_report):
    _need_weasyprint()
    _need_cjk_font()
    pdf = render_bytes(demo_report, "pdf", "zh")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = _text(pdf)
    assert demo_report.app.package and demo_report.app.package in text
    assert "征得同意前收集个人信息" in text
    titles = [catalog.item(f.item)["title_zh"] for f in demo_report.findings]
    # pypdf may break a long title across lines; compare without whitespace
    flat = "".join(text.split())
    found = [t for t in titles if "".join(t.split()) in flat]
    assert len(found) >= len(titles) * 0.9, set(titles) - set(found)


def test_english_pdf(demo_report):
    _need_weasyprint()
    text = _text(render_bytes(demo_report, "pdf", "en"))
    assert "Method 191" in text and demo_report.app.package in text


def test_cli_writes_pdf(tmp_path):
    _need_weasyprint()
    out = tmp_path / "r.pdf"
    assert main(["scan", DEMO, "--format", "pdf", "-o", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]


def test_missing_weasyprint_is_a_one_line_input_error(monkeypatch, demo_report, capsys, tmp_path):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libgobject-2.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(InputError, match="apt-get install libpango"):
        render_bytes(demo_report, "pdf", "zh")
    assert main(["scan", DEMO, "--format", "pdf", "-o", str(tmp_path / "r.pdf")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "weasyprint" in err
