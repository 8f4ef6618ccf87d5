"""What the workers draw: the content of a page of pieces, and of an order line's form.

Kept apart from vdp.py (which assembles files with pikepdf) so the worker
processes import only this, the QR encoder and the shared types: each worker
then costs about 30 MB instead of the 70 MB a full import of the engine takes.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from .model import Area, Matrix, Piece, Placements, Slot
from .qr import encode, pdf_operators

if TYPE_CHECKING:
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


def piece_operators(piece: Piece, geometry: Geometry) -> bytes:
    """Content operators for one piece in master coordinates (trim origin).

    A piece of an order line (``piece.imprint``: the line) draws the line's form for
    its page, which holds the QR code and the imprint; a piece of no line, its QR inline.
    """
    ops = [b"q /M%d Do Q" % piece.page]
    slot, area = geometry.slot(piece.page), geometry.area(piece.page)
    if piece.imprint is not None and (slot is not None or area is not None):
        ops.append(b"/%s Do" % form_name(piece.imprint, piece.page))
    elif piece.link and slot is not None:
        ops.append(_qr_operators(piece.link, geometry.error_correction, slot.x, slot.y, slot.size))
    if area is not None and piece.serial is not None:
        ops.append(serial_operators(f"#{piece.serial:06d}", area, geometry.digit_advance))
    return b"\n".join(ops)


def form_name(line: int, page: int) -> bytes:
    """The name of order line ``line``'s form for master page ``page``."""
    return b"I%d.%d" % (line, page)


@functools.lru_cache(maxsize=1024)
def _qr_operators(link: str, error_correction: str, x: float, y: float, size: float) -> bytes:
    """A link's QR operators, encoded once for the copies of a piece on a sheet (and its proof)."""
    return pdf_operators(encode(link, error_correction), x, y, size)


class FormJob(NamedTuple):
    """A line form to make: the line's QR link and its imprint (placed) on one master page."""

    line: int
    page: int
    link: str | None
    imprint: bytes


class Form(NamedTuple):
    """A line form made: its name, compressed content and bounding box."""

    name: bytes
    content: bytes
    bbox: Box


def form_content(job: FormJob, geometry: Geometry) -> Form:
    """The line form: the QR code in the page's slot and the imprint in its area."""
    ops: list[bytes] = []
    boxes: list[Box] = []
    slot, area = geometry.slot(job.page), geometry.area(job.page)
    if job.link and slot is not None:
        ops.append(_qr_operators(job.link, geometry.error_correction, slot.x, slot.y, slot.size))
        boxes.append((slot.x, slot.y, slot.x + slot.size, slot.y + slot.size))
    if job.imprint and area is not None:
        ops.append(job.imprint)
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


def page_content(placements: Placements, geometry: Geometry, extra: bytes = b"") -> bytes:
    """One output page's content stream, compressed.

    A copies-mode sheet repeats one piece 10 or 21 times: its operators are made
    once per page, and the sheet's few transforms once per process."""
    parts = []
    made: dict[Piece, bytes] = {}
    for piece, matrix in zip(*placements, strict=True):
        ops = made.get(piece)
        if ops is None:
            ops = made[piece] = piece_operators(piece, geometry)
        parts.append(b"q %s cm\n%s\nQ" % (_matrix(matrix), ops))
    if extra:
        parts.append(extra)
    return zlib.compress(b"\n".join(parts), PAGE_COMPRESSION)


# zlib level: 1 is 2.5x faster on a 21-up sheet but its pages are 15-50 % larger (measured)
PAGE_COMPRESSION = 4


@functools.lru_cache(maxsize=4096)
def _matrix(matrix: Matrix) -> bytes:
    return b" ".join(b"%.4f" % v for v in matrix)


_GEOMETRY: Geometry | None = None


def _init_pool(geometry: Geometry) -> None:
    global _GEOMETRY  # worker-process state: set once per worker, read by _pages
    _GEOMETRY = geometry


WorkerJob = tuple[Placements, bytes, tuple[FormJob, ...]]


def _render(job: WorkerJob, geometry: Geometry) -> tuple[bytes, tuple[Form, ...]]:
    placements, extra, forms = job
    return page_content(placements, geometry, extra), tuple(form_content(f, geometry) for f in forms)


def _pages(chunk: list[WorkerJob]) -> list[tuple[bytes, tuple[Form, ...]]]:
    assert _GEOMETRY is not None
    return [_render(job, _GEOMETRY) for job in chunk]
