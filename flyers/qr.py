"""QR codes: which link a flyer carries, and the code as vector PDF operators in 100% K.

zxing-cpp's encoder (a compiled library, also our decoder in checks) makes the
module matrix in about 0.2 ms; the matrix becomes a handful of rectangles
(horizontal runs merged down identical rows), drawn in module units under one
``cm`` so each code costs a few hundred bytes of content stream.  A QR carries
only a link: a language, and for distributor runs a distributor code -- never
anything about a person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import zxingcpp

from . import qrmask
from .errors import FlyersError

if TYPE_CHECKING:  # types only: the campaign and catalogs never need this module's drawing code
    from .campaign import Campaign, Format
    from .catalogs import LoadedCatalog
    from .languages import Language
    from .model import Master

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
    return QRCode(link=link, modules=_modules(link, error_correction))


def encode_many(links: Sequence[str], error_correction: str = "M") -> list[QRCode]:
    """The same symbols as :func:`encode` for each link, their masks chosen all at once.

    A page worker's chunk of order lines holds a few hundred links: made with mask 0
    and their masks scored together (see :mod:`qrmask`), a symbol costs about 0.08 ms
    instead of 0.17.  Symbols wider than :data:`qrmask.WIDEST` keep zxing-cpp's own choice.
    """
    plain = [_modules(link, error_correction, mask=0) for link in links]
    chosen = {i: _modules(links[i], error_correction) for i, m in enumerate(plain) if m.shape[0] > qrmask.WIDEST}
    for size in {m.shape[0] for m in plain if m.shape[0] <= qrmask.WIDEST}:
        indices = [i for i, m in enumerate(plain) if m.shape[0] == size]
        chosen.update(zip(indices, qrmask.choose(np.stack([plain[i] for i in indices]), error_correction),
                          strict=True))
    return [QRCode(link=link, modules=chosen[i]) for i, link in enumerate(links)]


def _modules(link: str, error_correction: str, mask: int | None = None) -> np.ndarray:
    """zxing-cpp's symbol of ``link`` as a bool matrix, True = dark; its own mask unless ``mask``."""
    options = {} if mask is None else {"data_mask": mask}
    try:
        barcode = zxingcpp.create_barcode(link, zxingcpp.BarcodeFormat.QRCode, ec_level=error_correction, **options)
    except Exception as exc:  # zxing raises plain exceptions for oversize input
        raise QRError(f"cannot encode {link!r} as a QR code: {exc}") from None
    return np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) < 128


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


# --- the link policy: which link a flyer's QR carries, and whether it may print ---------


def qr_link(campaign: Campaign, tag: str) -> str:
    """The link a flyer's QR carries: the language's site page when a site is set."""
    if campaign.site_url:
        return f"{campaign.site_url}/{tag}/"
    return campaign.qr.link_for(tag)


def qr_code(campaign: Campaign, language: Language, fmt: Format, master: Master) -> QRCode | None:
    """The language's QR code, checked to print with modules of at least the minimum size."""
    if not fmt.has_qr:
        return None
    link = qr_link(campaign, language.tag)
    code = encode(link, campaign.qr.error_correction)
    smallest = min(module_mm(code, slot.size) for slot in master.slots)
    if smallest + 1e-9 < campaign.qr.min_module_mm:
        raise FlyersError(
            f"campaign.toml [qr] link: {link!r} needs a {code.size}-module code; at {fmt.name}'s "
            f"qr_size its modules print at {smallest:.2f} mm, below min_module_mm "
            f"{campaign.qr.min_module_mm} mm; shorten the link or enlarge [formats.{fmt.name}] qr_size"
        )
    return code


def qr_alt(catalog: LoadedCatalog, link: str) -> str:
    """The QR code's alternative text in the flyer's language: its caption and its link."""
    caption = catalog.gettext("Scan for more information and help:") or ""
    return f"QR: {caption} {link}".replace("  ", " ").strip()


def refuse_placeholder_link(campaign: Campaign, formats: tuple[str, ...]) -> None:
    """A generic workspace's QR leads to a placeholder: refuse to print it."""
    if campaign.site_url or not campaign.qr.is_placeholder:
        return
    with_qr = [name for name in formats if campaign.formats[name].has_qr]
    if with_qr:
        raise FlyersError(
            f"{campaign.root / 'campaign.toml'}: [qr] link: {campaign.qr.link!r} is the placeholder of a new "
            f"workspace; set it (and [qr] display) to your campaign's page before printing "
            f"{', '.join(with_qr)}"
        )
