"""Spoken languages and locale data as a reader (or an agency clerk) sees them.

An interpreter is booked for a spoken language, not a script: the cards name
Cantonese and Mandarin, not "Chinese (Traditional)".  Names, dates and times
read as each language writes them, and every language name has a source.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from pathlib import Path

import pytest

from flyers import catalogs, preflight
from flyers.build import BuildRequest, build
from flyers.campaign import load_campaign
from flyers.errors import ConfigError
from flyers.fontstack import load_fonts
from flyers.languages import ENGLISH_AM_PM_RE, SPOKEN_FILE, Language, resolve_all, resolve_spoken, spoken_data
from flyers.model import PrintOptions
from flyers.templating import render_html

from .conftest import ROOT, copy_workspace


@pytest.fixture(scope="module")
def campaign():  # type: ignore[no-untyped-def]
    return load_campaign(ROOT)


@pytest.fixture(scope="module")
def languages(campaign):  # type: ignore[no-untyped-def]
    return resolve_all(campaign)


@pytest.fixture(scope="module")
def spoken(campaign, languages):  # type: ignore[no-untyped-def]
    return resolve_spoken(campaign, languages)


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The card formats (made per spoken language) of en, es and zh-Hans, built once."""
    root = copy_workspace(tmp_path_factory.mktemp("spoken") / "campaign", spoken=True)
    build(BuildRequest(root=root, out=root / "output", languages=("en", "es", "zh-Hans"),
                       formats=("card", "interpreter")))
    return root


def _text(path: Path, page: int | None = None) -> str:
    pages = preflight.pdf_text(path)
    return " ".join(" ".join(pages if page is None else [pages[page]]).split())


# --- data -------------------------------------------------------------------------------


def test_at_least_eighty_spoken_languages_each_with_a_source(spoken) -> None:  # type: ignore[no-untyped-def]
    assert len(spoken) >= 80
    for item in spoken.values():
        assert item.english_name and item.source, item.tag
    for needed in ("yue", "cmn", "yue-x-taishan", "cdo", "mam", "quc", "kjb", "mix", "qug", "cab",
                   "wo", "ff", "mnk", "snk", "bm", "bo", "uz", "sw"):
        assert needed in spoken, needed


def test_every_name_the_engine_adds_to_cldr_has_its_source() -> None:
    data = tomllib.loads(SPOKEN_FILE.read_text("utf-8"))
    assert data == spoken_data()
    for tag, entry in data.items():
        assert entry.get("source", "").strip(), f"{tag}: no source"
        if "names" in entry and "endonym" in entry:
            assert entry.get("names_source", "").strip(), f"{tag}: names without a source"


def test_chinese_readers_are_named_by_the_language_they_speak(campaign, languages, spoken) -> None:  # type: ignore[no-untyped-def]
    hant, hans = spoken["yue"], spoken["cmn"]
    assert (hant.english_name, hant.written, hant.name_in_written) == ("Cantonese", "zh-Hant", "粵語")
    assert (hans.english_name, hans.written, hans.name_in_written) == ("Mandarin", "zh-Hans", "普通话")
    assert spoken["yue-x-taishan"].written == spoken["cdo"].written == "zh-Hant"
    assert spoken["mam"].written == spoken["quc"].written == "es"
    # The written language's own cards name its first spoken language.
    fonts = load_fonts(campaign.fonts_dir)
    for tag, name in (("zh-Hant", "Cantonese"), ("zh-Hans", "Mandarin")):
        catalog = catalogs.load(campaign, languages[tag])
        for fmt in ("interpreter", "card"):
            html = render_html(campaign, campaign.formats[fmt], catalog, fonts, PrintOptions(), 9)
            assert name in html and "Simplified" not in html and "Traditional" not in html, (tag, fmt)


# --- locale data ------------------------------------------------------------------------


DATES = {"es": "6 de febrero de 2026", "ht": "6 fevriye 2026", "fr": "6 février 2026",
         "zh-Hans": "2026年2月6日", "ru": "6 февраля 2026 г."}
# (9:00, 18:00) as US texts in the language write them: the 12-hour clock.
TIMES = {"es": ("9:00 a. m.", "6:00 p. m."), "zh-Hant": ("上午9:00", "下午6:00"), "ko": ("오전 9:00", "오후 6:00"),
         "ru": ("9:00 утра", "6:00 вечера"), "ur": ("9:00 صبح", "6:00 شام"), "ar": ("9:00 ص", "6:00 م"),
         "fil": ("9:00 AM", "6:00 PM"), "el": ("9:00 π.μ.", "6:00 μ.μ."), "en": ("9:00 AM", "6:00 PM")}
# (heading or menu form, sentence form)
NAMES = {"es": ("Español", "español"), "fr": ("Français", "français"), "ru": ("Русский", "русский"),
         "sq": ("Shqip", "shqip"), "el": ("Ελληνικά", "Ελληνικά"), "de": ("Deutsch", "Deutsch")}


@pytest.mark.parametrize("tag", sorted(DATES))
def test_dates_read_as_the_language_writes_them(languages, tag: str) -> None:  # type: ignore[no-untyped-def]
    assert languages[tag].format_date(dt.date(2026, 2, 6)).replace("\u202f", " ") == DATES[tag]


