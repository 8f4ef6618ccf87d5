"""Checks on produced PDFs -- the same checks the tests and ``flyers check`` run.

They look at what a reader or a print shop gets: page count, the language's
sentences in the extracted text, fonts embedded and all ours (none missing a
glyph), page boxes, and the QR code decoded back from a 150 dpi raster.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium
import zxingcpp

from . import catalogs
from .campaign import Campaign, Format, load_campaign
from .errors import FlyersError
from .files import sha256_file
from .fontstack import FontBook, load_fonts
from .languages import Language, resolve_all
from .render import BLEED_IN, PrintOptions, StrictGettext, render_html
from .stamp import page_fonts

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
                       fonts: FontBook) -> list[str]:
    """The translated sentences a (language, format) page shows in its body, from its template."""
    from .render import context, make_environment, visible_text

    env, strict = make_environment(campaign, catalog)
    html = env.get_template(fmt.template).render(
        context(campaign, fmt, catalog, fonts, PrintOptions(), fmt.font_size.pt))
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
    bleed = BLEED_IN * 72 if variant == "print" else 0.0
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


# --- the whole output ---------------------------------------------------------------


def check_output(root: Path, out: Path) -> Report:
    """Check every artifact the manifest lists; report problems by file."""
    from .build import qr_link

    campaign = load_campaign(root)
    fonts = load_fonts(campaign.fonts_dir)
    languages = resolve_all(campaign)
    manifest_path = out / "manifest.json"
    try:
        artifacts = json.loads(manifest_path.read_text("utf-8"))["artifacts"]
    except FileNotFoundError:
        raise FlyersError(f"{manifest_path}: not found; run `flyers build` first") from None
    except (ValueError, KeyError) as exc:
        raise FlyersError(f"{manifest_path}: not a kyr-flyers manifest ({exc})") from None
    report = Report()
    loaded: dict[str, catalogs.LoadedCatalog] = {}
    for entry in artifacts:
        tag, name = entry["language"], entry["format"]
        if tag not in languages or name not in campaign.formats:
            report.problems.append(f"{entry['path']}: {tag}/{name} is no longer in campaign.toml")
            continue
        if tag not in loaded:
            loaded[tag] = catalogs.load(campaign, languages[tag])
        problems = check_artifact(out / entry["path"], entry, campaign, campaign.formats[name],
                                  loaded[tag], fonts, qr_link(campaign, tag))
        report.problems += [f"{entry['path']}: {p}" for p in problems]
        report.checked += 1
        report.lines.append(f"{'FAIL' if problems else 'ok  '} {entry['path']}")
    return report


def check_artifact(path: Path, entry: dict[str, object], campaign: Campaign, fmt: Format,
                   catalog: catalogs.LoadedCatalog, fonts: FontBook, link: str) -> list[str]:
    """All checks on one PDF."""
    if not path.is_file():
        return ["file is missing"]
    problems = []
    if sha256_file(path) != entry.get("sha256"):
        problems.append("sha256 differs from the manifest")
    with pikepdf.open(path) as pdf:
        pages = len(pdf.pages)
    if pages != fmt.pages or pages != entry.get("pages"):
        problems.append(f"{pages} page(s); the format defines {fmt.pages}, the manifest says {entry.get('pages')}")
    sentences = expected_sentences(campaign, fmt, catalog, fonts)
    if uses_glyph_check(catalog.language):
        lost = missing_by_glyphs(path, sentences, catalog.language, fonts)
    else:
        lost = missing_sentences("\n".join(pdf_text(path)), sentences, catalog.language)
    problems += [f"sentence not found in the PDF text: {s!r}" for s in lost]
    problems += font_problems(path, fonts.stack(catalog.language))
    problems += box_problems(path, fmt, str(entry.get("variant", "home")))
    problems += pdfx_problems(path) if entry.get("variant") == "print" else []
    if fmt.has_qr:
        found = decode_qr(path)
        if found != [link]:
            problems.append(f"QR decodes to {found}, expected [{link!r}]")
    return problems


__all__ = ["Report", "StrictGettext", "check_artifact", "check_output", "decode_qr", "render_html"]
