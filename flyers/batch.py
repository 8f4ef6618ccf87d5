"""Print-shop batch packages: orders in, a folder a shop can run without questions out.

Flow: read and check the orders (nothing is written if any line is wrong),
render the print masters (cached), render the imprints ("Shared by NAME"),
impose every piece on press sheets through the stamping engine, then write
the job ticket, packing lists, proof, SHA256SUMS and a zip.  Every file is
written atomically and deterministically, so an interrupted run is finished
by running it again and an unchanged rerun changes no byte.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import queue
import shutil
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from . import __version__, catalogs
from .build import CACHE_DIR, BuildRequest, file_digest, masters, plan
from .build import pieces as master_pieces
from .campaign import Campaign, load_campaign, source_date
from .content import PAGE_COMPRESSION, Form, Geometry
from .defaults import DEFAULTS, PT
from .errors import FlyersError
from .files import (
    TEMP_PREFIX,
    atomic_open,
    clean_temp_files,
    clean_temp_files_of,
    sha256_bytes,
    sha256_file,
    sha256sums,
    sha256sums_hold,
    write_bytes,
    write_json,
    write_text,
)
from .fontstack import FontBook, fontconfig_file
from .impose import (
    SLUG_SIZE,
    SheetLayout,
    crop_marks,
    cut_and_stack,
    layout,
    lifts,
    sheet_count,
    slug_origin,
)
from .imprints import ImprintSetter, ImprintStyle, imprint_styles
from .languages import Language, Names, resolve, resolve_apart
from .layout import html_job_pdf
from .model import Master, Piece, Placements
from .orders import Distributor, Order, distributors, read_orders
from .packing import Background, DocumentsJob
from .pdfvt import Group, Record, stream_vt
from .pdfwriter import PageBoxes
from .prepress import REGISTERED, SlugFont, finish_base, label_baseline, label_operators, slug_font, slug_operators
from .printspec import PrintSpec, load_print_spec
from .progress import Report, Steps, check_plan, nothing_left_behind
from .qr import qr_link
from .ticket import default_lift, extend_job
from .typeset import Typesetter
from .vdp import LineForms, PageJob, build_base, geometry, page_boxes, render_pages, write_pages
from .workers import run_jobs, start_processes
from .xjdf import write_xjdf

BATCH_KEYS = "batches"  # under .cache/: which inputs made each finished package
SERIAL_FONT = "NotoSans-Regular.ttf"
PACKING_CHUNK = 100  # distributors per packing-list layout; fixed, so bytes never depend on the cores


@dataclass(frozen=True)
class BatchRequest:
    """What `flyers batch` was asked to do."""

    root: Path
    orders: Path
    out: Path
    mode: str = DEFAULTS.mode
    sheet: str | None = None
    output_intent: Path | None = None
    lift: int | None = None  # sequenced mode: sheets per guillotine lift (None: one stack)
    timeout_s: float | None = None


@dataclass
class PrintFile:
    """One imposed print file and what the ticket says about it."""

    path: str
    format: str
    layout: SheetLayout
    languages: list[str]
    pieces: int = 0
    layouts: int = 0  # distinct sheet images in the file (a front and its back are one)
    press_sheets: int = 0  # sheets through the press: layouts times their copies
    copies_lines: list[Order] = field(default_factory=list)  # copies mode: one layout per line, in order
    lifts: list[dict[str, Any]] = field(default_factory=list)
    sha256: str = ""
    vt: dict[str, Any] | None = None  # sequenced mode: the PDF/VT-1 pieces file


@dataclass(frozen=True)
class BatchResult:
    """Where the package went and its totals."""

    folder: Path
    zip_path: Path
    total_pieces: int
    print_files: int


def run_batch(request: BatchRequest, report: Report | None = None) -> BatchResult:
    """Build the package for ``request``; raise FlyersError for anything a user can fix.

    ``report(step, done, total)`` is called as each step advances (see progress.STEPS);
    past ``request.timeout_s`` the run stops, and a failed run leaves nothing behind.
    """
    if request.mode not in DEFAULTS.modes:
        raise FlyersError(f"--mode: {request.mode!r} is not one of {', '.join(DEFAULTS.modes)}")
    start_processes()  # before the plan is read: see workers.py
    steps = Steps(report, request.timeout_s)
    profile = _output_intent(request)
    campaign = load_campaign(request.root)
    with resolve_apart(campaign) as names:  # while the orders are read
        steps("orders read", 0, 0)
        orders = read_orders(request.orders, campaign)
        spec = load_print_spec(campaign)
        steps("orders read", len(orders), len(orders))
        pieces = sum(o.quantity for o in orders)
        groups = distributors(orders)
        pages = 2 * len(orders) if request.mode == "copies" else pieces // 2 + len(orders)
        check_plan(len(orders), pieces, len(groups), pages, request.out,
                   unique_pieces=pieces if request.mode == "sequenced" else 0)
        resolved = names.result()
    with nothing_left_behind(request.out, [request.out.with_suffix(".zip")]), _plan_kept_out_of_gc():
        return _run(request, campaign, spec, profile, orders, groups, resolved, steps)


@contextlib.contextmanager
def _plan_kept_out_of_gc() -> Iterator[None]:
    """The plan read so far (a national one: 100,000 lines, 20,000 distributors) left out of
    the cycle collector's full passes while the package is made: it lives to the end and
    holds no cycles, and scanning it took about a second of a 30 s run.  Objects stay
    freed by reference counting; the collector sees them again afterwards."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _run(request: BatchRequest, campaign: Campaign, spec: PrintSpec, profile: Path, orders: list[Order],
         groups: list[Distributor], names: Names, steps: Steps) -> BatchResult:
    languages = names[0]
    wanted_langs = tuple(dict.fromkeys(o.language for o in orders))
    wanted_formats = tuple(dict.fromkeys(o.format for o in orders))
    build_plan = plan(BuildRequest(root=request.root, out=request.out, languages=wanted_langs,
                                   formats=wanted_formats, strict=True,
                                   strict_reason=f"{request.orders.name} orders them, so every one must build"), names)
    total = len(master_pieces(build_plan))  # written languages and the extra spoken ones, in every format
    done = [0]

    def master_done() -> None:
        done[0] += 1
        steps("masters", done[0], total)

    steps("masters", 0, total)
    rendered, _ = masters(build_plan, on_done=master_done, profile=profile)
    folder = request.out
    key = _batch_key(request, campaign, profile, rendered, build_plan.fonts)
    marker = _key_file(campaign, folder)
    clean_temp_files_of(folder.with_suffix(".zip"))  # a zip a killed run was writing
    if _finished(folder, marker, key):  # same inputs, files intact: nothing to do
        job = load_job(folder)
        return BatchResult(folder, folder.with_suffix(".zip"), job["total_pieces"], len(job["print_files"]))
    marker.unlink(missing_ok=True)  # from here on the folder is not that package any more
    folder.mkdir(parents=True, exist_ok=True)
    clean_temp_files(folder)
    _drop_stale_print_files(folder, {path for fmt in dict.fromkeys(o.format for o in orders)
                                     for path in print_paths(fmt, request.mode)})
    date = source_date(campaign)
    documents = _start_documents(campaign, request, spec, build_plan.fonts, languages, groups, orders, folder)
    steps.poll = documents.poll
    try:
        result = _print_package(request, campaign, spec, profile, orders, groups, rendered, languages,
                                build_plan.fonts, folder, date, steps, documents)
    finally:
        documents.stop()
    write_text(marker, key + "\n")  # last: only a finished package has one
    return result


