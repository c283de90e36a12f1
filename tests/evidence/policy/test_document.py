"""Reading policies: encodings, HTML/Markdown/text/PDF structure, offsets, sentences, limits, fetching."""

from __future__ import annotations

import glob
import http.server
import io
import statistics
import threading
import time

import pytest
from conftest import shared

from privaudit.errors import InputError, MalformedInput, UnsafeInput
from privaudit.evidence.policy import document as D
from privaudit.evidence.policy.document import fetch_policy, read_policy, read_policy_bytes

ZH = (
    "隐私政策\n"
    "我们非常重视您的个人信息保护。本政策说明我们如何收集、使用、存储和共享您的个人信息。\n"
    "一、我们如何收集和使用您的个人信息\n"
    "当您注册账号时，我们会收集您的手机号码，用于创建账号和验证身份。\n"
    "为了保障服务安全，我们会收集设备信息，包括设备型号、操作系统版本和网络状态。\n"
    "二、我们如何共享您的个人信息\n"
    "未经您的同意，我们不会与第三方共享您的个人信息，法律法规另有规定的除外。\n"
)
TRAD = (
    "隱私權政策\n"
    "我們非常重視您的個人資料保護。本政策說明我們如何蒐集、使用、儲存與分享您的個人資訊。\n"
    "一、我們如何蒐集您的個人資訊\n"
    "當您註冊帳號時，我們會蒐集您的手機號碼，以便建立帳號與驗證身分。\n"
    "為了保障服務安全，我們會蒐集裝置資訊，包括裝置型號、作業系統版本與網路狀態。\n"
)


def _span(doc, b):
    return doc.text[b.start:b.end]


def _texts(doc, kind=None):
    return [_span(doc, b) for b in doc.blocks if kind is None or b.kind == kind]


def _check_offsets(doc):
    """Every offset indexes the text; blocks are separated by exactly one newline."""
    assert "\n".join(_texts(doc)) == doc.text
    for b in doc.blocks:
        assert "\n" not in _span(doc, b)
        for s, e in b.cells:
            assert b.start <= s <= e <= b.end
    for s in doc.sentences:
        assert 0 <= s.start < s.end <= len(doc.text)
        b = doc.blocks[s.block]
        assert b.start <= s.start and s.end <= b.end
        assert doc.text[s.start:s.end] == doc.text[s.start:s.end].strip()
    for sec in doc.sections:
        assert doc.text[sec.start:].startswith(sec.heading)
        assert sec.start < sec.end <= len(doc.text)


# -- encodings --------------------------------------------------------------------------------


@pytest.mark.parametrize("codec,expect", [("gbk", "gb18030"), ("gb2312", "gb18030"), ("gb18030", "gb18030")])
def test_gb_family(tmp_path, codec, expect):
    p = tmp_path / "policy.txt"
    p.write_bytes(ZH.encode(codec))
    doc = read_policy(str(p))
    assert doc.encoding == expect
    assert doc.text == ZH.strip()
    assert doc.language == "zh" and doc.simplified_chinese and not doc.traditional_only
    assert not doc.notes
    _check_offsets(doc)


def test_gb18030_four_byte_characters():
    text = ZH + "表情符号😀与扩展字㐀也能读出。\n"
    doc = read_policy_bytes(text.encode("gb18030"), "p.txt")
    assert doc.encoding == "gb18030"
    assert "😀" in doc.text and "㐀" in doc.text


def test_short_gbk_text_is_not_read_as_big5():
    doc = read_policy_bytes("个人信息保护政策".encode("gbk"), "p.txt")
    assert doc.text == "个人信息保护政策"
    assert doc.encoding == "gb18030"


@pytest.mark.parametrize("codec", ["big5", "cp950"])
def test_big5_traditional_only(tmp_path, codec):
    p = tmp_path / "policy.txt"
    p.write_bytes(TRAD.encode(codec))
    doc = read_policy(str(p))
    assert doc.encoding in ("cp950", "big5hkscs")
    assert doc.text == TRAD.strip()
    assert doc.language == "zh"
    assert doc.traditional_only and not doc.simplified_chinese


