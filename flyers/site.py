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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from . import audio as readings
from . import catalogs
from .build import CACHE_DIR, MANIFEST, BuildRequest, BuildResult, build
from .campaign import LENGTH_RE, Campaign, Format, load_campaign, source_date
from .errors import FlyersError, RenderError
from .files import sha256_bytes, write_bytes, write_text
from .fontstack import FontBook, load_fonts
from .home import SHEETS
from .languages import Language, resolve_all
from .model import PrintOptions
from .qr import encode, qr_link
from .render import font_fix
from .sitefonts import Faces, bold_text, page_faces
from .templating import context, make_environment, render_template, visible_text

SITE_DIR = "site"  # under the build's output folder
MARKER = ".kyr-flyers-site"  # proves a folder is ours before stale files are removed
ASSETS = "assets"
INDEX_TEMPLATE = "site/index.html"
LANGUAGE_TEMPLATE = "site/language.html"
STYLESHEET = "site/site.css"
SCRIPT = "site/site.js"
FONTS_SCRIPT = "site/fonts.js"  # holds a page unpainted until its fonts are in (optional in a workspace)
WORKER = "site/sw.js"
ALIASES = "site/aliases.toml"
MAIN_FORMAT = "letter"  # the flyer most people need: the big button under each title
PREVIEW_WIDTHS = (200, 400)  # shown at about 10rem: 1x and 2x screens pick from srcset
OG_WIDTH = 600  # the link-preview image (Open Graph)
PREVIEW_QUALITY = 72
PREVIEW_VERSION = "3"
ICON_SIZES = (192, 512)
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


@dataclass
class Shared:
    """What every page of one site build refers to."""

    campaign: Campaign
    fonts: FontBook
    languages: dict[str, Language]
    tags: list[str]
    cache: Path
    accent: str = ""
    stylesheet: str = ""
    script: str = ""
    fonts_script: str = ""


def build_site(root: Path, out: Path | None = None,
               on_progress: Callable[[int, int], None] | None = None) -> SiteResult:
    """Build every PDF (cached), then write the site from the manifest."""
    folder = SiteFolder(out or default_out(root))
    folder.claim(root)
    built = build(BuildRequest(root=root, out=root / "output"), on_progress)
    campaign = load_campaign(root)
    languages = resolve_all(campaign)
    entries = _manifest(root / "output", {a.path for a in built.artifacts})
    tags = [t for t in campaign.languages if any(e["language"] == t for e in entries)]
    shared = Shared(campaign, load_fonts(campaign.fonts_dir, "screen"), languages, tags,
                    campaign.root / CACHE_DIR / "site")
    downloads = {tag: _downloads(campaign, languages[tag], entries, root / "output", folder, shared.cache)
                 for tag in tags}
    audio = {tag: _audio(campaign, languages[tag], folder) for tag in tags}
    shared.accent, _ = _colours(campaign)
    shared.stylesheet = _stylesheet(shared, folder)
    shared.script = _copy_asset(campaign, folder, SCRIPT)
    if (campaign.templates_dir / FONTS_SCRIPT).is_file():  # a workspace from before it has none
        shared.fonts_script = _copy_asset(campaign, folder, FONTS_SCRIPT)

    def render_all(final: dict[str, Faces] | None) -> list[Page]:
        pages = [_index_page(shared, final)]
        pages += [_language_page(shared, languages[tag], downloads[tag], audio[tag], final) for tag in tags]
        return pages

    # Each page's fonts are cut to its own text: render once for the text, then
    # again with the @font-face rules (which add no text).
    draft = render_all(None)
    _check_coverage(shared.fonts, draft)
    faces = {page.path: _faces(shared, page) for page in draft}
    for own in faces.values():
        for rel, data in own.files.items():
            folder.put(rel, data)
    pages = render_all(faces)
    for page in pages:
        folder.put(page.path, page.html.encode("utf-8"))
    _app_files(shared, pages, folder)
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


