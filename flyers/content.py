"""What the workers draw: the content of a page of pieces, and of an order line's form.

Kept apart from vdp.py (which assembles files with pikepdf) so the worker
processes import only this, the QR encoder and the shared types: each worker
then costs about 30 MB instead of the 70 MB a full import of the engine takes.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from .imprints import ImprintSetter, ImprintStyle
from .model import Area, Matrix, Piece, Placements, Slot
from .qr import QRCode, encode, encode_many, pdf_operators
from .typeset import Typesetter

if TYPE_CHECKING:
    from pathlib import Path

    from .pdfwriter import Box

SERIAL_CHARS = "0123456789#"
SERIAL_SIZE_PT = 5.5


@dataclass(frozen=True)
class Geometry:
    """Where the variable parts go on each master page (points, trim origin)."""

    slots: tuple[Slot, ...]
    imprints: tuple[Area, ...]
    error_correction: str = "M"
    digit_advance: tuple[float, ...] = ()  # per SERIAL_CHARS, in em

    def slot(self, page: int) -> Slot | None:
        return next((s for s in self.slots if s.page == page), None)

    def area(self, page: int) -> Area | None:
        return next((a for a in self.imprints if a.page == page), None)


Codes = Mapping[str, QRCode]  # the QR codes of a chunk of pages, encoded together, by link


def piece_operators(piece: Piece, geometry: Geometry, codes: Codes | None = None) -> bytes:
    """Content operators for one piece in master coordinates (trim origin).

    A piece of an order line (``piece.imprint``: the line) draws the line's form for
    its page, which holds the QR code and the imprint; a piece of no line, its QR inline
    (from ``codes`` when its link is there).
    """
    ops = [b"q /M%d Do Q" % piece.page]
    slot, area = geometry.slot(piece.page), geometry.area(piece.page)
    if piece.imprint is not None and (slot is not None or area is not None):
        ops.append(b"/%s Do" % form_name(piece.imprint, piece.page))
    elif piece.link and slot is not None:
        ops.append(_qr_operators(piece.link, geometry.error_correction, slot, codes))
    if area is not None and piece.serial is not None:
        ops.append(serial_operators(f"#{piece.serial:06d}", area, geometry.digit_advance))
    return b"\n".join(ops)


def form_name(line: int, page: int) -> bytes:
    """The name of order line ``line``'s form for master page ``page``."""
    return b"I%d.%d" % (line, page)


def _qr_operators(link: str, error_correction: str, slot: Slot, codes: Codes | None) -> bytes:
    """A link's QR operators in a slot: its code from ``codes``, or encoded alone."""
    code = codes.get(link) if codes else None
    return pdf_operators(code or encode(link, error_correction), slot.x, slot.y, slot.size)


def chunk_codes(jobs: Sequence[WorkerJob], geometry: Geometry) -> dict[str, QRCode]:
    """Every QR code a chunk of pages draws, encoded together (masks scored at once: 4x cheaper)."""
    links: dict[str, None] = {}
    for placements, _, forms in jobs:
        for piece in placements.pieces:
            if piece.link and piece.imprint is None and geometry.slot(piece.page) is not None:
                links[piece.link] = None
        for form in forms:
            if form.link and geometry.slot(form.page) is not None:
                links[form.link] = None
    unique = list(links)
    return dict(zip(unique, encode_many(unique, geometry.error_correction), strict=True))


class FormJob(NamedTuple):
    """A line form to make on one master page: the line's QR link and its imprint, as the
    distributor name and language tag to set it in (set where the form is made)."""

    line: int
    page: int
    link: str | None
    imprint: tuple[str, str] | None


class Form(NamedTuple):
    """A line form made: its name, compressed content and bounding box."""

    name: bytes
    content: bytes
    bbox: Box


