"""Chinese text in charts: find a CJK font for matplotlib, or say how to install one.

Matplotlib's default font (DejaVu Sans) has no Chinese glyphs: a Chinese title drawn with it
becomes a row of empty boxes ("tofu"). :func:`configure_matplotlib` puts a CJK font first for
Chinese reports and notebooks, and keeps SVG text as text (``svg.fonttype = "none"``) with common
CJK family names listed after it, so a reader's browser draws the characters with its own fonts
even when the generating machine has none. Raster charts (PNG) and PDFs do need a CJK font on the
generating machine: when none is found, :class:`CJKFontMissingWarning` says how to install one.
Used by the case-study report template and the report runner (``crm-training report --pdf``).

Examples
--------
>>> import matplotlib
>>> with matplotlib.rc_context():
...     font = configure_matplotlib("en")
...     matplotlib.rcParams["svg.fonttype"]
'none'
>>> missing_glyphs("Revenue", font="DejaVu Sans")
[]
>>> missing_glyphs("客户 value", font="DejaVu Sans")
['客', '户']
"""
from __future__ import annotations

import os
import sys
import warnings

# Preferred first: Simplified Chinese faces, then other regional faces of the same pan-CJK
# families (they hold every common ideograph), then fonts of other systems and older families.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "Noto Sans CJK JP", "Noto Sans CJK TC", "Source Han Sans", "Noto Serif CJK SC",
    "Source Han Serif SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "PingFang SC",
    "Hiragino Sans GB", "Microsoft YaHei", "SimHei", "Heiti SC", "STHeiti", "Arial Unicode MS",
    "Droid Sans Fallback", "AR PL UMing CN",
)
# Listed after the font found (or alone, when none is) so SVG text finds a font in the reader's
# browser on Linux, macOS and Windows alike.
BROWSER_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC",
                        "Hiragino Sans GB", "Microsoft YaHei", "WenQuanYi Micro Hei", "SimHei")
# Common characters of the reports' headings: a font must draw all of them to count as CJK.
_PROBE = "客户价值分析报告中国会员服务"

INSTALL_HINT = ("install one: on Debian/Ubuntu `sudo apt-get install fonts-noto-cjk`; on other "
                "systems install Noto Sans CJK SC (https://github.com/notofonts/noto-cjk) and "
                "delete matplotlib's font cache (~/.cache/matplotlib) if it is not found")

_cache: dict = {}


class CJKFontMissingWarning(UserWarning):
    """No font with Chinese glyphs was found for matplotlib (charts would show empty boxes)."""


def _entry_font(entry):
    """The FT2Font of one font-manager entry (the right face of a .ttc collection)."""
    from matplotlib import font_manager as fm

    index = getattr(entry, "index", 0)
    path = fm.FontPath(entry.fname, index) if hasattr(fm, "FontPath") and index else entry.fname
    return fm.get_font(path)


def _has_cjk(entry) -> bool:
    try:
        font = _entry_font(entry)
    except Exception:  # unreadable or unsupported font file: not a candidate
        return False
    glyphs = [font.get_char_index(ord(ch)) for ch in _PROBE]
    # every probe character present, each its own glyph: a "last resort" font maps them all to
    # one box, which is no better than tofu
    return all(glyphs) and len(set(glyphs)) == len(set(_PROBE))


def _search(entries, any_font: bool):
    by_name = {}
    for e in entries:
        by_name.setdefault(e.name, []).append(e)
    for name in CJK_FAMILIES:
        if any(_has_cjk(e) for e in by_name.get(name, ())):
            return name
    if any_font:  # any other installed font that draws Chinese (e.g. a vendor's font)
        for name, group in sorted(by_name.items()):
            if name not in CJK_FAMILIES and _has_cjk(group[0]):
                return name
    return None


def find_cjk_font() -> str | None:
    """Family name of an installed font that draws Chinese, or None.

    Looks through matplotlib's font list, preferring :data:`CJK_FAMILIES` in order, and checks
    that the font really has the glyphs. A font installed after matplotlib built its font cache
    is not in that list: the system font folders are then scanned once and any new font file is
    added for this process. The answer is cached per process.

    Examples
    --------
    >>> name = find_cjk_font()
    >>> name is None or missing_glyphs("客户价值", font=name) == []
    True
    """
    if "font" in _cache:
        return _cache["font"]
    from matplotlib import font_manager as fm

    found = _search(fm.fontManager.ttflist, any_font=False)
    if found is None:  # stale cache: fonts installed after matplotlib first ran
        known = {e.fname for e in fm.fontManager.ttflist}
        for path in fm.findSystemFonts():
            if path not in known:
                try:
                    fm.fontManager.addfont(path)
                except Exception:  # a font matplotlib cannot read is simply skipped
                    pass
        found = _search(fm.fontManager.ttflist, any_font=True)
    _cache["font"] = found
    return found


