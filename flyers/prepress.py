"""Prepress hygiene for the shared part of a print file, done once on its base.

A shop's preflight flags what WeasyPrint leaves for a screen PDF: black text
that knocks out the tint panel under it, Lab and ICC colour spaces nothing
uses, an output condition no registry knows, a title in one language, an
outline pointing at pages the imposed file does not have.  Every master and
imprint is a Form XObject in the base (stamp.build_base), so fixing the forms
there fixes every sheet that draws them.  The base also gains the slug font
(an ASCII/Latin-1 subset of Noto Sans, embedded as PDF/X requires) and the
overprint graphics state the slugs use.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pikepdf
from fontTools import subset
from fontTools.ttLib import TTFont

SHARED_RESOURCES = "/KYRSharedResources"
OVERPRINT = "/KYROP"  # nonstroking overprint on, OPM 1: 100 % K text prints over what is under it
KNOCKOUT = "/KYRKO"  # back to knockout for text in any other colour
SLUG_FONT = "/KYRSlug"
REGISTERED = {  # the ICC registry's entry for the default profile's characterisation data
    "GRACoL2006_Coated.icc": ("CGATS TR 006", "GRACoL 2006 Coated (CGATS TR 006)"),
}
REGISTRY = "http://www.color.org"
TEXT_SHOW = {"Tj", "TJ", "'", '"'}
VT_NS = "http://www.npes.org/pdfvt/ns/id/"


@dataclass(frozen=True)
class SlugFont:
    """The embedded slug font's advance widths (1/1000 em) by WinAnsi code."""

    widths: tuple[int, ...]  # codes 32..255

    def width(self, text: str, size: float) -> float:
        return sum(self.widths[c - 32] for c in encode(text) if c >= 32) * size / 1000


def encode(text: str) -> bytes:
    """Slug text in WinAnsi (cp1252); anything else becomes '?', so a slug never breaks."""
    return text.encode("cp1252", errors="replace")


MASTER_PREFIX = "/M"  # a base's master-page forms: /M0, /M1... (stamp.build_base)


# --- overprint and colour spaces ------------------------------------------------------------------


def _is_full_k(operands: list[Any]) -> bool:
    return len(operands) == 4 and [float(v) for v in operands] == [0.0, 0.0, 0.0, 1.0]


def overprint_k_text(instructions: list[Any]) -> tuple[list[Any], bool]:
    """Insert ``/KYROP gs`` before text shown in 100 % K, ``/KYRKO gs`` before other text.

    Tracks the fill colour and the overprint state through q/Q, so a gs is
    written only where the state must change.  Returns the new list and
    whether anything changed.
    """
    out: list[Any] = []
    state = {"space": "DeviceGray", "k": False, "op": False}
    stack: list[dict[str, Any]] = []
    changed = False
    for operands, operator in instructions:
        name = str(operator)
        if name == "q":
            stack.append(dict(state))
        elif name == "Q" and stack:
            state = stack.pop()
        elif name == "cs":
            state["space"], state["k"] = str(operands[0]).lstrip("/"), False
        elif name in ("sc", "scn"):
            state["k"] = state["space"] == "DeviceCMYK" and _is_full_k(operands)
        elif name == "k":
            state["k"] = _is_full_k(operands)
        elif name in ("g", "rg"):
            state["k"] = False
        elif name in TEXT_SHOW and state["k"] != state["op"]:
            out.append(([pikepdf.Name(OVERPRINT if state["k"] else KNOCKOUT)], pikepdf.Operator("gs")))
            state["op"] = state["k"]
            changed = True
        out.append((operands, operator))
    return out, changed


def _used_names(instructions: list[Any], operators: set[str]) -> set[str]:
    return {str(ops[0]) for ops, op in instructions if str(op) in operators and ops}