@pytest.mark.parametrize("bom,codec", [
    (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"", "utf-16-le"), (b"", "utf-16-be"),
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"", "utf-32-be"),
])
def test_unicode_forms(tmp_path, bom, codec):
    p = tmp_path / "policy.txt"
    p.write_bytes(bom + ZH.encode(codec))
    doc = read_policy(str(p))
    assert doc.text == ZH.strip()
    assert doc.encoding == ("utf-8-sig" if bom == b"\xef\xbb\xbf" else codec)
    assert doc.language == "zh"


def test_utf16_without_bom_chinese_only_lines():
    text = "隐私政策\n我们会收集您的设备信息。\n"
    doc = read_policy_bytes(text.encode("utf-16-le"), "p.txt")
    assert doc.text == text.strip() and doc.encoding == "utf-16-le"


def test_meta_charset_is_honoured():
    html = '<html><head><meta charset="big5"><title>t</title></head><body><p>隱私權政策</p></body></html>'
    doc = read_policy_bytes(html.encode("big5"), "p.html")
    assert doc.encoding == "cp950"
    assert doc.text == "隱私權政策"
    assert doc.traditional_only
    xml = '<?xml version="1.0" encoding="GBK"?><html><body><p>个人信息</p></body></html>'
    assert read_policy_bytes(xml.encode("gbk"), "p.xhtml").text == "个人信息"


def test_wrong_meta_charset_falls_back_to_detection():
    html = '<html><head><meta charset="utf-8"></head><body><p>' + ZH.replace("\n", "</p><p>") + "</p></body></html>"
    doc = read_policy_bytes(html.encode("gbk"), "p.html")
    assert doc.encoding == "gb18030"
    assert "我们如何共享您的个人信息" in doc.text


def test_misencoded_bytes_never_raise():
    data = ZH.encode("utf-8")
    data = data[:40] + b"\xff\xfe\x80" + data[40:]
    doc = read_policy_bytes(data, "p.txt")
    assert doc.encoding == "utf-8"
    assert "\ufffd" in doc.text
    assert any("U+FFFD" in n for n in doc.notes)
    assert "我们如何共享您的个人信息" in doc.text


def test_western_text_in_windows_1252():
    text = "Privacy Policy\nWe don\u2019t sell your data. Caf\u00e9 owners may contact us.\n"
    doc = read_policy_bytes(text.encode("cp1252"), "p.txt")
    assert doc.encoding == "cp1252"
    assert "don\u2019t" in doc.text and "Caf\u00e9" in doc.text
    assert doc.language == "en"


def test_sha256_of_raw_bytes():
    import hashlib

    data = ZH.encode("gbk")
    assert read_policy_bytes(data, "p.txt").sha256 == hashlib.sha256(data).hexdigest()


# -- limits and refusals ----------------------------------------------------------------------


