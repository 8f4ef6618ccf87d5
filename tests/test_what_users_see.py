"""What a reader or a print shop would notice, each test written against a bug that once slipped through.

Every expected value here is computed without the code under test: phone numbers
from campaign.toml as written, dates and times from Babel for the language, QR
links and the cut-and-stack order written out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from babel import Locale
from babel.dates import format_date, format_skeleton

from flyers import catalogs, preflight
from flyers.batch import BatchRequest, run_batch
from flyers.build import BuildRequest, build
from flyers.campaign import load_campaign
from flyers.errors import CatalogError
from flyers.files import sha256_file
from flyers.fontstack import load_fonts
from flyers.languages import resolve
from flyers.templating import StrictGettext

from .conftest import ROOT, SAMPLE_LANGUAGES, copy_workspace, own_core_catalog, run_cli
from .test_batch import qr_by_slot

FLYER_FORMATS = ("letter", "a4", "half-letter", "tabloid", "card", "interpreter")


def manifest(root: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads((root / "output" / "manifest.json").read_text("utf-8"))["artifacts"]
    return entries


# --- the print cut: PDF/X-4 with a CMYK output intent ------------------------------------------------------


def test_every_print_cut_is_pdfx4_with_a_cmyk_output_intent(sample_build: Path) -> None:
    prints = [e for e in manifest(sample_build) if e["variant"] == "print"]
    assert {(e["language"], e["format"]) for e in prints} >= {(t, f) for t in SAMPLE_LANGUAGES for f in FLYER_FORMATS}
    for entry in prints:
        path = sample_build / "output" / entry["path"]
        with pikepdf.open(path) as pdf:  # as a shop's preflight reads it, not through our checker
            intents = list(pdf.Root.OutputIntents)
            assert [str(i.S) for i in intents] == ["/GTS_PDFX"], path
            profile = intents[0].DestOutputProfile.read_bytes()
            assert (profile[12:16], profile[16:20]) == (b"prtr", b"CMYK"), path
            assert pdf.open_metadata().get("pdfxid:GTS_PDFXVersion") == "PDF/X-4", path
        assert preflight.pdfx_problems(path) == []


@pytest.mark.parametrize("damage", ["no output intent", "no PDF/X marking", "an RGB profile"])
def test_flyers_check_catches_a_print_cut_without_its_intent(sample_build: Path, tmp_path: Path,
                                                              damage: str) -> None:
    entry = next(e for e in manifest(sample_build) if e["path"].endswith("kyr-es-card-print.pdf"))
    path = tmp_path / "kyr-es-card-print.pdf"
    with pikepdf.open(sample_build / "output" / entry["path"]) as pdf:
        if damage == "no output intent":
            del pdf.Root["/OutputIntents"]
        elif damage == "no PDF/X marking":
            with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
                del meta["pdfxid:GTS_PDFXVersion"]
        else:
            profile = pdf.Root.OutputIntents[0].DestOutputProfile
            data = bytearray(profile.read_bytes())
            data[16:20] = b"RGB "
            profile.write(bytes(data))
        pdf.save(path)
    campaign = load_campaign(sample_build)
    catalog = catalogs.load(campaign, resolve("es", campaign))
    problems = preflight.check_artifact(path, {**entry, "sha256": sha256_file(path)}, campaign,
                                        campaign.formats["card"], catalog, load_fonts(campaign.fonts_dir),
                                        "https://www.nyc.gov/immigrants")
    wanted = {"no output intent": "no PDF/X output intent", "no PDF/X marking": "GTS_PDFXVersion",
              "an RGB profile": "not a CMYK output"}[damage]
    assert any(wanted in p for p in problems), problems


# --- ink: text and QR in solid black, no screen ---------------------------------------------------------------

Colour = tuple[str, tuple[float, ...]]


@dataclass
class Ink:
    """Fill colours a PDF paints with: for text, for paths, and for QR codes (paths of many squares)."""

    text: Counter[Colour]
    paths: Counter[Colour]
    qr: Counter[Colour]


def fill_colours(pdf_path: Path) -> Ink:
    """Walk every content stream (forms included) tracking the fill colour through q/Q."""
    ink = Ink(Counter(), Counter(), Counter())
    with pikepdf.open(pdf_path) as pdf:
        for page in pdf.pages:
            _walk(page.obj, ("/DeviceGray", (0.0,)), ink, set())
    return ink


COLOUR_OPS = ("k", "g", "rg", "sc", "scn")


def _walk(obj: Any, fill: Colour, ink: Ink, seen: set[tuple[int, int]]) -> None:
    stack: list[Colour] = []
    space = "/DeviceGray"
    squares = 0
    resources = obj.get("/Resources") or pikepdf.Dictionary()
    instruction: Any
    for instruction in pikepdf.parse_content_stream(obj):
        operands, operator = instruction
        op = str(operator)
        values = tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name)) if op in COLOUR_OPS else ()
        if op == "q":
            stack.append(fill)
        elif op == "Q" and stack:
            fill = stack.pop()
        elif op in ("k", "g", "rg"):
            fill = ({"k": "/DeviceCMYK", "g": "/DeviceGray", "rg": "/DeviceRGB"}[op], values)
        elif op == "cs":
            space = str(operands[0])
        elif op in ("sc", "scn"):
            fill = (space, values)
        elif op in ("Tj", "TJ", "'", '"'):
            ink.text[fill] += 1
        elif op == "re":
            squares += 1
        elif op in ("f", "F", "f*", "B", "B*", "b", "b*"):
            (ink.qr if squares > 40 else ink.paths)[fill] += 1
            squares = 0
        elif op == "n":
            squares = 0
        elif op == "Do":
            xobject = (resources.get("/XObject") or {}).get(str(operands[0]))
            if xobject is not None and xobject.get("/Subtype") == "/Form" and xobject.objgen not in seen:
                _walk(xobject, fill, ink, seen | {xobject.objgen})


def cmyk(percentages: list[int]) -> Colour:
    return ("/DeviceCMYK", tuple(v / 100 for v in percentages))


SOLID_BLACK = cmyk([0, 0, 0, 100])


def campaign_colours(root: Path) -> dict[str, Colour]:
    values = tomllib.loads((root / "campaign.toml").read_text("utf-8"))["colours"]
    return {name: cmyk(v) for name, v in values.items()}


def test_text_and_qr_are_solid_black_in_every_flyer(sample_build: Path) -> None:
    """Body text is 100 % K, never a screen (60 % K text once passed a C=M=Y=0 check);
    other text is only the accent (headings) or paper (knocked out of a bar)."""
    colours = campaign_colours(sample_build)
    allowed_text = {SOLID_BLACK, colours["accent"], colours["paper"]}
    for entry in manifest(sample_build):
        ink = fill_colours(sample_build / "output" / entry["path"])
        assert set(ink.text) <= allowed_text, (entry["path"], set(ink.text) - allowed_text)
        body = ink.text[SOLID_BLACK]
        assert body > max(ink.text[colours["accent"]], ink.text[colours["paper"]]), (entry["path"], ink.text)
        has_qr = entry["format"] != "interpreter"
        assert set(ink.qr) == ({SOLID_BLACK} if has_qr else set()), (entry["path"], ink.qr)


# --- phones, hours and dates as printed, per language ----------------------------------------------------------

# Which facts each format prints, written out from the content brief (not read from the templates):
# the English fragment that identifies the sentence, and the contact whose values fill it.
FACTS = {
    "legal": ("free, safe immigration legal help", "legal"),
    "emergency": ("if immigration agents are at your home", "emergency"),
    "state": ("New Americans Hotline", "state"),
    "signed": ("signed Executive Order", None),
    "card-legal": ("Free legal help:", "legal"),
}
FORMAT_FACTS = {
    "letter": ("legal", "emergency", "state", "signed"),
    "a4": ("legal", "emergency", "state", "signed"),
    "tabloid": ("legal", "emergency", "state", "signed"),
    "half-letter": ("legal", "emergency", "signed"),
    "card": ("card-legal",),
    "interpreter": (),
}


def babel_locale(tag: str, toml: dict[str, Any]) -> Locale:
    explicit = toml.get("locales", {}).get(tag, {}).get("formatting_locale")
    return Locale.parse((explicit or tag).replace("-", "_"))


def us_clock(value: dt.time, locale: Locale, script: str) -> str:
    """A time as US texts write it, the 12-hour clock, by Babel: CLDR's "hm" pattern, or the
    day periods ("Bhm") where a non-Latin script would otherwise borrow the English AM/PM."""
    twelve = format_skeleton("hm", value, locale=locale)
    if re.search(r"\b[AP]M\b", twelve, re.I) and script != "Latn":
        return format_skeleton("Bhm", value, locale=locale)
    return twelve


def long_date(value: dt.date, tag: str, locale: Locale) -> str:
    """CLDR's long date, or the month names and order flyers/data/locale_overrides.toml records
    where CLDR lacks them (Haitian Creole, K'iche')."""
    overrides = tomllib.loads((ROOT / "flyers/data/locale_overrides.toml").read_text("utf-8"))
    data = overrides.get(tag, {})
    if "months" in data:
        return str(data["date"]).format(day=value.day, month=data["months"][value.month - 1], year=value.year)
    return format_date(value, "long", locale=locale)


def printed_facts(root: Path, tag: str, fmt: str) -> list[str]:
    """Each fact sentence of one (language, format), its translation filled with the expected values."""
    toml = tomllib.loads((root / "campaign.toml").read_text("utf-8"))
    campaign = load_campaign(root)
    catalog = catalogs.load(campaign, resolve(tag, campaign))
    english = catalogs.templates(campaign).msgids()  # core and local text
    locale = babel_locale(tag, toml)
    facts = toml["facts"]
    sentences = []
    for name in FORMAT_FACTS[fmt]:
        fragment, contact = FACTS[name]
        (msgid,) = [m for m in english if fragment in m]
        values = {"date": long_date(facts["signed"], tag, locale), "mayor": facts["mayor"],
                  "number": facts["order_number"]}
        if contact:
            data = toml["contacts"][contact]
            values |= {"name": data.get("name", ""), "phone": data["phone"]}
            if "opens" in data:
                opens, closes = (dt.time.fromisoformat(data[k]) for k in ("opens", "closes"))
                script = resolve(tag, campaign).script
                values |= {"open": us_clock(opens, locale, script), "close": us_clock(closes, locale, script)}
        text = catalog.gettext(msgid)
        assert text, (tag, msgid)
        sentences.append(re.sub(r"<[^>]+>", "", text) % values)
    return sentences


def missing_facts(root: Path, tag: str, fmt: str) -> list[str]:
    """Filled fact sentences not printed in the home PDF (text, or shaped glyphs for complex scripts)."""
    campaign = load_campaign(root)
    language = resolve(tag, campaign)
    path = root / "output" / "flyers" / tag / f"kyr-{tag}-{fmt}.pdf"
    sentences = printed_facts(root, tag, fmt)
    if preflight.uses_glyph_check(language):
        return preflight.missing_by_glyphs(path, sentences, language, load_fonts(campaign.fonts_dir))
    text = preflight.normalise("".join(preflight.pdf_text(path)))
    return [s for s in sentences if preflight.normalise(s) not in text]


def test_fact_sentences_are_the_ones_written_out() -> None:
    assert printed_facts(ROOT, "en", "letter") == [
        "ActionNYC: free, safe immigration legal help. Call (800) 354-0365, Monday to Friday, "
        "9:00 AM to 6:00 PM.",
        "Call 311 if immigration agents are at your home or someone has been detained.",
        "New York State New Americans Hotline, help in many languages: (800) 566-7636",
        "On February 6, 2026, Mayor Zohran Mamdani signed Executive Order 13.",
    ]
    assert "6 de febrero de 2026" in printed_facts(ROOT, "es", "letter")[3]


@pytest.mark.parametrize("tag", SAMPLE_LANGUAGES)
@pytest.mark.parametrize("fmt", FLYER_FORMATS)
def test_phones_hours_and_dates_print_as_written(sample_build: Path, tag: str, fmt: str) -> None:
    assert missing_facts(sample_build, tag, fmt) == []


@pytest.mark.slow
def test_phones_hours_and_dates_print_as_written_in_every_language(full_build: Path) -> None:
    campaign = load_campaign(full_build)
    missing = {(tag, fmt): lost for tag in campaign.languages for fmt in FLYER_FORMATS
               if (lost := missing_facts(full_build, tag, fmt))}
    assert missing == {}


# --- QR links per language, and the cut-and-stack order --------------------------------------------------------

INTERLEAVED = ROOT / "tests" / "data" / "orders-interleaved.csv"
LANG_LINK = "https://www.nyc.gov/immigrants?lang={lang}"


@pytest.fixture(scope="module")
def lang_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default campaign with a per-language QR link, cards built for Spanish and Arabic."""
    root = copy_workspace(tmp_path_factory.mktemp("lang") / "campaign")
    toml = root / "campaign.toml"
    text, count = re.subn(r'^link = ".*"$', f'link = "{LANG_LINK}"', toml.read_text("utf-8"), flags=re.M)
    assert count == 1
    toml.write_text(text, "utf-8")
    build(BuildRequest(root=root, out=root / "output", languages=("es", "ar"), formats=("card",)))
    return root


