"""campaign.toml, fonts.toml and orders validation: every problem at once, each naming its key."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from flyers.campaign import load_campaign
from flyers.errors import ConfigError, OrdersError
from flyers.orders import read_orders

from .conftest import run_cli


def edit(workspace: Path, old: str, new: str) -> None:
    path = workspace / "campaign.toml"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems(workspace: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_campaign(workspace)
    return info.value.problems or [str(info.value)]


def test_default_campaign_loads(workspace: Path) -> None:
    campaign = load_campaign(workspace)
    assert campaign.contacts["legal"].phone == "(800) 354-0365"
    assert campaign.contacts["state"].phone == "(800) 566-7636"
    assert campaign.contacts["emergency"].phone == "311"
    assert campaign.qr.link == "https://www.nyc.gov/immigrants"
    assert campaign.facts is not None and campaign.facts.order_number == "13"
    assert len(campaign.languages) >= 30
    assert {"letter", "a4", "half-letter", "tabloid", "card"} <= set(campaign.formats)
    assert campaign.formats["card"].pages == 2


def test_every_problem_is_reported_at_once(workspace: Path) -> None:
    edit(workspace, 'pages = 2', 'pages = "two"')
    edit(workspace, 'accent = [100, 60, 0, 20]', 'accent = [100, 60, 0, 120]')
    edit(workspace, 'link = "https://www.nyc.gov/immigrants"', 'link = "http://www.nyc.gov/immigrants"')
    edit(workspace, 'width = "8.5in"', 'width = "8.5 furlongs"')
    found = problems(workspace)
    assert any(p.startswith("[formats.card] pages:") for p in found), found
    assert any(p.startswith("[colours] accent:") and "0 to 100" in p for p in found), found
    assert any(p.startswith("[qr] link:") and "https://" in p for p in found), found
    assert any(p.startswith("[formats.letter] width:") for p in found), found
    assert len(found) == 4


def test_invalid_toml_names_the_line(workspace: Path) -> None:
    edit(workspace, '[facts]', '[facts\n')
    with pytest.raises(ConfigError) as info:
        load_campaign(workspace)
    assert "campaign.toml" in str(info.value) and "line" in str(info.value)


def test_bad_language_tag_and_duplicate(workspace: Path) -> None:
    edit(workspace, '"en", "es",', '"en", "es", "es", "Spanish!",')
    found = problems(workspace)
    assert any("'es' is listed twice" in p for p in found), found
    assert any("'Spanish!' is not a BCP 47 tag" in p for p in found), found


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"campaign\.toml: not found"):
        load_campaign(tmp_path)


# --- typos: warned with the nearest known name, errors under --strict ---------------------------

TYPOS = [
    ('phone = "311"', 'phnoe = "311"', "[contacts.emergency] phnoe: unknown key; did you mean `phone`?"),
    ('error_correction = "M"', 'error_corection = "H"',
     "[qr] error_corection: unknown key; did you mean `error_correction`?"),
    ('sections = ["door-short", "public", "eo13-short", "help-short"]',
     'sections = ["door-short", "public", "eo-13", "help-short"]',
     "[formats.half-letter] sections: unknown section 'eo-13'; did you mean `eo13`?"),
    ("[colours]", "[colors]", "[colors]: unknown table; did you mean `colours`?"),
]


@pytest.mark.parametrize("old,new,message", TYPOS)
def test_a_typo_is_a_warning_naming_the_key_and_an_error_under_strict(workspace: Path, old: str, new: str,
                                                                      message: str) -> None:
    edit(workspace, old, new)
    warnings = load_campaign(workspace).warnings
    assert any(w.startswith(message) for w in warnings), warnings
    with pytest.raises(ConfigError) as info:
        load_campaign(workspace, strict=True)
    assert any(p.startswith(message) and "--strict" in p for p in info.value.problems), info.value.problems


def test_typos_are_printed_by_the_build_and_stop_it_under_strict(workspace: Path) -> None:
    for old, new, _ in TYPOS:
        edit(workspace, old, new)
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "interpreter")
    assert result.returncode == 0, result.stderr
    stderr = " ".join(result.stderr.split())
    for _, _, message in TYPOS:
        assert f"warning: {message}" in stderr, stderr
    strict = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "interpreter", "--strict")
    assert strict.returncode == 1 and "Traceback" not in strict.stderr
    assert "did you mean `error_correction`?" in strict.stderr


def test_a_section_that_needs_facts_requires_them_and_only_then(workspace: Path) -> None:
    text = (workspace / "campaign.toml").read_text("utf-8")
    start, end = text.index("[facts]"), text.index("# Where to get help")
    (workspace / "campaign.toml").write_text(text[:start] + text[end:], "utf-8")
    found = problems(workspace)
    assert any(p.startswith("[facts]: is required, because [formats.letter] sections has 'eo13'") for p in found)
    text = (workspace / "campaign.toml").read_text("utf-8")
    (workspace / "campaign.toml").write_text(text.replace('"eo13", ', "").replace('"eo13-short", ', ""), "utf-8")
    campaign = load_campaign(workspace)
    assert campaign.facts is None and "eo13" not in campaign.sections


def test_wrong_types_are_all_reported_with_their_keys(workspace: Path) -> None:
    edit(workspace, 'phone = "311"', "phone = 311")
    edit(workspace, 'opens = "09:00"', 'opens = "nine"')
    edit(workspace, 'signed = 2026-02-06', 'signed = "February"')
    edit(workspace, '"en", "es",', '"en", "es", 7,')
    found = problems(workspace)
    assert "[contacts.emergency] phone: must be a str, got 311" in found
    assert "[contacts.legal] opens: must be a time such as 09:00, got 'nine'" in found
    assert any(p.startswith("[facts] signed: must be a date") for p in found)
    assert "[campaign] languages[2]: must be a str, got 7" in found


# --- fonts.toml and orders rows ----------------------------------------------------------------


@pytest.mark.parametrize("change,message", [
    (lambda t: "scripts = 5\n" + t.replace("[scripts]", "[ignored]"), "scripts: must be a table, got 5"),
    (lambda t: re.sub(r'^Cyrl = .*$', 'Cyrl = "Noto Sans"', t, flags=re.M),
     "[scripts] Cyrl: must be a list, got 'Noto Sans'; write [\"Noto Sans\"]"),
    (lambda t: t.replace('files = ["NotoSans-Regular.ttf", "NotoSans-Bold.ttf"]', 'files = "NotoSans.ttf"'),
     "[families.\"Noto Sans\"] files: must be a list, got 'NotoSans.ttf'; write [\"NotoSans.ttf\"]"),
])
def test_bad_fonts_toml_is_one_message_per_problem_never_a_traceback(workspace: Path, change: Any,
                                                                      message: str) -> None:
    path = workspace / "fonts" / "fonts.toml"
    path.write_text(change(path.read_text("utf-8")), "utf-8")
    result = run_cli("languages", "-w", str(workspace))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = [line.strip(" -") for line in result.stderr.splitlines()]
    assert message in lines, result.stderr
    assert len(lines) == 2, result.stderr  # the file, then exactly one problem


def test_a_short_orders_row_names_the_missing_columns(workspace: Path, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity\n"
                      "c1,Church,es,card,10\nc2,Mosque,es,card\nc3,Temple,spa,crad,x\n", "utf-8")
    with pytest.raises(OrdersError) as info:
        read_orders(orders, load_campaign(workspace))
    found = info.value.problems
    assert f"{orders}:3: 4 cells but the header has 5 columns (no quantity); is a comma missing?" in found
    assert f"{orders}:4: column language: 'spa' is not a campaign language" in " ".join(found)
    assert any(p.endswith("did you mean `card`?") and "column format: 'crad'" in p for p in found), found
    assert f"{orders}:4: column quantity: 'x' is not a whole number" in found
    assert not any("quantity: ''" in p for p in found)


# --- any city: the generic workspace --------------------------------------------------------------

NYC = ("New York", "Mamdani", "nyc.gov", "ActionNYC", "Executive Order")
LOCAL_SENTENCES = ("Our city's promise", "City staff do not ask about immigration status.")


def make_generic_city(target: Path) -> Path:
    """What a Chicago organiser does after `flyers init --generic`: two help lines, a
    real link, one local paragraph (with its translations), two formats."""
    result = run_cli("init", str(target), "--generic")
    assert result.returncode == 0, result.stderr
    toml = target / "campaign.toml"
    text = toml.read_text("utf-8")
    text = text.replace("https://example.invalid/know-your-rights", "https://example.org/chicago")
    text = text.replace("example.invalid/know-your-rights", "example.org/chicago")
    text = text.replace('name = ""                                # e.g. "Immigrant Legal Help Line"\n'
                        'phone = ""                               # e.g. "(555) 010-0000"',
                        'name = "Illinois Immigrant Legal Help"\nphone = "(555) 010-1000"')
    text = text.replace('[contacts.hotline]\nname = ""\nphone = ""',
                        '[contacts.hotline]\nname = "Family Support Hotline"\nphone = "(555) 010-2000"')
    text = text.replace('sections = ["door", "public", "detained", "family", "share"]',
                        'sections = ["door", "public", "detained", "family", "local", "share"]', 1)
    text = text.replace('min_font_size = "8.5pt"', 'min_font_size = "8pt"', 1)  # room for the local paragraph
    text = text[: text.index("[formats.a4]")] + text[text.index("[formats.card]"):]
    text = text[: text.index("[formats.interpreter]")]
    toml.write_text(text, "utf-8")
    blocks = target / "templates" / "_blocks.html"
    paragraph = (f"<h3>{{% trans %}}{LOCAL_SENTENCES[0]}{{% endtrans %}}</h3>\n"
                 f"  <p>{{% trans %}}{LOCAL_SENTENCES[1]}{{% endtrans %}}</p>")
    text = blocks.read_text("utf-8").replace('data-block="local">\n', f'data-block="local">\n  {paragraph}\n')
    blocks.write_text(text, "utf-8")
    assert run_cli("translations", "update", "-w", str(target)).returncode == 0
    for po in (target / "translations").glob("*/LC_MESSAGES/messages.po"):  # a translator's work
        text = po.read_text("utf-8")
        for sentence in LOCAL_SENTENCES:
            msgid = sentence.replace('"', '\\"')
            text = text.replace(f'msgid "{msgid}"\nmsgstr ""', f'msgid "{msgid}"\nmsgstr "({po.parts[-3]}) {msgid}"')
        po.write_text(text, "utf-8")
    return target


def test_a_generic_workspace_refuses_its_placeholder_link(tmp_path: Path) -> None:
    assert run_cli("init", str(tmp_path / "city"), "--generic").returncode == 0
    result = run_cli("build", "-w", str(tmp_path / "city"), "-l", "en", "-f", "card")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "[qr] link: 'https://example.invalid/know-your-rights' is the placeholder" in result.stderr
    assert not (tmp_path / "city" / "output").exists()
    campaign = load_campaign(tmp_path / "city")
    assert campaign.facts is None and "eo13" not in campaign.sections
    assert "New York" not in (tmp_path / "city" / "campaign.toml").read_text("utf-8")


@pytest.mark.slow
def test_another_city_builds_every_core_language_with_no_new_york_text(tmp_path: Path) -> None:
    from flyers.catalogs import engine_languages
    from flyers.preflight import pdf_text

    root = make_generic_city(tmp_path / "chicago")
    result = run_cli("site", "-w", str(root))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((root / "output" / "manifest.json").read_text("utf-8"))
    built = {e["language"] for e in manifest["artifacts"]}
    assert built == {"en", *engine_languages()}, sorted({"en", *engine_languages()} - built)
    for entry in manifest["artifacts"]:
        text = " ".join(pdf_text(root / "output" / entry["path"]))
        assert not [n for n in NYC if n in text], entry["path"]
    # no-break spaces are the layout's ties ("(555)\xa0010-2000", "help\xa0line"): compare as spaces
    english = " ".join(pdf_text(root / "output/flyers/en/kyr-en-letter.pdf")).replace("\xa0", " ")
    for needle in ("Illinois Immigrant Legal Help", "(555) 010-2000", *LOCAL_SENTENCES, "example.org/chicago"):
        assert needle.replace("'", "’") in english.replace("'", "’"), needle
    pages = list((root / "output" / "site").rglob("*.html"))
    assert len(pages) == len(built) + 1
    for page in pages:
        html = page.read_text("utf-8")
        assert not [n for n in NYC if n in html], page
    spanish = (root / "output/site/es/index.html").read_text("utf-8")
    assert "(es) City staff do not ask about immigration status." in spanish  # the site shows the flyer's sections


def test_a_name_from_campaign_toml_is_spelled_per_language_and_only_it_goes_fuzzy(workspace: Path) -> None:
    from babel.messages.pofile import read_po

    from flyers import catalogs
    from flyers.fontstack import load_fonts
    from flyers.languages import resolve
    from flyers.model import PrintOptions
    from flyers.templating import context

    assert run_cli("translations", "update", "-w", str(workspace)).returncode == 0
    po = workspace / "translations/ru/LC_MESSAGES/messages.po"
    text = po.read_text("utf-8")
    entry = 'msgctxt "[facts] mayor"\nmsgid "Zohran Mamdani"\nmsgstr ""'
    assert entry in text
    po.write_text(text.replace(entry, entry[:-2] + '"Зохран Мамдани"'), "utf-8")

    def mayor() -> str:
        campaign = load_campaign(workspace)
        language = resolve("ru", campaign)
        values = context(campaign, campaign.formats["letter"], catalogs.load(campaign, language),
                         load_fonts(campaign.fonts_dir), PrintOptions(), 12)
        return str(values["facts"]["mayor"])

    assert mayor() == "Зохран Мамдани"
    before = {(m.context, m.id) for m in read_po(po.open("rb")) if m.fuzzy}
    edit(workspace, 'mayor = "Zohran Mamdani"', 'mayor = "Zohran K. Mamdani"')
    assert run_cli("translations", "update", "-w", str(workspace)).returncode == 0
    after = {(m.context, m.id) for m in read_po(po.open("rb")) if m.fuzzy}
    assert after - before == {("[facts] mayor", "Zohran K. Mamdani")}  # that entry, and nothing else
    assert mayor() == "Zohran K. Mamdani"  # a fuzzy spelling is not used: the name as written is
