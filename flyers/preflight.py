"""Checks on produced PDFs -- the same checks the tests and ``flyers check`` run.

They look at what a reader or a print shop gets: page count, the language's
sentences in the extracted text, fonts embedded and all ours (none missing a
glyph), page boxes, and the QR code decoded back from a 150 dpi raster.
"""

from __future__ import annotations

import ctypes
import io
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import zxingcpp

from . import catalogs
from .campaign import Campaign, Format, load_campaign
from .defaults import DEFAULTS
from .errors import FlyersError
from .files import sha256_file
from .fontstack import FontBook, load_fonts
from .languages import Language, SpokenLanguage, resolve_all, resolve_spoken
from .model import PrintOptions
from .qr import qr_link
from .stamp import page_fonts
from .templating import UNSPACED_SCRIPTS, StrictGettext, context, make_environment, render_html, visible_text

QR_DPI = 150
BOX_TOLERANCE_PT = 0.05
WEIGHT_SUFFIX = r"(-(Regular|Bold|SemiBold|Medium|Light))?"
BIDI_CONTROLS = dict.fromkeys([0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])


@dataclass
class Report:
    """Findings of a check run: human lines and problems (empty = all good)."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checked: int = 0


# --- text ---------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Text as compared: NFKC, no bidi controls, marks, punctuation or white space.

    PDF text extraction splits combining marks from their bases and breaks
    lines anywhere, so only the letters themselves are compared.
    """
    text = unicodedata.normalize("NFKC", text).translate(BIDI_CONTROLS)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def pdf_text(pdf_path: Path) -> list[str]:
    """Extracted text of every page (pdfium, logical order)."""
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        return [document[i].get_textpage().get_text_range() for i in range(len(document))]
    finally:
        document.close()


def missing_sentences(page_text: str, sentences: list[str], language: Language) -> list[str]:
    """Sentences (placeholders removed) that cannot be found in ``page_text``.

    Left-to-right text keeps its line order, so each run between placeholders
    must appear contiguously.  Right-to-left extraction may return a
    paragraph's lines out of order, so there each word must appear.
    """
    haystack = normalise(page_text)
    missing = []
    for sentence in sentences:
        fragments = [f for f in catalogs.PLACEHOLDER_RE.split(sentence)[::2] if normalise(f)]
        if language.direction == "rtl":
            pieces = [normalise(w) for f in fragments for w in f.split()]
        else:
            pieces = [normalise(f) for f in fragments]
        if not all(p in haystack for p in pieces if p):
            missing.append(sentence)
    return missing


# Scripts whose PDF text cannot be extracted faithfully: WeasyPrint's ToUnicode
# maps one text per glyph id, but Indic reph/matra glyphs, Myanmar medials and
# Nastaliq's shared dotless skeletons stand for different letters in different
# words.  For these, the check compares glyphs: each word, shaped by HarfBuzz
# with the same font, must appear in the page's glyph stream.
GLYPH_CHECKED_SCRIPTS = {"Deva", "Beng", "Guru", "Gujr", "Mymr", "Arab", "Hebr", "Ethi"}


def uses_glyph_check(language: Language) -> bool:
    """True when a language's text is verified by glyphs rather than extraction."""
    return language.script in GLYPH_CHECKED_SCRIPTS


def page_glyphs(pdf_path: Path) -> dict[str, list[int]]:
    """Glyph ids drawn with each font (by base name without subset tag), in stream order."""
    runs: dict[str, list[int]] = {}
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            names = {k: str(f.get("/BaseFont", "/?"))[1:].split("+", 1)[-1] for k, f in page_fonts(page).items()}
            current = ""
            instruction: Any
            for instruction in pikepdf.parse_content_stream(page):
                operands, operator = instruction
                op = str(operator)
                if op == "Tf":
                    current = names.get(str(operands[0]), "")
                elif op in ("Tj", "TJ"):
                    items = operands[0] if op == "TJ" else [operands[0]]
                    glyphs = runs.setdefault(current, [])
                    for item in items:
                        if isinstance(item, pikepdf.String):
                            raw = bytes(item)
                            glyphs.extend(int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2))
    return runs


@lru_cache(maxsize=32)
def _hb_font(path: Path) -> Any:
    import uharfbuzz as hb

    return hb.Font(hb.Face(hb.Blob.from_file_path(str(path))))


