"""Imposition: pieces on press sheets, crop marks, duplex alignment, cut-and-stack.

Pieces keep their full 0.125 in bleed: neighbours sit a double bleed apart
(0.25 in gutter), so each cut has clean bleed on both sides.  Marks are drawn
outside the imposed block, beyond the bleed, in registration colour (/All),
because WeasyPrint's own marks are RGB and sit on every page.  Sheets are kept
portrait; a piece is turned 90 degrees when that fits more.  Backs mirror their
fronts across the sheet's vertical axis: flip on the long edge.

Every sheet is safe to print: nothing (bleed, mark or slug) comes within
EDGE (0.375 in) of the sheet's edge, which covers a press's usual 4 mm
non-printing edge and its gripper.  With marks 0.375 in beyond the trim, that
asks for 0.75 in between the trim and the sheet edge (0.875 in at the foot,
where the slug line runs), which is why the defaults are 13x19: on 12x18,
four half-letters or two letters leave only 0.5 in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .defaults import PT, SHEETS
from .errors import FlyersError

MARK_OFFSET = 0.0625 * PT  # gap between the bleed edge and a mark
MARK_LENGTH = 0.1875 * PT
MARK_MARGIN = 0.375 * PT  # room on every side of the block: bleed + offset + mark
MARK_WIDTH = 0.25  # points (hairline for print)
EDGE = 0.375 * PT  # no ink this close to the sheet edge (non-printing edge and gripper)
SLUG_SIZE = 6.0  # points: the slug line's type size
SLUG_BAND = 0.15 * PT  # under the foot marks: the slug line (6 pt type, its descenders and a gap)


@dataclass(frozen=True)
class SlotPosition:
    """Where one piece's trim box lands on the sheet, and its rotation (0 or 90)."""

    x: float  # lower-left corner of the trim box as it appears on the sheet
    y: float
    width: float  # as placed (swapped when rotated)
    height: float
    rotation: int

    def matrix(self, trim_width: float, trim_height: float) -> tuple[float, float, float, float, float, float]:
        """The transform taking master coordinates (trim origin) onto the sheet."""
        if self.rotation == 0:
            return (1, 0, 0, 1, self.x, self.y)
        if self.rotation == 90:  # turn counter-clockwise: the trim's right edge lands at the bottom
            return (0, 1, -1, 0, self.x + trim_height, self.y)
        return (0, -1, 1, 0, self.x, self.y + trim_width)  # 270


@dataclass(frozen=True)
class SheetLayout:
    """How one format imposes on one sheet size."""

    sheet: str
    width: float
    height: float
    trim: tuple[float, float]
    bleed: float
    fronts: tuple[SlotPosition, ...]
    backs: tuple[SlotPosition, ...]  # empty when single-sided

    @property
    def per_sheet(self) -> int:
        return len(self.fronts)

    @property
    def sides(self) -> int:
        return 2 if self.backs else 1


def layout(sheet: str, trim_width: float, trim_height: float, bleed: float, duplex: bool) -> SheetLayout:
    """The grid with the most pieces on the sheet, centred, pieces turned if that fits more."""
    if sheet not in SHEETS:
        raise FlyersError(f"--sheet: unknown sheet {sheet!r}; choose one of {', '.join(SHEETS)}")
    width, height = SHEETS[sheet]
    gutter = 2 * bleed
    room_w = width - 2 * (EDGE + MARK_MARGIN)  # for the trimmed pieces and their gutters
    room_h = height - 2 * (EDGE + MARK_MARGIN) - SLUG_BAND
    best: tuple[int, int, int, float, float] | None = None
    for rotation in (0, 90):
        w, h = (trim_width, trim_height) if rotation == 0 else (trim_height, trim_width)
        cols = math.floor((room_w + gutter) / (w + gutter))
        rows = math.floor((room_h + gutter) / (h + gutter))
        if cols * rows > 0 and (best is None or cols * rows > best[0] * best[1]):
            best = (cols, rows, rotation, w, h)
    if best is None:
        raise FlyersError(f"a {trim_width / PT:g} x {trim_height / PT:g} in piece with bleed, marks and slug does "
                          f"not fit {EDGE / PT:g} in inside a {sheet} sheet's edge; choose a larger --sheet")
    cols, rows, rotation, w, h = best
    block_w, block_h = cols * w + (cols - 1) * gutter, rows * h + (rows - 1) * gutter
    # Centred across; up the sheet, centred in what is left above the slug band.
    left = (width - block_w) / 2
    bottom = SLUG_BAND + (height - SLUG_BAND - block_h) / 2
    fronts = []
    for row in range(rows):  # reading order: top row first, left to right
        y = bottom + (rows - 1 - row) * (h + gutter)
        for col in range(cols):
            fronts.append(SlotPosition(round(left + col * (w + gutter), 3), round(y, 3), w, h, rotation))
    backs = tuple(SlotPosition(round(width - s.x - s.width, 3), s.y, s.width, s.height,
                               (360 - s.rotation) % 360 if s.rotation else 0) for s in fronts) if duplex else ()
    return SheetLayout(sheet, width, height, (trim_width, trim_height), bleed, tuple(fronts), backs)