def _copy_pdf(output: Path, entry: dict[str, Any], tag: str, folder: SiteFolder) -> tuple[str, bytes]:
    """Copy one manifest PDF into the language's folder, checked against its sha256."""
    data = (output / entry["path"]).read_bytes()
    if sha256_bytes(data) != entry["sha256"]:
        raise FlyersError(f"{output / entry['path']}: differs from {output / MANIFEST}; "
                          "run `flyers build` again")
    filename = Path(entry["path"]).name
    folder.put(f"{tag}/{filename}", data)
    return filename, data


def _downloads(campaign: Campaign, language: Language, entries: list[dict[str, Any]], output: Path,
               folder: SiteFolder, cache: Path) -> dict[str, Any]:
    """Copy a language's PDFs into the site, make previews; describe them for its page."""
    tag = language.tag
    mine = [e for e in entries if e["language"] == tag]
    cut: dict[tuple[str, str], dict[str, Any]] = {(e["format"], e["variant"]): e for e in mine}
    items = []
    for name, fmt in campaign.formats.items():
        home, shop = cut.get((name, "home")), cut.get((name, "print"))
        if home is None or shop is None:
            continue
        item: dict[str, Any] = {"name": name, "size": _dimensions(fmt)}
        for variant, entry in (("home", home), ("print", shop)):
            filename, data = _copy_pdf(output, entry, tag, folder)
            item[variant] = {"href": filename, "size": _file_size(len(data), language)}
            if variant == "home":
                item["preview"], item["og"] = _previews(data, name, tag, folder, cache)
        items.append(item)
    sheets = []
    order = [s.name for s in SHEETS]
    for entry in sorted((e for e in mine if e["variant"] == "home-sheet"),
                        key=lambda e: order.index(f"{e['format']}-sheet-{e.get('sheet')}")
                        if f"{e['format']}-sheet-{e.get('sheet')}" in order else len(order)):
        filename, data = _copy_pdf(output, entry, tag, folder)
        copies = next((s.copies for s in SHEETS if s.format == entry["format"]), 0)
        sheets.append({"href": filename, "format": entry["format"], "paper": entry.get("sheet", ""),
                       "size": _file_size(len(data), language), "copies": copies,
                       "duplex": int(entry.get("pages", 1)) > 1})
    main = next((i for i in items if i["name"] == MAIN_FORMAT), items[0] if items else None)
    return {"formats": items, "sheets": sheets, "main": main}


def _audio(campaign: Campaign, language: Language, folder: SiteFolder) -> dict[str, Any] | None:
    """Copy the language's reading (see flyers.audio) next to its page; describe it."""
    recording = readings.find(campaign, language.tag)
    if recording is None:
        return None
    name = f"reading{recording.path.suffix}"
    folder.put(f"{language.tag}/{name}", recording.path.read_bytes())
    return {"href": name, "computer": recording.computer, "transcript": recording.transcript}


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


def _previews(pdf: bytes, name: str, tag: str, folder: SiteFolder,
              cache: Path) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """WebP previews of the first page at each PREVIEW_WIDTHS width (for srcset), and for
    the main format a JPEG for link previews (Open Graph), all cached by the PDF's hash."""
    from PIL import Image

    key = hashlib.sha256(f"{PREVIEW_VERSION}:{PREVIEW_WIDTHS}:{PREVIEW_QUALITY}:".encode() + pdf).hexdigest()[:32]
    files = {width: cache / "previews" / f"{key}-{width}.webp" for width in PREVIEW_WIDTHS}
    og_file = cache / "previews" / f"{key}-og.jpg"
    if not all(path.is_file() for path in (*files.values(), og_file)):
        image = _render_first_page(pdf, OG_WIDTH)
        for width, path in files.items():
            small = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
            buffer = io.BytesIO()
            small.save(buffer, "WEBP", quality=PREVIEW_QUALITY, method=4)  # 6 is 3x slower for ~3% smaller
            write_bytes(path, buffer.getvalue())
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=80, optimize=True, progressive=True)
        write_bytes(og_file, buffer.getvalue())
    sizes = {}
    for width, path in files.items():
        data = path.read_bytes()
        folder.put(f"{tag}/preview-{name}-{width}.webp", data)
        with Image.open(io.BytesIO(data)) as image:
            sizes[width] = image.height
    small = min(PREVIEW_WIDTHS)
    preview = {"src": f"preview-{name}-{small}.webp", "width": small, "height": sizes[small],
               "srcset": ", ".join(f"preview-{name}-{w}.webp {w}w" for w in PREVIEW_WIDTHS)}
    if name != MAIN_FORMAT:
        return preview, None
    data = og_file.read_bytes()
    folder.put(f"{tag}/share-{name}.jpg", data)
    with Image.open(io.BytesIO(data)) as image:
        return preview, {"href": f"share-{name}.jpg", "width": image.width, "height": image.height}