def shape(path: Path, word: str, language: Language) -> list[int]:
    """Glyph ids of ``word`` shaped by HarfBuzz as Pango shapes it (visual order)."""
    import uharfbuzz as hb

    buffer = hb.Buffer()
    buffer.add_str(word)
    buffer.guess_segment_properties()
    # Pango draws nothing for ZWNJ/ZWJ and other default ignorables; neither do we.
    buffer.flags = hb.BufferFlags.REMOVE_DEFAULT_IGNORABLES
    buffer.language = language.tag
    hb.shape(_hb_font(path), buffer, {})
    return [info.codepoint for info in buffer.glyph_infos]


def missing_by_glyphs(pdf_path: Path, sentences: list[str], language: Language, fonts: FontBook) -> list[str]:
    """Sentences with a word whose shaped glyphs appear in no font's glyph stream."""
    runs = page_glyphs(pdf_path)
    candidates = []  # (font file, glyphs drawn by any weight of its family)
    for family in fonts.stack(language):
        pattern = re.compile("^" + re.escape(family.replace(" ", "-")) + WEIGHT_SUFFIX + "$")
        stream = [g for name, glyphs in runs.items() if pattern.match(name) for g in [*glyphs, -1]]
        candidates += [(path, stream) for path in fonts.families[family]]
    missing = []
    for sentence in sentences:
        words = [w for f in catalogs.PLACEHOLDER_RE.split(sentence)[::2] for w in _words(f)]
        if not all(_word_drawn(word, candidates, language, fonts) for word in words):
            missing.append(sentence)
    return missing


def _words(text: str) -> list[str]:
    """Words as drawn: split at spaces and hyphens (lines may break there), with
    outer punctuation dropped (bidi mirrors brackets in right-to-left text)."""
    words = []
    for token in re.split(r"[\s\-\u2010-\u2014/]+", text):
        word = token.strip("".join(c for c in set(token) if unicodedata.category(c)[0] in "PS"))
        if word:
            words.append(word)
    return words


def _word_drawn(word: str, candidates: list[tuple[Path, list[int]]], language: Language,
                fonts: FontBook) -> bool:
    for path, stream in candidates:
        if fonts.uncovered_by(path, word):
            continue
        wanted = shape(path, word, language)
        if _contains(stream, wanted):
            return True
    return not any(not fonts.uncovered_by(path, word) for path, _ in candidates)


def _contains(stream: list[int], wanted: list[int]) -> bool:
    if not wanted:
        return True
    first, size = wanted[0], len(wanted)
    return any(stream[i:i + size] == wanted for i, g in enumerate(stream) if g == first)


def expected_sentences(campaign: Campaign, fmt: Format, catalog: catalogs.LoadedCatalog,
                       fonts: FontBook, spoken: SpokenLanguage | None = None) -> list[str]:
    """The translated sentences a (language, format) page shows in its body, from its template."""
    env, strict = make_environment(campaign, catalog)
    html = env.get_template(fmt.template).render(
        context(campaign, fmt, catalog, fonts, PrintOptions(), fmt.font_size.pt, spoken))
    body = normalise(visible_text(html))
    seen: list[str] = []
    for msgid in strict.used:
        text = catalog.gettext(msgid) or msgid
        fragments = [normalise(f) for f in catalogs.PLACEHOLDER_RE.split(text)[::2]]
        if text not in seen and all(f in body for f in fragments):
            seen.append(text)
    return seen


# --- fonts --------------------------------------------------------------------------


def _fonts(pdf: pikepdf.Pdf) -> Iterator[Any]:
    for page in pdf.pages:
        resources: Any = page.obj.get("/Resources") or pikepdf.Dictionary()
        yield from _fonts_in(resources, set())


def _fonts_in(resources: Any, seen: set[tuple[int, int]]) -> Iterator[Any]:
    yield from (resources.get("/Font") or {}).values()
    for xobject in (resources.get("/XObject") or {}).values():
        key = xobject.objgen
        if key in seen or xobject.get("/Subtype") != "/Form":
            continue
        seen.add(key)
        yield from _fonts_in(xobject.get("/Resources") or pikepdf.Dictionary(), seen)


