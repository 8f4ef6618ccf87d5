"""Shaped text without a page layout: HarfBuzz runs drawn as shared glyph forms.

Imprints ("Shared by NAME"), packing lists and box labels carry text that
changes for every distributor.  Laying each out with WeasyPrint cost about
12 ms a distributor; here the text is shaped by HarfBuzz (the engine Pango,
and so WeasyPrint, uses), each glyph outline is written once as a Form
XObject, and a piece of text becomes a few dozen ``cm /Tn Do`` operators.

What a browser would do for a line of text is done here in its plain form:

* **fonts**: the language's stack, then every family of fonts.toml, as the
  flyers' CSS lists them; a character takes the first font that has it
  (spaces, digits and punctuation stay in the font of the text before them);
* **bidi**: the Unicode Bidirectional Algorithm of python-bidi resolves
  levels; an isolated part (the distributor name) is resolved as its own
  paragraph and set inside the surrounding text like U+2068..U+2069 (FSI..PDI)
  would set it, so "Congregation 003, Queens" keeps its order in Arabic or
  Yiddish text; HarfBuzz shapes every run in its direction;
* **line breaking**: UAX #14 opportunities (uniseg; after spaces when the text
  has nothing else to ask about), greedy filling, and a break anywhere in a
  word too long for a line (CSS ``overflow-wrap: anywhere``);
* **lines**: CSS inline boxes with ``line-height`` and half-leading, so the
  lines stand where WeasyPrint put them.
"""

from __future__ import annotations

import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import uharfbuzz as hb
from bidi import algorithm as uba
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from .cmaps import font_cmap, needs_glyph
from .errors import FlyersError

if TYPE_CHECKING:  # not imported at run time: the page workers shape without them (see imprints.py)
    from .fontstack import FontBook
    from .languages import Language

GLYPH_PREFIX = "/T"
SHAPED_CACHE = 512  # runs (and break points) remembered: the repeated text of packing lists and labels
# Line-break classes after which only a space (or a hyphen) opens a break: text
# made of these alone needs no UAX #14 pass (the common case, and 200 times faster).
_SIMPLE_CLASSES = frozenset({"AL", "HL", "NU", "SP", "IS", "SY", "CM", "HY", "BA", "CL", "CP", "OP", "QU",
                             "EX", "PO", "PR", "ZWJ", "GL", "BB", "ID", "NS", "B2", "AI"})
_NO_BREAK_BEFORE = frozenset({"CL", "CP", "EX", "IS", "SY", "NS", "CM", "ZWJ", "GL"})
_RTL_CLASSES = frozenset({"R", "AL", "AN"})
# Bidi classes that, in a left-to-right paragraph, resolve to level 0 whatever surrounds
# them (no right-to-left letters or Arabic digits, no explicit embeddings or isolates).
_LTR_ONLY = frozenset({"L", "EN", "ES", "ET", "CS", "NSM", "BN", "B", "S", "WS", "ON"})


class Face(NamedTuple):
    """One font file, ready to shape with."""

    path: Path
    font: Any  # uharfbuzz.Font
    upem: int
    ascender: float  # in em
    descender: float  # in em, positive below the baseline
    cmap: frozenset[int]


class Run(NamedTuple):
    """Shaped glyphs of one font and one bidi level, in visual order within the run."""

    start: int  # character offsets in the paragraph text
    end: int
    level: int
    face: int
    glyphs: tuple[tuple[int, int, float, float, float], ...]  # (cluster, gid, advance, x_off, y_off), em


@dataclass(frozen=True)
class Paragraph:
    """Shaped text before line breaking: its runs and where lines may break."""

    text: str
    runs: tuple[Run, ...]
    advances: tuple[float, ...]  # per character, in em (a cluster's width on its first character)
    base_level: int
    strut: int  # the face whose metrics every line has (the first of the stack)


class Line(NamedTuple):
    """One laid-out line: glyphs (face, gid, x, y) in em from the line start, its width and faces."""

    glyphs: tuple[tuple[int, int, float, float], ...]
    width: float
    faces: frozenset[int]
    strut: int


@dataclass
class Block:
    """Lines placed in a box: the operators and the height they used (points)."""

    ops: bytes
    width: float
    height: float
    lines: int
    scale: float = 1.0


