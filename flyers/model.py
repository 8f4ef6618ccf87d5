"""The types the pipeline's stages hand each other, in one place.

A master (rendered once per language and format) carries where its variable
parts go; the stamping stage and the variable-data engine draw pieces onto it.
Rendering, stamping, the batch, the ticket and the tests all read these, so
they live apart from any stage: importing a type never imports WeasyPrint or
pikepdf.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from .defaults import DEFAULTS


@dataclass(frozen=True)
class PrintOptions:
    """How a master is rendered: print (bleed, CMYK output intent) or plain."""

    bleed_in: float = DEFAULTS.bleed_in
    profile: Path | None = None


@dataclass(frozen=True)
class Slot:
    """The QR area of one page, in PDF points from the trim box's lower-left corner."""

    page: int
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Area:
    """A reserved rectangle (the imprint's), in points from the trim box's lower-left corner."""

    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Master:
    """A rendered master PDF and where its variable parts go."""

    pdf: bytes
    pages: int
    font_size_pt: float
    slots: tuple[Slot, ...]
    text: str  # visible text of the page(s), for coverage checks and the site
    imprints: tuple[Area, ...] = ()
    key: str = ""  # the content hash it is cached under
    layout: tuple[str, ...] = ()  # what the layout checks found (preflight.layout_problems); () = fine
    home_pdf: bytes = b""  # the same layout for screens and home printers: tagged, no output intent


class Piece(NamedTuple):
    """One printed piece: which master page, which link, imprint and serial.

    NamedTuples rather than dataclasses: tens of thousands of them cross to the
    worker processes, and tuples pickle several times faster.
    """

    page: int = 0
    link: str | None = None
    imprint: int | None = None  # index of the imprint form (/I<n>)
    serial: int | None = None


Matrix = tuple[float, float, float, float, float, float]  # a PDF transform (a, b, c, d, e, f)
IDENTITY: Matrix = (1, 0, 0, 1, 0, 0)


class Placements(NamedTuple):
    """The pieces of one output page, ``pieces[i]`` drawn under ``matrices[i]``.

    Two parallel tuples rather than a pair per piece: a layout's matrices are one
    tuple shared by every sheet of that layout, and a sheet of copies repeats one
    piece, so a chunk of pages pickles each only once on its way to the workers
    (pickle memoises by identity): 20 times less pickling than a pair per piece.
    """

    pieces: tuple[Piece, ...]
    matrices: tuple[Matrix, ...] = (IDENTITY,)

    @classmethod
    def one(cls, piece: Piece) -> Placements:
        """A page holding ``piece`` alone, untransformed (a proof page, a PDF/VT piece)."""
        return cls((piece,))