def _print_package(request: BatchRequest, campaign: Campaign, spec: PrintSpec, profile: Path, orders: list[Order],
                   groups: list[Distributor], rendered: dict[tuple[str, str], Master],
                   languages: dict[str, Language], fonts: FontBook, folder: Path, date: dt.datetime,
                   steps: Steps, documents: Background) -> BatchResult:
    """Print files, proof, ticket and checksums, while ``documents`` makes the packing lists."""
    wanted_formats = tuple(dict.fromkeys(o.format for o in orders))
    used = [languages[tag] for tag in dict.fromkeys(o.language for o in orders)]
    imprints = _Imprints(fonts, imprint_styles(campaign, fonts, used), languages)
    _check_imprints(imprints, orders, request.orders, steps)
    font = campaign.fonts_dir / SERIAL_FONT
    bases = {fmt: build_base([rendered[(t, fmt)].pdf for t in _format_masters(orders, fmt, rendered)], font,
                             f"{fmt}-{request.mode}") for fmt in wanted_formats}
    zip_path = folder.with_suffix(".zip")
    with _Zipper(folder, zip_path, date) as zipper:
        files: list[PrintFile] = []
        for fmt in wanted_formats:
            files.append(_print_file(request, campaign, fmt, orders, rendered, bases[fmt], imprints, folder,
                                     profile.name, request.lift or default_lift(spec, fmt), steps))
            zipper.add(*(folder / path for path in (files[-1].path, (files[-1].vt or {}).get("path")) if path))
            if len(files) == 1:  # the packing lists next, compressed while the next print file is made
                zipper.add_when(documents.outputs)
        steps("proof", 0, 1)
        _proof(campaign, orders, rendered, bases, imprints, folder, languages, profile.name, request.orders.stem)
        steps("proof", 1, 1)
        job = _job(campaign, request, orders, groups, files, profile)
        extend_job(job, spec, groups, {fmt: [rendered[(t, fmt)] for t in _format_masters(orders, fmt, rendered)]
                                       for fmt in wanted_formats}, campaign.root / CACHE_DIR / "inks")
        write_json(folder / "job.json", job)
        zipper.add(folder / "proof.pdf", folder / "job.json")
        with ThreadPoolExecutor(1, thread_name_prefix="job.pdf") as pool:  # a worker renders it meanwhile
            job_pdf = pool.submit(_documents, campaign, fonts, job, groups, folder, date)
            with atomic_open(folder / "job.xjdf") as handle:
                write_xjdf(handle, job, groups, date.isoformat())
            job_pdf.result()
        zipper.add(folder / "job.xjdf", folder / "job.pdf")
        documents.wait(steps, steps.check)
        _checksums(folder, steps)
        zipper.add_rest()
    steps.check()
    return BatchResult(folder, zip_path, job["total_pieces"], len(files))


