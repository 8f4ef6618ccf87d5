"""Web fonts for the download site: per page, only what that page draws.

Each page gets its own WOFF2 subsets, cut with HarfBuzz from the workspace's
fonts to the characters of that page (the index: its headings and the
languages' own names), and its own ``@font-face`` rules, inline in its head.
A visitor who opens the Bengali page downloads Bengali and Latin glyphs for
that page, not the 28 faces of the whole site; the index draws "اردو" with a
few kilobytes instead of the Urdu page's whole subset.  Bold faces are cut
to the text the stylesheet sets in bold (headings, names, buttons), which
halves CJK pages.  Faces are ``font-display: block`` and every face a page
declares is preloaded (each is cut from that page's own text, so the browser
would fetch it anyway): text is drawn once, in its fonts, with no layout shift
-- preloading only the page's own script let a Persian page's Latin face arrive
late and shift the page.
Subsets are cached under ``.cache/site/fonts`` by content.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import html as lxml_html

from .files import sha256_bytes, write_bytes, write_text
from .fontstack import FontBook, font_weight
from .languages import Language

SUBSET_VERSION = "6"  # bump to invalidate cached font subsets
ALWAYS_IN_FONTS = " \u00a0\u200c\u200d"  # spaces and joiners shape neighbouring letters
FONT_FOLDER = "assets/fonts"
# A bold subset heavier than this is left out and the browser thickens the regular
# face instead: Noto Nastaliq Urdu cut to the Urdu page's bold text is still 95 kB,
# which alone would break the page's 150 kB budget.
MAX_BOLD_BYTES = 40_000
RANGE_GAP = 64  # code points; see unicode_range
# What templates/site/site.css sets in bold; their text goes into the bold subsets.
BOLD_TAGS = ("h1", "h2", "h3", "strong", "b", "summary", "button", "label")
BOLD_CLASSES = ("format", "endonym", "tel", "link", "share", "whatsapp", "button", "button-label", "no-match")
BOLD_XPATH = "|".join([*(f"//{tag}" for tag in BOLD_TAGS),
                       *(f"//*[contains(concat(' ', @class, ' '), ' {name} ')]" for name in BOLD_CLASSES)])


@dataclass(frozen=True)
class Faces:
    """A page's @font-face rules and the font files worth preloading."""

    css: str
    preload: tuple[str, ...]
    files: dict[str, bytes]  # site path -> WOFF2


def bold_text(html: str) -> str:
    """The text of the elements the site's stylesheet sets in bold."""
    body = lxml_html.document_fromstring(html.encode("utf-8"))
    return " ".join(element.text_content() for element in body.xpath(BOLD_XPATH))


def page_faces(fonts: FontBook, runs: Iterable[tuple[Language, str]], bold: str, extra: tuple[str, ...],
               cache: Path) -> Faces:
    """@font-face rules for one page's text.

    ``runs`` are (language, text) pairs; each family of a language's stack gets
    the part of that text the families before it cannot draw.  ``extra``
    families (the English stack, for lang="en" names) share out the first run's
    text the same way.
    """
    runs = list(runs)
    text: dict[str, set[str]] = {}
    for language, run in runs:
        _share_out(fonts, fonts.stack(language), set(run), text)
    for family in extra:
        text.setdefault(family, set(ALWAYS_IN_FONTS))
    _share_out(fonts, extra, set(runs[0][1]), text)
    bold_chars = set(bold) | set(ALWAYS_IN_FONTS)
    rules, preload, files = [], [], {}
    for family in sorted(text):
        for source in fonts.families[family]:
            chars = text[family] if weight_of(source) < 600 else text[family] & bold_chars
            subset, weight, ranges = subset_font(source, "".join(sorted(chars)), cache)
            if subset is None or (weight >= 600 and len(subset) > MAX_BOLD_BYTES):
                continue
            name = f"{FONT_FOLDER}/{source.stem.removesuffix('.subset')}.{sha256_bytes(subset)[:10]}.woff2"
            files[name] = subset
            preload.append(name)
            rules.append(f'@font-face {{ font-family: "{family}"; src: url("{{root}}{name}") format("woff2"); '
                         f"font-weight: {weight}; font-style: normal; font-display: block; "
                         f"unicode-range: {ranges}; }}")
    return Faces("\n".join(rules), tuple(preload), files)


