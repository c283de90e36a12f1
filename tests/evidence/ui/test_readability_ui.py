"""Readability of the policy screen (1.4): PNG decoding, text size in sp, WCAG contrast."""

from __future__ import annotations

import struct
import zlib

import pytest
from conftest import shared

from privaudit.evidence.ui.detect import contrast_ratio, policy_screen_readability, read_png, text_size_px
from privaudit.evidence.ui.load import load_ui
from privaudit.evidence.ui.model import Widget

QQ = ("data", "dynamic", "droidbot_qqmusic", "run1_2021-11-23")
PKG = "com.example.app"
BODY = "我们如何收集和使用您的个人信息。" * 50  # 800 characters, 50 × 个人信息
WHITE, DARK, LIGHT = (255, 255, 255), (0x33, 0x33, 0x33), (0xCC, 0xCC, 0xCC)


def lum(v: int) -> float:  # hand computation of the sRGB relative luminance of a grey
    c = v / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(width: int, height: int, pixel, colour: int = 2, filters=(0,), idat: bytes | None = None) -> bytes:
    """An 8-bit PNG; row y uses filter ``filters[y % len(filters)]`` (encoded as a real encoder would)."""
    ch = {0: 1, 4: 2, 2: 3, 6: 4}.get(colour, 3)
    bpp, raw, prev = ch, bytearray(), bytes(width * ch)
    for y in range(height):
        line = bytearray()
        for x in range(width):
            r, g, b = pixel(x, y)
            line += {1: bytes([r]), 2: bytes([r, 255]), 3: bytes([r, g, b]), 4: bytes([r, g, b, 255])}[ch]
        f = filters[y % len(filters)]
        out = bytearray()
        for i, v in enumerate(line):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 0:
                pred = 0
            elif f == 1:
                pred = a
            elif f == 2:
                pred = b
            elif f == 3:
                pred = (a + b) >> 1
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            out.append((v - pred) & 0xFF)
        raw += bytes([f]) + out
        prev = bytes(line)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw)) if idat is None else idat) + chunk(b"IEND", b""))


def node(text: str, bounds: tuple[int, int, int, int], cls: str = "android.widget.TextView") -> str:
    x1, y1, x2, y2 = bounds
    return (f'<node index="0" text="{text}" resource-id="" class="{cls}" package="{PKG}" content-desc="" '
            f'checkable="false" checked="false" clickable="false" bounds="[{x1},{y1}][{x2},{y2}]" />')


def dump(nodes: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><hierarchy rotation="0"><node index="0" text="" '
            f'class="android.widget.FrameLayout" package="{PKG}" bounds="[0,0][360,640]">{"".join(nodes)}'
            "</node></hierarchy>")


TEXT_ROW = 20  # glyph stripes: the top 4 px of every 20 px inside the body box (20 % of its pixels)


def policy_run(tmp_path, fg=DARK, body_box=(0, 40, 360, 600), image: bytes | None = None, with_png: bool = True):
    """A uiautomator folder: an app home screen (≈ 15.5 sp body text at 360 px = 360 dp) then the policy."""
    import os
    import time

    d = tmp_path / "dumps"
    d.mkdir()
    (d / "a_home.xml").write_text(dump([node("首页推荐歌单：今日为你精选的三十首热门华语流行音乐", (0, 0, 360, 24))]),
                                  encoding="utf-8")
    (d / "b_policy.xml").write_text(dump([node("隐私政策", (0, 0, 360, 40)), node(BODY, body_box)]), encoding="utf-8")
    t = time.time()
    os.utime(d / "a_home.xml", (t - 10, t - 10))
    os.utime(d / "b_policy.xml", (t, t))
    x1, y1, x2, y2 = body_box

    def pixel(x, y):
        return fg if x1 <= x < x2 and y1 <= y < y2 and (y - y1) % TEXT_ROW < 4 else WHITE

    if with_png:
        (d / "b_policy.png").write_bytes(image if image is not None else png(360, 640, pixel, filters=(0, 1, 2, 3, 4)))
    return load_ui(str(d), PKG)


