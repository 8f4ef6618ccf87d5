"""The production part of the job ticket: stock, inks per side, press sheets, finishing,
delivery and boxing, and the questions a shop would otherwise have to phone about.

Inks are measured, not assumed: Ghostscript's ``inkcov`` device reports which
of C, M, Y and K each master page puts on paper, so the card's English back
shows up as K only (4/1) because it is, and would stop doing so the day
someone gives it a blue heading.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import FlyersError
from .files import sha256_bytes, write_text
from .model import Master
from .orders import Distributor
from .packing import boxes_of
from .printspec import PrintSpec

INKS = ("Cyan", "Magenta", "Yellow", "Black")
LIFT_IN = 3.0  # a guillotine's usual lift: the stack height it cuts at once
INK_DPI = 36  # enough to see any ink a page lays down; a page takes milliseconds


def page_inks(masters: Sequence[Master], cache: Path) -> list[list[str]]:
    """Per page (side) of a format, the inks any language's master puts on it."""
    sides: list[set[str]] = []
    missing = [m for m in masters if not (cache / f"{_key(m)}.json").is_file()]
    if missing:
        _measure(missing, cache)
    for master in masters:
        for page, inks in enumerate(json.loads((cache / f"{_key(master)}.json").read_text("utf-8"))):
            while len(sides) <= page:
                sides.append(set())
            sides[page] |= set(inks)
    return [[ink for ink in INKS if ink in side] for side in sides]


def _measure(masters: Sequence[Master], cache: Path) -> None:
    gs = shutil.which("gs")
    if gs is None:
        raise FlyersError("Ghostscript (gs) is needed to measure the inks per side; install ghostscript")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for index, master in enumerate(masters):
            path = Path(tmp) / f"{index}.pdf"
            path.write_bytes(master.pdf)
            files.append(str(path))
        result = subprocess.run([gs, "-q", "-dSAFER", "-dNOPAUSE", "-dBATCH", "-sDEVICE=inkcov", f"-r{INK_DPI}",
                                 "-o", "-", *files], capture_output=True, text=True, check=False)
    lines = [line.split() for line in result.stdout.splitlines() if "CMYK" in line]
    if result.returncode != 0 or len(lines) != sum(m.pages for m in masters):
        raise FlyersError(f"Ghostscript could not measure the masters' inks: {result.stderr.strip()[:200]}")
    for master in masters:
        pages, lines = lines[: master.pages], lines[master.pages:]
        inks = [[ink for ink, value in zip(INKS, page[:4], strict=True) if float(value) > 0] for page in pages]
        write_text(cache / f"{_key(master)}.json", json.dumps(inks) + "\n")


def _key(master: Master) -> str:
    return master.key or sha256_bytes(master.pdf)


def default_lift(spec: PrintSpec, fmt: str) -> int | None:
    """Sheets per lift for cut-and-stack: a 3 in stack of the format's stock (None: caliper unknown)."""
    stock = spec.stock.get(fmt)
    return max(1, math.floor(LIFT_IN / stock.caliper_in)) if stock and stock.caliper_in else None


def colours_label(sides: list[list[str]]) -> str:
    """The trade's shorthand: 4/1 is four colours on the front, black only on the back."""
    counts = [len(side) for side in sides]
    return "/".join(str(c) for c in counts) + ("/0" if len(counts) == 1 else "")


def extend_job(job: dict[str, Any], spec: PrintSpec, groups: list[Distributor],
               masters_by_format: dict[str, list[Master]], cache: Path) -> None:
    """Add the production specs and the open questions to a job ticket."""
    inks = {fmt: page_inks(masters, cache) for fmt, masters in masters_by_format.items()}
    job["production"] = production(spec, job["print_files"], groups, inks)
    job["open_questions"] = open_questions(spec, list(masters_by_format), groups)