def test_a_lang_link_leads_each_language_to_its_own_page(lang_workspace: Path) -> None:
    for tag in ("es", "ar"):
        for suffix in ("", "-print"):
            path = lang_workspace / "output" / "flyers" / tag / f"kyr-{tag}-card{suffix}.pdf"
            assert preflight.decode_qr(path) == [f"https://www.nyc.gov/immigrants?lang={tag}"]


@pytest.fixture(scope="module")
def interleaved(lang_workspace: Path) -> Path:
    out = lang_workspace / "output" / "batch" / "interleaved"
    run_batch(BatchRequest(root=lang_workspace, orders=INTERLEAVED, out=out, mode="sequenced"))
    return out


def test_cut_and_stack_groups_a_distributor_on_non_adjacent_lines(interleaved: Path) -> None:
    """tests/data/orders-interleaved.csv lists Alpha and Beta twice, apart; off the guillotine
    and stacked, each distributor's pieces come out together, in packing-list order."""
    job = json.loads((interleaved / "job.json").read_text("utf-8"))
    (cards,) = [f for f in job["print_files"] if f["format"] == "card"]
    # 34 cards over more than one sheet: a real cut-and-stack (sequenced: one layout per press sheet)
    assert cards["layouts"] == cards["press_sheets"] == -(-34 // cards["pieces_per_sheet"]) >= 2
    read: list[list[str | None]] = []
    for sheet in range(cards["layouts"]):
        found = qr_by_slot(interleaved / cards["path"], 2 * sheet, cards["slots"], cards["trim_in"])
        read.append([found.get(slot) for slot in range(cards["pieces_per_sheet"])])
    stacks = [link for slot in range(cards["pieces_per_sheet"]) for sheet in read if (link := sheet[slot])]
    base = "https://www.nyc.gov/immigrants?lang="
    expected = ([f"{base}es&src=ALPHA-1"] * 12 + [f"{base}en&src=ALPHA-1"] * 5     # Alpha: lines 1 and 3
                + [f"{base}ar&src=BETA-2"] * 7 + [f"{base}es&src=BETA-2"] * 6      # Beta: lines 2 and 5
                + [f"{base}es&src=GAMMA-3"] * 4)                                    # Gamma: line 4
    assert stacks == expected


def test_batch_sheets_print_text_qr_and_imprints_solid_black(interleaved: Path, lang_workspace: Path) -> None:
    colours = campaign_colours(lang_workspace)
    job = json.loads((interleaved / "job.json").read_text("utf-8"))
    for entry in job["print_files"]:
        ink = fill_colours(interleaved / entry["path"])
        assert set(ink.text) <= {SOLID_BLACK, colours["accent"], colours["paper"]}, ink.text
        assert set(ink.qr) == {SOLID_BLACK}, ink.qr


# --- never English by accident ---------------------------------------------------------------------------------


def test_strict_gettext_never_falls_back_to_the_english() -> None:
    campaign = load_campaign(ROOT)
    catalog = catalogs.load(campaign, resolve("es", campaign))
    strict = StrictGettext(catalog)
    assert strict.gettext("Know Your Rights") == "Conozca sus derechos"
    for msgid in ("A sentence no catalog has.", "Know Your Rights "):
        with pytest.raises(CatalogError, match=r"messages\.po: no usable translation"):
            strict.gettext(msgid)
    with pytest.raises(CatalogError, match="no usable translation"):
        strict.ngettext("One sentence no catalog has.", "Two sentences no catalog has.", 2)


def test_a_sentence_the_extraction_misses_stops_the_build(workspace: Path) -> None:
    """A msgid built at render time is invisible to extraction, so the catalog check passes;
    the strict gettext must still refuse rather than print the English."""
    template = workspace / "templates" / "_blocks.html"
    text = template.read_text("utf-8")
    extra = '<p>{{ _("Keep this card " ~ "with you.") }}</p>\n'
    anchor = '<section class="eo13" data-block="eo13">\n'  # the workspace's own (local) text
    assert anchor in text
    template.write_text(text.replace(anchor, anchor + extra, 1), "utf-8")
    campaign = load_campaign(workspace)
    assert "Keep this card with you." not in {m.id for m in catalogs.extract(campaign)}
    result = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "letter")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "messages.po: no usable translation" in result.stderr and "Keep this card with you." in result.stderr
    assert "Traceback" not in result.stderr
    assert not (workspace / "output" / "flyers" / "es").exists()


