"""The download site: find your language, read your rights, print the flyer.

``flyers site`` builds the PDFs (cached), then writes a static folder any host
can serve -- or none: every link is relative, so it also works from file://.
The index lists each language by its own name, in its own script and
direction; each language's page holds the rights as HTML text made by the same
``_blocks.html`` macros and the same strict gettext as the PDFs (so the page
says exactly what the flyer says), previews, and the PDFs themselves, copied
in with their sizes.

Nothing is fetched from another host: the web fonts are WOFF2 subsets of the
workspace's own fonts, cut with fontTools to the characters the pages use, and
the only script is a few lines of our own.  WeasyPrint is never imported here
(render workers own fontconfig); previews come from the finished PDFs through
pypdfium2.  Previews and font subsets are cached under ``.cache/site`` by
content, so a second run only copies what changed.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from . import catalogs
from .build import CACHE_DIR, MANIFEST, BuildRequest, BuildResult, build, qr_link
from .campaign import LENGTH_RE, Campaign, Format, load_campaign, source_date
from .errors import FlyersError, RenderError
from .files import sha256_bytes, write_bytes, write_text
from .fontstack import FontBook, font_weight, load_fonts
from .languages import Language, resolve_all
from .qr import encode
from .render import PrintOptions, context, make_environment, render_template, visible_text

SITE_DIR = "site"  # under the build's output folder
MARKER = ".kyr-flyers-site"  # proves a folder is ours before stale files are removed
ASSETS = "assets"
INDEX_TEMPLATE = "site/index.html"
LANGUAGE_TEMPLATE = "site/language.html"
STYLESHEET = "site/site.css"
SCRIPT = "site/filter.js"
PREVIEW_MAX_PX = (600, 800)  # width, height: sharp on a phone, a few tens of KB
PREVIEW_QUALITY = 72
SUBSET_VERSION = "3"  # bump to invalidate cached font subsets
PREVIEW_VERSION = "2"
ALWAYS_IN_FONTS = " \u00a0\u200c\u200d"  # spaces and joiners shape neighbouring letters
CONTRAST = 4.5  # WCAG AA for body text


@dataclass
class SiteResult:
    """What `flyers site` made, for its summary line."""

    out: Path
    languages: list[str] = field(default_factory=list)
    files: int = 0
    size: int = 0
    written: int = 0
    removed: int = 0
    build: BuildResult | None = None


@dataclass(frozen=True)
class Page:
    """One rendered page and which languages' fonts its text needs."""

    path: str
    html: str
    runs: tuple[tuple[Language, str], ...]


# --- the folder -------------------------------------------------------------------