def _batch_key(request: BatchRequest, campaign: Campaign, profile: Path, rendered: dict[tuple[str, str], Master],
               fonts: FontBook) -> str:
    """Everything a package depends on: orders, options, masters, templates, fonts, date."""
    digest = hashlib.sha256()
    digest.update(f"{__version__}\0{request.mode}\0{request.sheet}\0{request.lift}\0"
                  f"{source_date(campaign).isoformat()}".encode())
    digest.update(file_digest(request.orders) + file_digest(profile) + file_digest(campaign.root / "campaign.toml"))
    for (tag, fmt), master in sorted(rendered.items()):
        digest.update(f"{tag}/{fmt}:{master.key}\0".encode())
    templates = campaign.templates_dir
    for path in sorted([*templates.joinpath("batch").rglob("*"), templates / "imprint.html"]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + file_digest(path))
    for files in fonts.families.values():
        for path in files:
            digest.update(path.name.encode() + b"\0" + file_digest(path))
    return digest.hexdigest()


def print_paths(fmt: str, mode: str) -> list[str]:
    """Where one format's print files go in the package: the imposed file, and in
    sequenced mode the PDF/VT-1 pieces file after it."""
    imposed = f"print/{fmt}-{mode}.pdf"
    return [imposed, f"print/{fmt}-sequenced-vt.pdf"] if mode == "sequenced" else [imposed]


def _drop_stale_print_files(folder: Path, wanted: set[str]) -> None:
    """Remove print files an earlier plan made in this package folder that this one does
    not (a format or mode no longer ordered): checksummed and zipped with the rest, a
    shop would print them."""
    for path in sorted((folder / "print").glob("*.pdf")):
        if path.relative_to(folder).as_posix() not in wanted:
            path.unlink()


def _key_file(campaign: Campaign, folder: Path) -> Path:
    """Where the key of the package in ``folder`` is kept: in the cache, so the package
    itself holds only what the shop gets (and stays byte-identical across machines)."""
    name = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:32]
    return campaign.root / CACHE_DIR / BATCH_KEYS / f"{name}.key"


def _finished(folder: Path, marker: Path, key: str) -> bool:
    """True when the package in ``folder`` was made from ``key`` and verifies against SHA256SUMS."""
    return (marker.is_file() and marker.read_text("utf-8").strip() == key
            and folder.with_suffix(".zip").is_file() and sha256sums_hold(folder))


def _output_intent(request: BatchRequest) -> Path:
    """The CMYK output profile: the campaign's default or the shop's own."""
    path = request.output_intent or request.root / DEFAULTS.profile
    try:
        header = path.read_bytes()[:20]
    except OSError as exc:
        raise FlyersError(f"--output-intent: cannot read {path}: {exc.strerror}") from None
    if len(header) < 20 or header[16:20] != b"CMYK" or header[12:16] != b"prtr":
        raise FlyersError(f"--output-intent: {path} is not a CMYK output (printer) ICC profile")
    path = path.resolve()
    if not path.is_relative_to(request.root.resolve()):
        # The renderer reads only workspace files: take a copy into the workspace cache.
        data = path.read_bytes()
        copy = request.root.resolve() / CACHE_DIR / "profiles" / sha256_bytes(data)[:16] / path.name
        if not copy.is_file():
            write_bytes(copy, data)
        path = copy
    return path


def distributor_link(campaign: Campaign, tag: str, distributor_id: str) -> str:
    """The QR link of a distributor's pieces: the language's link plus only the distributor code."""

    base = qr_link(campaign, tag)
    return f"{base}{'&' if '?' in base else '?'}src={distributor_id}"


# --- imprints -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Imprints:
    """What sets the imprints ("Shared by NAME") of a print file's order lines: a fresh
    typesetter per file, so each file's glyph forms are the ones it draws (see imprints.py)."""

    fonts: FontBook
    styles: dict[str, ImprintStyle]
    languages: dict[str, Language]

    def setter(self) -> ImprintSetter:
        return ImprintSetter(Typesetter(self.fonts), self.styles)

    def for_file(self, lines: list[Order], shape: Geometry, setter: ImprintSetter | None = None) -> LineForms:
        """The line forms of a file of ``lines``; their glyphs go to ``.setter.typesetter``."""
        return LineForms(shape, len(lines), lambda line: (lines[line].distributor_name, lines[line].language),
                         setter or self.setter())


def _check_imprints(imprints: _Imprints, orders: list[Order], source: Path, steps: Steps) -> None:
    """Every imprint can be set, checked before any file is written (they are typeset
    as the sheets are drawn)."""
    setter = imprints.setter()
    for fmt in dict.fromkeys(o.format for o in orders):
        lines = [o for o in orders if o.format == fmt]
        printable: dict[str, set[str]] = {}  # per language: the characters its imprints were set with
        for order in steps.counted(f"imprints ({fmt})", lines, len(lines), every=5000):
            known = printable.setdefault(order.language, set())
            if known.issuperset(order.distributor_name):  # most names: nothing new to look up
                continue
            try:
                setter.check(order.distributor_name, order.language)
            except FlyersError as exc:
                raise FlyersError(f"{source}:{order.line}: column distributor_name: {exc}") from None
            known.update(order.distributor_name)