def form_content(job: FormJob, geometry: Geometry, codes: Codes | None = None,
                 imprints: ImprintSetter | None = None) -> Form:
    """The line form: the QR code in the page's slot and the imprint in its area."""
    ops: list[bytes] = []
    boxes: list[Box] = []
    slot, area = geometry.slot(job.page), geometry.area(job.page)
    if job.link and slot is not None:
        ops.append(_qr_operators(job.link, geometry.error_correction, slot, codes))
        boxes.append((slot.x, slot.y, slot.x + slot.size, slot.y + slot.size))
    if job.imprint and imprints is not None and area is not None:
        ops.append(imprints.operators(*job.imprint, area))
        # Glyph ink may stand a little outside the line boxes the imprint is fitted by.
        pad = area.height
        boxes.append((area.x - pad, area.y - pad, area.x + area.width + pad, area.y + area.height + pad))
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
            max(b[3] for b in boxes)) if boxes else (0.0, 0.0, 0.0, 0.0)
    return Form(form_name(job.line, job.page), zlib.compress(b"\n".join(ops), PAGE_COMPRESSION), bbox)


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


def page_content(placements: Placements, geometry: Geometry, extra: bytes = b"", codes: Codes | None = None) -> bytes:
    """One output page's content stream, compressed.

    A copies-mode sheet repeats one piece 10 or 21 times: its operators are made
    once per page, and the sheet's few transforms once per process."""
    parts = []
    made: dict[Piece, bytes] = {}
    for piece, matrix in zip(*placements, strict=True):
        ops = made.get(piece)
        if ops is None:
            ops = made[piece] = piece_operators(piece, geometry, codes)
        parts.append(b"q %s cm\n%s\nQ" % (_matrix(matrix), ops))
    if extra:
        parts.append(extra)
    return zlib.compress(b"\n".join(parts), PAGE_COMPRESSION)


# zlib level: 1 is 2.5x faster on a 21-up sheet but its pages are 15-50 % larger (measured)
PAGE_COMPRESSION = 4


@functools.lru_cache(maxsize=4096)
def _matrix(matrix: Matrix) -> bytes:
    return b" ".join(b"%.4f" % v for v in matrix)


Imprinting = tuple["tuple[Path, ...]", Mapping[str, ImprintStyle]]  # a typesetter's files, the styles by tag


@dataclass
class _WorkerState:
    """A worker process's state, set once by :func:`_init_pool`: the geometry, and an imprint
    setter whose glyphs drawn are reported with each chunk (only those not reported yet)."""

    geometry: Geometry | None = None
    imprints: ImprintSetter | None = None
    reported: set[int] = field(default_factory=set)


_WORKER = _WorkerState()


def _init_pool(geometry: Geometry, imprinting: Imprinting | None) -> None:
    _WORKER.geometry = geometry
    if imprinting is not None:
        files, styles = imprinting
        _WORKER.imprints = ImprintSetter(Typesetter(None, files), styles)


WorkerJob = tuple[Placements, bytes, tuple[FormJob, ...]]
Rendered = list[tuple[bytes, tuple[Form, ...]]]


def render_chunk(chunk: Sequence[WorkerJob], geometry: Geometry,
                 imprints: ImprintSetter | None = None) -> Rendered:
    """Each page's content and new line forms, the chunk's QR codes encoded first, together."""
    codes = chunk_codes(chunk, geometry)
    return [(page_content(placements, geometry, extra, codes),
             tuple(form_content(f, geometry, codes, imprints) for f in forms))
            for placements, extra, forms in chunk]


def _pages(chunk: list[WorkerJob]) -> tuple[Rendered, tuple[int, ...]]:
    """A worker's chunk: its pages, and the glyph forms first drawn in this worker."""
    assert _WORKER.geometry is not None
    rendered = render_chunk(chunk, _WORKER.geometry, _WORKER.imprints)
    if _WORKER.imprints is None:
        return rendered, ()
    new = _WORKER.imprints.typesetter.glyphs - _WORKER.reported
    _WORKER.reported |= new
    return rendered, tuple(new)
