"""Translation catalogs: extract, update, check, compile, and know their status.

Two domains.  The *core* domain is the text every US campaign shares (the
rights, the door, public, detained, family, the card, the interpreter card):
its templates and catalogs ship with the engine (``flyers/core/``) and are
translated and reviewed once.  The *local* domain ("messages") is each
workspace's own text (local protections, help-line and office names, the
site's labels): ``templates/`` and ``translations/`` of the workspace, plus
msgctxt entries for campaign.toml names a language may spell its own way.
A language without an engine core catalog may get one in the workspace
(``translations/<locale>/LC_MESSAGES/core.po``, made by ``translations add``).

Catalogs are checked by GNU msgfmt before they are read (Babel's reader
accepts ``msgstr Usted`` without quotes and prints "sted"), then read with
Babel straight from the .po files, so a fuzzy or missing entry is *known* at
build time instead of silently falling back to English.

The English sentences are msgids in the templates.  Catalogs are read with
Babel straight from the .po files, so a fuzzy or missing entry is *known* at
build time instead of silently falling back to English (Babel leaves fuzzy
entries out of a .mo).  Review status lives in the catalog's header comment
(Babel drops unknown ``X-`` header fields on update; comments survive).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from .campaign import CAMPAIGN_FILE, Campaign
from .errors import CatalogError
from .files import write_bytes
from .languages import Language

DOMAIN = "messages"
POT_NAME = "messages.pot"
CORE_DOMAIN = "core"
CORE_POT_NAME = "core.pot"
ENGINE_CORE = Path(__file__).resolve().parent / "core"
NAME_COMMENT = ("A name from campaign.toml ({context}). Leave the translation empty to print it as "
                "written, or give this language's usual spelling (e.g. transliterated).")
REVIEW_FIELDS = ("Review-Status", "Reviewer", "Review-Date", "Source-Hash")
REVIEW_STATUSES = ("draft", "reviewed")
PLACEHOLDER_RE = re.compile(r"%\((\w+)\)s")
FORMAT_ESCAPES_RE = re.compile(r"%%|%\(\w+\)s")


def stray_percent(text: str) -> bool:
    """True when a translation has a '%' that is neither a placeholder nor '%%'.

    Jinja %-formats every translated string, with placeholders or without, so a
    bare '%' ("100 %") would stop the render with "incomplete format", naming no
    catalog; GNU msgfmt passes it when the English has no placeholder.
    """
    return "%" in FORMAT_ESCAPES_RE.sub("", text)


@dataclass(frozen=True)
class Review:
    """Who vouches for a translation, and against which English."""

    status: str = "draft"
    reviewer: str = ""
    date: str = ""
    source_hash: str = ""


@dataclass(frozen=True)
class CatalogStatus:
    """What `flyers translations status` shows for one language (core and local together)."""

    language: str
    translated: int
    fuzzy: int
    untranslated: int
    review_status: str
    stale: bool
    reviewer: str = ""
    catalog_missing: bool = False

    @property
    def complete(self) -> bool:
        return self.fuzzy == 0 and self.untranslated == 0 and not self.catalog_missing

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
            "untranslated": self.untranslated,
            "review_status": self.review_status,
            "stale": self.stale,
            "reviewer": self.reviewer,
            "catalog_missing": self.catalog_missing,
        }


class CatalogMissing(CatalogError):
    """A language has no catalog yet: the build leaves it out and says what to do."""


@dataclass(frozen=True)
class Templates:
    """The English of both domains: the engine's core text and the workspace's local text."""

    core: Catalog
    local: Catalog

    def msgids(self) -> list[str]:
        """Every sentence a complete language translates (names with a msgctxt are optional)."""
        return [str(m.id) for t in (self.core, self.local) for m in t if m.id and not m.context]


@dataclass(frozen=True)
class LoadedCatalog:
    """A language's usable translations (fuzzy and empty entries excluded), both domains."""

    language: Language
    path: Path | None  # the local catalog
    translations: dict[str, str]
    review: Review
    source: bool = False
    core_path: Path | None = None
    # Sorted, not a set: the catalog is pickled into the cache key, and a set's
    # order changes with each process's hash seed (a new key: every master re-rendered).
    core_ids: tuple[str, ...] = ()
    names: tuple[tuple[str, str, str], ...] = ()  # (msgctxt, as written, this language's spelling)

    def gettext(self, msgid: str) -> str | None:
        """The translation, the msgid itself for the source language, or None."""
        if self.source:
            return msgid
        return self.translations.get(msgid)

    def name(self, context: str, value: str) -> str:
        """A campaign.toml name as this language writes it (as written when not given)."""
        for ctx, written, spelled in self.names:
            if ctx == context and written == value:
                return spelled
        return value

    def where(self, msgid: str) -> Path | str:
        """The catalog file a sentence's translation belongs in (for messages)."""
        path = self.core_path if msgid in self.core_ids else self.path
        return path or self.language.tag


