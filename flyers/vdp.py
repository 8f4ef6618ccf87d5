"""The variable-data engine: pages of many pieces drawn onto shared master forms.

A piece is a master page plus its variable parts: a QR link, an imprint and a
serial number.  Pages (single pieces or imposed sheets) are lists of
placements; worker processes turn them into compressed content streams and
:mod:`flyers.pdfwriter` streams them after a base PDF holding the shared forms
(masters, serial glyphs), so a 30,000-piece file costs one master render and
about a kilobyte a page.

An order line's pieces all carry the same QR code and imprint: those are one
form per line and master page (``/I<line>.<page>``), made by a worker when the
first page drawing it is rendered and written just before that page.  A sheet
of 21 copies then draws the form 21 times instead of repeating 21 QR codes, and
nothing per line is kept in memory: the shared resources naming the forms (and
the imprints' glyph forms) are written once, after the last page (:class:`FormSink`).
"""

from __future__ import annotations

import collections
import io
import itertools
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple, TypeVar

import pikepdf
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from .content import (
    SERIAL_CHARS,
    Form,
    FormJob,
    Geometry,
    WorkerJob,
    _init_pool,
    _pages,
    render_chunk,
)
from .files import atomic_open
from .imprints import ImprintSetter
from .model import Area, Master, Piece, Placements, Slot
from .pdfwriter import PageBoxes, PageStreamer
from .prepress import MASTER_PREFIX
from .stamp import finalize, open_pdf, repair_to_unicode
from .typeset import Typesetter
from .workers import process_context

T = TypeVar("T")
SHARED_RESOURCES = "/KYRSharedResources"


def glyph_forms(pdf: pikepdf.Pdf, font_path: Path) -> tuple[dict[str, pikepdf.Object], tuple[float, ...]]:
    """Serial-number characters as Form XObjects drawn from the font's outlines.

    Outlines, not text: a serial on every piece then needs no font resource,
    no subset and no ToUnicode, and costs a few bytes per character.
    """
    font = TTFont(font_path)
    glyphs = font.getGlyphSet()
    cmap = font.getBestCmap()
    units = font["head"].unitsPerEm
    forms: dict[str, pikepdf.Object] = {}
    advances = []
    for index, char in enumerate(SERIAL_CHARS):
        name = cmap[ord(char)]
        pen = _PdfPen(glyphs)
        glyphs[name].draw(pen)
        advance = glyphs[name].width / units
        advances.append(advance)
        stream = pikepdf.Stream(pdf, b" ".join(pen.ops) + b" f")
        stream.Type = pikepdf.Name.XObject
        stream.Subtype = pikepdf.Name.Form
        stream.BBox = pikepdf.Array([0, -0.3, advance, 1.0])
        stream.Matrix = pikepdf.Array([1 / units, 0, 0, 1 / units, 0, 0])
        stream.BBox = pikepdf.Array([0, -0.3 * units, advance * units, units])
        forms[f"/G{index}"] = pdf.make_indirect(stream)
    font.close()
    return forms, tuple(advances)


class _PdfPen(BasePen):  # type: ignore[misc]
    """fontTools pen writing PDF path operators (quadratics become cubics)."""

    def __init__(self, glyph_set: Any) -> None:
        super().__init__(glyph_set)
        self.ops: list[bytes] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(b"%d %d m" % (round(pt[0]), round(pt[1])))

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(b"%d %d l" % (round(pt[0]), round(pt[1])))

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
        self.ops.append(b"%d %d %d %d %d %d c" % tuple(round(v) for v in (*p1, *p2, *p3)))

    def _closePath(self) -> None:
        self.ops.append(b"h")


def registration_space(pdf: pikepdf.Pdf) -> pikepdf.Object:
    """The /All separation: crop marks that print on every plate."""
    tint = pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)
    return pdf.make_indirect(pikepdf.Array([pikepdf.Name.Separation, pikepdf.Name.All,
                                            pikepdf.Name.DeviceCMYK, pdf.make_indirect(tint)]))