@dataclass
class Typesetter:
    """Shapes text with the workspace fonts and records every glyph it draws.

    Face ``i`` is ``files[i]`` (every font file of the book, sorted), and glyph
    ``gid`` of face ``i`` is the Form XObject ``/T<i * 65536 + gid>``: names that
    are the same in every process, so page workers set imprints with typesetters of
    their own and only the set of glyphs drawn (``glyphs``) comes back to the file's
    typesetter, which :meth:`glyph_objects` writes.  ``book`` may be None where only
    :meth:`faces_of` stacks are used (a worker has no fonts.toml).
    """

    book: FontBook | None
    files: tuple[Path, ...] = ()
    faces: _Faces = field(init=False)
    glyphs: set[int] = field(default_factory=set)
    _index: dict[Path, int] = field(default_factory=dict)
    _stacks: dict[tuple[str, bool], tuple[int, ...]] = field(default_factory=dict)
    _firsts: dict[tuple[int, ...], dict[str, int | None]] = field(default_factory=dict)  # per stack

    def __post_init__(self) -> None:
        if not self.files and self.book is not None:
            self.files = book_files(self.book)
        self._index = {path: index for index, path in enumerate(self.files)}
        self.faces = _Faces(self.files)

    def face(self, path: Path) -> int:
        """Index of the face for ``path`` (loaded when first used: see :class:`_Faces`)."""
        return self._index[path]

    def stack(self, language: Language, bold: bool = False) -> tuple[int, ...]:
        """Faces for ``language``: its own stack, then every family (the flyers' CSS order)."""
        key = (language.tag, bold)
        if key not in self._stacks:
            assert self.book is not None, "a typesetter without a font book sets only given stacks"
            self._stacks[key] = self.faces_of(stack_files(self.book, language, bold))
        return self._stacks[key]

    def faces_of(self, files: Sequence[Path]) -> tuple[int, ...]:
        """The faces of a stack given as font files (see :func:`stack_files`)."""
        return tuple(self.face(path) for path in files)

    def uncovered(self, stack: tuple[int, ...], text: str) -> list[str]:
        """Characters of ``text`` no face of ``stack`` can draw."""
        return sorted(c for c in set(text) if needs_glyph(c) and self._first(stack, c) is None)

    def _first(self, stack: tuple[int, ...], char: str) -> int | None:
        """The first face of ``stack`` with ``char`` (cached per stack: a plan asks 6 million times)."""
        firsts = self._firsts.get(stack)
        if firsts is None:
            firsts = self._firsts[stack] = {}
        if char not in firsts:
            code = ord(char)
            firsts[char] = next((i for i in stack if code in self.faces[i].cmap), None)
        return firsts[char]

    # --- shaping ---------------------------------------------------------------------

    def paragraph(self, parts: Sequence[tuple[str, bool]], stack: tuple[int, ...], rtl: bool,
                  lang: str = "") -> Paragraph:
        """Shape ``parts`` (text, isolated) as one paragraph of base direction ``rtl``."""
        text = "".join(t for t, _ in parts)
        codes = set(map(ord, text))
        if codes <= self.faces[stack[0]].cmap:  # the first font has it all (most text)
            faces = [stack[0]] * len(text)
        else:  # only what the first font lacks can be uncovered
            uncovered = self.uncovered(stack, "".join(map(chr, codes - self.faces[stack[0]].cmap)))
            if uncovered:
                shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in uncovered[:8])
                raise FlyersError(f"no font in fonts/fonts.toml covers {shown} (in {text!r})")
            faces = self._itemise(text, stack)
        levels = _levels(parts, 1 if rtl else 0)
        runs: list[Run] = []
        start = 0
        if len(set(faces)) == 1 and len(set(levels)) == 1:
            runs.append(self._shape(text, 0, len(text), levels[0], faces[0], lang))
        else:
            for end in range(1, len(text) + 1):
                if end == len(text) or levels[end] != levels[start] or faces[end] != faces[start]:
                    runs.append(self._shape(text, start, end, levels[start], faces[start], lang))
                    start = end
        advances = [0.0] * len(text)
        for run in runs:
            for cluster, _gid, advance, _x, _y in run.glyphs:
                advances[cluster] += advance
        return Paragraph(text, tuple(runs), tuple(advances), 1 if rtl else 0, stack[0])

    def _itemise(self, text: str, stack: tuple[int, ...]) -> list[int]:
        faces: list[int] = []
        previous: int | None = None
        for char in text:
            code, category = ord(char), unicodedata.category(char)
            keeps = previous is not None and (category[0] not in "L" or category == "Lm") and (
                code in self.faces[previous].cmap or not needs_glyph(char))
            chosen = previous if keeps else self._first(stack, char)
            if chosen is None:  # a control or a space no face has: keep the neighbour's
                chosen = previous if previous is not None else stack[0]
            faces.append(chosen)
            previous = chosen
        return faces

    def _shape(self, text: str, start: int, end: int, level: int, face: int, lang: str) -> Run:
        return Run(start, end, level, face, _shaped(self.faces[face].font, id(self.faces[face].font), text,
                                                    start, end, level % 2 == 1, lang))

    # --- lines -------------------------------------------------------------------------

    def lines(self, paragraph: Paragraph, width: float) -> list[Line]:
        """Break ``paragraph`` into lines no wider than ``width`` em (greedy, UAX #14)."""
        ranges = _fill(paragraph, width)
        return [self._line(paragraph, start, end) for start, end in ranges]

    def _line(self, paragraph: Paragraph, start: int, end: int) -> Line:
        text = paragraph.text
        while end > start and text[end - 1].isspace():  # trailing spaces hang (CSS white-space: normal)
            end -= 1
        pieces = [(r.level, r) for r in paragraph.runs if r.end > start and r.start < end]
        ordered = _reorder(pieces)
        glyphs: list[tuple[int, int, float, float]] = []
        x = 0.0
        faces: set[int] = set()
        for run in ordered:
            for cluster, gid, advance, x_off, y_off in run.glyphs:
                if start <= cluster < end:
                    if not text[cluster].isspace():  # nothing to draw
                        glyphs.append((run.face, gid, x + x_off, y_off))
                    x += advance
                    faces.add(run.face)
        return Line(tuple(glyphs), x, frozenset(faces or {paragraph.strut}), paragraph.strut)

    def block(self, lines: Sequence[Line], size: float, width: float, line_height: float = 1.1,
              align: str = "center", pad_bottom: float = 0.0, top: float | None = None,
              left: float = 0.0) -> Block:
        """Draw ``lines`` at ``size`` pt in a box ``width`` pt wide, from its top down.

        Each line is as tall as CSS makes it: every font on it contributes an
        inline box of ``line_height`` em around its own ascent and descent.
        The block is drawn with its top at ``top`` (default: its own height, so
        the block's bottom edge is y = 0).
        """
        placed: list[tuple[float, Line]] = []
        y = 0.0  # from the block top, downwards, in pt
        for line in lines:
            above, below = self._line_extents(line.faces, line.strut, size, line_height)
            placed.append((y + above, line))
            y += above + below
        height = y + pad_bottom * size
        top_y = height if top is None else top
        ops = [b"0 0 0 1 k"]
        for baseline, line in placed:
            if align == "center":
                x0 = left + (width - line.width * size) / 2
            elif align == "right":
                x0 = left + width - line.width * size
            else:
                x0 = left
            base_y = top_y - baseline
            scale = b"q %s 0 0 %s " % (pdf_number(size), pdf_number(size))
            drawn = self.glyphs
            for face, gid, x, dy in line.glyphs:
                number = face << 16 | gid
                drawn.add(number)
                ops.append(b"%s%.2f %.2f cm /T%d Do Q" % (scale, x0 + x * size, base_y + dy * size, number))
        return Block(b"\n".join(ops), width, height, len(lines))

    def _line_extents(self, faces: Iterable[int], strut: int, size: float,
                      line_height: float) -> tuple[float, float]:
        """Above and below the baseline of a line: its text as one inline box (the fonts'
        largest ascent and descent, with half-leading, as Pango reports a line to WeasyPrint)
        and the block's strut (its first font)."""
        used = [self.faces[i] for i in faces]
        strut_face = self.faces[strut]
        above = below = 0.0
        for ascent, descent in ((max(f.ascender for f in used), max(f.descender for f in used)),
                                (strut_face.ascender, strut_face.descender)):
            half = (line_height - ascent - descent) / 2
            above, below = max(above, (ascent + half) * size), max(below, (descent + half) * size)
        return above, below

    def fit(self, parts: Sequence[tuple[str, bool]], language: Language, size: float, width: float,
            line_height: float = 1.1, align: str = "center", pad_bottom: float = 0.0,
            bold: bool = False) -> Block:
        """Shape, break to ``width`` pt and draw one paragraph in ``language``'s fonts."""
        return self.fit_stack(parts, self.stack(language, bold), language.direction == "rtl", language.tag,
                              size, width, line_height, align, pad_bottom)

    def fit_stack(self, parts: Sequence[tuple[str, bool]], stack: tuple[int, ...], rtl: bool, lang: str,
                  size: float, width: float, line_height: float = 1.1, align: str = "center",
                  pad_bottom: float = 0.0) -> Block:
        """:meth:`fit` for a stack of faces, a base direction and a language tag given as such."""
        paragraph = self.paragraph(parts, stack, rtl, lang)
        lines = self.lines(paragraph, width / size)
        return self.block(lines, size, width, line_height, align, pad_bottom)

    def one_line(self, text: str, language: Language, size: float, width: float) -> Block:
        """``text`` on one line, shrunk (never grown) to fit ``width`` pt, with its baseline
        at y = 0: a name set inside a line of other text (a proof's label)."""
        paragraph = self.paragraph([(text, True)], self.stack(language, False), language.direction == "rtl",
                                   language.tag)
        line = self._line(paragraph, 0, len(paragraph.text))
        size = min(size, width / line.width) if line.width > 0 else size
        above, _ = self._line_extents(line.faces, line.strut, size, 1.0)
        return self.block([line], size, width, 1.0, "left", top=above)

    # --- PDF -----------------------------------------------------------------------------

    def glyph_objects(self) -> Iterator[tuple[str, bytes]]:
        """(``/T<n>``, PDF object body) of every glyph numbered so far: a Form XObject of its
        outline, filled in K.  Bodies, not pikepdf objects: they are streamed after the pages
        of files of any size (see vdp.FormSink)."""
        for name, ops, units in self._outlines():
            data = zlib.compress(ops, 6)
            yield name, (b"<< /Type /XObject /Subtype /Form /BBox [%d %d %d %d] /Matrix [%.8f 0 0 %.8f 0 0] "
                         b"/Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
                         % (-units, -units, 3 * units, 2 * units, 1 / units, 1 / units, len(data), data))

    def glyph_forms(self, pdf: Any) -> dict[str, Any]:
        """The same forms as pikepdf objects of ``pdf`` (for a page assembled in memory)."""
        import pikepdf

        forms: dict[str, Any] = {}
        for name, ops, units in self._outlines():
            stream = pikepdf.Stream(pdf, ops)
            stream.Type = pikepdf.Name.XObject
            stream.Subtype = pikepdf.Name.Form
            stream.Matrix = pikepdf.Array([1 / units, 0, 0, 1 / units, 0, 0])
            stream.BBox = pikepdf.Array([-units, -units, 3 * units, 2 * units])
            forms[name] = pdf.make_indirect(stream)
        return forms

    def _outlines(self) -> Iterator[tuple[str, bytes, int]]:
        """(name, path operators, units per em) of every glyph numbered so far, in number order."""
        fonts: dict[int, Any] = {}
        try:
            for number in sorted(self.glyphs):
                face_index, gid = number >> 16, number & 0xFFFF
                face = self.faces[face_index]
                if face_index not in fonts:
                    font = TTFont(face.path, lazy=True)
                    fonts[face_index] = (font, font.getGlyphSet())
                font, glyph_set = fonts[face_index]
                pen = _PdfPen(glyph_set)
                glyph_set[font.getGlyphName(gid)].draw(pen)
                yield f"{GLYPH_PREFIX}{number}", b" ".join(pen.ops) + (b" f" if pen.ops else b""), face.upem
        finally:
            for font, _ in fonts.values():
                font.close()