def clean_form(form: pikepdf.Object, states: tuple[pikepdf.Object, pikepdf.Object]) -> None:
    """Overprint the form's K text; drop colour spaces and empty resources it never uses.

    ``states`` are the overprint and knockout graphics states (indirect, shared by every form).
    """
    instructions = list(pikepdf.parse_content_stream(form))
    instructions, changed = overprint_k_text(instructions)
    resources = form.get("/Resources")
    if resources is None:
        return
    if changed:
        form.write(pikepdf.unparse_content_stream(instructions))
        gstates = resources.get("/ExtGState")
        if gstates is None:
            resources.ExtGState = gstates = pikepdf.Dictionary()
        gstates[OVERPRINT], gstates[KNOCKOUT] = states
    spaces = resources.get("/ColorSpace")
    if spaces is not None:
        used = _used_names(instructions, {"cs", "CS"})
        for name in list(spaces.keys()):
            if name not in used:
                del spaces[name]
    for key in ("/ColorSpace", "/Pattern", "/Shading", "/XObject", "/ExtGState"):
        value = resources.get(key)
        if value is not None and len(value.keys()) == 0:
            del resources[key]


def _overprint_states(pdf: pikepdf.Pdf) -> tuple[pikepdf.Object, pikepdf.Object]:
    """Overprint on / off for fills (strokes keep knocking out), with OPM 1 so zero
    CMYK components leave the inks under them alone."""
    return tuple(pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.ExtGState, op=on, OPM=1))
                 for on in (True, False))  # type: ignore[return-value]


def _forms(resources: pikepdf.Object, prefix: str = "/") -> Iterator[pikepdf.Object]:
    """Every Form XObject reachable from ``resources`` through a name starting with
    ``prefix`` (at the top level), once each."""
    seen: set[tuple[int, int]] = set()
    todo: list[pikepdf.Object | None] = [resources]
    top = True
    while todo:
        current = todo.pop()
        xobjects = current.get("/XObject") if current is not None else None
        for name, item in (xobjects.items() if xobjects is not None else ()):
            if (top and not name.startswith(prefix)) or item.get("/Subtype") != pikepdf.Name.Form \
                    or item.objgen in seen:
                continue
            seen.add(item.objgen)
            yield item
            todo.append(item.get("/Resources"))
        top = False


# --- the document -----------------------------------------------------------------------------------


def register_output_intent(pdf: pikepdf.Pdf, profile_name: str) -> None:
    """Name the output condition as the ICC registry does, when the profile is a registered one."""
    for intent in pdf.Root.get("/OutputIntents", []):
        if profile_name in REGISTERED:
            identifier, condition = REGISTERED[profile_name]
            intent.OutputConditionIdentifier = identifier
            intent.RegistryName = REGISTRY
            intent.OutputCondition = condition
            intent.Info = condition
        else:  # a shop's own profile: it travels embedded, identified as custom
            intent.OutputConditionIdentifier = "Custom"
            intent.OutputCondition = profile_name
            if "/RegistryName" in intent:
                del intent["/RegistryName"]


def set_title(pdf: pikepdf.Pdf, title: str, vt_date: str | None = None) -> None:
    """Title after the job, in the info dictionary and the XMP; PDF/VT identification when asked."""
    pdf.docinfo["/Title"] = title
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:title"] = title
        if vt_date is not None:
            meta[f"{{{VT_NS}}}GTS_PDFVTVersion"] = "PDF/VT-1"
            meta[f"{{{VT_NS}}}GTS_PDFVTModDate"] = vt_date


def finish_base(base: bytes, title: str, profile_name: str, font_path: Path, vt_date: str | None = None) -> bytes:
    """The base with clean forms, registered output intent, job title, slug font and overprint state."""
    with pikepdf.open(io.BytesIO(base)) as pdf:
        shared = pdf.Root[SHARED_RESOURCES]
        states = _overprint_states(pdf)
        # The master pages (/M<n>), as WeasyPrint wrote them.  The imprints (/I) and serial
        # glyphs (/G) are this engine's own paths in device K: nothing to overprint or drop,
        # and a national plan has tens of thousands of them (parsing each cost 1 ms).
        for form in _forms(shared, MASTER_PREFIX):
            clean_form(form, states)
        register_output_intent(pdf, profile_name)
        set_title(pdf, title, vt_date)
        for key in ("/Outlines", "/Names", "/Lang"):  # the masters' outlines point at pages this file lacks
            if key in pdf.Root:
                del pdf.Root[key]
        if "/PageMode" in pdf.Root:
            del pdf.Root["/PageMode"]
        gstates = shared.get("/ExtGState")
        if gstates is None:
            shared.ExtGState = gstates = pikepdf.Dictionary()
        gstates[OVERPRINT] = states[0]
        fonts = shared.get("/Font")
        if fonts is None:
            fonts = shared.Font = pikepdf.Dictionary()
        fonts[SLUG_FONT] = _embed_slug_font(pdf, font_path)
        if vt_date is not None:  # replaced by the pages' update: pdfvt.PartTree
            node = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.DPart))
            pdf.Root.DPartRoot = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.DPartRoot,
                                                                       DPartRootNode=node))
            node.Parent = pdf.Root.DPartRoot
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.disable,
                 min_version="1.6" if vt_date is not None else "")
        return out.getvalue()


