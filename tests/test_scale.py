"""Batches of many distributors: name checks, right-to-left imprints, packing lists, labels,
progress, time and size limits, nothing left behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyers.batch import BatchRequest, run_batch

from .conftest import copy_workspace, run_cli
from .glyphs import imprint_glyphs, visual_lines

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