class _Faces(dict[int, Face]):
    """Faces by index, each loaded when first asked for: a stack lists every family, and
    most text needs only its first few (a CJK font's cmap alone is some 2 MB of Python
    ints, and each page worker has a typesetter)."""

    def __init__(self, files: tuple[Path, ...]) -> None:
        super().__init__()
        self.files = files

    def __missing__(self, index: int) -> Face:
        path = self.files[index]
        blob = hb.Blob.from_file_path(str(path))
        hb_face = hb.Face(blob)
        font = hb.Font(hb_face)
        extents = font.get_font_extents("ltr")
        upem = hb_face.upem
        face = self[index] = Face(path, font, upem, extents.ascender / upem, -extents.descender / upem,
                                  font_cmap(path))
        return face


def book_files(book: FontBook) -> tuple[Path, ...]:
    """Every font file of ``book``, in the one order that numbers faces in every process."""
    return tuple(sorted({path for files in book.families.values() for path in files}))


def stack_files(book: FontBook, language: Language, bold: bool = False) -> tuple[Path, ...]:
    """The font files ``language`` is set in: its own stack, then every family (the flyers' CSS order)."""
    families = list(dict.fromkeys([*book.stack(language), *book.families]))
    return tuple(_weight(book.families[name], bold) for name in families)


