"""Batches of many distributors: name checks, right-to-left imprints, packing lists, labels,
progress, time and size limits, nothing left behind."""

from __future__ import annotations

import functools
import json
import multiprocessing
from pathlib import Path

import pikepdf
import pytest

from flyers import batch, progress, vdp
from flyers.batch import BatchRequest, run_batch
from flyers.campaign import load_campaign
from flyers.errors import FlyersError
from flyers.fontstack import load_fonts
from flyers.languages import resolve_all
from flyers.orders import Distributor, Order, ShipTo
from flyers.packing import Line as PackingLine
from flyers.packing import write_labels, write_packing_lists
from flyers.progress import check_plan
from flyers.typeset import Typesetter

from .conftest import copy_workspace, run_cli
from .glyphs import imprint_glyphs, page_glyphs, visual_lines

HEADER = "distributor_id,distributor_name,language,format,quantity\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_workspace(tmp_path_factory.mktemp("scale") / "campaign")


def orders_file(folder: Path, rows: str, name: str = "orders.csv") -> Path:
    path = folder / name
    path.write_text(HEADER + rows, "utf-8")
    return path


@pytest.mark.parametrize(("name", "message"), [
    ("Church \U0001F600 of Light", "'😀' (U+1F600) cannot be printed"),
    ("\u202eevil Church", "U+202E (RLO)"),
    ("Church\u2066 A\u2069", "U+2066 (LRI), U+2069 (PDI)"),
    ("Masjid\u200f Noor", "U+200F (RLM)"),
    ("Masjid\u061c Noor", "U+061C (ALM)"),
    ("St. Mark\nChurch", "line break or control character (U+000A)"),  # a cell typed on two lines
    ("St. Mark\u2028Church", "(U+2028)"),
])
def test_a_name_that_cannot_print_as_written_is_refused_with_its_row(workspace: Path, tmp_path: Path, name: str,
                                                                       message: str) -> None:
    orders = orders_file(tmp_path, f'A1,Fine Church,es,card,5\nA2,"{name}",ar,card,5\n')
    out = tmp_path / "out"
    result = run_cli("batch", "-w", str(workspace), str(orders), "--out", str(out))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "orders.csv:3: column distributor_name: " in result.stderr and message in result.stderr, result.stderr
    assert not out.exists()


def test_a_refused_orders_file_leaves_no_child_process_running(workspace: Path, tmp_path: Path) -> None:
    """The language names are resolved in a child while the orders are read; when the
    orders are refused the batch waits for it, so the command exits cleanly (exiting under
    a running child printed a traceback from the executor's shutdown beneath the error)."""
    orders = orders_file(tmp_path, 'A2,"Church \U0001F600 of Light",ar,card,5\n')
    with pytest.raises(FlyersError, match=r"1 problem.*nothing was printed"):
        run_batch(BatchRequest(root=workspace, orders=orders, out=tmp_path / "out"))
    assert multiprocessing.active_children() == []


# What each right-to-left imprint must read, line by line from the top, each line left to
# right as printed.  Joined Arabic letters are not single characters' glyphs: they read "?".
@pytest.mark.parametrize("name", ["Congregation 003, Queens", "7 Brothers Church, Queens"])
@pytest.mark.parametrize(("tag", "fmt", "prefix"), [
    ("ar", "letter", "شاركه: "), ("ar", "card", "شاركه: "),
    ("yi", "letter", "געטיילט דורך "), ("yi", "card", "געטיילט דורך "),
])
def test_rtl_imprints_keep_the_latin_name_in_order(workspace: Path, tmp_path: Path, tag: str, fmt: str,
                                                   prefix: str, name: str) -> None:
    orders = orders_file(tmp_path, f'C003,"{name}",{tag},{fmt},2\n')
    out = tmp_path / "out"
    run_batch(BatchRequest(root=workspace, orders=orders, out=out, mode="copies"))
    lines = visual_lines(imprint_glyphs(out / "proof.pdf", 0, prefix + name))
    latin = "".join(c for line in lines for c in line if c.isascii() and c != "?")
    assert latin.replace(":", "") == name.replace(" ", ""), lines
    first = lines[0]
    # The first line: the name (or its start) on the left, the language's words on its right.
    assert first.index(name[0]) < max(i for i, c in enumerate(first) if not c.isascii()), lines
    if tag == "yi":  # Hebrew letters do not join: the words read right to left
        assert first[first.index("ך") if "ך" in first else 0:].startswith("ךרוד"), lines


