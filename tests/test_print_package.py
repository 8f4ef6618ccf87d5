"""What a print shop's prepress operator checks before running the package (issue 14):
the job ticket's production specs, XJDF against CIP4's schema, PDF/VT parts, press
sheets safe to print (no ink near the edge, a slug on every sheet), K text overprinting,
no unused colour spaces, a registered output condition, labelled proofs and lifts."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from lxml import etree
from PIL import Image

from flyers import preflight
from flyers.batch import BatchRequest, run_batch, sequence
from flyers.campaign import load_campaign
from flyers.defaults import DEFAULTS, PT
from flyers.errors import FlyersError
from flyers.impose import EDGE, cut_and_stack, layout, simulate_cut
from flyers.orders import read_orders

from .conftest import ROOT, copy_workspace, run_cli, tool

SMALL = ROOT / "tests" / "data" / "orders-small.csv"
SCHEMA = ROOT / "tests" / "data" / "cip4" / "xjdf.xsd"
NS = {"x": "http://www.CIP4.org/JDFSchema_2_0"}
EDGE_DPI = 50


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_workspace(tmp_path_factory.mktemp("package") / "campaign")


@pytest.fixture(scope="module")
def copies(workspace: Path) -> Path:
    out = workspace / "output" / "batch" / "copies"
    run_batch(BatchRequest(root=workspace, orders=SMALL, out=out, mode="copies"))
    return out


@pytest.fixture(scope="module")
def sequenced(workspace: Path) -> Path:
    """Cards: 76 pieces, 21-up, 4 sheets, cut in lifts of 2 sheets."""
    out = workspace / "output" / "batch" / "sequenced"
    run_batch(BatchRequest(root=workspace, orders=SMALL, out=out, mode="sequenced", lift=2))
    return out


def job_of(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "job.json").read_text("utf-8"))


def validate_xjdf(path: Path) -> Any:
    """Parse ``path`` and validate it against the vendored CIP4 schema; return the tree."""
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    tree = etree.parse(str(path))
    assert schema.validate(tree), "\n".join(str(e) for e in schema.error_log)
    return tree


def xjdf_amounts(tree: Any) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Product amounts by ID, and per drop (distributor) the DropItem amounts by product."""
    products = {p.get("ID"): int(p.get("Amount")) for p in tree.iterfind(".//x:Product", NS)}
    drops: dict[str, dict[str, int]] = {}
    for resource in tree.iterfind(".//x:ResourceSet[@Name='DeliveryParams']/x:Resource", NS):
        drop = resource.find("x:Part", NS).get("DropID")
        drops[drop] = {i.get("ItemRef"): int(i.get("Amount")) for i in resource.iterfind(".//x:DropItem", NS)}
    return products, drops


# --- XJDF -------------------------------------------------------------------------------------------


def test_xjdf_validates_and_its_amounts_add_up(copies: Path) -> None:
    tree = validate_xjdf(copies / "job.xjdf")
    job = job_of(copies)
    products, drops = xjdf_amounts(tree)
    assert products == {"P_card": 76, "P_letter": 3}
    assert sum(products.values()) == job["total_pieces"] == 79
    assert list(drops) == ["STM-01", "MASJID-7", "CHN-3"]  # one part per distributor
    for product, amount in products.items():
        assert sum(d.get(product, 0) for d in drops.values()) == amount
    # The run list gives each layout's copies: together, the press sheets of each file.
    for entry in job["print_files"]:
        copies_ = [int(r.find("x:AmountPool/x:PartAmount", NS).get("Amount"))
                   for r in tree.iterfind(".//x:ResourceSet[@Name='RunList']/x:Resource", NS)
                   if r.find("x:RunList/x:FileSpec", NS).get("URL") == entry["path"]]
        assert sum(copies_) == entry["press_sheets"] and len(copies_) == entry["layouts"]
    card = tree.find(".//x:Product[@ID='P_card']", NS)
    assert card.find(".//x:LayoutIntent", NS).get("Sides") == "TwoSidedHeadToHead"
    back = card.find(".//x:SurfaceColor[@Surface='Back']", NS)
    assert back.get("ColorsUsed") == "Black"  # the card's English back is K only
    assert card.find(".//x:MediaIntent", NS).get("StockType") == "Cover"
    questions = [c.text for c in tree.iterfind("x:Comment[@Type='OpenQuestion']", NS)]
    assert any(q.startswith("Due date") for q in questions)