def _weight(files: Sequence[Path], bold: bool) -> Path:
    """The regular (or bold) file of a family, by its conventional file name."""
    wanted = "Bold" if bold else "Regular"
    return next((f for f in files if wanted in f.name), files[0])


# Bounded small: a plan's names are all different, so only the repeated words of
# packing lists and labels come back; 65,536 shaped names held 100 MB, and 2,048 held
# 16 MB in each page worker.
@lru_cache(maxsize=SHAPED_CACHE)
def _shaped(font: Any, _font_id: int, text: str, start: int, end: int, rtl: bool, lang: str,
            ) -> tuple[tuple[int, int, float, float, float], ...]:
    """HarfBuzz glyphs of text[start:end] (context around it given, as browsers do)."""
    buffer = hb.Buffer()
    buffer.add_str(text, item_offset=_utf32_offset(text, start), item_length=end - start)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    if lang:
        buffer.language = lang
    hb.shape(font, buffer, {})
    upem = font.face.upem
    # add_str counts clusters in UTF-32 code points of the whole text: Python indices.
    return tuple((info.cluster, info.codepoint, pos.x_advance / upem, pos.x_offset / upem, pos.y_offset / upem)
                 for info, pos in zip(buffer.glyph_infos, buffer.glyph_positions, strict=True))


