"""HTML -> laid-out pages -> PDF: the only module that imports WeasyPrint.

WeasyPrint runs hermetically: only workspace files can be fetched and only
workspace fonts exist.  Any WeasyPrint warning fails the render, because a
warning here means a missing glyph, a missing resource or a broken stylesheet
on 30,000 printed sheets.  Where the variable parts go (the QR slot, the
imprint area) is read from WeasyPrint's public ``Page.anchors``, never from
its layout internals, so an upgrade that keeps its API keeps every QR in place.
The worker entry points for finished HTML (job ticket, packing lists, review
packet) are here too: they are layout and serialisation, nothing else.
"""

from __future__ import annotations

import functools
import io
import logging
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .errors import RenderError
from .model import Area, Slot

CSS_PX_TO_PT = 0.75


class _WarningTrap(logging.Handler):
    """Collects WeasyPrint warnings so that the render can fail on them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def make_fetcher(root: Path) -> Any:
    """A URL fetcher that serves only files inside the workspace (no network, ever)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    allowed_root = root.resolve()

    class WorkspaceFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            parts = urlsplit(url)
            if parts.scheme != "file":
                raise FatalURLFetchingError(f"refused to fetch {url!r}: only workspace files may be used")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(allowed_root) or not path.is_file():
                raise FatalURLFetchingError(f"refused to fetch {url!r}: not a file inside {allowed_root}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": mime})

    return WorkspaceFetcher(fail_on_errors=True)