def pot_path(campaign: Campaign) -> Path:
    return campaign.translations_dir / POT_NAME


def po_path(campaign: Campaign, language: Language) -> Path:
    """The local catalog of a language."""
    return campaign.translations_dir / language.locale_id / "LC_MESSAGES" / f"{DOMAIN}.po"


def core_templates_dir() -> Path:
    return ENGINE_CORE / "templates"


def core_pot_path() -> Path:
    return ENGINE_CORE / "translations" / CORE_POT_NAME


def engine_core_po(language: Language) -> Path:
    return ENGINE_CORE / "translations" / language.locale_id / "LC_MESSAGES" / f"{CORE_DOMAIN}.po"


def workspace_core_po(campaign: Campaign, language: Language) -> Path:
    return campaign.translations_dir / language.locale_id / "LC_MESSAGES" / f"{CORE_DOMAIN}.po"


def core_po_path(campaign: Campaign, language: Language) -> Path:
    """The core catalog a language uses: the workspace's own if it has one, else the engine's."""
    own = workspace_core_po(campaign, language)
    return own if own.is_file() else engine_core_po(language)


def maintains_engine(campaign: Campaign) -> bool:
    """True when the workspace is the engine's own source checkout (the default campaign):
    then `translations update` also re-extracts and merges the engine's core catalogs."""
    return campaign.root.resolve() == ENGINE_CORE.parent.parent and os.access(ENGINE_CORE, os.W_OK)


def source_hash(msgids: Iterable[str]) -> str:
    """A short hash of the English text; a translation reviewed against it records it."""
    digest = hashlib.sha256("\0".join(sorted(msgids)).encode("utf-8"))
    return digest.hexdigest()[:16]


def _extract_dir(folder: Path, prefix: str, project: str, version: str) -> Catalog:
    catalog = Catalog(project=project, version=version, fuzzy=False,
                      header_comment=f"# English source text of {project}.")
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}
    for filename, lineno, message, comments, context in extract_from_dir(str(folder), method_map, options):
        catalog.add(message, None, [(f"{prefix}/{filename}", lineno)], auto_comments=comments, context=context)
    return catalog


def extract_core() -> Catalog:
    """The core text's sentences, from the engine's templates."""
    from . import __version__

    return _extract_dir(core_templates_dir(), "flyers/core/templates", "kyr-flyers core", __version__)


def extract(campaign: Campaign, core: Catalog | None = None) -> Catalog:
    """The workspace's local sentences: its templates' msgids that are not core text,
    and (with a msgctxt) the campaign.toml names a reader sees as words."""
    core = core if core is not None else extract_core()
    core_ids = {str(m.id) for m in core if m.id}
    found = _extract_dir(campaign.templates_dir, "templates", "kyr-flyers", campaign.version)
    catalog = Catalog(project="kyr-flyers", version=campaign.version, fuzzy=False,
                      header_comment="# English source text of the kyr-flyers campaign (local text).")
    for message in found:
        if message.id and str(message.id) not in core_ids:
            catalog[message.id] = message
    for context, value in campaign.names():
        catalog.add(value, None, [(CAMPAIGN_FILE, 0)], auto_comments=[NAME_COMMENT.format(context=context)],
                    context=context)
    return catalog


def templates(campaign: Campaign) -> Templates:
    """Both domains' English, extracted now from the templates."""
    core = extract_core()
    return Templates(core, extract(campaign, core))