def _utf32_offset(text: str, index: int) -> int:
    return index  # Python strings index code points, as HarfBuzz's UTF-32 input does


def _levels(parts: Sequence[tuple[str, bool]], base: int) -> list[int]:
    """Bidi embedding level of every character; isolated parts as FSI..PDI would make them."""
    text = "".join(t for t, _ in parts)
    if base == 0 and (text.isascii() or not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text)):
        return [0] * len(text)  # all left-to-right: the common case needs no algorithm
    outer = "".join("\ufffc" if isolated else t for t, isolated in parts)  # an isolate is one neutral
    outer_levels = _resolve(outer, base)
    levels: list[int] = []
    position = 0
    for part, isolated in parts:
        if not isolated:
            levels += outer_levels[position:position + len(part)]
            position += len(part)
            continue
        inner_base = uba.get_base_level(part) if part else 0  # first strong character (FSI)
        embedding = base + 1 if (base % 2) != inner_base else base + 2  # next level of that direction
        levels += [level - inner_base + embedding for level in _resolve(part, inner_base)]
        position += 1
    return levels


def _resolve(text: str, base: int) -> list[int]:
    """Resolved levels (rules X1-I2 of UAX #9) of one paragraph with base level ``base``."""
    if not text:
        return []
    if base == 0 and all(unicodedata.bidirectional(c) in _LTR_ONLY for c in text):
        return [0] * len(text)  # a Latin name in Arabic text: nothing to resolve
    return list(_resolved(text, base))


@lru_cache(maxsize=256)
def _resolved(text: str, base: int) -> tuple[int, ...]:
    """:func:`_resolve` by python-bidi; cached, for a language's "Shared by" text comes back for every name."""
    storage = uba.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    uba.get_embedding_levels(text, storage)
    uba.explicit_embed_and_overrides(storage)
    uba.resolve_weak_types(storage)
    uba.resolve_neutral_types(storage, False)
    uba.resolve_implicit_levels(storage, False)
    return tuple(int(char["level"]) for char in storage["chars"])