class SiteFolder:
    """Writes the site's files, only when their bytes change, then sweeps the rest.

    Sweeping is what keeps a renamed font or a dropped language from lingering on
    the host, and it is why the folder must be empty or already ours: pointing
    ``--out`` at a folder of other files must never delete them.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.kept: set[str] = {MARKER}
        self.written = 0
        self.size = 0

    def claim(self, root: Path) -> None:
        """Refuse a target that is not empty and not a site we wrote before; mark it ours.

        The mark comes first so that a run that fails half-way (a missing glyph,
        say) leaves a folder the next run may still clean up.
        """
        out, root = self.out.resolve(), root.resolve()
        if out == root or root.is_relative_to(out) or out == (root / "output").resolve():
            raise FlyersError(f"--out {self.out}: would overwrite the workspace or its output; "
                              f"choose a folder of its own such as {root / 'output' / SITE_DIR}")
        if out.exists() and not out.is_dir():
            raise FlyersError(f"--out {self.out}: is a file, not a folder")
        if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
            raise FlyersError(f"--out {self.out}: folder is not empty and was not written by `flyers site`; "
                              "choose an empty or new folder")
        write_text(self.out / MARKER, "kyr-flyers download site: `flyers site` rewrites this folder.\n")

    def put(self, rel: str, data: bytes) -> None:
        """Write ``rel`` atomically unless it already holds ``data``."""
        path = self.out / rel
        self.kept.add(rel)
        self.size += len(data)
        try:
            if path.stat().st_size == len(data) and path.read_bytes() == data:
                return
        except OSError:
            pass
        write_bytes(path, data)
        self.written += 1

    def finish(self) -> int:
        """Remove files and folders this run did not write."""
        removed = 0
        for path in sorted(self.out.rglob("*"), reverse=True):
            rel = path.relative_to(self.out).as_posix()
            if path.is_dir():
                if not any(path.iterdir()):
                    path.rmdir()
            elif rel not in self.kept:
                path.unlink()
                removed += 1
        return removed


# --- the build ---------------------------------------------------------------------


def default_out(root: Path) -> Path:
    """Where the site goes unless ``--out`` says otherwise."""
    return root / "output" / SITE_DIR


def build_site(root: Path, out: Path | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> SiteResult:
    """Build every PDF (cached), then write the site from the manifest."""
    folder = SiteFolder(out or default_out(root))
    folder.claim(root)
    built = build(BuildRequest(root=root, out=root / "output"), on_progress)
    campaign = load_campaign(root)
    fonts = load_fonts(campaign.fonts_dir)
    languages = resolve_all(campaign)
    entries = _manifest(root / "output", {a.path for a in built.artifacts})
    tags = [t for t in campaign.languages if any(e["language"] == t for e in entries)]
    cache = campaign.root / CACHE_DIR / "site"

    formats: dict[str, list[dict[str, Any]]] = {}
    for tag in tags:
        formats[tag] = _downloads(campaign, languages[tag], entries, root / "output", folder, cache)

    def render_all(stylesheet: str, script: str) -> list[Page]:
        pages = [_index_page(campaign, fonts, languages, tags, stylesheet, script)]
        pages += [_language_page(campaign, fonts, languages[tag], formats[tag], stylesheet) for tag in tags]
        return pages

    # The stylesheet's name carries a hash of its fonts, whose subsets depend on
    # the pages' text: render once for the text, then again with the real names.
    draft = render_all("", "")
    _check_coverage(fonts, draft)
    stylesheet = _assets(campaign, fonts, languages, draft, folder, cache)
    script = _script(campaign, folder)
    for page in render_all(stylesheet, script):
        folder.put(page.path, page.html.encode("utf-8"))
    removed = folder.finish()
    return SiteResult(out=folder.out, languages=tags, files=len(folder.kept), size=folder.size,
                      written=folder.written, removed=removed, build=built)


def _manifest(output: Path, current: set[str]) -> list[dict[str, Any]]:
    """The manifest's entries for the files this build wrote."""
    path = output / MANIFEST
    try:
        entries = json.loads(path.read_text("utf-8"))["artifacts"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise FlyersError(f"{path}: cannot read the build's manifest ({exc}); run `flyers build`") from None
    return [e for e in entries if isinstance(e, dict) and e.get("path") in current]


def _downloads(campaign: Campaign, language: Language, entries: list[dict[str, Any]], output: Path,
               folder: SiteFolder, cache: Path) -> list[dict[str, Any]]:
    """Copy a language's PDFs into the site, make previews; describe them for its page."""
    tag = language.tag
    cut: dict[tuple[str, str], dict[str, Any]] = {(e["format"], e["variant"]): e for e in entries
                                                  if e["language"] == tag}
    items = []
    for name, fmt in campaign.formats.items():
        home, shop = cut.get((name, "home")), cut.get((name, "print"))
        if home is None or shop is None:
            continue
        item: dict[str, Any] = {"name": name, "size": _dimensions(fmt)}
        for variant, entry in (("home", home), ("print", shop)):
            data = (output / entry["path"]).read_bytes()
            if sha256_bytes(data) != entry["sha256"]:
                raise FlyersError(f"{output / entry['path']}: differs from {output / MANIFEST}; "
                                  "run `flyers build` again")
            filename = Path(entry["path"]).name
            folder.put(f"{tag}/{filename}", data)
            item[variant] = {"href": filename, "size": _file_size(len(data), language)}
            if variant == "home":
                preview, width, height = _preview(data, cache)
                folder.put(f"{tag}/preview-{name}.webp", preview)
                item["preview"] = {"href": f"preview-{name}.webp", "width": width, "height": height}
        items.append(item)
    return items


def _dimensions(fmt: Format) -> str:
    """A format's trim size as people say it: "8.5 × 11 in", "210 × 297 mm"."""
    width, height = LENGTH_RE.match(fmt.width.css), LENGTH_RE.match(fmt.height.css)
    if width and height and width.group(2) == height.group(2):
        return f"{width.group(1)} × {height.group(1)} {width.group(2)}"
    return f"{fmt.width.css} × {fmt.height.css}"


def _file_size(size: int, language: Language) -> str:
    """A file size in the language's own words for kB and MB (CLDR units)."""
    from babel.units import format_unit

    if size >= 1_000_000:
        return str(format_unit(round(size / 1_000_000, 1), "digital-megabyte", length="short",
                               format="#,##0.#", locale=language.formatting_locale))
    return str(format_unit(max(1, round(size / 1000)), "digital-kilobyte", length="short",
                           locale=language.formatting_locale))


def _preview(pdf: bytes, cache: Path) -> tuple[bytes, int, int]:
    """The first page as a small WebP (cached by the PDF's hash): bytes, width, height."""
    key = hashlib.sha256(f"{PREVIEW_VERSION}:{PREVIEW_MAX_PX}:{PREVIEW_QUALITY}:".encode() + pdf).hexdigest()[:32]
    cached = cache / "previews" / f"{key}.webp"
    if cached.is_file():
        from PIL import Image

        data = cached.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            return data, image.width, image.height
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        scale = min(PREVIEW_MAX_PX[0] / page.get_width(), PREVIEW_MAX_PX[1] / page.get_height())
        image = page.render(scale=scale, may_draw_forms=False).to_pil().convert("RGB")
    finally:
        document.close()
    buffer = io.BytesIO()
    image.save(buffer, "WEBP", quality=PREVIEW_QUALITY, method=4)  # 6 is 3x slower for ~3% smaller
    data = buffer.getvalue()
    write_bytes(cached, data)
    return data, image.width, image.height


def qr_svg(link: str, error_correction: str) -> Markup:
    """The flyer's QR code as inline SVG: the same link, scannable from a screen."""
    code = encode(link, error_correction)
    quiet = 4
    total = code.size + 2 * quiet
    runs = []
    for y, row in enumerate(code.modules.tolist()):
        x = 0
        while x < code.size:
            if row[x]:
                start = x
                while x < code.size and row[x]:
                    x += 1
                runs.append(f"M{start + quiet} {y + quiet}h{x - start}v1h-{x - start}z")
            x += 1
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total} {total}" role="img" '
        f'aria-label="QR: {escape(link)}" shape-rendering="crispEdges">'
        f'<rect width="{total}" height="{total}" fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )


