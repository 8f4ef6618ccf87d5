"""The home cut: PDFs for phones, screen readers and home printers.

The print cut is PDF/X-4 (bleed, CMYK output intent); the home cut starts
from a second PDF WeasyPrint writes from the *same* layout as a tagged
PDF/UA-1 document (structure tree, ``/Lang``, ``DisplayDocTitle``) with the
output intent and its 194 KB ICC profile removed (see
:func:`flyers.layout.drop_output_intent`).  Writing a laid-out document twice
costs tens of milliseconds; laying it out again would cost the whole render.

The QR code is stamped after layout, as for print, but a stamp drawn as a Form
XObject or as bare operators would be untagged content, which PDF/UA forbids.
So here it is drawn straight into the page inside a marked-content sequence
that belongs to a ``/Figure`` structure element with alternative text, placed
where the QR slot's element stands in the reading order (just before its
caption).

Home print sheets put several pieces on one letter or A4 page with cut lines:
10 wallet cards (fronts on page 1, backs on page 2, mirrored for long-edge
duplex) and 2 half-letter handouts on a landscape letter page.  The first
copy on each page is the tagged original, moved into place; the other copies
are one Form XObject of the same content with its marked content removed,
drawn as artifacts -- a screen reader reads the card once, not ten times.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from .model import Slot
from .qr import QRCode, pdf_operators
from .stamp import crop_to_trim, finalize, repair_to_unicode

LETTER = (612.0, 792.0)
A4 = (595.276, 841.89)
CUT_LINE_GREY = 0.55
CUT_LINE_WIDTH_PT = 0.4
MARKED_CONTENT = {"BDC", "BMC", "EMC", "MP", "DP"}


@dataclass(frozen=True)
class Sheet:
    """A home print sheet: ``columns`` x ``rows`` copies of a format on one paper size."""

    format: str
    paper: str  # "letter" or "a4"
    size: tuple[float, float]  # paper width, height in points
    columns: int
    rows: int

    @property
    def copies(self) -> int:
        return self.columns * self.rows

    @property
    def name(self) -> str:
        return f"{self.format}-sheet-{self.paper}"


SHEETS = (
    Sheet("card", "letter", LETTER, 2, 5),
    Sheet("card", "a4", A4, 2, 5),
    Sheet("interpreter", "letter", LETTER, 2, 5),
    Sheet("interpreter", "a4", A4, 2, 5),
    Sheet("half-letter", "letter", (LETTER[1], LETTER[0]), 2, 1),
)


def sheets_for(fmt: str, width_pt: float, height_pt: float) -> list[Sheet]:
    """The sheets a format gets: those listed for its name whose grid fits the paper."""
    return [s for s in SHEETS if s.format == fmt
            and s.columns * width_pt <= s.size[0] + 0.5 and s.rows * height_pt <= s.size[1] + 0.5]


# --- the tagged QR code ---------------------------------------------------------------


def home_piece(master: bytes, slots: Sequence[Slot], code: QRCode | None, label: str, alt: str) -> bytes:
    """One home PDF: the tagged master, its QR drawn as a tagged figure, cut to trim."""
    with pikepdf.open(io.BytesIO(master)) as pdf:
        repair_to_unicode(pdf)
        if code is not None:
            for slot in slots:
                stamp_tagged_qr(pdf, slot, code, alt)
        crop_to_trim(pdf)
        return finalize(pdf, label)


def stamp_tagged_qr(pdf: pikepdf.Pdf, slot: Slot, code: QRCode, alt: str) -> None:
    """Draw ``code`` into ``slot`` as marked content of a /Figure with ``alt`` text."""
    page = pdf.pages[slot.page]
    figure, mcid = _figure_element(pdf, page, alt)
    page.contents_coalesce()
    page.contents_add(b"q\n", prepend=True)
    qr = pdf_operators(code, slot.x, slot.y, slot.size)
    if figure is None:  # an untagged master: the stamp as before
        page.contents_add(b"\nQ\n" + qr)
    else:
        page.contents_add(b"\nQ\n/Figure <</MCID %d>> BDC\n%s\nEMC\n" % (mcid, qr))


def _figure_element(pdf: pikepdf.Pdf, page: pikepdf.Page, alt: str) -> tuple[pikepdf.Object | None, int]:
    """The structure element the QR's marked content belongs to, and its MCID.

    WeasyPrint tags the empty ``.qr-slot`` div as an empty /Div just before the
    QR block's /Caption; it becomes the /Figure.  If the template changed so
    that there is none, a new /Figure goes at the end of the document.
    """
    root = pdf.Root.get("/StructTreeRoot")
    if root is None or "/StructParents" not in page.obj:
        return None, 0
    index = int(page.obj.StructParents)
    numbers = root.ParentTree.Nums
    marks = next(numbers[i + 1] for i in range(0, len(numbers), 2) if int(numbers[i]) == index)
    mcid = len(marks)
    element = _qr_slot_element(root, page)
    if element is None:
        document = root.K if isinstance(root.K, pikepdf.Dictionary) else root.K[0]
        element = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, P=document,
                                                       K=pikepdf.Array()))
        document.K.append(element)
    element.S = pikepdf.Name.Figure
    element.Alt = pikepdf.String(alt)
    element.Pg = page.obj
    element.K = pikepdf.Array([mcid])
    marks.append(element)
    return element, mcid


def _qr_slot_element(root: Any, page: pikepdf.Page) -> Any:
    """The first empty /Div of ``page`` directly followed by a /Caption sibling."""
    stack = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, pikepdf.Dictionary):
            continue
        value = node.get("/K")
        kids: list[Any] = list(value) if isinstance(value, pikepdf.Array) else [value] if value is not None else []
        for kid, after in itertools.pairwise(kids):
            if (isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == "/Div" and _holds_no_content(kid)
                    and isinstance(after, pikepdf.Dictionary) and after.get("/S") == "/Caption"
                    and kid.get("/Pg") is not None and kid.Pg.objgen == page.obj.objgen):
                return kid
        stack.extend(reversed(kids))
    return None


def _holds_no_content(element: Any) -> bool:
    """True for a structure element with no marked content under it: the empty
    slot div, or one holding only the empty corner marker (``<i class="slot-end">``)."""
    value = element.get("/K")
    kids: list[Any] = list(value) if isinstance(value, pikepdf.Array) else [value] if value is not None else []
    return all(isinstance(kid, pikepdf.Dictionary) and kid.get("/S") is not None and _holds_no_content(kid)
               for kid in kids)


# --- home print sheets ------------------------------------------------------------------


def sheet_pdf(piece: bytes, sheet: Sheet, label: str) -> bytes:
    """``sheet.copies`` copies of each page of a home piece on ``sheet``'s paper, with cut lines.

    A two-sided piece gives fronts on page 1 and backs on page 2; the backs'
    columns are mirrored, so after long-edge duplex each back lands behind its front.
    """
    with pikepdf.open(io.BytesIO(piece)) as pdf:
        for number, page in enumerate(pdf.pages):
            x0, y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
            width, height = x1 - x0, y1 - y0
            cells = _cells(sheet, width, height, mirrored=number % 2 == 1)
            copy = _artifact_form(pdf, page, (x0, y0, x1, y1))
            page.contents_coalesce()
            first_x, first_y = cells[0]
            page.contents_add(b"q 1 0 0 1 %.3f %.3f cm\n" % (first_x - x0, first_y - y0), prepend=True)
            ops = [b"\nQ"]
            for x, y in cells[1:]:
                ops.append(b"/Artifact BMC q 1 0 0 1 %.3f %.3f cm /KYRCopy Do Q EMC" % (x - x0, y - y0))
            ops.append(_cut_lines(sheet, width, height))
            page.contents_add(b"\n".join(ops) + b"\n")
            _add_xobject(pdf, page, copy)
            _shift_annotations(page, first_x - x0, first_y - y0)
            box = pikepdf.Array([0, 0, *sheet.size])
            for key in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
                page.obj[key] = box
        return finalize(pdf, label)


def _cells(sheet: Sheet, width: float, height: float, mirrored: bool) -> list[tuple[float, float]]:
    """Lower-left corners of each copy, the grid centred on the paper, top row first."""
    left = (sheet.size[0] - sheet.columns * width) / 2
    bottom = (sheet.size[1] - sheet.rows * height) / 2
    cells = []
    for row in range(sheet.rows):
        for column in range(sheet.columns):
            col = sheet.columns - 1 - column if mirrored else column
            cells.append((left + col * width, bottom + (sheet.rows - 1 - row) * height))
    return cells


def _artifact_form(pdf: pikepdf.Pdf, page: pikepdf.Page, box: tuple[float, float, float, float]) -> Any:
    """The page's content as a Form XObject with its marked content (tags) removed."""
    kept = [instruction for instruction in pikepdf.parse_content_stream(page)
            if str(instruction.operator) not in MARKED_CONTENT]
    form = pikepdf.Stream(pdf, pikepdf.unparse_content_stream(kept))
    form.Type = pikepdf.Name.XObject
    form.Subtype = pikepdf.Name.Form
    form.BBox = pikepdf.Array(list(box))
    form.Resources = page.obj.Resources
    return pdf.make_indirect(form)