def test_fifty_megabytes_is_capped_in_bounded_time(tmp_path):
    p = tmp_path / "big.txt"
    line = ("我们会收集您的设备信息，用于保障账号安全和提供服务。" * 4 + "\n").encode("utf-8")
    with open(p, "wb") as fh:
        fh.write(line * (50 * 1024 * 1024 // len(line) + 1))
    assert p.stat().st_size > 50 * 1024 * 1024
    t = time.perf_counter()
    doc = read_policy(str(p))
    elapsed = time.perf_counter() - t
    assert len(doc.text) <= D.MAX_TEXT_CHARS
    assert len(doc.text) > D.MAX_TEXT_CHARS - 1000
    assert any(n.startswith("text cut at") for n in doc.notes)
    assert doc.language == "zh"
    assert elapsed < 60


def test_fifty_megabytes_of_html_is_capped(tmp_path):
    p = tmp_path / "big.html"
    row = ("<p>我们会收集您的<b>设备信息</b>，" + "用于保障账号安全和提供服务。" * 10 + "</p>\n").encode()
    with open(p, "wb") as fh:
        fh.write(b"<html><body>" + row * (50 * 1024 * 1024 // len(row)))
    t = time.perf_counter()
    doc = read_policy(str(p))
    assert time.perf_counter() - t < 120
    assert D.MAX_TEXT_CHARS - 1000 < len(doc.text) <= D.MAX_TEXT_CHARS
    assert any(n.startswith("text cut at") for n in doc.notes)
    # A page of nothing but tags stops at the tag budget instead.
    doc = read_policy_bytes(b"<div><span></span></div>" * 1_000_000, "p.html")
    assert doc.text == "" and any("tags" in n for n in doc.notes)


def test_file_above_limit_is_unsafe(tmp_path):
    p = tmp_path / "huge.txt"
    with open(p, "wb") as fh:
        fh.truncate(65 * 1024 * 1024)  # sparse: nothing is written
    with pytest.raises(UnsafeInput, match="limit 64 MiB"):
        read_policy(str(p))


def test_empty_directory_and_missing(tmp_path):
    p = tmp_path / "empty.html"
    p.write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        read_policy(str(p))
    with pytest.raises(InputError, match="directory"):
        read_policy(str(tmp_path))
    with pytest.raises(InputError, match="cannot open"):
        read_policy(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="empty file"):
        read_policy_bytes(b"", "x.txt")


@pytest.mark.parametrize("data,what", [
    (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)), "PNG"),
    (b"PK\x03\x04" + bytes(200), "zip"),
    (b"\xff\xd8\xff\xe0" + bytes(100), "JPEG"),
    (b"\x03\x00\x08\x00" + bytes(100), "binary XML"),
    (bytes(range(256)) * 50, "binary"),
])
def test_binary_files_are_refused(tmp_path, data, what):
    p = tmp_path / "policy.html"
    p.write_bytes(data)
    with pytest.raises(InputError, match=f"not a policy document: looks like .*{what}") as info:
        read_policy(str(p))
    assert "\n" not in str(info.value)


def test_whitespace_only_gives_empty_document():
    doc = read_policy_bytes(b"  \n\n \t", "p.txt")
    assert doc.text == "" and doc.language == "none" and doc.notes


# -- HTML -------------------------------------------------------------------------------------

HOSTILE = """<!DOCTYPE html><html><head><title>TITLE-LEAK</title>
<script>var leak = "SCRIPT-LEAK";</script><style>body { color: red } .STYLE-LEAK {}</style>
<meta http-equiv="refresh" content="0;url=http://example.com/REFRESH-LEAK"></head>
<body onload="alert('ONLOAD-LEAK')">
<h1>隐私政策</h1>
<script>alert(1)</script>
<noscript>NOSCRIPT-LEAK</noscript>
<iframe src="http://example.com/">IFRAME-LEAK</iframe>
<img src="x" onerror="alert('IMG-LEAK')" alt="ALT-LEAK">
<template><p>TEMPLATE-LEAK</p></template>
<svg><text>SVG-LEAK</text><script>SVG-SCRIPT-LEAK</script></svg>
<object data="x.swf">OBJECT-LEAK</object><embed src="EMBED-LEAK">
<!-- COMMENT-LEAK --><![CDATA[CDATA-LEAK]]>
<p>我们会收集您的设备信息。</p>
<script>document.write("<p>UNCLOSED-LEAK")
"""


def test_hostile_html_leaves_nothing_behind():
    doc = read_policy_bytes(HOSTILE.encode(), "p.html")
    assert "LEAK" not in doc.text
    assert "alert" not in doc.text
    assert doc.text == "隐私政策\n我们会收集您的设备信息。"
    assert doc.blocks[0].kind == "heading"


def test_entities_decoded_and_not_markup():
    doc = read_policy_bytes(b"<p>A&amp;B &lt;script&gt; &#x4E2A;&#20154; &nbsp;&copy; &#0; &#x110000;</p>", "p.html")
    assert doc.text.startswith("A&B <script> 个人 ©")


def test_html_structure_and_offsets():
    html = """<html><body>
    <h1>某某App隐私政策</h1>
    <p>更新日期：2024年1月1日</p>
    <h2>一、我们如何收集信息</h2>
    <p>我们会收集以下信息：<br>设备信息<br/>位置信息</p>
    <ul><li>手机号码</li><li>设备标识符
        <ul><li>IMEI</li><li>Android ID</li></ul></li>
      <li>位置信息</li></ul>
    <h3>（一）第三方SDK</h3>
    <table><tr><th>SDK名称</th><th>用途</th><th>收集的信息</th></tr>
      <tr><td>友盟统计</td><td>统计分析</td><td>设备信息<br>网络信息</td></tr>
      <tr><td>极光推送<td>消息推送<td>设备标识符</tr></table>
    <h2>二、联系我们</h2><div>邮箱：privacy@example.com</div>
    </body></html>"""
    doc = read_policy_bytes(html.encode(), "assets/privacy.html")
    assert doc.source_format == "html" and doc.encoding == "utf-8"
    _check_offsets(doc)
    kinds = [(b.kind, b.level, _span(doc, b)) for b in doc.blocks]
    assert kinds[:6] == [
        ("heading", 1, "某某App隐私政策"), ("paragraph", 0, "更新日期：2024年1月1日"),
        ("heading", 2, "一、我们如何收集信息"), ("paragraph", 0, "我们会收集以下信息："),
        ("paragraph", 0, "设备信息"), ("paragraph", 0, "位置信息"),
    ]
    items = [(b.level, _span(doc, b)) for b in doc.blocks if b.kind == "list_item"]
    assert items == [(1, "手机号码"), (1, "设备标识符"), (2, "IMEI"), (2, "Android ID"), (1, "位置信息")]
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    assert len(rows) == 3
    assert [doc.text[s:e] for s, e in rows[0].cells] == ["SDK名称", "用途", "收集的信息"]
    assert [doc.text[s:e] for s, e in rows[1].cells] == ["友盟统计", "统计分析", "设备信息 网络信息"]
    assert [doc.text[s:e] for s, e in rows[2].cells] == ["极光推送", "消息推送", "设备标识符"]
    assert _span(doc, rows[1]) == "友盟统计\t统计分析\t设备信息 网络信息"
    secs = {s.heading: s for s in doc.sections}
    assert secs["某某App隐私政策"].end == len(doc.text)
    one = secs["一、我们如何收集信息"]
    assert doc.text[one.end:].startswith("二、联系我们")
    assert secs["（一）第三方SDK"].level == 3 and secs["（一）第三方SDK"].end == one.end
    assert doc.section_of(doc.text.index("极光推送")).heading == "（一）第三方SDK"


def test_layout_table_is_read_as_its_blocks():
    body = "".join(f"<p>第{i}段：我们会依法保护您的个人信息。</p>" for i in range(5))
    html = f"<table><tr><td><h2>一、总则</h2>{body}</td></tr></table>"
    doc = read_policy_bytes(html.encode(), "p.html")
    assert not any(b.kind == "table_row" for b in doc.blocks)
    assert _texts(doc)[0] == "一、总则" and doc.blocks[0].kind == "heading"
    assert len(doc.blocks) == 6


def test_html_whitespace_and_cjk_line_breaks():
    html = "<p>我们会收集\n      您的   设备信息 and\n   more   text</p>"
    doc = read_policy_bytes(html.encode(), "p.html")
    assert doc.text == "我们会收集您的 设备信息 and more text"


def test_bold_paragraph_headings_in_html():
    html = ("<p><strong>隐私政策</strong></p><p>本政策适用于本应用提供的全部服务，请您仔细阅读。</p>"
            "<p><b>一、我们收集的信息</b></p><p>我们会收集您的手机号码，用于注册账号。</p>"
            "<p>（一）注册信息</p><p>注册时需要提供手机号码和验证码。</p>"
            "<p><b>二、信息共享</b></p><p>我们不会出售您的个人信息。</p>")
    doc = read_policy_bytes(html.encode(), "p.html")
    heads = [(b.level, _span(doc, b)) for b in doc.blocks if b.kind == "heading"]
    assert heads == [(1, "隐私政策"), (2, "一、我们收集的信息"), (3, "（一）注册信息"), (2, "二、信息共享")]
    _check_offsets(doc)


def test_pre_text_keeps_lines():
    html = ("<html><body><pre>Apkid:com.example\n==========\n示例隐私政策\n==========\n一、收集\n"
            "我们会收集设备信息。\n（一）账号\n注册需要手机号。</pre></body></html>")
    doc = read_policy_bytes(html.encode(), "p.html")
    assert _texts(doc) == ["Apkid:com.example", "示例隐私政策", "一、收集", "我们会收集设备信息。", "（一）账号",
                           "注册需要手机号。"]
    heads = [(b.level, _span(doc, b)) for b in doc.blocks if b.kind == "heading"]
    assert heads == [(1, "示例隐私政策"), (2, "一、收集"), (3, "（一）账号")]


def test_deep_nesting_and_broken_markup_are_bounded():
    deep = "<div>" * 100_000 + "<p>正文内容。</p>" + "</div>" * 100_000
    assert read_policy_bytes(deep.encode(), "p.html").text == "正文内容。"
    deep = "<ul><li>" * 20_000 + "<b>列表项</b>" + "</li></ul>" * 20_000 + "<p>后文。</p>"
    doc = read_policy_bytes(deep.encode(), "p.html")
    assert _texts(doc) == ["列表项", "后文。"]
    assert doc.blocks[0].kind == "list_item" and doc.blocks[0].level <= D.MAX_HTML_DEPTH
    assert any("nesting" in n for n in doc.notes)
    # Constructs html.parser rejects, or re-reads quadratically when left unterminated.
    for junk, text in [
        ("<p>前文</p><![if !IE]><p>后文</p>", "前文\n后文"), ("<p>前文</p><!x [ y>", "前文"),
        ("<p>前文</p><div class='" + "x" * 3_000_000, "前文"), ("<p>前文</p><!--" + "注释" * 1_000_000, "前文"),
        ("<p>前文</p>" + "<a" * 500_000, "前文"),
        ("<p>前文</p>" + ("<a" * 1000 + ">") * 500 + "<p>后文</p>", "前文\n后文"),
        ("<p>前文</p><script " + "x=1 " * 500_000 + ">LEAK</script><p>后文</p>", "前文\n后文"),
        ("<p>前文</p><script>" + "x" * 3_000_000, "前文"), ("<p>前文</p>" + "<" * 1_000_000 + "<p>后文</p>", None),
    ]:
        t = time.perf_counter()
        doc = read_policy_bytes(junk.encode(), "p.html")
        assert time.perf_counter() - t < 20
        if text is None:
            assert _texts(doc) == ["前文", "<" * 1_000_000, "后文"]
        else:
            assert doc.text == text


def test_javascript_only_page_notes_it():
    doc = read_policy_bytes(b"<html><body><div id='app'></div><script src='app.js'></script></body></html>", "p.html")
    assert doc.text == "" and doc.language == "none"
    assert any("JavaScript" in n for n in doc.notes)


# -- sentences --------------------------------------------------------------------------------


def _sentences(doc):
    return [doc.text[s.start:s.end] for s in doc.sentences]


def test_sentences_respect_quotes_urls_and_numbers():
    text = ("请阅读《隐私政策。附件一》和“用户协议！”后继续。访问 https://example.com/a?b=1;c=2 了解详情；"
            "或发邮件至 privacy@example.com。版本 2.5 已生效！你同意吗？我们会收集设备信息……以及位置信息。")
    doc = read_policy_bytes(text.encode(), "p.txt")
    assert _sentences(doc) == [
        "请阅读《隐私政策。附件一》和“用户协议！”后继续。",
        "访问 https://example.com/a?b=1;c=2 了解详情；",
        "或发邮件至 privacy@example.com。",
        "版本 2.5 已生效！",
        "你同意吗？",
        "我们会收集设备信息……以及位置信息。",
    ]


def test_english_sentences():
    text = ("1. We collect data (e.g. your device ID. or IP). See www.example.com/privacy. Version 1.5 applies! "
            "Write to Mr. Smith at dpo@example.co.uk; we reply. Really?")
    doc = read_policy_bytes(text.encode(), "p.txt")
    assert _sentences(doc) == [
        "1. We collect data (e.g. your device ID. or IP).",
        "See www.example.com/privacy.",
        "Version 1.5 applies!",
        "Write to Mr. Smith at dpo@example.co.uk;",
        "we reply.",
        "Really?",
    ]
    assert doc.language == "en"


def test_sentences_end_at_blocks_and_cells():
    doc = read_policy_bytes("| 名称 | 用途。说明 |\n|---|---|\n| 友盟 | 统计 |\n第一行\n第二行".encode(), "p.txt")
    assert _sentences(doc) == ["名称", "用途。", "说明", "友盟", "统计", "第一行", "第二行"]


# -- Markdown and plain text ------------------------------------------------------------------


def test_markdown_structure():
    md = """---
title: 隐私政策
---

# 隐私政策

本政策由**示例公司**制定，请查看[完整条款](https://example.com/terms)。
这一行是同一段落。

## 第三方SDK清单

| SDK名称 | 公司 | 收集的信息 |
| --- | :---: | --- |
| 友盟 | 友盟同欣 | 设备信息<br>位置信息 |
| 个推 | 每日互动 | 设备标识符 |

- 第一项
  - 子项
- 第二项

**1. 联系我们**

邮箱：privacy@example.com
"""
    doc = read_policy_bytes(md.encode(), "policy.md")
    assert doc.source_format == "markdown"
    _check_offsets(doc)
    assert "title:" not in doc.text
    blocks = [(b.kind, b.level, _span(doc, b)) for b in doc.blocks]
    assert blocks[0] == ("heading", 1, "隐私政策")
    assert blocks[1] == ("paragraph", 0, "本政策由示例公司制定，请查看完整条款。这一行是同一段落。")
    assert blocks[2] == ("heading", 2, "第三方SDK清单")
    rows = [b for b in doc.blocks if b.kind == "table_row"]
    assert [[doc.text[s:e] for s, e in r.cells] for r in rows] == [
        ["SDK名称", "公司", "收集的信息"], ["友盟", "友盟同欣", "设备信息 位置信息"],
        ["个推", "每日互动", "设备标识符"]]
    assert [(lvl, t) for k, lvl, t in blocks if k == "list_item"] == [(1, "第一项"), (2, "子项"), (1, "第二项")]
    assert ("heading", 3, "1. 联系我们") in blocks


def test_plain_text_chinese_headings():
    text = """某某应用隐私政策

本政策适用于某某应用提供的全部产品和服务，请您在使用前仔细阅读并充分理解本政策的全部内容。

第一章 总则
第一条 为了保护用户的个人信息，根据有关法律法规制定本政策。
一、我们如何收集信息
（一）注册登录
当您注册时，我们会收集您的手机号码和验证码，用于创建账号。
1. 手机号
1.1 用途
手机号仅用于登录验证和找回密码，我们不会将其用于营销目的。
账号注销
您可以在设置页面申请注销账号，我们会在十五个工作日内完成处理。
二、联系我们
如有疑问，请联系客服。
"""
    doc = read_policy_bytes(text.encode("gbk"), "policy.txt")
    assert doc.source_format == "text"
    _check_offsets(doc)
    heads = [(b.level, _span(doc, b)) for b in doc.blocks if b.kind == "heading"]
    assert heads == [
        (1, "某某应用隐私政策"), (2, "第一章 总则"), (3, "一、我们如何收集信息"), (4, "（一）注册登录"),
        (5, "1. 手机号"), (6, "1.1 用途"), (7, "账号注销"), (3, "二、联系我们"),
    ]
    assert "第一条 为了保护用户的个人信息，根据有关法律法规制定本政策。" in _texts(doc, "paragraph")
    sec = {s.heading: s for s in doc.sections}
    assert doc.text[sec["一、我们如何收集信息"].end:].startswith("二、联系我们")


def test_contents_list_is_not_headings():
    text = ("隐私政策\n本政策包括以下内容：\n一、我们如何收集信息\n二、我们如何共享信息\n三、如何联系我们\n"
            "一、我们如何收集信息\n我们会收集您的设备信息和位置信息，用于提供导航服务。\n"
            "二、我们如何共享信息\n我们不会向第三方出售您的个人信息。\n三、如何联系我们\n邮箱：a@example.com。\n")
    doc = read_policy_bytes(text.encode(), "p.txt")
    assert [_span(doc, b) for b in doc.blocks if b.kind == "list_item"] == [
        "一、我们如何收集信息", "二、我们如何共享信息", "三、如何联系我们"]
    assert len([b for b in doc.blocks if b.kind == "heading" and b.level == 2]) == 3


def test_hard_wrapped_text_is_unwrapped():
    para = "We collect the device identifier and the approximate location of the device when you use the app."
    words = (para + " ") * 3
    lines, cur = [], ""
    for w in words.split():
        if len(cur) + len(w) + 1 > 60:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    lines.append(cur)
    text = "\n".join(lines) + "\n\n" + "\n".join(lines) + "\n"
    doc = read_policy_bytes(text.encode(), "p.txt")
    assert len(doc.blocks) == 2
    assert _span(doc, doc.blocks[0]) == words.strip()


def test_language_flags():
    assert read_policy_bytes(b"12345 678", "p.txt").language == "none"
    mixed = read_policy_bytes((ZH + TRAD).encode(), "p.txt")
    assert mixed.simplified_chinese and not mixed.traditional_only
    fr = read_policy_bytes("Nous collectons vos données personnelles pour fournir le service.".encode(), "p.txt")
    assert fr.language == "other"
    ja = "当社は、お客様の個人情報を適切に取り扱います。プライバシーポリシーをご確認ください。"
    ja = read_policy_bytes(ja.encode(), "p.txt")
    assert ja.language == "other"


# -- PDF --------------------------------------------------------------------------------------


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _page_pdf(content: bytes, resources: bytes, extra: list[bytes] = ()) -> bytes:
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Resources " + resources + b" /Contents 4 0 R >>",
        _stream(content),
        *extra,
    ])