# --- pages -------------------------------------------------------------------------


def _render(campaign: Campaign, catalog: catalogs.LoadedCatalog, fonts: FontBook, name: str,
            site: dict[str, Any]) -> str:
    """One site template with the PDFs' own context and strict gettext, plus ``site``."""
    env, _ = make_environment(campaign, catalog)
    fmt = next(iter(campaign.formats.values()))
    values = context(campaign, fmt, catalog, fonts, PrintOptions(), fmt.font_size.pt)
    # The date beside the version: the campaign's own (or SOURCE_DATE_EPOCH), never the clock.
    date = catalog.language.format_date(source_date(campaign).date())
    values["site"] = {"source_language": campaign.source_language, "date": date, **site}
    return render_template(env, name, values, "the download site")


def _index_page(campaign: Campaign, fonts: FontBook, languages: dict[str, Language], tags: list[str],
                stylesheet: str, script: str) -> Page:
    source = languages.get(campaign.source_language) or next(iter(languages.values()))
    items = [{"tag": t, "direction": languages[t].direction, "endonym": languages[t].endonym,
              "english_name": languages[t].english_name, "href": f"{t}/index.html"} for t in tags]
    html = _render(campaign, catalogs.load(campaign, source), fonts, INDEX_TEMPLATE,
                   {"root": "", "stylesheet": stylesheet, "script": script, "languages": items})
    own_names = [(languages[t], languages[t].endonym) for t in tags]
    english = visible_text(html)
    for _, name in own_names:
        english = english.replace(name, " ")
    runs = [(source, english), *own_names]
    return Page("index.html", html, tuple(runs))