def _fonts_for(font):
    import matplotlib
    from matplotlib import font_manager as fm

    if font is None:  # what matplotlib would use now: the sans-serif list, with fallback
        names = list(matplotlib.rcParams["font.sans-serif"])
    elif os.path.exists(str(font)):
        return [fm.get_font(str(font))]
    else:
        names = [font]
    fonts = []
    for name in names:
        try:
            path = fm.findfont(fm.FontProperties(family=name), fallback_to_default=False)
        except ValueError:
            continue
        fonts.append(fm.get_font(path))
    if font is not None and not fonts:
        raise ValueError(f"font {font!r} is not installed (matplotlib cannot find it)")
    return fonts


def missing_glyphs(text: str, font: str | None = None) -> list[str]:
    """Characters of ``text`` that the font cannot draw (they would show as empty boxes).

    Parameters
    ----------
    text : the text to check (white space is ignored).
    font : a family name, a font file, or None for matplotlib's current sans-serif list (a
        character counts as drawn when any font of the list has it, as matplotlib falls back).

    Returns
    -------
    list of str: each missing character once, in order of appearance.

    Examples
    --------
    >>> missing_glyphs("NPS −5 %", font="DejaVu Sans")
    []
    >>> missing_glyphs("净推荐值", font="DejaVu Sans")
    ['净', '推', '荐', '值']
    """
    fonts = _fonts_for(font)
    missing = []
    for ch in dict.fromkeys(text):
        if ch.isspace() or not ch.isprintable():
            continue
        if not any(f.get_char_index(ord(ch)) for f in fonts):
            missing.append(ch)
    return missing


def _in_ipython() -> bool:
    shell = sys.modules.get("IPython")
    return shell is not None and shell.get_ipython() is not None


def configure_matplotlib(language: str = "en", svg: bool = True) -> str | None:
    """Set matplotlib up for a report or notebook in ``language`` ("en" or "zh").

    For "zh" the CJK font found by :func:`find_cjk_font` goes first in ``font.sans-serif``,
    followed by :data:`BROWSER_CJK_FAMILIES`, and ``axes.unicode_minus`` is switched off (CJK
    fonts often lack the Unicode minus sign). With ``svg`` (the default) SVG text stays text
    (``svg.fonttype = "none"``) and, inside IPython, inline figures are drawn as SVG, so an HTML
    report's charts are drawn by the reader's own fonts.

    Parameters
    ----------
    language : "en" or "zh" ("zh_CN" and "zh-CN" are accepted too).
    svg : keep chart text as text and show inline figures as SVG.

    Returns
    -------
    str or None: the CJK family put first (None for English, or when none is installed).

    Warns
    -----
    CJKFontMissingWarning
        For Chinese when no CJK font is installed, with the command that installs one.

    Examples
    --------
    >>> import matplotlib
    >>> with matplotlib.rc_context():
    ...     font = configure_matplotlib("zh")
    ...     matplotlib.rcParams["axes.unicode_minus"]
    False
    """
    import matplotlib

    lang = str(language).replace("-", "_").lower()
    if lang not in ("en", "en_us", "zh", "zh_cn"):
        raise ValueError(f"language must be 'en' or 'zh', not {language!r}")
    font = None
    if svg:
        matplotlib.rcParams["svg.fonttype"] = "none"
        if _in_ipython():
            try:
                from matplotlib_inline.backend_inline import set_matplotlib_formats
                set_matplotlib_formats("svg")
            except Exception:  # not the inline backend (e.g. a terminal session): keep PNG
                pass
    if lang.startswith("zh"):
        font = find_cjk_font()
        if font is None:
            warnings.warn(
                "No font with Chinese characters was found for matplotlib: " + INSTALL_HINT
                + ". SVG charts in HTML reports still show Chinese (the reader's browser draws "
                "it), but PNG charts and PDFs would show empty boxes.",
                CJKFontMissingWarning, stacklevel=2)
        first = [font] if font else []
        rest = [f for f in matplotlib.rcParams["font.sans-serif"]
                if f not in first and f not in BROWSER_CJK_FAMILIES]
        matplotlib.rcParams["font.sans-serif"] = first + [
            f for f in BROWSER_CJK_FAMILIES if f != font] + rest
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["axes.unicode_minus"] = False
    return font
