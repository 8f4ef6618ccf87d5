"""Packing lists and box labels for thousands of distributors, without a layout per page.

A packing list is one page per distributor (more when its lines do not fit),
"page N of M" counted over the whole file; a label is one page (4 x 6 in, the
shipping-label size) per box, "box n of N" per distributor.  Their text is
shaped with the imprints' typesetter and drawn as shared glyph forms: pages
are streamed as they are made (memory stays flat), each costs well under a
millisecond, and the glyph forms are written once, after the pages.
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf

from .content import PAGE_COMPRESSION
from .files import atomic_open
from .languages import Language
from .orders import Distributor, Order
from .pdfwriter import PageBoxes
from .typeset import Block, Typesetter, pdf_number
from .vdp import Rendered, write_pages

PT = 72.0
LETTER = (8.5 * PT, 11 * PT)
LABEL = (4 * PT, 6 * PT)
MARGIN = 0.6 * PT
LABEL_MARGIN = 0.25 * PT
ROW_PT = 15.0
DOCUMENT_FILES = ("packing-lists.pdf", "labels.pdf")


@dataclass(frozen=True)
class Line:
    """One packing-list line: a language/format and its quantity (and serial range)."""

    language: Language
    format: str
    quantity: int
    serials: str = ""


class TextWriter:
    """Text blocks in any script drawn at positions on a page, with a cache for repeated text.

    The glyphs it uses become forms when the typesetter's ``glyph_objects`` runs,
    so text must be set before the document's resources are written."""

    def __init__(self, typesetter: Typesetter, english: Language) -> None:
        self.typesetter = typesetter
        self.english = english
        self.cache: dict[tuple[str, str, float, bool, float, str], Block] = {}

    def text(self, text: str, x: float, top: float, width: float, size: float, *, bold: bool = False,
             language: Language | None = None, align: str = "left", grey: float = 1.0) -> tuple[bytes, float]:
        """Operators drawing ``text`` with its top at ``top``; and the height it took."""
        lang = language or self.english
        block = self.block((text, lang.tag, size, bold, width, align),
                           lambda: self.typesetter.fit([(text, False)], lang, size, width, 1.2, align, 0.0, bold))
        colour = b"0 0 0 %s k" % pdf_number(grey)
        ops = block.ops.replace(b"0 0 0 1 k", colour, 1)
        return b"q 1 0 0 1 %s %s cm\n%s\nQ" % (pdf_number(x), pdf_number(top - block.height), ops), block.height

    def block(self, key: tuple[str, str, float, bool, float, str], make: Callable[[], Block]) -> Block:
        """The block cached under ``key``, made by ``make`` the first time."""
        block = self.cache.get(key)
        if block is None:
            block = make()
            if len(self.cache) < 2000:  # the repeated words; names come once each
                self.cache[key] = block
        return block




def _rule(x0: float, x1: float, y: float, grey: float = 0.5) -> bytes:
    return b"q 0 0 0 %s K 0.5 w %s %s m %s %s l S Q" % tuple(map(pdf_number, (grey, x0, y, x1, y)))


def _base(title: str) -> bytes:
    """A page-less PDF with empty shared resources (the glyph forms come after the pages)."""
    with pikepdf.new() as pdf:
        pdf.Root["/KYRSharedResources"] = pdf.make_indirect(pikepdf.Dictionary())
        pdf.docinfo["/Title"] = title
        pdf.docinfo["/Producer"] = "kyr-flyers"
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.disable)
        return out.getvalue()


def _stream(path: Path, title: str, typesetter: Typesetter, pages: Iterator[bytes], count: int,
            size: tuple[float, float]) -> None:
    box = (0.0, 0.0, size[0], size[1])
    boxes = PageBoxes(box, box, box)
    with atomic_open(path) as handle:
        rendered = (Rendered(zlib.compress(content, PAGE_COMPRESSION), boxes) for content in pages)
        write_pages(handle, _base(title), rendered, count, typesetter)


# --- packing lists ---------------------------------------------------------------------------

