"""Every language the campaign needs, and a translation workflow that never prints stale text."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from flyers import catalogs, preflight
from flyers.build import BuildRequest, build
from flyers.campaign import load_campaign
from flyers.errors import CatalogError, ConfigError, RenderError
from flyers.fontstack import load_fonts
from flyers.languages import resolve, resolve_all

from .conftest import ROOT, own_core_catalog, run_cli

REQUIRED = {"en", "es", "zh-Hans", "zh-Hant", "ru", "bn", "ht", "ko", "ar", "ur", "fr", "pl", "yi", "it"}
RTL = {"ar", "ur", "yi", "fa", "prs", "ps", "pa-Arab"}


@pytest.fixture(scope="module")
def campaign():  # type: ignore[no-untyped-def]
    return load_campaign(ROOT)


@pytest.fixture(scope="module")
def template(campaign):  # type: ignore[no-untyped-def]
    return catalogs.templates(campaign)


def test_at_least_thirty_languages_including_the_required_ones(campaign) -> None:  # type: ignore[no-untyped-def]
    assert len(campaign.languages) >= 30
    assert set(campaign.languages) >= REQUIRED
    assert len(set(campaign.languages) - REQUIRED) >= 16


def test_every_catalog_is_complete_and_marked_draft(campaign, template) -> None:  # type: ignore[no-untyped-def]
    for language in resolve_all(campaign).values():
        status = catalogs.status(campaign, language, template)
        if language.tag == "en":
            continue
        assert (status.fuzzy, status.untranslated) == (0, 0), language.tag
        assert status.translated == len(template.msgids())
        assert status.review_status == "draft", language.tag
        header = catalogs.po_path(campaign, language).read_text("utf-8").split('msgid ""')[0]
        for field in ("Review-Status: draft", "Reviewer:", "Review-Date:", "Source-Hash:"):
            assert f"# {field}" in header, (language.tag, field)


def test_every_string_is_covered_by_its_fonts(campaign) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    fonts = load_fonts(campaign.fonts_dir)
    for language in resolve_all(campaign).values():
        loaded = catalogs.load(campaign, language)
        text = " ".join(loaded.translations.values()) + language.endonym
        text += language.format_date(campaign.facts.signed) + language.format_time(dt.time(9))
        text += language.format_time(dt.time(18))
        assert fonts.uncovered(language, text) == [], language.tag


def test_catalogs_pass_msgfmt_check_and_lint(campaign, template) -> None:  # type: ignore[no-untyped-def]
    for language in resolve_all(campaign).values():
        if language.tag != "en":
            assert catalogs.lint(catalogs.po_path(campaign, language), template.local) == [], language.tag


def test_directions_scripts_and_names_from_cldr(campaign) -> None:  # type: ignore[no-untyped-def]
    fonts = load_fonts(campaign.fonts_dir)
    languages = resolve_all(campaign)
    for tag, language in languages.items():
        assert language.direction == ("rtl" if tag in RTL else "ltr"), tag
    assert languages["bn"].endonym == "বাংলা" and languages["bn"].english_name == "Bangla"
    assert languages["zh-Hant"].endonym == "中文 (繁體)"
    assert languages["yi"].script == "Hebr" and languages["ko"].script == "Kore"
    # Urdu prints in Naskh (Nastaliq's lines collide at a flyer's line height); the site keeps Nastaliq.
    assert fonts.stack(languages["ur"])[0] == "Noto Naskh Arabic"
    assert load_fonts(campaign.fonts_dir, "screen").stack(languages["ur"])[0] == "Noto Nastaliq Urdu"
    assert fonts.stack(languages["zh-Hans"])[0] == "Noto Sans CJK SC"
    assert fonts.stack(languages["zh-Hant"])[0] == "Noto Sans CJK TC"
    assert languages["prs"].endonym == "دری" and languages["prs"].direction == "rtl"
    # Shahmukhi Punjabi: its own name without CLDR's "(عربی)"; Naskh in print, Nastaliq on the site, as Urdu.
    assert (languages["pa-Arab"].endonym, languages["pa-Arab"].script, languages["pa-Arab"].locale_id) == (
        "پنجابی", "Arab", "pa_Arab")
    assert fonts.stack(languages["pa-Arab"])[0] == "Noto Naskh Arabic"
    assert load_fonts(campaign.fonts_dir, "screen").stack(languages["pa-Arab"])[0] == "Noto Nastaliq Urdu"
    assert languages["bo"].script == "Tibt" and fonts.stack(languages["bo"])[0] == "Noto Serif Tibetan"
    assert languages["ff"].script == "Latn" and languages["ff"].endonym == "Pulaar"
    assert languages["mam"].endonym == "Qyool Mam" and languages["mam"].source == "campaign"


def test_new_languages_print_dates_and_times_in_their_own_words(campaign) -> None:  # type: ignore[no-untyped-def]
    languages = resolve_all(campaign)
    signed = campaign.facts.signed
    assert languages["sw"].format_date(signed) == "6 Februari 2026"
    assert languages["uz"].format_date(signed) == "6-fevral, 2026"
    assert languages["quc"].format_date(signed) == "6 Ukabʼ ikʼ 2026"  # locale_overrides.toml
    assert languages["mam"].format_date(signed) == "6 de febrero de 2026"  # formatting_locale es
    assert languages["pa-Arab"].format_date(signed) == "6 فروری، 2026"
    assert languages["pa-Arab"].format_time(dt.time(18)) == "6:00 شام"  # no English PM, no Babel error


def test_language_missing_from_cldr_needs_explicit_data(workspace: Path) -> None:
    path = workspace / "campaign.toml"
    text = path.read_text("utf-8")
    start = text.index("[locales.mam]")  # the campaign's own Mam data, taken out
    path.write_text(text[:start] + text[text.index("\n\n", start) + 2:], "utf-8")
    with pytest.raises(ConfigError, match=r"'mam' is not in CLDR; add a \[locales\.mam\] table"):
        resolve("mam", load_campaign(workspace))
    path.write_text(path.read_text("utf-8") + '''
[locales.mam]
english_name = "Mam"
endonym = "Qyol Mam"
script = "Latn"
direction = "ltr"
formatting_locale = "es_GT"
''', "utf-8")
    mam = resolve("mam", load_campaign(workspace))
    assert (mam.endonym, mam.direction, mam.locale_id) == ("Qyol Mam", "ltr", "mam")
    facts = load_campaign(workspace).facts
    assert facts is not None and "2026" in mam.format_date(facts.signed)


def test_status_json_shows_complete_stale_and_unreviewed(workspace: Path) -> None:
    result = run_cli("translations", "status", "-w", str(workspace), "--json")
    assert result.returncode == 0, result.stderr
    rows = {r["language"]: r for r in json.loads(result.stdout)}
    assert set(rows["es"]) >= {"language", "translated", "fuzzy", "untranslated", "review_status", "stale"}
    assert rows["es"]["review_status"] == "draft" and rows["es"]["stale"] is False
    assert rows["es"]["fuzzy"] == 0 and rows["es"]["untranslated"] == 0


def test_changed_english_marks_exactly_that_entry_stale_everywhere(workspace: Path) -> None:
    blocks = workspace / "templates" / "_blocks.html"  # the campaign's local text
    old, new = "Mayor's Office of Immigrant Affairs: %(url)s", "The Mayor's Office of Immigrant Affairs: %(url)s"
    assert "Mayor's Office of Immigrant Affairs: {{ url }}" in blocks.read_text("utf-8")
    blocks.write_text(blocks.read_text("utf-8").replace("Mayor's Office of Immigrant Affairs: {{ url }}",
                                                        "The Mayor's Office of Immigrant Affairs: {{ url }}"))
    result = run_cli("translations", "update", "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    campaign = load_campaign(workspace)
    for language in resolve_all(campaign).values():
        if language.tag == "en":
            continue
        catalog = catalogs.read_catalog(catalogs.po_path(campaign, language))
        fuzzy = [str(m.id) for m in catalog if m.id and m.fuzzy]
        assert fuzzy == [new], (language.tag, fuzzy)
        text = catalogs.po_path(campaign, language).read_text("utf-8")
        assert f'#| msgid "{old}"' in text  # the translator sees what the English used to say
    rows = {r["language"]: r for r in json.loads(run_cli("translations", "status", "-w", str(workspace),
                                                         "--json").stdout)}
    assert rows["es"]["fuzzy"] == 1 and rows["es"]["stale"] is True
    # Stale languages are not printed: reported and skipped, or refused with --strict.
    built = run_cli("build", "-w", str(workspace), "-l", "en", "-l", "es", "-f", "card")
    assert built.returncode == 0, built.stderr
    assert "not built: es: 1 sentence(s) missing or fuzzy" in built.stderr
    assert not (workspace / "output" / "flyers" / "es").exists()
    strict = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card", "--strict")
    assert strict.returncode == 1 and "--strict" in strict.stderr


def test_review_is_recorded_and_required_reviewed_refuses_drafts(workspace: Path) -> None:
    own_core_catalog(workspace, "es")  # a campaign reviews the core text only in its own copy
    refused = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card", "--require-reviewed")
    assert refused.returncode == 0 and "--require-reviewed" in refused.stderr
    assert not (workspace / "output" / "flyers" / "es").exists()
    marked = run_cli("translations", "review", "-w", str(workspace), "es", "--reviewer", "A. Translator",
                     "--date", "2026-11-20")
    assert marked.returncode == 0, marked.stderr
    for name in ("messages.po", "core.po"):
        header = (workspace / "translations/es/LC_MESSAGES" / name).read_text("utf-8")
        assert "# Review-Status: reviewed" in header and "# Reviewer: A. Translator" in header
    built = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card", "--require-reviewed")
    assert built.returncode == 0, built.stderr
    text = preflight.pdf_text(workspace / "output/flyers/es/kyr-es-card.pdf")[0]
    assert "Borrador" not in text and "no revisada" not in text.lower()


def test_draft_flyers_say_so_in_their_language(sample_build: Path) -> None:
    """Read from the PDFs themselves: a notice hidden by the stylesheet must fail this."""
    campaign = load_campaign(sample_build)
    fonts = load_fonts(campaign.fonts_dir)
    english = "Draft translation, not yet checked by a qualified translator."
    for tag in ("es", "ar", "zh-Hans"):
        catalog = catalogs.load(campaign, resolve(tag, campaign))
        notice = catalog.gettext(english)
        assert notice and notice != english
        for fmt in campaign.formats:
            path = sample_build / f"output/flyers/{tag}/kyr-{tag}-{fmt}.pdf"
            if preflight.uses_glyph_check(catalog.language):
                assert preflight.missing_by_glyphs(path, [notice], catalog.language, fonts) == [], path
            else:
                text = preflight.normalise(preflight.pdf_text(path)[0])  # on the page in the reader's language
                assert preflight.normalise(notice) in text, path
    english_text = preflight.normalise("".join(preflight.pdf_text(sample_build / "output/flyers/en/kyr-en-letter.pdf")))
    assert preflight.normalise(english) not in english_text  # the source text is not a draft


def test_text_that_cannot_fit_fails_with_a_clear_message(workspace: Path) -> None:
    po = own_core_catalog(workspace, "es")
    text = po.read_text("utf-8")
    long = "Usted tiene derecho a guardar silencio y nadie puede obligarle a hablar. " * 12
    text = re.sub(r'(msgid "You have the right to remain silent."\nmsgstr )"[^"]*"', rf'\1"{long}"', text)
    po.write_text(text, "utf-8")
    with pytest.raises(RenderError, match=r"es/card: (the text does not fit on 2 page\(s\) even at the format's "
                                          r"min_font_size 6\.5pt|the text fills \d+ pages; the format has 2)"):
        build(BuildRequest(root=workspace, out=workspace / "output", languages=("es",), formats=("card",)))
    assert not (workspace / "output").exists()


def test_a_translation_with_a_changed_placeholder_is_refused(workspace: Path) -> None:
    po = workspace / "translations/es/LC_MESSAGES/messages.po"
    text = po.read_text("utf-8")
    at = text.index("%(phone)s", text.index("msgstr", text.index("%(phone)s")))  # in a msgstr
    po.write_text(text[:at] + "%(telefono)s" + text[at + len("%(phone)s"):], "utf-8")
    campaign = load_campaign(workspace)
    problems = catalogs.lint(po, catalogs.extract(campaign))
    assert any("placeholders differ" in p and re.search(r"messages\.po:\d+:", p) for p in problems), problems
    result = build(BuildRequest(root=workspace, out=workspace / "output", languages=("en", "es"),
                                formats=("letter",)))
    assert re.search(r"messages\.po:\d+: a format specification for argument 'phone' doesn't exist",
                     result.failed["es"]), result.failed  # msgfmt's words, with file and line
    assert {a.language for a in result.artifacts} == {"en"}  # one language's mistake stops only it
    with pytest.raises(CatalogError, match=r"--strict: some languages cannot be built"):
        build(BuildRequest(root=workspace, out=workspace / "output", languages=("en", "es"),
                           formats=("letter",), strict=True))


@pytest.mark.slow
def test_the_whole_campaign_passes_every_check(full_build: Path) -> None:
    """Every language x format: pages, sentences, fonts (no .notdef), boxes, QR at 150 dpi."""
    report = preflight.check_output(full_build, full_build / "output")
    assert report.problems == []
    campaign = load_campaign(full_build)
    entries = json.loads((full_build / "output" / "manifest.json").read_text("utf-8"))["artifacts"]
    written = [e for e in entries if e["path"].startswith("flyers/")]
    # A home and a print PDF per language x format (home-sheets, for some formats, come on top).
    pairs = [e for e in written if e["variant"] in ("home", "print")]
    assert len(pairs) == len(campaign.languages) * len(campaign.formats) * 2
    assert {e["language"] for e in written} == set(campaign.languages)
    # Every spoken language has its interpreter card, named by its spoken tag.
    spoken = {e["spoken"] for e in entries if e["format"] == "interpreter"}
    assert spoken >= set(campaign.spoken) and len(spoken) >= 80
    assert report.checked == len(entries)


def test_cjk_subsets_cover_every_word_they_may_print() -> None:
    """The vendored CJK subsets hold every character of the catalogs and of CLDR's dates and times.

    CLDR data changes with Babel releases (a Korean "PM" once went missing from a subset);
    this fails before a build does and names the characters, the fix being `make fonts`.
    """
    import importlib.util
    import tomllib

    from fontTools.ttLib import TTFont

    spec = importlib.util.spec_from_file_location("vendor_fonts", ROOT / "tools" / "vendor_fonts.py")
    assert spec is not None and spec.loader is not None
    vendor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(vendor)
    families = tomllib.loads((ROOT / "fonts" / "fonts.toml").read_text("utf-8"))["families"]
    checked = 0
    for family in vendor.CJK_FACES:
        needed = {ch for ch in vendor.needed_chars(family) if not ch.isspace()}
        for file in families[family]["files"]:
            cmap = TTFont(ROOT / "fonts" / file).getBestCmap()
            missing = "".join(sorted(ch for ch in needed if ord(ch) not in cmap))
            assert not missing, f"fonts/{file} lacks {missing!r}: run `make fonts`"
            checked += 1
    assert checked == 8  # SC, TC, JP, KR in two weights
