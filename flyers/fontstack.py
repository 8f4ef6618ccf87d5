"""Fonts: which families serve which script, and proof that they cover the text.

Rendering sees only the fonts in the workspace's ``fonts/`` folder (a private
fontconfig file, see :func:`fontconfig_file`).  With system fonts out of reach,
a character our fonts lack would print as a box (.notdef) -- and Pango does
not always warn about it -- so coverage is checked here, before rendering,
against each font's cmap with fontTools.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont
from pydantic import Field, ValidationError

from .cmaps import font_cmap, needs_glyph
from .errors import ConfigError
from .languages import Language
from .schema import Table, problems_of, suggestion, unknown_keys

FONTS_FILE = "fonts.toml"
# CSS weights of the style names fonts use (OpenType name ID 2 / 17), most specific first.
STYLE_WEIGHTS = (("extralight", 200), ("ultralight", 200), ("semibold", 600), ("demibold", 600),
                 ("extrabold", 800), ("ultrabold", 800), ("thin", 100), ("light", 300),
                 ("regular", 400), ("book", 400), ("normal", 400), ("medium", 500), ("bold", 700),
                 ("black", 900), ("heavy", 900))


@dataclass(frozen=True)
class FontBook:
    """The fonts of a workspace: families, their files, and stacks per script."""

    folder: Path
    families: dict[str, tuple[Path, ...]]
    scripts: dict[str, tuple[str, ...]]
    languages: dict[str, tuple[str, ...]]
    warnings: tuple[str, ...] = ()  # unknown keys, with the nearest known name

    def stack(self, language: Language) -> tuple[str, ...]:
        """Family names for a language, most specific first."""
        stack = self.languages.get(language.tag) or self.scripts.get(language.script)
        if not stack:
            raise ConfigError(
                f"{self.folder / FONTS_FILE}: no font stack for script {language.script!r} "
                f"(language {language.tag}); add it under [scripts]"
            )
        return stack

    def widened(self, language: Language, scripts: tuple[str, ...]) -> FontBook:
        """This book with ``language``'s stack extended by the fonts of other scripts.

        An interpreter card in English (or Spanish) also prints the spoken
        language's own name in its own script: the page's stack gains that
        script's families, so coverage checks and fontconfig see them too.
        """
        stack = list(self.stack(language))
        for script in scripts:
            families = self.scripts.get(script)
            if not families:
                raise ConfigError(
                    f"{self.folder / FONTS_FILE}: no font stack for script {script!r} "
                    f"(needed for a language's own name on {language.tag} pages); add it under [scripts]"
                )
            stack += [f for f in families if f not in stack]
        if tuple(stack) == self.stack(language):
            return self
        return dataclasses.replace(self, languages={**self.languages, language.tag: tuple(stack)})

    def css_stack(self, language: Language) -> str:
        """The stack as a CSS font-family value."""
        return ", ".join(f'"{name}"' for name in self.stack(language))

    def files(self, language: Language) -> list[Path]:
        """Every font file a language's stack may use."""
        return [path for family in self.stack(language) for path in self.families[family]]

    def uncovered(self, language: Language, text: str) -> list[str]:
        """Characters of ``text`` that no font of the language's stack can draw."""
        maps = [font_cmap(path) for path in self.files(language)]
        missing = []
        for char in sorted(set(text)):
            if not needs_glyph(char):
                continue
            if not any(ord(char) in cmap for cmap in maps):
                missing.append(char)
        return missing


    def uncovered_by_all(self, paths: list[Path], char: str) -> bool:
        """True when none of ``paths`` can draw ``char``."""
        return not any(ord(char) in font_cmap(path) for path in paths)

    def uncovered_by(self, path: Path, text: str) -> list[str]:
        """Characters of ``text`` one font file cannot draw."""
        cmap = font_cmap(path)
        return [c for c in set(text) if needs_glyph(c) and ord(c) not in cmap]


MEDIA = ("print", "screen")


class FamilyTable(Table):
    files: list[str]


class ScreenTable(Table):
    languages: dict[str, list[str]] = Field(default_factory=dict)


class FontsFile(Table):
    """The schema of ``fonts/fonts.toml`` (see :mod:`flyers.schema`)."""

    families: dict[str, FamilyTable]
    scripts: dict[str, list[str]] = Field(default_factory=dict)
    languages: dict[str, list[str]] = Field(default_factory=dict)
    screen: ScreenTable = Field(default_factory=ScreenTable)