def build_base(masters: Sequence[bytes], font_path: Path, label: str) -> tuple[bytes, tuple[float, ...]]:
    """A page-less PDF whose shared resources hold the forms every file of a job draws.

    /M<n>: the n-th master page, counting through ``masters`` in order (bleed
    kept: the form's BBox is the page's MediaBox, not the trim box pikepdf would
    clip to); /G<n>: serial glyphs; /Reg: registration colour.  The line forms
    (/I) and imprint glyphs (/T) come after the pages (:class:`FormSink`).
    The first master's document (output intent, XMP) becomes the base's.
    """
    with open_pdf(masters[0]) as pdf:
        forms: dict[str, Any] = {}
        for index, source in enumerate(masters):
            other = pdf if index == 0 else open_pdf(source)
            try:
                repair_to_unicode(other)
                for page in other.pages:
                    form = page.as_form_xobject()
                    form.BBox = pikepdf.Array([float(v) for v in page.obj.MediaBox])
                    form = other.make_indirect(form)
                    forms[f"{MASTER_PREFIX}{len([k for k in forms if k.startswith(MASTER_PREFIX)])}"] = (
                        form if other is pdf else pdf.copy_foreign(form))
            finally:
                if other is not pdf:
                    other.close()
        glyphs, advances = glyph_forms(pdf, font_path)
        forms.update(glyphs)
        resources = pdf.make_indirect(pikepdf.Dictionary(
            XObject=pikepdf.Dictionary(forms),
            ColorSpace=pikepdf.Dictionary(Reg=registration_space(pdf)),
        ))
        while len(pdf.pages):
            del pdf.pages[-1]
        # qpdf moves inheritable attributes off the page tree when it saves, so the
        # catalog keeps the reference; pdfwriter puts it on the new page tree root.
        pdf.Root[SHARED_RESOURCES] = resources
        return finalize(pdf, label, object_streams=False), advances


def geometry(masters: Sequence[Master], error_correction: str, advances: tuple[float, ...]) -> Geometry:
    """Variable-part positions for every master page, numbered as build_base numbers forms."""
    slots: list[Slot] = []
    areas: list[Area] = []
    offset = 0
    for master in masters:
        slots += [Slot(s.page + offset, s.x, s.y, s.size) for s in master.slots]
        areas += [Area(a.page + offset, a.x, a.y, a.width, a.height) for a in master.imprints]
        offset += master.pages
    return Geometry(tuple(slots), tuple(areas), error_correction, advances)


LineImprint = Callable[[int], tuple[str, str]]  # order line -> (distributor name, language tag)


class LineForms:
    """Which line forms are made; the jobs for those a page draws first.

    A byte per line and master page: flat, and decided in the process that feeds the
    workers, so the same pages give the same forms in the same place however the work
    is split.  A form's imprint is set where the form is made (a worker, mostly), by
    ``setter`` or a worker's copy of it, from the name and language ``imprint`` gives.
    """

    def __init__(self, geometry: Geometry, lines: int, imprint: LineImprint | None = None,
                 setter: ImprintSetter | None = None) -> None:
        self.geometry = geometry
        self.pages = 1 + max([s.page for s in geometry.slots] + [a.page for a in geometry.imprints] + [0])
        self.made = bytearray(lines * self.pages)
        self.imprint = imprint
        self.setter = setter

    @property
    def typesetter(self) -> Typesetter | None:
        """Where the glyphs of these forms' imprints are recorded (what the file writes at its end)."""
        return self.setter.typesetter if self.setter else None

    def jobs(self, placements: Placements) -> tuple[FormJob, ...]:
        new: list[FormJob] = []
        previous = None
        for piece in placements.pieces:
            if piece is previous:  # a sheet of copies: one piece 10 or 21 times
                continue
            previous = piece
            if piece.imprint is None or piece.page >= self.pages:
                continue
            key = piece.imprint * self.pages + piece.page
            if self.made[key]:
                continue
            slot, area = self.geometry.slot(piece.page), self.geometry.area(piece.page)
            if slot is None and area is None:
                continue
            self.made[key] = 1
            text = self.imprint(piece.imprint) if self.imprint and area is not None else None
            new.append(FormJob(piece.imprint, piece.page, piece.link, text))
        return tuple(new)