def test_scanned_pdf_has_no_text_layer(tmp_path):
    image = _stream(b"\x00\xff\xff\x00", b"/Type /XObject /Subtype /Image /Width 2 /Height 2 "
                                         b"/ColorSpace /DeviceGray /BitsPerComponent 8 ")
    data = _page_pdf(b"q 300 0 0 300 0 0 cm /Im1 Do Q", b"<< /XObject << /Im1 5 0 R >> >>", [image])
    p = tmp_path / "scan.pdf"
    p.write_bytes(data)
    doc = read_policy(str(p))
    assert doc.source_format == "pdf"
    assert doc.text == "" and doc.language == "none" and not doc.blocks
    assert D.NO_TEXT_LAYER in doc.notes


def test_text_pdf(tmp_path):
    content = (b"BT /F1 12 Tf 20 260 Td (Privacy Policy) Tj 0 -20 Td (We collect your device identifier.) Tj "
               b"0 -20 Td (Contact us at privacy@example.com.) Tj ET")
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    data = _page_pdf(content, b"<< /Font << /F1 5 0 R >> >>", [font])
    p = tmp_path / "policy.bin"  # the content decides, not the name
    p.write_bytes(data)
    doc = read_policy(str(p))
    assert doc.source_format == "pdf" and doc.encoding is None
    assert "We collect your device identifier." in doc.text
    assert "privacy@example.com" in doc.text
    assert doc.language == "en"
    _check_offsets(doc)


