"""The variable-data engine: pages of many pieces drawn onto shared master forms.

A piece is a master page plus its variable parts: a QR link, an imprint (a
form typeset once per distributor) and a serial number.  Pages (single pieces
or imposed sheets) are lists of placements; worker processes turn them into
compressed content streams and :mod:`flyers.pdfwriter` streams them after a
base PDF holding the shared forms (masters, imprints, serial glyphs), so a
30,000-piece file costs one master render and about a kilobyte a page.
"""

from __future__ import annotations

import collections
import functools
import itertools
import multiprocessing
import os
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pikepdf
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from .files import atomic_open
from .imprints import Imprints
from .model import Area, Master, Piece, Placement, Slot
from .pdfwriter import Box, PageBoxes, stream_pages
from .prepress import MASTER_PREFIX
from .qr import encode, pdf_operators
from .stamp import finalize, open_pdf, repair_to_unicode

T = TypeVar("T")
SERIAL_CHARS = "0123456789#"
SHARED_RESOURCES = "/KYRSharedResources"
SERIAL_SIZE_PT = 5.5


@dataclass(frozen=True)
class Geometry:
    """Where the variable parts go on each master page (points, trim origin)."""

    slots: tuple[Slot, ...]
    imprints: tuple[Area, ...]
    error_correction: str = "M"
    digit_advance: tuple[float, ...] = ()  # per SERIAL_CHARS, in em
    imprint_boxes: tuple[Box, ...] = ()  # the BBox of each imprint form (its page's media box)


def glyph_forms(pdf: pikepdf.Pdf, font_path: Path) -> tuple[dict[str, pikepdf.Object], tuple[float, ...]]:
    """Serial-number characters as Form XObjects drawn from the font's outlines.

    Outlines, not text: a serial on every piece then needs no font resource,
    no subset and no ToUnicode, and costs a few bytes per character.
    """
    font = TTFont(font_path)
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    units = font["head"].unitsPerEm
    forms: dict[str, pikepdf.Object] = {}
    advances = []
    for index, char in enumerate(SERIAL_CHARS):
        name = cmap[ord(char)]
        pen = _PdfPen(glyphs)
        glyphs[name].draw(pen)
        advance = glyphs[name].width / units
        advances.append(advance)
        stream = pikepdf.Stream(pdf, b" ".join(pen.ops) + b" f")
        stream.Type = pikepdf.Name.XObject
        stream.Subtype = pikepdf.Name.Form
        stream.BBox = pikepdf.Array([0, -0.3, advance, 1.0])
        stream.Matrix = pikepdf.Array([1 / units, 0, 0, 1 / units, 0, 0])
        stream.BBox = pikepdf.Array([0, -0.3 * units, advance * units, units])
        forms[f"/G{index}"] = pdf.make_indirect(stream)
    font.close()
    return forms, tuple(advances)


class _PdfPen(BasePen):  # type: ignore[misc]
    """fontTools pen writing PDF path operators (quadratics become cubics)."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.ops: list[bytes] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(b"%d %d m" % (round(pt[0]), round(pt[1])))

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(b"%d %d l" % (round(pt[0]), round(pt[1])))

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
        self.ops.append(b"%d %d %d %d %d %d c" % tuple(round(v) for v in (*p1, *p2, *p3)))

    def _closePath(self) -> None:
        self.ops.append(b"h")


def registration_space(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The /All separation: crop marks that print on every plate."""
    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)
    return pdf.make_indirect(pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All,
                                            pikepdf.Name.DeviceCMYK, pdf.make_indirect(tint)]))


def imprint_forms(pdf: pikepdf.Pdf, imprints: Imprints) -> dict[str, pikepdf.Object]:
    """/I<n> for every imprint block, drawing the typesetter's shared glyph forms.

    Equal imprints (the same name in the same language) share one form.
    """
    shaped = imprints.typesetter.glyph_forms(pdf)
    glyphs = pdf.make_indirect(pikepdf.Dictionary(XObject=pikepdf.Dictionary(shaped)))
    made: dict[int, pikepdf.Object] = {}
    forms: dict[str, pikepdf.Object] = {}
    for index, (block, box) in enumerate(zip(imprints.blocks, imprints.boxes(), strict=True)):
        if id(block) not in made:
            form = pikepdf.Stream(pdf, block.ops)  # compressed when the base is saved
            form.Type = pikepdf.Name.XObject
            form.Subtype = pikepdf.Name.Form
            form.BBox = pikepdf.Array(box)
            form.Resources = glyphs
            made[id(block)] = pdf.make_indirect(form)
        forms[f"/I{index}"] = made[id(block)]
    # The glyph forms at the top level too: pages may set text of their own with the
    # same typesetter (a proof's label names its distributor in the name's own script).
    return {**shaped, **forms}