def _render_first_page(pdf: bytes, width: int) -> Any:
    """The PDF's first page as an RGB image ``width`` pixels wide (PDFium)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        return page.render(scale=width / page.get_width(), may_draw_forms=False).to_pil().convert("RGB")
    finally:
        document.close()


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
    values["site"] = {"source_language": campaign.source_language, "date": date,
                      "sections": campaign.sections, **site}  # exactly what the flyers carry
    return render_template(env, name, values, "the download site")


def _frame(shared: Shared, language: Language, path: str, faces: dict[str, Faces] | None) -> dict[str, Any]:
    """What base.html needs: assets, this page's fonts, share meta and alternates."""
    root = "../" * path.count("/")
    url = shared.campaign.site_url
    page_faces = faces.get(path) if faces else None
    return {
        "root": root, "stylesheet": shared.stylesheet, "script": shared.script, "fonts_script": shared.fonts_script,
        "accent": shared.accent,
        "faces": Markup(page_faces.css.replace("{root}", root)) if page_faces else "",
        "preload": page_faces.preload if page_faces else (),
        "url": f"{url}/{path.removesuffix('index.html')}" if url else "",
        "alternates": [{"hreflang": t, "href": f"{url}/{t}/"} for t in shared.tags]
                      + [{"hreflang": "x-default", "href": f"{url}/"}],
        "og_locale": _og_locale(language), "og_image": None,
    }


def _og_locale(language: Language) -> str:
    """The Open Graph locale, language_TERRITORY ("es_US" style, from CLDR likely subtags)."""
    from babel import Locale
    from babel.core import get_global

    locale = Locale.parse(language.formatting_locale)
    territory = locale.territory
    if not territory:
        likely = str(get_global("likely_subtags").get(str(locale), "") or get_global("likely_subtags")
                     .get(locale.language, ""))
        territory = next((part for part in likely.split("_")[1:] if len(part) == 2 and part.isupper()), "")
    return f"{locale.language}_{territory}" if territory else locale.language


def _index_page(shared: Shared, faces: dict[str, Faces] | None) -> Page:
    languages, tags, campaign = shared.languages, shared.tags, shared.campaign
    source = languages.get(campaign.source_language) or next(iter(languages.values()))
    names = find_names(campaign, languages, tags)
    items = [{"tag": t, "direction": languages[t].direction, "endonym": languages[t].endonym,
              "english_name": languages[t].english_name, "href": f"{t}/index.html", "names": names[t]}
             for t in tags]
    site = _frame(shared, source, "index.html", faces)
    site.update({"languages": items, "count_markup": Markup(f'<span class="n">{len(tags)}</span>')})
    html = _render(campaign, catalogs.load(campaign, source), shared.fonts, INDEX_TEMPLATE, site)
    own_names = [(languages[t], languages[t].endonym) for t in tags]
    english = visible_text(html)
    for _, name in own_names:
        english = english.replace(name, " ")
    runs = [(source, english), *own_names]
    return Page("index.html", html, tuple(runs))


