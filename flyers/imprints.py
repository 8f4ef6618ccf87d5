"""Imprints ("Shared by NAME" in the flyer's language), typeset without a layout engine.

Each order line gets an imprint: shaped glyphs (shared glyph forms) that the
variable-data engine draws, with the line's QR code, in one form per line.  The look is the
one WeasyPrint gave (templates/batch/imprints.html until this module): the
area's width, 62 % of its height as the type box, type size that height over
2.9, line height 1.1, centred, 0.3 em kept below for descenders, and a block
taller than the area shrunk to fit.  The name is an isolate (FSI..PDI): a
Latin name keeps its order in Arabic or Yiddish text.

The page workers set the imprints (0.07-0.12 ms each, 100,000 in a national plan,
were the main process's largest share while the workers waited for it): a worker
gets the plain :class:`ImprintStyle` of each language, never a catalog, and this
module imports the catalogs and templates only where the texts are made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from .errors import FlyersError
from .model import Area
from .typeset import Block, Typesetter, stack_files

if TYPE_CHECKING:  # page workers set imprints: they import neither catalogs nor CLDR data
    from .campaign import Campaign
    from .fontstack import FontBook
    from .languages import Language

TYPE_BOX = 0.62  # share of the imprint area's height the type box takes (the rest: the serial)
LINES_PER_BOX = 2.9  # the type size is the type box's height over this
LINE_HEIGHT = 1.1
PAD_BOTTOM_EM = 0.3
_NAME = "\ue000"  # private-use stand-in for the name while the template is rendered


def imprint_size(area: Area | None) -> tuple[float, float]:
    """(width, type size) of the imprints for an area, rounded as the template rounded them."""
    width, height = (area.width, area.height * TYPE_BOX) if area else (144.0, 20.0)
    return round(width, 2), round(round(height, 2) / LINES_PER_BOX, 2)


def shared_by(campaign: Campaign, language: Language) -> tuple[str, str]:
    """The text before and after the name in "Shared by NAME" (strict gettext: never English by accident)."""
    from markupsafe import Markup

    from . import catalogs
    from .templating import make_environment, render_template

    env, _ = make_environment(campaign, catalogs.load(campaign, language))

    text = Markup(render_template(env, "imprint.html", {"distributor": _NAME}, "the imprint").strip()).unescape()
    before, found, after = text.partition(_NAME)
    if not found:
        raise FlyersError(f"{language.tag}: the imprint text ({text!r}) does not contain the distributor name; "
                          "check the translation of \"Shared by %(name)s\"")
    return " ".join(before.split()) + (" " if before[-1:].isspace() else ""), (
        (" " if after[:1].isspace() else "") + " ".join(after.split()))


class ImprintStyle(NamedTuple):
    """How one language's imprints are set, in plain values a page worker can take: its
    tag (HarfBuzz shapes with it), direction, font files and the text around the name."""

    tag: str
    rtl: bool
    fonts: tuple[Path, ...]
    before: str
    after: str


def imprint_styles(campaign: Campaign, book: FontBook, languages: Iterable[Language]) -> dict[str, ImprintStyle]:
    """The imprint style of each of ``languages`` (each catalog read once)."""
    styles = {}
    for language in languages:
        if language.tag not in styles:
            before, after = shared_by(campaign, language)
            styles[language.tag] = ImprintStyle(language.tag, language.direction == "rtl",
                                                stack_files(book, language), before, after)
    return styles


class ImprintSetter:
    """Sets order lines' imprints, placed in the imprint area, in any process.

    Nothing is kept per line but a few recent blocks (one distributor's lines come
    together), so a national plan's 100,000 imprints never sit in memory at once.
    """

    RECENT = 64

    def __init__(self, typesetter: Typesetter, styles: Mapping[str, ImprintStyle]) -> None:
        self.typesetter = typesetter
        self.styles = styles
        self.recent: dict[tuple[str, str, Area], bytes] = {}
        self.stacks = {tag: typesetter.faces_of(style.fonts) for tag, style in styles.items()}

    def check(self, name: str, tag: str) -> None:
        """Raise FlyersError now, before any file is written, if the imprint cannot be set."""
        style = self.styles[tag]
        missing = self.typesetter.uncovered(self.stacks[tag], style.before + name + style.after)
        if missing:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:8])
            raise FlyersError(f"{tag}: no font in fonts/fonts.toml covers {shown} "
                              f"(in the imprint of {name!r})")

    def operators(self, name: str, tag: str, area: Area) -> bytes:
        """The imprint of ``name`` in language ``tag``, in master coordinates inside ``area``."""
        key = (name, tag, area)
        ops = self.recent.get(key)
        if ops is None:
            ops = place(self.block(name, tag, area), area)
            if len(self.recent) >= self.RECENT:
                self.recent.pop(next(iter(self.recent)))
            self.recent[key] = ops
        return ops

    def block(self, name: str, tag: str, area: Area | None) -> Block:
        """The imprint typeset for ``area`` (its width, its type size), bottom at y = 0."""
        width, size = imprint_size(area)
        style = self.styles[tag]
        parts = [(style.before, False), (name, True), (style.after, False)]
        return self.typesetter.fit_stack([p for p in parts if p[0]], self.stacks[tag], style.rtl, style.tag, size,
                                         width, LINE_HEIGHT, "center", PAD_BOTTOM_EM)


def place(block: Block, area: Area) -> bytes:
    """``block`` (bottom at y = 0) drawn as :func:`placement` puts it in ``area``."""
    scale, x, y = placement((0.0, 0.0, block.width, max(block.height, 1.0)), area)
    return b"q %.4f 0 0 %.4f %.3f %.3f cm\n%s\nQ" % (scale, scale, x, y, block.ops)


def placement(box: tuple[float, float, float, float], area: Area) -> tuple[float, float, float]:
    """(scale, x, y) putting ``box`` in ``area``: scaled (never up) to fit, centred and
    top-aligned, so a long name simply comes out smaller instead of overflowing."""
    x0, _, x1, y1 = box
    scale = min(1.0, area.width / (x1 - x0), area.height / (y1 - box[1]))
    left = area.x + (area.width - (x1 - x0) * scale) / 2 - x0 * scale
    bottom = area.y + area.height - y1 * scale
    return scale, left, bottom
