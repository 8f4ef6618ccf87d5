"""Imprints ("Shared by NAME" in the flyer's language), typeset without a layout engine.

Each order line gets an imprint: a small Form XObject of shaped glyphs that
the stamping stage scales into the master's imprint area.  The look is the
one WeasyPrint gave (templates/batch/imprints.html until this module): the
area's width, 62 % of its height as the type box, type size that height over
2.9, line height 1.1, centred, 0.3 em kept below for descenders, and a block
taller than the area shrunk to fit.  The name is an isolate (FSI..PDI): a
Latin name keeps its order in Arabic or Yiddish text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from . import catalogs
from .campaign import Campaign
from .errors import FlyersError
from .fontstack import FontBook
from .languages import Language
from .model import Area
from .templating import make_environment, render_template
from .typeset import Block, Typesetter

TYPE_BOX = 0.62  # share of the imprint area's height the type box takes (the rest: the serial)
LINES_PER_BOX = 2.9  # the type size is the type box's height over this
LINE_HEIGHT = 1.1
PAD_BOTTOM_EM = 0.3
_NAME = "\ue000"  # private-use stand-in for the name while the template is rendered


@dataclass
class Imprints:
    """The imprint forms of one print file, and the typesetter holding their glyphs."""

    typesetter: Typesetter
    blocks: list[Block] = field(default_factory=list)

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """Each imprint form's BBox (its width and used height), as stamping scales them."""
        return [(0.0, 0.0, b.width, max(b.height, 1.0)) for b in self.blocks]


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


def make_imprints(typesetter: Typesetter, lines: Iterable[tuple[str, Language]], area: Area | None,
                  texts: Callable[[Language], tuple[str, str]],
                  areas: Mapping[str, Area | None] | None = None) -> Imprints:
    """One imprint block per (name, language), in order; equal ones are typeset once.

    ``areas``: the imprint area of each language's master (by tag), where it differs from
    ``area`` (the masters of one format need not lay out the same area).
    """
    result = Imprints(typesetter)
    done: dict[tuple[str, str], Block] = {}
    for name, language in lines:
        key = (name, language.tag)
        if key not in done:
            width, size = imprint_size(areas.get(language.tag, area) if areas else area)
            before, after = texts(language)
            parts = [(before, False), (name, True), (after, False)]
            done[key] = typesetter.fit([p for p in parts if p[0]], language, size, width, LINE_HEIGHT,
                                       "center", PAD_BOTTOM_EM)
        result.blocks.append(done[key])
    return result


def imprint_texts(campaign: Campaign) -> Callable[[Language], tuple[str, str]]:
    """``shared_by`` per language, each catalog read once."""
    cache: dict[str, tuple[str, str]] = {}

    def texts(language: Language) -> tuple[str, str]:
        if language.tag not in cache:
            cache[language.tag] = shared_by(campaign, language)
        return cache[language.tag]

    return texts


def new_typesetter(fonts: FontBook) -> Typesetter:
    return Typesetter(fonts)