def build_base(masters: Sequence[bytes], imprints: bytes | Imprints | None, font_path: Path,
               label: str) -> tuple[bytes, tuple[float, ...]]:
    """A page-less PDF whose shared resources hold every form the pages draw.

    /M<n>: the n-th master page, counting through ``masters`` in order (bleed
    kept: the form's BBox is the page's MediaBox, not the trim box pikepdf would
    clip to); /I<n>: imprint n (typeset :class:`Imprints`, or the pages of a PDF);
    /G<n>: serial glyphs; /Reg: registration colour.
    The first master's document (output intent, XMP) becomes the base's.
    """
    with open_pdf(masters[0]) as pdf:
        forms: dict[str, Any] = {}
        for index, source in enumerate(masters):
            other = pdf if index == 0 else open_pdf(source)
            try:
                repair_to_unicode(other)
                for page in other.pages:
                    form = page.as_form_xobject()
                    form.BBox = pikepdf.Array([float(v) for v in page.obj.MediaBox])
                    form = other.make_indirect(form)
                    forms[f"{MASTER_PREFIX}{len([k for k in forms if k.startswith(MASTER_PREFIX)])}"] = (
                        form if other is pdf else pdf.copy_foreign(form))
            finally:
                if other is not pdf:
                    other.close()
        if isinstance(imprints, Imprints):
            forms.update(imprint_forms(pdf, imprints))
        elif imprints is not None:
            with open_pdf(imprints) as imprint_pdf:
                repair_to_unicode(imprint_pdf)
                for index, page in enumerate(imprint_pdf.pages):
                    form = page.as_form_xobject()
                    form.BBox = pikepdf.Array([float(v) for v in page.obj.MediaBox])
                    forms[f"/I{index}"] = pdf.copy_foreign(imprint_pdf.make_indirect(form))
        glyphs, advances = glyph_forms(pdf, font_path)
        forms.update(glyphs)
        resources = pdf.make_indirect(pikepdf.Dictionary(
            XObject=pikepdf.Dictionary(forms),
            ColorSpace=pikepdf.Dictionary(Reg=registration_space(pdf)),
        ))
        while len(pdf.pages):
            del pdf.pages[-1]
        # qpdf moves inheritable attributes off the page tree when it saves, so the
        # catalog keeps the reference; pdfwriter puts it on the new page tree root.
        pdf.Root[SHARED_RESOURCES] = resources
        return finalize(pdf, label, object_streams=False), advances


def geometry(masters: Sequence[Master], error_correction: str, advances: tuple[float, ...],
             imprint_boxes: Sequence[Box] = ()) -> Geometry:
    """Variable-part positions for every master page, numbered as build_base numbers forms."""
    slots: list[Slot] = []
    areas: list[Area] = []
    offset = 0
    for master in masters:
        slots += [Slot(s.page + offset, s.x, s.y, s.size) for s in master.slots]
        areas += [Area(a.page + offset, a.x, a.y, a.width, a.height) for a in master.imprints]
        offset += master.pages
    return Geometry(tuple(slots), tuple(areas), error_correction, advances, tuple(imprint_boxes))


def piece_operators(piece: Piece, geometry: Geometry) -> bytes:
    """Content operators for one piece in master coordinates (trim origin)."""
    ops = [b"q /M%d Do Q" % piece.page]
    slot = next((s for s in geometry.slots if s.page == piece.page), None)
    if piece.link and slot is not None:
        ops.append(_qr_operators(piece.link, geometry.error_correction, slot.x, slot.y, slot.size))
    area = next((a for a in geometry.imprints if a.page == piece.page), None)
    if area is not None and piece.imprint is not None:
        ops.append(imprint_operators(piece.imprint, area, geometry))
    if area is not None and piece.serial is not None:
        ops.append(serial_operators(f"#{piece.serial:06d}", area, geometry.digit_advance))
    return b"\n".join(ops)


@functools.lru_cache(maxsize=1024)
def _qr_operators(link: str, error_correction: str, x: float, y: float, size: float) -> bytes:
    """A link's QR operators, encoded once for the copies of a piece on a sheet (and its proof)."""
    return pdf_operators(encode(link, error_correction), x, y, size)


def imprint_operators(index: int, area: Area, geometry: Geometry) -> bytes:
    """Imprint form ``index`` scaled (never up) to fit the area, top-aligned.

    Each imprint page is cropped to its text, so a long name simply comes out
    smaller instead of overflowing.
    """
    x0, y0, x1, y1 = geometry.imprint_boxes[index] if index < len(geometry.imprint_boxes) else (
        0.0, 0.0, area.width, area.height)
    scale = min(1.0, area.width / (x1 - x0), area.height / (y1 - y0))
    left = area.x + (area.width - (x1 - x0) * scale) / 2 - x0 * scale
    bottom = area.y + area.height - y1 * scale
    return b"q %.4f 0 0 %.4f %.3f %.3f cm /I%d Do Q" % (scale, scale, left, bottom, index)