def font_problems(pdf_path: Path, allowed_families: tuple[str, ...]) -> list[str]:
    """Fonts not embedded, not from the language's stack, or showing a .notdef glyph."""
    patterns = [re.compile("^" + re.escape(f.replace(" ", "-")) + WEIGHT_SUFFIX + "$") for f in allowed_families]
    problems = []
    with pikepdf.open(pdf_path) as pdf:
        for font in _fonts(pdf):
            base = str(font.get("/BaseFont", "/?"))[1:]
            name = base.split("+", 1)[-1]
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.get("/FontDescriptor")
            if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font {base} is not embedded")
            if not any(p.match(name) for p in patterns):
                problems.append(f"font {base} is not one of {', '.join(allowed_families)}")
            if _maps_notdef(font):
                problems.append(f"font {base} draws a missing-glyph box (.notdef)")
    return problems


def _maps_notdef(font: pikepdf.Dictionary) -> bool:
    """True when the ToUnicode map gives text to glyph 0, i.e. .notdef was drawn."""
    to_unicode = font.get("/ToUnicode")
    if to_unicode is None:
        return False
    cmap = to_unicode.read_bytes().decode("latin-1")
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.S):
        if re.search(r"<0+>\s*<", block):
            return True
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.S):
        if re.search(r"<0+>\s*<[0-9A-Fa-f]+>\s*[<\[]", block):
            return True
    return False


# --- boxes and QR -------------------------------------------------------------------


def box_problems(pdf_path: Path, fmt: Format, variant: str) -> list[str]:
    """Trim box = the format's size; print cut has 0.125 in bleed, home cut none."""
    bleed = DEFAULTS.bleed_in * 72 if variant == "print" else 0.0
    want_trim = [0.0, 0.0, fmt.width.pt, fmt.height.pt]
    want_bleed = [-bleed, -bleed, fmt.width.pt + bleed, fmt.height.pt + bleed]
    problems = []
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            trim = [float(v) for v in page.obj.get("/TrimBox", page.obj.MediaBox)]
            bleed_box = [float(v) for v in page.obj.get("/BleedBox", page.obj.MediaBox)]
            if not _close(trim, want_trim):
                problems.append(f"page {number}: TrimBox {trim} is not {want_trim}")
            if not _close(bleed_box, want_bleed):
                problems.append(f"page {number}: BleedBox {bleed_box} is not {want_bleed}")
    return problems


def pdfx_problems(pdf_path: Path) -> list[str]:
    """The print cut must be PDF/X-4 with a CMYK output intent, or a shop's RIP guesses the colours.

    Checked as a preflight tool reads it: an ``/OutputIntents`` entry of subtype
    ``GTS_PDFX`` whose ``DestOutputProfile`` is an ICC output profile for CMYK,
    and the XMP metadata naming the PDF/X version.
    """
    problems = []
    with pikepdf.open(pdf_path) as pdf:
        intents = [i for i in pdf.Root.get("/OutputIntents", pikepdf.Array()) if i.get("/S") == "/GTS_PDFX"]
        if not intents:
            problems.append("no PDF/X output intent (/OutputIntents with /S /GTS_PDFX)")
        for intent in intents:
            profile = intent.get("/DestOutputProfile")
            header = profile.read_bytes()[:20] if isinstance(profile, pikepdf.Stream) else b""
            if header[12:16] != b"prtr" or header[16:20] != b"CMYK":
                problems.append("the output intent's DestOutputProfile is not a CMYK output (ICC 'prtr') profile")
        version = pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") if "/Metadata" in pdf.Root else None
        if version != "PDF/X-4":
            problems.append(f"XMP pdfxid:GTS_PDFXVersion is {version!r}, not 'PDF/X-4'")
    return problems


def _close(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= BOX_TOLERANCE_PT for x, y in zip(a, b, strict=True))


def decode_qr(pdf_path: Path, page_index: int = 0, dpi: int = QR_DPI) -> list[str]:
    """Every QR code found on a page rasterised at ``dpi``."""
    document = pdfium.PdfDocument(str(pdf_path))
    try:
        image = document[page_index].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]  # type: ignore[arg-type]


# --- layout: where the ink lands ----------------------------------------------------
#
# Measured on the rendered PDF, page by page, as a reader (or the guillotine)
# meets it.  Glyph boxes are PDFium's ink boxes of the drawn glyphs
# (``get_charbox(loose=False)``): right even for Nastaliq, Indic and Myanmar,
# whose *text* layer is unreliable, because the geometry is the glyphs' own.
# Lines are the runs WeasyPrint starts with a text matrix (``Tm``), at their
# baseline: a glyph's own vertical offset (text rise, ``Ts``, which Nastaliq
# uses for nearly every glyph) is taken off, so a word stepping down its
# baseline stays on its line.

