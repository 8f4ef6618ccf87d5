"""The variable-data engine: pieces that reuse the master, each with its own QR and serial."""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest

from flyers import preflight
from flyers.build import BuildRequest, masters, plan
from flyers.content import SERIAL_CHARS
from flyers.model import Master, Piece
from flyers.vdp import write_pieces

from .conftest import copy_workspace

PIECES = 2500  # above the in-process threshold: the worker pool is exercised too
DPI = 150


def link(index: int) -> str:
    return f"https://www.nyc.gov/immigrants?src=T{index % 7:03d}&n={index:05d}"


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Master:
    root = copy_workspace(tmp_path_factory.mktemp("stamp") / "campaign")
    rendered, _ = masters(plan(BuildRequest(root=root, out=root / "output", languages=("es",),
                                            formats=("letter",))))
    return rendered[("es", "letter")]


@pytest.fixture(scope="module")
def stamped(master: Master, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pieces") / "pieces.pdf"
    font = Path(__file__).resolve().parent.parent / "fonts" / "NotoSans-Regular.ttf"
    write_pieces(out, master, (Piece(0, link(i), None, i + 1) for i in range(PIECES)), PIECES, font, "test")
    return out


def sampled(count: int) -> list[int]:
    return sorted({0, count - 1, *random.Random(13).sample(range(count), 3)})


def test_page_count_and_boxes_survive(stamped: Path, master: Master) -> None:
    with pikepdf.open(stamped) as pdf, pikepdf.open(__import__("io").BytesIO(master.pdf)) as source:
        assert len(pdf.pages) == PIECES
        want = {box: [float(v) for v in source.pages[0].obj[box]] for box in ("/MediaBox", "/TrimBox", "/BleedBox")}
        for index in sampled(PIECES):
            page = pdf.pages[index].obj
            assert {box: [float(v) for v in page[box]] for box in want} == want
        assert want["/BleedBox"] == [-9.0, -9.0, 621.0, 801.0]  # the bleed is kept


@pytest.mark.parametrize("index", sampled(PIECES))
def test_sampled_pieces_decode_to_their_own_link(stamped: Path, index: int) -> None:
    assert preflight.decode_qr(stamped, index, dpi=DPI) == [link(index)]


def serial_of(content: bytes) -> str:
    """Read the serial back from the glyph forms the page draws (/G0../G10)."""
    return "".join(SERIAL_CHARS[int(n)] for n in re.findall(rb"/G(\d+) Do", content))


def test_serials_are_in_order(stamped: Path) -> None:
    with pikepdf.open(stamped) as pdf:
        for index in sampled(PIECES):
            assert serial_of(pdf.pages[index].Contents.read_bytes()) == f"#{index + 1:06d}"


def raster(pdf: bytes | Path, page: int) -> np.ndarray:
    document = pdfium.PdfDocument(pdf if isinstance(pdf, bytes) else str(pdf))
    try:
        return np.asarray(document[page].render(scale=DPI / 72, grayscale=True).to_pil())
    finally:
        document.close()


def test_outside_the_variable_zone_each_page_is_the_master(stamped: Path, master: Master) -> None:
    plain = raster(master.pdf, 0)
    height = plain.shape[0]
    mask = np.ones(plain.shape, dtype=bool)
    bleed = 9.0  # the raster starts at the media box (bleed) corner
    zones = [(s.x, s.y, s.size, s.size) for s in master.slots]
    zones += [(a.x, a.y, a.width, a.height) for a in master.imprints]
    for x, y, w, h in zones:
        left, right = int((x + bleed) * DPI / 72) - 2, int((x + bleed + w) * DPI / 72) + 3
        top, bottom = int(height - (y + bleed + h) * DPI / 72) - 2, int(height - (y + bleed) * DPI / 72) + 3
        mask[max(top, 0):bottom, max(left, 0):right] = False
    for index in sampled(PIECES):
        page = raster(stamped, index)
        assert page.shape == plain.shape
        assert np.array_equal(page[mask], plain[mask]), f"page {index} differs outside the variable zone"
        assert not np.array_equal(page[~mask], plain[~mask])  # and the QR really is there


def test_same_pieces_same_bytes(master: Master, stamped: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.pdf"
    font = Path(__file__).resolve().parent.parent / "fonts" / "NotoSans-Regular.ttf"
    write_pieces(again, master, (Piece(0, link(i), None, i + 1) for i in range(PIECES)), PIECES, font, "test")
    assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(stamped.read_bytes()).digest()


def test_bytes_per_page_beyond_the_master_stay_small(stamped: Path) -> None:
    data = stamped.read_bytes()
    base_end = data.index(b"%%EOF") + 5  # the shared base (master, glyphs), then the pieces
    assert (len(data) - base_end) / PIECES <= 1500