def _share_out(fonts: FontBook, stack: Iterable[str], chars: set[str], text: dict[str, set[str]]) -> None:
    """Give each family of a stack the characters no earlier family of it draws.

    The browser takes a character from the first face whose unicode-range has
    it, so a fallback font (Naskh behind Nastaliq, Noto Sans behind Bengali)
    needs only what the fonts before it lack -- digits, Latin, punctuation.
    """
    remaining = set(chars)
    for family in stack:
        covered = remaining & family_chars(fonts, family)
        text.setdefault(family, set(ALWAYS_IN_FONTS)).update(covered)
        remaining -= covered


def family_chars(fonts: FontBook, family: str) -> frozenset[str]:
    """Every character a family's files map (the union of their cmaps)."""
    return _cmap_chars(tuple(fonts.families[family]))


@functools.lru_cache(maxsize=64)
def _cmap_chars(sources: tuple[Path, ...]) -> frozenset[str]:
    from fontTools.ttLib import TTFont

    chars: set[str] = set()
    for source in sources:
        font = TTFont(source, fontNumber=0, lazy=True)
        chars.update(chr(c) for c in (font.getBestCmap() or {}))
        font.close()
    return frozenset(chars)


@functools.lru_cache(maxsize=256)
def weight_of(source: Path) -> int:
    """A font file's CSS weight (cached; fontstack.font_weight reads the style name)."""
    return font_weight(source)


def subset_font(source: Path, text: str, cache: Path) -> tuple[bytes | None, int, str]:
    """A WOFF2 subset of ``source`` for ``text`` (cached): bytes, weight, unicode-range."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    digest = hashlib.sha256(f"{SUBSET_VERSION}\0{text}\0".encode() + source.read_bytes()).hexdigest()[:32]
    cached, meta = cache / "fonts" / f"{digest}.woff2", cache / "fonts" / f"{digest}.json"
    if meta.is_file():
        info = json.loads(meta.read_text("utf-8"))
        if info["ranges"] is None:
            return None, 0, ""
        if cached.is_file():
            return cached.read_bytes(), info["weight"], info["ranges"]
    font = TTFont(source, fontNumber=0, lazy=True)
    cmap = font.getBestCmap() or {}
    wanted = sorted({ord(c) for c in text} & set(cmap))
    font.close()
    if not [c for c in wanted if chr(c) not in ALWAYS_IN_FONTS]:
        write_text(meta, json.dumps({"weight": 0, "ranges": None}))
        return None, 0, ""
    # HarfBuzz's subsetter: milliseconds where fontTools takes seconds on CJK outlines.
    subsetter = hb.SubsetInput()
    subsetter.sets(hb.SubsetInputSets.UNICODE).update(wanted)
    subsetter.sets(hb.SubsetInputSets.NAME_ID).update([0, 1, 2, 3, 4, 5, 6, 13, 14])  # keep the licence
    subsetter.flags = (hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
                       | hb.SubsetFlags.NOTDEF_OUTLINE)
    cut = hb.subset(hb.Face(hb.Blob.from_file_path(str(source))), subsetter)
    font = TTFont(io.BytesIO(cut.blob.data), recalcTimestamp=False)  # no clock in the bytes
    weight = weight_of(source)  # the style name where OS/2 is wrong (Nastaliq Bold says 400)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer, reorderTables=False)
    data = buffer.getvalue()
    ranges = unicode_range(sorted(font.getBestCmap() or {}))
    write_bytes(cached, data)
    write_text(meta, json.dumps({"weight": weight, "ranges": ranges}))
    return data, weight, ranges


def unicode_range(codes: Iterable[int], gap: int = RANGE_GAP) -> str:
    """Code points as a compact CSS unicode-range: "U+20-7E, U+A0".

    Spans less than ``gap`` apart are merged: a page's subset has every character
    of the page that falls in its ranges, and a browser that meets a character in
    a face's range but not in its cmap falls back as usual; listing each of a CJK
    page's 700 characters would add kilobytes to every page.
    """
    spans: list[list[int]] = []
    for code in codes:
        if spans and code <= spans[-1][1] + gap:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in spans)
