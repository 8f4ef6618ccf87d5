"""PDF/VT-1 (ISO 16612-2) pieces files: PDF/X-4 plus a document-part hierarchy.

A variable-data RIP reads the hierarchy instead of guessing where one
record ends: the file is the root part, each distributor a part (its DPM
names it and its count), each piece a record (its DPM gives its serial,
language and format) spanning its pages.  The master pages stay the shared
Form XObjects the stamping engine already draws, which is what PDF/VT means
by reusable content.  The parts are written in the same incremental update
as the pages (pdfwriter), so a 30,000-piece file still streams in constant
memory; the base carries a placeholder DPartRoot that the update replaces,
and the XMP carries GTS_PDFVTVersion (prepress.finish_base).
"""

from __future__ import annotations

import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO

from .pdfwriter import PageStreamer
from .typeset import Typesetter
from .vdp import Rendered, write_pages

LEVELS = (b"/Job", b"/Distributor", b"/Piece")
RECORD_LEVEL = 2  # pieces are the records a RIP imposes
PER_ARRAY = 128  # DParts is an array of arrays: keep each inner array short


@dataclass(frozen=True, slots=True)
class Record:
    """One piece: which distributor it belongs to, how many pages, what its DPM says."""

    group: int  # index into the distributors
    pages: int
    serial: int
    language: str
    format: str


@dataclass(frozen=True)
class Group:
    """One distributor: its part of the hierarchy."""

    id: str
    name: str
    pieces: int


def pdf_string(text: str) -> bytes:
    """A PDF text string: literal when ASCII, UTF-16BE with a byte-order mark otherwise."""
    if text.isascii():
        return b"(" + text.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"
    return b"<feff" + text.encode("utf-16-be").hex().encode("ascii") + b">"


def _arrays(refs: list[int]) -> bytes:
    inner = [b"[" + b" ".join(b"%d 0 R" % r for r in refs[i:i + PER_ARRAY]) + b"]"
             for i in range(0, len(refs), PER_ARRAY)]
    return b"[" + b" ".join(inner) + b"]"


class PartTree:
    """Object numbers and dictionaries of the hierarchy for a file of ``records`` in page order."""

    def __init__(self, streamer: PageStreamer, groups: list[Group], records: list[Record], job: str) -> None:
        if streamer.info.dpart_root is None or streamer.info.dpart_node is None:
            raise ValueError("the base has no DPartRoot placeholder (prepress.finish_base(vt_date=...))")
        self.streamer, self.groups, self.records, self.job = streamer, groups, records, job
        self.first_leaf = streamer.reserve(len(records) + len(groups))
        self.first_group = self.first_leaf + len(records)
        self.leaf_of_page = array.array("q")  # 8 B a page (a list of ints took 36)
        for index, record in enumerate(records):
            self.leaf_of_page.extend([self.first_leaf + index] * record.pages)

    def page_extra(self, page: int) -> bytes:
        """The /DPart key of page ``page``: its piece's leaf."""
        return b"/DPart %d 0 R" % self.leaf_of_page[page]

    def objects(self) -> Iterator[tuple[int, bytes]]:
        info = self.streamer.info
        root, node = info.dpart_root, info.dpart_node
        assert root is not None and node is not None
        yield root, (b"<< /Type /DPartRoot /DPartRootNode %d 0 R /RecordLevel %d /NodeNameList [%s] >>"
                     % (node, RECORD_LEVEL, b" ".join(LEVELS)))
        groups = [self.first_group + g for g in range(len(self.groups))]
        yield node, (b"<< /Type /DPart /Parent %d 0 R /DParts %s /DPM << /JobName %s /Pieces %d >> >>"
                     % (root, _arrays(groups), pdf_string(self.job), len(self.records)))
        page = 0
        leaves: list[list[int]] = [[] for _ in self.groups]
        for index, record in enumerate(self.records):
            start = self.streamer.page_number(page)
            end = self.streamer.page_number(page + record.pages - 1)
            page += record.pages
            leaves[record.group].append(self.first_leaf + index)
            yield self.first_leaf + index, (
                b"<< /Type /DPart /Parent %d 0 R /Start %d 0 R%s /DPM << /Serial %d /Language %s /Format %s >> >>"
                % (groups[record.group], start, b" /End %d 0 R" % end if end != start else b"", record.serial,
                   pdf_string(record.language), pdf_string(record.format)))
        for index, group in enumerate(self.groups):
            yield groups[index], (
                b"<< /Type /DPart /Parent %d 0 R /DParts %s /DPM << /DistributorID %s /DistributorName %s "
                b"/Pieces %d >> >>" % (node, _arrays(leaves[index]), pdf_string(group.id), pdf_string(group.name),
                                       group.pieces))


def stream_vt(handle: IO[bytes], base: bytes, pages: Iterable[Rendered], count: int,
              groups: list[Group], records: list[Record], job: str, typesetter: Typesetter | None = None) -> None:
    """Write ``base`` then the pages, each tied to its piece's part, then the hierarchy."""
    write_pages(handle, base, pages, count, typesetter, lambda streamer: PartTree(streamer, groups, records, job))