def test_a_broken_xjdf_fails_the_schema(copies: Path, tmp_path: Path) -> None:
    """The validation is real: an amount that is not a number is refused."""
    broken = tmp_path / "broken.xjdf"
    broken.write_text((copies / "job.xjdf").read_text("utf-8").replace('Amount="76"', 'Amount="lots"', 1))
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    assert not schema.validate(etree.parse(str(broken)))


PEOPLE = """
[print.contact]
name = "Campaign Office"
email = "print@example.org"
[print.proof_approver]
name = "Proof Approver"
phone = "(555) 010-0000"
"""


def test_full_specs_and_addresses_leave_no_question(tmp_path: Path) -> None:
    """Every spec given and every box addressed: no open question, and all of it in the XJDF."""
    workspace = copy_workspace(tmp_path / "campaign")
    toml = workspace / "campaign.toml"
    text = toml.read_text("utf-8").replace('orders = "orders/nyc-2026.csv"\n',
                                           'orders = "orders/nyc-2026.csv"\ndue = 2026-03-02\n')
    toml.write_text(text + PEOPLE, "utf-8")
    orders = tmp_path / "addr.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity,address,city,region,postal_code,"
                      "country\nA-1,Grace Church,es,card,5,1 Main St,Brooklyn,NY,11201,US\n", "utf-8")
    out = tmp_path / "addr"
    run_batch(BatchRequest(root=workspace, orders=orders, out=out))
    job = job_of(out)
    assert job["open_questions"] == []
    assert "No open questions" in preflight.pdf_text(out / "job.pdf")[0]
    tree = validate_xjdf(out / "job.xjdf")
    address = tree.find(".//x:Contact/x:Address", NS)
    assert (address.get("Street"), address.get("City"), address.get("CountryCode")) == ("1 Main St", "Brooklyn", "US")
    assert tree.find(".//x:NodeInfo", NS).get("End") == "2026-03-02T17:00:00Z"
    approver = tree.find(".//x:ApprovalPerson", NS).get("ContactRef")
    person = tree.find(f".//x:Resource[@ID='{approver}']/x:Contact/x:Person", NS)
    assert person.get("DescriptiveName") == "Proof Approver"
    assert tree.find(".//x:ComChannel[@ChannelType='Email']", NS).get("Locator") == "mailto:print@example.org"


def test_a_bad_country_is_named(workspace: Path, tmp_path: Path) -> None:
    orders = tmp_path / "addr.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity,address,city,region,postal_code,"
                      "country\nA-1,Grace Church,es,card,5,1 Main St,Brooklyn,NY,11201,US\n", "utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(orders.read_text("utf-8").replace(",US", ",USA"), "utf-8")
    result = run_cli("batch", "-w", str(workspace), str(bad), "--out", str(tmp_path / "x"))
    assert result.returncode == 1 and "bad.csv:2: column country: 'USA'" in result.stderr
    assert not (tmp_path / "x").exists()


# --- the ticket -------------------------------------------------------------------------------------