PageJob = tuple[Placements, bytes, PageBoxes]


class Rendered(NamedTuple):
    """One page ready to write: its compressed content, boxes and the forms it draws first."""

    content: bytes
    boxes: PageBoxes
    forms: tuple[Form, ...] = ()


def render_pages(pages: Iterable[PageJob], geometry: Geometry, forms: LineForms | None = None,
                 workers: int | None = None, chunk: int = 256, small: int = 2000) -> Iterator[Rendered]:
    """Every page rendered, in order, on both cores when it pays.

    Pages are consumed lazily with at most a few chunks in flight, so memory
    does not grow with the number of pages and the workers never wait for the
    writer; page boxes stay in this process (only placements travel).  Runs
    under ``small`` pages stay in-process: starting workers costs about a second.
    ``forms`` decides which line forms each page makes (see :class:`LineForms`).
    """
    def jobs() -> Iterator[tuple[WorkerJob, PageBoxes]]:
        for placements, extra, boxes in pages:
            yield (placements, extra, forms.jobs(placements) if forms else ()), boxes

    iterator = jobs()
    head = list(itertools.islice(iterator, small))
    count = workers if workers is not None else min(os.cpu_count() or 1, 2)
    setter = forms.setter if forms else None
    if count <= 1 or len(head) < small:
        for part in _chunked(itertools.chain(head, iterator), chunk):
            for (content, made), (_, boxes) in zip(render_chunk([job for job, _ in part], geometry, setter),
                                                   part, strict=True):
                yield Rendered(content, boxes, made)
        return
    in_flight = threading.BoundedSemaphore(4 * count)
    waiting: collections.deque[list[PageBoxes]] = collections.deque()

    def feed() -> Iterator[list[WorkerJob]]:  # runs in the pool's feeder thread
        for part in _chunked(itertools.chain(head, iterator), chunk):
            in_flight.acquire()
            waiting.append([boxes for _, boxes in part])
            yield [job for job, _ in part]

    context = process_context()
    imprinting = (setter.typesetter.files, setter.styles) if setter else None
    with context.Pool(count, initializer=_init_pool, initargs=(geometry, imprinting)) as pool:
        for results, glyphs in pool.imap(_pages, feed()):
            in_flight.release()
            if setter:  # the glyph forms the worker's imprints drew (same names in every process)
                setter.typesetter.glyphs.update(glyphs)
            for (content, made), boxes in zip(results, waiting.popleft(), strict=True):
                yield Rendered(content, boxes, made)


def _chunked(items: Iterator[T], size: int) -> Iterator[list[T]]:
    while part := list(itertools.islice(items, size)):
        yield part


def page_boxes(master: bytes) -> list[PageBoxes]:
    """Media, trim and bleed boxes of each master page."""
    with open_pdf(master) as pdf:
        result = []
        for page in pdf.pages:
            media = _box4(page.obj.MediaBox)
            result.append(PageBoxes(media, _box4(page.obj.get("/TrimBox", page.obj.MediaBox)),
                                    _box4(page.obj.get("/BleedBox", page.obj.MediaBox))))
        return result


def _box4(value: Any) -> tuple[float, float, float, float]:
    a, b, c, d = (float(v) for v in value)
    return (a, b, c, d)