def _language_page(campaign: Campaign, fonts: FontBook, language: Language, formats: list[dict[str, Any]],
                   stylesheet: str) -> Page:
    link = qr_link(campaign, language.tag)
    html = _render(campaign, catalogs.load(campaign, language), fonts, LANGUAGE_TEMPLATE,
                   {"root": "../", "stylesheet": stylesheet, "formats": formats,
                    "qr_svg": qr_svg(link, campaign.qr.error_correction)})
    return Page(f"{language.tag}/index.html", html, ((language, visible_text(html)),))


def _check_coverage(fonts: FontBook, pages: list[Page]) -> None:
    """Fail, as the PDF build does, on a character no font of its language has."""
    for page in pages:
        for language, text in page.runs:
            missing = fonts.uncovered(language, text)
            if missing:
                shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:12])
                raise RenderError(f"site {page.path}: no font in fonts/fonts.toml covers {shown} "
                                  f"({language.tag}); re-cut the subsets with `make fonts`")


# --- stylesheet, fonts, script -------------------------------------------------------


def _assets(campaign: Campaign, fonts: FontBook, languages: dict[str, Language], pages: list[Page],
            folder: SiteFolder, cache: Path) -> str:
    """Write the web fonts and the stylesheet; return the stylesheet's site path."""
    stacks = _stacks(fonts, languages, pages)
    text: dict[str, set[str]] = {}
    for page in pages:
        for language, run in page.runs:
            for family in fonts.stack(language):
                text.setdefault(family, set(ALWAYS_IN_FONTS)).update(run)
        for family in stacks["en"]:  # format names and English names are marked lang="en"
            text.setdefault(family, set(ALWAYS_IN_FONTS)).update(page.runs[0][1])
    faces = []
    for family in sorted(text):
        for source in fonts.families[family]:
            subset, weight, ranges = _subset(source, "".join(sorted(text[family])), cache)
            if subset is None:
                continue
            name = f"{source.stem.removesuffix('.subset')}.{sha256_bytes(subset)[:10]}.woff2"
            folder.put(f"{ASSETS}/fonts/{name}", subset)
            faces.append(f'@font-face {{ font-family: "{family}"; src: url("fonts/{name}") format("woff2"); '
                         f"font-weight: {weight}; font-style: normal; font-display: swap; "
                         f"unicode-range: {ranges}; }}")
    licence = fonts.folder / "OFL.txt"
    if licence.is_file():
        folder.put(f"{ASSETS}/fonts/OFL.txt", licence.read_bytes())
    accent, tint = _colours(campaign)
    rules = [f'[lang="{tag}"] {{ font-family: {", ".join(chr(34) + f + chr(34) for f in stack)}, sans-serif; }}'
             for tag, stack in stacks.items()]
    css = "\n".join([
        "/* Generated by `flyers site`: colours from campaign.toml, web fonts subset from fonts/",
        "   (SIL Open Font License, fonts/OFL.txt), then templates/site/site.css. */",
        f":root {{ --accent: {accent}; --tint: {tint}; }}",
        *faces, *rules, "",
        (campaign.templates_dir / STYLESHEET).read_text("utf-8"),
    ])
    data = css.encode("utf-8")
    rel = f"{ASSETS}/site.{sha256_bytes(data)[:10]}.css"
    folder.put(rel, data)
    return rel


def _stacks(fonts: FontBook, languages: dict[str, Language], pages: list[Page]) -> dict[str, tuple[str, ...]]:
    """Font stack per lang attribute used on the site (its languages and English)."""
    stacks = {language.tag: fonts.stack(language) for page in pages for language, _ in page.runs}
    if "en" not in stacks:
        english = languages.get("en")
        stacks["en"] = fonts.stack(english) if english else fonts.scripts.get("Latn", next(iter(stacks.values())))
    return stacks