def test_ticket_has_production_specs_and_open_questions_first(copies: Path) -> None:
    job = job_of(copies)
    production = job["production"]
    files = {f["format"]: f for f in production["print_files"]}
    assert files["card"]["stock"]["name"] == "14 pt matte cover" and files["card"]["stock"]["caliper_in"] == 0.014
    assert files["card"]["inks"][1] == {"side": "back", "inks": ["Black"]}  # measured from the masters
    assert files["card"]["colours"].endswith("/1")
    assert any("duplex, head to head" in step for step in files["card"]["finishing"])
    stocks = {s["stock"]: s for s in production["stocks"]}
    card_sheets = next(f["press_sheets"] for f in job["print_files"] if f["format"] == "card")
    assert stocks["14 pt matte cover"]["press_sheets"] == card_sheets == 6  # 2 + 2 + 1 + 1 layouts' copies
    assert stocks["14 pt matte cover"]["sheets_to_order"] == 6 + 1  # 3 % spoilage, rounded up
    assert production["tolerance"] == {"overs_percent": 5.0, "unders_percent": 0.0}
    first_page = preflight.pdf_text(copies / "job.pdf")[0]
    assert "Open questions" in first_page and "Due date" in first_page and "Proof approver" in first_page
    assert "Ship-to addresses: 3 of 3 distributors" in " ".join(first_page.split())
    for word in ("layouts", "press sheets", "impressions", "Press sheets per stock"):
        assert word in first_page + preflight.pdf_text(copies / "job.pdf")[-1]


def test_bad_print_spec_is_named(tmp_path: Path) -> None:
    other = copy_workspace(tmp_path / "campaign")
    toml = other / "campaign.toml"
    toml.write_text(toml.read_text("utf-8").replace("weight_gsm = 300", 'weight_gsm = "heavy"', 1)
                    .replace('delivery = "ship"', 'delivery = "pigeon"')
                    .replace("pieces_per_box = 500", "pieces_per_box = 2.5"), "utf-8")
    result = run_cli("batch", "-w", str(other), str(SMALL), "--out", str(tmp_path / "p"))
    assert result.returncode == 1
    assert "[print.stock.card] weight_gsm: must be a number" in result.stderr
    assert "[print] delivery: must be one of ship, deliver, pickup, got 'pigeon'" in result.stderr
    assert "[print] pieces_per_box: must be a whole number, at least 1, got 2.5" in result.stderr
    assert not (tmp_path / "p").exists()


def test_the_ticket_counts_the_boxes_the_labels_are_printed_for(tmp_path: Path) -> None:
    """Boxes of at most 10: STM-01 33 pieces (10+10+10+3), MASJID-7 25 (10+10+5), CHN-3 21 (10+10+1)."""
    other = copy_workspace(tmp_path / "campaign")
    toml = other / "campaign.toml"
    toml.write_text(toml.read_text("utf-8").replace("pieces_per_box = 500", "pieces_per_box = 10"), "utf-8")
    out = tmp_path / "package"
    run_batch(BatchRequest(root=other, orders=SMALL, out=out, mode="copies"))
    delivery = job_of(out)["production"]["delivery"]
    assert (delivery["boxes"], delivery["pieces_per_box"], delivery["smallest_box_pieces"]) == (10, 10, 1)
    assert len(preflight.pdf_text(out / "labels.pdf")) == 10  # one 4 x 6 in label a box
    ticket = " ".join(" ".join(preflight.pdf_text(out / "job.pdf")).split())
    assert "10 boxes for 3 distributors (smallest 1 pieces)" in ticket


# --- PDF/VT -----------------------------------------------------------------------------------------