@functools.lru_cache(maxsize=1)
def font_configuration() -> Any:
    """One WeasyPrint font configuration per worker process, reused by every render.

    Loading the fonts once instead of once per layout saves a tenth of a second
    a page; the fonts never change during a build (the workspace ones only).
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def weasy_render(html: str, base: Path, root: Path) -> tuple[Any, list[str]]:
    """Lay out HTML; return the WeasyPrint document and any warnings it logged."""
    import weasyprint

    trap = _WarningTrap()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(trap)
    try:
        document = weasyprint.HTML(string=html, base_url=base.as_uri() + "/",
                                   url_fetcher=make_fetcher(root)).render(font_config=font_configuration())
    except weasyprint.urls.FatalURLFetchingError as exc:
        raise RenderError(str(exc)) from None
    finally:
        logger.removeHandler(trap)
    return document, trap.messages


QR_SLOT_ID = "qr-slot"
IMPRINT_SLOT_ID = "imprint-slot"
END_SUFFIX = "-end"


def find_slots(document: Any) -> tuple[tuple[Slot, ...], tuple[Area, ...]]:
    """Locate the QR slot and the imprint area of every page, through WeasyPrint's public API.

    ``Page.anchors`` maps each element ``id`` on a page to its (x, y) position
    in CSS px from the page's top-left corner.  A slot is an element with an id
    (its top-left corner) holding an empty marker ``<id>-end`` positioned at
    its bottom-right corner (see ``qr_block`` in templates/_blocks.html), so its
    size needs no layout internals either.  Positions returned are in points
    from the trim box's lower-left corner, the origin the stamping stage draws in.
    """
    slots: list[Slot] = []
    areas: list[Area] = []
    for index, page in enumerate(document.pages):
        qr = _anchor_box(page, QR_SLOT_ID)
        if qr is not None:
            x, y, width, height = qr
            size = round(min(width, height), 3)
            slots.append(Slot(index, x, round(y + height - size, 3), size))
        imprint = _anchor_box(page, IMPRINT_SLOT_ID)
        if imprint is not None:
            x, y, width, height = imprint
            areas.append(Area(index, x, y, round(width, 3), round(height, 3)))
    return tuple(slots), tuple(areas)


def _anchor_box(page: Any, name: str) -> tuple[float, float, float, float] | None:
    """(x, y, width, height) in points, y up from the page's bottom, of the box between
    anchor ``name`` (top-left) and anchor ``name-end`` (bottom-right); None when absent."""
    start, end = page.anchors.get(name), page.anchors.get(name + END_SUFFIX)
    if start is None or end is None:
        return None
    left, top = start[0] * CSS_PX_TO_PT, start[1] * CSS_PX_TO_PT
    width, height = (end[0] - start[0]) * CSS_PX_TO_PT, (end[1] - start[1]) * CSS_PX_TO_PT
    return round(left, 3), round(page.height * CSS_PX_TO_PT - top - height, 3), width, height


def write_master_pdf(document: Any, identifier: bytes, pdfx: bool,
                     edit: Callable[[Any], None] | None = None, tagged: bool = False) -> bytes:
    """Serialise a laid-out document; PDF/X-4 when a CMYK output intent is present.

    WeasyPrint writes it uncompressed and qpdf compresses it: pydyf compresses
    every stream at level 9 and the output profile (370 KB) twice, which cost a
    sixth of each master's render; qpdf does it once, at zlib's default level,
    and leaves the XMP metadata uncompressed as PDF/X wants.  ``edit``, if given,
    changes the pikepdf document before that single save.
    """
    import pikepdf

    options: dict[str, Any] = {"pdf_identifier": identifier, "uncompressed_pdf": True}
    if pdfx:
        options["pdf_variant"] = "pdf/x-4"
    elif tagged:
        options["pdf_variant"] = "pdf/ua-1"
    raw = document.write_pdf(**options)
    assert isinstance(raw, bytes)
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        if edit is not None:
            edit(pdf)
        out = io.BytesIO()
        # The home cut's structure tree is hundreds of small objects: in object
        # streams the English letter is 21 KB instead of 48 KB (the later stamping
        # preserves them).  The print cut keeps plain objects, as PDF/X RIPs expect.
        streams = pikepdf.ObjectStreamMode.generate if tagged else pikepdf.ObjectStreamMode.preserve
        pdf.save(out, compress_streams=True, deterministic_id=True, object_stream_mode=streams)
        return out.getvalue()



def drop_output_intent(pdf: Any) -> None:
    """Remove the print condition from a master meant for screens and home printers.

    The home master is written from the same layout as the PDF/X one (so the two
    cuts never differ by a line break), and WeasyPrint embeds the CMYK profile
    named by ``@color-profile`` as an output intent and as an ICCBased colour
    space.  The colours themselves are drawn as DeviceCMYK, so removing both
    leaves device colours and 194 KB less; qpdf drops the now unreferenced profile.
    """
    import pikepdf

    if "/OutputIntents" in pdf.Root:
        del pdf.Root["/OutputIntents"]
    for page in pdf.pages:
        spaces = page.obj.get("/Resources", {}).get("/ColorSpace")
        if spaces is None:
            continue
        for name in list(spaces.keys()):
            space = spaces[name]
            if isinstance(space, pikepdf.Array) and len(space) and space[0] == pikepdf.Name.ICCBased:
                del spaces[name]



def _job_document(job: tuple[str, str, str, bool]) -> Any:
    """Lay out a worker job's HTML under the flyers' rules; a warning is an error."""
    html, base, root, _pdfx = job
    document, warnings = weasy_render(html, Path(base), Path(root))
    if warnings:
        raise RenderError("WeasyPrint warned (treated as an error)", warnings[:10])
    return document


def html_job_pdf(job: tuple[str, str, str, bool]) -> bytes:
    """Worker entry: render a finished HTML document (job ticket, imprints...) to PDF.

    ``job`` is (html, base folder, workspace root, pdf/x).  Same rules as the
    flyers: workspace files only, and any WeasyPrint warning is an error.
    """
    return write_master_pdf(_job_document(job), b"kyr-flyers-batch", pdfx=job[3])


CROP_ANCHOR = "text-end"


def cropped_job_pdf(job: tuple[str, str, str, bool]) -> bytes:
    """Worker entry: like :func:`html_job_pdf`, each page then cropped to its text.

    A page's text ends at an empty element whose id starts with ``text-end``
    (see templates/batch/imprints.html); its position in ``Page.anchors`` gives
    the height the page used.  Not the root box's height: WeasyPrint stretches a
    block that breaks across pages to the bottom of each page it leaves.  The
    media box of every page shrinks to that height, so the stamping stage can
    scale each imprint to fit its area exactly.
    """
    import pikepdf

    document = _job_document(job)
    used = [max((point[1] for name, point in page.anchors.items() if name.startswith(CROP_ANCHOR)), default=0.0)
            * CSS_PX_TO_PT for page in document.pages]

    def crop(pdf: pikepdf.Pdf) -> None:
        for page, height in zip(pdf.pages, used, strict=True):
            x0, _y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
            box = pikepdf.Array([x0, y1 - max(height, 1.0), x1, y1])
            page.obj.MediaBox = box
            for name in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
                if name in page.obj:
                    page.obj[name] = box

    return write_master_pdf(document, b"kyr-flyers-imprint", pdfx=job[3], edit=crop)