def _language_page(shared: Shared, language: Language, downloads: dict[str, Any], audio: dict[str, Any] | None,
                   faces: dict[str, Faces] | None) -> Page:
    campaign = shared.campaign
    link = qr_link(campaign, language.tag)
    path = f"{language.tag}/index.html"
    site = _frame(shared, language, path, faces)
    main = downloads["main"]
    if site["url"] and main and main.get("og"):
        site["og_image"] = {**main["og"], "href": f"{site['url']}{main['og']['href']}"}
    title = catalogs.load(campaign, language).gettext("Know Your Rights") or ""
    share_text = f"{title} · {language.endonym} {site['url']}".strip()
    site.update({**downloads, "audio": audio, "qr_svg": qr_svg(link, campaign.qr.error_correction),
                 "whatsapp": "https://wa.me/?text=" + quote(share_text, safe="") if site["url"] else "#"})
    html = _render(campaign, catalogs.load(campaign, language), shared.fonts, LANGUAGE_TEMPLATE, site)
    return Page(path, html, ((language, visible_text(html)),))


def find_names(campaign: Campaign, languages: dict[str, Language], tags: list[str]) -> dict[str, str]:
    """What a visitor may type to find each language, for the index's filter.

    Its own name, English name and tag; its name in each of the campaign's
    languages (CLDR, through Babel), also under the related codes listed in
    templates/site/aliases.toml (Tagalog for Filipino, Cantonese for Traditional
    Chinese...); and that file's aliases, names people use that CLDR does not
    give ("Bengali", "Farsi", "Myanmar", "हिंदी").
    """
    from babel import Locale

    aliases, codes = _aliases(campaign)
    locales = []
    for tag in tags:
        try:
            locales.append(Locale.parse(languages[tag].formatting_locale))
        except (ValueError, TypeError):
            continue
    names: dict[str, str] = {}
    for tag in tags:
        language = languages[tag]
        keys = [language.locale_id, language.locale_id.split("_")[0], *codes.get(tag, [])]
        found = [language.endonym, language.english_name, tag, *aliases.get(tag, [])]
        for locale in locales:
            found += [str(locale.languages[key]) for key in keys if key in locale.languages]
        names[tag] = " | ".join(dict.fromkeys(n.strip() for n in found if n.strip()))
    return names


def _aliases(campaign: Campaign) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """templates/site/aliases.toml: [aliases] tag = [names], [codes] tag = [CLDR codes]."""
    import tomllib

    path = campaign.templates_dir / ALIASES
    if not path.is_file():
        return {}, {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FlyersError(f"{path}: cannot read ({exc})") from None
    tables = []
    for table in ("aliases", "codes"):
        value = data.get(table, {})
        if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(n, str) for n in v) for v in value.values()):
            raise FlyersError(f"{path}: [{table}] must map language tags to lists of strings")
        tables.append({str(k): list(v) for k, v in value.items()})
    return tables[0], tables[1]


def _check_coverage(fonts: FontBook, pages: list[Page]) -> None:
    """Fail, as the PDF build does, on a character no font of its language has."""
    for page in pages:
        for language, text in page.runs:
            missing = fonts.uncovered(language, text)
            if missing:
                shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:12])
                raise RenderError(f"site {page.path}: no font in fonts/fonts.toml covers {shown} "
                                  f"({language.tag}); {font_fix(fonts.folder)}")


# --- stylesheet, fonts, script, app files ---------------------------------------------


def _faces(shared: Shared, page: Page) -> Faces:
    """A page's own web fonts: subsets of its families cut to its text."""
    english = shared.languages.get("en")
    extra = shared.fonts.stack(english) if english else shared.fonts.scripts.get("Latn", ())
    return page_faces(shared.fonts, page.runs, bold_text(page.html), tuple(extra), shared.cache)