# --- slug font --------------------------------------------------------------------------------------


@functools.cache
def _subset(font_path: Path) -> tuple[bytes, SlugFont, dict[str, Any]]:
    """An ASCII/Latin-1 subset of the font, its widths by WinAnsi code and its descriptor metrics."""
    chars = [bytes([c]).decode("cp1252", errors="ignore") for c in range(32, 256)]
    font = TTFont(font_path, recalcTimestamp=False)  # the source's date: same font, same bytes
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.glyph_names = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars if c])
    subsetter.subset(font)
    cmap = font.getBestCmap()
    scale = 1000 / font["head"].unitsPerEm
    widths = tuple(round(font["hmtx"][cmap[ord(c)]][0] * scale) if c and ord(c) in cmap else 0 for c in chars)
    head, os2 = font["head"], font["OS/2"]
    metrics = {"bbox": [round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)],
               "ascent": round(os2.sTypoAscender * scale), "descent": round(os2.sTypoDescender * scale),
               "cap": round(getattr(os2, "sCapHeight", 714) * scale)}
    data = io.BytesIO()
    font.save(data)
    font.close()
    return data.getvalue(), SlugFont(widths), metrics


def slug_font(font_path: Path) -> SlugFont:
    return _subset(font_path)[1]


def _embed_slug_font(pdf: pikepdf.Pdf, font_path: Path) -> pikepdf.Object:
    data, metrics_font, metrics = _subset(font_path)
    name = pikepdf.Name("/KYRSLG+" + font_path.stem.replace("-", ""))
    stream = pikepdf.Stream(pdf, data)
    stream.Length1 = len(data)
    descriptor = pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=name, Flags=32, FontBBox=metrics["bbox"], ItalicAngle=0,
        Ascent=metrics["ascent"], Descent=metrics["descent"], CapHeight=metrics["cap"], StemV=80,
        FontFile2=pdf.make_indirect(stream))
    return pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.TrueType, BaseFont=name, FirstChar=32, LastChar=255,
        Widths=[Decimal(w) for w in metrics_font.widths], Encoding=pikepdf.Name.WinAnsiEncoding,
        FontDescriptor=pdf.make_indirect(descriptor)))


def _escape(data: bytes) -> bytes:
    return data.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def slug_operators(text: str, x: float, y: float, max_width: float, size: float, font: SlugFont) -> bytes:
    """One line of 100 % K overprinting text; shortened with '...' if it would run past ``max_width``."""
    while text and font.width(text, size) > max_width:
        text = text[: max(0, len(text) - 4)].rstrip() + "..."
        if len(text) <= 3:
            break
    return (b"q 0 0 0 1 k %s gs BT %s %g Tf %.3f %.3f Td (%s) Tj ET Q"
            % (OVERPRINT.encode(), SLUG_FONT.encode(), size, x, y, _escape(encode(text))))


def label_baseline(index: int, top: float, size: float) -> float:
    """The baseline of a label's line ``index`` (from 0), its lines set from ``top`` down."""
    return top - (index + 1) * 1.3 * size + 0.25 * size


def label_operators(lines: list[str], x: float, top: float, width: float, size: float, font: SlugFont) -> bytes:
    """Lines of 100 % K text from ``top`` down (a proof's label and approval block)."""
    return b"\n".join(slug_operators(line, x, label_baseline(i, top, size), width, size, font)
                      for i, line in enumerate(lines))
