"""Templates + catalog + campaign -> HTML -> master PDF (WeasyPrint).

One Jinja2 Environment per language (no global locale); translator text is
untrusted, so our gettext callables sanitise it with nh3 and check its
placeholders before Jinja formats it.  WeasyPrint runs hermetically: only
workspace files can be fetched and only workspace fonts exist.  Any WeasyPrint
warning fails the render, because a warning here means a missing glyph, a
missing resource or a broken stylesheet on 30,000 printed sheets.
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import nh3
from markupsafe import Markup

from .campaign import Campaign, Format, source_date
from .catalogs import PLACEHOLDER_RE, LoadedCatalog, core_templates_dir, stray_percent
from .errors import CatalogError, RenderError
from .fontstack import FontBook
from .languages import SpokenLanguage, default_spoken
from .readability import indefinite_article

CSS_PX_TO_PT = 0.75
ALLOWED_TAGS = {"strong", "em", "br"}
BLEED_IN = 0.125
SHRINK_STEP_PT = 0.5
SMALL_RATIO = 0.75
ICC_NAME = "GRACoL2006_Coated.icc"


@dataclass(frozen=True)
class PrintOptions:
    """How a master is rendered: print (bleed, CMYK output intent) or plain."""

    bleed_in: float = BLEED_IN
    profile: Path | None = None


@dataclass(frozen=True)
class Slot:
    """The QR area of one page, in PDF points from the trim box's lower-left corner."""

    page: int
    x: float
    y: float
    size: float


@dataclass(frozen=True)
class Area:
    """A reserved rectangle (the imprint's), in points from the trim box's lower-left corner."""

    page: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Master:
    """A rendered master PDF and where its variable parts go."""

    pdf: bytes
    pages: int
    font_size_pt: float
    slots: tuple[Slot, ...]
    text: str  # visible text of the page(s), for coverage checks and the site
    imprints: tuple[Area, ...] = ()
    key: str = ""  # the content hash it is cached under
    layout: tuple[str, ...] = ()  # what the layout checks found (preflight.layout_problems); () = fine
    home_pdf: bytes = b""  # the same layout for screens and home printers: tagged, no output intent


def cmyk_css(values: tuple[float, float, float, float]) -> str:
    """CMYK percentages as a CSS ``device-cmyk()`` value."""
    return "device-cmyk(" + " ".join(f"{v / 100:.3g}" for v in values) + ")"


class StrictGettext:
    """Gettext callables for one language that never fall back to English.

    Jinja's new-style gettext marks the returned string safe and then
    %-formats it with the (escaped) variables, so what we return must already
    be safe HTML: nh3 keeps only <strong>, <em> and <br>.
    """

    def __init__(self, catalog: LoadedCatalog) -> None:
        self.catalog = catalog
        self.used: list[str] = []

    def gettext(self, msgid: str) -> str:
        text = self.catalog.gettext(msgid)
        if text is None:
            raise CatalogError(f"{self.catalog.where(msgid)}: no usable translation (missing or fuzzy) for {msgid!r}")
        wanted = sorted(PLACEHOLDER_RE.findall(msgid))
        if sorted(PLACEHOLDER_RE.findall(text)) != wanted or stray_percent(text):
            raise CatalogError(
                f"{self.catalog.where(msgid)}: translation of {msgid!r} must use exactly the "
                f"placeholders {', '.join('%(' + w + ')s' for w in wanted) or '(none)'}"
            )
        self.used.append(msgid)
        return nh3.clean(text, tags=ALLOWED_TAGS, attributes={}, url_schemes=set())

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


