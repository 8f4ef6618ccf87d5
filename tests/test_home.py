"""The home cut and home sheets as a phone, a screen reader and a home printer meet them.

Uses the session's ``sample_build`` (en, es, ar, zh-Hans in every format).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pytest

from flyers import preflight
from flyers.home import SHEETS, _cells

from .conftest import SAMPLE_LANGUAGES, tool

LINK = "https://www.nyc.gov/immigrants"


def entries(root: Path, variant: str) -> list[dict[str, str]]:
    artifacts = json.loads((root / "output" / "manifest.json").read_text("utf-8"))["artifacts"]
    return [e for e in artifacts if e["variant"] == variant]


def pdfinfo(path: Path) -> str:
    return subprocess.run([tool("pdfinfo"), str(path)], capture_output=True, text=True, check=True).stdout


def test_home_pdfs_are_tagged_with_language_and_title_and_carry_no_output_intent(sample_build: Path) -> None:
    homes = entries(sample_build, "home") + entries(sample_build, "home-sheet")
    written = [e for e in homes if e["path"].startswith("flyers/")]
    assert len(written) >= len(SAMPLE_LANGUAGES) * (6 + 3)  # six cuts, card x2 and half-letter sheets
    for entry in homes:
        path = sample_build / "output" / entry["path"]
        info = pdfinfo(path)
        assert re.search(r"^Tagged:\s+yes$", info, re.M), path
        with pikepdf.open(path) as pdf:
            assert "/OutputIntents" not in pdf.Root, path
            assert str(pdf.Root.Lang) == entry["language"], path
            assert bool(pdf.Root.ViewerPreferences.DisplayDocTitle), path
            assert str(pdf.docinfo.Title).startswith(("Know Your Rights", "Conozca", "اعرف", "了解")), path
            icc = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and "/N" in o and "/Alternate" not in o
                   and o.read_bytes()[36:40] == b"acsp"]
            assert icc == [], f"{path}: an ICC profile is still embedded"
            with pdf.open_metadata() as meta:
                assert "pdfx:GTS_PDFXVersion" not in meta and meta.get("pdfuaid:part") == "1", path


def test_print_cut_stays_pdf_x4_untagged(sample_build: Path) -> None:
    path = sample_build / "output/flyers/en/kyr-en-letter-print.pdf"
    assert re.search(r"^Tagged:\s+no$", pdfinfo(path), re.M)
    with pikepdf.open(path) as pdf:
        assert pdf.Root.OutputIntents[0].S == "/GTS_PDFX"
        with pdf.open_metadata() as meta:
            assert meta.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"


def test_english_letter_home_pdf_is_at_most_40_kb(sample_build: Path) -> None:
    assert (sample_build / "output/flyers/en/kyr-en-letter.pdf").stat().st_size <= 40_000


@pytest.mark.parametrize("tag", SAMPLE_LANGUAGES)
def test_qr_code_is_a_figure_with_alt_text_before_its_caption(sample_build: Path, tag: str) -> None:
    with pikepdf.open(sample_build / f"output/flyers/{tag}/kyr-{tag}-letter.pdf") as pdf:
        figures = []
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            found = node.get("/K")
            kids = list(found) if isinstance(found, pikepdf.Array) else [found] if found is not None else []
            for index, kid in enumerate(kids):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/S") == "/Figure":
                    figures.append((kid, kids[index + 1] if index + 1 < len(kids) else None))
            stack += [k for k in kids if isinstance(k, pikepdf.Dictionary)]
        assert len(figures) == 1
        figure, after = figures[0]
        assert str(figure.Alt).endswith(LINK)
        assert after is not None and after.S == "/Caption"  # read just before "Scan for more ..."
        mcid = int(figure.K[0])
        pdf.pages[0].contents_coalesce()
        content = pdf.pages[0].obj.Contents.read_bytes()
        # The QR modules are drawn inside the figure's marked content, not loose on the page.
        tagged = re.search(rb"/Figure <</MCID %d>> BDC\n(.*?)\nEMC" % mcid, content, re.S)
        assert tagged is not None and tagged.group(1).count(b" re") > 50


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_home_card_sheet_has_ten_cards_and_ten_qr_codes(sample_build: Path, paper: str) -> None:
    path = sample_build / f"output/flyers/es/kyr-es-card-sheet-{paper}.pdf"
    assert preflight.decode_qr(path) == [LINK] * 10
    with pikepdf.open(path) as pdf:
        assert len(pdf.pages) == 2  # fronts, then backs
        width = 595.3 if paper == "a4" else 612
        assert abs(float(pdf.pages[0].MediaBox[2]) - width) < 0.5
    backs = subprocess.run([tool("pdftotext"), "-f", "2", "-l", "2", str(path), "-"], capture_output=True,
                           text=True, check=True).stdout
    assert backs.count("To the officer") == 10  # the English side, ten times


def test_two_half_letters_to_a_letter_page(sample_build: Path) -> None:
    path = sample_build / "output/flyers/ar/kyr-ar-half-letter-sheet-letter.pdf"
    assert preflight.decode_qr(path) == [LINK] * 2
    with pikepdf.open(path) as pdf:
        assert [float(v) for v in pdf.pages[0].MediaBox] == [0, 0, 792, 612]


def test_card_backs_are_mirrored_for_long_edge_duplex() -> None:
    sheet = next(s for s in SHEETS if s.name == "card-sheet-letter")
    fronts, backs = _cells(sheet, 252, 144, mirrored=False), _cells(sheet, 252, 144, mirrored=True)
    for (fx, fy), (bx, by) in zip(fronts, backs, strict=True):
        # Turning the sheet over its long (vertical) edge maps x to paper width - x - card width.
        assert bx == pytest.approx(612 - fx - 252) and by == fy


def test_sheets_pass_preflight_and_are_in_the_manifest(sample_build: Path) -> None:
    sheets = entries(sample_build, "home-sheet")
    assert {(e["format"], e["sheet"]) for e in sheets if e["language"] == "en"} >= {
        ("card", "letter"), ("card", "a4"), ("half-letter", "letter")}
    report = preflight.check_output(sample_build, sample_build / "output")
    assert report.problems == []
