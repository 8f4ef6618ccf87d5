"""Read stamped imprints back from a PDF: which glyphs stand where, as a reader sees them.

Imprints are glyph outlines (shared Form XObjects), not text, so there is no
text to extract.  Each glyph form's path is compared with the outlines the
workspace fonts draw for the characters we expect, which names the character;
the transforms on the way down (page, imprint form, glyph form) give where it
stands and how large.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import pikepdf
from fontTools.ttLib import TTFont

from flyers.typeset import _PdfPen

FONTS = Path(__file__).resolve().parent.parent / "fonts"


class Placed(NamedTuple):
    char: str  # "?" for a glyph none of the expected characters draws (a joined form...)
    x: float  # glyph origin on the page, points
    y: float
    size: float  # type size on the page, points


def outlines(chars: Iterable[str], fonts: Iterable[str] | None = None) -> dict[bytes, str]:
    """The PDF path each font draws for each character (isolated form), mapped to the character."""
    return _outlines(frozenset(chars), tuple(fonts) if fonts is not None else None)


@functools.lru_cache(maxsize=32)
def _outlines(chars: frozenset[str], fonts: tuple[str, ...] | None) -> dict[bytes, str]:
    table: dict[bytes, str] = {}
    for path in sorted(FONTS.glob("*.[ot]tf")) if fonts is None else [FONTS / f for f in fonts]:
        font = TTFont(path, lazy=True)
        cmap, glyph_set = font.getBestCmap(), font.getGlyphSet()
        for char in set(chars):
            if ord(char) in cmap:
                pen = _PdfPen(glyph_set)
                glyph_set[cmap[ord(char)]].draw(pen)
                if pen.ops:
                    table.setdefault(b" ".join(pen.ops) + b" f", char)
        font.close()
    return table


def _resources(page: Any) -> Any:
    node = page
    while node is not None:
        if "/Resources" in node:
            return node.Resources
        node = node.get("/Parent")
    return pikepdf.Dictionary()


def _multiply(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, ...]:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def imprint_glyphs(pdf_path: Path, page_index: int, expected: str) -> list[Placed]:
    """Every glyph drawn by the imprint forms (/I<n>) of a page, in drawing order."""
    return page_glyphs(pdf_path, page_index, expected, imprints_only=True)


def page_glyphs(pdf_path: Path, page_index: int, expected: str, imprints_only: bool = False,
                fonts: Iterable[str] | None = None) -> list[Placed]:
    """Every glyph form (/T<n>) a page draws, at any depth, in drawing order."""
    table = outlines(expected, fonts)
    found: list[Placed] = []
    with pikepdf.open(pdf_path) as pdf:
        page = pdf.pages[page_index].obj

        def walk(stream: Any, resources: Any, ctm: tuple[float, ...], inside: bool) -> None:
            stack: list[tuple[float, ...]] = []
            xobjects = resources.get("/XObject", {})
            for instruction in pikepdf.parse_content_stream(stream):
                operands, operator = instruction.operands, instruction.operator
                op = str(operator)
                if op == "q":
                    stack.append(ctm)
                elif op == "Q":
                    ctm = stack.pop()
                elif op == "cm":
                    ctm = _multiply(tuple(float(v) for v in operands), ctm)
                elif op == "Do":
                    name = str(operands[0])
                    form = xobjects.get(name)
                    if form is None:
                        continue
                    if name.startswith("/I"):
                        walk(form, form.get("/Resources", resources), ctm, True)
                    elif inside and name.startswith("/T"):
                        char = table.get(form.read_bytes(), "?")
                        found.append(Placed(char, ctm[4], ctm[5], ctm[3]))

        walk(page, _resources(page), (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), not imprints_only)
    return found


def visual_lines(glyphs: list[Placed]) -> list[str]:
    """The characters of each line, top line first, each read left to right as printed."""
    lines: list[list[Placed]] = []
    for glyph in sorted(glyphs, key=lambda g: (-round(g.y, 1), g.x)):
        if lines and abs(lines[-1][0].y - glyph.y) < 0.5 * glyph.size:
            lines[-1].append(glyph)
        else:
            lines.append([glyph])
    return ["".join(g.char for g in sorted(line, key=lambda g: g.x)) for line in lines]
