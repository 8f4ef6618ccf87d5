"""Save reference rasters of imprints, for the pixel comparison in tests/test_typeset.py.

The references are the WeasyPrint imprints that the HarfBuzz-shaped ones replaced
(templates/batch/imprints.html, laid out here as flyers/batch.py laid them out
until issue 17):

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

import jinja2
import pikepdf
import pypdfium2 as pdfium
from markupsafe import Markup

from flyers import catalogs
from flyers.build import CACHE_DIR, BuildRequest, masters, plan
from flyers.campaign import Campaign, load_campaign, source_date
from flyers.fontstack import FontBook, fontconfig_file
from flyers.imprints import placement
from flyers.languages import Language, resolve_all
from flyers.layout import cropped_job_pdf
from flyers.model import Area
from flyers.templating import make_environment, render_template
from flyers.vdp import page_boxes
from flyers.workers import run_jobs

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


def weasyprint_imprints(campaign: Campaign, fonts: FontBook, languages: dict[str, Language],
                        lines: list[tuple[str, str]], area: Area) -> bytes:
    """One PDF page per (language, name): the imprints as WeasyPrint laid them out."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(campaign.templates_dir), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    every = ", ".join(f'"{f}"' for f in fonts.families)

    def shared_by(language: Language, name: str) -> Markup:
        local, _ = make_environment(campaign, catalogs.load(campaign, language))
        isolated = Markup("<bdi>%s</bdi>") % name  # a Latin name keeps its order in right-to-left text
        return Markup(render_template(local, "imprint.html", {"distributor": isolated}, "the imprint").strip())

    width, height = area.width, area.height * 0.62
    variants = [{"tag": tag, "dir": languages[tag].direction, "text": shared_by(languages[tag], name),
                 "fonts": fonts.css_stack(languages[tag]) + ", " + every} for tag, name in lines]
    html = env.get_template("batch/imprints.html").render(
        width=round(width, 2), height=round(height, 2), font_size=round(height / 2.9, 2),
        variants=variants, date=source_date(campaign).isoformat())
    conf = fontconfig_file(fonts, campaign.root / CACHE_DIR)
    jobs = [(html, str(campaign.templates_dir), str(campaign.root), False)]
    return dict(run_jobs(cropped_job_pdf, jobs, conf, ["imprints"]))[0]


def area_pdf(imprint_pdf: bytes, index: int, area: Area) -> bytes:
    """A page the size of ``area`` with imprint ``index`` stamped as the print files stamp it."""
    boxes = [b.media for b in page_boxes(imprint_pdf)]
    with pikepdf.open(io.BytesIO(imprint_pdf)) as source, pikepdf.new() as pdf:
        page = source.pages[index]
        form = page.as_form_xobject()
        form.BBox = pikepdf.Array([float(v) for v in page.obj.MediaBox])
        pdf.add_blank_page(page_size=(area.width, area.height))
        target = pdf.pages[0]
        target.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(
            {f"/I{index}": pdf.copy_foreign(source.make_indirect(form))}))
        local = Area(0, 0.0, 0.0, area.width, area.height)
        scale, x, y = placement(boxes[index], local)
        target.obj.Contents = pdf.make_stream(b"q %.4f 0 0 %.4f %.3f %.3f cm /I%d Do Q" % (scale, scale, x, y, index))
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
    OUT.mkdir(parents=True, exist_ok=True)
    listing: list[dict[str, Any]] = []
    for fmt in FORMATS:
        area = rendered[("en", fmt)].imprints[0]
        pdf = weasyprint_imprints(campaign, fonts, languages, list(SAMPLES), area)
        for n, (tag, name) in enumerate(SAMPLES):
            file = f"{fmt}-{n:02d}-{tag}.png"
            rasterise(area_pdf(pdf, n, area), OUT / file)
            listing.append({"file": file, "format": fmt, "language": tag, "name": name,
                            "area": [area.width, area.height]})
    (OUT / "samples.json").write_text(json.dumps({"dpi": REFERENCE_DPI, "samples": listing},
                                                 ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"{len(listing)} references in {OUT}")


if __name__ == "__main__":
    main()