# Latin, Arabic, Hebrew-script, CJK, Devanagari and Ethiopic names, each in a language of its script.
WORKER_NAMES = [("Congregation 003, Queens", "en", "card"), ("مسجد النور", "ar", "letter"),
                ("קהילת אור", "yi", "card"), ("華人浸信會", "zh-Hans", "half-letter"),
                ("श्री गुरु मंदिर", "hi", "card"), ("ቅድስት ማርያም", "am", "letter")]


def test_imprints_set_in_page_workers_are_the_ones_set_in_process(workspace: Path, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Page workers set imprints with typesetters of their own, and glyph forms are named the
    same in every process: where the work ran must change no byte, and every name must read."""
    rows = "".join(f'D{n:03d},"{name} {n}",{tag},{fmt},3\n'
                   for n, (name, tag, fmt) in enumerate(WORKER_NAMES * 4))
    orders = orders_file(tmp_path, rows)
    made: dict[int, dict[str, bytes]] = {}
    for workers in (1, 2):
        # Two workers, two pages a chunk: the chunks of one file go to both workers.
        monkeypatch.setattr(batch, "render_pages", functools.partial(vdp.render_pages, workers=workers, small=1,
                                                                     chunk=2))
        out = tmp_path / f"out-{workers}"
        run_batch(BatchRequest(root=workspace, orders=orders, out=out, mode="sequenced"))
        made[workers] = {p.name: p.read_bytes() for p in sorted((out / "print").glob("*.pdf"))}
    assert made[1].keys() == made[2].keys() and len(made[1]) >= 4
    assert [name for name in made[1] if made[1][name] != made[2][name]] == []
    # Latin and Han glyphs are their characters' own (joined or reordered scripts are read by
    # the pixel comparison in test_typeset): each such name reads on its pieces.
    chars = "".join(n for n, _, _ in WORKER_NAMES) + "0123456789 ,"
    for fmt, tag in (("card", "en"), ("half-letter", "zh-Hans")):
        vt = tmp_path / "out-2" / "print" / f"{fmt}-sequenced-vt.pdf"
        with pikepdf.open(vt) as pdf:
            pages = len(pdf.pages)
        read = {"".join(visual_lines(imprint_glyphs(vt, page, chars))).replace(" ", "") for page in range(pages)}
        names = [f"{name} {n}" for n, (name, t, f) in enumerate(WORKER_NAMES * 4) if (f, t) == (fmt, tag)]
        assert len(names) == 4
        for name in names:
            assert any(name.replace(" ", "") in text for text in read), (name, read)


# --- packing lists and labels ----------------------------------------------------------------


def lines_of(pdf: Path, page: int, expected: str) -> list[str]:
    return visual_lines(page_glyphs(pdf, page, expected, fonts=["NotoSans-Regular.ttf", "NotoSans-Bold.ttf"]))


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory, workspace: Path) -> tuple[Path, list[Distributor]]:
    """Packing lists and labels of three distributors, the second with 40 lines (two pages)."""
    campaign = load_campaign(workspace)
    languages = resolve_all(campaign)
    tags = [t for t in campaign.languages][:20]
    groups = [
        Distributor("A-1", "Alpha Church", "front desk", (Order(2, "A-1", "Alpha Church", "es", "card", 1200),)),
        Distributor("B-2", "Beta Mosque", "", tuple(Order(3 + i, "B-2", "Beta Mosque", tags[i % 20],
                                                          ("card", "letter")[i // 20], 10) for i in range(40))),
        Distributor("C-3", "Gamma Temple", "", (Order(50, "C-3", "Gamma Temple", "ar", "letter", 7),)),
    ]
    folder = tmp_path_factory.mktemp("documents")
    book = load_fonts(campaign.fonts_dir)
    job = {"campaign": "KYR", "name": "plan", "mode": "copies"}

    def lines(group: Distributor) -> list[PackingLine]:
        return [PackingLine(languages[o.language], o.format, o.quantity) for o in group.orders]

    write_packing_lists(folder / "packing-lists.pdf", Typesetter(book), languages["en"], job, groups, lines,
                        lambda done, total: None)
    write_labels(folder / "labels.pdf", Typesetter(book), languages["en"], languages, groups, 500,
                 lambda done, total: None)
    return folder, groups


def test_packing_list_pages_are_numbered_over_the_whole_file(documents: tuple[Path, list[Distributor]]) -> None:
    folder, _ = documents
    pdf = folder / "packing-lists.pdf"
    with pikepdf.open(pdf) as document:
        count = len(document.pages)
    assert count == 4  # the 40-line list takes two pages
    footers, headers = [], []
    for page in range(count):
        lines = lines_of(pdf, page, "page 0123456789 of KYR — plan packing list (continued)")
        footers.append(lines[-1])
        headers.append(lines[0])
    assert footers == [f"page{n}of4" for n in range(1, 5)]
    assert [h.split("packinglist")[1] for h in headers] == ["1of3", "2of3", "2of3(continued)", "3of3"]


def test_packing_list_lines_and_total(documents: tuple[Path, list[Distributor]]) -> None:
    folder, _ = documents
    lines = lines_of(folder / "packing-lists.pdf", 0, "Alpha Church A-1 Contact: front desk total pieces in this box "
                     "1,200 card Spanish languageformatquantity()")
    assert lines[1:4] == ["AlphaChurch", "A-1", "Contact:frontdesk"]
    assert "totalpiecesinthisbox1,200" in lines


def test_one_label_per_box_with_its_contents(documents: tuple[Path, list[Distributor]]) -> None:
    folder, _ = documents
    pdf = folder / "labels.pdf"
    with pikepdf.open(pdf) as document:
        assert len(document.pages) == 3 + 1 + 1  # 1,200 pieces in boxes of 500; 400 pieces; 7 pieces
    text = "box 0123456789 of pieces Alpha Church A-1 Spanish card Beta Mosque B-2 Arabic letter ·,"
    first = lines_of(pdf, 0, text)
    assert first[:2] == ["A-1", "AlphaChurch"]
    assert "Spanish·card500" in first and "box1of3" in first and "500pieces" in first
    third = lines_of(pdf, 2, text)
    assert "box3of3" in third and "200pieces" in third
    assert "box1of1" in lines_of(pdf, 3, text)


def test_labels_carry_the_address_when_the_orders_have_one(tmp_path: Path, workspace: Path) -> None:
    campaign = load_campaign(workspace)
    languages = resolve_all(campaign)

    ship_to = ShipTo("12 Main St", "Queens", "NY", "11101")
    order = Order(2, "A-1", "Alpha Church", "es", "card", 5, "", ship_to)
    group = Distributor("A-1", "Alpha Church", "", (order,), ship_to)
    write_labels(tmp_path / "labels.pdf", Typesetter(load_fonts(campaign.fonts_dir)), languages["en"], languages,
                 [group], 500, lambda done, total: None)
    lines = lines_of(tmp_path / "labels.pdf", 0, "Alpha Church A-1 12 Main St Queens, NY 11101")
    assert lines[2:4] == ["12MainSt", "Queens,NY11101"]


# --- progress, limits, failures -------------------------------------------------------------------


def test_progress_reports_every_step_with_counts(workspace: Path, tmp_path: Path) -> None:
    orders = orders_file(tmp_path, "A1,Alpha Church,es,card,5\nB2,Beta Mosque,ar,card,7\n")
    seen: dict[str, tuple[int, int]] = {}
    run_batch(BatchRequest(root=workspace, orders=orders, out=tmp_path / "out"),
              lambda step, done, total: seen.__setitem__(step, (done, total)))
    assert seen["orders read"] == (2, 2) and seen["imprints (card)"] == (2, 2)
    assert seen["sheets (card)"][0] == seen["sheets (card)"][1] > 0
    assert seen["packing lists"] == (2, 2) and seen["labels"] == (2, 2)
    assert seen["checksums"][0] == seen["checksums"][1] >= 6
    assert seen["masters"][0] == seen["masters"][1]


def test_timeout_stops_the_batch_and_leaves_nothing(workspace: Path, tmp_path: Path) -> None:
    orders = orders_file(tmp_path, "A1,Alpha Church,es,card,5\n")
    out = tmp_path / "batch" / "out"
    result = run_cli("batch", "-w", str(workspace), str(orders), "--out", str(out), "--timeout", "1")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--timeout: the batch took longer than 1 s" in result.stderr
    assert not (tmp_path / "batch").exists() and not out.with_suffix(".zip").exists()


def test_a_timeout_while_writing_sheets_removes_the_half_made_package(workspace: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    orders = orders_file(tmp_path, "A1,Alpha Church,es,card,5\n")
    out = tmp_path / "batch" / "out"
    made: list[bool] = []

    class Clock:  # time stands still until the sheets are being written, then jumps a minute
        @staticmethod
        def monotonic() -> float:
            return 60.0 if made else 0.0

    def report(step: str, done: int, total: int) -> None:
        if step.startswith("sheets") and not made:  # the folder exists, a print file is being written
            made.append(out.is_dir())

    monkeypatch.setattr(progress, "time", Clock)
    with pytest.raises(FlyersError, match=r"--timeout: the batch took longer than 30 s \(at step 'sheets"):
        run_batch(BatchRequest(root=workspace, orders=orders, out=out, timeout_s=30.0), report)
    assert made == [True]
    assert not (tmp_path / "batch").exists()


def test_a_failure_midway_leaves_nothing_behind(workspace: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    orders = orders_file(tmp_path, "A1,Alpha Church,es,card,5\n")
    out = tmp_path / "new" / "out"

    def broken(*args: object) -> None:
        raise FlyersError("disk full (planted)")

    monkeypatch.setattr(batch, "_checksums", broken)
    with pytest.raises(FlyersError, match="planted"):
        run_batch(BatchRequest(root=workspace, orders=orders, out=out))
    assert not (tmp_path / "new").exists()
    # A rerun into a finished package that fails leaves the old files but no temp files and no
    # finished-package marker, so the next run rebuilds it.
    monkeypatch.undo()
    run_batch(BatchRequest(root=workspace, orders=orders, out=out))
    orders.write_text(HEADER + "A1,Alpha Church,es,card,6\n", "utf-8")
    monkeypatch.setattr(batch, "_checksums", broken)
    with pytest.raises(FlyersError):
        run_batch(BatchRequest(root=workspace, orders=orders, out=out))
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]
    monkeypatch.undo()
    run_batch(BatchRequest(root=workspace, orders=orders, out=out))
    assert json.loads((out / "job.json").read_text("utf-8"))["total_pieces"] == 6


def test_a_plan_too_large_is_refused_before_any_work(workspace: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    orders = orders_file(tmp_path, "".join(f"D{n},Church {n},es,card,5\n" for n in range(6)))
    monkeypatch.setattr(progress, "MAX_ROWS", 5)
    called: list[str] = []
    monkeypatch.setattr(batch, "masters", lambda *a, **k: called.append("masters"))
    with pytest.raises(FlyersError, match="too large for one package: 6 order lines; one package takes at most 5"):
        run_batch(BatchRequest(root=workspace, orders=orders, out=tmp_path / "out"))
    assert not called and not (tmp_path / "out").exists()
    with pytest.raises(FlyersError, match="MB of disk"):
        check_plan(10, 10, 10, 10**12, tmp_path)


def test_sequenced_pieces_count_in_the_memory_a_plan_needs(workspace: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A sequenced piece is held (its place in the packing order, its PDF/VT record);
    a copies-mode piece is not: 4,000,000 of them fit a budget the sequenced ones do not."""
    check_plan(1_000, 4_000_000, 100, 1_000, tmp_path, memory_mb=500)
    with pytest.raises(FlyersError, match=r"MB of memory for 1,000 lines and 4,000,000 sequenced pieces"):
        check_plan(1_000, 4_000_000, 100, 1_000, tmp_path, memory_mb=500, unique_pieces=4_000_000)
    # as `flyers batch` asks: a piece made to weigh 1 GB refuses the sequenced plan only
    monkeypatch.setattr(progress, "BYTES_PER_UNIQUE_PIECE_IN_MEMORY", 2**30)
    orders = orders_file(tmp_path, "D1,Church One,es,card,5\n")
    monkeypatch.setattr(batch, "masters", lambda *a, **k: (_ for _ in ()).throw(AssertionError("work began")))
    with pytest.raises(FlyersError, match="5 sequenced pieces"):
        run_batch(BatchRequest(root=workspace, orders=orders, out=tmp_path / "seq", mode="sequenced"))
    with pytest.raises(AssertionError, match="work began"):  # copies mode: past the check
        run_batch(BatchRequest(root=workspace, orders=orders, out=tmp_path / "copies", mode="copies"))