def write_catalog(path: Path, catalog: Catalog, template: bool = False) -> None:
    """Write a .po/.pot deterministically (no creation date churn, sorted by source)."""
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=79, omit_header=False, sort_by_file=True,
             include_previous=True, ignore_obsolete=True)
    text = _fix_previous_ids(buffer.getvalue().decode("utf-8"))
    text = re.sub(r'"POT-Creation-Date: [^"]*\\n"\n', "", text)
    if template:
        text = re.sub(r'"PO-Revision-Date: [^"]*\\n"\n', "", text)
    text = re.sub(r'"Generated-By: [^"]*\\n"\n', "", text)
    write_bytes(path, text.encode("utf-8"))


PREVIOUS_BLOCK_RE = re.compile(r"(?:^#\| .*\n)+", re.M)
QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _fix_previous_ids(text: str) -> str:
    """Rewrite ``#| msgid`` comments as GNU gettext writes them.

    Babel (2.19) wraps a long previous msgid twice, the second time as comment
    text, so its quoted segments end up split across lines in a way msgfmt
    rejects ("end-of-line within string").  The words are all there: join the
    block, take its quoted segments, and write each on its own ``#|`` line.
    """
    from babel.messages.pofile import normalize

    def rewrite(match: re.Match[str]) -> str:
        joined = " ".join(line[3:].strip() for line in match.group(0).splitlines())
        keyword, _, rest = joined.partition(" ")
        if keyword not in ("msgid", "msgctxt", "msgid_plural"):
            return match.group(0)
        escaped = "".join(QUOTED_RE.findall(rest))
        value = escaped.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in escaped else escaped
        lines = normalize(value, width=76).splitlines()
        return "".join(f"#| {keyword} {line}\n" if i == 0 else f"#| {line}\n" for i, line in enumerate(lines))

    return PREVIOUS_BLOCK_RE.sub(rewrite, text)


def read_catalog(path: Path) -> Catalog:
    """Read a .po file, turning syntax errors into a message naming file and line."""
    try:
        with open(path, "rb") as handle:
            catalog = read_po(handle, abort_invalid=True)
        for message in catalog:
            _restore_previous_id(message)
        return catalog
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog not found") from None
    except PoFileError as exc:
        match = re.search(r"^(.*) on (\d+)$", str(exc))
        if match:  # Babel counts lines from 0
            raise CatalogError(f"{path}:{int(match[2]) + 1}: {match[1]}") from None
        raise CatalogError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 (byte {exc.start})") from None


def _restore_previous_id(message: Message) -> None:
    """Babel (2.19) reads ``#| msgid "..."`` as a user comment "| msgid ..."; make it
    the previous msgid again, so that writing the catalog keeps it as ``#|``."""
    previous = [c[1:].strip() for c in message.user_comments if c.startswith("|")]
    if not previous or not previous[0].startswith("msgid "):
        return
    from babel.messages.pofile import unescape

    message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
    segments = [QUOTED_RE.findall(line) for line in previous if not line.startswith(("msgctxt", "msgid_plural"))]
    message.previous_id = ["".join(unescape(f'"{seg}"') for group in segments for seg in group)]


def read_review(catalog: Catalog) -> Review:
    """Parse ``# Review-Status: draft`` style lines from the header comment."""
    values: dict[str, str] = {}
    for line in (catalog.header_comment or "").splitlines():
        match = re.match(r"#\s*([A-Za-z-]+):\s*(.*)$", line)
        if match and match.group(1) in REVIEW_FIELDS:
            values[match.group(1)] = match.group(2).strip()
    status = values.get("Review-Status", "draft")
    return Review(
        status=status if status in REVIEW_STATUSES else "draft",
        reviewer=values.get("Reviewer", ""),
        date=values.get("Review-Date", ""),
        source_hash=values.get("Source-Hash", ""),
    )


def set_review(catalog: Catalog, review: Review) -> None:
    """Replace the review lines of the header comment, keeping the rest."""
    kept = [line for line in (catalog.header_comment or "").splitlines()
            if not re.match(r"#\s*(" + "|".join(REVIEW_FIELDS) + r"):", line)]
    kept += [
        f"# Review-Status: {review.status}",
        f"# Reviewer: {review.reviewer}",
        f"# Review-Date: {review.date}",
        f"# Source-Hash: {review.source_hash}",
    ]
    catalog.header_comment = "\n".join(kept)


