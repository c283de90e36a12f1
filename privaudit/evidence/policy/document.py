"""Reading a privacy policy (HTML, Markdown, plain text or PDF) into a ``PolicyDocument``.

The reader never runs or fetches anything a document refers to: HTML is tokenised with the
standard library's ``html.parser`` and the content of ``script``, ``style``, ``iframe``, ``object``,
``svg``, ``template``, ``noscript`` and ``head`` is dropped unread, as are comments and attributes
(so ``<img onerror=…>`` leaves nothing behind). Only ``fetch_policy`` touches the network, and only
for the one http(s) URL it is given.

Encoding is detected here, with the standard library only: byte-order marks, UTF-16/32 without a
mark (where the NUL bytes fall), strict UTF-8, a declared ``<meta charset>`` or XML ``encoding=``
(or HTTP charset) when it decodes cleanly, and otherwise a score between GB18030, Big5, UTF-8 with
a few bad bytes, UTF-16 and Windows-1252: how many decoded characters are frequent in Chinese
policies, less rare and implausible ones. Bytes that still do not decode become U+FFFD and a note.

The normalised text is the document's blocks (headings, paragraphs, list items, table rows whose
cells are joined by tabs) joined by "\n"; every ``Block``, ``Section`` and ``Sentence`` offset
indexes it. Plain text and ``<pre>`` text keep one block per line (hard-wrapped text and PDF lines
are joined back into paragraphs). Headings come from ``h1``-``h6`` and Markdown ``#``, and from
Chinese numbering (第X章 > 第X条 > 一、 > （一） > 1. > 1.1 > (1) > ①), emphasised short lines and
short isolated lines followed by body text; a table of contents repeated later as headings stays a
list. Sentences end at 。！？；!?; (and ". " in English), never inside 《》“”「」() pairs, URLs,
e-mail addresses or decimal numbers.

Limits: files above 64 MiB are refused (``UnsafeInput``); text beyond 4,000,000 characters is cut
with a note; HTML nesting deeper than 256 elements is flattened and at most 1,000,000 tags and
text runs are read; a tag, comment or script left open for more than 1 MiB is skipped in one step
(html.parser would re-read it quadratically). HTML has no entity definitions, so entity expansion is
bounded by the input. Every failure is a one-line ``InputError``; nothing else escapes.
"""

from __future__ import annotations

import bisect
import codecs
import hashlib
import os
import re
import stat

from privaudit.errors import InputError, MalformedInput, UnsafeInput
from privaudit.evidence.policy.model import Block, PolicyDocument, Section, Sentence

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_TEXT_CHARS = 4_000_000
MAX_SOURCE_CHARS = MAX_TEXT_CHARS * 3 // 2  # of a text or Markdown source, read before normalising
MAX_HTML_DEPTH = 256
MAX_PDF_PAGES = 5000
MAX_JOINED = 20_000  # characters of one paragraph joined from wrapped lines
HTML_CHUNK = 1 << 19  # characters fed to the HTML tokeniser at a time
MAX_HTML_EVENTS = 1_000_000  # tags and text runs read from one document (html.parser: ~100,000 a second)
HTML_STALL = 1 << 20  # an unterminated construct holding this much back is read as text
SAMPLE_BYTES = 16 * 1024  # bytes scored when guessing an encoding

NO_TEXT_LAYER = "PDF has no text layer (scanned images?): the text cannot be analysed"

# -- character tables -------------------------------------------------------------------------

# Characters that differ between the scripts, Simplified and Traditional at the same index. Each
# Simplified form is in GB2312 but not Big5 and each Traditional form is in Big5 but not GB2312, so
# neither is ever the normal spelling in the other script (pairs such as 后/後 or 于/於 are left out).
_SIMP = (
    "个们这为说关发门时会对应经权护隐资讯号码设务产术实现问题动态络数库统计认证录过还进选择电话邮联请让给论谈读写识议记许该语调课谁诉诊评诺词译详误诱访处备杂类别劳势区医单卖变叶吗启员响"
    "国图场块声够头奖妈学宝宽导将尔层岁岛币师帐带帮广庆废开张强归当彻径忆总恶悦惯戏户执扩扫扬抢报担拟拥掷携摄摆摇撑敌断无旧显晓晕暂杀条来枪标栏树样桥检楼欢残毕汇汉汤沟没泽浅测济浏渐温湿"
    "满滚潜灭灯灵灾炉点炼烟热爱爷牵犹狱独环画畅疗盖盘础称积稳穷窃笔签简粮纠红约级纪纬纯纳纵纷纸线练组细织终结绕绘继续维综绿编缩罗罚职肃胁脑脚艺节药获虑虽补装见观规视览觉誉订讨训讲试诗诚"
    "诞询诸谋谢谱贝负贡财责败货质购贯费贴贵贷贸赏赔赖赛赞赵趋跃践车轨转轮软轻载较辅辆辈输辑辖边达迁运远违连迟递逻遗酝释针钟钱铁银链销锁锅错键长闭闲间闻阅队阶际陆陈险随难雾须顶项顺预领频"
    "额风飞饭馆驱验骗鸟黄"
)
_TRAD = (
    "個們這為說關發門時會對應經權護隱資訊號碼設務產術實現問題動態絡數庫統計認證錄過還進選擇電話郵聯請讓給論談讀寫識議記許該語調課誰訴診評諾詞譯詳誤誘訪處備雜類別勞勢區醫單賣變葉嗎啟員響"
    "國圖場塊聲夠頭獎媽學寶寬導將爾層歲島幣師帳帶幫廣慶廢開張強歸當徹徑憶總惡悅慣戲戶執擴掃揚搶報擔擬擁擲攜攝擺搖撐敵斷無舊顯曉暈暫殺條來槍標欄樹樣橋檢樓歡殘畢匯漢湯溝沒澤淺測濟瀏漸溫濕"
    "滿滾潛滅燈靈災爐點煉煙熱愛爺牽猶獄獨環畫暢療蓋盤礎稱積穩窮竊筆簽簡糧糾紅約級紀緯純納縱紛紙線練組細織終結繞繪繼續維綜綠編縮羅罰職肅脅腦腳藝節藥獲慮雖補裝見觀規視覽覺譽訂討訓講試詩誠"
    "誕詢諸謀謝譜貝負貢財責敗貨質購貫費貼貴貸貿賞賠賴賽贊趙趨躍踐車軌轉輪軟輕載較輔輛輩輸輯轄邊達遷運遠違連遲遞邏遺醞釋針鐘錢鐵銀鏈銷鎖鍋錯鍵長閉閒間聞閱隊階際陸陳險隨難霧須頂項順預領頻"
    "額風飛飯館驅驗騙鳥黃"
)
# The most frequent characters of Chinese privacy policies (about 90% of their running text).
_FREQUENT = (
    "的您信息用我们人或务个服使法提在可以能和本关会权方供行户如公及有不时保为相其全要同将收于安与等理通意他政集定合对产中所护策号规下并件据何品私设隐过"
    "三应网共向发求第内律任享一情更联司进限需账式上取功备开处作分除授系请地存注包动问议成数机得接果置了明当录告后况些生识性无知技但确利未容自软是身协证括露"
    "份新你化获外解必商述重术国码这体访程实到制名部统出该标游者送目披业改络受广现密此电类手主戏删别位前管施特则储根平交视示册经转日正例止措变照年大客采台而"
    "登事推条基查非益形加常站指监运适家因来让销按责之款修征影传响验期认效计记间范面入读承由称力址好布反订点单防约障天资决助邮建直即许伴版便给营伙展被览原选"
    "序仅阅端且完子器也浏型互表立诉报支具感担从讯准致像活导回损付道续择违已帮易文依绝复结小组控判围移停员境音风途话终拒尽否科频操社符页维微击学各析二某说若"
)


class _Lazy:
    """A regular expression compiled on first use: importing this module stays cheap."""

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str):  # first use: compile, then serve the methods from the instance
        rx = re.compile(self.pattern, self.flags)
        for method in ("search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"):
            setattr(self, method, getattr(rx, method))
        return getattr(rx, name)


_rx = _Lazy


def _char_class(chars: str) -> _Lazy:
    return _rx("[" + "".join(sorted(set(chars))) + "]")


