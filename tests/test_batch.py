"""Print-shop packages: what a shop checks before it runs 30,000 pieces."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from flyers.batch import BatchRequest, distributor_link, run_batch, sequence
from flyers.build import BuildRequest, masters, plan
from flyers.campaign import load_campaign
from flyers.impose import cut_and_stack, layout, simulate_cut
from flyers.orders import read_orders

from .conftest import ROOT, copy_workspace, run_cli, tool
from .glyphs import imprint_glyphs, page_glyphs, visual_lines

SMALL = ROOT / "tests" / "data" / "orders-small.csv"


def pdf_pages(path: Path) -> int:
    with pikepdf.open(path) as pdf:
        return len(pdf.pages)


def tree_hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def small_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_workspace(tmp_path_factory.mktemp("batch") / "campaign")


@pytest.fixture(scope="module")
def sequenced(small_workspace: Path) -> Path:
    out = small_workspace / "output" / "batch" / "seq"
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="sequenced"))
    return out


@pytest.fixture(scope="module")
def copies(small_workspace: Path) -> Path:
    out = small_workspace / "output" / "batch" / "copies"
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="copies"))
    return out


def test_checksums_and_totals(sequenced: Path, copies: Path) -> None:
    for folder in (sequenced, copies):
        result = subprocess.run([tool("sha256sum"), "-c", "SHA256SUMS"], cwd=folder, capture_output=True,
                                text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
        job = json.loads((folder / "job.json").read_text("utf-8"))
        assert job["total_pieces"] == 79
        assert sum(f["pieces"] for f in job["print_files"]) == 79
        assert folder.with_suffix(".zip").is_file()


def packing_lines(pdf: Path) -> list[list[str]]:
    """Each packing-list page's lines, read back from its glyphs (the lists are outlines, not text)."""
    chars = "total pieces in this box 0123456789, Masjid Al-Noor Contact: front desk packing list of page"
    return [visual_lines(page_glyphs(pdf, i, chars)) for i in range(pdf_pages(pdf))]


def box_totals(pages: list[list[str]]) -> list[int]:
    prefix = "totalpiecesinthisbox"
    return [int(line[len(prefix):].replace(",", "")) for lines in pages for line in lines if line.startswith(prefix)]


def test_packing_lists_add_up(sequenced: Path) -> None:
    pages = packing_lines(sequenced / "packing-lists.pdf")
    assert len(pages) == 3  # one page per distributor
    assert box_totals(pages) == [33, 25, 21]
    assert "MasjidAl-Noor" in pages[1] and "Contact:frontdesk" in pages[1]