# Part of every master's cache key: change it when the checks, the size search or typeset() change.
LAYOUT_RULES = "layout-4"
DEFAULT_SAFE_MARGIN_PT = 9.0
TOUCH_PT = 0.3  # ink boxes must overlap by more than this (both ways) to collide
SAFE_TOLERANCE_PT = 0.05
SIZE_TOLERANCE_PT = 0.05
BASELINE_TOLERANCE_PT = 0.6


@dataclass(frozen=True)
class Ink:
    """One glyph as printed: its ink box in points from the trim's lower-left corner."""

    x0: float
    y0: float
    x1: float
    y1: float
    line: int  # index into PageInk.lines
    size: float  # type size in points
    char: str


@dataclass(frozen=True)
class Line:
    """A baseline of text on a page (numbered from the top in messages)."""

    baseline: float
    number: int


@dataclass
class PageInk:
    """Everything drawn on one page, in trim coordinates."""

    number: int  # 1-based
    width: float
    height: float
    glyphs: list[Ink]
    lines: list[Line]
    shapes: list[tuple[float, float, float, float]]  # vector paths and images, not meant to bleed
    runs: list[tuple[int, float, str]]  # (line index, type size, text) of every text object
    spaces: list[tuple[int, float]]  # (line index, x) of every space character


def page_ink(source: Path | bytes) -> list[PageInk]:
    """The ink of every page of a PDF (a path or its bytes)."""
    data = source.read_bytes() if isinstance(source, Path) else source
    rises = _text_rises(data)
    document = pdfium.PdfDocument(data)
    try:
        return [_page_ink(document[i], i, rises[i]) for i in range(len(document))]
    finally:
        document.close()


def _text_rises(data: bytes) -> list[list[float]]:
    """Per page, the text rise (Ts) in force at each non-empty text-showing operator.

    PDFium makes one text object of each such operator, in content order
    (form XObjects included, depth first), so the lists line up.
    """
    with pikepdf.open(io.BytesIO(data)) as pdf:
        return [_rises_in(page.obj, set()) for page in pdf.pages]


def _rises_in(holder: Any, seen: set[tuple[int, int]]) -> list[float]:
    rises: list[float] = []
    rise = 0.0
    resources: Any = holder.get("/Resources") or pikepdf.Dictionary()
    xobjects: Any = resources.get("/XObject") or pikepdf.Dictionary()
    instruction: Any
    for instruction in pikepdf.parse_content_stream(holder):
        operands, operator = instruction
        op = str(operator)
        if op == "Ts":
            rise = float(operands[0])
        elif op in ("Tj", "TJ", "'", '"'):
            items = operands[-1] if op == "TJ" else [operands[-1]]
            if any(isinstance(i, pikepdf.String) and len(bytes(i)) for i in items):
                rises.append(rise)
        elif op == "BT":
            rise = 0.0
        elif op == "Do":
            xobject = xobjects.get(str(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                seen.add(xobject.objgen)
                rises += _rises_in(xobject, seen)
    return rises


def _page_ink(page: pdfium.PdfPage, index: int, rises: list[float]) -> PageInk:
    left, bottom, right, top = page.get_trimbox()
    texts: dict[int, tuple[float, float]] = {}  # text object address -> (baseline, size)
    shapes = []
    count = 0
    for obj in page.get_objects(max_depth=4):
        if isinstance(obj, pdfium.PdfTextObj):
            a, b, c, d, _e, f = obj.get_matrix().get()
            rise = rises[count] if count < len(rises) else 0.0
            count += 1
            baseline = round(f - rise * d - bottom, 1)
            size = obj.get_font_size() * math.sqrt(abs(a * d - b * c))
            texts[ctypes.cast(obj.raw, ctypes.c_void_p).value or 0] = (baseline, size)
        elif obj.type in (pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE) and obj.level == 0:
            x0, y0, x1, y1 = obj.get_bounds()
            box = (x0 - left, y0 - bottom, x1 - left, y1 - bottom)
            if box[0] > 0 and box[1] > 0 and box[2] < right - left and box[3] < top - bottom:
                shapes.append(box)  # a shape crossing the trim is a background meant to bleed
    line_of, lines = _lines(sorted({b for b, _ in texts.values()}, reverse=True))
    glyphs: list[Ink] = []
    textpage = page.get_textpage()
    try:
        run_text: dict[int, list[str]] = {}
        spaces: list[tuple[int, float]] = []
        for i in range(textpage.count_chars()):
            if pdfium_c.FPDFText_IsGenerated(textpage, i):
                continue
            textobj = pdfium_c.FPDFText_GetTextObject(textpage, i)
            key = ctypes.cast(textobj, ctypes.c_void_p).value or 0
            if key not in texts:
                continue
            baseline, size = texts[key]
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage, i))
            run_text.setdefault(key, []).append(char)
            x0, y0, x1, y1 = textpage.get_charbox(i, loose=False)
            if char.isspace():
                spaces.append((line_of[baseline], x0 - left))
                continue
            if x1 - x0 <= 0 or y1 - y0 <= 0:
                continue
            glyphs.append(Ink(x0 - left, y0 - bottom, x1 - left, y1 - bottom, line_of[baseline], size, char))
        runs = [(line_of[texts[k][0]], texts[k][1], "".join(v)) for k, v in run_text.items()]
    finally:
        textpage.close()
    return PageInk(index + 1, right - left, top - bottom, glyphs, lines, shapes, runs, spaces)