class FormSink:
    """Writes what pages draw beyond their base: line forms just before the first page that
    draws them, then, after the last page, the glyph forms of ``typesetter`` and the shared
    resources again (the base's, plus every line form and glyph form, by name).

    Per form only its reference is kept (a few bytes), so the file's size is no limit.
    """

    def __init__(self, streamer: PageStreamer, base: bytes, typesetter: Typesetter | None) -> None:
        self.streamer = streamer
        self.typesetter = typesetter
        self.glyphs = streamer.reserve(1) if typesetter is not None else None
        self.refs = bytearray()
        with pikepdf.open(io.BytesIO(base)) as pdf:
            shared = pdf.Root[SHARED_RESOURCES]
            self.number = shared.objgen[0]
            self.head = b" ".join(b"%s %s" % (str(k).encode(), v.unparse()) for k, v in shared.items()
                                  if k != "/XObject")
            self.xobjects = b" ".join(b"%s %s" % (str(k).encode(), v.unparse())
                                      for k, v in shared.get("/XObject", pikepdf.Dictionary()).items())

    def add(self, page: Rendered, extra: bytes = b"") -> None:
        for form in page.forms:
            self.form(form, b" /Resources %d 0 R" % self.glyphs if self.glyphs is not None else b"")
        self.streamer.add(page.content, page.boxes, extra)

    def form(self, form: Form, resources: bytes = b"") -> None:
        """Write ``form`` now (``resources``: its /Resources entry) and name it in the shared resources."""
        number = self.streamer.reserve(1)
        bbox = b" ".join(b"%.3f" % v for v in form.bbox)
        self.streamer.write(number, b"<< /Type /XObject /Subtype /Form /BBox [%s]%s /Filter /FlateDecode "
                            b"/Length %d >>\nstream\n%s\nendstream"
                            % (bbox, resources, len(form.content), form.content))
        self.refs += b" /%s %d 0 R" % (form.name, number)

    def objects(self) -> Iterator[tuple[int, bytes]]:
        """The objects :meth:`PageStreamer.finish` writes: glyph forms, their resources and
        the new shared resources (replacing the base's; the catalog's reference stays)."""
        glyph_refs = bytearray()
        if self.typesetter is not None and self.glyphs is not None:
            bodies = list(self.typesetter.glyph_objects())
            first = self.streamer.reserve(len(bodies))
            for index, (name, body) in enumerate(bodies):
                yield first + index, body
                glyph_refs += b" %s %d 0 R" % (name.encode(), first + index)
            yield self.glyphs, b"<< /XObject <<%s >> >>" % glyph_refs
        if self.refs or glyph_refs:
            yield self.number, b"<< %s /XObject << %s%s%s >> >>" % (self.head, self.xobjects, self.refs, glyph_refs)


def write_pages(handle: IO[bytes], base: bytes, pages: Iterable[Rendered], count: int,
                typesetter: Typesetter | None = None, tree: Callable[[PageStreamer], Any] | None = None,
                shared: Sequence[Form] = ()) -> None:
    """Write ``base``, then ``count`` pages with the forms they draw, then what they share.

    ``tree(streamer)``: a document part tree (pdfvt.PartTree) whose ``page_extra(index)``
    each page carries and whose ``objects()`` are written at the end.  ``shared``: forms
    many pages draw (a press sheet's crop marks), written before the first page, with the
    base's shared resources other than its forms (the registration colour) as theirs.
    """
    streamer = PageStreamer(handle, base, count)
    sink = FormSink(streamer, base, typesetter)
    for form in shared:
        sink.form(form, b" /Resources << %s >>" % sink.head)
    parts = tree(streamer) if tree is not None else None
    for index, page in enumerate(pages):
        sink.add(page, parts.page_extra(index) if parts is not None else b"")
    streamer.finish(itertools.chain(sink.objects(), parts.objects() if parts is not None else ()))


def write_pieces(path: Path, master: Master, pieces: Iterable[Piece], count: int, font_path: Path,
                 label: str, error_correction: str = "M", workers: int | None = None) -> None:
    """One print file: every piece a page (or pages) reusing the master, written atomically."""
    base, advances = build_base([master.pdf], font_path, label)
    shape = geometry([master], error_correction, advances)
    boxes = page_boxes(master.pdf)
    jobs = ((Placements.one(piece), b"", boxes[piece.page]) for piece in pieces)
    with atomic_open(path) as handle:
        write_pages(handle, base, render_pages(jobs, shape, workers=workers), count)
