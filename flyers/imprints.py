"""Imprints ("Shared by NAME" in the flyer's language), typeset without a layout engine.

Each order line gets an imprint: shaped glyphs (shared glyph forms) that the
variable-data engine draws, with the line's QR code, in one form per line.  The look is the
one WeasyPrint gave (templates/batch/imprints.html until this module): the
area's width, 62 % of its height as the type box, type size that height over
2.9, line height 1.1, centred, 0.3 em kept below for descenders, and a block
taller than the area shrunk to fit.  The name is an isolate (FSI..PDI): a
Latin name keeps its order in Arabic or Yiddish text.
"""

from __future__ import annotations

from collections.abc import Callable

from . import catalogs
from .campaign import Campaign
from .errors import FlyersError
from .languages import Language
from .model import Area
from .templating import make_environment, render_template
from .typeset import Block, Typesetter

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
    env, _ = make_environment(campaign, catalogs.load(campaign, language))
    from markupsafe import Markup

    text = Markup(render_template(env, "imprint.html", {"distributor": _NAME}, "the imprint").strip()).unescape()
    before, found, after = text.partition(_NAME)
    if not found:
        raise FlyersError(f"{language.tag}: the imprint text ({text!r}) does not contain the distributor name; "
                          "check the translation of \"Shared by %(name)s\"")
    return " ".join(before.split()) + (" " if before[-1:].isspace() else ""), (
        (" " if after[:1].isspace() else "") + " ".join(after.split()))


class ImprintSetter:
    """Sets each order line's imprint when its first piece is drawn, placed in the imprint area.

    Nothing is kept per line but a few recent blocks (one distributor's lines come
    together), so a national plan's 100,000 imprints never sit in memory at once.
    """

    RECENT = 64

    def __init__(self, typesetter: Typesetter, texts: Callable[[Language], tuple[str, str]]) -> None:
        self.typesetter = typesetter
        self.texts = texts
        self.recent: dict[tuple[str, str, Area], bytes] = {}

    def check(self, name: str, language: Language) -> None:
        """Raise FlyersError now, before any file is written, if the imprint cannot be set."""
        before, after = self.texts(language)
        stack = self.typesetter.stack(language)
        missing = self.typesetter.uncovered(stack, before + name + after)
        if missing:
            shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:8])
            raise FlyersError(f"{language.tag}: no font in fonts/fonts.toml covers {shown} "
                              f"(in the imprint of {name!r})")

    def operators(self, name: str, language: Language, area: Area) -> bytes:
        """The imprint of ``name`` in ``language``, in master coordinates inside ``area``."""
        key = (name, language.tag, area)
        ops = self.recent.get(key)
        if ops is None:
            ops = place(self.block(name, language, area), area)
            if len(self.recent) >= self.RECENT:
                self.recent.pop(next(iter(self.recent)))
            self.recent[key] = ops
        return ops

    def block(self, name: str, language: Language, area: Area | None) -> Block:
        """The imprint typeset for ``area`` (its width, its type size), bottom at y = 0."""
        width, size = imprint_size(area)
        before, after = self.texts(language)
        parts = [(before, False), (name, True), (after, False)]
        return self.typesetter.fit([p for p in parts if p[0]], language, size, width, LINE_HEIGHT,
                                   "center", PAD_BOTTOM_EM)


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


def imprint_texts(campaign: Campaign) -> Callable[[Language], tuple[str, str]]:
    """``shared_by`` per language, each catalog read once."""
    cache: dict[str, tuple[str, str]] = {}

    def texts(language: Language) -> tuple[str, str]:
        if language.tag not in cache:
            cache[language.tag] = shared_by(campaign, language)
        return cache[language.tag]

    return texts