def _subset(source: Path, text: str, cache: Path) -> tuple[bytes | None, int, str]:
    """A WOFF2 subset of ``source`` for ``text`` (cached): bytes, weight, unicode-range."""
    import uharfbuzz as hb
    from fontTools.ttLib import TTFont

    digest = hashlib.sha256(f"{SUBSET_VERSION}\0{text}\0".encode() + source.read_bytes()).hexdigest()[:32]
    cached, meta = cache / "fonts" / f"{digest}.woff2", cache / "fonts" / f"{digest}.json"
    if meta.is_file():
        info = json.loads(meta.read_text("utf-8"))
        if info["ranges"] is None:
            return None, 0, ""
        if cached.is_file():
            return cached.read_bytes(), info["weight"], info["ranges"]
    font = TTFont(source, fontNumber=0, lazy=True)
    cmap = font.getBestCmap() or {}
    wanted = sorted({ord(c) for c in text} & set(cmap))
    font.close()
    if not [c for c in wanted if chr(c) not in ALWAYS_IN_FONTS]:
        write_text(meta, json.dumps({"weight": 0, "ranges": None}))
        return None, 0, ""
    # HarfBuzz's subsetter: milliseconds where fontTools takes seconds on CJK outlines.
    subsetter = hb.SubsetInput()
    subsetter.sets(hb.SubsetInputSets.UNICODE).update(wanted)
    subsetter.sets(hb.SubsetInputSets.NAME_ID).update([0, 1, 2, 3, 4, 5, 6, 13, 14])  # keep the licence
    subsetter.flags = (hb.SubsetFlags.NO_HINTING | hb.SubsetFlags.DESUBROUTINIZE
                       | hb.SubsetFlags.NOTDEF_OUTLINE)
    cut = hb.subset(hb.Face(hb.Blob.from_file_path(str(source))), subsetter)
    font = TTFont(io.BytesIO(cut.blob.data))
    weight = font_weight(source)  # the style name where OS/2 is wrong (Nastaliq Bold says 400)
    buffer = io.BytesIO()
    font.flavor = "woff2"
    font.save(buffer, reorderTables=False)
    data = buffer.getvalue()
    ranges = _unicode_range(sorted(font.getBestCmap() or {}))
    write_bytes(cached, data)
    write_text(meta, json.dumps({"weight": weight, "ranges": ranges}))
    return data, weight, ranges


def _unicode_range(codes: Iterable[int]) -> str:
    """Code points as a compact CSS unicode-range: "U+20-7E, U+A0"."""
    spans: list[list[int]] = []
    for code in codes:
        if spans and code == spans[-1][1] + 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return ", ".join(f"U+{a:X}" if a == b else f"U+{a:X}-{b:X}" for a, b in spans)


def _colours(campaign: Campaign) -> tuple[str, str]:
    """Accent and tint in sRGB, adjusted so text on them keeps 4.5:1 contrast."""
    accent, tint = _rgb(campaign.colours["accent"]), _rgb(campaign.colours["tint"])
    white, black, ink = (255, 255, 255), (0, 0, 0), (17, 17, 17)
    while _contrast(tint, ink) < CONTRAST:  # a dark tint behind body text: lighten it
        tint = _mix(tint, white, 0.1)
    while min(_contrast(accent, white), _contrast(accent, tint)) < CONTRAST:  # a light accent: darken it
        accent = _mix(accent, black, 0.1)
    return _hex(accent), _hex(tint)


def _mix(rgb: tuple[int, int, int], toward: tuple[int, int, int], amount: float) -> tuple[int, int, int]:
    red, green, blue = (round(c + (t - c) * amount) for c, t in zip(rgb, toward, strict=True))
    return red, green, blue


def _rgb(cmyk: tuple[float, float, float, float]) -> tuple[int, int, int]:
    c, m, y, k = (v / 100 for v in cmyk)
    return (round(255 * (1 - c) * (1 - k)), round(255 * (1 - m) * (1 - k)), round(255 * (1 - y) * (1 - k)))


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{v:02x}" for v in rgb)


def _contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours."""

    def luminance(rgb: tuple[int, ...]) -> float:
        linear = [(v / 255) / 12.92 if v / 255 <= 0.03928 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _script(campaign: Campaign, folder: SiteFolder) -> str:
    """Copy the index's filter script under a content-hashed name; return its path."""
    data = (campaign.templates_dir / SCRIPT).read_bytes()
    rel = f"{ASSETS}/filter.{sha256_bytes(data)[:10]}.js"
    folder.put(rel, data)
    return rel