@pytest.mark.parametrize("tag", sorted(TIMES))
def test_times_in_the_languages_us_form(languages, tag: str) -> None:  # type: ignore[no-untyped-def]
    shown = tuple(languages[tag].format_time(dt.time(h)).replace("\u202f", " ").replace("\xa0", " ")
                  for h in (9, 18))
    assert shown == TIMES[tag]


def test_no_time_borrows_an_english_am_inside_another_script(languages) -> None:  # type: ignore[no-untyped-def]
    for language in languages.values():
        if language.script != "Latn":
            for hour in (9, 18):
                assert not ENGLISH_AM_PM_RE.search(language.format_time(dt.time(hour))), language.tag


@pytest.mark.parametrize("tag", sorted(NAMES))
def test_language_names_in_sentence_and_heading_form(spoken, tag: str) -> None:  # type: ignore[no-untyped-def]
    assert (spoken[tag].endonym, spoken[tag].endonym_sentence) == NAMES[tag]


def test_portuguese_is_named_as_a_language_not_a_locale(spoken) -> None:  # type: ignore[no-untyped-def]
    assert spoken["pt"].english_name == "Portuguese" and spoken["pt"].name_in_written == "português"


# --- the printed cards -------------------------------------------------------------------


def test_cards_name_the_spoken_language_in_the_pdfs(cards: Path) -> None:
    out = cards / "output"
    hans = _text(out / "flyers/zh-Hans/kyr-zh-Hans-interpreter.pdf")
    assert "I speak Mandarin. I need a Mandarin interpreter." in hans
    assert "Simplified" not in hans and "Chinese" not in hans
    back = _text(out / "flyers/zh-Hans/kyr-zh-Hans-card.pdf", page=1)
    assert "My language is Mandarin (普通话)" in back
    es = _text(out / "flyers/es/kyr-es-interpreter.pdf")
    assert "Hablo español" in es and "Hablo Español" not in es
    assert "My language is Spanish (español)" in _text(out / "flyers/es/kyr-es-card.pdf", page=1)


def test_spoken_languages_get_their_own_cards(cards: Path) -> None:
    out = cards / "output"
    entries = json.loads((out / "manifest.json").read_text("utf-8"))["artifacts"]
    by_path = {e["path"]: e for e in entries}
    # Mam speakers who read, read Spanish: a wallet card and an interpreter card.
    for fmt in ("card", "interpreter"):
        entry = by_path[f"spoken/mam/kyr-mam-{fmt}.pdf"]
        assert (entry["spoken"], entry["language"]) == ("mam", "es")
    mam = _text(out / "spoken/mam/kyr-mam-interpreter.pdf")
    assert "I speak Mam. I need a Mam interpreter." in mam and "Qyool Mam" in mam and "Hablo mam." in mam
    assert "My language is Mam (Qyool Mam)" in _text(out / "spoken/mam/kyr-mam-card.pdf", page=1)
    # A language without a catalog: English only, plus its own name in its own script.
    assert "spoken/ta/kyr-ta-card.pdf" not in by_path
    assert by_path["spoken/ta/kyr-ta-interpreter.pdf"]["language"] == "en"
    assert "I speak Tamil. I need a Tamil interpreter." in _text(out / "spoken/ta/kyr-ta-interpreter.pdf")
    # Its version line names the piece (a shop sorts by it), not the English it is written in.
    assert "2026.11 · ta" in _text(out / "spoken/ta/kyr-ta-interpreter.pdf")
    assert "2026.11 · en" not in _text(out / "spoken/ta/kyr-ta-interpreter.pdf")
    assert "2026.11 · mam" in mam
    fonts = load_fonts(cards / "fonts")
    tamil = Language("ta", "ta", "Tamil", "தமிழ்", "ltr", "Taml", "ta")
    assert preflight.missing_by_glyphs(out / "spoken/ta/kyr-ta-interpreter.pdf", ["தமிழ்"], tamil, fonts) == []
    # The written language's own cards carry the spoken language they name.
    assert by_path["flyers/zh-Hans/kyr-zh-Hans-interpreter.pdf"]["spoken"] == "cmn"


def test_a_bad_spoken_table_names_the_key(tmp_path: Path) -> None:
    workspace = copy_workspace(tmp_path / "campaign", spoken=True)
    toml = workspace / "campaign.toml"
    original = toml.read_text("utf-8")
    toml.write_text(original.replace('mam = "es"', 'mam = "xx"').replace('bn = "bn"', 'bn = ""'), "utf-8")
    with pytest.raises(ConfigError) as info:
        load_campaign(workspace)
    message = info.value.render()
    assert "[spoken] mam: 'xx' is not in [campaign] languages" in message
    assert 'bn is one of the campaign\'s languages: write bn = "bn"' in message
    toml.write_text(original.replace('ta = ""', 'ta = ""\nzz = ""'), "utf-8")
    campaign = load_campaign(workspace)
    with pytest.raises(ConfigError) as info:
        resolve_spoken(campaign, resolve_all(campaign))
    assert "zz: CLDR has no names for it; add it to spoken_languages.toml with its source" in info.value.render()
