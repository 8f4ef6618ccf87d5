"""Hostile catalogs, bad input, crashes and reproducible output."""

from __future__ import annotations

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
from pathlib import Path

import pikepdf
import pytest

from flyers import catalogs, preflight
from flyers.build import BuildRequest, build
from flyers.campaign import load_campaign
from flyers.errors import FlyersError

from .conftest import ROOT, copy_workspace, run_cli

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
    po = workspace / "translations/es/LC_MESSAGES/messages.po"
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
    problems = catalogs.lint(po, catalogs.extract(load_campaign(workspace)))
    assert any(re.search(r"es/LC_MESSAGES/messages\.po:\d+: markup in the translation of 'Know Your Rights'", p)
               for p in problems), problems
    assert any(re.search(r"messages\.po:\d+: a link or URL in the translation of 'Know Your Rights'", p)
               for p in problems), problems
    lint = run_cli("translations", "lint", "-w", str(workspace))
    assert lint.returncode == 1 and "markup in the translation" in lint.stderr
    check = run_cli("check", "-w", str(workspace))
    assert check.returncode == 1 and "a link or URL in the translation" in check.stderr


@pytest.mark.parametrize("reference", ['<img src="file:///etc/passwd">', '<link rel="stylesheet" href="https://evil.example/a.css">',
                                       '<img src="../../../../etc/hostname">'])
def test_fetcher_refuses_anything_outside_the_workspace(workspace: Path, reference: str) -> None:
    template = workspace / "templates" / "flyer.html"
    html = template.read_text("utf-8")
    assert "<main " in html
    template.write_text(html.replace("<main ", reference + "<main ", 1), "utf-8")
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
                                 "-l", "es", "-l", "ar"], capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        outputs.append(hashes(workspace / "output"))
    manifest = json.loads((workspace / "output/manifest.json").read_text("utf-8"))
    assert outputs[0] == outputs[1] and len(outputs[0]) == len(manifest["artifacts"]) + 1
    assert {a["language"] for a in manifest["artifacts"]} == {"es", "ar"} and len(manifest["artifacts"]) >= 2 * 6 * 2


# --- pathological input ------------------------------------------------------------------------


def test_a_200000_word_translation_fails_fast_and_clearly(workspace: Path) -> None:
    po = workspace / "translations/es/LC_MESSAGES/messages.po"
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
    ('"tr",\n]', '"tr", "th",\n]', r"fonts\.toml: no font stack for script 'Thai' \(language th\)"),
    ('"tr",\n]', '"tr", "xq",\n]', r"'xq' is not in CLDR; add a \[locales\.xq\] table"),
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
    po = workspace / "translations/es/LC_MESSAGES/messages.po"
    po.write_bytes(po.read_bytes().replace(b"Conozca", b"Con\xf3zca"))
    result = run_cli("build", "-w", str(workspace), "-l", "es", "-f", "card")
    assert result.returncode == 1 and "es/LC_MESSAGES/messages.po: not UTF-8" in result.stderr
    assert not (workspace / "output").exists()


def test_broken_catalog_syntax_names_the_line(workspace: Path) -> None:
    po = workspace / "translations/fr/LC_MESSAGES/messages.po"
    text = po.read_text("utf-8")
    line = text[: text.index('msgid "Know Your Rights"')].count("\n") + 1
    po.write_text(text.replace('msgid "Know Your Rights"', 'garbage here\nmsgid "Know Your Rights"', 1), "utf-8")
    result = run_cli("build", "-w", str(workspace), "-l", "fr", "-f", "card")
    assert result.returncode == 1
    assert f"fr/LC_MESSAGES/messages.po:{line}: Unknown or misformatted keyword" in result.stderr, result.stderr


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


def test_two_builds_in_separate_processes_are_byte_identical(tmp_path: Path) -> None:
    results = []
    for name in ("one", "two"):
        workspace = copy_workspace(tmp_path / name)
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1770379200"}  # 2026-02-06 12:00 UTC
        for args in (["build", "-l", "zh-Hant", "-l", "ur"], ["batch", str(SMALL), "--mode", "sequenced"]):
            result = subprocess.run([sys.executable, "-m", "flyers", *args, "-w", str(workspace)], env=env,
                                    capture_output=True, text=True, check=False)
            assert result.returncode == 0, result.stderr
        results.append(hashes(workspace / "output"))
    assert results[0] == results[1]
    assert any(k.endswith(".zip") for k in results[0]) and any(k.endswith("-print.pdf") for k in results[0])
    with pikepdf.open(tmp_path / "one/output/flyers/ur/kyr-ur-card-print.pdf") as pdf:
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20260206120000")


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


def test_full_disk_keeps_previous_outputs(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    request = BuildRequest(root=workspace, out=workspace / "output", languages=("es",), formats=("card",))
    build(request)
    before = hashes(workspace / "output")
    (workspace / "translations/es/LC_MESSAGES/messages.po").touch()
    set_msgstr(workspace / "translations/es/LC_MESSAGES/messages.po", "Know Your Rights", "Conozca sus derechos hoy")

    def no_space(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("flyers.files.os.fsync", no_space)
    with pytest.raises(FlyersError, match=r"\.pdf: cannot write: No space left on device"):
        build(request)
    monkeypatch.undo()
    assert hashes(workspace / "output") == before
    assert not [p for p in (workspace / "output").rglob(".tmp-*")]
