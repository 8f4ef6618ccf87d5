"""QR codes as vector PDF drawing operators in 100% K.

zxing-cpp's encoder (a compiled library, also our decoder in checks) makes the
module matrix in about 0.2 ms; the matrix becomes a handful of rectangles
(horizontal runs merged down identical rows), drawn in module units under one
``cm`` so each code costs a few hundred bytes of content stream.  A QR carries
only a link: a language, and for distributor runs a distributor code -- never
anything about a person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import zxingcpp

QUIET_ZONE = 4  # modules of white around the symbol (ISO/IEC 18004)
MM_PER_PT = 25.4 / 72


class QRError(ValueError):
    """The link cannot be encoded at the requested size or error correction."""


@dataclass(frozen=True)
class QRCode:
    """A QR symbol: its dark modules and its size in modules (without quiet zone)."""

    link: str
    modules: np.ndarray  # bool, True = dark

    @property
    def size(self) -> int:
        return int(self.modules.shape[0])

    @property
    def size_with_quiet_zone(self) -> int:
        return self.size + 2 * QUIET_ZONE


def encode(link: str, error_correction: str = "M") -> QRCode:
    """Encode ``link`` (error correction M or better) as a module matrix."""
    try:
        barcode = zxingcpp.create_barcode(link, zxingcpp.BarcodeFormat.QRCode, ec_level=error_correction)
    except Exception as exc:  # zxing raises plain exceptions for oversize input
        raise QRError(f"cannot encode {link!r} as a QR code: {exc}") from None
    image = np.asarray(barcode.to_image(scale=1, add_quiet_zones=False))
    return QRCode(link=link, modules=image < 128)


def module_mm(code: QRCode, printed_size_pt: float) -> float:
    """Printed size of one module in mm when the code (with quiet zone) fills the slot."""
    return printed_size_pt / code.size_with_quiet_zone * MM_PER_PT


def rectangles(modules: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Dark areas as (x, y, width, height) in modules, y measured from the top row.

    Horizontal runs are found per row, then a run identical to the one just
    above extends that rectangle downwards, which roughly halves the count.
    """
    rects: list[list[int]] = []
    open_runs: dict[tuple[int, int], list[int]] = {}
    for y, row in enumerate(modules):
        padded = np.concatenate(([False], row, [False]))
        edges = np.flatnonzero(padded[1:] != padded[:-1])
        current: dict[tuple[int, int], list[int]] = {}
        for start, stop in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            key = (start, stop)
            rect = open_runs.get(key)
            if rect is not None and rect[1] + rect[3] == y:
                rect[3] += 1
            else:
                rect = [start, y, stop - start, 1]
                rects.append(rect)
            current[key] = rect
        open_runs = current
    return [(r[0], r[1], r[2], r[3]) for r in rects]


def pdf_operators(code: QRCode, x: float, y: float, size: float) -> bytes:
    """Content-stream operators drawing ``code`` (quiet zone included) in a square slot.

    ``x``, ``y`` is the slot's lower-left corner and ``size`` its side, in points.
    The quiet zone is left unpainted: the paper is the white.
    """
    scale = size / code.size_with_quiet_zone
    n = code.size
    origin_x = x + QUIET_ZONE * scale
    origin_y = y + QUIET_ZONE * scale
    body = " ".join(f"{rx} {n - ry - rh} {rw} {rh} re" for rx, ry, rw, rh in rectangles(code.modules))
    return (f"q 0 0 0 1 k {scale:.4f} 0 0 {scale:.4f} {origin_x:.3f} {origin_y:.3f} cm "
            f"{body} f Q\n").encode("ascii")