def production(spec: PrintSpec, files: list[dict[str, Any]], groups: list[Distributor],
               inks: dict[str, list[list[str]]]) -> dict[str, Any]:
    """The ``production`` block of job.json: stock and inks per print file, press sheets per stock."""
    per_file = []
    stocks: dict[str, dict[str, Any]] = {}
    spoilage = spec.spoilage_percent
    # The boxes the labels are printed for (packing.boxes_of): pieces in each.
    boxes = [sum(take for _, take in box) for g in groups for box in boxes_of(g, spec.pieces_per_box)]
    for entry in files:
        fmt = entry["format"]
        stock = spec.stock.get(fmt)
        sides = inks[fmt]
        per_file.append({
            "path": entry["path"], "format": fmt,
            "stock": _stock(stock) if stock else None,
            "colours": colours_label(sides),
            "inks": [{"side": "front" if i == 0 else "back", "inks": side} for i, side in enumerate(sides)],
            "finishing": _finishing(entry),
        })
        name = stock.name if stock else f"(stock for {fmt} not set)"
        key = f"{name} @ {entry['sheet']}"
        total = stocks.setdefault(key, {"stock": name, "sheet": entry["sheet"], "sheet_in": entry["sheet_in"],
                                        "press_sheets": 0, "formats": []})
        total["press_sheets"] += entry["press_sheets"]
        total["formats"].append(fmt)
    for total in stocks.values():
        extra = math.ceil(total["press_sheets"] * spoilage / 100) if spoilage is not None else None
        total["spoilage_sheets"] = extra
        total["sheets_to_order"] = total["press_sheets"] + (extra or 0)
    return {
        "due": spec.due.isoformat() if spec.due else None,
        "contact": vars(spec.contact) if spec.contact else None,
        "proof_approver": vars(spec.proof_approver) if spec.proof_approver else None,
        "delivery": {"method": spec.delivery, "packing": spec.packing, "boxes": len(boxes),
                     "pieces_per_box": spec.pieces_per_box,
                     "with_address": sum(1 for g in groups if g.ship_to),
                     "smallest_box_pieces": min(boxes, default=0)},
        "tolerance": {"overs_percent": spec.overs_percent, "unders_percent": spec.unders_percent},
        "spoilage_percent": spoilage,
        "print_files": per_file,
        "stocks": list(stocks.values()),
    }


def _stock(stock: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(stock).items() if v is not None}


def _finishing(entry: dict[str, Any]) -> list[str]:
    steps = [f"cut {entry['pieces_per_sheet']}-up to {entry['trim_in'][0]:g} x {entry['trim_in'][1]:g} in "
             f"(crop marks; {entry['bleed_in']:g} in bleed, {2 * entry['bleed_in']:g} in gutters, double cuts)"]
    if entry["sides"] == 2:
        steps.insert(0, "duplex, head to head: turn on the long edge (backs are mirrored to match)")
    if entry.get("lifts"):
        steps.append(f"cut and stack in {len(entry['lifts'])} lift(s), in order; slot 1's stack on top")
    return steps


def open_questions(spec: PrintSpec, formats: list[str], groups: list[Distributor]) -> list[str]:
    """What the package cannot tell the shop: each missing spec, worded as the question."""
    questions = []
    if spec.due is None:
        questions.append("Due date: when must the boxes be at the distributors? ([print] due is not set)")
    if spec.contact is None:
        questions.append("Contact: who answers the shop's questions? ([print.contact] is not set)")
    if spec.proof_approver is None:
        questions.append("Proof approver: who signs proof.pdf? ([print.proof_approver] is not set)")
    for fmt in formats:
        stock = spec.stock.get(fmt)
        if stock is None:
            questions.append(f"Stock for {fmt}: which paper? ([print.stock.{fmt}] is not set)")
        elif stock.weight_gsm is None or stock.finish is None or stock.caliper_in is None:
            questions.append(f"Stock for {fmt}: weight, finish or caliper of {stock.name!r} not given "
                             f"([print.stock.{fmt}])")
    if spec.delivery is None:
        questions.append("Delivery: ship, deliver or pickup? ([print] delivery is not set)")
    elif spec.delivery in ("ship", "deliver"):
        missing = [g.id for g in groups if not g.ship_to]
        if missing:
            questions.append(f"Ship-to addresses: {len(missing)} of {len(groups)} distributors have none "
                             f"(orders columns address, city, region, postal_code, country), e.g. {missing[0]}")
    if spec.overs_percent is None or spec.unders_percent is None:
        questions.append("Over/under: how many pieces more or fewer than ordered are acceptable? "
                         "([print] overs_percent, unders_percent)")
    if spec.spoilage_percent is None:
        questions.append("Spoilage: how many extra press sheets for make-ready? ([print] spoilage_percent)")
    return questions
