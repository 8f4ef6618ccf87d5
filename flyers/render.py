"""One (language, format) master: the largest type size whose layout fits and passes.

The stage between templating (:mod:`flyers.templating`) and layout
(:mod:`flyers.layout`): it asks for the HTML at a body size, has it laid out,
bisects the sizes down to the format's minimum until the pages fit, writes the
print and home cuts of that one layout and runs the layout checks on them,
trying a few smaller sizes when a check fails at the largest.  Its messages say
whether the format or a translation is at fault.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from .campaign import Campaign, Format
from .catalogs import LoadedCatalog
from .errors import RenderError
from .fontstack import FontBook
from .languages import SpokenLanguage
from .layout import END_SUFFIX, QR_SLOT_ID, drop_output_intent, find_slots, weasy_render, write_master_pdf
from .model import Master, PrintOptions
from .preflight import layout_problems, reserved_areas
from .templating import render_html, visible_text

SHRINK_STEP_PT = 0.5
# Smaller sizes tried when the largest that fits fails a layout check.
RELAYOUT_TRIES = 3


def render_master(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook,
                  options: PrintOptions, identifier: bytes, spoken: SpokenLanguage | None = None) -> Master:
    """Render one (language, format) at the largest type size that fits its pages.

    Sizes go from the format's ``font_size`` down to ``min_font_size`` in half
    points; after the first try, a bisection finds the largest that fits in
    two or three layouts instead of one per step.  Past the minimum it fails
    with a message naming language and format.
    """
    sizes = _sizes(fmt)
    layout = functools.partial(_layout, spoken=spoken)
    html, document = layout(campaign, fmt, catalog, fonts, options, sizes[0])
    best: tuple[float, str, Any] | None = None
    if len(document.pages) <= fmt.pages:
        best = (sizes[0], html, document)
    elif len(document.pages) > 2 * fmt.pages:  # shrinking by points cannot save this
        raise RenderError(f"{catalog.language.tag}/{fmt.name}: the text fills {len(document.pages)} pages; the "
                          f"format has {fmt.pages}. {_overflow_cause(catalog, fmt)}")
    else:  # bisect the smaller sizes for the largest that fits
        low, high = 1, len(sizes) - 1
        while low <= high:
            middle = (low + high) // 2
            html, document = layout(campaign, fmt, catalog, fonts, options, sizes[middle])
            if len(document.pages) <= fmt.pages:
                best, high = (sizes[middle], html, document), middle - 1
            else:
                low = middle + 1
    if best is None:
        raise RenderError(
            f"{catalog.language.tag}/{fmt.name}: the text does not fit on {fmt.pages} page(s) even at "
            f"the format's min_font_size {fmt.min_font_size.css}. {_overflow_cause(catalog, fmt)}"
        )
    master = _master(campaign, fmt, catalog, options, identifier, spoken, best)
    # A line break can go wrong at one size and not the next (a word left alone,
    # ink a hair outside the safe area): try a few smaller sizes before failing.
    for tried, size in enumerate(s for s in sizes if s < best[0]):
        if not master.layout or tried == RELAYOUT_TRIES:
            break
        html, document = layout(campaign, fmt, catalog, fonts, options, size)
        if len(document.pages) <= fmt.pages:
            candidate = _master(campaign, fmt, catalog, options, identifier, spoken, (size, html, document))
            if not candidate.layout:
                master = candidate
    return master


def _master(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, options: PrintOptions, identifier: bytes,
            spoken: SpokenLanguage | None, laid_out: tuple[float, str, Any]) -> Master:
    """Write one layout's PDFs (print and home cuts) and run the layout checks on it."""
    size, html, document = laid_out
    if len(document.pages) != fmt.pages:
        raise RenderError(
            f"{catalog.language.tag}/{fmt.name}: rendered {len(document.pages)} page(s), "
            f"the format defines {fmt.pages}"
        )
    slots, imprints = find_slots(document)
    if fmt.has_qr and not slots:
        raise RenderError(f"templates/{fmt.template}: no QR slot: an element with id '{QR_SLOT_ID}' holding "
                          f"an empty one with id '{QR_SLOT_ID}{END_SUFFIX}' at its bottom-right corner")
    pdf = write_master_pdf(document, identifier, pdfx=options.profile is not None)
    home = write_master_pdf(document, identifier, pdfx=False, edit=drop_output_intent, tagged=True)
    tag = spoken.tag if spoken is not None else catalog.language.tag
    findings = layout_problems(pdf, fmt, catalog.language, reserved_areas(slots, imprints), f"{tag}/{fmt.name}")
    return Master(pdf=pdf, pages=len(document.pages), font_size_pt=size, slots=slots, text=visible_text(html),
                  imprints=imprints, layout=tuple(findings), home_pdf=home)



def _overflow_cause(catalog: LoadedCatalog, fmt: Format) -> str:
    """Name the likely cause of text that does not fit: the English never overflows
    because of a translation, so for it the format is too small for its sections."""
    where = f"campaign.toml [formats.{fmt.name}]"
    if catalog.source:
        return (f"The format is too small for its sections: in {where} enlarge width/height, lower "
                "min_font_size, or remove a section")
    paths = " and ".join(str(p) for p in (catalog.core_path, catalog.path) if p)
    return (f"If the English {fmt.name} builds, this translation is too long for it "
            f"(check {paths}); if not, the format is too small for its sections ({where})")


def _sizes(fmt: Format) -> list[float]:
    """Candidate body sizes, largest first, in half points down to the minimum."""
    sizes, size = [], fmt.font_size.pt
    while size >= fmt.min_font_size.pt - 1e-6:
        sizes.append(round(size, 2))
        size -= SHRINK_STEP_PT
    return sizes or [fmt.min_font_size.pt]


def _layout(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook, options: PrintOptions,
            size: float, spoken: SpokenLanguage | None = None) -> tuple[str, Any]:
    """HTML and WeasyPrint layout at one size; a warning is an error."""
    html = render_html(campaign, fmt, catalog, fonts, options, size, spoken)
    _check_coverage(fonts, catalog, fmt, html)
    document, warnings = weasy_render(html, campaign.templates_dir, campaign.root)
    if warnings:
        raise RenderError(f"{catalog.language.tag}/{fmt.name}: WeasyPrint warned (treated as an error)",
                          warnings[:10])
    return html, document


def _check_coverage(fonts: FontBook, catalog: LoadedCatalog, fmt: Format, html: str) -> None:
    """Fail before rendering if any character has no glyph in the language's fonts."""
    missing = fonts.uncovered(catalog.language, visible_text(html))
    if missing:
        shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:12])
        raise RenderError(f"{catalog.language.tag}/{fmt.name}: no font in fonts/fonts.toml covers {shown}; "
                          f"{font_fix(fonts.folder)}")


def font_fix(folder: Path) -> str:
    """How to get a missing glyph: `make fonts` only where there is a Makefile to run it."""
    if (folder.parent / "Makefile").is_file():
        return "add a font for this script to fonts/fonts.toml, or re-cut the CJK subsets with `make fonts`"
    return ("add a font file that covers it to fonts/ and list it in fonts/fonts.toml (the CJK fonts are "
            "subsets: take the full Noto CJK font for characters they lack)")