class _CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept in memory and shared by every language's Environment.

    Compiling the templates took a sixth of each master's render time, once per
    layout.  The compiled code does not depend on the language (``_()`` looks up
    the Environment's gettext when it runs), and Jinja checks each entry against
    a checksum of the template's source, so an edited template is recompiled.
    """

    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self._store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _CompiledTemplates()  # per process; holds code, never language or locale state


def make_environment(campaign: Campaign, catalog: LoadedCatalog) -> tuple[jinja2.Environment, StrictGettext]:
    """A fresh sandbox-free but autoescaping Environment bound to one language."""
    env = jinja2.Environment(
        # The workspace's templates first (a campaign may override any), then the engine's core text.
        loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(campaign.templates_dir),
                                    jinja2.FileSystemLoader(core_templates_dir())]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        bytecode_cache=_COMPILED,
    )
    strict = StrictGettext(catalog)
    env.install_gettext_callables(strict.gettext, strict.ngettext, newstyle=True)  # type: ignore[attr-defined]
    return env, strict


def context(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook,
            options: PrintOptions, font_size_pt: float, spoken: SpokenLanguage | None = None) -> dict[str, Any]:
    """Everything a template may use; values are plain data, formatted per language.

    ``spoken`` is the spoken language the interpreter card and the wallet card's
    back name; by default the written language's own (its campaign [spoken] entry).
    """
    language = catalog.language
    contacts = _contacts(campaign, catalog)
    spoken = spoken or default_spoken(campaign, language)
    return {
        "campaign": campaign,
        "spoken": spoken,
        "english": {"article": indefinite_article(spoken.english_name)},
        "language": {
            "tag": language.tag,
            "direction": language.direction,
            "script": language.script,
            "endonym": language.endonym,
            "english_name": language.english_name,
            "font_stack": Markup(fonts.css_stack(language)),
        },
        "format": {
            "name": fmt.name,
            "width": fmt.width.css,
            "height": fmt.height.css,
            "margin": fmt.margin.css,
            "font_size": f"{font_size_pt:g}pt",
            "small_size": f"{small_size(fmt, font_size_pt):g}pt",
            "qr_size": fmt.qr_size.css if fmt.qr_size else "0",
            "content_height": f"{fmt.height.pt - 2 * fmt.margin.pt:.2f}pt",
            "sections": fmt.sections,
        },
        "print": {
            "bleed": f"{options.bleed_in:g}in",
            "profile": options.profile.resolve().as_uri() if options.profile else "",
        },
        "colours": {
            "accent": Markup(cmyk_css(campaign.colours["accent"])),
            "tint": Markup(cmyk_css(campaign.colours["tint"])),
            "paper": Markup(cmyk_css(campaign.colours["paper"])),
            "text": Markup(cmyk_css((0, 0, 0, 100))),
        },
        "facts": _facts(campaign, catalog),
        "contacts": contacts,
        "contact_list": [c for key, c in contacts.items() if key != "card"],
        "qr": {"display": campaign.qr.display},
        "review": {"draft": not catalog.source and catalog.review.status != "reviewed"},
        "build": {"date": build_date(campaign)},
    }


TIME_CLASS = "time"
# A sentence's full stop right after a time that already ends in one ("6:00 μ.μ." + ".").
_DOUBLED_STOP = re.compile(r'(<span class="time">[^<]*\.</span>)\.')


def time_markup(text: str) -> Markup:
    """A formatted time, marked so that the sentence's full stop after it can be dropped."""
    return Markup('<span class="{}">{}</span>').format(TIME_CLASS, text)


def drop_doubled_stops(html: str) -> str:
    """"μ.μ.." -> "μ.μ.": Greek, Albanian and others abbreviate the time of day with a
    full stop, and the sentence ends with its own; print one, as a typesetter would."""
    return _DOUBLED_STOP.sub(r"\1", html)


def small_size(fmt: Format, font_size_pt: float) -> float:
    """Small print (notices, captions): three quarters of the body, never under the
    format's min_font_size -- the layout check holds every text run to it."""
    return round(max(SMALL_RATIO * font_size_pt, fmt.min_font_size.pt), 2)


def _facts(campaign: Campaign, catalog: LoadedCatalog) -> dict[str, str]:
    facts = campaign.facts
    if facts is None:  # only sections that use [facts] read it, and those require it
        return {}
    return {"signed": catalog.language.format_date(facts.signed),
            "mayor": catalog.name("[facts] mayor", facts.mayor), "number": facts.order_number}


def _contacts(campaign: Campaign, catalog: LoadedCatalog) -> dict[str, dict[str, str]]:
    """Each [contacts.*] table as the language prints it: its name as the local
    catalog spells it, times in the language's clock, opening days by CLDR's
    weekday names.  ``card`` is the line the wallet card prints: ``legal`` if
    there is one, else the first contact with a phone."""
    language = catalog.language
    shown: dict[str, dict[str, str]] = {}
    for key, c in campaign.contacts.items():
        shown[key] = {
            "key": key, "name": catalog.name(f"[contacts.{key}] name", c.name), "phone": c.phone, "url": c.url,
            "opens": time_markup(language.format_time(c.opens)) if c.opens else "",
            "closes": time_markup(language.format_time(c.closes)) if c.closes else "",
            "first_day": language.weekday(c.days[0]), "last_day": language.weekday(c.days[1]),
            "hours": language.format_hours(c.days, c.opens, c.closes) if c.opens and c.closes else "",
        }
    card = shown.get("legal") or next((c for c in shown.values() if c["phone"]), None)
    if card is not None:
        shown["card"] = card
    return shown


def build_date(campaign: Campaign) -> str:
    """The date written into PDF metadata (see :func:`campaign.source_date`)."""
    return source_date(campaign).strftime("%Y-%m-%dT%H:%M:%SZ")


def render_template(env: jinja2.Environment, name: str, values: dict[str, Any], needed_by: str) -> str:
    """Render one template, turning Jinja's errors into messages that name the file."""
    try:
        return drop_doubled_stops(env.get_template(name).render(values))
    except jinja2.TemplateNotFound as exc:
        raise RenderError(f"templates/{exc.name}: template not found ({needed_by} needs it)") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"templates/{exc.name}:{exc.lineno}: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"templates/{name}: {exc.message}") from None


def render_html(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook,
                options: PrintOptions, font_size_pt: float, spoken: SpokenLanguage | None = None) -> str:
    """The HTML of one (language, format) at one body type size."""
    env, _ = make_environment(campaign, catalog)
    values = context(campaign, fmt, catalog, fonts, options, font_size_pt, spoken)
    return typeset(render_template(env, fmt.template, values, f"format {fmt.name}"), catalog.language.script)


# Scripts written without spaces between words: no tie before the last word there.
UNSPACED_SCRIPTS = {"Hans", "Hant", "Jpan", "Thai", "Laoo", "Khmr", "Mymr", "Tibt"}
# The last two words of a block: a word, one space, then the last word (inline tags
# around it allowed), then the block's end tag.
_LAST_SPACE = re.compile(
    r"(?:(?<=[^\s<>])|(?<=</b>)|(?<=</bdi>)|(?<=</strong>)|(?<=</em>)|(?<=</span>))"
    r"[ ](?=(?:<[^>]+>)*[^\s<>]{1,16}(?:<[^>]+>)*\s*</(?:li|p|h1|h2|h3|figcaption)>)"
)
_HANGUL_PAIR = re.compile(r"(?<=[\uac00-\ud7a3])(?=[\uac00-\ud7a3])")


def typeset(html: str, script: str) -> str:
    """Line-breaking fixes for print that CSS cannot express in WeasyPrint.

    * A paragraph or bullet never ends on one word alone: the space before its
      last word becomes a no-break space (not where words are not space-separated).
    * Korean breaks only between words (CSS ``word-break: keep-all``, which
      WeasyPrint lacks): a WORD JOINER between Hangul syllables.  Both are
      invisible in the PDF's text.
    """
    head, sep, body = html.partition("<body")
    if script not in UNSPACED_SCRIPTS:
        body = _LAST_SPACE.sub("\u00a0", body)
    if script == "Kore":
        body = _HANGUL_PAIR.sub("\u2060", body)
    return head + sep + body


def visible_text(html: str) -> str:
    """Rough visible text of an HTML page (for coverage checks), tags stripped."""
    body = html.split("<body", 1)[-1]
    text = re.sub(r"<[^>]+>", " ", body)
    return Markup(text).unescape()


# --- WeasyPrint side -------------------------------------------------------------


class _WarningTrap(logging.Handler):
    """Collects WeasyPrint warnings so that the render can fail on them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def make_fetcher(root: Path) -> Any:
    """A URL fetcher that serves only files inside the workspace (no network, ever)."""
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    allowed_root = root.resolve()

    class WorkspaceFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            parts = urlsplit(url)
            if parts.scheme != "file":
                raise FatalURLFetchingError(f"refused to fetch {url!r}: only workspace files may be used")
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(allowed_root) or not path.is_file():
                raise FatalURLFetchingError(f"refused to fetch {url!r}: not a file inside {allowed_root}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), headers={"Content-Type": mime})

    return WorkspaceFetcher(fail_on_errors=True)


@functools.lru_cache(maxsize=1)
def font_configuration() -> Any:
    """One WeasyPrint font configuration per worker process, reused by every render.

    Loading the fonts once instead of once per layout saves a tenth of a second
    a page; the fonts never change during a build (the workspace ones only).
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def weasy_render(html: str, base: Path, root: Path) -> tuple[Any, list[str]]:
    """Lay out HTML; return the WeasyPrint document and any warnings it logged."""
    import weasyprint

    trap = _WarningTrap()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(trap)
    try:
        document = weasyprint.HTML(string=html, base_url=base.as_uri() + "/",
                                   url_fetcher=make_fetcher(root)).render(font_config=font_configuration())
    except weasyprint.urls.FatalURLFetchingError as exc:
        raise RenderError(str(exc)) from None
    finally:
        logger.removeHandler(trap)
    return document, trap.messages


QR_SLOT_ID = "qr-slot"
IMPRINT_SLOT_ID = "imprint-slot"
END_SUFFIX = "-end"


def find_slots(document: Any) -> tuple[tuple[Slot, ...], tuple[Area, ...]]:
    """Locate the QR slot and the imprint area of every page, through WeasyPrint's public API.

    ``Page.anchors`` maps each element ``id`` on a page to its (x, y) position
    in CSS px from the page's top-left corner.  A slot is an element with an id
    (its top-left corner) holding an empty marker ``<id>-end`` positioned at
    its bottom-right corner (see ``qr_block`` in templates/_blocks.html), so its
    size needs no layout internals either.  Positions returned are in points
    from the trim box's lower-left corner, the origin the stamping stage draws in.
    """
    slots: list[Slot] = []
    areas: list[Area] = []
    for index, page in enumerate(document.pages):
        qr = _anchor_box(page, QR_SLOT_ID)
        if qr is not None:
            x, y, width, height = qr
            size = round(min(width, height), 3)
            slots.append(Slot(index, x, round(y + height - size, 3), size))
        imprint = _anchor_box(page, IMPRINT_SLOT_ID)
        if imprint is not None:
            x, y, width, height = imprint
            areas.append(Area(index, x, y, round(width, 3), round(height, 3)))
    return tuple(slots), tuple(areas)


def _anchor_box(page: Any, name: str) -> tuple[float, float, float, float] | None:
    """(x, y, width, height) in points, y up from the page's bottom, of the box between
    anchor ``name`` (top-left) and anchor ``name-end`` (bottom-right); None when absent."""
    start, end = page.anchors.get(name), page.anchors.get(name + END_SUFFIX)
    if start is None or end is None:
        return None
    left, top = start[0] * CSS_PX_TO_PT, start[1] * CSS_PX_TO_PT
    width, height = (end[0] - start[0]) * CSS_PX_TO_PT, (end[1] - start[1]) * CSS_PX_TO_PT
    return round(left, 3), round(page.height * CSS_PX_TO_PT - top - height, 3), width, height


def _descendants(box: Any) -> Any:
    yield box
    for child in getattr(box, "children", ()) or ():
        yield from _descendants(child)


def write_master_pdf(document: Any, identifier: bytes, pdfx: bool,
                     edit: Callable[[Any], None] | None = None, tagged: bool = False) -> bytes:
    """Serialise a laid-out document; PDF/X-4 when a CMYK output intent is present.

    WeasyPrint writes it uncompressed and qpdf compresses it: pydyf compresses
    every stream at level 9 and the output profile (370 KB) twice, which cost a
    sixth of each master's render; qpdf does it once, at zlib's default level,
    and leaves the XMP metadata uncompressed as PDF/X wants.  ``edit``, if given,
    changes the pikepdf document before that single save.
    """
    import io

    import pikepdf

    options: dict[str, Any] = {"pdf_identifier": identifier, "uncompressed_pdf": True}
    if pdfx:
        options["pdf_variant"] = "pdf/x-4"
    elif tagged:
        options["pdf_variant"] = "pdf/ua-1"
    raw = document.write_pdf(**options)
    assert isinstance(raw, bytes)
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        if edit is not None:
            edit(pdf)
        out = io.BytesIO()
        # The home cut's structure tree is hundreds of small objects: in object
        # streams the English letter is 21 KB instead of 48 KB (the later stamping
        # preserves them).  The print cut keeps plain objects, as PDF/X RIPs expect.
        streams = pikepdf.ObjectStreamMode.generate if tagged else pikepdf.ObjectStreamMode.preserve
        pdf.save(out, compress_streams=True, deterministic_id=True, object_stream_mode=streams)
        return out.getvalue()


# Smaller sizes tried when the largest that fits fails a layout check.
RELAYOUT_TRIES = 3


def render_master(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook,
                  options: PrintOptions, identifier: bytes, spoken: SpokenLanguage | None = None) -> Master:
    """Render one (language, format) at the largest type size that fits its pages.

    Sizes go from the format's ``font_size`` down to ``min_font_size`` in half
    points; after the first try, a bisection finds the largest that fits in
    two or three layouts instead of one per step.  Past the minimum it fails
    with a message naming language and format.
    """
    sizes = _sizes(fmt)
    layout = functools.partial(_layout, spoken=spoken)
    html, document = layout(campaign, fmt, catalog, fonts, options, sizes[0])
    best: tuple[float, str, Any] | None = None
    if len(document.pages) <= fmt.pages:
        best = (sizes[0], html, document)
    elif len(document.pages) > 2 * fmt.pages:  # shrinking by points cannot save this
        raise RenderError(f"{catalog.language.tag}/{fmt.name}: the text fills {len(document.pages)} pages; the "
                          f"format has {fmt.pages}. {_overflow_cause(catalog, fmt)}")
    else:  # bisect the smaller sizes for the largest that fits
        low, high = 1, len(sizes) - 1
        while low <= high:
            middle = (low + high) // 2
            html, document = layout(campaign, fmt, catalog, fonts, options, sizes[middle])
            if len(document.pages) <= fmt.pages:
                best, high = (sizes[middle], html, document), middle - 1
            else:
                low = middle + 1
    if best is None:
        raise RenderError(
            f"{catalog.language.tag}/{fmt.name}: the text does not fit on {fmt.pages} page(s) even at "
            f"the format's min_font_size {fmt.min_font_size.css}. {_overflow_cause(catalog, fmt)}"
        )
    master = _master(campaign, fmt, catalog, options, identifier, spoken, best)
    # A line break can go wrong at one size and not the next (a word left alone,
    # ink a hair outside the safe area): try a few smaller sizes before failing.
    for tried, size in enumerate(s for s in sizes if s < best[0]):
        if not master.layout or tried == RELAYOUT_TRIES:
            break
        html, document = layout(campaign, fmt, catalog, fonts, options, size)
        if len(document.pages) <= fmt.pages:
            candidate = _master(campaign, fmt, catalog, options, identifier, spoken, (size, html, document))
            if not candidate.layout:
                master = candidate
    return master


def _master(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, options: PrintOptions, identifier: bytes,
            spoken: SpokenLanguage | None, laid_out: tuple[float, str, Any]) -> Master:
    """Write one layout's PDFs (print and home cuts) and run the layout checks on it."""
    size, html, document = laid_out
    if len(document.pages) != fmt.pages:
        raise RenderError(
            f"{catalog.language.tag}/{fmt.name}: rendered {len(document.pages)} page(s), "
            f"the format defines {fmt.pages}"
        )
    slots, imprints = find_slots(document)
    if fmt.has_qr and not slots:
        raise RenderError(f"templates/{fmt.template}: no QR slot: an element with id '{QR_SLOT_ID}' holding "
                          f"an empty one with id '{QR_SLOT_ID}{END_SUFFIX}' at its bottom-right corner")
    pdf = write_master_pdf(document, identifier, pdfx=options.profile is not None)
    home = write_master_pdf(document, identifier, pdfx=False, edit=drop_output_intent, tagged=True)
    from .preflight import layout_problems, reserved_areas  # preflight imports this module

    tag = spoken.tag if spoken is not None else catalog.language.tag
    findings = layout_problems(pdf, fmt, catalog.language, reserved_areas(slots, imprints), f"{tag}/{fmt.name}")
    return Master(pdf=pdf, pages=len(document.pages), font_size_pt=size, slots=slots, text=visible_text(html),
                  imprints=imprints, layout=tuple(findings), home_pdf=home)


def drop_output_intent(pdf: Any) -> None:
    """Remove the print condition from a master meant for screens and home printers.

    The home master is written from the same layout as the PDF/X one (so the two
    cuts never differ by a line break), and WeasyPrint embeds the CMYK profile
    named by ``@color-profile`` as an output intent and as an ICCBased colour
    space.  The colours themselves are drawn as DeviceCMYK, so removing both
    leaves device colours and 194 KB less; qpdf drops the now unreferenced profile.
    """
    import pikepdf

    if "/OutputIntents" in pdf.Root:
        del pdf.Root["/OutputIntents"]
    for page in pdf.pages:
        spaces = page.obj.get("/Resources", {}).get("/ColorSpace")
        if spaces is None:
            continue
        for name in list(spaces.keys()):
            space = spaces[name]
            if isinstance(space, pikepdf.Array) and len(space) and space[0] == pikepdf.Name.ICCBased:
                del spaces[name]


def _overflow_cause(catalog: LoadedCatalog, fmt: Format) -> str:
    """Name the likely cause of text that does not fit: the English never overflows
    because of a translation, so for it the format is too small for its sections."""
    where = f"campaign.toml [formats.{fmt.name}]"
    if catalog.source:
        return (f"The format is too small for its sections: in {where} enlarge width/height, lower "
                "min_font_size, or remove a section")
    paths = " and ".join(str(p) for p in (catalog.core_path, catalog.path) if p)
    return (f"If the English {fmt.name} builds, this translation is too long for it "
            f"(check {paths}); if not, the format is too small for its sections ({where})")


def _sizes(fmt: Format) -> list[float]:
    """Candidate body sizes, largest first, in half points down to the minimum."""
    sizes, size = [], fmt.font_size.pt
    while size >= fmt.min_font_size.pt - 1e-6:
        sizes.append(round(size, 2))
        size -= SHRINK_STEP_PT
    return sizes or [fmt.min_font_size.pt]


def _layout(campaign: Campaign, fmt: Format, catalog: LoadedCatalog, fonts: FontBook, options: PrintOptions,
            size: float, spoken: SpokenLanguage | None = None) -> tuple[str, Any]:
    """HTML and WeasyPrint layout at one size; a warning is an error."""
    html = render_html(campaign, fmt, catalog, fonts, options, size, spoken)
    _check_coverage(fonts, catalog, fmt, html)
    document, warnings = weasy_render(html, campaign.templates_dir, campaign.root)
    if warnings:
        raise RenderError(f"{catalog.language.tag}/{fmt.name}: WeasyPrint warned (treated as an error)",
                          warnings[:10])
    return html, document


def _check_coverage(fonts: FontBook, catalog: LoadedCatalog, fmt: Format, html: str) -> None:
    """Fail before rendering if any character has no glyph in the language's fonts."""
    missing = fonts.uncovered(catalog.language, visible_text(html))
    if missing:
        shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:12])
        raise RenderError(f"{catalog.language.tag}/{fmt.name}: no font in fonts/fonts.toml covers {shown}; "
                          f"{font_fix(fonts.folder)}")


