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


def rectangles(modules: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Dark runs of each row as (x, y, width) arrays in modules, y from the bottom row.

    Runs are found for the whole matrix at once with numpy: a piece's QR costs
    about 0.1 ms here, which is what makes 30,000 unique codes cheap.
    """
    n = modules.shape[0]
    padded = np.zeros((n, n + 2), dtype=np.int8)
    padded[:, 1:-1] = modules
    steps = np.diff(padded, axis=1)
    rows, starts = np.nonzero(steps == 1)
    _, stops = np.nonzero(steps == -1)
    return starts, n - 1 - rows, stops - starts


def module_operators(code: QRCode) -> bytes:
    """The dark modules as ``x y w 1 re`` operators in module units (no fill, no colour)."""
    xs, ys, widths = rectangles(code.modules)
    return b" ".join([b"%d %d %d 1 re" % run for run in zip(xs.tolist(), ys.tolist(), widths.tolist(), strict=True)])


def pdf_operators(code: QRCode, x: float, y: float, size: float) -> bytes:
    """Content-stream operators drawing ``code`` (quiet zone included) in a square slot.

    ``x``, ``y`` is the slot's lower-left corner and ``size`` its side, in points.
    The quiet zone is left unpainted: the paper is the white.  100% K only.
    """
    scale = size / code.size_with_quiet_zone
    origin_x = x + QUIET_ZONE * scale
    origin_y = y + QUIET_ZONE * scale
    return (b"q 0 0 0 1 k %.4f 0 0 %.4f %.3f %.3f cm " % (scale, scale, origin_x, origin_y)
            + module_operators(code) + b" f Q\n")