def serial_operators(text: str, area: Area, advances: tuple[float, ...]) -> bytes:
    """A serial number at the bottom right of the imprint area, drawn with glyph forms."""
    size = SERIAL_SIZE_PT
    widths = [advances[SERIAL_CHARS.index(c)] * size for c in text]
    x = area.x + area.width - sum(widths)
    y = area.y + 0.25 * size
    ops = [b"q 0 0 0 1 k"]
    for char, width in zip(text, widths, strict=True):
        ops.append(b"q %g 0 0 %g %.3f %.3f cm /G%d Do Q" % (size, size, x, y, SERIAL_CHARS.index(char)))
        x += width
    ops.append(b"Q")
    return b" ".join(ops)


def page_content(placements: Sequence[Placement], geometry: Geometry, extra: bytes = b"") -> bytes:
    """One output page's content stream, compressed.

    A copies-mode sheet repeats one piece 10 or 21 times: its operators are made
    once per page, and the sheet's few transforms once per process."""
    parts = []
    made: dict[Piece, bytes] = {}
    for placement in placements:
        ops = made.get(placement.piece)
        if ops is None:
            ops = made[placement.piece] = piece_operators(placement.piece, geometry)
        parts.append(b"q %s cm\n%s\nQ" % (_matrix(placement.matrix), ops))
    if extra:
        parts.append(extra)
    return zlib.compress(b"\n".join(parts), PAGE_COMPRESSION)


# zlib level: 1 is 2.5x faster on a 21-up sheet but its pages are 15-50 % larger (measured)
PAGE_COMPRESSION = 4


@functools.lru_cache(maxsize=4096)
def _matrix(matrix: tuple[float, float, float, float, float, float]) -> bytes:
    return b" ".join(b"%.4f" % v for v in matrix)


_GEOMETRY: Geometry | None = None


def _init_pool(geometry: Geometry) -> None:
    global _GEOMETRY  # worker-process state: set once per worker, read by _pages
    _GEOMETRY = geometry


PageJob = tuple[tuple[Placement, ...], bytes, PageBoxes]
WorkerJob = tuple[tuple[Placement, ...], bytes]


def _pages(chunk: list[WorkerJob]) -> list[bytes]:
    assert _GEOMETRY is not None
    return [page_content(placements, _GEOMETRY, extra) for placements, extra in chunk]


def render_pages(pages: Iterable[PageJob], geometry: Geometry, workers: int | None = None,
                 chunk: int = 256, small: int = 2000) -> Iterator[tuple[bytes, PageBoxes]]:
    """Compressed content of every page, in order, on both cores when it pays.

    Pages are consumed lazily with at most a few chunks in flight, so memory
    does not grow with the number of pages and the workers never wait for the
    writer; page boxes stay in this process (only placements travel).  Runs
    under ``small`` pages stay in-process: spawning workers costs about a second.
    """
    iterator = iter(pages)
    head = list(itertools.islice(iterator, small))
    count = workers if workers is not None else min(os.cpu_count() or 1, 2)
    if count <= 1 or len(head) < small:
        yield from ((page_content(placements, geometry, extra), boxes)
                    for placements, extra, boxes in itertools.chain(head, iterator))
        return
    in_flight = threading.BoundedSemaphore(4 * count)
    boxes: collections.deque[list[PageBoxes]] = collections.deque()

    def feed() -> Iterator[list[WorkerJob]]:  # runs in the pool's feeder thread
        for part in _chunked(itertools.chain(head, iterator), chunk):
            in_flight.acquire()
            boxes.append([job[2] for job in part])
            yield [(job[0], job[1]) for job in part]

    context = multiprocessing.get_context("spawn")
    with context.Pool(count, initializer=_init_pool, initargs=(geometry,)) as pool:
        for contents in pool.imap(_pages, feed()):
            in_flight.release()
            yield from zip(contents, boxes.popleft(), strict=True)


def _chunked(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while part := list(itertools.islice(items, size)):
        yield part


def page_boxes(master: bytes) -> list[PageBoxes]:
    """Media, trim and bleed boxes of each master page."""
    with open_pdf(master) as pdf:
        result = []
        for page in pdf.pages:
            media = _box4(page.obj.MediaBox)
            result.append(PageBoxes(media, _box4(page.obj.get("/TrimBox", page.obj.MediaBox)),
                                    _box4(page.obj.get("/BleedBox", page.obj.MediaBox))))
        return result


def _box4(value: Any) -> tuple[float, float, float, float]:
    a, b, c, d = (float(v) for v in value)
    return (a, b, c, d)


def write_pieces(path: Path, master: Master, pieces: Iterable[Piece], count: int, font_path: Path,
                 label: str, error_correction: str = "M", imprints: bytes | None = None,
                 workers: int | None = None) -> None:
    """One print file: every piece a page (or pages) reusing the master, written atomically."""
    base, advances = build_base([master.pdf], imprints, font_path, label)
    shape = geometry([master], error_correction, advances)
    boxes = page_boxes(master.pdf)
    jobs = (((Placement(piece),), b"", boxes[piece.page]) for piece in pieces)
    with atomic_open(path) as handle:
        stream_pages(handle, base, render_pages(jobs, shape, workers), count)