def test_print_files_are_pdfx4_cmyk_with_boxes_and_embedded_fonts(sequenced: Path) -> None:
    job = json.loads((sequenced / "job.json").read_text("utf-8"))
    for entry in job["print_files"]:
        path = sequenced / entry["path"]
        check = subprocess.run([tool("qpdf"), "--check", str(path)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout
        with pikepdf.open(path) as pdf:
            meta = pdf.open_metadata()
            assert meta.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
            intent = pdf.Root.OutputIntents[0]
            assert intent.S == "/GTS_PDFX"
            assert intent.DestOutputProfile.read_bytes()[16:20] == b"CMYK"
            width, height = (v * 72 for v in entry["sheet_in"])
            for page in pdf.pages:
                for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                    assert [float(v) for v in page.obj[box]] == pytest.approx([0, 0, width, height]), box
        fonts = subprocess.run([tool("pdffonts"), str(path)], capture_output=True, text=True, check=True).stdout
        rows = fonts.splitlines()[2:]
        assert rows and all(" yes yes " in row for row in rows), fonts


def test_layout_and_ticket_agree(sequenced: Path) -> None:
    job = json.loads((sequenced / "job.json").read_text("utf-8"))
    cards = next(f for f in job["print_files"] if f["format"] == "card")
    assert cards["trim_in"] == [3.5, 2.0] and cards["bleed_in"] == 0.125
    assert cards["sheet"] == "13x19" and cards["pieces_per_sheet"] == 21
    assert cards["sides"] == 2 and cards["flip_edge"] == "long"
    assert cards["layouts"] == cards["press_sheets"] == 4  # 76 cards, 21 a sheet
    assert cards["impressions"] == 8  # both sides
    with pikepdf.open(sequenced / cards["path"]) as pdf:
        assert len(pdf.pages) == 8  # fronts and backs
        for page in pdf.pages[:2]:  # each side's crop marks: a shared form, in registration colour
            names = [str(i.operands[0]) for i in pikepdf.parse_content_stream(page) if str(i.operator) == "Do"]
            marks = [pdf.Root["/KYRSharedResources"].XObject[n] for n in names if n.startswith("/Marks")]
            assert len(marks) == 1 and b"/Reg CS 1 SCN" in marks[0].read_bytes()
            assert marks[0].Resources.ColorSpace.Reg[1] == pikepdf.Name.All


def qr_by_slot(pdf_path: Path, page: int, slots: list[dict[str, float]], trim: list[float]) -> dict[int, str]:
    """Decode every QR of a sheet at 150 dpi and attribute it to the slot it sits in."""
    document = pdfium.PdfDocument(str(pdf_path))
    sheet = document[page]
    height_pt = sheet.get_height()
    image = sheet.render(scale=150 / 72, grayscale=True).to_pil()
    document.close()
    found: dict[int, str] = {}
    for barcode in zxingcpp.read_barcodes(image):
        corners = barcode.position
        cx = (corners.top_left.x + corners.bottom_right.x) / 2 * 72 / 150
        cy = height_pt - (corners.top_left.y + corners.bottom_right.y) / 2 * 72 / 150
        for index, slot in enumerate(slots):
            x, y = slot["x_in"] * 72, slot["y_in"] * 72
            if x <= cx <= x + trim[0] * 72 and y <= cy <= y + trim[1] * 72:
                found[index] = barcode.text
    return found


def test_sequenced_cut_and_stack_yields_distributor_order(sequenced: Path, small_workspace: Path) -> None:
    campaign = load_campaign(small_workspace)
    orders = read_orders(SMALL, campaign)
    job = json.loads((sequenced / "job.json").read_text("utf-8"))
    cards = next(f for f in job["print_files"] if f["format"] == "card")
    # What the imposition put in each slot, read back from the sheets themselves.
    read: list[list[str | None]] = []
    for sheet in range(cards["layouts"]):
        found = qr_by_slot(sequenced / cards["path"], 2 * sheet, cards["slots"], cards["trim_in"])
        read.append([found.get(slot) for slot in range(cards["pieces_per_sheet"])])
    stacks = [link for slot in range(cards["pieces_per_sheet"]) for sheet in read if (link := sheet[slot])]
    expected = [distributor_link(campaign, o.language, o.distributor_id)
                for o in sequence([o for o in orders if o.format == "card"])]
    assert stacks == expected  # off the guillotine, stacked: grouped by distributor, in order
    assert expected[0].endswith("src=STM-01") and expected[-1].endswith("src=CHN-3")


def test_cut_and_stack_plan_is_in_order() -> None:
    for count, per_sheet in ((76, 21), (1, 21), (42, 21), (30000, 16)):
        plan = cut_and_stack(count, per_sheet)
        assert simulate_cut(plan) == list(range(count))


def test_duplex_backs_mirror_fronts() -> None:
    sheet = layout("12x18", 252, 144, 9, duplex=True)
    for front, back in zip(sheet.fronts, sheet.backs, strict=True):
        assert back.x == pytest.approx(sheet.width - front.x - front.width)
        assert back.y == front.y


def test_copies_mode_lists_each_distinct_sheet_with_its_count(copies: Path) -> None:
    job = json.loads((copies / "job.json").read_text("utf-8"))
    cards = next(f for f in job["print_files"] if f["format"] == "card")
    assert [(s["distributor_id"], s["language"], s["copies"]) for s in cards["sheet_copies"]] == [
        ("STM-01", "es", 2), ("MASJID-7", "ar", 2), ("CHN-3", "zh-Hans", 1), ("CHN-3", "en", 1)]
    found = qr_by_slot(copies / cards["path"], 2, cards["slots"], cards["trim_in"])  # MASJID-7's sheet
    assert set(found.values()) == {"https://www.nyc.gov/immigrants?src=MASJID-7"}
    assert len(found) == 21


def test_proof_has_one_page_per_variant(copies: Path) -> None:
    with pikepdf.open(copies / "proof.pdf") as pdf:
        assert len(pdf.pages) == 4 * 2 + 1  # four card variants (two sides), one letter


def test_text_and_qr_are_k_only(tmp_path: Path) -> None:
    """With the accent colours set to pure K, Ghostscript finds no C, M or Y ink at all."""
    workspace = copy_workspace(tmp_path / "campaign")
    toml = workspace / "campaign.toml"
    text = toml.read_text("utf-8")
    text = re.sub(r"accent = \[[^\]]*\]", "accent = [0, 0, 0, 80]", text)
    text = re.sub(r"tint = \[[^\]]*\]", "tint = [0, 0, 0, 8]", text)
    toml.write_text(text, "utf-8")
    out = workspace / "output" / "batch" / "k"
    run_batch(BatchRequest(root=workspace, orders=SMALL, out=out, mode="copies"))
    result = subprocess.run([tool("gs"), "-q", "-o", "-", "-sDEVICE=inkcov", "-r72", str(out / "proof.pdf")],
                            capture_output=True, text=True, check=True)
    coverage = [tuple(float(v) for v in line.split()[:4]) for line in result.stdout.splitlines() if "CMYK" in line]
    assert len(coverage) == 9
    for c, m, y, k in coverage:
        assert (c, m, y) == (0.0, 0.0, 0.0) and k > 0.01


def test_rerun_changes_no_byte(small_workspace: Path) -> None:
    out = small_workspace / "output" / "batch" / "rerun"
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="sequenced"))
    first = tree_hashes(out) | {"zip": hashlib.sha256(out.with_suffix(".zip").read_bytes()).hexdigest()}
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="sequenced"))
    second = tree_hashes(out) | {"zip": hashlib.sha256(out.with_suffix(".zip").read_bytes()).hexdigest()}
    assert first == second



