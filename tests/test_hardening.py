"""Hostile catalogs, bad input, crashes and reproducible output."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest

from flyers import catalogs, preflight
from flyers.build import BuildRequest, build, cache_key, pieces, plan
from flyers.campaign import load_campaign, source_date
from flyers.defaults import DEFAULTS
from flyers.errors import FlyersError
from flyers.model import PrintOptions

from .conftest import ROOT, copy_workspace, own_core_catalog, run_cli

SMALL = ROOT / "tests" / "data" / "orders-small.csv"
HOSTILE = (
    '<script>alert(1)</script>Conozca <img src="file:///etc/passwd"> sus derechos'
    '<link rel="attachment" href="file:///etc/passwd"><style>@import url(http://evil.example/x.css);</style>'
    ' http://evil.example/ file:///etc/hostname'
)


def set_msgstr(po: Path, msgid: str, value: str) -> None:
    text = po.read_text("utf-8")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    new, count = re.subn(rf'(msgid "{re.escape(msgid)}"\nmsgstr )"[^\n]*"', lambda m: f'{m[1]}"{escaped}"', text)
    assert count == 1, msgid
    po.write_text(new, "utf-8")


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def all_objects_text(path: Path) -> bytes:
    """Every object of a PDF, streams decoded, as one blob to search."""
    blob = []
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            blob.append(repr(obj).encode("utf-8", "replace"))
            if isinstance(obj, pikepdf.Stream):
                try:
                    blob.append(obj.read_bytes())
                except pikepdf.PdfError:
                    blob.append(obj.read_raw_bytes())
    return b"\n".join(blob)


# --- hostile catalogs ------------------------------------------------------------------------


def test_hostile_translation_is_stripped_reported_and_never_fetched(workspace: Path) -> None:
    po = own_core_catalog(workspace, "es")
    set_msgstr(po, "Know Your Rights", HOSTILE)
    set_msgstr(po, "You can ask for an interpreter who speaks your language.",
               '<a href="http://evil.example/">Pida</a> un intérprete <iframe src="file:///etc/passwd"></iframe>')
    build(BuildRequest(root=workspace, out=workspace / "output", languages=("es",), formats=("letter", "card")))
    passwd = Path("/etc/passwd").read_bytes()[:40]
    for pdf_path in (workspace / "output/flyers/es").glob("*.pdf"):
        blob = all_objects_text(pdf_path)
        for needle in (b"/EmbeddedFiles", b"/FileAttachment", b"/URI", b"/Launch", b"/GoToR", b"evil.example/x.css"):
            assert needle not in blob, (pdf_path.name, needle)
        assert passwd not in blob
        text = "".join(preflight.pdf_text(pdf_path))
        assert "Conozca" in text and "<script" not in text and "alert(1)" not in text and "<img" not in text
    # Reported with catalog, line and reason, by lint and by check.
    problems = catalogs.lint(po, catalogs.extract_core())
    assert any(re.search(r"es/LC_MESSAGES/core\.po:\d+: markup in the translation of 'Know Your Rights'", p)
               for p in problems), problems
    assert any(re.search(r"core\.po:\d+: a link or URL in the translation of 'Know Your Rights'", p)
               for p in problems), problems
    lint = run_cli("translations", "lint", "-w", str(workspace))
    assert lint.returncode == 1 and "markup in the translation" in lint.stderr
    check = run_cli("check", "-w", str(workspace))
    assert check.returncode == 1 and "a link or URL in the translation" in check.stderr


@pytest.mark.parametrize("reference", ['<img src="file:///etc/passwd">', '<link rel="stylesheet" href="https://evil.example/a.css">',
                                       '<img src="../../../../etc/hostname">'])
def test_fetcher_refuses_anything_outside_the_workspace(workspace: Path, reference: str) -> None:
    template = workspace / "templates" / "flyer.html"
    text = template.read_text("utf-8")
    assert '<header class="masthead">' in text
    template.write_text(text.replace('<header class="masthead">', reference + '<header class="masthead">', 1), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "letter")
    assert result.returncode == 1
    assert "refused to fetch" in result.stderr and "Traceback" not in result.stderr
    assert not (workspace / "output").exists()


def test_build_without_network_gives_identical_output(tmp_path: Path) -> None:
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-n", "true"], check=False).returncode:
        pytest.skip("unshare -n (a network namespace) is not available here")
    outputs = []
    for name, prefix in (("online", []), ("offline", ["unshare", "-n"])):
        workspace = copy_workspace(tmp_path / name)
        result = subprocess.run([*prefix, sys.executable, "-m", "flyers", "build", "-w", str(workspace),
                                 "-l", "es", "-l", "ar", "-f", "letter", "-f", "card", "-f", "interpreter"],
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        outputs.append(hashes(workspace / "output"))
    # every manifest entry (two cuts per format, home sheets, spoken-language cards) and the manifest
    entries = json.loads((tmp_path / "offline" / "output" / "manifest.json").read_text("utf-8"))["artifacts"]
    assert outputs[0] == outputs[1] and len(outputs[0]) == len(entries) + 1 > 2 * 3 * 2 + 1


# --- pathological input ------------------------------------------------------------------------


def test_a_200000_word_translation_fails_fast_and_clearly(workspace: Path) -> None:
    po = own_core_catalog(workspace, "es")
    set_msgstr(po, "You have the right to remain silent.", "palabra " * 200_000)
    start = time.monotonic()
    result = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card", "--timeout", "20")
    assert result.returncode == 1, result.stderr
    assert re.search(r"es/card: (the text fills \d+ pages|rendering took longer than 20 s)", result.stderr)
    assert "Traceback" not in result.stderr
    assert time.monotonic() - start < 300
    assert not (workspace / "output").exists()


def test_deeply_nested_template_cannot_hang_the_build(workspace: Path) -> None:
    template = workspace / "templates" / "flyer.html"
    nested = "<div>" * 3000 + "deep" + "</div>" * 3000
    template.write_text(template.read_text("utf-8").replace("<main>", "<main>" + nested, 1), "utf-8")
    result = subprocess.run([sys.executable, "-m", "flyers", "build", "-w", str(workspace), "-l", "en", "-f",
                             "letter", "--timeout", "60"], capture_output=True, text=True, timeout=240, check=False)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1)
    if result.returncode:
        assert "en/letter" in result.stderr


# --- bad input: one message naming the file and key or line, non-zero exit, nothing written ----------

BAD_CAMPAIGN = [
    ('link = "https://www.nyc.gov/immigrants"', 'link = "https://www.nyc.gov/' + "x" * 150 + '"',
     r"\[qr\] link: is 170 characters; at most 120"),
    ('link = "https://www.nyc.gov/immigrants"', 'link = "https://www.nyc.gov/immigrants/' + "k" * 75 + '"',
     r"\[qr\] link: .* needs a \d+-module code; at card's qr_size its modules print at 0\.\d+ mm, below "
     r"min_module_mm 0\.4 mm"),
    ('error_correction = "M"', 'error_correction = "L"', r"\[qr\] error_correction: must be M, Q or H"),
    ('min_module_mm = 0.4', 'min_module_mm = 9', r"\[qr\] min_module_mm: must be between"),
    ('tint = [10, 4, 0, 0]', 'tint = [10, 4, 0]', r"\[colours\] tint: must be four CMYK percentages"),
    ('signed = 2026-02-06', 'signed = "February"', r"\[facts\] signed: must be a date"),
    ('margin = "0.5in"', 'margin = "-1in"', r"\[formats\.letter\] margin: must be a length"),
    ('min_font_size = "8.5pt"', 'min_font_size = "40pt"', r"min_font_size: must not be larger than font_size"),
    ('opens = "09:00"', 'opens = "nine"', r"\[contacts\.legal\] opens: must be a time"),
    ('phone = "(800) 566-7636"', 'phone = "call us"', r"\[contacts\.state\] phone: must be a phone number"),
    # Cherokee: a script fonts.toml has no stack for (Thai, the old example, has one since the spoken languages)
    ('"mam",\n]', '"mam", "chr",\n]', r"fonts\.toml: no font stack for script 'Cher' \(language chr\)"),
    ('"mam",\n]', '"mam", "xq",\n]', r"'xq' is not in CLDR; add a \[locales\.xq\] table"),
]


@pytest.mark.parametrize("old,new,message", BAD_CAMPAIGN)
def test_bad_campaign_values(workspace: Path, old: str, new: str, message: str) -> None:
    toml = workspace / "campaign.toml"
    text = toml.read_text("utf-8")
    assert old in text
    toml.write_text(text.replace(old, new, 1), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "card")
    assert result.returncode == 1, result.stdout
    assert re.search(message, result.stderr.replace("\n  - ", " ")), result.stderr
    assert "campaign.toml" in result.stderr or "fonts.toml" in result.stderr
    assert "Traceback" not in result.stderr and not (workspace / "output").exists()


def test_non_utf8_campaign_and_catalog(workspace: Path) -> None:
    toml = workspace / "campaign.toml"
    toml.write_bytes(toml.read_bytes().replace(b"NYC Know Your Rights campaign", b"Campa\xf1a"))
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "card")
    assert result.returncode == 1 and "campaign.toml: not UTF-8 text" in result.stderr
    shutil.copy(ROOT / "campaign.toml", toml)
    po = own_core_catalog(workspace, "es")
    po.write_bytes(po.read_bytes().replace(b"Conozca", b"Con\xf3zca"))
    result = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card")
    assert result.returncode == 1 and re.search(r"es/LC_MESSAGES/core\.po:\d+: not UTF-8", result.stderr)
    assert not (workspace / "output").exists()


def test_broken_catalog_syntax_names_the_line(workspace: Path) -> None:
    po = own_core_catalog(workspace, "fr")
    text = po.read_text("utf-8")
    line = text[: text.index('msgid "Know Your Rights"')].count("\n") + 1
    po.write_text(text.replace('msgid "Know Your Rights"', 'garbage here\nmsgid "Know Your Rights"', 1), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "fr", "-f", "card")
    assert result.returncode == 1
    assert f"fr/LC_MESSAGES/core.po:{line}: keyword \"garbage\" unknown" in result.stderr, result.stderr


def test_unwritable_output_folder(workspace: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "card", "--out", str(blocker / "out"))
    assert result.returncode == 1
    assert str(blocker / "out") in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args,message", [
    (["batch", "--mode", "shuffled"], "Invalid value for '--mode'"),
    (["batch", "--sheet", "napkin"], "Invalid value for '--sheet'"),
    (["build", "--timeout", "0"], "Invalid value for '--timeout'"),
])
def test_bad_cli_options_are_usage_errors(workspace: Path, args: list[str], message: str) -> None:
    result = run_cli(*args, "-w", str(workspace))
    assert result.returncode == 2 and message in result.stderr
    assert not (workspace / "output").exists()


# --- reproducible and crash-safe output ----------------------------------------------------------


def test_two_builds_in_separate_processes_are_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seconds apart and without SOURCE_DATE_EPOCH (which would hide a clock in the bytes,
    such as a font subset's head.modified): the dates come from campaign.toml."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    results = []
    env = dict(os.environ)
    for name in ("one", "two"):
        workspace = copy_workspace(tmp_path / name)
        for args in (["build", "-l", "zh-Hant", "-l", "ur", "-f", "letter", "-f", "card"],
                     ["batch", str(SMALL), "--mode", "sequenced"]):
            result = subprocess.run([sys.executable, "-m", "flyers", *args, "-w", str(workspace)], env=env,
                                    capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stderr
        results.append(hashes(workspace / "output"))
    assert results[0] == results[1]
    assert any(k.endswith(".zip") for k in results[0]) and any(k.endswith("-print.pdf") for k in results[0])
    with pikepdf.open(tmp_path / "one/output/flyers/ur/kyr-ur-card-print.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith(source_date(load_campaign(ROOT)).strftime("D:%Y%m%d%H%M%S"))


def test_master_keys_do_not_depend_on_where_the_engine_is_checked_out(tmp_path: Path) -> None:
    """The core catalogs ship with the engine: their path (a CI clone, a shop's install)
    must not enter the master's key, which is the PDF's /ID (it did: every translated
    master's bytes changed with the checkout's path)."""
    build_plan = plan(BuildRequest(root=ROOT, out=tmp_path, languages=("es",), formats=("card",)))
    campaign = build_plan.campaign
    options = PrintOptions(profile=campaign.root / DEFAULTS.profile)
    _, name, catalog, _ = next(p for p in pieces(build_plan) if p[0] == "es")
    assert catalog.core_path is not None and catalog.core_ids  # a catalog that has core messages
    moved = dataclasses.replace(catalog, core_path=Path("/elsewhere/kyr-flyers") / catalog.core_path.name,
                                path=tmp_path / "es.po")
    key = cache_key(campaign, campaign.formats[name], catalog, build_plan.fonts, options)
    assert cache_key(campaign, campaign.formats[name], moved, build_plan.fonts, options) == key
    changed = dataclasses.replace(catalog, translations={**catalog.translations, "Know Your Rights": "Otro"})
    assert cache_key(campaign, campaign.formats[name], changed, build_plan.fonts, options) != key


def test_killed_batch_finishes_on_rerun(tmp_path: Path) -> None:
    workspace = copy_workspace(tmp_path / "campaign")
    out = workspace / "output" / "batch" / "orders-small"
    command = [sys.executable, "-m", "flyers", "batch", str(SMALL), "--mode", "sequenced", "-w", str(workspace)]
    for delay in (0.5, 2.0, 4.0, 7.0):
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        time.sleep(delay)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    final = subprocess.run(command, capture_output=True, text=True, check=False)
    assert final.returncode == 0, final.stderr
    check = subprocess.run(["sha256sum", "-c", "--quiet", "SHA256SUMS"], cwd=out, check=False)
    assert check.returncode == 0
    leftovers = [p for p in (workspace / "output").rglob("*") if p.name.startswith(".")]
    assert leftovers == []
    modes = {oct(p.stat().st_mode & 0o777) for p in (workspace / "output").rglob("*") if p.is_file()}
    assert modes == {"0o644"}


def test_a_zip_a_killed_batch_was_writing_is_swept_on_rerun(tmp_path: Path) -> None:
    """The zip is written beside the package, in a folder other packages share: a run
    removes the temp file a killed run of its own package left there, and no other; and
    in the package, the proof parts and print files a killed run of another plan left."""
    workspace = copy_workspace(tmp_path / "campaign")
    batch = workspace / "output" / "batch"
    batch.mkdir(parents=True)
    own = batch / ".tmp-orders-small.zip-k1ll3d"  # as atomic_open names it
    other = batch / ".tmp-other-plan.zip-busy12"  # another package's zip, being written now
    for path in (own, other):
        path.write_bytes(b"PK\x03\x04 half a zip")
    # killed the moment the proof's parts are written, before they are joined (no cleanup runs)
    killed = ("import os, sys; import flyers.batch as b; from flyers.cli import main; "
              "b._concatenate = lambda parts, target: os._exit(9); sys.exit(main())")
    dead = subprocess.run([sys.executable, "-c", killed, "batch", str(SMALL), "--mode", "copies", "-w",
                           str(workspace)], capture_output=True, text=True, check=False)
    assert dead.returncode == 9, dead.stderr
    assert any(batch.glob("orders-small/.*proof-letter*"))  # what the kill left
    cards = tmp_path / "changed" / SMALL.name  # the same package, now without its letter line
    cards.parent.mkdir()
    cards.write_text("".join(line for line in SMALL.read_text("utf-8").splitlines(keepends=True)
                             if ",letter," not in line), "utf-8")
    result = run_cli("batch", str(cards), "--mode", "copies", "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    assert not own.exists()
    assert other.exists()
    assert [p.name for p in batch.rglob(".*")] == [other.name]
    # the letter file the killed run printed is not part of the new package: not on disk,
    # not in its checksums, not in its zip
    package = batch / "orders-small"
    assert sorted(p.name for p in (package / "print").iterdir()) == ["card-copies.pdf"]
    assert "letter" not in (package / "SHA256SUMS").read_text("utf-8")
    with zipfile.ZipFile(batch / "orders-small.zip") as archive:
        assert [n for n in archive.namelist() if "/print/" in n] == ["orders-small/print/card-copies.pdf"]
    assert (batch / "orders-small.zip").is_file()


def test_full_disk_keeps_previous_outputs(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request = BuildRequest(root=workspace, out=workspace / "output", languages=("es",), formats=("card",))
    build(request)
    before = hashes(workspace / "output")
    set_msgstr(own_core_catalog(workspace, "es"), "Know Your Rights", "Conozca sus derechos hoy")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("flyers.files.os.fsync", no_space)
    with pytest.raises(FlyersError, match=r"\.pdf: cannot write: No space left on device"):
        build(request)
    monkeypatch.undo()
    assert hashes(workspace / "output") == before
    assert not [p for p in (workspace / "output").rglob(".tmp-*")]


# --- catalogs parsed as strictly as msgfmt; one language's mistake stops only it ----------------


def fill_catalogs(workspace: Path, tag: str) -> None:
    """Stand in for a translator: every missing or fuzzy entry of ``tag`` gets a text
    (the English, marked), so the test does not depend on the catalogs' progress."""
    from babel.messages.pofile import read_po, write_po

    for po in (own_core_catalog(workspace, tag), workspace / "translations" / tag / "LC_MESSAGES" / "messages.po"):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in catalog:
            if message.id and not message.context and (message.fuzzy or not message.string):
                message.flags.discard("fuzzy")
                message.string = f"[{tag}] {message.id}"
        with po.open("wb") as handle:
            write_po(handle, catalog)


BROKEN_CATALOG = [
    ('msgstr "Usted tiene derecho a permanecer en silencio."', "msgstr Usted tiene derecho a permanecer en silencio.",
     r'core\.po:{line}: keyword "Usted" unknown'),
    ('msgstr "Usted tiene derecho a permanecer en silencio."', 'msgstr "Usted tiene derecho a permanecer en silencio.',
     r"core\.po:({line}|{next}): end-of-line within string"),  # msgfmt counts the line the string runs into
]


@pytest.mark.parametrize("old,new,message", BROKEN_CATALOG)
def test_a_malformed_catalog_stops_that_language_with_file_and_line(workspace: Path, old: str, new: str,
                                                                     message: str) -> None:
    po = own_core_catalog(workspace, "es")
    text = po.read_text("utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    po.write_text(text.replace(old, new, 1), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-l", "es", "-f", "card")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert re.search(message.format(line=line, next=line + 1), result.stderr), result.stderr
    assert "es: " in result.stderr and "(the others were built)" in result.stderr
    assert (workspace / "output/flyers/en/kyr-en-card.pdf").is_file()
    assert not (workspace / "output/flyers/es").exists()  # never "sted tiene derech"


def test_a_wrong_placeholder_stops_only_its_language_unless_strict(workspace: Path) -> None:
    fill_catalogs(workspace, "es")
    fill_catalogs(workspace, "fr")
    po = own_core_catalog(workspace, "es")
    text = po.read_text("utf-8")
    at = text.index("%(phone)s", text.index("msgstr", text.index('msgid "Free legal help')))
    po.write_text(text[:at] + "%(telefono)s" + text[at + len("%(phone)s"):], "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "es", "-l", "fr", "-f", "card")
    assert result.returncode == 1, result.stderr
    assert re.search(r"es/LC_MESSAGES/core\.po:\d+: a format specification for argument 'phone' doesn't exist",
                     result.stderr), result.stderr
    assert (workspace / "output/flyers/fr/kyr-fr-card.pdf").is_file()
    assert not (workspace / "output/flyers/es").exists()
    shutil.rmtree(workspace / "output")
    strict = run_cli("build", "-w", str(workspace), "-l", "es", "-l", "fr", "-f", "card", "--strict")
    assert strict.returncode == 1 and "--strict: some languages cannot be built" in strict.stderr
    assert not (workspace / "output").exists()


# --- languages come and go ---------------------------------------------------------------------------


def test_a_language_without_a_catalog_is_named_with_the_next_step_and_can_be_added(workspace: Path) -> None:
    toml = workspace / "campaign.toml"
    toml.write_text(toml.read_text("utf-8").replace('"mam",\n]', '"mam", "so",\n]'), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-l", "so", "-f", "card")
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert re.search(r"not built: so: no catalog yet \(\d+ sentences to translate\); run `flyers "
                     r"translations add so`, then send translations/so/ to a translator", said), said
    assert (workspace / "output/flyers/en/kyr-en-card.pdf").is_file()
    status = run_cli("translations", "status", "-w", str(workspace), "--json")
    assert status.returncode == 0, status.stderr
    rows = {r["language"]: r for r in json.loads(status.stdout)}
    assert rows["so"]["catalog_missing"] is True and rows["so"]["translated"] == 0
    added = run_cli("translations", "add", "-w", str(workspace), "so")
    assert added.returncode == 0, added.stderr
    for name in ("messages.po", "core.po"):  # the engine has no Swahili core text: the campaign's own
        po = workspace / "translations/so/LC_MESSAGES" / name
        assert po.is_file() and "Language: so" in po.read_text("utf-8")
        assert not subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)], capture_output=True).returncode
    again = run_cli("build", "-w", str(workspace), "-l", "en", "-l", "so", "-f", "card")
    assert again.returncode == 0 and "so: " in again.stderr and "missing or fuzzy" in again.stderr
    # `translations add` puts a new tag into campaign.toml, comments kept.
    added = run_cli("translations", "add", "-w", str(workspace), "ha")
    assert added.returncode == 0, added.stderr
    assert "ha" in load_campaign(workspace).languages and "# NYC Local Law 30" in toml.read_text("utf-8")