def test_a_bare_percent_is_refused_with_catalog_and_line(workspace: Path) -> None:
    po = own_core_catalog(workspace, "es")  # "Know Your Rights" is core text (h12)
    text = po.read_text("utf-8")
    text, count = re.subn(r'(msgid "Know Your Rights"\nmsgstr )"[^"]*"', r'\1"Conozca sus derechos al 100 %"', text)
    assert count == 1
    po.write_text(text, "utf-8")
    line = text.splitlines().index('msgid "Know Your Rights"') + 1
    where = f"core.po:{line}: a bare '%'"
    lint = run_cli("translations", "lint", "-w", str(workspace))
    assert lint.returncode == 1 and where in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    built = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card")
    assert built.returncode == 1 and where in built.stderr, built.stderr
    assert "incomplete format" not in built.stderr and "Traceback" not in built.stderr
    assert not (workspace / "output").exists()
    # '%%' is how a translation writes a percent sign: accepted, printed as one '%'.
    po.write_text(text.replace("al 100 %", "al 100 %%"), "utf-8")
    assert not [p for p in catalogs.lint(po, catalogs.templates(load_campaign(workspace)).core) if "'%'" in p]


# --- flyers serve stops on Ctrl-C ------------------------------------------------------------------------------


def test_ctrl_c_while_a_request_thread_starts_stops_the_server(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C can land while the server waits for a request's thread to start; it must
    stop the server (it was once swallowed there, and `flyers serve` ran on)."""
    import socket
    import threading

    from flyers.serve import MAX_CONCURRENT, open_server

    (tmp_path / "index.html").write_text("<html></html>", "utf-8")
    server = open_server(tmp_path, 0)
    start = threading.Thread.start

    def interrupted_start(thread: threading.Thread) -> None:
        start(thread)
        thread.join(5)
        raise KeyboardInterrupt

    client = socket.create_connection(("127.0.0.1", int(server.server_address[1])))
    try:
        client.sendall(b"GET / HTTP/1.0\r\n\r\n")
        monkeypatch.setattr(threading.Thread, "start", interrupted_start)
        with pytest.raises(KeyboardInterrupt):
            server.handle_request()
        monkeypatch.undo()
        assert client.recv(100).startswith(b"HTTP/1.0 200")
        for _ in range(MAX_CONCURRENT):  # every slot was given back exactly once
            assert server.slots.acquire(blocking=False)
        assert not server.slots.acquire(blocking=False)
    finally:
        client.close()
        server.server_close()



# --- a hung render never outlives the build --------------------------------------------------------------------


def test_a_job_past_its_time_limit_leaves_no_worker_running(tmp_path: Path) -> None:
    import time

    import psutil

    from flyers.errors import RenderError
    from flyers.workers import run_jobs

    def workers() -> set[int]:  # live render workers (not multiprocessing's resource tracker)
        return {p.pid for p in psutil.Process().children(recursive=True)
                if "spawn_main" in " ".join(p.cmdline()) and p.status() != psutil.STATUS_ZOMBIE}

    before = workers()
    with pytest.raises(RenderError, match="stuck: rendering took longer than 1 s"):
        list(run_jobs(time.sleep, [3600.0], tmp_path / "fonts.conf", ["stuck"], timeout_s=1))
    left = workers() - before
    for pid in left:  # so that a failure here cannot hang the test session as well
        psutil.Process(pid).kill()
    assert left == set()
