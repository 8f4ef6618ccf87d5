"""Vendor the Noto fonts into fonts/ (run by `make fonts`; not needed to build).

Whole fonts are copied from Debian's fonts-noto-core.  The CJK fonts (about 20 MB
a face) are cut from Debian's fonts-noto-cjk collections down to the characters
the catalogs of the languages that use them need, plus CLDR's date and time words
for those locales, ASCII and CJK punctuation.  When a translator adds a character,
`flyers check` and the tests report it as uncovered; rerun `make fonts`.
"""

from __future__ import annotations

import shutil
import sys
import unicodedata
from pathlib import Path

from babel import Locale
from babel.messages.pofile import read_po
from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flyers.campaign import load_campaign  # noqa: E402
from flyers.catalogs import catalog_paths  # noqa: E402
from flyers.languages import Language, resolve_all, resolve_spoken  # noqa: E402

CORE = Path("/usr/share/fonts/truetype/noto")
CJK = Path("/usr/share/fonts/opentype/noto")
CJK_FACES = {  # family -> (file stem, face name inside the .ttc)
    "Noto Sans CJK SC": ("NotoSansCJKsc", "Noto Sans CJK SC"),
    "Noto Sans CJK TC": ("NotoSansCJKtc", "Noto Sans CJK TC"),
    "Noto Sans CJK JP": ("NotoSansCJKjp", "Noto Sans CJK JP"),
    "Noto Sans CJK KR": ("NotoSansCJKkr", "Noto Sans CJK KR"),
}
BASE_CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "".join(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
    + "".join(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    + "·•—–‘’“”…、。"
)


def locale_words(language: Language) -> str:
    """Every character a date or a clock time can print in this language.

    Dates and times as the flyers print them (Language.format_date/format_time,
    which pick the US 12-hour form), plus CLDR's full dates for good measure.
    """
    import datetime as dt

    from babel.dates import format_date

    locale = Locale.parse(language.formatting_locale)
    parts = [format_date(dt.date(2026, month, day), "full", locale=locale)
             for month in range(1, 13) for day in (1, 6, 17, 28)]
    parts += [language.format_date(dt.date(2026, month, 6)) for month in range(1, 13)]
    parts += [language.format_time(dt.time(hour, minute)) for hour in range(24) for minute in (0, 30)]
    parts.append(locale.get_display_name(locale) or "")
    return "".join(parts)


# Distributor names (a congregation, a pantry) use characters no catalog has: each
# subset also carries its region's everyday character set (the first level of the
# national standard: GB 2312, Big5 level 1, JIS X 0208 level 1, KS X 1001 Hangul).
NAME_SETS = {  # family -> (codec, lowest and highest encoded bytes of the set's first level)
    "Noto Sans CJK SC": ("gb2312", b"\xb0\xa1", b"\xf7\xfe"),
    "Noto Sans CJK TC": ("big5", b"\xa4\x40", b"\xc6\x7e"),
    "Noto Sans CJK JP": ("shift_jis", b"\x88\x9f", b"\x98\x72"),
    "Noto Sans CJK KR": ("euc_kr", b"\xb0\xa1", b"\xc8\xfe"),
}
NAME_RANGES = [(0x4E00, 0xA000), (0xAC00, 0xD7A4)]  # unified ideographs, Hangul syllables
KANA = "".join(chr(c) for c in range(0x3041, 0x3100)  # every hiragana and katakana, for Japanese names
               if unicodedata.name(chr(c), ""))


def name_chars(family: str) -> str:
    """The first level of the family's regional character set (see NAME_SETS)."""
    codec, low, high = NAME_SETS[family]
    chars = [KANA] if family == "Noto Sans CJK JP" else []
    for start, end in NAME_RANGES:
        for code in range(start, end):
            try:
                encoded = chr(code).encode(codec)
            except UnicodeEncodeError:
                continue
            if len(encoded) == 2 and low <= encoded <= high:
                chars.append(chr(code))
    return "".join(chars)


def catalog_text(path: Path) -> str:
    with open(path, "rb") as handle:
        catalog = read_po(handle)
    return "".join(str(m.string) for m in catalog if m.string)


def needed_chars(family: str) -> str:
    import tomllib

    campaign = load_campaign(ROOT)
    stacks = tomllib.loads((ROOT / "fonts" / "fonts.toml").read_text("utf-8"))
    text = BASE_CHARS
    languages = resolve_all(campaign)
    for language in languages.values():
        stack = stacks["languages"].get(language.tag) or stacks["scripts"].get(language.script, [])
        if family not in stack:
            continue
        for po in catalog_paths(campaign, language):  # core and local text
            text += catalog_text(po)
        text += name_chars(family)
        text += locale_words(language) + language.endonym + language.sentence_name
    # Spoken languages' names: their own (in their script's stack) and their name
    # inside their written language's sentences (in that language's stack).
    for spoken in resolve_spoken(campaign, languages).values():
        if family in stacks["scripts"].get(spoken.script, []):
            text += spoken.endonym + spoken.endonym_sentence
        written = languages.get(spoken.written)
        if written and family in (stacks["languages"].get(written.tag) or stacks["scripts"].get(written.script, [])):
            text += spoken.name_in_written
    return text


def cut_cjk(family: str, weight: str) -> Path:
    stem, face_name = CJK_FACES[family]
    collection = TTCollection(CJK / f"NotoSansCJK-{weight}.ttc")
    index = next(i for i, f in enumerate(collection.fonts) if f["name"].getDebugName(1) == face_name)
    options = subset.Options()
    options.font_number = index
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.hinting = False
    options.notdef_outline = True
    font = subset.load_font(str(CJK / f"NotoSansCJK-{weight}.ttc"), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=needed_chars(family))
    subsetter.subset(font)
    target = ROOT / "fonts" / f"{stem}-{weight}.subset.otf"
    subset.save_font(font, str(target), options)
    return target


def main() -> None:
    fonts_toml = ROOT / "fonts" / "fonts.toml"
    import tomllib

    families = tomllib.loads(fonts_toml.read_text("utf-8"))["families"]
    for family, table in families.items():
        for file in table["files"]:
            if family in CJK_FACES:
                weight = "Bold" if "Bold" in file else "Regular"
                target = cut_cjk(family, weight)
            else:
                target = ROOT / "fonts" / file
                shutil.copyfile(CORE / file, target)
            print(f"{target.relative_to(ROOT)}: {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