def test_sequenced_files_carry_the_pdfvt_part_structure(sequenced: Path, workspace: Path) -> None:
    job = job_of(sequenced)
    campaign = load_campaign(workspace)
    orders = read_orders(SMALL, campaign)
    cards = next(f for f in job["print_files"] if f["format"] == "card")
    with pikepdf.open(sequenced / cards["vt"]["path"]) as pdf:
        meta = pdf.open_metadata()
        assert meta.get("{http://www.npes.org/pdfvt/ns/id/}GTS_PDFVTVersion") == "PDF/VT-1"
        assert meta.get("pdfxid:GTS_PDFXVersion") == "PDF/X-4"
        root = pdf.Root.DPartRoot
        assert list(root.NodeNameList) == ["/Job", "/Distributor", "/Piece"] and root.RecordLevel == 2
        distributors = [d for row in root.DPartRootNode.DParts for d in row]
        assert [str(d.DPM.DistributorID) for d in distributors] == ["STM-01", "MASJID-7", "CHN-3"]
        page_of: dict[Any, int] = {page.objgen: number for number, page in enumerate(pdf.pages)}
        leaves = [(d, leaf) for d in distributors for row in d.DParts for leaf in row]
        expected = sequence([o for o in orders if o.format == "card"])
        assert len(leaves) == len(expected) == 76  # one part per piece
        for number, ((group, leaf), order) in enumerate(zip(leaves, expected, strict=True)):
            assert str(group.DPM.DistributorID) == order.distributor_id
            assert int(leaf.DPM.Serial) == number + 1 and str(leaf.DPM.Language) == order.language
            start, end = page_of[leaf.Start.objgen], page_of[leaf.End.objgen]
            assert (start, end) == (2 * number, 2 * number + 1)  # front and back of the card
            assert pdf.pages[start].obj.DPart.objgen == leaf.objgen == pdf.pages[end].obj.DPart.objgen
        assert int(distributors[0].DPM.Pieces) == 30
        shared = pdf.Root["/KYRSharedResources"].XObject
        assert all(k in shared for k in ("/M0", "/M1"))  # the master: one shared form, drawn by every piece


# --- press sheets ------------------------------------------------------------------------------------


def print_files(*folders: Path) -> list[Path]:
    return [folder / f["path"] for folder in folders for f in job_of(folder)["print_files"]]


def assert_edges_clean(path: Path, dpi: float = EDGE_DPI) -> int:
    """Render every page of ``path``: the 0.375 in band inside the sheet edge is paper only."""
    band = round(EDGE / PT * dpi) - 1  # pixels wholly inside the band (one spared for antialiasing)
    document = pdfium.PdfDocument(path)
    try:
        for index in range(len(document)):
            image = np.asarray(document[index].render(scale=dpi / 72, grayscale=True).to_pil())
            edges = {"top": image[:band], "bottom": image[-band:], "left": image[:, :band],
                     "right": image[:, -band:]}
            inked = [side for side, pixels in edges.items() if (pixels < 250).any()]
            assert not inked, f"{path.name} page {index + 1}: ink near the {', '.join(inked)} edge"
        return len(document)
    finally:
        document.close()


def test_no_ink_within_three_eighths_of_an_inch_of_any_sheet_edge(copies: Path, sequenced: Path) -> None:
    """Render every press sheet and look at the 0.375 in band inside its edge: paper only."""
    for path in print_files(copies, sequenced):
        assert assert_edges_clean(path) > 0


def test_every_press_sheet_carries_its_slug(copies: Path, sequenced: Path) -> None:
    for folder in (copies, sequenced):
        job = job_of(folder)
        for entry in job["print_files"]:
            pages = preflight.pdf_text(folder / entry["path"])
            assert len(pages) == entry["layouts"] * entry["sides"]
            for index, text in enumerate(pages):
                text = " ".join(text.split())
                n = index // entry["sides"] + 1
                name = Path(entry["path"]).name
                assert f"orders-small | {name} |" in text, (name, index, text[-300:])
                kind = "layout" if job["mode"] == "copies" else "sheet"
                assert f"{kind} {n} of {entry['layouts']}" in text
                if job["mode"] == "copies":
                    line = entry["sheet_copies"][n - 1]
                    assert f"{line['distributor_id']} {line['language']} | print {line['copies']} sheet(s)" in text
                else:
                    assert re.search(r"\| \S+ to \S+ \| \d+ pieces", text)


