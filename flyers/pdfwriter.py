"""Append tens of thousands of pages to a PDF in one pass, in constant memory.

The shared parts (master pages as Form XObjects, imprints, digits, colour
spaces) are written once by pikepdf into a *base* PDF with no pages.  The
pieces or sheets are then streamed after it as a standard incremental update:
each page is two small objects (its content stream, already compressed by a
worker, and its page dictionary), written as soon as it is ready.  Only the
byte offsets are kept (8 bytes a object), so memory stays flat from 1,000 to
100,000 pages, and appending is O(1) a page -- no page tree is re-walked.
"""

from __future__ import annotations

import functools
import io
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO

import pikepdf

from .typeset import pdf_number

KIDS_PER_NODE = 128
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class PageBoxes:
    """The boxes of one output page, in points."""

    media: Box
    trim: Box
    bleed: Box

    def pdf(self) -> bytes:
        """The page dictionary's box entries (made once per boxes: a file's pages share a few)."""
        return _boxes(self)


@functools.lru_cache(maxsize=256)
def _boxes(boxes: PageBoxes) -> bytes:
    return b"/MediaBox %s /TrimBox %s /BleedBox %s" % (_box(boxes.media), _box(boxes.trim), _box(boxes.bleed))


def _box(box: Box) -> bytes:
    return b"[%s]" % b" ".join(pdf_number(v) for v in box)


@dataclass(frozen=True)
class BaseInfo:
    """What the incremental update must know about the base file."""

    size: int  # first free object number
    root: int
    info: int | None
    pages: int  # the page tree root, replaced by the update
    resources: int  # shared resources, inherited by every page
    startxref: int
    ids: tuple[bytes, bytes]
    dpart_root: int | None = None  # PDF/VT: the base's placeholder DPartRoot and root DPart, replaced
    dpart_node: int | None = None  # by the update (see pdfvt.py)