def font_fix(folder: Path) -> str:
    """How to get a missing glyph: `make fonts` only where there is a Makefile to run it."""
    if (folder.parent / "Makefile").is_file():
        return "add a font for this script to fonts/fonts.toml, or re-cut the CJK subsets with `make fonts`"
    return ("add a font file that covers it to fonts/ and list it in fonts/fonts.toml (the CJK fonts are "
            "subsets: take the full Noto CJK font for characters they lack)")


def _job_document(job: tuple[str, str, str, bool]) -> Any:
    """Lay out a worker job's HTML under the flyers' rules; a warning is an error."""
    html, base, root, _pdfx = job
    document, warnings = weasy_render(html, Path(base), Path(root))
    if warnings:
        raise RenderError("WeasyPrint warned (treated as an error)", warnings[:10])
    return document


def html_job_pdf(job: tuple[str, str, str, bool]) -> bytes:
    """Worker entry: render a finished HTML document (job ticket, imprints...) to PDF.

    ``job`` is (html, base folder, workspace root, pdf/x).  Same rules as the
    flyers: workspace files only, and any WeasyPrint warning is an error.
    """
    return write_master_pdf(_job_document(job), b"kyr-flyers-batch", pdfx=job[3])


def imprint_job_pdf(job: tuple[str, str, str, bool]) -> bytes:
    """Worker entry: like :func:`html_job_pdf`, each page then cropped to its text.

    The media box of every page shrinks to the height its section used, so the
    stamping stage can scale each imprint to fit its area exactly.
    """
    import pikepdf

    document = _job_document(job)
    used = [_used_height(page) * CSS_PX_TO_PT for page in document.pages]

    def crop(pdf: pikepdf.Pdf) -> None:
        for page, height in zip(pdf.pages, used, strict=True):
            x0, _y0, x1, y1 = (float(v) for v in page.obj.MediaBox)
            box = pikepdf.Array([x0, y1 - max(height, 1.0), x1, y1])
            page.obj.MediaBox = box
            for name in ("/CropBox", "/TrimBox", "/BleedBox", "/ArtBox"):
                if name in page.obj:
                    page.obj[name] = box

    return write_master_pdf(document, b"kyr-flyers-imprint", pdfx=job[3], edit=crop)


def _used_height(page: Any) -> float:
    """Height, in CSS px from the page top, down to the bottom of the page's last section.

    Not the root box's height: WeasyPrint stretches a block that breaks across
    pages to the bottom of each page it leaves.
    """
    bottoms = [box.position_y + box.margin_height() for box in _descendants(page._page_box)
               if getattr(box, "element_tag", None) == "section"]
    return float(max(bottoms, default=0.0))