def crop_marks(sheet: SheetLayout, slots: tuple[SlotPosition, ...]) -> bytes:
    """Marks at every trim line, outside the block, in registration colour."""
    xs = sorted({v for s in slots for v in (s.x, s.x + s.width)})
    ys = sorted({v for s in slots for v in (s.y, s.y + s.height)})
    left, right = min(xs) - sheet.bleed - MARK_OFFSET, max(xs) + sheet.bleed + MARK_OFFSET
    bottom, top = min(ys) - sheet.bleed - MARK_OFFSET, max(ys) + sheet.bleed + MARK_OFFSET
    lines = []
    for x in xs:
        lines.append((x, bottom - MARK_LENGTH, x, bottom))
        lines.append((x, top, x, top + MARK_LENGTH))
    for y in ys:
        lines.append((left - MARK_LENGTH, y, left, y))
        lines.append((right, y, right + MARK_LENGTH, y))
    path = b" ".join(b"%.3f %.3f m %.3f %.3f l" % line for line in lines)
    return b"q /Reg CS 1 SCN %.2f w 0 J %s S Q" % (MARK_WIDTH, path)


def slug_origin(sheet: SheetLayout, slots: tuple[SlotPosition, ...] | None = None) -> tuple[float, float, float]:
    """Where the slug line starts (x, baseline) and how wide it may run: under the foot
    marks, left-aligned with the block (``slots``: a side's positions), never nearer the edge than EDGE."""
    slots = slots or sheet.fronts
    left = min(s.x for s in slots) - sheet.bleed
    foot = min(s.y for s in slots) - MARK_MARGIN  # the lower end of the foot marks
    baseline = foot - 0.05 * PT - 0.75 * SLUG_SIZE
    return left, baseline, sheet.width - EDGE - left


def slug_box(sheet: SheetLayout) -> tuple[float, float]:
    """The slug line's lowest and highest ink (descenders to ascenders), in points up the sheet."""
    _, baseline, _ = slug_origin(sheet)
    return baseline - 0.3 * SLUG_SIZE, baseline + 1.0 * SLUG_SIZE


def lifts(sheets: int, lift: int | None) -> list[tuple[int, int]]:
    """Sheet ranges (0-based, end exclusive) of the stacks the guillotine cuts one at a time."""
    size = lift if lift and lift > 0 else max(1, sheets)
    return [(first, min(first + size, sheets)) for first in range(0, max(1, sheets), size)]


def sheet_count(count: int, per_sheet: int) -> int:
    """Sheets ``count`` pieces take at ``per_sheet`` a sheet (at least one)."""
    return max(1, math.ceil(count / per_sheet))


def cut_and_stack(count: int, per_sheet: int, lift: int | None = None) -> list[list[int | None]]:
    """Piece index at each slot of each sheet so that cut stacks come out in order.

    Within a lift of S sheets holding pieces from P on, slot j of sheet k holds
    piece P + j*S + k: after cutting the lift, the stack under slot j holds its
    pieces in order, and the stacks put one on another give the lift's pieces in
    order; lift after lift gives 0 .. count-1.  ``lift`` (sheets per stack, for a
    guillotine that cuts so many at a time) defaults to one stack of every sheet.
    Missing pieces (None) are left blank.
    """
    sheets = sheet_count(count, per_sheet)
    plan: list[list[int | None]] = []
    for first, end in lifts(sheets, lift):
        size, start = end - first, first * per_sheet
        plan += [[(start + j * size + k) if start + j * size + k < count else None for j in range(per_sheet)]
                 for k in range(size)]
    return plan


def simulate_cut(plan: list[list[int | None]], lift: int | None = None) -> list[int]:
    """What comes off the guillotine: lift by lift, stacks by slot, sheet order within a stack."""
    per_sheet = len(plan[0]) if plan else 0
    result: list[int] = []
    for first, end in lifts(len(plan), lift):
        for slot in range(per_sheet):
            result.extend(p for sheet in plan[first:end] if (p := sheet[slot]) is not None)
    return result
