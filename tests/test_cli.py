"""The command line as a user meets it: clear messages, exit codes, nothing half-written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from flyers.campaign import load_campaign

from .conftest import run_cli


def files_under(path: Path) -> list[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


def test_unknown_language_is_a_usage_error(workspace: Path) -> None:
    result = run_cli("build", "-w", str(workspace), "--lang", "xx")
    assert result.returncode == 2
    assert "unknown language(s): xx" in result.stderr
    assert "Traceback" not in result.stderr
    assert files_under(workspace / "output") == []


def test_unknown_format_is_a_usage_error(workspace: Path) -> None:
    result = run_cli("build", "-w", str(workspace), "--format", "billboard")
    assert result.returncode == 2
    assert "unknown format(s): billboard" in result.stderr
    assert files_under(workspace / "output") == []


def test_broken_campaign_toml_names_the_key(workspace: Path) -> None:
    path = workspace / "campaign.toml"
    path.write_text(path.read_text("utf-8").replace('phone = "311"', 'phone = 311'), "utf-8")
    result = run_cli("build", "-w", str(workspace), "--lang", "en", "--format", "card")
    assert result.returncode == 1
    assert "[contacts.emergency] phone: must be a str, got 311" in result.stderr
    assert "Traceback" not in result.stderr
    assert files_under(workspace / "output") == []


def test_missing_catalog_is_named_with_the_next_step(workspace: Path) -> None:
    shutil.rmtree(workspace / "translations" / "es")
    result = run_cli("build", "-w", str(workspace), "--lang", "en", "--lang", "es", "--format", "card")
    assert result.returncode == 0, result.stderr
    assert "not built: es: no catalog yet" in result.stderr
    assert "run `flyers translations add es`" in result.stderr.replace("\n", " ")
    flyers = workspace / "output" / "flyers"
    made = [p.relative_to(flyers).as_posix() for p in files_under(flyers)]
    # the card's two cuts and its home sheets (10 to a letter or A4 page)
    assert made == ["en/kyr-en-card-print.pdf", "en/kyr-en-card-sheet-a4.pdf", "en/kyr-en-card-sheet-letter.pdf",
                    "en/kyr-en-card.pdf"]


def test_build_check_and_listings(workspace: Path) -> None:
    result = run_cli("build", "-w", str(workspace), "--lang", "es", "--format", "card")
    assert result.returncode == 0, result.stderr
    assert "card" in result.stdout and "es" in result.stdout
    manifest = json.loads((workspace / "output" / "manifest.json").read_text("utf-8"))
    paths = {a["path"] for a in manifest["artifacts"]}
    assert {p for p in paths if p.startswith("flyers/")} == {
        "flyers/es/kyr-es-card.pdf", "flyers/es/kyr-es-card-print.pdf",
        "flyers/es/kyr-es-card-sheet-letter.pdf", "flyers/es/kyr-es-card-sheet-a4.pdf"}
    # the card is per_spoken_language: each spoken language read in Spanish gets its own (no home sheets)
    readers = [t for t, written in load_campaign(workspace).spoken.items() if written == "es" and t != "es"]
    assert {p for p in paths if not p.startswith("flyers/")} == {
        f"spoken/{t}/kyr-{t}-card{cut}.pdf" for t in readers for cut in ("", "-print")}
    check = run_cli("check", "-w", str(workspace))
    assert check.returncode == 0, check.stdout + check.stderr
    assert f"{len(paths)} files checked" in check.stdout
    languages = run_cli("languages", "-w", str(workspace), "--json")
    rows = json.loads(languages.stdout)
    arabic = next(r for r in rows if r["tag"] == "ar")
    assert arabic["endonym"] == "العربية" and arabic["direction"] == "rtl"
    formats = run_cli("formats", "-w", str(workspace))
    assert "3.5in x 2in" in formats.stdout


def test_check_fails_on_a_tampered_pdf(workspace: Path) -> None:
    assert run_cli("build", "-w", str(workspace), "--lang", "en", "--format", "card").returncode == 0
    pdf = workspace / "output" / "flyers" / "en" / "kyr-en-card.pdf"
    pdf.write_bytes(pdf.read_bytes() + b"\n% tampered after the build\n")
    result = run_cli("check", "-w", str(workspace))
    assert result.returncode == 1
    assert "kyr-en-card.pdf: sha256 differs from the manifest" in result.stderr


def test_init_copies_a_working_workspace(tmp_path: Path) -> None:
    target = tmp_path / "new-campaign"
    result = run_cli("init", str(target))
    assert result.returncode == 0, result.stderr
    assert (target / "campaign.toml").is_file()
    assert (target / "translations" / "ar" / "LC_MESSAGES" / "messages.po").is_file()
    again = run_cli("init", str(target))
    assert again.returncode == 1 and "not empty" in again.stderr