def _render_html(campaign: Campaign, fonts: FontBook, jobs: list[tuple[str, str, str, bool]],
                 labels: list[str], worker: Callable[[tuple[str, str, str, bool]], bytes] = html_job_pdf,
                 ) -> Iterator[tuple[int, bytes]]:
    """Render HTML jobs to PDF in the workers, with the workspace's fonts only."""
    conf = fontconfig_file(fonts, campaign.root / CACHE_DIR)
    yield from run_jobs(worker, jobs, conf, labels)


def _env(campaign: Campaign) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(campaign.templates_dir), autoescape=True,
                              undefined=jinja2.StrictUndefined)


# --- print files ----------------------------------------------------------------------------


def _format_masters(orders: list[Order], fmt: str, rendered: dict[tuple[str, str], Master]) -> list[str]:
    return list(dict.fromkeys(o.language for o in orders if o.format == fmt))


def _print_file(request: BatchRequest, campaign: Campaign, fmt: str, orders: list[Order],
                rendered: dict[tuple[str, str], Master], raw: tuple[bytes, tuple[float, ...]], imprints: _Imprints,
                folder: Path, profile_name: str, lift: int | None, steps: Steps) -> PrintFile:
    """Impose one format's pieces and write its print file."""
    tags = _format_masters(orders, fmt, rendered)
    format_masters = [rendered[(t, fmt)] for t in tags]
    first_page = {t: sum(m.pages for m in format_masters[:i]) for i, t in enumerate(tags)}
    spec = campaign.formats[fmt]
    sheet = layout(request.sheet or DEFAULTS.sheet_for(fmt), spec.width.pt, spec.height.pt,
                   DEFAULTS.bleed_in * PT, duplex=format_masters[0].pages == 2)
    font = campaign.fonts_dir / SERIAL_FONT
    raw_base, advances = raw
    title = f"{campaign.name} — {request.orders.stem} — {fmt}, {request.mode}"
    base = finish_base(raw_base, title, profile_name, font)
    shape = geometry(format_masters, campaign.qr.error_correction, advances)
    lines = [o for o in orders if o.format == fmt]
    result = PrintFile(path=print_paths(fmt, request.mode)[0], format=fmt, layout=sheet, languages=tags)
    sheets = _Sheets(sheet, f"{campaign.name} | {request.orders.stem} | {result.path.removeprefix('print/')}",
                     slug_font(font))
    # Pages are made as they are written (a national plan has hundreds of thousands), so
    # their number is counted from the plan first.
    if request.mode == "copies":
        pages = _copies_pages(campaign, sheet, lines, first_page, result, sheets)
        count = len(lines) * sheet.sides
    else:
        pages = _sequenced_pages(campaign, sheet, lines, first_page, result, sheets, lift)
        count = sheet_count(sum(o.quantity for o in lines), sheet.per_sheet) * sheet.sides
    boxes = PageBoxes((0, 0, sheet.width, sheet.height), (0, 0, sheet.width, sheet.height),
                      (0, 0, sheet.width, sheet.height))
    jobs = ((placements, marks, boxes) for placements, marks in pages)
    forms = imprints.for_file(lines, shape)
    with atomic_open(folder / result.path) as handle:
        written = render_pages(jobs, shape, forms)
        write_pages(handle, base, steps.counted(f"sheets ({fmt})", written, count, every=2000), count,
                    forms.typesetter, shared=sheets.forms)
    result.sha256 = sha256_file(folder / result.path)
    if request.mode == "sequenced":
        vt_base = finish_base(raw_base, f"{title}, PDF/VT-1 pieces", profile_name, font,
                              vt_date=source_date(campaign).isoformat())
        result.vt = _vt_file(campaign, lines, rendered, fmt, first_page, vt_base, shape, imprints, folder,
                             print_paths(fmt, request.mode)[1], f"{request.orders.stem} {fmt}")
    return result


def _vt_file(campaign: Campaign, lines: list[Order], rendered: dict[tuple[str, str], Master], fmt: str,
             first_page: dict[str, int], base: bytes, shape: Geometry, imprints: _Imprints, folder: Path,
             path: str, job: str) -> dict[str, Any]:
    """The PDF/VT-1 pieces file: every piece 1-up with its bleed, in packing order (the same
    order and serials as the imposed file), one part per distributor and per piece."""
    pieces = sequence(lines)
    index_of = {id(order): i for i, order in enumerate(lines)}
    boxes = {tag: page_boxes(rendered[(tag, fmt)].pdf) for tag in first_page}
    order_of = list(dict.fromkeys(o.distributor_id for o in pieces))
    group_index = {ident: i for i, ident in enumerate(order_of)}
    counts = dict.fromkeys(order_of, 0)  # one pass: per distributor, a scan of every line took 13 s
    for order in lines:
        counts[order.distributor_id] += order.quantity
    names = {o.distributor_id: o.distributor_name for o in lines}
    groups = [Group(ident, names[ident], counts[ident]) for ident in order_of]
    records = [Record(group_index[order.distributor_id], rendered[(order.language, fmt)].pages, number + 1,
                      order.language, fmt) for number, order in enumerate(pieces)]
    count = sum(record.pages for record in records)

    def jobs() -> Iterator[PageJob]:  # made as they are written: a page job is 300 B, a file 1M pages
        for number, order in enumerate(pieces):
            link = distributor_link(campaign, order.language, order.distributor_id)
            for page, page_box in enumerate(boxes[order.language]):
                piece = Piece(first_page[order.language] + page, link, index_of[id(order)], number + 1)
                yield Placements.one(piece), b"", page_box

    forms = imprints.for_file(lines, shape)
    with atomic_open(folder / path) as handle:
        stream_vt(handle, base, render_pages(jobs(), shape, forms), count, groups, records, job,
                  forms.typesetter)
    return {"path": path, "pages": count, "records": len(records), "parts": len(groups),
            "sha256": sha256_file(folder / path)}