def load(campaign: Campaign, language: Language) -> LoadedCatalog:
    """The usable translations of one language, core and local (fuzzy and empty entries left out).

    Raises :class:`CatalogMissing` when the language has no catalog yet, and
    :class:`CatalogError` (naming file and line) when one is malformed or a
    translation's placeholders differ from the English.
    """
    if language.tag == campaign.source_language:
        return LoadedCatalog(language, None, {}, Review(status="reviewed"), source=True)
    core_path, local_path = core_po_path(campaign, language), po_path(campaign, language)
    for path in (core_path, local_path):
        if not path.is_file():
            raise CatalogMissing(f"{path}: catalog not found; run `flyers translations add {language.tag}`")
    core, local = read_checked(core_path, campaign), read_checked(local_path, campaign)
    translations: dict[str, str] = {}
    names: list[tuple[str, str, str]] = []
    for path, catalog in ((core_path, core), (local_path, local)):
        for m in catalog:
            if not (m.id and isinstance(m.id, str) and m.string and not m.fuzzy):
                continue
            _check_placeholders(path, m.lineno or 0, m.id, str(m.string))
            if m.context:
                names.append((str(m.context), m.id, str(m.string)))
            else:
                translations.setdefault(m.id, str(m.string))
    review = _weaker(read_review(core), read_review(local))
    return LoadedCatalog(language, local_path, translations, review, core_path=core_path,
                         core_ids=tuple(sorted({str(m.id) for m in core if m.id})), names=tuple(names))


def _weaker(core: Review, local: Review) -> Review:
    """A language counts as reviewed only when both of its catalogs are."""
    return local if core.status == "reviewed" else core


def _check_placeholders(path: Path, line: int, msgid: str, text: str) -> None:
    """Stop before rendering, naming catalog and line, at a translation Jinja cannot format."""
    if stray_percent(text):
        raise CatalogError(f"{path}:{line}: a bare '%' in the translation of {msgid[:40]!r}; write '%%' for a "
                           "percent sign")
    wanted = sorted(PLACEHOLDER_RE.findall(msgid))
    if sorted(PLACEHOLDER_RE.findall(text)) != wanted:
        raise CatalogError(f"{path}:{line}: the translation of {msgid[:50]!r} must use exactly the placeholders "
                           f"{', '.join('%(' + w + ')s' for w in wanted) or '(none)'}")