def test_chinese_pdf_with_tounicode():
    text = "一、我们如何收集您的个人信息我们会收集设备信息和位置信息。"
    chars = sorted(set(text))
    cid = {c: i + 1 for i, c in enumerate(chars)}
    bfchar = b"".join(b"<%04X> <%04X>\n" % (cid[c], ord(c)) for c in chars)
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <0000> <FFFF> endcodespacerange\n"
            + b"%d beginbfchar\n" % len(chars) + bfchar + b"endbfchar\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    first, second = text[:14], text[14:]
    hexes = [b"".join(b"%04X" % cid[c] for c in part) for part in (first, second)]
    content = b"BT /F1 12 Tf 20 260 Td <" + hexes[0] + b"> Tj 0 -20 Td <" + hexes[1] + b"> Tj ET"
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /Identity-H "
            b"/DescendantFonts [6 0 R] /ToUnicode 7 0 R >>")
    cidfont = (b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
               b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /DW 1000 >>")
    data = _page_pdf(content, b"<< /Font << /F1 5 0 R >> >>", [font, cidfont, _stream(cmap)])
    doc = read_policy_bytes(data, "policy.pdf")
    assert doc.language == "zh" and doc.simplified_chinese
    assert doc.text.replace("\n", "") == text
    assert any(b.kind == "heading" for b in doc.blocks)


def test_encrypted_and_broken_pdfs_are_malformed():
    pypdf = pytest.importorskip("pypdf")
    writer = pypdf.PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(MalformedInput, match="encrypted"):
        read_policy_bytes(buf.getvalue(), "locked.pdf")
    with pytest.raises(MalformedInput, match="PDF"):
        read_policy_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4, "broken.pdf")
    with pytest.raises(MalformedInput):
        read_policy_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "x.pdf")