class _Sheets:
    """The sides of a print file's press sheets: each side's transforms, crop marks and slug
    origin made once (a national plan has hundreds of thousands of sheets of one layout),
    and the slug line every sheet carries outside the trim: job, file, sheet n of N, side,
    distributor(s) and count, so a sheet found on the floor says where it belongs."""

    def __init__(self, sheet: SheetLayout, head: str, font: SlugFont) -> None:
        self.sheet, self.head, self.font = sheet, head, font
        trim_w, trim_h = sheet.trim
        named = [(sheet.fronts, 0, "front")] + ([(sheet.backs, 1, "back")] if sheet.backs else [])
        # Each side's crop marks are one form every sheet draws (1.5 kB a page less to compress,
        # send to the workers and zip: a national plan has hundreds of thousands of sheets).
        self.forms = tuple(Form(b"Marks%d" % side, zlib.compress(crop_marks(sheet, positions), PAGE_COMPRESSION),
                                (0.0, 0.0, sheet.width, sheet.height)) for side, (positions, _, _) in enumerate(named))
        self.sides = [(positions, offset, name if sheet.backs else "one side",
                       tuple(p.matrix(trim_w, trim_h) for p in positions),
                       b"/%s Do" % form.name, slug_origin(sheet, positions))
                      for (positions, offset, name), form in zip(named, self.forms, strict=True)]

    def pages(self, slots: list[Piece | None], label: str) -> Iterator[tuple[Placements, bytes]]:
        """The front (and back) page of one sheet holding ``slots`` (None = blank)."""
        full = len(slots) == len(self.sheet.fronts) and None not in slots
        for _, offset, side, matrices, marks, (x, y, width) in self.sides:
            moved: dict[Piece, Piece] = {}  # a sheet of copies moves its one piece once
            pieces = tuple(moved.get(p) or moved.setdefault(p, p._replace(page=p.page + offset))
                           for p in slots if p is not None)
            kept = matrices if full else tuple(m for p, m in zip(slots, matrices, strict=False) if p is not None)
            slug = slug_operators(f"{self.head} | {label.replace('{side}', side)}", x, y, width, SLUG_SIZE,
                                  self.font)
            yield Placements(pieces, kept), marks + b"\n" + slug


def _copies_pages(campaign: Campaign, sheet: SheetLayout, lines: list[Order], first_page: dict[str, int],
                  result: PrintFile, sheets: _Sheets) -> Iterator[tuple[Placements, bytes]]:
    """Copies mode: one layout per order line, filled with that distributor's piece."""
    for index, order in enumerate(lines):
        piece = Piece(first_page[order.language], distributor_link(campaign, order.language, order.distributor_id),
                      index, None)
        copies = sheet_count(order.quantity, sheet.per_sheet)
        result.copies_lines.append(order)
        result.layouts += 1
        result.press_sheets += copies
        result.pieces += order.quantity
        label = (f"layout {index + 1} of {len(lines)} | {{side}} | {order.distributor_id} {order.language} | "
                 f"print {copies} sheet(s) = {copies * sheet.per_sheet} pieces, {order.quantity} ordered")
        yield from sheets.pages([piece] * sheet.per_sheet, label)


def sequence(lines: list[Order]) -> list[Order]:
    """Every piece in packing order, as the line it belongs to: by distributor (first
    appearance), then file order; piece n gets serial n + 1.  One reference a piece (a
    million-piece file: 8 MB; a tuple a piece took 70)."""
    order_of = {ident: i for i, ident in enumerate(dict.fromkeys(o.distributor_id for o in lines))}
    ordered = sorted(lines, key=lambda o: (order_of[o.distributor_id], o.line))
    return [order for order in ordered for _ in range(order.quantity)]


def _sequenced_pages(campaign: Campaign, sheet: SheetLayout, lines: list[Order], first_page: dict[str, int],
                     result: PrintFile, sheets: _Sheets, lift: int | None = None,
                     ) -> Iterator[tuple[Placements, bytes]]:
    """Sequenced mode: every piece present, numbered, in cut-and-stack order, lift by lift."""
    pieces = sequence(lines)
    index_of = {id(order): i for i, order in enumerate(lines)}
    plan_ = cut_and_stack(len(pieces), sheet.per_sheet, lift)
    result.pieces, result.layouts, result.press_sheets = len(pieces), len(plan_), len(plan_)
    stacks = lifts(len(plan_), lift)
    for stack_no, (first, end) in enumerate(stacks, start=1):
        numbers = [p for row in plan_[first:end] for p in row if p is not None]
        result.lifts.append({"lift": stack_no, "sheets": [first + 1, end], "sheet_count": end - first,
                             "pieces": [min(numbers) + 1, max(numbers) + 1] if numbers else []})
    lift_of = [n for n, (first, end) in enumerate(stacks, start=1) for _ in range(first, end)]
    for index, sheet_slots in enumerate(plan_):
        present = [n for n in sheet_slots if n is not None]
        ids = [pieces[n].distributor_id for n in present]
        label = (f"sheet {index + 1} of {len(plan_)} | {{side}} | lift {lift_of[index]} of {len(stacks)} | "
                 f"{ids[0] if ids else '-'} to {ids[-1] if ids else '-'} | {len(present)} pieces")
        slots: list[Piece | None] = []
        for number in sheet_slots:
            if number is None:
                slots.append(None)
                continue
            order = pieces[number]
            slots.append(Piece(first_page[order.language],
                               distributor_link(campaign, order.language, order.distributor_id),
                               index_of[id(order)], number + 1))
        yield from sheets.pages(slots, label)