def read_checked(path: Path, campaign: Campaign | None = None) -> Catalog:
    """Read a catalog only after GNU msgfmt accepts it, so a malformed entry never
    prints garbage: its problems stop that language with ``file:line``."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CatalogError(f"{path}:{line}: not UTF-8 (byte {exc.start}); save it as UTF-8") from None
    problems = msgfmt_syntax(path, campaign.root / ".cache" / "msgfmt" if campaign else None)
    if problems:
        raise CatalogError(f"{path}: msgfmt rejects this catalog", problems[:10])
    return read_catalog(path)


def status(campaign: Campaign, language: Language, english: Templates) -> CatalogStatus:
    """Counts against the current English (both domains), review status and staleness."""
    msgids = english.msgids()
    if language.tag == campaign.source_language:
        return CatalogStatus(language.tag, len(msgids), 0, 0, "source", False)
    paths = (core_po_path(campaign, language), po_path(campaign, language))
    if not all(p.is_file() for p in paths):
        return CatalogStatus(language.tag, 0, 0, len(msgids), "missing", True, catalog_missing=True)
    catalogs = [read_catalog(p) for p in paths]
    reviews = [read_review(c) for c in catalogs]
    translated = fuzzy = untranslated = 0
    for msgid in msgids:
        message = catalogs[0].get(msgid) or catalogs[1].get(msgid)
        if message is None or not message.string:
            untranslated += 1
        elif message.fuzzy:
            fuzzy += 1
        else:
            translated += 1
    hashes = (_domain_hash(english.core), _domain_hash(english.local))
    stale = fuzzy > 0 or any(r.source_hash != h for r, h in zip(reviews, hashes, strict=True))
    review = _weaker(reviews[0], reviews[1])
    return CatalogStatus(language.tag, translated, fuzzy, untranslated, review.status, stale, review.reviewer)


def _domain_hash(template: Catalog) -> str:
    return source_hash(str(m.id) for m in template if m.id and not m.context)


def missing(loaded: LoadedCatalog, english: Templates) -> list[str]:
    """Msgids the language cannot print (untranslated or fuzzy)."""
    if loaded.source:
        return []
    return [msgid for msgid in english.msgids() if loaded.gettext(msgid) is None]


def new_catalog(template: Catalog, language: Language, header: str) -> Catalog:
    """An empty catalog for ``language`` against ``template`` (what `pybabel init` makes)."""
    from babel import Locale

    try:
        locale: Locale | None = Locale.parse(language.formatting_locale)
    except (ValueError, LookupError):
        locale = None
    catalog = Catalog(locale=locale, project=template.project, version=template.version, fuzzy=False,
                      header_comment=header)
    catalog.language_team = f"{language.english_name} <>"
    catalog.revision_date = dt.datetime.now(dt.UTC)  # a new file a person will edit, not a build output
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.locale = locale
    set_review(catalog, Review())
    return catalog


def _merge(path: Path, template: Catalog, language: Language) -> bool:
    """Merge ``template`` into the catalog at ``path``, creating it when missing; True if created."""
    if path.is_file():
        catalog = read_catalog(path)
        update_catalog(catalog, template)
        write_catalog(path, catalog)
        return False
    header = f"# {language.english_name} translation of kyr-flyers ({template.project})."
    write_catalog(path, new_catalog(template, language, header))
    return True


def update(campaign: Campaign, languages: Iterable[Language]) -> tuple[Templates, list[Path]]:
    """Re-extract the .pot files and merge them into every catalog, creating missing ones.

    A changed English sentence becomes fuzzy (with its previous msgid kept for the
    translator); an unchanged one is untouched.  The fuzzy entries are what
    ``status`` reports as stale and what the build refuses to print.  The engine's
    core catalogs are merged only from its own source checkout; a workspace's own
    core catalog (a language the engine lacks) always.  Returns what was created.
    """
    english = templates(campaign)
    write_catalog(pot_path(campaign), english.local, template=True)
    engine = maintains_engine(campaign)
    if engine:
        write_catalog(core_pot_path(), english.core, template=True)
    created: list[Path] = []
    for language in languages:
        if language.tag == campaign.source_language:
            continue
        if _merge(po_path(campaign, language), english.local, language):
            created.append(po_path(campaign, language))
        core = core_po_path(campaign, language)
        if engine or core == workspace_core_po(campaign, language) or not core.is_file():
            target = core if core.is_file() else (engine_core_po(language) if engine
                                                  else workspace_core_po(campaign, language))
            if _merge(target, english.core, language):
                created.append(target)
    return english, created


def mark_reviewed(campaign: Campaign, language: Language, reviewer: str, date: str,
                  status_value: str = "reviewed") -> list[Path]:
    """Record a review against the current English (its hash goes in each catalog's header).

    Both of the language's catalogs are marked; the engine's core catalog only
    from the engine's own checkout or when the workspace has its own core catalog.
    """
    english = templates(campaign)
    marked: list[Path] = []
    targets = [(po_path(campaign, language), english.local)]
    core = core_po_path(campaign, language)
    if maintains_engine(campaign) or core == workspace_core_po(campaign, language):
        targets.append((core, english.core))
    for path, template in targets:
        catalog = read_catalog(path)
        set_review(catalog, Review(status=status_value, reviewer=reviewer, date=date,
                                   source_hash=_domain_hash(template)))
        write_catalog(path, catalog)
        marked.append(path)
    return marked


def compile_mo(campaign: Campaign, language: Language, out: Path) -> list[Path]:
    """Compile .mo files of both domains for other gettext consumers (the build reads .po directly)."""
    written = []
    for domain, path in ((CORE_DOMAIN, core_po_path(campaign, language)), (DOMAIN, po_path(campaign, language))):
        catalog = read_catalog(path)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        target = out / language.locale_id / "LC_MESSAGES" / f"{domain}.mo"
        write_bytes(target, buffer.getvalue())
        written.append(target)
    return written


def msgfmt_syntax(path: Path, cache: Path | None = None) -> list[str]:
    """What GNU msgfmt rejects in a catalog (syntax, unterminated strings, format
    mismatches), as ``file:line: text``; [] when it compiles.  A catalog that
    passed is remembered by content hash under ``cache``."""
    data = path.read_bytes()
    marker = cache / hashlib.sha256(data).hexdigest()[:32] if cache else None
    if marker is not None and marker.is_file():
        return []
    if shutil.which("msgfmt") is None:
        raise CatalogError("msgfmt not found: install GNU gettext (`make flyers` does, or apt-get install gettext)")
    result = subprocess.run(["msgfmt", "--check-format", "--output-file=/dev/null", str(path)],
                            capture_output=True, text=True, check=False)
    problems = [line for line in result.stderr.splitlines()
                if line.strip() and not line.startswith("msgfmt: ") and "fatal error" not in line]
    if result.returncode != 0 and not problems:
        problems = [f"{path}: {result.stderr.strip() or 'msgfmt failed'}"]
    if not problems and marker is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_bytes(b"")
    return problems


def msgfmt_check(path: Path) -> list[str]:
    """GNU ``msgfmt --check`` problems (placeholders, headers), as 'file:line: text'."""
    if shutil.which("msgfmt") is None:
        raise CatalogError("msgfmt not found: install GNU gettext (`make flyers` does)")
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(path)],
        capture_output=True, text=True, check=False,
    )
    return [line for line in result.stderr.splitlines() if line.strip() and "fatal" not in line]


MARKUP_RE = re.compile(r"<\s*/?\s*[A-Za-z!?][^>]*>|&[A-Za-z#][A-Za-z0-9]*;")
URL_RE = re.compile(r"\b(?:https?|file|ftp|data|javascript)\s*:|\bwww\.|@import", re.I)


def lint(path: Path, template: Catalog) -> list[str]:
    """Problems a translator's catalog may carry, as ``file:line: reason``.

    Markup, URLs and changed placeholders are refused here because translator
    text is untrusted: it must never add a link, a fetch or a tag to a page.
    Placeholders are checked by GNU msgfmt as well (Babel does not flag a
    dropped ``%(phone)s``).
    """
    catalog = read_catalog(path)
    known = {str(m.id) for m in template if m.id}
    problems = [f"{path}: {line}" if not line.startswith(str(path)) else line for line in msgfmt_check(path)]
    for message in catalog:
        if not message.id or not message.string:
            continue
        msgid, text = str(message.id), str(message.string)
        where = f"{path}:{message.lineno}"
        if msgid not in known:
            continue
        markup = MARKUP_RE.search(text)
        if markup and not MARKUP_RE.search(msgid):
            problems.append(f"{where}: markup in the translation of {msgid[:40]!r}: {markup[0]!r}")
        if URL_RE.search(text) and not URL_RE.search(msgid):
            problems.append(f"{where}: a link or URL in the translation of {msgid[:40]!r}")
        if sorted(PLACEHOLDER_RE.findall(text)) != sorted(PLACEHOLDER_RE.findall(msgid)):
            problems.append(f"{where}: placeholders differ from the English in {msgid[:40]!r}")
        if stray_percent(text):
            problems.append(f"{where}: a bare '%' in the translation of {msgid[:40]!r}; write '%%' for a percent sign")
    return problems


def add(campaign: Campaign, language: Language) -> list[Path]:
    """Create a language's catalogs (local, and core when the engine has none for it)."""
    english = templates(campaign)
    if not pot_path(campaign).is_file():
        write_catalog(pot_path(campaign), english.local, template=True)
    created = []
    local = po_path(campaign, language)
    if not local.is_file():
        _merge(local, english.local, language)
        created.append(local)
    core = core_po_path(campaign, language)
    if not core.is_file():
        target = engine_core_po(language) if maintains_engine(campaign) else workspace_core_po(campaign, language)
        _merge(target, english.core, language)
        created.append(target)
    return created


def split(campaign: Campaign) -> list[str]:
    """Move each entry of the engine checkout's catalogs to the domain its msgid comes from.

    Re-runnable, for merging translators' work done on one ``messages.po`` per
    language: an entry in ``translations/<l>/LC_MESSAGES/messages.po`` whose msgid
    is core text replaces the one in the engine's ``core.po`` (it is the newer
    work) and leaves ``messages.po``; entries found in neither are added empty.
    Review headers are carried over, and a Source-Hash that matched the English
    before the split is re-recorded per domain.  Returns one line per language.
    """
    if not maintains_engine(campaign):
        raise CatalogError(f"{campaign.root}: `translations split` runs in the engine's own checkout only")
    english = templates(campaign)
    write_catalog(core_pot_path(), english.core, template=True)
    write_catalog(pot_path(campaign), english.local, template=True)
    core_ids = {str(m.id) for m in english.core if m.id}
    report = []
    for folder in sorted(p for p in campaign.translations_dir.iterdir() if (p / "LC_MESSAGES").is_dir()):
        local_path = folder / "LC_MESSAGES" / f"{DOMAIN}.po"
        core_path = ENGINE_CORE / "translations" / folder.name / "LC_MESSAGES" / f"{CORE_DOMAIN}.po"
        if not local_path.is_file():
            continue
        local = read_catalog(local_path)
        core = read_catalog(core_path) if core_path.is_file() else _blank_like(local)
        was_current = read_review(local).source_hash == source_hash(
            [str(m.id) for m in english.core if m.id] + [str(m.id) for m in english.local
                                                         if m.id and not m.context])
        moved = 0
        for message in list(local):
            if message.id and str(message.id) in core_ids and not message.context:
                if message.id in core:  # Babel's __setitem__ would merge into the old entry
                    del core[message.id]
                core[message.id] = message
                del local[message.id]
                moved += 1
        if not core_path.is_file() or moved:
            core.header_comment = local.header_comment.replace("kyr-flyers", "kyr-flyers core", 1) \
                if "core" not in (core.header_comment or "") else core.header_comment
            if moved:
                set_review(core, read_review(local))
        for catalog, template in ((core, english.core), (local, english.local)):
            update_catalog(catalog, template)
            review = read_review(catalog)
            if was_current and moved:
                set_review(catalog, Review(review.status, review.reviewer, review.date, _domain_hash(template)))
        write_catalog(core_path, core)
        write_catalog(local_path, local)
        report.append(f"{folder.name}: {moved} core entries moved to {core_path.relative_to(ENGINE_CORE.parent)}")
    return report


def _blank_like(catalog: Catalog) -> Catalog:
    """An empty catalog with another's locale and header fields."""
    blank = Catalog(locale=catalog.locale, project=catalog.project, version=catalog.version, fuzzy=False,
                    header_comment=catalog.header_comment)
    blank.language_team = catalog.language_team
    blank.last_translator = catalog.last_translator
    blank.revision_date = catalog.revision_date
    blank.mime_headers = catalog.mime_headers  # also the Language a locale CLDR lacks (prs) keeps
    return blank


def update_catalog(catalog: Catalog, template: Catalog) -> None:
    """Babel's merge, keeping the previous msgid of entries that were fuzzy already
    (Babel keeps it only for entries it makes fuzzy in this merge)."""
    previous = {m.id: m.previous_id for m in catalog if m.id and m.fuzzy and m.previous_id}
    catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
    for message in catalog:
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]