def _lines(baselines: list[float]) -> tuple[dict[float, int], list[Line]]:
    """Baselines (top first) merged into lines: runs of one line (a Latin word in an
    Urdu line) share a baseline up to rounding."""
    line_of: dict[float, int] = {}
    lines: list[Line] = []
    for baseline in baselines:
        if not lines or lines[-1].baseline - baseline > BASELINE_TOLERANCE_PT:
            lines.append(Line(baseline, len(lines) + 1))
        line_of[baseline] = len(lines) - 1
    return line_of, lines


def safe_area_problems(page: PageInk, margin: float,
                       reserved: tuple[tuple[float, float, float, float], ...] = ()) -> list[str]:
    """Ink closer to the trim than ``margin`` points: it may be cut off.

    ``reserved`` are areas filled later (the QR code, an imprint), held to the same rule.
    """
    problems = []
    worst: dict[str, tuple[float, str]] = {}
    for glyph in page.glyphs:
        for side, gap in _gaps(glyph.x0, glyph.y0, glyph.x1, glyph.y1, page):
            if gap < margin - SAFE_TOLERANCE_PT and (side not in worst or gap < worst[side][0]):
                worst[side] = (gap, f"line {page.lines[glyph.line].number} ({_near(page, glyph.line)})")
    for what, boxes in (("a rule or picture", page.shapes), ("the QR code or imprint area", list(reserved))):
        for box in boxes:
            for side, gap in _gaps(*box, page):
                if gap < margin - SAFE_TOLERANCE_PT and (side not in worst or gap < worst[side][0]):
                    worst[side] = (gap, what)
    for side, (gap, what) in worst.items():
        problems.append(f"{what} is {max(gap, -99):.1f} pt from the {side} edge of the trim; "
                        f"the safe area is {margin:g} pt")
    return problems


def _gaps(x0: float, y0: float, x1: float, y1: float, page: PageInk) -> list[tuple[str, float]]:
    return [("left", x0), ("bottom", y0), ("right", page.width - x1), ("top", page.height - y1)]


def _near(page: PageInk, line: int) -> str:
    """A few characters of a line, to find it on the page (the text layer may be rough)."""
    text = "".join(g.char for g in page.glyphs if g.line == line)
    return repr(text[:24]) if text else "no text"


def collision_problems(page: PageInk) -> list[str]:
    """Glyph ink boxes overlapping a glyph of another line (one message per pair of lines).

    Only pairs of lines whose ink bands overlap are compared, glyph by glyph,
    so a page of 4,000 glyphs costs milliseconds.
    """
    import numpy as np

    if not page.glyphs:
        return []
    boxes = np.array([(g.x0, g.y0, g.x1, g.y1) for g in page.glyphs])
    line_ids = np.array([g.line for g in page.glyphs])
    members = {line: np.nonzero(line_ids == line)[0] for line in np.unique(line_ids)}
    bands = {line: (boxes[idx, 0].min(), boxes[idx, 1].min(), boxes[idx, 2].max(), boxes[idx, 3].max())
             for line, idx in members.items()}
    keys = sorted(members)
    problems = []
    for n, a in enumerate(keys):
        for b in keys[n + 1:]:
            if not _overlaps(bands[a], bands[b]):
                continue
            first, second = boxes[members[a]], boxes[members[b]]
            wide = np.minimum(first[:, None, 2], second[None, :, 2]) - np.maximum(first[:, None, 0], second[None, :, 0])
            tall = np.minimum(first[:, None, 3], second[None, :, 3]) - np.maximum(first[:, None, 1], second[None, :, 1])
            depth = np.where((wide > TOUCH_PT) & (tall > TOUCH_PT), np.minimum(wide, tall), 0.0)
            if depth.max() > 0:
                i, j = np.unravel_index(int(depth.argmax()), depth.shape)
                x = (max(first[i, 0], second[j, 0]) + min(first[i, 2], second[j, 2])) / 2
                y = (max(first[i, 1], second[j, 1]) + min(first[i, 3], second[j, 3])) / 2
                upper, lower = sorted((page.lines[a].number, page.lines[b].number))
                problems.append(f"line {upper} collides with line {lower} at x={x:.0f} pt, y={y:.0f} pt, "
                                f"{depth[i, j]:.1f} pt deep ({_near(page, a)} / {_near(page, b)})")
    return problems


