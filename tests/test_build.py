"""The foundation's acceptance: every PDF as a reader and a print shop would check it."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from flyers import catalogs, preflight
from flyers.campaign import load_campaign
from flyers.files import sha256_file
from flyers.fontstack import load_fonts
from flyers.languages import resolve

from .conftest import SAMPLE_LANGUAGES, tool

FORMAT_PAGES = {"letter": 1, "a4": 1, "half-letter": 1, "tabloid": 1, "card": 2, "interpreter": 1}


def manifest(root: Path) -> list[dict[str, object]]:
    entries: list[dict[str, object]] = json.loads((root / "output" / "manifest.json").read_text("utf-8"))["artifacts"]
    return entries


def test_every_language_and_format_is_in_the_manifest(sample_build: Path) -> None:
    entries = manifest(sample_build)
    pairs = {(e["language"], e["format"], e["variant"]) for e in entries}
    for tag in SAMPLE_LANGUAGES:
        for fmt in FORMAT_PAGES:
            assert (tag, fmt, "home") in pairs and (tag, fmt, "print") in pairs


def test_manifest_matches_the_files(sample_build: Path) -> None:
    for entry in manifest(sample_build):
        path = sample_build / "output" / str(entry["path"])
        assert sha256_file(path) == entry["sha256"], path
        with pikepdf.open(path) as pdf:
            assert len(pdf.pages) == entry["pages"] == FORMAT_PAGES[str(entry["format"])], path


def test_every_pdf_passes_preflight(sample_build: Path) -> None:
    report = preflight.check_output(sample_build, sample_build / "output")
    assert report.problems == []
    assert report.checked == len(manifest(sample_build))  # every file: cuts, home sheets, spoken cards
    assert sum(1 for e in manifest(sample_build) if e["variant"] == "home-sheet") >= len(SAMPLE_LANGUAGES) * 3


@pytest.mark.parametrize("tag", SAMPLE_LANGUAGES)
def test_pdffonts_shows_only_embedded_workspace_fonts(sample_build: Path, tag: str) -> None:
    fonts = load_fonts(sample_build / "fonts")
    families = {name.replace(" ", "-") for name in fonts.families}
    out = subprocess.run([tool("pdffonts"), str(sample_build / f"output/flyers/{tag}/kyr-{tag}-letter.pdf")],
                         capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, out
    for row in rows:
        name = row.split()[0].split("+", 1)[-1]
        assert re.sub(r"-(Bold|Regular)$", "", name) in families, row
        assert " yes " in row.split("Identity-H", 1)[-1][:12] or row.split()[-5] == "yes", row


@pytest.mark.parametrize("variant,bleed", [("home", 0.0), ("print", 9.0)])
def test_page_boxes_from_pdfinfo(sample_build: Path, variant: str, bleed: float) -> None:
    suffix = "-print" if variant == "print" else ""
    path = sample_build / f"output/flyers/es/kyr-es-letter{suffix}.pdf"
    out = subprocess.run([tool("pdfinfo"), "-box", str(path)], capture_output=True, text=True, check=True).stdout
    boxes = {m[0]: [float(v) for v in m[1:]] for m in re.findall(
        r"^(\w+Box):\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)", out, re.M)}
    assert boxes["TrimBox"] == [0.0, 0.0, 612.0, 792.0]
    assert boxes["BleedBox"] == [-bleed, -bleed, 612.0 + bleed, 792.0 + bleed]
    assert boxes["MediaBox"] == boxes["BleedBox"]


@pytest.mark.parametrize("fmt", list(FORMAT_PAGES))
def test_qr_decodes_to_the_exact_link_at_150_dpi(sample_build: Path, fmt: str) -> None:
    for tag in SAMPLE_LANGUAGES:
        found = preflight.decode_qr(sample_build / f"output/flyers/{tag}/kyr-{tag}-{fmt}-print.pdf", dpi=150)
        assert found == ([] if fmt == "interpreter" else ["https://www.nyc.gov/immigrants"])


def test_qr_modules_print_at_least_0_4_mm(sample_build: Path) -> None:
    from flyers.qr import encode, module_mm

    campaign = load_campaign(sample_build)
    # The longest link the default campaign prints: a per-language, per-distributor one.
    code = encode("https://www.nyc.gov/immigrants?lang=zh-Hant&src=D0400", "M")
    for fmt in campaign.formats.values():
        if fmt.qr_size is not None:
            assert module_mm(code, fmt.qr_size.pt) >= 0.4, fmt.name


def test_every_translated_sentence_is_in_the_spanish_text(sample_build: Path) -> None:
    campaign = load_campaign(sample_build)
    catalog = catalogs.load(campaign, resolve("es", campaign))
    text = preflight.normalise("".join(preflight.pdf_text(sample_build / "output/flyers/es/kyr-es-letter.pdf")))
    assert preflight.normalise("Conozca sus derechos") in text
    fonts = load_fonts(campaign.fonts_dir)
    sentences = preflight.expected_sentences(campaign, campaign.formats["letter"], catalog, fonts)
    assert len(sentences) >= 20
    assert preflight.missing_sentences(text, sentences, catalog.language) == []


@pytest.mark.parametrize("tag", [t for t in SAMPLE_LANGUAGES if t != "en"])
@pytest.mark.parametrize("fmt", list(FORMAT_PAGES))
def test_no_english_sentence_in_a_translated_flyer(sample_build: Path, tag: str, fmt: str) -> None:
    campaign = load_campaign(sample_build)
    english = catalogs.templates(campaign).msgids()  # core and local text
    text = preflight.normalise("".join(preflight.pdf_text(sample_build / f"output/flyers/{tag}/kyr-{tag}-{fmt}.pdf")))
    if fmt == "card":  # the back of the card is English by design: only check the front
        text = preflight.normalise(preflight.pdf_text(sample_build / f"output/flyers/{tag}/kyr-{tag}-card.pdf")[0])
    leaked = [s for s in english if len(s.split()) > 2 and preflight.normalise(s) in text]
    assert leaked == []


def test_arabic_flyer_is_right_to_left_with_phone_numbers_in_order(sample_build: Path) -> None:
    path = sample_build / "output/flyers/ar/kyr-ar-letter.pdf"
    document = pdfium.PdfDocument(str(path))
    page = document[0]
    textpage = page.get_textpage()
    text = textpage.get_text_range()
    width = page.get_width()
    # The phone number reads left to right inside the Arabic line, on one baseline:
    # "(800)" left of "354" left of "0365" (an unisolated number would come out reversed).
    boxes = {part: textpage.get_charbox(text.index(part)) for part in ("800", "354", "0365")}
    assert boxes["800"][0] < boxes["354"][0] < boxes["0365"][0]
    assert abs(boxes["800"][1] - boxes["0365"][1]) < 2
    # The title starts at the right margin: right-to-left layout.
    title = text.find("اعرف")
    _left, _bottom, right, _top = textpage.get_charbox(title)
    assert right > width * 0.6
    document.close()


def test_html_of_every_page_carries_lang_and_dir(sample_build: Path) -> None:
    from flyers.model import PrintOptions
    from flyers.templating import render_html

    campaign = load_campaign(sample_build)
    fonts = load_fonts(campaign.fonts_dir)
    for tag, direction in (("ar", "rtl"), ("es", "ltr"), ("zh-Hans", "ltr")):
        catalog = catalogs.load(campaign, resolve(tag, campaign))
        html = render_html(campaign, campaign.formats["card"], catalog, fonts, PrintOptions(), 7.5)
        assert f'<html lang="{tag}" dir="{direction}"' in html
        assert f'<body lang="{tag}" dir="{direction}">' in html
        assert '<section class="card-back" lang="en" dir="ltr"' in html


def test_chinese_simplified_uses_simplified_glyph_forms(sample_build: Path) -> None:
    """The CJK font differs by region: 'Noto Sans CJK SC' draws Simplified forms."""
    import uharfbuzz  # noqa: F401  (glyph-level comparison below)

    path = sample_build / "output/flyers/zh-Hans/kyr-zh-Hans-letter.pdf"
    with pikepdf.open(path) as pdf:
        names = {str(f.BaseFont).split("+")[-1] for f in pdf.pages[0].Resources.Font.values()}
    assert names <= {"Noto-Sans-CJK-SC", "Noto-Sans-CJK-SC-Bold", "Noto-Sans", "Noto-Sans-Bold"}, names
    assert "Noto-Sans-CJK-SC" in names
    text = "".join(preflight.pdf_text(path))
    assert "了解您的权利" in text  # Simplified characters, not 了解您的權利
    assert "權利" not in text