def test_lifts_cut_and_stack_in_order(sequenced: Path) -> None:
    cards = next(f for f in job_of(sequenced)["print_files"] if f["format"] == "card")
    assert cards["lifts"] == [{"lift": 1, "sheets": [1, 2], "sheet_count": 2, "pieces": [1, 42]},
                              {"lift": 2, "sheets": [3, 4], "sheet_count": 2, "pieces": [43, 76]}]
    for count, per_sheet, lift in ((76, 21, 2), (30000, 2, 500), (5, 4, 1), (100, 21, None)):
        assert simulate_cut(cut_and_stack(count, per_sheet, lift), lift) == list(range(count))


def test_default_sheets_put_the_job_on_one_size() -> None:
    """Letter 2-up, half-letter 4-up, cards 21-up, all on 13x19 with marks inside the safe edge."""
    expected = {"letter": (612, 792, 2), "half-letter": (396, 612, 4), "card": (252, 144, 21)}
    for fmt, (width, height, up) in expected.items():
        sheet = layout(DEFAULTS.sheet_for(fmt), width, height, 9, duplex=fmt == "card")
        assert (sheet.sheet, sheet.per_sheet) == ("13x19", up)
    with pytest.raises(FlyersError, match=r"0\.375 in inside a 12x18 sheet"):
        layout("12x18", 11 * 72, 17 * 72, 9, duplex=False)


# --- hygiene ------------------------------------------------------------------------------------------


def forms(pdf: pikepdf.Pdf) -> list[pikepdf.Object]:
    shared = pdf.Root["/KYRSharedResources"]
    return [f for _, f in shared.XObject.items() if f.get("/Subtype") == "/Form" and "/Resources" in f]


def k_text_overprint(form: pikepdf.Object) -> tuple[int, int]:
    """(text shows in 100 % K, of which with overprint on) in one form's content."""
    states: Any = form.Resources.get("/ExtGState", {})
    fill_k, op, total, over = False, False, 0, 0
    stack: list[tuple[bool, bool, str]] = []
    space = "DeviceGray"
    for instruction in pikepdf.parse_content_stream(form):
        operands, operator = instruction.operands, instruction.operator
        name = str(operator)
        if name == "q":
            stack.append((fill_k, op, space))
        elif name == "Q":
            fill_k, op, space = stack.pop()
        elif name == "gs":
            state = states[str(operands[0])]
            op = bool(state.get("/op", state.get("/OP", op)))
        elif name == "cs":
            space = str(operands[0]).lstrip("/")
        elif name in ("scn", "sc", "k"):
            fill_k = (name == "k" or space == "DeviceCMYK") and [float(v) for v in operands] == [0, 0, 0, 1]
        elif name in ("Tj", "TJ"):
            total += fill_k
            over += fill_k and op
    return total, over


def test_k_text_overprints(copies: Path, sequenced: Path) -> None:
    for path in [*print_files(copies, sequenced), copies / "proof.pdf"]:
        with pikepdf.open(path) as pdf:
            counts = [k_text_overprint(f) for f in forms(pdf)]
        total, over = sum(c[0] for c in counts), sum(c[1] for c in counts)
        assert total > 0 and over == total, (path.name, total, over)


def test_no_unused_colour_spaces_and_a_registered_output_condition(copies: Path, sequenced: Path) -> None:
    for path in print_files(copies, sequenced):
        with pikepdf.open(path) as pdf:
            for form in forms(pdf):
                spaces = set(form.Resources.get("/ColorSpace", {}).keys())
                used = {str(i.operands[0]) for i in pikepdf.parse_content_stream(form)
                        if str(i.operator) in ("cs", "CS")}
                assert spaces <= used, (path.name, spaces - used)
            intent = pdf.Root.OutputIntents[0]
            assert str(intent.OutputConditionIdentifier) == "CGATS TR 006"
            assert str(intent.RegistryName) == "http://www.color.org"
            title = str(pdf.docinfo.Title)
            assert title.startswith("NYC Know Your Rights — orders-small — "), title
            assert str(pdf.open_metadata()["dc:title"]) == title
            assert "/Outlines" not in pdf.Root  # the masters' outlines pointed at pages this file lacks


