"""Save reference rasters of imprints, for the pixel comparison in tests/test_typeset.py.

Run once with the imprint code whose look is the reference (it was run with the
WeasyPrint imprints, before they were replaced by HarfBuzz-shaped ones):

    PYTHONPATH=. .venv/bin/python tools/imprint_references.py

Each sample (format, language, name) is drawn into its format's imprint area,
as stamping places it, and rasterised in grey at REFERENCE_DPI into
tests/data/imprints/<n>.png; tests/data/imprints/samples.json lists the samples
and the areas.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2 as pdfium

from flyers.batch import _imprints
from flyers.build import BuildRequest, masters, plan
from flyers.campaign import load_campaign, source_date
from flyers.languages import resolve_all
from flyers.orders import Order
from flyers.render import Area
from flyers.stamp import Geometry, imprint_operators, page_boxes

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "imprints"
REFERENCE_DPI = 400
SAMPLES = [
    ("en", "Congregation 003, Queens"),
    ("es", "Iglesia San José de la Montaña, Bronx"),
    ("en", "The Interfaith Coalition of Neighbourhood Congregations and Community Pantries of Upper Manhattan"),
    ("ar", "Congregation 003, Queens"),
    ("ar", "مسجد النور، بروكلين"),
    ("yi", "Congregation 003, Queens"),
    ("yi", "שול בעלז 7, ברוקלין"),
    ("zh-Hans", "纽约移民法律服务"),
    ("zh-Hans", "Congregation 003, Queens"),
    ("hi", "हिंदू मंदिर, क्वींस"),
    ("am", "የኢትዮጵያ ማህበረሰብ"),
    ("ur", "مسجد النور، بروکلین"),
]
FORMATS = ("card", "letter")


def area_pdf(imprint_pdf: bytes, index: int, area: Area) -> bytes:
    """A page the size of ``area`` with imprint ``index`` stamped as the print files stamp it."""
    boxes = [b.media for b in page_boxes(imprint_pdf)]
    shape = Geometry((), (area,), imprint_boxes=tuple(boxes))
    with pikepdf.open(io.BytesIO(imprint_pdf)) as source, pikepdf.new() as pdf:
        page = source.pages[index]
        form = page.as_form_xobject()
        form.BBox = pikepdf.Array([float(v) for v in page.obj.MediaBox])
        pdf.add_blank_page(page_size=(area.width, area.height))
        target = pdf.pages[0]
        target.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
            {f"/I{index}": pdf.copy_foreign(source.make_indirect(form))}))
        local = Area(0, 0.0, 0.0, area.width, area.height)
        target.obj.Contents = pdf.make_stream(imprint_operators(index, local, shape))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def rasterise(pdf: bytes, path: Path) -> None:
    document = pdfium.PdfDocument(pdf)
    try:
        image = document[0].render(scale=REFERENCE_DPI / 72, grayscale=True).to_pil()
    finally:
        document.close()
    image.save(path, optimize=True)


def main() -> None:
    campaign = load_campaign(ROOT)
    languages = resolve_all(campaign)
    tags = tuple(dict.fromkeys(tag for tag, _ in SAMPLES))
    rendered, _ = masters(plan(BuildRequest(root=ROOT, out=ROOT / "output", languages=("en",),
                                            formats=FORMATS)))
    fonts = plan(BuildRequest(root=ROOT, out=ROOT / "output", languages=tags, formats=FORMATS)).fonts
    orders = [Order(n + 2, f"D{n:03d}", name, tag, fmt, 1)
              for fmt in FORMATS for n, (tag, name) in enumerate(SAMPLES)]
    pdfs = _imprints(campaign, fonts, languages, orders, rendered, source_date(campaign))
    OUT.mkdir(parents=True, exist_ok=True)
    listing: list[dict[str, Any]] = []
    for fmt in FORMATS:
        area = rendered[("en", fmt)].imprints[0]
        for n, (tag, name) in enumerate(SAMPLES):
            file = f"{fmt}-{n:02d}-{tag}.png"
            rasterise(area_pdf(pdfs[fmt], n, area), OUT / file)
            listing.append({"file": file, "format": fmt, "language": tag, "name": name,
                            "area": [area.width, area.height]})
    (OUT / "samples.json").write_text(json.dumps({"dpi": REFERENCE_DPI, "samples": listing},
                                                 ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(listing)} references in {OUT}")


if __name__ == "__main__":
    main()
