"""Which characters a font file can draw: its cmap, read once per process.

Apart from fontstack.py (the workspace's fonts.toml, with pydantic and the
language data behind it) so the page workers, which shape imprints, import
only fontTools for it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

# Characters that never need a glyph: controls, bidi marks, joiners.
IGNORED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@lru_cache(maxsize=64)
def font_cmap(path: Path) -> frozenset[int]:
    """The code points a font file maps (remembered: fonts are read once per process)."""
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def needs_glyph(char: str) -> bool:
    """False for spaces and the characters of IGNORED_CATEGORIES: they draw nothing."""
    return not char.isspace() and unicodedata.category(char) not in IGNORED_CATEGORIES