def rows_per_page(contact: bool) -> int:
    """Table rows that fit under a packing list's heading (a long name takes two of them)."""
    return int((LETTER[1] - 2 * MARGIN - 150 - (14 if contact else 0)) // ROW_PT) - 2


def packing_pages(groups: Sequence[Distributor]) -> list[int]:
    """Pages per distributor: its lines over as many pages as they need."""
    return [max(1, math.ceil(len(g.orders) / rows_per_page(bool(g.contact)))) for g in groups]


def write_packing_lists(path: Path, typesetter: Typesetter, english: Language, job: dict[str, Any],
                        groups: Sequence[Distributor], lines_of: Callable[[Distributor], list[Line]],
                        progress: Callable[[int, int], None]) -> int:
    """packing-lists.pdf: every distributor's box contents; returns the page count."""
    counts = packing_pages(groups)
    total = sum(counts)
    writer = TextWriter(typesetter, english)
    sequenced = job["mode"] == "sequenced"

    def pages() -> Iterator[bytes]:
        page = 0
        for number, (group, count) in enumerate(zip(groups, counts, strict=True), start=1):
            lines = lines_of(group)
            per = rows_per_page(bool(group.contact))
            for part in range(count):
                page += 1
                chunk = lines[part * per:(part + 1) * per]
                yield _packing_page(writer, job, group, chunk, number, len(groups), page, total,
                                    part + 1 == count, part, sequenced)
            if number % 500 == 0:
                progress(number, len(groups))
        progress(len(groups), len(groups))

    _stream(path, f"Packing lists {job['name']}", typesetter, pages(), total, LETTER)
    return total


def _packing_page(writer: TextWriter, job: dict[str, Any], group: Distributor, lines: Sequence[Line], number: int,
                  count: int, page: int, pages: int, last: bool, part: int, sequenced: bool) -> bytes:
    width = LETTER[0] - 2 * MARGIN
    x, top = MARGIN, LETTER[1] - MARGIN
    ops: list[bytes] = []
    more = " (continued)" if part else ""
    op, h = writer.text(f"{job['campaign']} — {job['name']} — packing list {number} of {count}{more}", x, top,
                        width, 8.5, grey=0.6)
    ops.append(op)
    top -= h + 4
    op, h = writer.text(group.name, x, top, width, 16, bold=True)
    ops.append(op)
    top -= h + 2
    op, h = writer.text(group.id, x, top, width, 28, bold=True)
    ops.append(op)
    top -= h + 6
    if group.contact:
        op, h = writer.text(f"Contact: {group.contact}", x, top, width, 10)
        ops.append(op)
        top -= h + 4
    columns = [(x + 4, 0.46 * width, "left"), (x + 0.48 * width, 0.14 * width, "left"),
               (x + 0.62 * width, 0.12 * width, "right"), (x + 0.76 * width, 0.24 * width - 4, "left")]
    head = ["language", "format", "quantity"] + (["numbers"] if sequenced else [])
    top = _row(writer, ops, columns, head, top, bold=True)
    for line in lines:
        cells = [f"{line.language.endonym} ({line.language.english_name})", line.format,
                 f"{line.quantity:,}"] + ([line.serials] if sequenced else [])
        top = _row(writer, ops, columns, cells, top, language=line.language)
    if last:
        _row(writer, ops, columns, ["total pieces in this box", "", f"{group.pieces:,}"], top, bold=True)
    op, _ = writer.text(f"page {page} of {pages}", x, MARGIN - 6, width, 8, align="right")
    ops.append(op)
    return b"\n".join(ops)


def _row(writer: TextWriter, ops: list[bytes], columns: Sequence[tuple[float, float, str]], cells: Sequence[str],
         top: float, bold: bool = False, language: Language | None = None) -> float:
    height = 0.0
    for index, ((x, width, align), cell) in enumerate(zip(columns, cells, strict=False)):
        if not cell:
            continue
        # Only the first cell is in the line's language (its endonym); a mixed cell is isolated.
        lang = language if index == 0 and language is not None else None
        if lang is not None and lang.direction == "rtl":
            op, h = _mixed(writer, cell, lang, x, top - 3, width, bold)
        else:
            op, h = writer.text(cell, x, top - 3, width, 10, bold=bold, align=align, language=lang)
        ops.append(op)
        height = max(height, h)
    bottom = top - max(height, 12) - 5
    ops.append(_rule(columns[0][0] - 4, columns[-1][0] + columns[-1][1] + 4, bottom))
    return bottom


def _mixed(writer: TextWriter, cell: str, language: Language, x: float, top: float, width: float,
           bold: bool) -> tuple[bytes, float]:
    """A right-to-left endonym then "(English)", left to right, each in its own direction."""
    endonym, _, english = cell.partition(" (")
    block = writer.block((cell, f"{language.tag} mixed", 10, bold, width, "left"),  # on every page of its line
                         lambda: writer.typesetter.fit([(endonym, True), (" (" + english, False)], writer.english,
                                                       10, width, 1.2, "left", 0.0, bold))
    return b"q 1 0 0 1 %s %s cm\n%s\nQ" % (pdf_number(x), pdf_number(top - block.height), block.ops), block.height


# --- labels -------------------------------------------------------------------------------------

def address_of(group: Distributor) -> list[str]:
    """The address lines of a distributor (the orders file's ship-to columns), as on a box."""
    for ship_to in (group.ship_to, *(o.ship_to for o in group.orders)):
        if ship_to:
            return ship_to.lines()
    return []


def boxes_of(group: Distributor, capacity: int) -> list[list[tuple[Order, int]]]:
    """The distributor's pieces packed in boxes of ``capacity``, its lines in order."""
    boxes: list[list[tuple[Order, int]]] = [[]]
    room = capacity
    for order in group.orders:
        left = order.quantity
        while left:
            if room == 0:
                boxes.append([])
                room = capacity
            take = min(left, room)
            boxes[-1].append((order, take))
            left -= take
            room -= take
    return boxes


def write_labels(path: Path, typesetter: Typesetter, english: Language, languages: dict[str, Language],
                 groups: Sequence[Distributor], capacity: int, progress: Callable[[int, int], None]) -> int:
    """labels.pdf: one 4 x 6 in label per box; returns the number of labels."""
    total = sum(len(boxes_of(g, capacity)) for g in groups)
    writer = TextWriter(typesetter, english)

    def pages() -> Iterator[bytes]:
        for number, group in enumerate(groups, start=1):
            boxes = boxes_of(group, capacity)
            address = address_of(group)
            for index, box in enumerate(boxes, start=1):
                yield _label(writer, languages, group, address, box, index, len(boxes))
            if number % 500 == 0:
                progress(number, len(groups))
        progress(len(groups), len(groups))

    _stream(path, "Box labels", typesetter, pages(), total, LABEL)
    return total


def _label(writer: TextWriter, languages: dict[str, Language], group: Distributor, address: list[str],
           box: list[tuple[Order, int]], index: int, count: int) -> bytes:
    width = LABEL[0] - 2 * LABEL_MARGIN
    x, top = LABEL_MARGIN, LABEL[1] - LABEL_MARGIN
    ops: list[bytes] = []
    for text, size, bold in [(group.id, 26, True), (group.name, 13, True), *[(a, 10, False) for a in address]]:
        op, h = writer.text(text, x, top, width, size, bold=bold)
        ops.append(op)
        top -= h + 3
    top -= 6
    ops.append(_rule(x, x + width, top, 1.0))
    top -= 6
    for order, pieces in box:
        language = languages[order.language]
        op, h = writer.text(f"{language.english_name} · {order.format}", x, top, width * 0.7, 10)
        ops.append(op)
        op, _ = writer.text(f"{pieces:,}", x + width * 0.7, top, width * 0.3, 10, align="right")
        ops.append(op)
        top -= h + 2
        if top < 1.4 * PT:
            break
    op, _ = writer.text(f"box {index} of {count}", x, LABEL_MARGIN + 40, width, 22, bold=True, align="center")
    ops.append(op)
    total = sum(p for _, p in box)
    op, _ = writer.text(f"{total:,} pieces", x, LABEL_MARGIN + 12, width, 10, align="center")
    ops.append(op)
    return b"\n".join(ops)


# --- in a second process, beside the print files -----------------------------------------------

@dataclass(frozen=True)
class DocumentsJob:
    """Everything the packing lists and labels need, picklable for a worker process."""

    folder: Path
    fonts: Any  # FontBook
    english: Language
    languages: dict[str, Language]
    job: dict[str, Any]
    groups: tuple[Distributor, ...]
    serials: dict[int, str]
    capacity: int


def _documents_worker(task: DocumentsJob, queue: Any) -> None:
    def lines_of(group: Distributor) -> list[Line]:
        return [Line(task.languages[o.language], o.format, o.quantity, task.serials.get(o.line, ""))
                for o in group.orders]

    write_packing_lists(task.folder / DOCUMENT_FILES[0], Typesetter(task.fonts), task.english, task.job,
                        task.groups, lines_of, lambda done, total: queue.put(("packing lists", done, total)))
    write_labels(task.folder / DOCUMENT_FILES[1], Typesetter(task.fonts), task.english, task.languages, task.groups,
                 task.capacity, lambda done, total: queue.put(("labels", done, total)))


class Background:
    """Packing lists and labels made in their own process while this one makes the print files:
    the two halves of a batch share nothing but the orders, so both cores work."""

    def __init__(self, task: DocumentsJob) -> None:
        from .workers import process_context

        context = process_context()
        self.queue = context.Queue()
        self.folder = task.folder
        for name in DOCUMENT_FILES:  # a rerun's old files must not pass for this run's (see outputs)
            (self.folder / name).unlink(missing_ok=True)
        self.process = context.Process(target=_documents_worker, args=(task, self.queue), daemon=True)
        self.process.start()

    def outputs(self) -> list[Path]:
        """The worker's files once both are written (each appears whole, by rename); else none.

        Asked from another thread too (the zip's), so it looks at the folder, never at
        the process, whose exit status only one reader may take."""
        paths = [self.folder / name for name in DOCUMENT_FILES]
        return paths if all(path.is_file() for path in paths) else []

    def poll(self, report: Callable[[str, int, int], None]) -> None:
        """Pass on the progress the worker has sent so far."""
        import queue as queues

        while True:
            try:
                step, done, total = self.queue.get_nowait()
            except queues.Empty:
                return
            report(step, done, total)

    def wait(self, report: Callable[[str, int, int], None], check: Callable[[], None]) -> None:
        """Wait for the worker, reporting its progress and honouring the time limit."""
        from .errors import FlyersError

        while self.process.is_alive():
            self.process.join(0.2)
            self.poll(report)
            check()
        self.poll(report)
        if self.process.exitcode != 0:
            raise FlyersError(f"packing lists and labels: the worker stopped (exit code {self.process.exitcode})")

    def stop(self) -> None:
        """End the worker at once (the batch failed or ran out of time)."""
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(5)