_FREQ_RUN_RE = _rx(_char_class(_FREQUENT + _TRAD).pattern + "+")
_HAN_RE = _rx(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_KANA_RE = _rx(r"[\u3040-\u30ff]")
_HANGUL_RE = _rx(r"[\uac00-\ud7af]")
_OTHER_LETTER_RE = _rx(r"[\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f]")
# Characters of ordinary text in the scripts a policy is written in.
_PLAUSIBLE_RE = _rx(r"[\t\n\r\x20-\x7e\u00a0-\u024f\u0370-\u052f\u2000-\u206f\u2100-\u218f\u2460-\u24ff"
                    r"\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
_PLAUSIBLE_RUN_RE = _rx(_PLAUSIBLE_RE.pattern + "+")
_PLAUSIBLE_ZH_RUN_RE = _rx(_PLAUSIBLE_RE.pattern.replace("\\uac00-\\ud7af", "") + "+")  # no Hangul
_HIGH_BYTE_RE = _rx(rb"[\x80-\xff]")
_CONTROL_RE = _rx(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
# East Asian wide characters: no space is needed (or wanted) between two of them.
_WIDE = (r"\u1100-\u115f\u2e80-\u303e\u3040-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
         r"\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6")
_WIDE_RE = _rx(f"[{_WIDE}]")
_WRAP_SPACE_RE = _rx(f"(?<=[{_WIDE}])[ \\t]*[\\r\\n]\\s*(?=[{_WIDE}])")
_CJK_GAP_RE = _rx(f"(?<=[{_WIDE}]) +(?=[{_WIDE}])")
_WS_RE = _rx(r"\s+")
_INVISIBLE_RE = _rx(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff]")
_EN_STOP = frozenset(
    "the and of to you your we our us is are in for with that this or by not be on information data "
    "privacy use may will can from as it any if".split()
)

# -- public API -------------------------------------------------------------------------------


def read_policy(path: str) -> PolicyDocument:
    """Read a policy file (.html/.htm/.xhtml, .txt, .md or .pdf; the content decides, the name hints)."""
    if os.path.isdir(path):
        raise InputError("is a directory, not a policy file", path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise InputError(f"cannot open ({exc.strerror or exc})", path) from None
    with fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise InputError("not a regular file", path)
        if st.st_size > MAX_FILE_BYTES:
            raise UnsafeInput(f"policy file is {st.st_size} bytes (limit 64 MiB)", path)
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"cannot read ({exc.strerror or exc})", path) from None
    return _read(data, path, _ext_hint(path))


def read_policy_bytes(data: bytes, label: str, hint: str | None = None) -> PolicyDocument:
    """Read a policy held in memory, e.g. one bundled in an APK (``label`` = "assets/privacy.html").

    ``hint`` is a format ("html", "text", "markdown", "pdf"), an extension or a MIME type; without
    it the label's extension is the hint. The content decides where it is unambiguous.
    """
    return _read(bytes(data), label, _norm_hint(hint) if hint else _ext_hint(label))


def fetch_policy(url: str, timeout: float = 10.0, max_bytes: int = 8 * 1024 * 1024) -> PolicyDocument:
    """Download one policy page over http(s) and read it.

    ``timeout`` bounds connecting, each read and the whole transfer (a stalled read is noticed
    within one more ``timeout``); a body above ``max_bytes`` is refused while it is read.
    Redirects are followed only to http(s). Any failure is a one-line ``InputError``.
    """
    import http.client
    import time
    import urllib.error
    import urllib.parse
    import urllib.request

    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError as exc:
        raise InputError(f"not a URL ({exc})", url) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError("only http and https URLs can be fetched", url)
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), urllib.request.HTTPHandler(),
                    urllib.request.HTTPSHandler(), urllib.request.HTTPDefaultErrorHandler(),
                    urllib.request.HTTPRedirectHandler(), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    request = urllib.request.Request(url, headers={"User-Agent": "privaudit policy reader", "Accept": "*/*"})
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    total = 0
    try:
        with opener.open(request, timeout=timeout) as resp:
            length = resp.headers.get("Content-Length", "")
            if length.strip().isdigit() and int(length) > max_bytes:
                raise InputError(f"page is {int(length)} bytes (limit {max_bytes})", url)
            read = getattr(resp, "read1", resp.read)
            while True:
                if time.monotonic() > deadline:
                    raise InputError(f"timed out after {timeout:g} s", url)
                chunk = read(65536)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise InputError(f"page is larger than {max_bytes} bytes (limit)", url)
                chunks.append(chunk)
            ctype = resp.headers.get_content_type() if resp.headers.get("Content-Type") else ""
            charset = resp.headers.get_content_charset()
            encoding = (resp.headers.get("Content-Encoding") or "").strip().lower()
            final_url = resp.geturl()
    except InputError:
        raise
    except urllib.error.HTTPError as exc:
        raise InputError(f"HTTP {exc.code} {exc.reason}", url) from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise InputError(f"timed out after {timeout:g} s", url) from None
        raise InputError(f"cannot fetch ({reason})", url) from None
    except TimeoutError:
        raise InputError(f"timed out after {timeout:g} s", url) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise InputError(f"cannot fetch ({type(exc).__name__}: {exc})", url) from None
    body = b"".join(chunks)
    if encoding in ("gzip", "x-gzip", "deflate"):
        body = _inflate(body, max_bytes, url)
    if not body:
        raise InputError("empty response", url)
    hint = None
    if "html" in ctype or "xml" in ctype:
        hint = "html"
    elif "pdf" in ctype:
        hint = "pdf"
    elif "markdown" in ctype:
        hint = "markdown"
    elif ctype.startswith("text/"):
        hint = "text"
    doc = _read(body, url, hint or _ext_hint(parts.path), declared=charset)
    if final_url and final_url != url:
        doc.notes.append(f"redirected to {final_url}")
    return doc


def _inflate(body: bytes, max_bytes: int, url: str) -> bytes:
    import zlib

    d = zlib.decompressobj(47)  # gzip or zlib header
    try:
        out = d.decompress(body, max_bytes + 1)
    except zlib.error as exc:
        raise InputError(f"cannot fetch (bad compressed body: {exc})", url) from None
    if len(out) > max_bytes or d.unconsumed_tail:
        raise InputError(f"page inflates past {max_bytes} bytes (limit)", url)
    return out


# -- the reader -------------------------------------------------------------------------------


def _ext_hint(label: str) -> str | None:
    name = label.rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]
    if "." not in name:
        return None
    return _norm_hint(name.rsplit(".", 1)[-1])


def _norm_hint(hint: str) -> str | None:
    h = hint.strip().lower().split(";", 1)[0].strip()
    if "/" in h:  # a MIME type or a path
        if "html" in h or h.endswith("/xml"):
            return "html"
        if "pdf" in h:
            return "pdf"
        if "markdown" in h:
            return "markdown"
        if h.startswith("text/"):
            return "text"
        return _ext_hint(h)
    h = h.rsplit(".", 1)[-1]
    return {"html": "html", "htm": "html", "xhtml": "html", "xht": "html", "shtml": "html", "xml": "html",
            "txt": "text", "text": "text", "md": "markdown", "markdown": "markdown", "mdown": "markdown",
            "mkd": "markdown", "pdf": "pdf"}.get(h)


def _read(data: bytes, label: str, hint: str | None, declared: str | None = None) -> PolicyDocument:
    if not data:
        raise InputError("empty file", label)
    if len(data) > MAX_FILE_BYTES:
        raise UnsafeInput(f"policy file is {len(data)} bytes (limit 64 MiB)", label)
    sha = hashlib.sha256(data).hexdigest()
    notes: list[str] = []
    pdf_at = data.find(b"%PDF-", 0, 1024)
    if pdf_at == 0 or pdf_at > 0 and (not data[:pdf_at].strip() or b"%%EOF" in data[-4096:]):
        blocks = _pdf_blocks(data, label, notes)
        return _document(label, blocks, "pdf", None, sha, notes)
    kind = _binary_kind(data)
    if kind:
        raise InputError(f"not a policy document: looks like {kind}", label)
    html_like = hint == "html" or _starts_like_markup(data)
    text, encoding, dec_notes = _decode(data, declared, html_like)
    notes.extend(dec_notes)
    _refuse_binary(text, label)
    fmt = _sniff(text, hint)
    if fmt == "html":
        blocks, cut = _html_blocks(text, notes)
    else:
        cut = len(text) > MAX_SOURCE_CHARS
        if cut:
            text = text[:MAX_SOURCE_CHARS]
        blocks = _text_blocks(text, markdown=fmt == "markdown", unwrap=fmt == "text")
    if cut:
        notes.append(f"text cut at {MAX_TEXT_CHARS:,} characters (the document is longer)")
    doc = _document(label, blocks, fmt, encoding, sha, notes)
    if not doc.text and fmt == "html":
        doc.notes.append("no text: the page may build its text with JavaScript, which is never run")
    elif not doc.text:
        doc.notes.append("no text in the file")
    return doc


# -- sniffing ---------------------------------------------------------------------------------

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"), (b"PK\x03\x04", "a zip archive (APK, JAR or an Office document?)"),
    (b"PK\x05\x06", "an empty zip archive"), (b"\x1f\x8b", "gzip-compressed data"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"), (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office document (.doc/.xls)"),
    (b"\x7fELF", "an ELF executable"), (b"dex\n", "Android DEX code"), (b"\x03\x00\x08\x00", "Android binary XML"),
    (b"\x02\x00\x0c\x00", "an Android resource table"), (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xca\xfe\xba\xbe", "a Java class or Mach-O file"), (b"wOFF", "a web font"), (b"wOF2", "a web font"),
    (b"OggS", "Ogg media"), (b"ID3", "an MP3 file"), (b"fLaC", "a FLAC file"), (b"BZh91AY&SY", "bzip2 data"),
    (b"{\\rtf", "an RTF document (save it as text, HTML or PDF)"),
)


def _binary_kind(data: bytes) -> str | None:
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return what
    if data[:4] == b"RIFF":
        return "a WebP image" if data[8:12] == b"WEBP" else "RIFF media"
    if data[4:8] == b"ftyp":
        return "MP4/HEIF media"
    if data[:2] == b"MZ" and b"PE\x00\x00" in data[:1024]:
        return "a Windows executable"
    return None


def _refuse_binary(text: str, label: str) -> None:
    sample = text[:65536]
    if not sample:
        return
    if len(_CONTROL_RE.findall(sample)) > max(8, len(sample) // 100):
        raise InputError("not a policy document: looks like binary data", label)
    if sample.count("\ufffd") > max(16, len(sample) // 5):
        raise InputError("not a policy document: looks like binary data (no known text encoding fits)", label)


def _starts_like_markup(data: bytes) -> bool:
    head = data[:512].lstrip(b" \t\r\n\xef\xbb\xbf").lower()
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<meta", b"<body", b"<!--"))


_TAG_RE = _rx(r"<(?:p|div|br|span|table|tr|td|li|ul|ol|h[1-6]|body|html|head|a|strong|b|font|section|pre)\b",
                     re.I)


def _sniff(text: str, hint: str | None) -> str:
    head = text[:4096].lstrip(" \t\r\n\ufeff").lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        return "html"
    if hint == "html":
        return "html" if _TAG_RE.search(text, 0, 65536) else "text"
    if hint in ("markdown", "text"):
        return hint
    if head.startswith("<") and len(_TAG_RE.findall(text, 0, 65536)) >= 2:
        return "html"
    lines = text[:65536].splitlines()
    md = sum(1 for ln in lines if re.match(r"#{1,6}\s+\S", ln))
    if md >= 2 or any(_TABLE_SEP_RE.fullmatch(ln.strip()) for ln in lines if "|" in ln and "--" in ln) \
            or head.startswith("---\n"):
        return "markdown"
    return "text"


# -- encodings --------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
)
_META_CHARSET_RE = _rx(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{2,40})""", re.I)
_XML_ENCODING_RE = _rx(rb"""<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{2,40})""", re.I)
_ASCII_BYTES = bytes(range(128))
_ISOLATED_HIGH_RE = _rx(rb"(?<![\x80-\xff])[\x80-\xff](?![\x80-\xff])")
_NOT_TEXT_CODECS = frozenset({"base64", "hex", "zlib", "bz2", "rot-13", "rot13", "quopri", "uu", "idna", "punycode"})


def _decode(data: bytes, declared: str | None, html_like: bool) -> tuple[str, str, list[str]]:
    """The text, the codec used and notes; never raises."""
    notes: list[str] = []
    for bom, name in _BOMS:
        if data.startswith(bom):
            codec = "utf-8" if name == "utf-8-sig" else name
            return _decode_all(data[len(bom):], codec, name, notes)
    sample = data[:SAMPLE_BYTES]
    if b"\x00" in sample:
        wide = _wide_unicode(sample)
        if wide:
            return _decode_all(data, wide, wide, notes)
    try:
        return data.decode("utf-8"), "utf-8", notes
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 3 and "end of data" in exc.reason:  # cut inside the last character
            return _decode_all(data, "utf-8", "utf-8", notes)
    if not declared and html_like:
        m = _META_CHARSET_RE.search(data, 0, 4096) or _XML_ENCODING_RE.search(data, 0, 4096)
        declared = m.group(1).decode("ascii") if m else None
    if declared:
        codec = _codec_for(declared)
        if codec:
            try:
                return data.decode(codec), codec, notes
            except UnicodeDecodeError:
                notes.append(f"declared charset {declared} does not decode cleanly; the encoding was detected")
            except LookupError:
                pass
    codec = _guess(data)
    return _decode_all(data, codec, codec, notes)


def _decode_all(data: bytes, codec: str, name: str, notes: list[str]) -> tuple[str, str, list[str]]:
    text = data.decode(codec, "replace")
    bad = text.count("\ufffd")
    if bad:
        notes.append(f"{bad} undecodable byte sequence(s) replaced by U+FFFD (read as {name})")
    return text, name, notes


def _codec_for(name: str) -> str | None:
    n = name.strip().lower().replace("_", "-")
    if n in ("gb2312", "gbk", "x-gbk", "cp936", "gb-2312-80", "csgb2312", "euc-cn", "ms936", "windows-936", "gb18030"):
        return "gb18030"
    if n in ("big5", "big-5", "cp950", "x-x-big5", "csbig5", "windows-950", "ms950"):
        return "cp950"
    if n in ("big5-hkscs", "big5hkscs"):
        return "big5hkscs"
    if n in ("iso-8859-1", "latin1", "latin-1", "us-ascii", "ascii", "windows-1252", "cp1252", "iso8859-1"):
        return "cp1252"
    if n.startswith(("utf-16", "utf-32", "utf16", "utf32")):
        return None  # a UTF-16 page has a BOM or NULs, found above; browsers read this as UTF-8 too
    try:
        info = codecs.lookup(n)
    except LookupError:
        return None
    if info.name in _NOT_TEXT_CODECS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _wide_unicode(sample: bytes) -> str | None:
    """UTF-32 or UTF-16 without a BOM, judged by where the NUL bytes fall."""
    n4 = len(sample) - len(sample) % 4
    if n4 >= 8:
        s = sample[:n4]
        quarter = n4 // 4
        if s[2::4].count(0) + s[3::4].count(0) >= 1.9 * quarter and s[0::4].count(0) < quarter // 4:
            return "utf-32-le"
        if s[0::4].count(0) + s[1::4].count(0) >= 1.9 * quarter and s[3::4].count(0) < quarter // 4:
            return "utf-32-be"
    n2 = len(sample) - len(sample) % 2
    even, odd = sample[0:n2:2].count(0), sample[1:n2:2].count(0)
    order = (("utf-16-le", odd, even), ("utf-16-be", even, odd))
    for codec, zeros, other in order if odd >= even else order[::-1]:
        if zeros >= 2 and zeros >= 2 * other:
            text = codecs.getincrementaldecoder(codec)("replace").decode(sample[:n2], False)
            if text and sum(map(len, _PLAUSIBLE_RUN_RE.findall(text))) >= 0.95 * len(text):
                return codec
    return None


def _guess(data: bytes) -> str:
    """The best of GB18030, Big5, UTF-8 (with errors), UTF-16 and Windows-1252 for bytes that are not clean UTF-8.

    Scored on a sample starting at the first non-ASCII byte (markup before it tells nothing): how many
    decoded characters are frequent in Chinese policies, less rare ones, less implausible ones x3.
    """
    first = _HIGH_BYTE_RE.search(data)
    start = first.start() if first else 0
    sample = data[start:start + SAMPLE_BYTES]
    whole = start + SAMPLE_BYTES >= len(data)
    best, best_score = "gb18030", None
    for codec in ("gb18030", "cp950", "big5hkscs", "utf-8"):
        han, hits, score = _score(codecs.getincrementaldecoder(codec)("replace").decode(sample, whole))
        if codec == "gb18030" and han >= 20 and hits * 2 >= han and score > 0.4 * han:
            return codec  # clearly Simplified Chinese: the common case, decided early
        if best_score is None or score > best_score:
            best, best_score = codec, score
    head = data[:SAMPLE_BYTES]
    if len(data) % 2 == 0 and b"\x00" not in head:  # UTF-16 of CJK text only (with NULs: _wide_unicode)
        for codec in ("utf-16-le", "utf-16-be"):
            _, _, score = _score(codecs.getincrementaldecoder(codec)("replace").decode(head, len(head) == len(data)))
            if score > best_score:
                best, best_score = codec, score
    high = len(sample.translate(None, _ASCII_BYTES))
    if high and high <= len(sample) // 10:
        # Western text: a few high bytes, each alone between ASCII bytes (é, ’, €); Chinese bytes come in pairs.
        isolated = len(_ISOLATED_HIGH_RE.findall(sample))
        if isolated >= 0.6 * high and isolated > best_score:
            return "cp1252"
    return best


def _score(text: str) -> tuple[int, int, float]:
    han = sum(map(len, _HAN_RUN_RE.findall(text)))
    hits = sum(map(len, _FREQ_RUN_RE.findall(text)))
    bad = len(text) - sum(map(len, _PLAUSIBLE_ZH_RUN_RE.findall(text)))
    return han, hits, hits - 0.3 * (han - hits) - 3 * bad


# -- blocks -----------------------------------------------------------------------------------


class _B:
    """A block while it is being built (text not yet placed)."""

    __slots__ = ("kind", "level", "text", "cells", "bold", "blank", "origin", "under", "open")

    def __init__(self, kind: str, level: int, text: str, *, cells: list[str] | None = None, bold: bool = False,
                 blank: bool = False, origin: str = "text") -> None:
        self.kind = kind
        self.level = level
        self.text = text
        self.cells = cells
        self.bold = bold  # every character is emphasised (a heading signal)
        self.blank = blank  # a blank line or a rule came before it
        self.origin = origin  # "text" (plain text, <pre>, PDF) or "markup" (HTML, Markdown paragraphs)
        self.under = False  # a rule line (=====) follows it
        self.open = False  # a wrapped line: the next line continues it


def _clean(s: str) -> str:
    """One line of text: invisible characters removed, white space collapsed."""
    if _INVISIBLE_RE.search(s):
        s = _INVISIBLE_RE.sub("", s)
    return _WS_RE.sub(" ", s).strip()


def _width(s: str) -> int:
    """Display width, about: a CJK character (three UTF-8 bytes) counts two."""
    return len(s) if s.isascii() else len(s) + (len(s.encode("utf-8", "surrogatepass")) - len(s)) // 2


def _join(a: str, b: str) -> str:
    if a and b and _WIDE_RE.match(a[-1]) and _WIDE_RE.match(b[0]):
        return a + b
    return f"{a} {b}" if a and b else a or b


# -- HTML -------------------------------------------------------------------------------------

_SKIP = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "head", "title",
                   "frameset", "noembed", "noframes"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
_BOLD = frozenset({"b", "strong"})
_CELLS = frozenset({"td", "th"})
_BLOCK = frozenset({
    "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "blockquote", "address",
    "figure", "figcaption", "form", "fieldset", "legend", "dl", "dt", "dd", "li", "table", "caption", "thead",
    "tbody", "tfoot", "tr", "td", "th", "hr", "pre", "center", "details", "summary", "body", "html", "option",
    "hgroup", "xmp", "listing", "textarea", "select",
}) | _HEADINGS | _LISTS
_TRACKED = _HEADINGS | _LISTS | _BOLD | _CELLS | {"li", "pre", "table", "tr"}
_STRAY_LT_RE = _rx(r"<(?![a-zA-Z/!?])")
_TAG_START_RE = _rx(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)")
_BAD_MARKED_RE = _rx(r"<!\[(?!CDATA\[|if\b|endif\b|else\b)", re.I)

_PARSER_CLASS = None


def _html_parser_class():  # the class is made on first use, so html.parser loads lazily
    global _PARSER_CLASS
    if _PARSER_CLASS is not None:
        return _PARSER_CLASS
    from html.parser import HTMLParser

    class _Table:
        __slots__ = ("parent", "row", "cell")

        def __init__(self, parent: list[_B]) -> None:
            self.parent = parent
            self.row: list[list[_B]] | None = None
            self.cell: list[_B] | None = None

    class PolicyHTML(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.root: list[_B] = []
            self.out = self.root
            self.stack: list[str] = []
            self.skipping: list[str] = []
            self.skip_overflow = 0
            self.tables: list[_Table] = []
            self.buf: list[str] = []
            self.plain = False  # the buffered text has characters outside <b>/<strong>
            self.bold = 0
            self.lists = 0
            self.pre = 0
            self.chars = 0
            self.events = 0
            self.deep = False

        def updatepos(self, i: int, j: int) -> int:  # line numbers are never used: skip counting them
            return j

        # tokens
        def handle_starttag(self, tag: str, attrs: list) -> None:  # attributes are never looked at
            self.events += 1
            if self.skipping:
                if tag in _SKIP:
                    self._skip(tag)
                elif tag == "body" and "head" in self.skipping:
                    del self.skipping[self.skipping.index("head"):]
                    self.skip_overflow = 0
                return
            if tag in _SKIP:
                self._skip(tag)
            elif tag == "br":
                self._br()
            elif tag in _BOLD:
                self._push(tag)
            elif tag in _BLOCK:
                if tag in _CELLS:
                    self._close_open(_CELLS, ("table",))
                elif tag == "tr":
                    self._close_open(("tr",), ("table",))
                elif tag == "li":
                    self._close_open(("li",), tuple(_LISTS))
                elif tag in _HEADINGS:
                    self._close_open(_HEADINGS, ())
                self._flush()
                if tag == "table":
                    self.tables.append(_Table(self.out))
                elif tag == "tr":
                    self._start_row()
                elif tag in _CELLS:
                    self._start_cell()
                if tag in _TRACKED:
                    self._push(tag)

        def handle_startendtag(self, tag: str, attrs: list) -> None:
            if self.skipping:
                return
            if tag == "br":
                self._br()
            elif tag in _BLOCK:
                self._flush()

        def handle_endtag(self, tag: str) -> None:
            self.events += 1
            if self.skipping:
                if tag in _SKIP:
                    if self.skip_overflow:
                        self.skip_overflow -= 1
                    elif tag in self.skipping:
                        del self.skipping[len(self.skipping) - 1 - self.skipping[::-1].index(tag):]
                return
            if tag == "br":
                self._br()
            elif tag in _TRACKED and tag in self.stack:
                self._close(tag)
            elif tag in _BLOCK:
                self._flush()
                if tag == "table" and self.tables:
                    self._end_table()

        def handle_data(self, data: str) -> None:
            self.events += 1
            if self.skipping:
                return
            self.buf.append(data)
            if not self.plain and not self.bold and not data.isspace():
                self.plain = True

        # structure
        def _skip(self, tag: str) -> None:
            if len(self.skipping) < MAX_HTML_DEPTH:
                self.skipping.append(tag)
            else:
                self.skip_overflow += 1

        def _push(self, tag: str) -> None:
            if len(self.stack) >= MAX_HTML_DEPTH:
                self.deep = True
                return
            self.stack.append(tag)
            if tag in _BOLD:
                self.bold += 1
            elif tag in _LISTS:
                self.lists += 1
            elif tag == "pre":
                self.pre += 1

        def _close_open(self, names, stops) -> None:
            """Close an element the new one implicitly ends (a <td> ends the open <td> of its table)."""
            for i in range(len(self.stack) - 1, -1, -1):
                t = self.stack[i]
                if t in names:
                    self._close_at(i)
                    return
                if t in stops:
                    return

        def _close(self, tag: str) -> None:
            self._close_at(len(self.stack) - 1 - self.stack[::-1].index(tag))

        def _close_at(self, i: int) -> None:
            while len(self.stack) > i:
                t = self.stack[-1]
                if t in _BOLD:
                    self.stack.pop()
                    self.bold -= 1
                    continue
                self._flush()
                self.stack.pop()
                if t in _CELLS:
                    self._end_cell()
                elif t == "tr":
                    self._end_row()
                elif t == "table":
                    self._end_table()
                elif t in _LISTS:
                    self.lists -= 1
                elif t == "pre":
                    self.pre -= 1

        def _br(self) -> None:
            if self.pre:
                self.buf.append("\n")
            elif self._context()[0] == "heading":
                self.buf.append(" ")
            else:
                self._flush()

        def _context(self) -> tuple[str, int]:
            for t in reversed(self.stack):
                if t in _HEADINGS:
                    return "heading", int(t[1])
                if t == "li":
                    return "list_item", max(1, self.lists)
                if t in _CELLS:
                    break
            return "paragraph", 0

        def _flush(self) -> None:
            if not self.buf:
                return
            raw = "".join(self.buf)
            self.buf.clear()
            bold = not self.plain
            self.plain = False
            if self.pre:
                blocks = _text_blocks(raw, pre=True)
                self.out.extend(blocks)
                self.chars += sum(len(b.text) + 1 for b in blocks)
                return
            if "\n" in raw or "\r" in raw:
                raw = _WRAP_SPACE_RE.sub("", raw)  # a source line break between two CJK characters is no space
            text = _clean(raw)
            if not text:
                return
            kind, level = self._context()
            if kind == "heading" and len(text) > 300:
                kind, level = "paragraph", 0  # an unclosed heading swallowed the body
            self.out.append(_B(kind, level, text, bold=bold, origin="markup"))
            self.chars += len(text) + 1

        # tables: a row whose cells hold one line each is a table_row; a layout row is read as its blocks
        def _table(self) -> _Table:
            if not self.tables:
                self.tables.append(_Table(self.out))  # a stray <tr>/<td>
            return self.tables[-1]

        def _start_row(self) -> None:
            t = self._table()
            if t.cell is not None:
                self._end_cell()
            if t.row is not None:
                self._emit_row(t)
            t.row = []

        def _start_cell(self) -> None:
            t = self._table()
            if t.cell is not None:
                self._end_cell()
            if t.row is None:
                t.row = []
            t.cell = []
            self.out = t.cell

        def _end_cell(self) -> None:
            if not self.tables or self.tables[-1].cell is None:
                return
            t = self.tables[-1]
            self._flush()
            t.row.append(t.cell)
            t.cell = None
            self.out = t.parent

        def _end_row(self) -> None:
            if not self.tables:
                return
            t = self.tables[-1]
            if t.cell is not None:
                self._end_cell()
            if t.row is not None:
                self._emit_row(t)
                t.row = None

        def _end_table(self) -> None:
            self._end_row()
            t = self.tables.pop()
            self.out = t.parent

        def _emit_row(self, t: _Table) -> None:
            cells = t.row or []
            if not cells:
                return
            layout = len(cells) == 1 or any(
                len(c) > 40 or sum(len(b.text) for b in c) > 2000 or any(b.kind in ("heading", "table_row") for b in c)
                for c in cells)
            if layout:
                for c in cells:
                    t.parent.extend(c)
                return
            texts = [" ".join(b.text for b in c) for c in cells]
            if any(texts):
                t.parent.append(_B("table_row", 0, "\t".join(texts), cells=texts, origin="markup"))

        def finish(self) -> list[_B]:
            self.skipping.clear()
            self._flush()
            while self.stack:
                self._close_at(len(self.stack) - 1)
            while self.tables:
                self._end_table()
            self._flush()
            return self.root

    _PARSER_CLASS = PolicyHTML
    return PolicyHTML


def _html_blocks(src: str, notes: list[str]) -> tuple[list[_B], bool]:
    """Blocks of an HTML document, and whether the text cap stopped the reading."""
    if "<![" in src:
        src = _BAD_MARKED_RE.sub("&lt;![", src)  # marked sections html.parser cannot parse
    src = _STRAY_LT_RE.sub("&lt;", src)  # a "<" that starts nothing is text (one event per "<" otherwise)
    parser = _html_parser_class()()
    cut = False
    pos = 0
    try:
        while pos < len(src):
            parser.feed(src[pos:pos + HTML_CHUNK])
            pos += HTML_CHUNK
            if len(parser.rawdata) > HTML_STALL:
                resume = _unstall(parser, src, pos)
                if resume is None:
                    notes.append("the HTML ends inside an unterminated tag, comment or script")
                    break
                pos = resume
            if parser.chars >= MAX_TEXT_CHARS:
                cut = pos < len(src)
                break
            if parser.events > MAX_HTML_EVENTS and pos < len(src):
                notes.append(f"HTML has more than {MAX_HTML_EVENTS:,} tags and text runs: the rest was not read")
                break
        if parser.rawdata.startswith("<") and not parser.cdata_elem:
            parser.rawdata = ""  # a tag or comment left open at the end is dropped, as browsers do
        parser.close()
    except (AssertionError, ValueError, IndexError, RecursionError):
        notes.append("HTML parsing stopped early at a construct it cannot read; later text is missing")
    if parser.deep:
        notes.append(f"HTML nesting deeper than {MAX_HTML_DEPTH} elements was flattened")
    blocks = parser.finish()
    return blocks, cut


def _unstall(parser, src: str, pos: int) -> int | None:
    """Get past a construct the tokeniser has been holding back for more than HTML_STALL characters.

    html.parser re-reads an unterminated tag, comment or script from its start on every feed (and,
    at the end, one character at a time), which is quadratic. The construct is found in ``src``
    and skipped in one step: a tag is replaced by its bare name, so ``<script …>`` still starts
    a script. Returns where to go on feeding, or None when the document ends inside it.
    """
    elem = parser.cdata_elem
    if not elem and not parser.rawdata.startswith("<"):
        return pos  # a long text run held back until its last entity is complete: nothing is stuck
    start = pos - len(parser.rawdata)
    parser.rawdata = ""
    if elem:  # inside <script>/<style>: find its end tag ourselves
        m = re.compile(rf"</\s*{re.escape(elem)}\s*>", re.I).search(src, start)
        if m is None:
            return None
        parser.clear_cdata_mode()
        parser.handle_endtag(elem)
        return m.end()
    if src.startswith("<!--", start):
        end = src.find("-->", start + 4)
        return None if end < 0 else end + 3
    end = src.find(">", start + 1)
    if end < 0:
        return None
    m = _TAG_START_RE.match(src, start)
    if m:
        parser.feed(f"<{m.group(1)}{m.group(2).lower()}>")
    return end + 1


# -- plain text and Markdown ------------------------------------------------------------------

_NL_RE = _rx(r"\r\n|[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_RULE_RE = _rx(r"[=\-_*~·—━─＝－#]{3,}")
_ATX_RE = _rx(r"(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*")
_BULLET_RE = _rx(r"(?:[-*+](?=\s)|[•·●○◦▪▫■□◆◇►▶➢✓√※])\s*")
_ORDERED_MD_RE = _rx(r"\d{1,3}[.)](?=\s)")
_TABLE_SEP_RE = _rx(r"\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?")
_HTML_BLOCK_RE = _rx(
    r"</?(?:table|div|p|ul|ol|li|h[1-6]|section|article|blockquote|pre|details|dl|center|tbody|thead|tr|td|th|hr|"
    r"figure)\b", re.I)
_BOLD_RE = _rx(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_RE = _rx(r"(?<![*A-Za-z0-9\\])\*(?=[^\s*])([^*]+?)(?<=[^\s*])\*(?![*A-Za-z0-9])")
_IMAGE_RE = _rx(r"!\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)")
_LINK_RE = _rx(r"\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_CODE_RE = _rx(r"`+([^`]+)`+")
_BR_RE = _rx(r"<br\s*/?>", re.I)
_INLINE_TAG_RE = _rx(
    r"</?(?:a|b|strong|em|i|u|span|font|sup|sub|small|big|code|mark|del|ins|s|strike|img|p|div|center|br)\b[^>]*>",
    re.I)
_ESCAPE_RE = _rx(r"\\([\\`*_{}\[\]()#+\-.!|>~])")


def _inline(s: str, markdown: bool) -> tuple[str, bool]:
    """Markdown-style inline markup removed; whether the whole line was emphasised."""
    if markdown and "<" in s:
        s = _INLINE_TAG_RE.sub("", _BR_RE.sub(" ", s))
    if "](" in s:
        s = _IMAGE_RE.sub(r"\1", s)
        s = _LINK_RE.sub(lambda m: m.group(1) or m.group(2), s)
    if markdown and "`" in s:
        s = _CODE_RE.sub(r"\1", s)
    bold = False
    if "**" in s or "__" in s:
        rest = _BOLD_RE.sub("", s)
        bold = not rest.strip(" *_：:") and rest != s
        s = _BOLD_RE.sub(r"\2", s).replace("**", "")
    if "*" in s:
        s = _EM_RE.sub(r"\1", s)
    if markdown:
        if "\\" in s:
            s = _ESCAPE_RE.sub(r"\1", s)
        if "&" in s:
            from html import unescape

            s = unescape(s)
    return _clean(s), bold


def _cells(line: str, markdown: bool) -> list[str]:
    inner = line.strip()
    if inner.startswith("|"):
        inner = inner[1:]
    if inner.endswith("|") and not inner.endswith("\\|"):
        inner = inner[:-1]
    parts = re.split(r"(?<!\\)\|", inner)
    return [_inline(p.replace("\\|", "|"), markdown)[0] for p in parts]


def _text_blocks(src: str, markdown: bool = False, unwrap: bool = False, pre: bool = False) -> list[_B]:
    """Blocks from lines: one per line (plain text, <pre>), or Markdown paragraphs."""
    out: list[_B] = []
    lines = _NL_RE.split(src)
    n = len(lines)
    i = 0
    if markdown and n and lines[0].strip() == "---":  # YAML front matter
        for j in range(1, min(n, 500)):
            if lines[j].strip() in ("---", "..."):
                i = j + 1
                break
    blank = True
    indents: list[int] = []
    fence: str | None = None
    para: _B | None = None  # the Markdown paragraph that the next line may continue
    para_lines = 0
    hard_break = False
    inline_md = markdown or pre
    while i < n:
        raw = lines[i]
        i += 1
        if fence is not None:
            if raw.strip().startswith(fence):
                fence = None
                blank = True
                continue
            t = _clean(raw)
            if t:
                out.append(_B("paragraph", 0, t, blank=blank))
                blank = False
            continue
        line = raw.expandtabs(4) if "\t" in raw else raw
        stripped = line.strip()
        if not stripped:
            blank, para = True, None
            continue
        indent = len(line) - len(line.lstrip())
        if markdown:
            if stripped.startswith(("```", "~~~")):
                fence, para = stripped[:3], None
                continue
            if para is not None and para_lines == 1 and not hard_break and re.fullmatch(r"=+|-+", stripped):
                para.kind, para.level = "heading", 1 if stripped[0] == "=" else 2
                para, blank = None, True
                continue
            if stripped.startswith("<") and _HTML_BLOCK_RE.match(stripped):
                chunk = [raw]
                while i < n and lines[i].strip():
                    chunk.append(lines[i])
                    i += 1
                blocks, _ = _html_blocks("\n".join(chunk), [])
                out.extend(blocks)
                para, blank = None, True
                continue
            if stripped.startswith(">"):
                stripped = re.sub(r"^(?:>\s?)+", "", stripped).strip()
                if not stripped:
                    blank, para = True, None
                    continue
        compact = stripped.replace(" ", "")
        if _RULE_RE.fullmatch(compact) and not compact.startswith("#"):
            if out and not blank:
                out[-1].under = True
            blank, para = True, None
            continue
        if markdown and "<br" in stripped.lower() and not stripped.startswith("|"):
            pieces = [p for p in _BR_RE.split(stripped) if p.strip()]
            if len(pieces) > 1:
                lines[i:i] = pieces[1:]
                n = len(lines)
                stripped = pieces[0].strip()
                hard = True
            else:
                hard = True
                stripped = _BR_RE.sub("", stripped).strip()
        else:
            hard = markdown and (raw.endswith("  ") or raw.endswith("\\"))
        b: _B | None = None
        m = _ATX_RE.fullmatch(stripped) if stripped.startswith("#") else None
        if m and m.group(2):
            text, _ = _inline(m.group(2), inline_md)
            if text:
                b = _B("heading", len(m.group(1)), text, blank=blank, origin="markup")
                indents.clear()
        elif stripped.startswith("|") and stripped.count("|") >= 2:
            if _TABLE_SEP_RE.fullmatch(stripped):
                continue
            cells = _cells(stripped, inline_md)
            if any(cells):
                b = _B("table_row", 0, "\t".join(cells), cells=cells, blank=blank)
        else:
            mb = _BULLET_RE.match(stripped) or (_ORDERED_MD_RE.match(stripped) if markdown else None)
            if mb and (mb.end() < len(stripped)):
                body = stripped[mb.end():] if _BULLET_RE.match(stripped) else stripped
                text, bold = _inline(body, inline_md)
                while indents and indents[-1] > indent:
                    indents.pop()
                if not indents or indents[-1] < indent:
                    indents.append(indent)
                if text:
                    b = _B("list_item", len(indents), text, bold=bold, blank=blank,
                           origin="markup" if markdown else "text")
            else:
                text, bold = _inline(stripped, inline_md)
                if not text:
                    continue
                if markdown and para is not None and not blank:
                    para.text = _join(para.text, text)
                    para.bold = para.bold and bold
                    para_lines += 1
                    hard_break = hard
                    if hard:
                        para = None
                    continue
                if (markdown and not blank and out and out[-1].kind == "list_item" and indent >= 2
                        and para is None and not hard_break):
                    out[-1].text = _join(out[-1].text, text)
                    continue
                b = _B("paragraph", 0, text, bold=bold, blank=blank, origin="markup" if markdown else "text")
                if markdown and not hard:
                    para, para_lines = b, 1
                else:
                    para = None
        hard_break = hard
        if b is not None:
            if b.kind != "paragraph":
                para = None
            out.append(b)
            blank = False
    if unwrap:
        out = _unwrap(out)
    return out


def _unwrap(blocks: list[_B]) -> list[_B]:
    """Join hard-wrapped lines (text wrapped at a fixed width, as PDFs and some .txt files are).

    A line near the usual full width continues on the next line unless it ends a Chinese sentence
    or introduces a list (。！？：); joined paragraphs stay below MAX_JOINED characters.
    """
    widths = sorted(_width(b.text) for b in blocks[:20_000] if b.kind == "paragraph")
    if len(widths) < 8:
        return blocks
    top = widths[int(len(widths) * 0.9)]
    if top < 30 or top > 240 or sum(1 for w in widths if w >= 0.8 * top) < 0.3 * len(widths):
        return blocks
    full = 0.75 * top
    out: list[_B] = []
    parts: list[str] = []  # the lines of out[-1] while it grows
    size = 0
    for b in blocks:
        prev = out[-1] if out else None
        if (prev is not None and prev.open and b.kind == "paragraph" and not b.blank and size < MAX_JOINED
                and _numbering(b.text) is None and prev.kind in ("paragraph", "list_item")):
            parts.append(b.text)
            size += len(b.text)
            prev.open = _width(b.text) >= full and b.text[-1] not in "。！？：:"
            continue
        if len(parts) > 1:
            prev.text = _join_lines(parts)
        parts, size = [b.text], len(b.text)
        b.open = b.kind in ("paragraph", "list_item") and _width(b.text) >= full and b.text[-1] not in "。！？：:"
        out.append(b)
    if len(parts) > 1:
        out[-1].text = _join_lines(parts)
    return out


def _join_lines(parts: list[str]) -> str:
    pieces = [parts[0]]
    for a, b in zip(parts, parts[1:], strict=False):
        if not (_WIDE_RE.match(a[-1]) and _WIDE_RE.match(b[0])):
            pieces.append(" ")
        pieces.append(b)
    return "".join(pieces)


# -- PDF --------------------------------------------------------------------------------------

_PAGE_NUMBER_RE = _rx(
    r"[-—–\s]*(?:第\s*)?\d{1,4}\s*(?:页)?\s*(?:(?:[/／]|of)\s*\d{1,4}|共\s*\d{1,4}\s*页)?[-—–\s]*|(?:page|Page|PAGE)\s+\d+"
    r"(?:\s+of\s+\d+)?")


def _pdf_blocks(data: bytes, label: str, notes: list[str]) -> list[_B]:
    import io
    import logging
    import warnings

    try:
        import pypdf
    except ImportError:
        raise InputError("reading a PDF needs the pypdf package (pip install pypdf)", label) from None
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pages = _pdf_pages(pypdf, io.BytesIO(data), label, notes)
    finally:
        log.setLevel(level)
    if not any(p.strip() for p in pages):
        notes.append(NO_TEXT_LAYER)
        return []
    lines = _pdf_lines(pages)
    blocks = _text_blocks("\n".join(lines), unwrap=True)
    for b in blocks:
        if " " in b.text:
            b.text = _CJK_GAP_RE.sub("", b.text)  # extraction puts spaces between CJK glyphs
            if b.cells:
                b.cells = [_CJK_GAP_RE.sub("", c) for c in b.cells]
    chars = sum(len(p.strip()) for p in pages)
    if chars < 20 * len(pages) and len(pages) > 1:
        notes.append(f"PDF has little text ({chars} characters on {len(pages)} pages): parts may be scanned images")
    return blocks


def _pdf_pages(pypdf, stream, label: str, notes: list[str]) -> list[str]:
    try:
        reader = pypdf.PdfReader(stream, strict=False)
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except Exception as exc:  # e.g. AES without a crypto package
                raise MalformedInput(f"PDF is encrypted and cannot be opened ({_one_line(exc)})", label) from None
            if not opened:
                raise MalformedInput("PDF is encrypted (a password is needed)", label)
            notes.append("PDF is encrypted with an empty password (permissions only); read anyway")
        count = len(reader.pages)
    except InputError:
        raise
    except Exception as exc:  # pypdf raises many kinds on broken files
        raise MalformedInput(f"not a readable PDF ({_one_line(exc)})", label) from None
    if count == 0:
        raise MalformedInput("not a readable PDF (no pages)", label)
    pages: list[str] = []
    total = 0
    failed = 0
    for index in range(min(count, MAX_PDF_PAGES)):
        try:
            text = reader.pages[index].extract_text() or ""
        except Exception:
            failed += 1
            text = ""
        pages.append(text)
        total += len(text)
        if total > MAX_SOURCE_CHARS:
            notes.append(f"PDF read up to page {index + 1} of {count} (text limit)")
            break
    else:
        if count > MAX_PDF_PAGES:
            notes.append(f"PDF read up to page {MAX_PDF_PAGES} of {count} (page limit)")
    if failed:
        notes.append(f"text of {failed} PDF page(s) could not be extracted")
    return pages


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:160]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _pdf_lines(pages: list[str]) -> list[str]:
    """Page text as lines, without page numbers and the running headers and footers of each page."""
    per_page = [[ln.strip() for ln in _NL_RE.split(p) if ln.strip()] for p in pages]
    repeated: set[str] = set()
    if len(per_page) >= 3:
        seen: dict[str, int] = {}
        for ls in per_page:
            for key in {re.sub(r"\d+", "#", ln) for ln in ls[:2] + ls[-2:]}:
                seen[key] = seen.get(key, 0) + 1
        repeated = {k for k, v in seen.items() if v >= max(3, 0.6 * len(per_page))}
    out: list[str] = []
    for ls in per_page:
        for j, ln in enumerate(ls):
            if (j < 2 or j >= len(ls) - 2) and (re.sub(r"\d+", "#", ln) in repeated or _PAGE_NUMBER_RE.fullmatch(ln)):
                continue
            out.append(ln)
    return out


# -- headings ---------------------------------------------------------------------------------

_CN_DIGITS = "一二三四五六七八九十百零〇两"
_NUMBERING = (
    ("chapter", _rx(rf"第\s*[{_CN_DIGITS}\d]+\s*[章部篇编]")),
    ("section", _rx(rf"第\s*[{_CN_DIGITS}\d]+\s*节")),
    ("article", _rx(rf"第\s*[{_CN_DIGITS}\d]+\s*条")),
    ("cn", _rx(rf"[{_CN_DIGITS}]{{1,3}}\s*[、.．]")),
    ("cn_paren", _rx(rf"[（(]\s*[{_CN_DIGITS}]{{1,3}}\s*[）)]")),
    ("num3", _rx(r"\d{1,2}[.．]\d{1,2}[.．]\d{1,2}(?![\d.．])")),
    ("num2", _rx(r"\d{1,2}[.．]\d{1,2}(?![\d.．%])")),
    ("num", _rx(r"\d{1,2}\s*[、.．](?!\d)")),
    ("num_paren", _rx(r"[（(]\s*\d{1,2}\s*[）)]")),
    ("num_half", _rx(r"\d{1,2}[)）]")),
    ("circled", _rx(r"[①-⑳]")),
    ("en", _rx(r"(?:article|section|chapter|part)\s+(?:\d{1,3}|[ivx]{1,5})\b[.:]?", re.I)),
)
# The usual nesting of the styles: 第X章 > 第X节 > 第X条 > 一、 > （一） > 1. > 1.1 > 1.1.1 > (1) > 1) > ①
_ORDER = ("en", "chapter", "section", "article", "cn", "cn_paren", "num", "num2", "num3", "num_paren", "num_half",
          "circled")
_STRONG = frozenset({"chapter", "section", "article", "cn", "cn_paren", "en"})
_LETTER_RE = _rx(r"[A-Za-z\u3400-\u4dbf\u4e00-\u9fff]")
_DATE_RE = _rx(r"\d{4}\s*(?:年|[-/.])")


def _numbering(text: str) -> tuple[str, str] | None:
    """The numbering style a line starts with, and the text after it."""
    first = text[:1]
    if not first or not (first.isdigit() or first in "第（(①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳" or first in _CN_DIGITS
                         or first in "AaSsCcPp"):
        return None
    for style, rx in _NUMBERING:
        m = rx.match(text)
        if m:
            return style, text[m.end():].strip(" \t:：、.．")
    return None


def _numbered_heading(b: _B, style: str, rest: str) -> bool:
    t = b.text
    if not _LETTER_RE.search(rest):
        return False
    w = _width(t)
    if w > (100 if style == "en" else 80):
        return False
    last = t[-1]
    if last in "。，,!！":
        return False
    if last in "；;：:" and (style not in _STRONG or w > 40):
        return False
    body = rest[:-1]
    if "。" in body or "；" in body or ". " in body or "; " in body:
        return False
    return not ("，" in rest and not b.bold)


def _plain_heading(i: int, b: _B, blocks: list[_B]) -> bool:
    t = b.text
    w = _width(t)
    if w > 50 or w < 2 or t[-1] in "。，、；：,.;:!！…" or any(c in t for c in "：:@，。；") or "://" in t:
        return False
    if not _LETTER_RE.search(t) or _DATE_RE.match(t) or sum(c.isdigit() for c in t) * 3 > len(t):
        return False
    if b.origin == "markup":
        return b.bold
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if nxt is None:
        return False
    if b.bold or i == 0:
        return True  # emphasised, or the first line (a title)
    prev = blocks[i - 1] if i else None
    isolated = prev is None or b.blank or prev.kind == "heading" or prev.text[-1:] in "。！？.!?；;"
    if not isolated:
        return False
    if b.under:
        return True
    if nxt.kind in ("paragraph", "list_item", "table_row") and (
            _width(nxt.text) >= max(2 * w, 40) or nxt.text[-1:] in "。；;."):
        return True  # a short line followed by body text
    return i <= 2 and _numbering(nxt.text) is not None  # a title right before numbered sections


def _merge_bare_numbers(blocks: list[_B]) -> list[_B]:
    """A line holding only a number ("1.1", "第一条") and the line after it are one block."""
    out: list[_B] = []
    for b in blocks:
        prev = out[-1] if out else None
        bare = prev is not None and prev.kind in ("paragraph", "list_item") and len(prev.text) <= 12
        if bare and b.kind == "paragraph" and (_numbering(prev.text) or ("", "x"))[1] == "":
            prev.text = f"{prev.text} {b.text}"
            prev.bold = prev.bold and b.bold
            continue
        out.append(b)
    return out


def _promote(blocks: list[_B]) -> None:
    """Turn paragraphs that are headings in all but markup into heading blocks, with levels."""
    explicit = max((b.level for b in blocks if b.kind == "heading"), default=0)
    found: list[tuple[int, str | None]] = []
    for i, b in enumerate(blocks):
        if b.kind not in ("paragraph", "list_item"):
            continue
        num = _numbering(b.text)
        if num is not None:
            style, rest = num
            if (b.kind == "paragraph" or style in _STRONG) and _numbered_heading(b, style, rest):
                found.append((i, style))
        elif b.kind == "paragraph" and _plain_heading(i, b, blocks):
            found.append((i, None))
    found = _drop_contents_lists(blocks, found)
    if not found:
        return
    # Numbering styles take levels in their usual nesting order (_ORDER), below any explicit (h1-h6, #) level
    # and below a title; an unnumbered heading goes one level below the heading before it.
    present = {style for _, style in found if style is not None}
    ranks = {style: k + 1 for k, style in enumerate(sorted(present, key=_ORDER.index))}
    base = last = explicit
    seen = numbered_seen = titled = False
    marks = dict(found)
    for i, b in enumerate(blocks):
        if b.kind == "heading":
            last, seen = b.level, True
            continue
        if i not in marks:
            continue
        style = marks[i]
        seen_before, seen = seen, True
        if style is None:
            if not seen_before:
                level, titled = base + 1, True
            else:
                level = last + 1
        else:
            if not numbered_seen and titled:
                base += 1
            numbered_seen = True
            level = base + ranks[style]
        b.kind, b.level = "heading", min(level, 9)
        last = b.level


def _heading_key(text: str) -> str:
    num = _numbering(text)
    rest = num[1] if num else text
    return re.sub(r"[\s*_:：、.．]", "", rest)


def _drop_contents_lists(blocks: list[_B], found: list[tuple[int, str | None]]) -> list[tuple[int, str | None]]:
    """A table of contents (3+ heading-like lines in a row, repeated later as headings) becomes list items."""
    later_keys: dict[str, int] = {}  # heading key -> last index where it occurs
    for i, _ in found:
        later_keys[_heading_key(blocks[i].text)] = i
    for i, b in enumerate(blocks):
        if b.kind == "heading":
            later_keys[_heading_key(b.text)] = max(i, later_keys.get(_heading_key(b.text), -1))
    drop: set[int] = set()
    k = 0
    while k < len(found):
        run = [found[k][0]]
        while k + len(run) < len(found) and found[k + len(run)][0] == run[-1] + 1:
            run.append(found[k + len(run)][0])
        keys = [_heading_key(blocks[i].text) for i in run]
        for j in range(1, len(keys)):
            if keys[j] in keys[:j]:  # the first section heading right after the contents
                run = run[:j]
                break
        if len(run) >= 3:
            repeated = sum(1 for i in run if later_keys.get(_heading_key(blocks[i].text), -1) > run[-1])
            if repeated * 5 >= len(run) * 3:
                drop.update(run)
        k += len(run)
    for i in drop:
        blocks[i].kind, blocks[i].level = "list_item", 1
    return [f for f in found if f[0] not in drop]


# -- the document -----------------------------------------------------------------------------


def _document(label: str, built: list[_B], fmt: str, encoding: str | None, sha: str,
              notes: list[str]) -> PolicyDocument:
    built = _merge_bare_numbers(built)
    _promote(built)
    parts: list[str] = []
    blocks: list[Block] = []
    pos = 0
    cut = False
    for b in built:
        text = b.text
        if not text:
            continue
        if pos + len(text) > MAX_TEXT_CHARS:
            cut = True
            room = MAX_TEXT_CHARS - pos
            if room <= 0 or b.kind == "table_row":
                break
            text = text[:room]
        blk = Block(b.kind, pos, pos + len(text), b.level)
        if b.kind == "table_row" and b.cells is not None:
            start = pos
            for c in b.cells:
                blk.cells.append((start, start + len(c)))
                start += len(c) + 1
        parts.append(text)
        blocks.append(blk)
        pos += len(text) + 1
        if cut:
            break
    if cut and not any(n.startswith("text cut at") for n in notes):
        notes.append(f"text cut at {MAX_TEXT_CHARS:,} characters (the document is longer)")
    text = "\n".join(parts)
    language, simplified, traditional = _language(text)
    doc = PolicyDocument(path=label, text=text, source_format=fmt, encoding=encoding, language=language,
                         simplified_chinese=simplified, traditional_only=traditional, blocks=blocks,
                         sha256=sha, notes=notes)
    doc.sections = _sections(doc)
    doc.sentences = _sentences(doc)
    return doc


def _sections(doc: PolicyDocument) -> list[Section]:
    heads = [b for b in doc.blocks if b.kind == "heading"]
    sections = []
    for k, h in enumerate(heads):
        end = len(doc.text)
        for later in heads[k + 1:]:
            if later.level <= h.level:
                end = later.start
                break
        sections.append(Section(doc.text[h.start:h.end], h.level, h.start, end))
    return sections


def _language(text: str) -> tuple[str, bool, bool]:
    """Language (zh/en/other/none), Simplified text present, Chinese only in Traditional characters."""
    if len(text) > 600_000:
        step = len(text) // 4
        sample = "".join(text[k * step:k * step + 150_000] for k in range(4))
    else:
        sample = text
    han = sum(map(len, _HAN_RUN_RE.findall(sample)))
    kana = hangul = other = 0
    if _FOREIGN_RUN_RE.search(sample):
        kana, hangul, other = (sum(map(len, rx.findall(sample)))
                               for rx in (_KANA_RUN_RE, _HANGUL_RUN_RE, _OTHER_RUN_RE))
    ascii_only = sample.encode("ascii", "ignore")
    latin = len(ascii_only) - len(ascii_only.translate(None, _ASCII_LETTERS))
    simp = trad = 0
    for run in _SCRIPT_RUN_RE.findall(sample) if han else ():
        for c in run:
            if c in _SIMP_SET:
                simp += 1
            else:
                trad += 1
    traditional = han > 0 and trad >= 2 and simp * 20 <= trad
    simplified = han > 0 and not traditional and (simp > 0 or trad == 0)
    if han + kana + hangul + latin + other < 3:
        return "none", simplified, traditional
    if kana >= 20 and kana * 10 >= han + kana or hangul > han:
        return "other", simplified, traditional
    if han and han * 5 >= latin and han >= other:
        return "zh", simplified, traditional
    if latin >= other:
        words = re.findall(r"[A-Za-z]+", sample[:200_000])
        stop = sum(1 for w in words if w.lower() in _EN_STOP)
        if words and stop * 7 >= len(words):
            return "en", simplified, traditional
    return "other", simplified, traditional


def _runs(rx: _Lazy) -> _Lazy:
    return _rx(rx.pattern + "+")


# Counting runs rather than single characters is several times faster.
_HAN_RUN_RE, _KANA_RUN_RE, _HANGUL_RUN_RE, _OTHER_RUN_RE = map(_runs, (_HAN_RE, _KANA_RE, _HANGUL_RE, _OTHER_LETTER_RE))
_FOREIGN_RUN_RE = _rx(f"{_KANA_RE.pattern}|{_HANGUL_RE.pattern}|{_OTHER_LETTER_RE.pattern}")
_SCRIPT_RUN_RE = _runs(_char_class(_SIMP + _TRAD))
_SIMP_SET = frozenset(_SIMP)
_ASCII_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


# -- sentences --------------------------------------------------------------------------------

_TERMS = "。！？；!?;︒"
_CLOSERS = "\"'”’」』)）]】》"
_TERM_CHAR_RE = _rx(r"[。！？；!?;︒.]")
_WORD_BEFORE_RE = _rx(r"[\w.]*$")
_PROTECT_RE = _rx(
    r"(?:https?|ftp)://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+|www\.[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+"
    r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_OPEN = "《“「『（(【〈〔"
_CLOSE = "》”」』）)】〉〕"
_PAIR = dict(zip(_CLOSE, _OPEN, strict=True))
_BRACKET_RE = _rx("[" + re.escape(_OPEN + _CLOSE) + "]")
_ABBREV = frozenset(
    "e.g i.e etc inc ltd co corp no nos mr mrs ms dr prof st vs jr sr u.s u.k e.u approx fig art sec para pp vol "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)


def _protected(text: str) -> tuple[list[int], list[int]]:
    """Spans no sentence may end inside: URLs, e-mail addresses and bracket/quote pairs (merged, sorted)."""
    spans = []
    for m in _PROTECT_RE.finditer(text) if ("://" in text or "www." in text or "@" in text) else ():
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)'":
            end -= 1
        spans.append((m.start(), end))
    if _BRACKET_RE.search(text):
        stack: list[tuple[str, int]] = []
        for m in _BRACKET_RE.finditer(text):
            c = m.group()
            if c in _PAIR and not (c == ")" and not stack):
                opener = _PAIR[c]
                for k in range(len(stack) - 1, -1, -1):
                    if stack[k][0] == opener:
                        spans.append((stack[k][1], m.end()))
                        del stack[k:]
                        break
            elif c in _OPEN and len(stack) < 64:
                stack.append((c, m.start()))
    if not spans:
        return [], []
    spans.sort()
    starts, ends = [spans[0][0]], [spans[0][1]]
    for s, e in spans[1:]:
        if s < ends[-1]:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _split(text: str, base: int, block: int, out: list[Sentence]) -> None:
    cuts = []
    starts: list[int] | None = None
    ends: list[int] = []
    n = len(text)
    done = -1  # end of the last terminator run taken
    for m in _TERM_CHAR_RE.finditer(text):
        p = m.start()
        if p < done:
            continue
        if text[p] == ".":
            if p == 0 or text[p - 1] == "." or text[p - 1].isspace():
                continue  # "..." or a lone dot
            q = p + 1
            while q < n and text[q] in "\"'”’)]":
                q += 1
            if q < n and not text[q].isspace():
                continue  # 2.5, example.com, e.g.x
            word = _WORD_BEFORE_RE.search(text, max(0, p - 12), p).group().lower()
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
            if word.isdigit() and len(word) <= 2 and not text[:p - len(word)].strip():
                continue  # "1. " numbering a line
        else:
            q = p + 1
            while q < n and text[q] in _TERMS:
                q += 1
            while q < n and text[q] in _CLOSERS:
                q += 1
        if starts is None:
            starts, ends = _protected(text)
        if starts:
            k = bisect.bisect_right(starts, p) - 1
            if k >= 0 and p < ends[k]:
                continue
        cuts.append(q)
        done = q
    prev = 0
    for c in [*cuts, n]:
        s, e = prev, c
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append(Sentence(base + s, base + e, block))
        prev = c


def _sentences(doc: PolicyDocument) -> list[Sentence]:
    out: list[Sentence] = []
    text = doc.text
    for index, b in enumerate(doc.blocks):
        if b.kind == "table_row" and b.cells:
            for s, e in b.cells:
                if e > s:
                    _split(text[s:e], s, index, out)
        else:
            _split(text[b.start:b.end], b.start, index, out)
    return out