# -- fetching ---------------------------------------------------------------------------------

PAGE = '<html><head><meta charset="gbk"></head><body><h1>隐私政策</h1><p>我们会收集您的设备信息。</p></body></html>'


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, body: bytes, ctype: str = "text/html", length: bool = True, status: int = 200):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            pass

    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/policy.html":
            self._send(PAGE.encode("gbk"))
        elif self.path == "/policy.txt":
            self._send("一、总则\n我们重视隐私。".encode(), "text/plain; charset=utf-8")
        elif self.path == "/big":
            self._send(b"<p>" + b"x" * (2 * 1024 * 1024) + b"</p>")
        elif self.path == "/stream":
            self._send(b"<p>" + b"y" * (2 * 1024 * 1024) + b"</p>", length=False)
        elif self.path == "/slow":
            time.sleep(3)
            self._send(b"<p>late</p>")
        elif self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
        else:
            self._send(b"missing", "text/plain", status=404)


@pytest.fixture(scope="module")
def server():
    """A loopback-only HTTP server; proxies are switched off so nothing leaves the machine."""
    with pytest.MonkeyPatch.context() as mp:
        for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            mp.delenv(var, raising=False)
        mp.setenv("no_proxy", "*")
        srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        srv.daemon_threads = True
        thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{srv.server_address[1]}"
        srv.shutdown()
        srv.server_close()