def load_fonts(folder: Path, medium: str = "print") -> FontBook:
    """Read ``fonts/fonts.toml`` and check every file and family it names exists.

    Every problem is reported at once with its key; a string where a list of
    families belongs (``Cyrl = "Noto Sans"``) is one clear problem, not one per letter.

    ``medium`` "screen" lays the ``[screen.languages]`` table over ``[languages]``:
    a display style that needs more line height than a one-page flyer can give
    (Urdu's Nastaliq) is for the download site, whose pages scroll.
    """
    if medium not in MEDIA:
        raise ValueError(f"medium must be one of {MEDIA}, not {medium!r}")
    path = folder / FONTS_FILE
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        model = FontsFile.model_validate(data)
    except ValidationError as exc:
        found = [_hint_list(p) for p in problems_of(exc)]
        raise ConfigError(f"{path}: {len(found)} problem(s)", found) from None
    problems: list[str] = []
    families: dict[str, tuple[Path, ...]] = {}
    for name, table in model.families.items():
        files = tuple(folder / f for f in table.files)
        for file in files:
            if not file.is_file():
                problems.append(f'[families."{name}"] files: {file.name} is not in {folder}')
        families[name] = files
    stacks = {"scripts": model.scripts, "languages": model.languages}
    for section, stack in stacks.items():
        for key, names in stack.items():
            for name in names:
                if name not in families:
                    problems.append(f"[{section}] {key}: family {name!r} is not under [families]"
                                    f"{suggestion(name, families)}")
    for key, names in model.screen.languages.items():
        problems += [f"[screen.languages] {key}: family {n!r} is not under [families]{suggestion(n, families)}"
                     for n in names if n not in families]
    languages = {k: tuple(v) for k, v in model.languages.items()}
    if medium == "screen":
        languages |= {k: tuple(v) for k, v in model.screen.languages.items()}
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
    return FontBook(folder, families, {k: tuple(v) for k, v in model.scripts.items()}, languages,
                    tuple(f"fonts/{FONTS_FILE}: {w}" for w in unknown_keys(model)))


def _hint_list(problem: str) -> str:
    """Say how to write a list when a single name was given."""
    if "must be a list, got '" in problem:
        value = problem.split("got ", 1)[1]
        return f"{problem}; write [{value.replace(chr(39), chr(34))}]"
    return problem



def font_weight(path: Path) -> int:
    """A font file's CSS weight: from its style name when that names one, else OS/2.

    Some files report the wrong usWeightClass (Noto Nastaliq Urdu Bold says 400),
    so Regular and Bold looked alike to fontconfig and the browser and headings
    lost their bold.  The style name ("Bold") is what the designer meant.
    """
    font = TTFont(path, lazy=True, fontNumber=0)
    try:
        names = font["name"]
        style = str(names.getDebugName(17) or names.getDebugName(2) or "").lower().replace(" ", "").replace("-", "")
        for word, weight in STYLE_WEIGHTS:
            if word in style:
                return weight
        return int(font["OS/2"].usWeightClass) if "OS/2" in font else 400
    finally:
        font.close()


def _fontconfig_weight(weight: int) -> int:
    """CSS weight to fontconfig's scale (FC_WEIGHT_*): 400 -> 80, 700 -> 200."""
    table = {100: 0, 200: 40, 300: 50, 400: 80, 500: 100, 600: 180, 700: 200, 800: 205, 900: 210}
    return table.get(weight, 80)


def _weight_rules(book: FontBook) -> str:
    """fontconfig rules giving each file the weight its style name says, where OS/2 disagrees."""
    rules = []
    for paths in book.families.values():
        for path in paths:
            weight = font_weight(path)
            font = TTFont(path, lazy=True, fontNumber=0)
            try:
                reported = int(font["OS/2"].usWeightClass) if "OS/2" in font else 400
            finally:
                font.close()
            if reported != weight:
                rules.append(
                    '  <match target="scan">\n'
                    f'    <test name="file"><string>{_xml(str(path.resolve()))}</string></test>\n'
                    f'    <edit name="weight" mode="assign"><int>{_fontconfig_weight(weight)}</int></edit>\n'
                    "  </match>\n")
    return "".join(rules)


def fontconfig_file(book: FontBook, cache_dir: Path) -> Path:
    """Write a fontconfig file that knows only the workspace fonts; return its path.

    Set as FONTCONFIG_FILE in the render worker before WeasyPrint creates its
    font configuration, this keeps system fonts from silently filling gaps.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    conf = cache_dir / "fonts.conf"
    # fontconfig validates its cache by folder mtime, which does not change when a
    # font file is replaced in place (`make fonts`): key the cache by the files.
    rules = _weight_rules(book)  # scan-time edits live in fontconfig's cache: key it by them too
    stamp = hashlib.sha256(rules.encode())
    for path in sorted(book.folder.iterdir()):
        info = path.stat()
        stamp.update(f"{path.name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    fc_cache = cache_dir / f"fc-cache-{stamp.hexdigest()[:12]}"
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        f"  <dir>{_xml(str(book.folder.resolve()))}</dir>\n"
        f"  <cachedir>{_xml(str(fc_cache.resolve()))}</cachedir>\n"
        "  <config><rescan><int>0</int></rescan></config>\n"
        f"{rules}"
        "</fontconfig>\n"
    )
    if not conf.is_file() or conf.read_text("utf-8") != text:
        conf.write_text(text, "utf-8")
    return conf


def _xml(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