def test_unchanged_rerun_writes_nothing_and_a_damaged_file_is_remade(small_workspace: Path) -> None:
    """A finished package is recognised (same inputs, checksums verify) and left alone;
    one whose file was damaged is made again, byte for byte as before."""
    out = small_workspace / "output" / "batch" / "warm"
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="copies"))
    before = tree_hashes(out)
    times = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="copies"))
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == times
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # the key is kept in .cache/
    damaged = out / "packing-lists.pdf"
    damaged.write_bytes(damaged.read_bytes()[:-100])
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="copies"))
    assert tree_hashes(out) == before



def test_a_short_name_prints_at_the_imprint_type_size(copies: Path, small_workspace: Path, tmp_path: Path) -> None:
    """A name that fits is not shrunk: its glyphs are set at the imprint's type size
    (62% of the imprint area over 2.9 lines), not a fraction of it."""
    rendered, _ = masters(plan(BuildRequest(root=small_workspace, out=tmp_path / "m", languages=("es",),
                                            formats=("card",))))
    area = rendered[("es", "card")].imprints[0]
    type_size = area.height * 0.62 / 2.9
    glyphs = imprint_glyphs(copies / "proof.pdf", 0, "Compartido por St. Mark's Church")  # es card front
    assert "St.Mark'sChurch" in "".join(visual_lines(glyphs))
    assert all(abs(g.size - type_size) <= 0.02 * type_size for g in glyphs), (type_size, glyphs[:3])


def test_a_very_long_distributor_name_prints_whole_inside_the_card(small_workspace: Path, tmp_path: Path) -> None:
    """A name far longer than the imprint line is set smaller, complete, inside the imprint area,
    and the card's QR code still decodes."""
    name = "Interfaith Coalition of the Congregations of the Lower East Side, Chinatown and Two Bridges"
    orders = tmp_path / "long.csv"
    orders.write_text(f"distributor_id,distributor_name,language,format,quantity\nLONG-1,\"{name}\",en,card,5\n")
    out = tmp_path / "long"
    run_batch(BatchRequest(root=small_workspace, orders=orders, out=out, mode="copies"))
    glyphs = imprint_glyphs(out / "proof.pdf", 0, "Shared by " + name)
    lines = visual_lines(glyphs)
    assert "".join(lines) == "Sharedby" + name.replace(" ", ""), lines  # every letter, in order
    assert len(lines) >= 2  # broken over lines (two in the card's 9 pt high area since mg's margins), shrunk to fit
    rendered, _ = masters(plan(BuildRequest(root=small_workspace, out=tmp_path / "m", languages=("en",),
                                            formats=("card",))))
    area = next(a for a in rendered[("en", "card")].imprints if a.page == 0)
    for glyph in glyphs:  # each glyph's origin and em box inside the area
        assert area.x - 0.5 <= glyph.x and glyph.x + 0.6 * glyph.size <= area.x + area.width + 0.5, glyph
        assert area.y - 0.5 <= glyph.y - 0.3 * glyph.size and glyph.y + glyph.size <= area.y + area.height + 0.5
    document = pdfium.PdfDocument(out / "proof.pdf")
    image = document[0].render(scale=300 / 72).to_pil()
    decoded = zxingcpp.read_barcodes(image)
    assert [d.text for d in decoded] == [distributor_link(load_campaign(small_workspace), "en", "LONG-1")]