def test_fetch_reads_a_served_page(server):
    doc = fetch_policy(server + "/policy.html")
    assert doc.path == server + "/policy.html"
    assert doc.text == "隐私政策\n我们会收集您的设备信息。"
    assert doc.encoding == "gb18030" and doc.source_format == "html"
    assert doc.blocks[0].kind == "heading"
    txt = fetch_policy(server + "/policy.txt")
    assert txt.source_format == "text" and txt.blocks[0].kind == "heading"


def test_fetch_refuses_large_pages(server):
    with pytest.raises(InputError, match="limit"):
        fetch_policy(server + "/big", max_bytes=1024 * 1024)
    with pytest.raises(InputError, match="larger than"):
        fetch_policy(server + "/stream", max_bytes=1024 * 1024)
    assert "x" * 100 in fetch_policy(server + "/big").text


def test_fetch_timeout(server):
    t = time.perf_counter()
    with pytest.raises(InputError, match="timed out"):
        fetch_policy(server + "/slow", timeout=0.5)
    assert time.perf_counter() - t < 2.5


def test_fetch_errors_are_one_line(server):
    with pytest.raises(InputError, match="HTTP 404"):
        fetch_policy(server + "/missing")
    with pytest.raises(InputError, match="file"):
        fetch_policy(server + "/to-file")
    for url in ("file:///etc/passwd", "ftp://example.com/x", "javascript:alert(1)", "http://"):
        with pytest.raises(InputError, match="only http and https") as info:
            fetch_policy(url)
        assert "\n" not in str(info.value)


# -- real corpora -----------------------------------------------------------------------------


def test_ca4p_raw_files_read_fast():
    files = sorted(glob.glob(str(shared("data", "policies", "zh", "ca4p483", "raw_data") / "*.html")))
    assert len(files) == 483
    times = []
    for f in files:
        t = time.perf_counter()
        doc = read_policy(f)
        times.append(time.perf_counter() - t)
        assert doc.language == "zh", f
        assert doc.text and doc.text.startswith("Apkid:"), f
        assert doc.encoding == "utf-8" and not doc.notes, f
        assert doc.sentences and doc.blocks
    _check_offsets(doc)
    assert statistics.median(times) < 0.05


def test_see_agreement_docs_read():
    root = shared("data", "policies", "zh", "see_agreement", "docs")
    files = sorted(glob.glob(str(root) + "/**/*.md", recursive=True))
    assert files
    for f in files:
        doc = read_policy(f)
        assert doc.source_format == "markdown"
        assert doc.language in ("zh", "en"), f
        _check_offsets(doc)
    tc = read_policy(str(shared("data", "policies", "zh", "see_agreement", "docs", "小米", "小米隐私政策.zh_TC.md")))
    assert tc.traditional_only and not tc.simplified_chinese
