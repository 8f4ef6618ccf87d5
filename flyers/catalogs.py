"""Translation catalogs: extract, update, check, compile, and know their status.

The English sentences are msgids in the templates.  Catalogs are read with
Babel straight from the .po files, so a fuzzy or missing entry is *known* at
build time instead of silently falling back to English (Babel leaves fuzzy
entries out of a .mo).  Review status lives in the catalog's header comment
(Babel drops unknown ``X-`` header fields on update; comments survive).
"""

from __future__ import annotations

import hashlib
import io
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po

from .campaign import Campaign
from .errors import CatalogError
from .files import write_bytes
from .languages import Language

DOMAIN = "messages"
POT_NAME = "messages.pot"
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
    """What `flyers translations status` shows for one language."""

    language: str
    translated: int
    fuzzy: int
    untranslated: int
    review_status: str
    stale: bool
    reviewer: str = ""

    @property
    def complete(self) -> bool:
        return self.fuzzy == 0 and self.untranslated == 0

    def as_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
            "untranslated": self.untranslated,
            "review_status": self.review_status,
            "stale": self.stale,
            "reviewer": self.reviewer,
        }


@dataclass(frozen=True)
class LoadedCatalog:
    """A language's usable translations (fuzzy and empty entries excluded)."""

    language: Language
    path: Path | None
    translations: dict[str, str]
    review: Review
    source: bool = False

    def gettext(self, msgid: str) -> str | None:
        """The translation, the msgid itself for the source language, or None."""
        if self.source:
            return msgid
        return self.translations.get(msgid)


def pot_path(campaign: Campaign) -> Path:
    return campaign.translations_dir / POT_NAME


def po_path(campaign: Campaign, language: Language) -> Path:
    return campaign.translations_dir / language.locale_id / "LC_MESSAGES" / f"{DOMAIN}.po"


def source_hash(msgids: Iterable[str]) -> str:
    """A short hash of the English text; a translation reviewed against it records it."""
    digest = hashlib.sha256("\0".join(sorted(msgids)).encode("utf-8"))
    return digest.hexdigest()[:16]


def extract(campaign: Campaign) -> Catalog:
    """Extract every translatable English sentence from the templates."""
    catalog = Catalog(project="kyr-flyers", version=campaign.version, fuzzy=False,
                      header_comment="# English source text of the kyr-flyers campaign.")
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.i18n", "silent": "false"}}
    for filename, lineno, message, comments, context in extract_from_dir(
        str(campaign.templates_dir), method_map, options
    ):
        catalog.add(message, None, [(f"templates/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


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
            return read_po(handle, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogError(f"{path}: catalog not found") from None
    except PoFileError as exc:
        match = re.search(r"^(.*) on (\d+)$", str(exc))
        if match:  # Babel counts lines from 0
            raise CatalogError(f"{path}:{int(match[2]) + 1}: {match[1]}") from None
        raise CatalogError(f"{path}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 (byte {exc.start})") from None


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
    """The usable translations of one language (fuzzy and empty entries left out)."""
    if language.tag == campaign.source_language:
        return LoadedCatalog(language, None, {}, Review(status="reviewed"), source=True)
    path = po_path(campaign, language)
    catalog = read_catalog(path)
    _refuse_stray_percent(path, catalog)
    translations = {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy
    }
    return LoadedCatalog(language, path, translations, read_review(catalog))


def _refuse_stray_percent(path: Path, catalog: Catalog) -> None:
    """Stop before rendering, naming catalog and line, at a translation Jinja cannot format."""
    stray = [f"{path}:{m.lineno}: a bare '%' in the translation of {str(m.id)[:40]!r}; write '%%' for a "
             "percent sign" for m in catalog if m.id and m.string and not m.fuzzy and stray_percent(str(m.string))]
    if len(stray) == 1:
        raise CatalogError(stray[0])
    if stray:
        raise CatalogError(f"{path}: {len(stray)} translations with a bare '%'", stray)


def status(campaign: Campaign, language: Language, template: Catalog) -> CatalogStatus:
    """Counts against the current English, review status and staleness."""
    msgids = [str(m.id) for m in template if m.id]
    current = source_hash(msgids)
    if language.tag == campaign.source_language:
        return CatalogStatus(language.tag, len(msgids), 0, 0, "source", False)
    catalog = read_catalog(po_path(campaign, language))
    review = read_review(catalog)
    translated = fuzzy = untranslated = 0
    for msgid in msgids:
        message = catalog.get(msgid)
        if message is None or not message.string:
            untranslated += 1
        elif message.fuzzy:
            fuzzy += 1
        else:
            translated += 1
    stale = fuzzy > 0 or review.source_hash != current
    return CatalogStatus(language.tag, translated, fuzzy, untranslated, review.status, stale,
                         review.reviewer)


def missing(loaded: LoadedCatalog, template: Catalog) -> list[str]:
    """Msgids the language cannot print (untranslated or fuzzy)."""
    if loaded.source:
        return []
    return [str(m.id) for m in template if m.id and loaded.gettext(str(m.id)) is None]


def update(campaign: Campaign, languages: Iterable[Language]) -> Catalog:
    """Re-extract the .pot and merge it into every catalog.

    A changed English sentence becomes fuzzy (with its previous msgid kept for the
    translator); an unchanged one is untouched.  The fuzzy entries are what
    ``status`` reports as stale and what the build refuses to print.
    """
    template = extract(campaign)
    write_catalog(pot_path(campaign), template, template=True)
    for language in languages:
        if language.tag == campaign.source_language:
            continue
        path = po_path(campaign, language)
        catalog = read_catalog(path)
        catalog.update(template, no_fuzzy_matching=False, update_header_comment=False)
        write_catalog(path, catalog)
    return template


def mark_reviewed(campaign: Campaign, language: Language, reviewer: str, date: str,
                  status_value: str = "reviewed") -> None:
    """Record a review against the current English (its hash goes in the header)."""
    template = read_catalog(pot_path(campaign))
    path = po_path(campaign, language)
    catalog = read_catalog(path)
    digest = source_hash(str(m.id) for m in template if m.id)
    set_review(catalog, Review(status=status_value, reviewer=reviewer, date=date, source_hash=digest))
    write_catalog(path, catalog)


def compile_mo(campaign: Campaign, language: Language, out: Path) -> Path:
    """Compile a .mo for other gettext consumers (the build reads .po directly)."""
    catalog = read_catalog(po_path(campaign, language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    target = out / language.locale_id / "LC_MESSAGES" / f"{DOMAIN}.mo"
    write_bytes(target, buffer.getvalue())
    return target


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
