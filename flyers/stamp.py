"""The single-piece cuts of a master: its QR stamped, cut for print or for home.

The master is laid out once by WeasyPrint; the QR is added here as PDF
operators, so a change of link never re-runs layout.  The print cut keeps its
bleed (PDF/X-4); the home cut's media box is the trim box.  Many pieces at once
(imprints, serials, imposed sheets) are :mod:`flyers.vdp`'s job.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Sequence
from typing import Any

import pikepdf

from .model import Slot
from .qr import QRCode, pdf_operators


def open_pdf(master: bytes) -> pikepdf.Pdf:
    return pikepdf.open(io.BytesIO(master))


def page_fonts(page: pikepdf.Page) -> dict[str, Any]:
    """The fonts a page's resources name, by resource name ("/F1")."""
    resources: Any = page.obj.get("/Resources") or {}
    fonts: Any = resources.get("/Font") or {}
    return {str(name): font for name, font in fonts.items()}


def repair_to_unicode(pdf: pikepdf.Pdf) -> None:
    """Give every glyph of a multi-glyph cluster a text mapping viewers understand.

    WeasyPrint maps a cluster's text to its first glyph and writes an empty
    ``<>`` for the others (a Devanagari i-matra, a Myanmar medial...).  PDFium
    -- Chrome's viewer -- reads an empty mapping as "none" and falls back to
    the glyph number, so copying "अधिकार" gave "अɡधिकार".  Mapping those glyphs
    to U+200B (zero width space) keeps extraction and copy-paste correct.
    """
    for page in pdf.pages:
        for font in page_fonts(page).values():
            cmap = font.get("/ToUnicode")
            if cmap is None:
                continue
            data = cmap.read_bytes()
            if b"> <>" in data:
                cmap.write(re.sub(rb"(<[0-9a-fA-F]+>)\s*<>", rb"\1 <200b>", data))


def _isolate(page: pikepdf.Page) -> None:
    """Wrap the existing content in q/Q so appended operators start from a clean state.

    WeasyPrint leaves its page transform in force at the end of the stream.
    """
    page.contents_coalesce()
    page.contents_add(b"q\n", prepend=True)
    page.contents_add(b"\nQ\n")


def stamp_qr(pdf: pikepdf.Pdf, slots: Sequence[Slot], code: QRCode) -> None:
    """Draw ``code`` into every slot of the document."""
    for slot in slots:
        page = pdf.pages[slot.page]
        _isolate(page)
        page.contents_add(pdf_operators(code, slot.x, slot.y, slot.size))


def crop_to_trim(pdf: pikepdf.Pdf) -> None:
    """Make every page's visible area its trim box (the print-at-home cut)."""
    for page in pdf.pages:
        trim = page.obj.get("/TrimBox") or page.obj.MediaBox
        box = pikepdf.Array([float(v) for v in trim])
        for key in ("/MediaBox", "/CropBox", "/BleedBox", "/TrimBox", "/ArtBox"):
            page.obj[key] = box


def finalize(pdf: pikepdf.Pdf, label: str, object_streams: bool = True) -> bytes:
    """Serialise with stable IDs so the same input always gives the same bytes.

    WeasyPrint's PDF/X-4 XMP carries a random DocumentID; it becomes a hash of
    the document's label (language, format, cut) here.
    """
    digest = hashlib.sha256(label.encode("utf-8")).hexdigest()
    doc_uuid = f"uuid:{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"
    if "/Metadata" in pdf.Root:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            if "xmpMM:DocumentID" in meta:
                meta["xmpMM:DocumentID"] = doc_uuid
                meta["xmpMM:InstanceID"] = doc_uuid
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.preserve if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, deterministic_id=True, compress_streams=True, object_stream_mode=mode)
    return out.getvalue()


def single_piece(master: bytes, slots: Sequence[Slot], code: QRCode | None, label: str,
                 home: bool) -> bytes:
    """One deliverable PDF: the master with its QR, cut for print or for home."""
    with open_pdf(master) as pdf:
        repair_to_unicode(pdf)
        if code is not None:
            stamp_qr(pdf, slots, code)
        if home:
            crop_to_trim(pdf)
        return finalize(pdf, label)