def engine_languages() -> list[str]:
    """BCP 47 tags of every language the engine's core text is translated into."""
    folder = ENGINE_CORE / "translations"
    return [p.name.replace("_", "-") for p in folder.iterdir() if (p / "LC_MESSAGES" / f"{CORE_DOMAIN}.po").is_file()]


def catalog_paths(campaign: Campaign, language: Language, editable: bool = False) -> list[Path]:
    """A language's catalog files, core first.  ``editable``: only those this workspace
    may change (its local catalog, and the core one when it is the workspace's own or
    the workspace is the engine's checkout; never an installed engine's)."""
    core, local = core_po_path(campaign, language), po_path(campaign, language)
    own_core = core == workspace_core_po(campaign, language) or maintains_engine(campaign)
    paths = [core] if (own_core or not editable) else []
    return [p for p in (*paths, local) if p.is_file()]


def combined(campaign: Campaign, language: Language) -> Catalog:
    """Both of a language's catalogs as one, for reading (review packets, XLIFF, glossary)."""
    paths = catalog_paths(campaign, language)
    if not paths:
        raise CatalogMissing(f"{po_path(campaign, language)}: catalog not found; "
                             f"run `flyers translations add {language.tag}`")
    merged = read_catalog(paths[0])
    for path in paths[1:]:
        for message in read_catalog(path):
            if message.id and (message.id, message.context) not in {(m.id, m.context) for m in merged}:
                merged[message.id] = message
    return merged