# --- proof ------------------------------------------------------------------------------------------


def test_proof_pages_are_labelled_with_an_approval_block(copies: Path) -> None:
    pages = [" ".join(t.split()) for t in preflight.pdf_text(copies / "proof.pdf")]
    assert len(pages) == 9
    assert "PROOF page 3 of 9" in pages[2]
    assert "Distributor: MASJID-7" in pages[2] and "?" not in pages[2][pages[2].index("PROOF page"):]
    assert _label_names(copies / "proof.pdf")[2] == "Masjid Al-Noor"
    assert "Language: ar (Arabic) | Format: card, front | Quantity: 25" in pages[2]
    assert "Format: card, back" in pages[3]
    assert "Language: en (English) | Format: letter, page 1 of 1 | Quantity: 3" in pages[-1]
    assert all("Approved for print" in p and "Signature" in p for p in pages)


def _label_names(proof: Path) -> list[str]:
    """The name each proof page's label draws, as its ActualText says (one per page)."""
    names = []
    with pikepdf.open(proof) as pdf:
        for page in pdf.pages:
            found = [str(item.operands[1].ActualText) for item in pikepdf.parse_content_stream(page)
                     if isinstance(item, pikepdf.ContentStreamInstruction) and str(item.operator) == "BDC"
                     and len(item.operands) == 2 and "/ActualText" in item.operands[1]]
            names.append(found[0] if len(found) == 1 else "")
    return names


def test_proof_labels_draw_names_in_their_own_script(workspace: Path, tmp_path: Path) -> None:
    """The label's font is Latin-1 only: names in other scripts are shaped and drawn."""
    names = {"ar": "مسجد النور", "zh-Hans": "纽约移民帮助中心", "yi": "קהילה בית ישראל", "en": "St. Mark's Church"}
    orders = tmp_path / "names.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity,contact\n" + "".join(
        f"D{i},{name},{tag},letter,5,\n" for i, (tag, name) in enumerate(names.items())), "utf-8")
    out = tmp_path / "package"
    run_batch(BatchRequest(root=workspace, orders=orders, out=out, mode="copies"))
    proof = out / "proof.pdf"
    assert _label_names(proof) == list(names.values())
    document = pdfium.PdfDocument(str(proof))
    try:
        for index, text in enumerate(preflight.pdf_text(proof)):
            label = text[text.index("PROOF page"):]
            assert f"Distributor: D{index}" in label and "?" not in label, label
            # Ink where the name goes: right of "Distributor: D0", on the label's second line.
            page = document[index]
            width, height = page.get_size()
            image = np.asarray(page.render(scale=2).to_pil().convert("L"))
            band = image[int(2 * (height - 0.85 * PT + 4 + 6)):int(2 * (height - 0.85 * PT + 4 + 6 + 9)),
                         120:int(2 * (width - 4))]
            assert (band < 128).sum() > 40, (index, list(names)[index])
    finally:
        document.close()


def test_everyday_cjk_names_can_be_printed(tmp_path: Path) -> None:
    """Congregation names use characters no catalog has: the CJK subsets carry each region's
    everyday set (see tools/vendor_fonts.py), so these are not refused."""
    names = {"zh-Hans": "华人浸信会", "zh-Hant": "華人浸信會", "ja": "日本人キリスト教会", "ko": "뉴욕한인교회"}
    orders = tmp_path / "cjk.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity,contact\n" + "".join(
        f"D{i},{name},{tag},card,5,\n" for i, (tag, name) in enumerate(names.items())), "utf-8")
    assert [o.distributor_name for o in read_orders(orders, load_campaign(ROOT))] == list(names.values())
    orders.write_text(orders.read_text("utf-8").replace("华人", "𠀋人"), "utf-8")  # a CJK Extension B character
    with pytest.raises(FlyersError) as refused:
        read_orders(orders, load_campaign(ROOT))
    assert "cjk.csv:2: column distributor_name: '𠀋' (U+2000B) cannot be printed" in refused.value.render()