# --- proof, ticket, documents ----------------------------------------------------------------


PROOF_LABEL_SIZE = 6.0  # points
PROOF_BAND = 0.85 * PT  # under each proof page's bleed: its label and approval block


def _proof(campaign: Campaign, orders: list[Order], rendered: dict[tuple[str, str], Master],
           bases: dict[str, tuple[bytes, tuple[float, ...]]], imprints: _Imprints, folder: Path,
           languages: dict[str, Language], profile_name: str, job_name: str) -> None:
    """proof.pdf: each distinct variant once, 1-up with bleed, per format in file order, each page
    labelled (distributor, language, format, side, quantity) with an approval block under it.
    A plan of more than PROOF_ALL_LINES lines gets a sample (see ``proof_sample``)."""
    formats = list(dict.fromkeys(o.format for o in orders))
    chosen = proof_sample(orders)
    sampled = "" if len(chosen) == len(orders) else f" | sample: {len(chosen):,} of {len(orders):,} variants"
    total = sum(rendered[(o.language, o.format)].pages for o in orders if id(o) in chosen)
    font = slug_font(campaign.fonts_dir / SERIAL_FONT)
    number = 0
    # One base per format would need one file per format; the proof concatenates
    # per-format proofs instead, each built like a print file but 1-up.
    parts: list[Path] = []
    for fmt in formats:
        tags = _format_masters(orders, fmt, rendered)
        format_masters = [rendered[(t, fmt)] for t in tags]
        first_page = {t: sum(m.pages for m in format_masters[:i]) for i, t in enumerate(tags)}
        boxes = {t: page_boxes(rendered[(t, fmt)].pdf) for t in tags}
        lines = [o for o in orders if o.format == fmt]
        setter = imprints.setter()
        typesetter = setter.typesetter
        jobs: list[PageJob] = []
        for index, order in enumerate(lines):
            if id(order) not in chosen:
                continue
            link = distributor_link(campaign, order.language, order.distributor_id)
            pages = rendered[(order.language, fmt)].pages
            for page in range(pages):
                number += 1
                piece = Piece(first_page[order.language] + page, link, index, None)
                side = ("front" if page == 0 else "back") if pages == 2 else f"page {page + 1} of {pages}"
                language = languages[order.language]
                label = [f"PROOF page {number} of {total} | {campaign.name} | {job_name}{sampled}",
                         f"Distributor: {order.distributor_id}",
                         f"Language: {order.language} ({language.english_name}) | Format: {fmt}, {side} | "
                         f"Quantity: {order.quantity:,}",
                         "Approved for print:  [  ] as is    [  ] with changes marked",
                         "Name ________________  Signature ________________  Date __________"]
                x0, y0, x1, y1 = boxes[order.language][page].media
                page_box = boxes[order.language][page]
                ops = label_operators(label, x0 + 4, y0 - 4, x1 - x0 - 8, PROOF_LABEL_SIZE, font)
                ops += _proof_name(typesetter, order.distributor_name, language, label[1], x0 + 4, y0 - 4,
                                   x1 - x0 - 8, font)
                jobs.append((Placements.one(piece), ops,
                             PageBoxes((x0, y0 - PROOF_BAND, x1, y1), page_box.trim, page_box.bleed)))
        raw_base, advances = bases[fmt]
        base = finish_base(raw_base, f"{campaign.name} — {job_name} — proof", profile_name,
                           campaign.fonts_dir / SERIAL_FONT)
        shape = geometry(format_masters, campaign.qr.error_correction, advances)
        part = folder / f"{TEMP_PREFIX}proof-{fmt}.pdf"  # a temp name: a killed run's is swept on rerun
        with atomic_open(part) as handle:  # the labels' name glyphs are written with the imprints'
            write_pages(handle, base, render_pages(jobs, shape, imprints.for_file(lines, shape, setter)), len(jobs),
                        typesetter)
        parts.append(part)
    _concatenate(parts, folder / "proof.pdf")


PROOF_ALL_LINES = 1000  # up to this many order lines, the proof shows every one


def proof_sample(orders: list[Order]) -> set[int]:
    """The order lines (by ``id``) the proof shows: all of a plan up to PROOF_ALL_LINES lines;
    beyond, per language and format its first line and the line with the longest name (the
    imprint set smallest).  Nobody signs off 100,000 pages, and every other variant differs
    only in the name and QR code the print files set the same way."""
    if len(orders) <= PROOF_ALL_LINES:
        return {id(o) for o in orders}
    first: dict[tuple[str, str], Order] = {}
    longest: dict[tuple[str, str], Order] = {}
    for order in orders:
        key = (order.language, order.format)
        first.setdefault(key, order)
        if len(order.distributor_name) > len(longest.get(key, order).distributor_name) or key not in longest:
            longest[key] = order
    return {id(o) for o in (*first.values(), *longest.values())}


