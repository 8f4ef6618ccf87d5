"""Fonts: which families serve which script, and proof that they cover the text.

Rendering sees only the fonts in the workspace's ``fonts/`` folder (a private
fontconfig file, see :func:`fontconfig_file`).  With system fonts out of reach,
a character our fonts lack would print as a box (.notdef) -- and Pango does
not always warn about it -- so coverage is checked here, before rendering,
against each font's cmap with fontTools.
"""

from __future__ import annotations

import hashlib
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from .errors import ConfigError
from .languages import Language

FONTS_FILE = "fonts.toml"
# Characters that never need a glyph: controls, bidi marks, joiners.
IGNORED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@dataclass(frozen=True)
class FontBook:
    """The fonts of a workspace: families, their files, and stacks per script."""

    folder: Path
    families: dict[str, tuple[Path, ...]]
    scripts: dict[str, tuple[str, ...]]
    languages: dict[str, tuple[str, ...]]

    def stack(self, language: Language) -> tuple[str, ...]:
        """Family names for a language, most specific first."""
        stack = self.languages.get(language.tag) or self.scripts.get(language.script)
        if not stack:
            raise ConfigError(
                f"{self.folder / FONTS_FILE}: no font stack for script {language.script!r} "
                f"(language {language.tag}); add it under [scripts]"
            )
        return stack

    def css_stack(self, language: Language) -> str:
        """The stack as a CSS font-family value."""
        return ", ".join(f'"{name}"' for name in self.stack(language))

    def files(self, language: Language) -> list[Path]:
        """Every font file a language's stack may use."""
        return [path for family in self.stack(language) for path in self.families[family]]

    def uncovered(self, language: Language, text: str) -> list[str]:
        """Characters of ``text`` that no font of the language's stack can draw."""
        maps = [_cmap(path) for path in self.files(language)]
        missing = []
        for char in sorted(set(text)):
            if char.isspace() or unicodedata.category(char) in IGNORED_CATEGORIES:
                continue
            if not any(ord(char) in cmap for cmap in maps):
                missing.append(char)
        return missing


    def uncovered_by_all(self, paths: list[Path], char: str) -> bool:
        """True when none of ``paths`` can draw ``char``."""
        return not any(ord(char) in _cmap(path) for path in paths)

    def uncovered_by(self, path: Path, text: str) -> list[str]:
        """Characters of ``text`` one font file cannot draw."""
        cmap = _cmap(path)
        return [c for c in set(text) if not c.isspace() and unicodedata.category(c) not in IGNORED_CATEGORIES
                and ord(c) not in cmap]


def load_fonts(folder: Path) -> FontBook:
    """Read ``fonts/fonts.toml`` and check every file it names exists."""
    path = folder / FONTS_FILE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    problems: list[str] = []
    families: dict[str, tuple[Path, ...]] = {}
    for name, table in data.get("families", {}).items():
        files = tuple(folder / f for f in table.get("files", []))
        for file in files:
            if not file.is_file():
                problems.append(f'[families."{name}"] files: {file.name} is not in {folder}')
        families[name] = files
    stacks: dict[str, dict[str, tuple[str, ...]]] = {"scripts": {}, "languages": {}}
    for section in stacks:
        for key, names in data.get(section, {}).items():
            for name in names:
                if name not in families:
                    problems.append(f"[{section}] {key}: family {name!r} is not under [families]")
            stacks[section][key] = tuple(names)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
    return FontBook(folder, families, stacks["scripts"], stacks["languages"])


@lru_cache(maxsize=64)
def _cmap(path: Path) -> frozenset[int]:
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        return frozenset(font.getBestCmap() or {})
    finally:
        font.close()


def fontconfig_file(book: FontBook, cache_dir: Path) -> Path:
    """Write a fontconfig file that knows only the workspace fonts; return its path.

    Set as FONTCONFIG_FILE in the render worker before WeasyPrint creates its
    font configuration, this keeps system fonts from silently filling gaps.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    conf = cache_dir / "fonts.conf"
    # fontconfig validates its cache by folder mtime, which does not change when a
    # font file is replaced in place (`make fonts`): key the cache by the files.
    stamp = hashlib.sha256()
    for path in sorted(book.folder.iterdir()):
        info = path.stat()
        stamp.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    fc_cache = cache_dir / f"fc-cache-{stamp.hexdigest()[:12]}"
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{_xml(str(book.folder.resolve()))}</dir>\n"
        f"  <cachedir>{_xml(str(fc_cache.resolve()))}</cachedir>\n"
        "  <config><rescan><int>0</int></rescan></config>\n"
        "</fontconfig>\n"
    )
    if not conf.is_file() or conf.read_text("utf-8") != text:
        conf.write_text(text, "utf-8")
    return conf


def _xml(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