def _overlaps(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return (min(a[2], b[2]) - max(a[0], b[0]) > TOUCH_PT) and (min(a[3], b[3]) - max(a[1], b[1]) > TOUCH_PT)


def type_size_problems(page: PageInk, minimum: float) -> list[str]:
    """Text runs set smaller than ``minimum`` points (notices and captions included)."""
    small: dict[int, float] = {}
    for line, size, text in page.runs:
        if text.strip() and size < minimum - SIZE_TOLERANCE_PT:
            small[line] = min(size, small.get(line, size))
    return [f"line {page.lines[line].number} ({_near(page, line)}) is set at {size:.1f} pt, below "
            f"the format's min_font_size {minimum:g} pt" for line, size in sorted(small.items())]


def lone_word_problems(page: PageInk, language: Language) -> list[str]:
    """A paragraph line holding a single word (a widow at its end, or a word stranded by a break).

    The PDF does not say where paragraphs end, but their lines do: inside a
    paragraph, lines of one type size follow at the smallest pitch found on the
    page for that size (between paragraphs and bullets there is extra space).
    A one-word first or last line at that pitch from a neighbour in its column
    is flagged.
    Not for scripts written without spaces between words.
    """
    if language.script in UNSPACED_SCRIPTS:
        return []
    segments = _segments(page)
    pitch: dict[float, float] = {}
    neighbours: list[tuple[int, int, float]] = []
    for i, upper in enumerate(segments):
        lower = [(upper.baseline - s.baseline, j) for j, s in enumerate(segments)
                 if s.baseline < upper.baseline - 0.5 and s.size == upper.size and _x_overlap(upper, s)]
        if lower:
            gap, j = min(lower)
            neighbours.append((i, j, gap))
            pitch[upper.size] = min(gap, pitch.get(upper.size, gap))
    above: dict[int, int] = {}  # segment -> the segment above it in its paragraph
    for i, j, gap in neighbours:
        if gap <= pitch[segments[i].size] + 0.5:
            above[j] = i
    below = {i: j for j, i in above.items()}
    # one word on a paragraph's last line, or alone on its first line; a middle
    # line of a narrow centred caption may hold one long word
    lonely = {k for k in range(len(segments)) if segments[k].words == 1 and _is_word(segments[k].text)
              and ((k in above) != (k in below))}
    return [f"line {page.lines[segments[k].line].number} holds one word alone ({segments[k].text!r}); "
            "keep it with the word before it" for k in sorted(lonely)]


@dataclass(frozen=True)
class _Segment:
    line: int
    baseline: float
    size: float
    x0: float
    x1: float
    words: int
    text: str


def _segments(page: PageInk) -> list[_Segment]:
    """Each line split into its columns (a gap of more than two ems between glyphs)."""
    by_line: dict[int, list[Ink]] = {}
    for glyph in page.glyphs:
        by_line.setdefault(glyph.line, []).append(glyph)
    segments = []
    for line, glyphs in by_line.items():
        glyphs.sort(key=lambda g: g.x0)
        group = [glyphs[0]]
        for glyph in glyphs[1:]:
            if glyph.x0 - max(g.x1 for g in group) > 2 * glyph.size:
                segments.append(_segment(line, group, page))
                group = []
            group.append(glyph)
        segments.append(_segment(line, group, page))
    return segments


def _segment(line: int, glyphs: list[Ink], page: PageInk) -> _Segment:
    x0, x1 = min(g.x0 for g in glyphs), max(g.x1 for g in glyphs)
    size = round(max(g.size for g in glyphs), 1)
    spaces = sum(1 for s_line, x in page.spaces if s_line == line and x0 + 0.5 < x < x1 - 0.5)
    text = "".join(g.char for g in glyphs)
    return _Segment(line, page.lines[line].baseline, size, x0, x1, spaces + 1, text)


def _is_word(text: str) -> bool:
    """A word of running text: not a link or a number set on its own line on purpose."""
    return any(c.isalpha() for c in text) and not any(c in text for c in "/@")


def _x_overlap(a: _Segment, b: _Segment) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0


Box = tuple[float, float, float, float]


def layout_problems(pdf: Path | bytes, fmt: Format, language: Language,
                    reserved: Iterable[tuple[int, Box]] = (), label: str = "") -> list[str]:
    """Every layout finding of a PDF, each as "ur/letter p1: line 3 collides with line 4 ...".

    ``reserved`` are (page index, box) areas filled after layout (the QR code,
    an imprint), held to the safe area too.  The build runs this on every master
    before it writes anything; ``flyers check`` and the tests run it on the files.
    """
    areas = list(reserved)
    problems = []
    for page in page_ink(pdf):
        boxes = tuple(box for index, box in areas if index == page.number - 1)
        found = (safe_area_problems(page, fmt.safe_margin.pt, boxes) + collision_problems(page)
                 + type_size_problems(page, fmt.min_font_size.pt) + lone_word_problems(page, language))
        problems += [f"{label or language.tag + '/' + fmt.name} p{page.number}: {p}" for p in found]
    return problems


def reserved_areas(slots: Iterable[Any], imprints: Iterable[Any]) -> list[tuple[int, Box]]:
    """The QR slots and imprint areas of a master as (page index, box) for the safe-area check."""
    areas = [(s.page, (s.x, s.y, s.x + s.size, s.y + s.size)) for s in slots]
    return areas + [(a.page, (a.x, a.y, a.x + a.width, a.y + a.height)) for a in imprints]



# --- contact sheets -----------------------------------------------------------------

SHEET_PAGE_PX = 360  # each page this wide: small, but a collision or a clipped line shows
SHEET_COLUMNS = 8
SHEET_LABEL_PX = 18


def contact_sheets(out: Path, folder: Path) -> list[Path]:
    """Per format, one PNG of every language's home PDF, its pages side by side.

    For a person to look over every page in a minute; the checks measure, a
    reader sees.  Written to ``folder`` as ``contact-<format>.png``.
    """
    from PIL import Image, ImageDraw

    entries = _manifest(out)
    by_format: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry.get("variant") == "home" and (out / entry["path"]).is_file():
            by_format.setdefault(str(entry["format"]), []).append(entry)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, items in sorted(by_format.items()):
        tiles = [(str(e["language"]), _page_images(out / e["path"])) for e in items]
        cell_w = max(sum(i.width for i in pages) + 4 * (len(pages) - 1) for _, pages in tiles) + 12
        cell_h = max(max(i.height for i in pages) for _, pages in tiles) + SHEET_LABEL_PX + 12
        columns = min(SHEET_COLUMNS, len(tiles))
        rows = -(-len(tiles) // columns)
        sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), (200, 200, 200))
        draw = ImageDraw.Draw(sheet)
        for index, (tag, pages) in enumerate(tiles):
            x, y = (index % columns) * cell_w + 6, (index // columns) * cell_h + 4
            draw.text((x, y), f"{tag} / {name}", fill=(0, 0, 0))
            for image in pages:
                sheet.paste(image, (x, y + SHEET_LABEL_PX))
                x += image.width + 4
        path = folder / f"contact-{name}.png"
        tmp = path.with_suffix(".png.tmp")
        sheet.save(tmp, format="PNG", optimize=True)
        tmp.replace(path)
        written.append(path)
    return written


def _manifest(out: Path) -> list[dict[str, Any]]:
    manifest_path = out / "manifest.json"
    try:
        return list(json.loads(manifest_path.read_text("utf-8"))["artifacts"])
    except FileNotFoundError:
        raise FlyersError(f"{manifest_path}: not found; run `flyers build` first") from None
    except (ValueError, KeyError) as exc:
        raise FlyersError(f"{manifest_path}: not a kyr-flyers manifest ({exc})") from None


def _page_images(path: Path) -> list[Any]:
    """Every page of a PDF rendered SHEET_PAGE_PX wide (one scale for all pages)."""
    document = pdfium.PdfDocument(str(path))
    try:
        width = document[0].get_width()
        scale = SHEET_PAGE_PX / width
        return [document[i].render(scale=scale).to_pil().convert("RGB") for i in range(len(document))]
    finally:
        document.close()


# --- the whole output ---------------------------------------------------------------


def check_output(root: Path, out: Path) -> Report:
    """Check every artifact the manifest lists; report problems by file."""

    campaign = load_campaign(root)
    fonts = load_fonts(campaign.fonts_dir)
    languages = resolve_all(campaign)
    artifacts = _manifest(out)
    report = Report()
    report.problems += stale_files(out, {str(e["path"]) for e in artifacts})
    loaded: dict[str, catalogs.LoadedCatalog] = {}
    english = catalogs.templates(campaign)
    unbuildable: dict[str, str] = {}
    spoken_languages = resolve_spoken(campaign, languages)
    for entry in artifacts:
        tag, name = entry["language"], entry["format"]
        spoken = spoken_languages.get(str(entry.get("spoken", "")))
        if tag not in languages or name not in campaign.formats or (entry.get("spoken") and spoken is None):
            report.problems.append(f"{entry['path']}: stale: {tag}/{name} is no longer in campaign.toml; "
                                   "`flyers build` moves it out of output/")
            continue
        if tag not in loaded and tag not in unbuildable:
            try:
                loaded[tag] = catalogs.load(campaign, languages[tag])
                missing = catalogs.missing(loaded[tag], english)
                if missing:
                    unbuildable[tag] = f"{len(missing)} sentence(s) are missing or fuzzy now"
            except FlyersError as exc:
                unbuildable[tag] = str(exc)
        if tag in unbuildable:
            report.problems.append(f"{entry['path']}: stale: printed from an older text ({unbuildable[tag]}); "
                                   "`flyers build` moves it out of output/")
            continue
        book = fonts.widened(languages[tag], (spoken.script,)) if spoken else fonts
        problems = check_artifact(out / entry["path"], entry, campaign, campaign.formats[name],
                                  loaded[tag], book, qr_link(campaign, tag), spoken)
        report.problems += [f"{entry['path']}: {p}" for p in problems]
        report.checked += 1
        report.lines.append(f"{'FAIL' if problems else 'ok  '} {entry['path']}")
    return report


def stale_files(out: Path, listed: set[str]) -> list[str]:
    """Flyer PDFs in output/ that the manifest does not list: left from an older campaign."""
    folder = out / "flyers"
    return [f"{p.relative_to(out).as_posix()}: stale: not in manifest.json (not made by the last build); "
            "`flyers build` moves it out of output/"
            for p in sorted(folder.rglob("*.pdf")) if folder.is_dir() and p.relative_to(out).as_posix() not in listed]


def check_artifact(path: Path, entry: dict[str, object], campaign: Campaign, fmt: Format,
                   catalog: catalogs.LoadedCatalog, fonts: FontBook, link: str,
                   spoken: SpokenLanguage | None = None) -> list[str]:
    """All checks on one PDF (``spoken``: the spoken language a card names)."""
    if not path.is_file():
        return ["file is missing"]
    problems = []
    if sha256_file(path) != entry.get("sha256"):
        problems.append("sha256 differs from the manifest")
    if entry.get("variant") == "home-sheet":  # several copies on a paper size: its own checks
        from .home import sheet_problems

        return problems + sheet_problems(path, entry, link, fmt.has_qr)
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    if pages != fmt.pages or pages != entry.get("pages"):
        problems.append(f"{pages} page(s); the format defines {fmt.pages}, the manifest says {entry.get('pages')}")
    sentences = expected_sentences(campaign, fmt, catalog, fonts, spoken)
    if uses_glyph_check(catalog.language):
        lost = missing_by_glyphs(path, sentences, catalog.language, fonts)
    else:
        lost = missing_sentences("\n".join(pdf_text(path)), sentences, catalog.language)
    problems += [f"sentence not found in the PDF text: {s!r}" for s in lost]
    problems += font_problems(path, fonts.stack(catalog.language))
    problems += box_problems(path, fmt, str(entry.get("variant", "home")))
    problems += pdfx_problems(path) if entry.get("variant") == "print" else []
    problems += layout_problems(path, fmt, catalog.language)
    if fmt.has_qr:
        found = decode_qr(path)
        if found != [link]:
            problems.append(f"QR decodes to {found}, expected [{link!r}]")
    return problems


__all__ = ["Report", "StrictGettext", "check_artifact", "check_output", "decode_qr", "render_html"]