def _proof_name(typesetter: Typesetter, name: str, language: Language, prefix: str, x: float, top: float,
                width: float, font: SlugFont) -> bytes:
    """The distributor's name after the label's second line, shaped in its own script (the
    label's slug font is Latin-1 only: "مسجد النور" would print as "?????")."""
    size = PROOF_LABEL_SIZE
    baseline = label_baseline(1, top, size)
    start = font.width(prefix + "  ", size)
    block = typesetter.one_line(name, language, size, width - start)
    # ActualText: the outlines read (and search, and copy) as the name.
    actual = b"<FEFF%s>" % name.encode("utf-16-be").hex().upper().encode()
    return b"\n/Span <</ActualText %s>> BDC q 1 0 0 1 %.3f %.3f cm\n%s\nQ EMC" % (
        actual, x + start, baseline, block.ops)


def _concatenate(parts: list[Path] | list[bytes], target: Path) -> None:
    """One PDF of the pages of ``parts``, in order (temporary part files are removed)."""
    import io

    import pikepdf

    def source(part: Path | bytes) -> Any:
        return io.BytesIO(part) if isinstance(part, bytes) else part

    with pikepdf.open(source(parts[0])) as pdf:
        for part in parts[1:]:
            with pikepdf.open(source(part)) as other:
                pdf.pages.extend(other.pages)
        with atomic_open(target) as handle:
            pdf.save(handle, deterministic_id=True)
    for part in parts:
        if isinstance(part, Path):
            part.unlink()


def _job(campaign: Campaign, request: BatchRequest, orders: list[Order], groups: list[Distributor],
         files: list[PrintFile], profile: Path) -> dict[str, Any]:
    total = sum(o.quantity for o in orders)
    return {
        "campaign": campaign.name, "version": campaign.version, "name": request.orders.stem,
        "mode": request.mode, "total_pieces": total, "distributors": len(groups),
        "bleed_in": DEFAULTS.bleed_in,
        "output_intent": {"name": profile.name, "sha256": sha256_file(profile),
                          "condition": REGISTERED.get(profile.name, ("Custom", "the shop's own profile"))[1]},
        "box_labels": "labels.pdf",  # one label per box, written by the packing-list stage (packing.py)
        "print_files": [_file_entry(f) for f in files],
    }


def _file_entry(f: PrintFile) -> dict[str, Any]:
    sheet = f.layout
    entry: dict[str, Any] = {
        "path": f.path, "format": f.format, "trim_in": [round(v / PT, 3) for v in sheet.trim],
        "bleed_in": round(sheet.bleed / PT, 3), "sheet": sheet.sheet,
        "sheet_in": [round(sheet.width / PT, 3), round(sheet.height / PT, 3)],
        "pieces_per_sheet": sheet.per_sheet, "layouts": f.layouts, "press_sheets": f.press_sheets,
        "impressions": f.press_sheets * sheet.sides, "pieces": f.pieces,
        "sides": sheet.sides, "flip_edge": "long" if sheet.sides == 2 else None,
        "languages": f.languages, "sha256": f.sha256,
        "slots": [{"x_in": round(s.x / PT, 4), "y_in": round(s.y / PT, 4), "rotation": s.rotation}
                  for s in sheet.fronts],
    }
    if f.copies_lines:
        entry["sheet_copies"] = sheet_copies(f.copies_lines, sheet)
    if f.lifts:
        entry["lifts"] = f.lifts
    if f.vt:
        entry["vt"] = f.vt
    return entry


def sheet_copies(lines: list[Order], sheet: SheetLayout) -> list[dict[str, Any]]:
    """Copies mode, the ticket's run list: each line's layout, its first page and copies.

    Derived from the lines when the ticket is written, not kept per layout while the
    sheets are made: a national plan has 100,000 layouts (28 MB as these dicts)."""
    result = []
    for index, order in enumerate(lines):
        copies = sheet_count(order.quantity, sheet.per_sheet)
        result.append({"page": index * sheet.sides + 1, "distributor_id": order.distributor_id,
                       "language": order.language, "copies": copies, "pieces": order.quantity,
                       "overs": copies * sheet.per_sheet - order.quantity})
    return result


def _documents(campaign: Campaign, fonts: FontBook, job: dict[str, Any], groups: list[Distributor],
               folder: Path, date: dt.datetime) -> None:
    """job.pdf, rendered by WeasyPrint in a worker (packing lists and labels: see packing.py)."""
    env = _env(campaign)
    stack = Markup(", ".join(f'"{f}"' for f in fonts.families))  # our own names, inside <style>
    context = {"job": job, "fonts": stack, "date": date.isoformat(), "count": len(groups),
               "proof_all_lines": PROOF_ALL_LINES}
    html = env.get_template("batch/job.html").render(context)
    jobs = [(html, str(campaign.templates_dir), str(campaign.root), False)]
    rendered = dict(_render_html(campaign, fonts, jobs, ["job.pdf"]))
    write_bytes(folder / "job.pdf", rendered[0])