def _add_xobject(pdf: pikepdf.Pdf, page: pikepdf.Page, form: Any) -> None:
    """Name ``form`` /KYRCopy in the page's own resources (WeasyPrint shares one dictionary)."""
    resources = pikepdf.Dictionary({k: v for k, v in page.obj.Resources.items()})
    xobjects = pikepdf.Dictionary({k: v for k, v in resources.get("/XObject", {}).items()})
    xobjects["/KYRCopy"] = form
    resources["/XObject"] = xobjects
    page.obj.Resources = pdf.make_indirect(resources)


def _shift_annotations(page: pikepdf.Page, dx: float, dy: float) -> None:
    for annotation in page.obj.get("/Annots", []):
        a, b, c, d = (float(v) for v in annotation.Rect)
        annotation.Rect = pikepdf.Array([a + dx, b + dy, c + dx, d + dy])


def _cut_lines(sheet: Sheet, width: float, height: float) -> bytes:
    """Thin grey lines along every edge of the grid, across the whole paper, as an artifact."""
    paper_w, paper_h = sheet.size
    left = (paper_w - sheet.columns * width) / 2
    bottom = (paper_h - sheet.rows * height) / 2
    ops = [b"/Artifact BMC q %.2f G %.2f w [3 2] 0 d" % (CUT_LINE_GREY, CUT_LINE_WIDTH_PT)]
    for column in range(sheet.columns + 1):
        x = left + column * width
        ops.append(b"%.3f 0 m %.3f %.3f l S" % (x, x, paper_h))
    for row in range(sheet.rows + 1):
        y = bottom + row * height
        ops.append(b"0 %.3f m %.3f %.3f l S" % (y, paper_w, y))
    ops.append(b"Q EMC")
    return b"\n".join(ops)


# --- checks -----------------------------------------------------------------------------


def sheet_problems(path: Path, entry: dict[str, Any], link: str, has_qr: bool) -> list[str]:
    """A sheet's paper size and its QR codes: one per copy on the first page, each the link."""
    from .preflight import decode_qr

    sheet = next((s for s in SHEETS if s.name == f"{entry.get('format')}-sheet-{entry.get('sheet')}"), None)
    if sheet is None:
        return [f"unknown home sheet {entry.get('sheet')!r}"]
    problems = []
    with pikepdf.open(path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            media = [float(v) for v in page.obj.MediaBox]
            if any(abs(a - b) > 0.5 for a, b in zip(media, [0, 0, *sheet.size], strict=True)):
                problems.append(f"page {number}: MediaBox {media} is not {sheet.paper}")
    if has_qr:
        found = decode_qr(path)
        if found != [link] * sheet.copies:
            problems.append(f"QR codes decode to {found}, expected {sheet.copies} x {link!r}")
    return problems