def test_update_creates_a_missing_catalog(workspace: Path) -> None:
    shutil.rmtree(workspace / "translations" / "pl")
    result = run_cli("translations", "update", "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    assert (workspace / "translations/pl/LC_MESSAGES/messages.po").is_file()
    assert "created" in result.stdout and "pl/LC_MESSAGES/messages.po" in result.stdout


# --- output is exactly the campaign ------------------------------------------------------------


def test_files_the_campaign_no_longer_makes_leave_output(workspace: Path) -> None:
    fill_catalogs(workspace, "es")
    first = run_cli("build", "-w", str(workspace), "-l", "en", "-l", "es", "-f", "card", "-f", "interpreter")
    assert first.returncode == 0, first.stderr
    stray = workspace / "output/flyers/en/kyr-en-old-poster.pdf"
    shutil.copy(workspace / "output/flyers/en/kyr-en-card.pdf", stray)
    check = run_cli("check", "-w", str(workspace))
    assert check.returncode == 1 and "flyers/en/kyr-en-old-poster.pdf: stale: not in manifest.json" in check.stderr
    # Spanish loses a sentence (as when the English changes under it); the interpreter card is dropped.
    set_msgstr(own_core_catalog(workspace, "es"), "Know Your Rights", "")
    check = run_cli("check", "-w", str(workspace))
    assert check.returncode == 1 and re.search(r"flyers/es/kyr-es-card\.pdf: stale: printed from an older text",
                                               check.stderr), check.stderr
    toml = workspace / "campaign.toml"
    text = toml.read_text("utf-8")
    start = text.index("[formats.interpreter]")
    end = text.index("\n[", start + 1)  # the format's table only: the tables after it stay
    toml.write_text(text[:start] + text[end + 1:], "utf-8")
    second = run_cli("build", "-w", str(workspace), "-l", "en", "-l", "es", "-f", "card")
    assert second.returncode == 0, second.stderr
    said = " ".join(second.stderr.split())
    for gone in ("es/kyr-es-card.pdf", "en/kyr-en-interpreter.pdf", "es/kyr-es-interpreter-print.pdf",
                 "en/kyr-en-old-poster.pdf"):
        assert f"moved out of output/: flyers/{gone}" in said, said
        assert (workspace / ".cache/stale-output/flyers" / gone).is_file()
    left = sorted(p.relative_to(workspace / "output").as_posix() for p in (workspace / "output").rglob("*.pdf"))
    assert left == ["flyers/en/kyr-en-card-print.pdf", "flyers/en/kyr-en-card-sheet-a4.pdf",
                    "flyers/en/kyr-en-card-sheet-letter.pdf", "flyers/en/kyr-en-card.pdf"]
    manifest = json.loads((workspace / "output/manifest.json").read_text("utf-8"))
    assert sorted(e["path"] for e in manifest["artifacts"]) == left
    assert run_cli("check", "-w", str(workspace)).returncode == 0


# --- validate, and messages that name the real cause ------------------------------------------------


def test_validate_checks_campaign_catalogs_and_orders_without_building(workspace: Path, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity\nc1,Church,es,crad,10\n", "utf-8")
    po = own_core_catalog(workspace, "fr")
    po.write_text(po.read_text("utf-8").replace('msgid "Know Your Rights"', 'garbage\nmsgid "Know Your Rights"'),
                  "utf-8")
    edit_toml = workspace / "campaign.toml"
    edit_toml.write_text(edit_toml.read_text("utf-8").replace('phone = "311"', 'phnoe = "311"'), "utf-8")
    result = run_cli("validate", "-w", str(workspace), str(orders))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert "phnoe: unknown key; did you mean `phone`?" in said
    assert re.search(r"fr/LC_MESSAGES/core\.po:\d+: keyword \"garbage\" unknown", said), said
    assert f"{orders}:2: column format: 'crad' is not a campaign format" in said
    assert "nothing was built" in said
    assert not (workspace / "output").exists()
    strict = run_cli("validate", "-w", str(workspace), "--strict")
    assert strict.returncode == 1 and "(an error under --strict)" in strict.stderr


def test_validate_passes_a_good_workspace(workspace: Path) -> None:
    result = run_cli("validate", "-w", str(workspace))
    assert result.returncode == 0, result.stderr
    assert "en: ready" in result.stdout and "ok:" in result.stdout


@pytest.mark.parametrize("args,message", [
    (["translations", "review", "es", "--reviewer", " ", "--date", "2026-11-20"],
     "--reviewer: give the reviewer's name"),
])
def test_empty_option_values_are_refused(workspace: Path, args: list[str], message: str) -> None:
    result = run_cli(*args[:2], "-w", str(workspace), *args[2:])
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_a_format_too_small_is_named_as_the_cause(workspace: Path) -> None:
    toml = workspace / "campaign.toml"
    text = toml.read_text("utf-8")
    start = text.index("[formats.letter]")
    toml.write_text(text[:start] + text[start:].replace('height = "11in"', 'height = "3in"', 1), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "en", "-f", "letter")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    said = " ".join(result.stderr.split())
    assert "en/letter: " in said and "The format is too small for its sections" in said, said
    assert "translation" not in said  # the English cannot be "a translation far too long"


def test_missing_glyph_advice_fits_a_workspace_without_a_makefile(workspace: Path) -> None:
    from flyers.render import font_fix

    assert not (workspace / "Makefile").exists()
    assert "make fonts" not in font_fix(workspace / "fonts")
    assert "make fonts" in font_fix(ROOT / "fonts")