def inspect_base(data: bytes) -> BaseInfo:
    """Read object numbers and the cross-reference position of a base PDF."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        trailer = pdf.trailer
        ids = trailer.get("/ID")
        info = trailer.get("/Info")
        dpart = pdf.Root.get("/DPartRoot")
        base = BaseInfo(
            size=int(trailer.Size),
            root=pdf.Root.objgen[0],
            info=info.objgen[0] if info is not None and info.is_indirect else None,
            pages=pdf.Root.Pages.objgen[0],
            resources=pdf.Root["/KYRSharedResources"].objgen[0],
            startxref=int(re.findall(rb"startxref\s+(\d+)", data)[-1]),
            ids=(bytes(ids[0]), bytes(ids[1])) if ids is not None else (b"", b""),
            dpart_root=dpart.objgen[0] if dpart is not None else None,
            dpart_node=dpart.DPartRootNode.objgen[0] if dpart is not None else None,
        )
    return base


class PageStreamer:
    """Writes pages after a base PDF as an incremental update."""

    def __init__(self, handle: IO[bytes], base: bytes, page_count: int) -> None:
        self.handle = handle
        self.info = inspect_base(base)
        self.count = page_count
        self.nodes = max(1, -(-page_count // KIDS_PER_NODE))
        self.first = self.info.size
        self.offsets = array("Q")
        self.others: list[tuple[int, int]] = []  # (number, offset) of objects outside the page run
        self.reserved = array("Q")  # offsets of the reserved objects (0: not written yet)
        self.written = 0
        handle.write(base)
        self.position = len(base)

    def _object(self, body: bytes) -> None:
        self.offsets.append(self.position)
        self.handle.write(body)
        self.position += len(body)

    def _node_number(self, index: int) -> int:
        return self.first + 2 * self.count + index

    def page_number(self, index: int) -> int:
        """The object number page ``index`` will have."""
        return self.first + 2 * index + 1

    def reserve(self, count: int) -> int:
        """Object numbers for ``count`` objects, written by :meth:`write` (between pages)
        or :meth:`finish`; returns the first."""
        start = self.first + 2 * self.count + self.nodes + len(self.reserved)
        self.reserved.extend([0] * count)
        return start

    def write(self, number: int, body: bytes) -> None:
        """Write reserved object ``number`` now (``body`` as in :meth:`finish`): a form the
        next pages draw goes out just before them, and nothing waits in memory."""
        index = number - (self.first + 2 * self.count + self.nodes)
        if not 0 <= index < len(self.reserved) or self.reserved[index]:
            raise ValueError(f"object {number} is not reserved, or written twice")
        data = b"%d 0 obj\n%s\nendobj\n" % (number, body)
        self.reserved[index] = self.position
        self.handle.write(data)
        self.position += len(data)

    def add(self, content: bytes, boxes: PageBoxes, extra: bytes = b"") -> None:
        """Append one page; ``content`` is a zlib-compressed content stream, ``extra`` more page keys."""
        if self.written >= self.count:
            raise ValueError("more pages than announced")
        number = self.first + 2 * self.written
        parent = self._node_number(self.written // KIDS_PER_NODE)
        self._object(b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream\nendobj\n"
                     % (number, len(content), content))
        self._object(b"%d 0 obj\n<< /Type /Page /Parent %d 0 R %s /Contents %d 0 R%s >>\nendobj\n"
                     % (number + 1, parent, boxes.pdf(), number, b" " + extra if extra else b""))
        self.written += 1

    def finish(self, objects: Iterable[tuple[int, bytes]] = (), resources: int | None = None) -> None:
        """Write the page tree, ``objects``, the cross-reference section and the trailer.

        ``objects``: (number, body) pairs, the body a dictionary or ``<< ... >> stream ...
        endstream``: objects numbered by :meth:`reserve` (which may be called after the
        pages, for objects known only then, such as the glyph forms they draw), or base
        objects replaced.  ``resources``: the object the page tree root names as the
        pages' shared resources, instead of the base's.
        """
        if self.written != self.count:
            raise ValueError(f"announced {self.count} pages, wrote {self.written}")
        if resources is None:
            resources = self.info.resources
        for index in range(self.nodes):
            first = index * KIDS_PER_NODE
            kids = range(first, min(first + KIDS_PER_NODE, self.count))
            refs = b" ".join(b"%d 0 R" % (self.first + 2 * k + 1) for k in kids)
            self._object(b"%d 0 obj\n<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>\nendobj\n"
                         % (self._node_number(index), self.info.pages, refs, len(kids)))
        root_at = self.position
        node_refs = b" ".join(b"%d 0 R" % self._node_number(i) for i in range(self.nodes))
        root = (b"%d 0 obj\n<< /Type /Pages /Kids [%s] /Count %d /Resources %d 0 R >>\nendobj\n"
                % (self.info.pages, node_refs, self.count, resources))
        self.handle.write(root)
        self.position += len(root)
        self.others.append((self.info.pages, root_at))
        for number, body in objects:
            if number >= self.first:
                self.write(number, body)
                continue
            data = b"%d 0 obj\n%s\nendobj\n" % (number, body)
            self.others.append((number, self.position))
            self.handle.write(data)
            self.position += len(data)
        if 0 in self.reserved:
            raise ValueError("reserved objects must all be written, once each")
        self.offsets.extend(self.reserved)
        self._xref()

    def _xref(self) -> None:
        xref_at = self.position
        lines = [b"xref\n"]
        for number, offset in sorted(self.others):
            lines += [b"%d 1\n" % number, b"%010d 00000 n \n" % offset]
        lines.append(b"%d %d\n" % (self.first, len(self.offsets)))
        self.handle.write(b"".join(lines))
        chunk: list[bytes] = []
        for offset in self.offsets:
            chunk.append(b"%010d 00000 n \n" % offset)
            if len(chunk) >= 4096:
                self.handle.write(b"".join(chunk))
                chunk = []
        self.handle.write(b"".join(chunk))
        size = self.first + len(self.offsets)
        info = b" /Info %d 0 R" % self.info.info if self.info.info else b""
        ids = b" /ID [<%s> <%s>]" % (self.info.ids[0].hex().encode(), self.info.ids[1].hex().encode())
        self.handle.write(b"trailer\n<< /Size %d /Root %d 0 R%s /Prev %d%s >>\nstartxref\n%d\n%%%%EOF\n"
                          % (size, self.info.root, info, self.info.startxref, ids if self.info.ids[0] else b"",
                             xref_at))


def stream_pages(handle: IO[bytes], base: bytes, pages: Iterable[tuple[bytes, PageBoxes]], count: int) -> None:
    """Write ``base`` then ``count`` pages from ``pages`` to ``handle``."""
    streamer = PageStreamer(handle, base, count)
    for content, boxes in pages:
        streamer.add(content, boxes)
    streamer.finish()
