"""Build a campaign: every (language, format) master, cut for home and for print.

Flow: validate everything first (campaign, fonts, catalogs, selection), render
the masters in worker processes (cached by content hash), and only when every
master exists write the deliverables -- so a failing language never leaves a
half-built ``output/``.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import __version__, catalogs
from .audio import copy_to_output
from .campaign import Campaign, Format, load_campaign, source_date
from .defaults import DEFAULTS
from .errors import CatalogError, RenderError, UsageError
from .files import clean_temp_files, has_digest, sha256_bytes, write_bytes, write_json
from .fontstack import FontBook, fontconfig_file, load_fonts
from .home import home_piece, sheet_pdf, sheets_for
from .languages import Names, SpokenLanguage, primary_spoken, resolve_all, resolve_spoken
from .model import Area, Master, PrintOptions, Slot
from .preflight import LAYOUT_RULES
from .qr import qr_alt, qr_code, refuse_placeholder_link
from .render import render_master
from .stamp import single_piece
from .workers import run_jobs

MANIFEST = "manifest.json"
CACHE_DIR = ".cache"
SITE_TEMPLATES = "site"  # templates/site/: the download site (flyers.site), not the PDFs
SPOKEN_PREFIX = "spoken/"  # a spoken language's own cards: their key in the rendered masters, and their folder


@dataclass(frozen=True)
class BuildRequest:
    """What to build and how strict to be."""

    root: Path
    out: Path
    languages: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    strict: bool = False
    require_reviewed: bool = False
    timeout_s: float = DEFAULTS.timeout_s  # per page; a pathological translation fails instead of hanging
    # Why every language must build, as the refusal says it: the option a user passed,
    # or the command that needs it (a print batch needs every ordered language).
    strict_reason: str = "--strict"
    strict_config: bool = False  # unknown campaign.toml keys and sections are errors (the user's --strict)


@dataclass(frozen=True)
class Artifact:
    """One written file, as the manifest lists it."""

    path: str
    language: str
    format: str
    variant: str  # "home", "print" or "home-sheet"
    pages: int
    sha256: str
    review_status: str
    font_size_pt: float
    source: str = ""  # hash of everything that made this file: a rebuild skips it when unchanged
    spoken: str = ""  # the spoken language a card or interpreter card names (per_spoken_language formats)
    sheet: str = ""  # home sheets only: the paper ("letter", "a4") the copies are laid out on

    def as_dict(self) -> dict[str, object]:
        return {k: v for k, v in self.__dict__.items() if k != "sheet" or v}


@dataclass
class BuildResult:
    """What happened, for the summary table and the exit status."""

    artifacts: list[Artifact] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # not ready yet (missing, fuzzy): exit 0
    failed: dict[str, str] = field(default_factory=dict)  # broken catalogs: the others build, exit 1
    cached: int = 0
    rendered: int = 0
    warnings: tuple[str, ...] = ()
    stale: list[str] = field(default_factory=list)  # files moved out of output/


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to render one master (picklable)."""

    campaign: Campaign
    format: Format
    catalog: catalogs.LoadedCatalog
    fonts: FontBook
    options: PrintOptions
    key: str
    spoken: SpokenLanguage | None = None