def _reorder(pieces: list[tuple[int, Run]]) -> list[Run]:
    """Runs of a line in visual order (rule L2: reverse from the highest level down to the lowest odd)."""
    if not pieces:
        return []
    runs = list(pieces)
    highest = max(level for level, _ in runs)
    lowest_odd = min((level for level, _ in runs if level % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        index = 0
        while index < len(runs):
            if runs[index][0] >= level:
                end = index
                while end < len(runs) and runs[end][0] >= level:
                    end += 1
                runs[index:end] = runs[index:end][::-1]
                index = end
            else:
                index += 1
    return [run for _, run in runs]


@lru_cache(maxsize=SHAPED_CACHE)
def _break_points(text: str) -> frozenset[int]:
    """Offsets where a line may start (UAX #14), never 0.

    Text of letters, digits, spaces, punctuation and ideographs only is broken
    here by the rules UAX #14 gives such text (after spaces and hyphens, around
    ideographs but not before closing punctuation); anything else goes through
    uniseg's full algorithm, which is exact and some 200 times slower.
    """
    classes = [_break_class(c) for c in text]
    # Typographic quotes (« » “ ”) follow rules of their own (LB15a/b): leave them to uniseg.
    if not all(c in _SIMPLE_CLASSES and (c != "QU" or ch.isascii()) for c, ch in zip(classes, text, strict=True)):
        from uniseg.linebreak import line_break_boundaries

        return frozenset(b for b in line_break_boundaries(text) if 0 < b < len(text))
    points = set()
    last = ""  # the class of the last character before the spaces in front of i
    for i in range(1, len(text)):
        before, after = classes[i - 1], classes[i]
        if before != "SP":
            last = before
        if (after in _NO_BREAK_BEFORE or last == "OP" or after == "SP" or (before, after) == ("HY", "NU")
                or before == "QU" or (after == "QU" and before != "SP")):
            continue
        if before in ("SP", "HY", "BA", "B2") or after == "B2" or "ID" in (before, after) or (
                before == "SY" and after in ("AL", "HL")):
            points.add(i)
    return frozenset(points)


@lru_cache(maxsize=4096)
def _break_class(char: str) -> str:
    from uniseg.linebreak import line_break

    return str(line_break(char).name)


def _fill(paragraph: Paragraph, width: float) -> list[tuple[int, int]]:
    """Greedy line filling; a word wider than a line breaks between grapheme clusters."""
    from uniseg.graphemecluster import grapheme_cluster_boundaries

    text, advances = paragraph.text, paragraph.advances
    if sum(advances) <= width + 1e-9:
        return [(0, len(text))]
    stops = sorted(_break_points(text) | {len(text)})  # only for text that needs more than a line
    lines: list[tuple[int, int]] = []
    start = 0
    graphemes: list[int] | None = None
    while start < len(text):
        end = start
        for stop in stops:
            if stop <= start:
                continue
            if _width(text, advances, start, stop) <= width + 1e-9:
                end = stop
            else:
                break
        if end == start:  # nothing fits: break inside the word (overflow-wrap: anywhere)
            if graphemes is None:
                graphemes = list(grapheme_cluster_boundaries(text))
            end = next((g for g in graphemes if g > start), len(text))
            for g in graphemes:
                if g > start and _width(text, advances, start, g) <= width + 1e-9:
                    end = g
                elif g > start:
                    break
        lines.append((start, end))
        start = end
    return lines


def _width(text: str, advances: Sequence[float], start: int, end: int) -> float:
    while end > start and text[end - 1].isspace():
        end -= 1
    return sum(advances[start:end])


@lru_cache(maxsize=8192)
def pdf_number(value: float) -> bytes:
    """``value`` as a PDF number to 0.001, without trailing zeros (remembered: the positions
    and sizes of packing lists, labels and glyph outlines come back page after page)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-0") else "0").encode("ascii")




class _PdfPen(BasePen):  # type: ignore[misc]
    """fontTools pen writing PDF path operators (quadratics become cubics)."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.ops: list[bytes] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(b"%s %s m" % (pdf_number(pt[0]), pdf_number(pt[1])))

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(b"%s %s l" % (pdf_number(pt[0]), pdf_number(pt[1])))

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
        self.ops.append(b"%s %s %s %s %s %s c" % tuple(pdf_number(v) for v in (*p1, *p2, *p3)))

    def _closePath(self) -> None:
        self.ops.append(b"h")
