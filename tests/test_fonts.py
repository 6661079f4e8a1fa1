"""CJK fonts for charts: Chinese glyphs are really drawn, and a missing font is reported with the
command that installs one.

The glyph test renders characters to pixels: a font without Chinese draws every character as the
same empty box ("tofu"), so distinct characters giving distinct, inked pixel patterns proves the
glyphs were drawn. CI installs fonts-noto-cjk and sets CI=1 (or CRM_REQUIRE_FONTS=1): there the
test must run, never skip.
"""
import io
import re
import warnings

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager as fm  # noqa: E402

from crm_training import fonts  # noqa: E402
from crm_training.fonts import (CJKFontMissingWarning, configure_matplotlib,  # noqa: E402
                                find_cjk_font, missing_glyphs)

CHARS = "客户价值分群流失"


@pytest.fixture
def rc():
    with matplotlib.rc_context():
        yield


def _glyph_pixels(ch, **text_kw):
    """The character drawn alone, large, as a boolean ink mask cropped to its bounding box."""
    fig = plt.figure(figsize=(1, 1), dpi=100)
    fig.text(0.5, 0.5, ch, fontsize=60, ha="center", va="center", **text_kw)
    fig.canvas.draw()
    ink = np.asarray(fig.canvas.buffer_rgba())[..., :3].min(axis=2) < 128
    plt.close(fig)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if not len(rows):
        return ink[:0, :0]
    return ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _distinct(patterns):
    return len({(p.shape, p.tobytes()) for p in patterns})


def _missing_glyph_warnings(record):
    return [str(w.message) for w in record if re.search(r"Glyph \d+.*missing", str(w.message))]


def test_chinese_chart_renders_every_glyph(cjk_font, rc):
    assert configure_matplotlib("zh", svg=False) == cjk_font
    assert matplotlib.rcParams["font.sans-serif"][0] == cjk_font
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.bar(["高价值", "中价值", "低价值"], [5, -3, 2], label="客户数")
        ax.set_title("客户价值分层")
        ax.set_xlabel("价值层级")
        ax.set_ylabel("利润（元）")
        ax.legend()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    assert not _missing_glyph_warnings(record), _missing_glyph_warnings(record)
    assert buf.getvalue().startswith(b"\x89PNG")
    assert missing_glyphs("客户价值分层 价值层级 利润（元）−") == []

    # each character drawn with the rc set above: inked, and no two alike (tofu would be alike)
    patterns = [_glyph_pixels(ch) for ch in CHARS]
    assert all(p.sum() > 50 for p in patterns)
    assert _distinct(patterns) == len(CHARS)


def test_pixel_check_tells_tofu_from_glyphs(rc):
    # the check above is meaningful: a font without Chinese gives identical boxes and a warning
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        tofu = [_glyph_pixels(ch, family="DejaVu Sans") for ch in CHARS]
    assert _distinct(tofu) < len(CHARS)
    assert _missing_glyph_warnings(record)


def test_missing_glyphs():
    assert missing_glyphs("净推荐值 NPS", font="DejaVu Sans") == ["净", "推", "荐", "值"]
    assert missing_glyphs("客客户", font="DejaVu Sans") == ["客", "户"]
    path = fm.findfont(fm.FontProperties(family="DejaVu Sans"))
    assert missing_glyphs("a中", font=path) == ["中"]
    with pytest.raises(ValueError, match="not installed"):
        missing_glyphs("x", font="No Such Font Family 123")


def test_cjk_font_really_has_the_glyphs(cjk_font):
    assert missing_glyphs(CHARS, font=cjk_font) == []


def test_svg_keeps_chinese_text_as_text(cjk_font, rc):
    configure_matplotlib("zh")
    assert matplotlib.rcParams["svg.fonttype"] == "none"
    fig, ax = plt.subplots()
    ax.set_title("净推荐值")
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    assert "净推荐值" in svg  # text, not paths: the reader's fonts draw it
    family = re.search(r"font-family: ([^;\"]+)", svg).group(1)
    assert cjk_font in family and "Microsoft YaHei" in family and "PingFang SC" in family


def test_english_is_left_alone(rc):
    before = list(matplotlib.rcParams["font.sans-serif"])
    assert configure_matplotlib("en") is None
    assert matplotlib.rcParams["font.sans-serif"] == before
    with pytest.raises(ValueError, match="'en' or 'zh'"):
        configure_matplotlib("fr")


def test_missing_font_warns_with_install_hint(monkeypatch, rc):
    monkeypatch.setattr(fonts, "find_cjk_font", lambda: None)
    with pytest.warns(CJKFontMissingWarning, match=r"apt-get install fonts-noto-cjk") as w:
        assert configure_matplotlib("zh") is None
    message = str(w[0].message)
    assert "Noto Sans CJK SC" in message and "SVG" in message
    # the browser can still draw SVG text: CJK names lead the list
    assert matplotlib.rcParams["font.sans-serif"][0] == "Noto Sans CJK SC"
    assert matplotlib.rcParams["svg.fonttype"] == "none"


def test_search_finds_nothing_without_cjk_fonts(monkeypatch):
    only_dejavu = [e for e in fm.fontManager.ttflist if e.name == "DejaVu Sans"]
    monkeypatch.setattr(fm.fontManager, "ttflist", only_dejavu)
    monkeypatch.setattr(fm, "findSystemFonts", lambda *a, **k: [])
    monkeypatch.setattr(fonts, "_cache", {})
    assert find_cjk_font() is None


def test_search_skips_last_resort_box_font(monkeypatch):
    # matplotlib ships a "last resort" font that maps every character to a box: not a CJK font
    boxes = [e for e in fm.fontManager.ttflist if "Last Resort" in e.name]
    if not boxes:
        pytest.skip("this matplotlib has no last-resort font")
    monkeypatch.setattr(fm.fontManager, "ttflist", boxes)
    monkeypatch.setattr(fm, "findSystemFonts", lambda *a, **k: [])
    monkeypatch.setattr(fonts, "_cache", {})
    assert find_cjk_font() is None


def test_font_installed_after_the_cache_was_built_is_found(cjk_font, monkeypatch):
    # a stale matplotlib cache (fonts installed later) is handled by scanning the system folders
    cjk_files = {e.fname for e in fm.fontManager.ttflist if e.name == cjk_font}
    stale = [e for e in fm.fontManager.ttflist if not fonts._has_cjk(e)]
    monkeypatch.setattr(fm.fontManager, "ttflist", stale)
    monkeypatch.setattr(fm, "findSystemFonts", lambda *a, **k: sorted(cjk_files))
    monkeypatch.setattr(fonts, "_cache", {})
    assert find_cjk_font() == cjk_font
