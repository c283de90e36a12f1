"""PDF: the self-contained HTML report (``privaudit.report.html``) laid out by WeasyPrint.

Binary, so the module offers ``render_bytes`` (see ``privaudit.report.render_bytes``). WeasyPrint is
imported only when a PDF is asked for; it needs Debian's Pango (``libpango-1.0-0 libpangoft2-1.0-0``)
and a CJK font (``fonts-wqy-microhei``) for Chinese text. ``scripts/setup.sh`` installs them as root.
"""

from __future__ import annotations

from privaudit.errors import InputError
from privaudit.model import Report
from privaudit.report import html

# Added on top of html.CSS: a printed page size and margins, and CJK fonts Fontconfig actually has on Linux
# (html.CSS names macOS/Windows fonts first, which WeasyPrint cannot find).
PRINT_CSS = """
@page{size:A4;margin:15mm 12mm 18mm 12mm;
@bottom-center{content:counter(page) " / " counter(pages);font-size:8pt;color:#777}}
body{font-family:"WenQuanYi Micro Hei","WenQuanYi Zen Hei","Noto Sans CJK SC","Source Han Sans SC",
"Droid Sans Fallback",sans-serif;margin:0;max-width:none;padding:0;font-size:10pt}
code,.prov{font-family:"DejaVu Sans Mono","WenQuanYi Micro Hei Mono","Noto Sans Mono CJK SC",monospace}
th,td{overflow-wrap:break-word}tr{break-inside:avoid}
"""
INSTALL = ("PDF output needs WeasyPrint and Pango: pip install weasyprint; "
           "apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei")


def _weasyprint():
    try:
        import weasyprint
    except (ImportError, OSError) as exc:  # OSError: the Python package is there but libpango is not
        raise InputError(f"{INSTALL} ({type(exc).__name__}: {exc})") from None
    return weasyprint


def render_bytes(report: Report, lang: str = "zh") -> bytes:
    weasyprint = _weasyprint()
    page = html.render(report, lang)
    # No base_url and a fetcher that refuses everything: the page is self-contained and must stay so.
    doc = weasyprint.HTML(string=page, url_fetcher=_no_fetch)
    return doc.write_pdf(stylesheets=[weasyprint.CSS(string=PRINT_CSS)])


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"external resource refused: {url}")