def _start_documents(campaign: Campaign, request: BatchRequest, spec: PrintSpec, fonts: FontBook,
                     languages: dict[str, Language], groups: list[Distributor], orders: list[Order],
                     folder: Path) -> Background:
    """Packing lists and box labels, typeset in a second process beside the print files."""
    serials = _serial_ranges(orders) if request.mode == "sequenced" else {}
    job = {"campaign": campaign.name, "name": request.orders.stem, "mode": request.mode}
    # the shop's documents are in the source language
    english = languages.get(campaign.source_language) or resolve(campaign.source_language, campaign)
    return Background(DocumentsJob(folder, fonts, english, languages, job, tuple(groups), serials,
                                   spec.pieces_per_box))


def _serial_ranges(orders: list[Order]) -> dict[int, str]:
    """Per order line, the piece numbers it gets in sequenced mode (per format file)."""
    ranges: dict[int, str] = {}
    for fmt in dict.fromkeys(o.format for o in orders):
        pieces = sequence([o for o in orders if o.format == fmt])
        first: dict[int, int] = {}
        for number, order in enumerate(pieces, start=1):
            first.setdefault(order.line, number)
        for order in orders:
            if order.format == fmt:
                start = first[order.line]
                ranges[order.line] = f"#{start:06d}–#{start + order.quantity - 1:06d} ({fmt})"
    return ranges


def _checksums(folder: Path, steps: Steps) -> None:
    paths = [p.relative_to(folder) for p in folder.rglob("*")
             if p.is_file() and p.name != "SHA256SUMS" and not p.name.startswith(".")]
    steps("checksums", 0, len(paths))
    write_text(folder / "SHA256SUMS", sha256sums(folder, paths))
    steps("checksums", len(paths), len(paths))


class _Zipper:
    """The package zip, written by a thread member by member as the files are finished.

    The print files (most of the bytes) are compressed while the rest of the package
    is made: zlib and the CRC release the GIL, so the thread has the other core.  Fixed
    timestamps, and members in the order they were added, which never depends on
    timing (:meth:`add_when` holds the members after it until its files are ready):
    same input, same bytes.  If the run fails, the half-written zip is removed with
    its temp file.
    """

    _ABORT = Path("\0abort")

    def __init__(self, folder: Path, target: Path, date: dt.datetime) -> None:
        self.folder, self.target = folder, target
        self.stamp = (max(date.year, 1980), date.month, date.day, date.hour, date.minute, date.second)
        self.queue: queue.SimpleQueue[Path | Callable[[], list[Path]] | None] = queue.SimpleQueue()
        self.error: BaseException | None = None
        self.aborted = threading.Event()
        self.thread = threading.Thread(target=self._run, name="zip", daemon=True)

    def __enter__(self) -> _Zipper:
        self.thread.start()
        return self

    def add(self, *paths: Path) -> None:
        """``paths``, next (a file already in the zip is skipped)."""
        for path in paths:
            self.queue.put(path)

    def add_when(self, ready: Callable[[], list[Path]]) -> None:
        """The files ``ready()`` returns, next, once it returns any (another process makes them)."""
        self.queue.put(ready)

    def add_rest(self) -> None:
        """Every file of the package not added yet, by name."""
        self.add(*sorted(p for p in self.folder.rglob("*") if p.is_file() and not p.name.startswith(".")))

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.aborted.set()
        self.queue.put(None if kind is None else self._ABORT)
        self.thread.join()
        if kind is None and self.error is not None:
            raise self.error

    def _run(self) -> None:
        written: set[Path] = set()
        try:
            with atomic_open(self.target) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
                while (item := self.queue.get()) is not None:
                    for path in self._wait(item) if callable(item) else [item]:
                        if path == self._ABORT:
                            raise _Aborted
                        if path not in written:
                            written.add(path)
                            self._write(archive, path)
        except _Aborted:
            pass
        except BaseException as exc:  # handed to the main thread, which raises it
            self.error = exc
            while self.queue.get() not in (None, self._ABORT):  # let __exit__'s put return
                pass

    def _wait(self, ready: Callable[[], list[Path]]) -> list[Path]:
        while not (paths := ready()):
            if self.aborted.wait(0.05):
                raise _Aborted
        return paths

    def _write(self, archive: zipfile.ZipFile, path: Path) -> None:
        info = zipfile.ZipInfo(f"{self.folder.name}/{path.relative_to(self.folder).as_posix()}", self.stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        with path.open("rb") as data, archive.open(info, "w") as member:  # a print file may be 1 GB
            shutil.copyfileobj(data, member, 1 << 20)


class _Aborted(Exception):
    """The run failed: the zip thread drops the temp file."""


def orders_for_campaign(campaign: Campaign) -> Path:
    """The campaign's own print plan (campaign.toml [print] orders)."""
    if campaign.orders is None:
        raise FlyersError("campaign.toml: [print] orders is not set; pass an ORDERS.csv")
    return campaign.orders


def load_job(folder: Path) -> dict[str, Any]:
    """job.json of a package (for checks and tests)."""
    job: dict[str, Any] = json.loads((folder / "job.json").read_text("utf-8"))
    return job


__all__ = ["BatchRequest", "BatchResult", "catalogs", "distributor_link", "load_job", "run_batch", "sequence"]