def _stylesheet(shared: Shared, folder: SiteFolder) -> str:
    """Write the shared stylesheet (colours, font stacks, site.css); return its site path."""
    campaign, fonts = shared.campaign, shared.fonts
    licence = fonts.folder / "OFL.txt"
    if licence.is_file():
        folder.put(f"{ASSETS}/fonts/OFL.txt", licence.read_bytes())
    accent, tint = _colours(campaign)
    stacks = {tag: fonts.stack(shared.languages[tag]) for tag in shared.tags}
    english = shared.languages.get("en")
    stacks.setdefault("en", fonts.stack(english) if english else fonts.scripts.get("Latn", ()))
    rules = [f'[lang="{tag}"] {{ font-family: {", ".join(chr(34) + f + chr(34) for f in stack)}, sans-serif; }}'
             for tag, stack in stacks.items() if stack]
    css = "\n".join([
        "/* Generated by `flyers site`: colours from campaign.toml, font stacks from fonts/fonts.toml",
        "   (each page declares its own web-font subsets, SIL Open Font License, fonts/OFL.txt),",
        "   then templates/site/site.css. */",
        f":root {{ --accent: {accent}; --tint: {tint}; }}",
        *rules, "",
        (campaign.templates_dir / STYLESHEET).read_text("utf-8"),
    ])
    data = css.encode("utf-8")
    rel = f"{ASSETS}/site.{sha256_bytes(data)[:10]}.css"
    folder.put(rel, data)
    return rel


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


def _copy_asset(campaign: Campaign, folder: SiteFolder, name: str) -> str:
    """Copy a template asset under a content-hashed name; return its site path."""
    source = campaign.templates_dir / name
    data = source.read_bytes()
    rel = f"{ASSETS}/{source.stem}.{sha256_bytes(data)[:10]}{source.suffix}"
    folder.put(rel, data)
    return rel


def _app_files(shared: Shared, pages: list[Page], folder: SiteFolder) -> None:
    """Icons, the web app manifest and the service worker (named by the pages' hash)."""
    campaign = shared.campaign
    for size in ICON_SIZES:
        folder.put(f"icon-{size}.png", _icon(shared, size))
    folder.put("favicon.ico", _icon(shared, 48, "ICO"))
    source = shared.languages.get(campaign.source_language) or next(iter(shared.languages.values()))
    name = catalogs.load(campaign, source).gettext("Know Your Rights") or "Know Your Rights"
    manifest = {
        "name": name, "short_name": name, "lang": source.tag, "dir": source.direction,
        "start_url": "./index.html", "scope": "./", "display": "standalone",
        "background_color": "#ffffff", "theme_color": shared.accent,
        "icons": [{"src": f"icon-{size}.png", "sizes": f"{size}x{size}", "type": "image/png", "purpose": "any"}
                  for size in ICON_SIZES],
    }
    folder.put("manifest.webmanifest", json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8"))
    version = hashlib.sha256(b"".join(page.html.encode("utf-8") for page in pages)).hexdigest()[:12]
    worker = (campaign.templates_dir / WORKER).read_text("utf-8").replace("__VERSION__", version)
    folder.put("sw.js", worker.encode("utf-8"))


def _icon(shared: Shared, size: int, kind: str = "PNG") -> bytes:
    """The site's icon: the campaign's accent colour with a white check-shield mark (no text, no font)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), shared.accent)
    draw = ImageDraw.Draw(image)
    s = size / 16
    draw.polygon([(8 * s, 2 * s), (13 * s, 4 * s), (13 * s, 8 * s), (8 * s, 14 * s), (3 * s, 8 * s), (3 * s, 4 * s)],
                 fill="#ffffff")
    draw.line([(5.5 * s, 8 * s), (7.3 * s, 9.8 * s), (10.7 * s, 6 * s)], fill=shared.accent, width=max(1, round(s)))
    buffer = io.BytesIO()
    image.save(buffer, kind, **({"sizes": [(size, size)]} if kind == "ICO" else {"optimize": True}))
    return buffer.getvalue()