def test_png_decoder_all_filters_and_colour_types(tmp_path):
    def pixel(x, y):
        v = (x * 37 + y * 11) % 256
        return (v, v, v)

    for colour in (0, 2, 4, 6):
        p = tmp_path / f"c{colour}.png"
        p.write_bytes(png(9, 7, pixel, colour=colour, filters=(0, 1, 2, 3, 4)))
        w, h, lums = read_png(str(p))  # type: ignore[misc]
        assert (w, h) == (9, 7)
        assert lums[3 * 9 + 5] == pytest.approx(lum((5 * 37 + 3 * 11) % 256))


def test_high_contrast_policy_screen(tmp_path):
    (m,) = policy_screen_readability(policy_run(tmp_path))
    assert m["screen"].id == "b_policy" and m["heading"].text == "隐私政策"
    assert m["density"] == pytest.approx(1.0) and "360 dp" in m["density_note"]
    (row,) = m["widgets"]
    expected = (1.0 + 0.05) / (lum(0x33) + 0.05)  # ≈ 12.63
    assert row["contrast"] == pytest.approx(expected, abs=0.02) and row["contrast"] == pytest.approx(12.63, abs=0.02)
    assert row["height_px"] == 560 and row["sp"] == pytest.approx((360 * 560 / (1.2 * 800)) ** 0.5, abs=0.1)
    assert m["app_median_sp"] == pytest.approx((360 * 24 / (1.2 * 25)) ** 0.5, abs=0.1)  # 25 CJK chars at 360×24
    assert row["text"].startswith("我们如何收集") and row["bounds"] == [0, 40, 360, 600]
    assert not m["notes"]


def test_low_contrast_policy_screen(tmp_path):
    (m,) = policy_screen_readability(policy_run(tmp_path, fg=LIGHT))
    expected = (1.0 + 0.05) / (lum(0xCC) + 0.05)  # ≈ 1.61
    assert m["widgets"][0]["contrast"] == pytest.approx(expected, abs=0.02)
    assert contrast_ratio(lum(0xCC), 1.0) == pytest.approx(1.606, abs=0.005)


def test_unsupported_and_corrupt_png_give_a_note(tmp_path):
    bad16 = png(4, 4, lambda x, y: WHITE)
    bad16 = bad16.replace(struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0), struct.pack(">IIBBBBB", 4, 4, 16, 2, 0, 0, 0))
    (tmp_path / "a").mkdir()
    (m,) = policy_screen_readability(policy_run(tmp_path / "a", image=bad16))
    assert any("bit depth 16 not supported" in n for n in m["notes"]) and "contrast" not in m["widgets"][0]
    assert m["widgets"][0]["sp"]  # sizes still measured from the bounds
    (tmp_path / "b").mkdir()
    (m,) = policy_screen_readability(policy_run(tmp_path / "b", image=png(4, 4, lambda x, y: WHITE, idat=b"junk")))
    assert any("corrupt" in n for n in m["notes"])
    (tmp_path / "c").mkdir()
    (m,) = policy_screen_readability(policy_run(tmp_path / "c", with_png=False))
    assert m["screenshot"] is None and any("no screenshot" in n for n in m["notes"])
    assert isinstance(read_png(str(tmp_path / "missing.png")), str)
    palette = png(4, 4, lambda x, y: WHITE).replace(struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0),
                                                   struct.pack(">IIBBBBB", 4, 4, 8, 3, 0, 0, 0))
    (tmp_path / "p.png").write_bytes(palette)
    assert "colour type 3" in read_png(str(tmp_path / "p.png"))  # type: ignore[operator]


def test_text_size_estimate():
    assert text_size_px(Widget("TextView", "隐私政策", bounds=(0, 0, 360, 48))) == pytest.approx(40)  # one line
    assert text_size_px(Widget("TextView", "字" * 100, bounds=(0, 0, 300, 480))) == pytest.approx(34.6, abs=0.1)
    assert text_size_px(Widget("TextView", None, bounds=(0, 0, 10, 10))) is None


def test_qqmusic_no_policy_screen_reached():
    run = load_ui(str(shared(*QQ)))
    assert all(s.screenshot is None for s in run.screens)  # the run has no states/screen_*.png
    assert policy_screen_readability(run) == []