@dataclass(frozen=True)
class Plan:
    """A validated build: the campaign and the (language, format) pairs to make.

    ``spoken`` are the campaign's spoken languages; ``extra_spoken`` those that
    are no written language's own and so get cards of their own
    (output/spoken/TAG/), rendered in their written language's catalog, or in
    the source language's when they have none.
    """

    campaign: Campaign
    fonts: FontBook
    template: catalogs.Templates
    loaded: dict[str, catalogs.LoadedCatalog]
    formats: tuple[str, ...]
    skipped: dict[str, str]
    failed: dict[str, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()  # the languages asked for (built or not)
    spoken: dict[str, SpokenLanguage] = field(default_factory=dict)
    extra_spoken: tuple[str, ...] = ()

    def spoken_catalog(self, spoken: SpokenLanguage) -> catalogs.LoadedCatalog | None:
        """The catalog a spoken language's own cards are rendered in (None: not built)."""
        return self.loaded.get(spoken.written or self.campaign.source_language)


def plan(request: BuildRequest, names: Names | None = None) -> Plan:
    """Validate everything a build needs before any rendering starts.

    A language that cannot be built (no catalog, sentences missing, a broken
    catalog) is left out and named, never printed in English; the others are
    built.  ``strict`` makes any of that an error before anything renders.
    ``names``: the languages already resolved (a batch resolves them apart).
    """
    campaign = load_campaign(request.root, strict=request.strict_config)
    fonts = load_fonts(campaign.fonts_dir)
    languages = names[0] if names else resolve_all(campaign)
    for language in languages.values():  # a language without fonts is a campaign error, asked for or not
        fonts.stack(language)
    selected_langs = _select(request.languages, tuple(languages), "language", "flyers languages")
    selected_formats = _select(request.formats, tuple(campaign.formats), "format", "flyers formats")
    refuse_placeholder_link(campaign, selected_formats)
    template = catalogs.templates(campaign)
    loaded: dict[str, catalogs.LoadedCatalog] = {}
    skipped: dict[str, str] = {}
    failed: dict[str, str] = {}
    for tag in selected_langs:
        try:
            catalog = catalogs.load(campaign, languages[tag])
        except catalogs.CatalogMissing:
            skipped[tag] = _next_step(campaign, tag, template)
            continue
        except CatalogError as exc:
            failed[tag] = exc.render()
            continue
        reason = _refusal(catalog, template, request)
        if reason:
            skipped[tag] = reason
        else:
            loaded[tag] = catalog
    if (skipped or failed) and request.strict:
        raise CatalogError(f"{request.strict_reason}: some languages cannot be built",
                           [f"{tag}: {why}" for tag, why in {**failed, **skipped}.items()])
    spoken = names[1] if names else resolve_spoken(campaign, languages)
    primaries = set(primary_spoken(campaign, spoken).values())
    extra = tuple(tag for tag, item in spoken.items() if tag not in primaries)
    for item in spoken.values():  # a spoken language without fonts is a campaign error, asked for or not
        fonts.widened(languages[campaign.source_language], (item.script,))
    return Plan(campaign, fonts, template, loaded, selected_formats, skipped, failed, selected_langs, spoken, extra)


def _next_step(campaign: Campaign, tag: str, template: catalogs.Templates) -> str:
    """What a language without a catalog needs, and the command that starts it."""
    language = resolve_all(campaign)[tag]
    local = [m for m in template.local if m.id and not m.context]
    has_core = catalogs.core_po_path(campaign, language).is_file()
    todo = len(local) if has_core else len(template.msgids())
    folder = catalogs.po_path(campaign, language).parent.parent.relative_to(campaign.root)
    return (f"no catalog yet ({todo} sentences to translate); run `flyers translations add {tag}`, "
            f"then send {folder}/ to a translator")


def _select(asked: tuple[str, ...], known: tuple[str, ...], what: str, hint: str) -> tuple[str, ...]:
    unknown = [a for a in asked if a not in known]
    if unknown:
        raise UsageError(
            f"unknown {what}(s): {', '.join(unknown)}; the campaign has: {', '.join(known)} (see `{hint}`)"
        )
    return tuple(a for a in known if a in asked) if asked else known


def _refusal(catalog: catalogs.LoadedCatalog, template: catalogs.Templates, request: BuildRequest) -> str:
    """Why a language must not be printed, or '' when it may."""
    missing = catalogs.missing(catalog, template)
    if missing:
        where = sorted({str(catalog.where(m)) for m in missing})
        return (f"{len(missing)} sentence(s) missing or fuzzy in {' and '.join(where)}; first: {missing[0]!r}; "
                "translate them (`flyers translations status` lists the languages)")
    if request.require_reviewed and not catalog.source and catalog.review.status != "reviewed":
        return f"--require-reviewed: {catalog.path} is a {catalog.review.status} translation"
    return ""


def cache_key(campaign: Campaign, fmt: Format, catalog: catalogs.LoadedCatalog, fonts: FontBook,
              options: PrintOptions, spoken: SpokenLanguage | None = None) -> str:
    """A hash of every input that can change a master's bytes."""
    digest = hashlib.sha256()
    # The version from package metadata: importing WeasyPrint here would cost a
    # second and start fontconfig in this process, which must stay font-free.
    digest.update(f"flyers {__version__} weasyprint {metadata.version('weasyprint')} {LAYOUT_RULES}\n".encode())
    digest.update(source_date(campaign).isoformat().encode())
    # Content only, never where the workspace or the engine lives: the same campaign
    # copied elsewhere, or built by a checkout at another path (the core catalogs ship
    # with the engine), must give the same bytes (the key also becomes the PDF's /ID).
    portable = dataclasses.replace(campaign, root=Path("."), orders=None)
    loaded = dataclasses.replace(catalog, path=None, core_path=None)
    profile = file_digest(options.profile) if options.profile else b""
    digest.update(pickle.dumps((portable, fmt, loaded, options.bleed_in, profile, spoken), protocol=5))
    digest.update(_templates_digest(campaign.templates_dir))
    digest.update(_templates_digest(catalogs.core_templates_dir()))
    for path in fonts.files(catalog.language):
        digest.update(path.name.encode() + b"\0" + file_digest(path))
    return digest.hexdigest()[:32]


def _templates_digest(folder: Path) -> bytes:
    """The flyer templates' content.  The download site's templates (templates/site/)
    never reach a PDF: restyling the site must not re-render every flyer."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and SITE_TEMPLATES not in path.relative_to(folder).parts[:1]:
            digest.update(path.name.encode() + b"\0" + file_digest(path))
    return digest.digest()


def file_digest(path: Path) -> bytes:
    """SHA-256 of a file, remembered while its size and mtime stay the same."""
    info = path.stat()
    return _digest_of(path, info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=512)
def _digest_of(path: Path, size: int, mtime_ns: int) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()


def _render_job(job: Job) -> Master:
    """Worker entry point."""
    return render_master(job.campaign, job.format, job.catalog, job.fonts, job.options,
                         identifier=job.key.encode("ascii")[:16], spoken=job.spoken)


def masters(build_plan: Plan, on_done: Callable[[], None] | None = None,
            profile: Path | None = None,
            timeout_s: float = DEFAULTS.timeout_s) -> tuple[dict[tuple[str, str], Master], int]:
    """Render (or take from the cache) every master of the plan.

    ``profile`` is the CMYK output intent (default: the campaign's GRACoL profile).
    """
    campaign = build_plan.campaign
    cache = campaign.root / CACHE_DIR / "masters"
    options = PrintOptions(profile=profile or campaign.root / DEFAULTS.profile)
    results: dict[tuple[str, str], Master] = {}
    jobs: list[Job] = []
    pairs: list[tuple[str, str]] = []
    for tag, name, catalog, spoken in pieces(build_plan):
        fmt = campaign.formats[name]
        fonts = build_plan.fonts.widened(catalog.language, (spoken.script,)) if spoken else build_plan.fonts
        key = cache_key(campaign, fmt, catalog, fonts, options, spoken)
        hit = _cache_get(cache, key)
        if hit is not None:
            results[(tag, name)] = dataclasses.replace(hit, key=key)
            if on_done:
                on_done()
        else:
            jobs.append(Job(campaign, fmt, catalog, fonts, options, key, spoken))
            pairs.append((tag, name))
    conf = fontconfig_file(build_plan.fonts, campaign.root / CACHE_DIR)
    labels = [f"{t}/{f}" for t, f in pairs]
    for index, master in run_jobs(_render_job, jobs, conf, labels, timeout_s=timeout_s,
                                  on_done=(lambda _i: on_done()) if on_done else None):
        results[pairs[index]] = dataclasses.replace(master, key=jobs[index].key)
        _cache_put(cache, jobs[index].key, master)
    return results, len(jobs)


def pieces(build_plan: Plan) -> list[tuple[str, str, catalogs.LoadedCatalog, SpokenLanguage | None]]:
    """Every master to make: (output tag, format, catalog, spoken language or None).

    Each written language in every format; then every extra spoken language in
    the formats made per spoken language, under its own tag.
    """
    out: list[tuple[str, str, catalogs.LoadedCatalog, SpokenLanguage | None]] = []
    for tag, catalog in build_plan.loaded.items():
        out += [(tag, name, catalog, None) for name in build_plan.formats]
    for tag in build_plan.extra_spoken:
        spoken = build_plan.spoken[tag]
        found = build_plan.spoken_catalog(spoken)
        if found is None:
            continue
        for name in build_plan.formats:
            fmt = build_plan.campaign.formats[name]
            # A wallet card's front is read by its holder: only with a written language.
            if fmt.per_spoken_language and (spoken.written or not fmt.has_qr):
                out.append((SPOKEN_PREFIX + tag, name, found, spoken))
    return out


def _cache_get(cache: Path, key: str) -> Master | None:
    pdf, meta, home = cache / f"{key}.pdf", cache / f"{key}.json", cache / f"{key}.home.pdf"
    if not (pdf.is_file() and meta.is_file() and home.is_file()):
        return None
    try:
        info = json.loads(meta.read_text("utf-8"))
        data, home_data = pdf.read_bytes(), home.read_bytes()
        if sha256_bytes(data) != info["sha256"] or sha256_bytes(home_data) != info["home_sha256"]:
            return None
        return Master(pdf=data, pages=info["pages"], font_size_pt=info["font_size_pt"],
                      slots=tuple(Slot(**s) for s in info["slots"]), text=info["text"],
                      imprints=tuple(Area(**a) for a in info["imprints"]), layout=tuple(info["layout"]),
                      home_pdf=home_data)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_put(cache: Path, key: str, master: Master) -> None:
    write_bytes(cache / f"{key}.pdf", master.pdf)
    write_bytes(cache / f"{key}.home.pdf", master.home_pdf)
    write_json(cache / f"{key}.json", {
        "sha256": sha256_bytes(master.pdf), "home_sha256": sha256_bytes(master.home_pdf),
        "pages": master.pages, "font_size_pt": master.font_size_pt,
        "slots": [s.__dict__ for s in master.slots], "text": master.text,
        "imprints": [a.__dict__ for a in master.imprints], "layout": list(master.layout),
    })


def artifact_paths(tag: str, fmt: str, folder: str = "flyers") -> dict[str, str]:
    """Where the two cuts of a (language, format) go, relative to output/.

    A spoken language's own cards go under ``spoken/`` instead of ``flyers/``.
    """
    return {
        "home": f"{folder}/{tag}/kyr-{tag}-{fmt}.pdf",
        "print": f"{folder}/{tag}/kyr-{tag}-{fmt}-print.pdf",
    }


def write_deliverables(build_plan: Plan, rendered: dict[tuple[str, str], Master], out: Path) -> list[Artifact]:
    """Stamp QR codes, cut home and print versions and home sheets, write them and the manifest.

    A file whose inputs (master, link, cut) are unchanged and whose bytes are
    still what the manifest says is left alone: a warm rebuild stamps nothing.
    """
    campaign = build_plan.campaign
    previous = _manifest_entries(out)
    artifacts: list[Artifact] = []
    pending: list[tuple[Path, bytes]] = []
    primaries = primary_spoken(campaign, build_plan.spoken)

    def cut(rel: str, source: str, make: Callable[..., bytes], *args: object) -> tuple[str, bytes | None]:
        """(sha256, new bytes or None when the file on disk is still current)."""
        old = previous.get(rel)
        if old and old.get("source") == source and has_digest(out / rel, str(old.get("sha256"))):
            return str(old["sha256"]), None
        data = make(*args)
        pending.append((out / rel, data))
        return sha256_bytes(data), data

    for (tag, name), master in sorted(rendered.items()):
        fmt = campaign.formats[name]
        extra = build_plan.spoken[tag.removeprefix(SPOKEN_PREFIX)] if tag.startswith(SPOKEN_PREFIX) else None
        catalog = build_plan.spoken_catalog(extra) if extra else build_plan.loaded[tag]
        assert catalog is not None
        spoken_tag = extra.tag if extra else (primaries.get(tag, "") if fmt.per_spoken_language else "")
        code = qr_code(campaign, catalog.language, fmt, master)
        status = "source" if catalog.source else catalog.review.status
        out_tag, folder = (extra.tag, "spoken") if extra else (tag, "flyers")
        link = code.link if code else ""
        paths = artifact_paths(out_tag, name, folder)
        alt = qr_alt(catalog, link)
        home_data: bytes | None = None
        for variant, rel in paths.items():
            source = sha256_bytes(f"{master.key}\0{link}\0{variant}".encode())[:32]
            if variant == "home":
                digest, home_data = cut(rel, source, home_piece, master.home_pdf, master.slots, code, rel, alt)
            else:
                digest, _ = cut(rel, source, single_piece, master.pdf, master.slots, code, rel, False)
            artifacts.append(Artifact(rel, catalog.language.tag, name, variant, master.pages, digest, status,
                                      master.font_size_pt, source, spoken_tag))
        for sheet in [] if extra else sheets_for(name, fmt.width.pt, fmt.height.pt):  # written languages only
            rel = f"{folder}/{out_tag}/kyr-{out_tag}-{sheet.name}.pdf"
            source = sha256_bytes(f"{master.key}\0{link}\0{sheet.name}".encode())[:32]
            piece = home_data if home_data is not None else (out / paths["home"]).read_bytes()
            digest, _ = cut(rel, source, sheet_pdf, piece, sheet, rel)
            artifacts.append(Artifact(rel, catalog.language.tag, name, "home-sheet", master.pages, digest, status,
                                      master.font_size_pt, source, spoken_tag, sheet=sheet.paper))
    for path, data in pending:
        write_bytes(path, data)
    if artifacts or (out / MANIFEST).is_file():  # nothing built (every language left out): no output/ at all
        write_manifest(out, artifacts, copy_to_output(campaign, sorted({a.language for a in artifacts}), out))
    return artifacts


def current_paths(campaign: Campaign, languages: tuple[str, ...], formats: tuple[str, ...],
                  built: set[str]) -> set[str]:
    """The output paths the campaign still makes: this run's files, and those of the
    (language, format) pairs of campaign.toml this run was not asked for."""
    keep = set(built)
    for tag in campaign.languages:
        for name, fmt in campaign.formats.items():
            if tag not in languages or name not in formats:
                keep.update(artifact_paths(tag, name).values())
                keep.update(f"flyers/{tag}/kyr-{tag}-{sheet.name}.pdf"
                            for sheet in sheets_for(name, fmt.width.pt, fmt.height.pt))
    return keep


def sweep_stale(campaign: Campaign, out: Path, keep: set[str], folders: tuple[str, ...] = ("flyers",)) -> list[str]:
    """Move PDFs under output/flyers/ (and spoken/) that the campaign no longer makes out of output/.

    A language left out (its English changed, its catalog broke) or dropped
    from campaign.toml must not leave its old flyers where a print shop or the
    site would take them.  They go to ``.cache/stale-output/`` (not deleted:
    someone may want to compare), and the manifest stops listing them.
    """
    moved: list[str] = []
    aside = campaign.root / CACHE_DIR / "stale-output"
    for folder in (out / name for name in folders):
        for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
            rel = path.relative_to(out).as_posix()
            if not path.is_file() or rel in keep:
                continue
            target = aside / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(rel)
        for sub in sorted(folder.rglob("*"), reverse=True) if folder.is_dir() else ():
            if sub.is_dir() and not any(sub.iterdir()):
                sub.rmdir()
    if moved:
        entries = _manifest_entries(out)
        try:
            manifest = json.loads((out / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError):
            manifest = {}
        manifest = manifest if isinstance(manifest, dict) else {}
        manifest["artifacts"] = [entries[k] for k in sorted(entries) if k not in moved]  # audio etc. kept
        write_json(out / MANIFEST, manifest)
    return moved


def _manifest_entries(out: Path) -> dict[str, dict[str, object]]:
    """The manifest's entries by path ({} when there is none or it is unreadable)."""
    try:
        return {e["path"]: e for e in json.loads((out / MANIFEST).read_text("utf-8")).get("artifacts", [])}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def write_manifest(out: Path, artifacts: list[Artifact], audio: list[dict[str, object]] | None = None) -> None:
    """Merge new artifacts into output/manifest.json, dropping entries whose file is gone.

    ``audio`` lists the recordings copied to output/audio/ (see flyers.audio).
    """
    entries = {path: e for path, e in _manifest_entries(out).items() if (out / path).is_file()}
    for artifact in artifacts:
        entries[artifact.path] = artifact.as_dict()
    manifest: dict[str, object] = {"artifacts": [entries[k] for k in sorted(entries)]}
    if audio:
        manifest["audio"] = audio
    write_json(out / MANIFEST, manifest)


def check_layout(rendered: dict[tuple[str, str], Master]) -> None:
    """Stop before writing anything when a master fails a layout check (safe area,
    collisions, type size, lone words: see preflight.layout_problems)."""
    problems = [p for key in sorted(rendered) for p in rendered[key].layout]
    if problems:
        pages = len({p.split(":", 1)[0] for p in problems})
        raise RenderError(f"{pages} page(s) fail the layout checks; nothing was written "
                          "(fix the layout in templates/style.css or the format in campaign.toml)", problems)


def build(request: BuildRequest, on_progress: Callable[[int, int], None] | None = None) -> BuildResult:
    """Validate, render and write; raise :class:`FlyersError` for anything a user can fix."""
    build_plan = plan(request)
    for folder in (request.out, build_plan.campaign.root / CACHE_DIR):  # leftovers of a killed run
        clean_temp_files(folder)
    total = len(pieces(build_plan))
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, total)

    rendered, count = masters(build_plan, tick, timeout_s=request.timeout_s)
    check_layout(rendered)
    artifacts = write_deliverables(build_plan, rendered, request.out)
    keep = current_paths(build_plan.campaign, build_plan.languages, build_plan.formats,
                         {a.path for a in artifacts})
    # A spoken language's own cards (output/spoken/) are swept on a whole build only: which
    # of them a partial build makes depends on the written languages it was asked for.
    whole = not request.languages and not request.formats
    stale = sweep_stale(build_plan.campaign, request.out, keep, ("flyers", "spoken") if whole else ("flyers",))
    return BuildResult(artifacts=artifacts, skipped=build_plan.skipped, failed=build_plan.failed,
                       cached=total - count, rendered=count,
                       warnings=build_plan.campaign.warnings + build_plan.fonts.warnings, stale=stale)