def test_a_large_plan_proofs_a_sample_of_first_and_longest_names(workspace: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import flyers.batch

    monkeypatch.setattr(flyers.batch, "PROOF_ALL_LINES", 4)
    names = ["Ana", "Congregation of the Longest Name in All of Queens", "Bo", "Cy", "Dee", "Ed"]
    orders = tmp_path / "many.csv"
    orders.write_text("distributor_id,distributor_name,language,format,quantity,contact\n" + "".join(
        f"D{i},{name},en,letter,5,\n" for i, name in enumerate(names)) + "D9,Flo,es,letter,5,\n", "utf-8")
    run_batch(BatchRequest(root=workspace, orders=orders, out=tmp_path / "package", mode="copies"))
    proof = tmp_path / "package" / "proof.pdf"
    assert _label_names(proof) == ["Ana", names[1], "Flo"]  # en: first and longest; es: its one line
    texts = preflight.pdf_text(proof)
    assert all("sample: 3 of 7 variants" in t for t in texts) and "PROOF page 3 of 3" in texts[2]


@pytest.mark.slow
def test_default_package_xjdf_validates_and_adds_up_to_30000(default_package: Path) -> None:
    """The shipped plan (orders/nyc-2026.csv): products and drops add up to its 30,000 pieces."""
    folder = default_package
    tree = validate_xjdf(folder / "job.xjdf")
    products, drops = xjdf_amounts(tree)
    assert sum(products.values()) == 30000 == job_of(folder)["total_pieces"]
    assert len(drops) == 400 and sum(sum(d.values()) for d in drops.values()) == 30000
    for product, amount in products.items():
        assert sum(d.get(product, 0) for d in drops.values()) == amount
    sheets = {f["format"]: (f["sheet"], f["pieces_per_sheet"]) for f in job_of(folder)["print_files"]}
    assert sheets == {"letter": ("13x19", 2), "half-letter": ("13x19", 4), "card": ("13x19", 21)}
    for entry in job_of(folder)["print_files"]:  # every press sheet: safe edge, and its slug
        assert assert_edges_clean(folder / entry["path"], dpi=20) == entry["layouts"] * entry["sides"]
        for n, text in enumerate(preflight.pdf_text(folder / entry["path"])):
            assert f"layout {n // entry['sides'] + 1} of {entry['layouts']}" in text, (entry["path"], n)


def test_k_text_prints_over_the_tint_panel_on_the_cyan_plate(copies: Path, tmp_path: Path) -> None:
    """Separated by Ghostscript as a press would: under the black text in the pale-blue panel
    the cyan plate still carries the panel's tint, so no white edge shows if the plates shift."""
    subprocess.run([tool("gs"), "-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=tiffsep", "-r72",
                    "-dFirstPage=9", "-dLastPage=9", "-o", str(tmp_path / "p.tif"), str(copies / "proof.pdf")],
                   check=True)  # page 9: the letter flyer
    cyan = 255 - np.asarray(Image.open(tmp_path / "p(Cyan).tif").convert("L")).astype(int)
    black = 255 - np.asarray(Image.open(tmp_path / "p(Black).tif").convert("L")).astype(int)
    panel = (cyan > 15) & (cyan < 40)  # the tint, [10, 4, 0, 0]: about 10 % cyan
    rows, cols = np.where(panel)
    box = np.s_[rows.min():rows.max(), cols.min():cols.max()]
    text = black[box] > 200
    assert text.sum() > 1000  # the panel's black text
    assert (cyan[box][text] < 5).sum() == 0  # knocked out: none