def test_shop_output_intent_is_used(small_workspace: Path, tmp_path: Path) -> None:
    shop = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # from Ghostscript, installed by make
    assert shop.is_file()
    out = tmp_path / "shop"
    run_batch(BatchRequest(root=small_workspace, orders=SMALL, out=out, mode="copies", output_intent=shop))
    job = json.loads((out / "job.json").read_text("utf-8"))
    assert job["output_intent"]["name"] == "default_cmyk.icc"
    with pikepdf.open(out / job["print_files"][0]["path"]) as pdf:
        assert pdf.Root.OutputIntents[0].DestOutputProfile.read_bytes() == shop.read_bytes()
    bad = run_cli("batch", "-w", str(small_workspace), str(SMALL), "--out", str(tmp_path / "x"),
                  "--output-intent", "/usr/share/color/icc/ghostscript/srgb.icc")
    assert bad.returncode == 1 and "is not a CMYK output (printer) ICC profile" in bad.stderr
    assert not (tmp_path / "x").exists()


HEAD = "distributor_id,distributor_name,language,format,quantity\n"
BAD_ORDERS = [
    ("distributor_id,distributor_name,language,format\nA,B,es,card\n", r":1: missing column\(s\): quantity"),
    (HEAD + "A,B,xx,card,5\n", r":2: column language: 'xx'"),
    (HEAD + "A,B,es,poster,5\n", r":2: column format: 'poster'"),
    (HEAD + "A,B,es,card,0\n", r":2: column quantity: must be at"),
    (HEAD + "A,B,es,card,-4\n", r":2: column quantity: must be at"),
    (HEAD + "A,B,es,card,ten\n", r":2: column quantity: 'ten'"),
    (HEAD + "A,B,es,card,5000000\n", r":2: column quantity: 5000000"),
    (HEAD + "A,B,es,card,5\nA,B,es,card,7\n",
     r":3: duplicate of line 2"),
    (HEAD + "A B!,B,es,card,5\n", r":2: column distributor_id"),
    (HEAD + "A,B,es,card,5\nA,C,en,card,5\n",
     r":3: column distributor_name: 'C' differs"),
]


@pytest.mark.parametrize("content,message", BAD_ORDERS)
def test_bad_orders_name_line_and_column(small_workspace: Path, tmp_path: Path, content: str, message: str) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(content, "utf-8")
    out = tmp_path / "package"
    result = run_cli("batch", "-w", str(small_workspace), str(orders), "--out", str(out))
    assert result.returncode == 1
    assert re.search(r"orders\.csv" + message, result.stderr.replace("\n  - ", "\n")), result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() and not out.with_suffix(".zip").exists()


def test_orders_with_bom_and_non_utf8(small_workspace: Path, tmp_path: Path) -> None:
    campaign = load_campaign(small_workspace)
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff".encode() + SMALL.read_bytes())
    assert len(read_orders(bom, campaign)) == 5
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"distributor_id,distributor_name,language,format,quantity\nA,Iglesia San Jos\xe9,es,card,5\n")
    result = run_cli("batch", "-w", str(small_workspace), str(latin), "--out", str(tmp_path / "p"))
    assert result.returncode == 1 and "latin.csv:2: not UTF-8" in result.stderr


@pytest.mark.slow
def test_default_campaign_package(full_build: Path, default_package: Path) -> None:
    """The shipped print plan: 400 congregations, 30,000 pieces, checksums verified."""
    folder = default_package
    job = json.loads((folder / "job.json").read_text("utf-8"))
    campaign = load_campaign(full_build)
    orders = read_orders(campaign.orders, campaign)  # type: ignore[arg-type]
    assert job["total_pieces"] == sum(o.quantity for o in orders) == 30000
    assert job["distributors"] == 400
    pages = packing_lines(folder / "packing-lists.pdf")
    totals = box_totals(pages)
    assert len(totals) == 400 and sum(totals) == 30000
    numbers = [int(re.findall(r"packinglist(\d+)of400", lines[0])[0]) for lines in pages]
    assert numbers == list(range(1, 401))  # one page per box, numbered straight across the file
    assert [lines[-1] for lines in pages] == [f"page{n}of400" for n in range(1, 401)]
    check = subprocess.run([tool("sha256sum"), "-c", "--quiet", "SHA256SUMS"], cwd=folder, check=False)
    assert check.returncode == 0
