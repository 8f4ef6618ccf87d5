"""The translator's workflow: glossary, per-sentence review, review packets, XLIFF.

What a language-services vendor expects around the catalogs:

* a **glossary** of the legal terms (``translations/glossary.csv``: concept,
  language, accepted forms), checked against every translation: where the
  English uses "lawyer", the translation must use the language's approved word
  (stems are allowed, so inflected forms match); exported as TBX for CAT tools;
* **review per sentence**: a reviewer's stamp in each entry's translator
  comment (``# reviewed: NAME DATE HASH``, the hash of English and
  translation), so a changed sentence needs only its own re-review;
* a **review packet** per language: one PDF with every sentence in English and
  in the language side by side, where it appears, the glossary, the rendered
  pages and a sign-off block;
* **XLIFF** export and import through translate-toolkit's converters, so a
  vendor's tool edits the translations without losing notes, locations or the
  fuzzy state.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import write_po
from translate.convert import po2xliff

from . import catalogs
from .campaign import Campaign
from .errors import CatalogError
from .files import write_bytes
from .languages import Language

GLOSSARY_FILE = "glossary.csv"
GLOSSARY_COLUMNS = ("concept", "language", "terms", "note")
STAMP_RE = re.compile(r"^reviewed: (?P<reviewer>.+) (?P<date>\d{4}-\d{2}-\d{2}) (?P<hash>[0-9a-f]{12})$")


# --- glossary -------------------------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """One concept's accepted forms in one language ("abogad" matches abogado and abogada)."""

    concept: str
    language: str
    forms: tuple[str, ...]
    note: str = ""


def glossary_path(campaign: Campaign) -> Path:
    return campaign.translations_dir / GLOSSARY_FILE


def load_glossary(campaign: Campaign) -> dict[str, dict[str, Term]]:
    """concept -> language -> Term, from translations/glossary.csv (empty when there is none)."""
    path = glossary_path(campaign)
    if not path.is_file():
        return {}
    glossary: dict[str, dict[str, Term]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != GLOSSARY_COLUMNS:
            raise CatalogError(f"{path}: the first line must be {','.join(GLOSSARY_COLUMNS)}")
        for line, row in enumerate(reader, start=2):
            forms = tuple(f.strip() for f in (row.get("terms") or "").split("|") if f.strip())
            concept, language = (row.get("concept") or "").strip(), (row.get("language") or "").strip()
            if not concept or not language or not forms:
                raise CatalogError(f"{path}:{line}: concept, language and terms are all needed")
            glossary.setdefault(concept, {})[language] = Term(concept, language, forms, (row.get("note") or ""))
    return glossary


def _fold(text: str) -> str:
    """Text as the glossary compares it: NFKC, case-folded, one kind of apostrophe.

    Turkish dotted capital İ folds to a plain i (casefold would leave i + U+0307, so
    "İzin" would not match "izin"), and Hebrew-script points (niqqud, U+0591-U+05C7,
    which Yiddish writes in some strings and not others) are dropped, so a term
    matches in pointed and unpointed spelling alike.
    """
    text = unicodedata.normalize("NFKC", text).replace("\u0130", "i").casefold()
    text = "".join(c for c in text if not ("\u0591" <= c <= "\u05c7" and unicodedata.combining(c)))
    return text.replace("\u2019", "'").replace("\u02bc", "'")


def _uses(form: str, text: str) -> bool:
    """Whether folded ``text`` uses the glossary form ``form``.

    A form matches as a substring of the folded text, so a stem matches every word
    that starts with it (``abogad`` matches abogado and abogada) and a word inside a
    longer one (Arabic ``بال`` + noun, a Bengali suffix). A ``*`` inside a form means
    "any ending of this word" (a run of non-space characters), so a term of several
    words can inflect each word: ``nakaz* sądow*`` matches nakaz sądowy, nakazem
    sądowym and nakazu sądowego. Write the part before each ``*`` as the stem the
    forms share.
    """
    form = _fold(form)
    if "*" not in form:
        return form in text
    pattern = r"\S*".join(re.escape(part) for part in form.split("*"))
    return re.search(pattern, text) is not None


def glossary_problems(campaign: Campaign, language: Language, source: str = "en") -> list[str]:
    """Translations that do not use the language's approved term where the English uses the concept."""
    glossary = load_glossary(campaign)
    problems: list[str] = []
    for path in catalogs.catalog_paths(campaign, language):  # the core text's and the campaign's
        problems += _glossary_problems(glossary, path, language, source)
    return problems


def _glossary_problems(glossary: dict[str, dict[str, Term]], path: Path, language: Language,
                       source: str) -> list[str]:
    catalog = catalogs.read_catalog(path)
    problems: list[str] = []
    for concept, by_language in sorted(glossary.items()):
        english, term = by_language.get(source), by_language.get(language.tag)
        if english is None:
            continue
        if term is None:
            continue  # a gap, not a wrong term: see glossary_gaps
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            msgid, msgstr = _fold(str(message.id)), _fold(str(message.string))
            if any(_uses(f, msgid) for f in english.forms) and not any(_uses(f, msgstr) for f in term.forms):
                where = f"{path}:{message.lineno}" if message.lineno else str(path)
                problems.append(f"{where}: {concept!r} must be {' / '.join(term.forms)} "
                                f"(glossary) in the translation of {str(message.id)[:60]!r}")
    return problems


def glossary_gaps(campaign: Campaign, languages: list[Language]) -> list[str]:
    """Concepts a language has no approved term for yet (a translator's to-do list)."""
    glossary = load_glossary(campaign)
    return [f"{language.tag}: no approved term for {concept!r}" for language in languages
            for concept, by_language in sorted(glossary.items()) if language.tag not in by_language]


def glossary_tbx(campaign: Campaign) -> bytes:
    """The glossary as TBX (ISO 30042, TBX-Basic style), for vendors' CAT tools."""
    from lxml import etree

    xml_ns = "http://www.w3.org/XML/1998/namespace"
    root = etree.Element("martif", type="TBX-Basic")
    root.set(f"{{{xml_ns}}}lang", campaign.source_language)
    header = etree.SubElement(etree.SubElement(root, "martifHeader"), "fileDesc")
    etree.SubElement(etree.SubElement(header, "sourceDesc"), "p").text = (
        f"{campaign.name}: legal terms of the Know-Your-Rights text (translations/{GLOSSARY_FILE})")
    body = etree.SubElement(etree.SubElement(root, "text"), "body")
    for concept, by_language in sorted(load_glossary(campaign).items()):
        entry = etree.SubElement(body, "termEntry", id=concept)
        for tag in sorted(by_language, key=lambda t: (t != campaign.source_language, t)):
            lang_set = etree.SubElement(entry, "langSet")
            lang_set.set(f"{{{xml_ns}}}lang", tag)
            for form in by_language[tag].forms:
                etree.SubElement(etree.SubElement(lang_set, "tig"), "term").text = form
            if by_language[tag].note:
                etree.SubElement(lang_set, "note").text = by_language[tag].note
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


# --- review per sentence --------------------------------------------------------------


def sentence_hash(msgid: str, msgstr: str) -> str:
    """What a reviewer's stamp vouches for: this English and this translation."""
    return hashlib.sha256(f"{msgid}\0{msgstr}".encode()).hexdigest()[:12]


def stamp_of(message: Message) -> tuple[str, str] | None:
    """(reviewer, date) when the entry carries a stamp that still matches its text."""
    for comment in message.user_comments:
        match = STAMP_RE.match(comment.strip())
        if match and match["hash"] == sentence_hash(str(message.id), str(message.string)):
            return match["reviewer"], match["date"]
    return None


def review_counts(catalog: Catalog) -> tuple[int, int]:
    """(sentences with a valid review stamp, translated sentences)."""
    entries = [m for m in catalog if m.id and m.string and not m.fuzzy]
    return sum(1 for m in entries if stamp_of(m)), len(entries)


def review(campaign: Campaign, language: Language, reviewer: str, date: str,
           msgids: tuple[str, ...] = ()) -> tuple[int, int, int]:
    """Stamp sentences as reviewed (all of them when ``msgids`` is empty).

    When every translated sentence then carries a valid stamp and none is
    missing or fuzzy, the catalog's header is marked reviewed against the
    current English too.  Returns (stamped now, reviewed, total).
    """
    paths = catalogs.catalog_paths(campaign, language, editable=True)
    loaded = [(path, catalogs.read_catalog(path)) for path in paths]
    wanted = set(msgids)
    unknown = wanted - {str(m.id) for _, catalog in loaded for m in catalog if m.id}
    if unknown:
        raise CatalogError(f"{' / '.join(str(p) for p in paths)}: no such sentence: {sorted(unknown)[0]!r}")
    stamped = done = total = 0
    for path, catalog in loaded:
        for message in catalog:
            if not message.id or not message.string or message.fuzzy or (wanted and str(message.id) not in wanted):
                continue
            message.user_comments = [c for c in message.user_comments if not STAMP_RE.match(c.strip())]
            digest = sentence_hash(str(message.id), str(message.string))
            message.user_comments.append(f"reviewed: {reviewer} {date} {digest}")
            stamped += 1
        catalogs.write_catalog(path, catalog)
        counts = review_counts(catalog)
        done, total = done + counts[0], total + counts[1]
    english = catalogs.templates(campaign)
    if done == total and not catalogs.missing(catalogs.load(campaign, language), english):
        catalogs.mark_reviewed(campaign, language, reviewer, date)
    return stamped, done, total


# --- XLIFF ------------------------------------------------------------------------------


def export_xliff(campaign: Campaign, language: Language) -> bytes:
    """The language's catalog as XLIFF 1.2 (translate-toolkit's po2xliff)."""
    from translate.storage import po

    buffer = io.BytesIO()
    write_po(buffer, catalogs.combined(campaign, language), include_previous=True)  # core and local text
    store: po.pofile = po.pofile(buffer.getvalue())
    return bytes(_WithContext().convertstore(store, targetlanguage=language.tag,  # type: ignore[no-untyped-call]
                                             sourcelanguage=campaign.source_language))


MSGCTXT = "x-po-msgctxt"  # the context type an exported unit keeps its msgctxt under


class _WithContext(po2xliff.po2xliff):
    """po2xliff, keeping each entry's msgctxt, which it drops: the campaign's names
    (``[facts] mayor``) are told apart by it, and without it an import cannot find them."""

    def convertunit(self, outputstore: Any, inputunit: Any, filename: str) -> Any:
        unit = super().convertunit(outputstore, inputunit, filename)  # type: ignore[no-untyped-call]
        context = inputunit.getcontext()
        if context and not inputunit.isheader():
            unit.createcontextgroup("po-entry", [(MSGCTXT, context)], purpose="information")
        return unit


def _unit_context(unit: Any) -> str | None:
    """The msgctxt an exported unit carries (see ``_WithContext``)."""
    for group in unit.getcontextgroups("po-entry"):
        for kind, text in group:
            if kind == MSGCTXT:
                return str(text)
    return None


def import_xliff(campaign: Campaign, language: Language, data: bytes) -> tuple[int, Path | None]:
    """Take translations (and their fuzzy state) from a vendor's XLIFF into the catalogs.

    Only entries whose English is in a catalog are taken: a vendor's file can
    change translations, never the English.  The export carries core and local
    text; a changed core sentence of a workspace that uses the engine's core
    catalog goes into a copy of it in the workspace (which then overrides the
    engine's), never into the installed engine.  Returns how many entries
    changed, and that copy's path when this import made one.
    """
    from translate.storage import poxliff

    try:
        store: poxliff.PoXliffFile = poxliff.PoXliffFile(data)  # type: ignore[type-arg]
    except Exception as exc:  # translate-toolkit raises lxml and its own errors alike
        raise CatalogError(f"not an XLIFF file: {exc}") from None
    paths = catalogs.catalog_paths(campaign, language)
    loaded = [(path, catalogs.read_catalog(path)) for path in paths]
    changed: dict[Path, int] = {}
    for unit in store.units:
        if unit.isheader() or not unit.source:
            continue
        context = _unit_context(unit)
        found = next(((p, m) for p, c in loaded if (m := c.get(str(unit.source), context=context)) is not None), None)
        if found is None:
            raise CatalogError(f"XLIFF unit {str(unit.source)[:60]!r} is not in {' / '.join(map(str, paths))}; "
                               "export again")
        path, message = found
        target, fuzzy = str(unit.target or ""), bool(unit.isfuzzy())
        if message.string != target or message.fuzzy != fuzzy:
            message.string = target
            message.flags = {f for f in message.flags if f != "fuzzy"} | ({"fuzzy"} if fuzzy else set())
            changed[path] = changed.get(path, 0) + 1
    editable = catalogs.catalog_paths(campaign, language, editable=True)
    copied = None
    for path, catalog in loaded:
        if path in changed:
            if path not in editable:  # the engine's core catalog: never the installed engine's files
                path = copied = catalogs.workspace_core_po(campaign, language)
            catalogs.write_catalog(path, catalog)
    return sum(changed.values()), copied


# --- review packet ----------------------------------------------------------------------


@dataclass(frozen=True)
class PacketRow:
    """One sentence of a review packet."""

    number: int
    english: str
    translation: str
    where: str
    reviewed: str


def packet_rows(campaign: Campaign, language: Language) -> list[PacketRow]:
    """Every sentence with its translation, where it appears, and its review state."""
    from .fontstack import load_fonts
    from .languages import resolve
    from .model import PrintOptions
    from .readability import blocks
    from .templating import context as page_context
    from .templating import make_environment, render_template

    fonts = load_fonts(campaign.fonts_dir)
    source = catalogs.load(campaign, resolve(campaign.source_language, campaign))
    places: dict[str, list[str]] = {}
    for name, fmt in campaign.formats.items():
        env, strict = make_environment(campaign, source)
        html = render_template(env, fmt.template, page_context(campaign, fmt, source, fonts, PrintOptions(),
                                                                 fmt.font_size.pt), f"format {name}")
        found = blocks(html)
        for msgid in dict.fromkeys(strict.used):
            fragment = max((_fold(f).strip() for f in catalogs.PLACEHOLDER_RE.split(msgid)[::2]), key=len)[:40]
            sections = [b for b, units in found.items() if fragment and fragment in _fold(" ".join(units))]
            places.setdefault(msgid, []).append(f"{name}: {', '.join(sections) or 'page'}")
    catalog = catalogs.combined(campaign, language)
    rows = []
    for number, message in enumerate((m for m in catalog if m.id), start=1):
        stamp = stamp_of(message) if message.string and not message.fuzzy else None
        state = (f"reviewed by {stamp[0]}, {stamp[1]}" if stamp else
                 "fuzzy: English changed" if message.fuzzy else "missing" if not message.string else "not reviewed")
        rows.append(PacketRow(number, str(message.id), str(message.string or ""),
                              "; ".join(places.get(str(message.id), ["download site"])), state))
    return rows


def packet_pdf(campaign: Campaign, language: Language, pages: list[Path], missing: list[str] | None = None) -> bytes:
    """The review packet: cover, sentences side by side, glossary, sign-off, then the rendered pages."""
    import jinja2
    import pikepdf

    from .fontstack import load_fonts
    from .layout import html_job_pdf

    catalog = catalogs.combined(campaign, language)
    review_state = catalogs.load(campaign, language).review
    done, total = review_counts(catalog)
    glossary = [(concept, by_lang.get(campaign.source_language), by_lang.get(language.tag))
                for concept, by_lang in sorted(load_glossary(campaign).items())]
    fonts = load_fonts(campaign.fonts_dir)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(campaign.templates_dir), autoescape=True)
    html = env.get_template("batch/packet.html").render(
        campaign=campaign, language=language, rows=packet_rows(campaign, language), glossary=glossary,
        review=review_state, reviewed=done, total=total, pages=[p.name for p in pages], missing=missing or [],
        font_stack=fonts.css_stack(language), today=dt.date.today().isoformat(),
        catalog=catalogs.po_path(campaign, language).relative_to(campaign.root))
    front = html_job_pdf((html, str(campaign.templates_dir / "batch"), str(campaign.root), False))
    with pikepdf.open(io.BytesIO(front)) as packet:
        for path in pages:
            with pikepdf.open(path) as rendered:
                packet.pages.extend(rendered.pages)
        out = io.BytesIO()
        packet.save(out, deterministic_id=True)
        return out.getvalue()


def write_packet(campaign: Campaign, language: Language, out: Path) -> Path:
    """Build the language's home PDFs (cached), then write its review packet to ``out``.

    Each format is built on its own, so a format that cannot be laid out (a
    translation too long for it) leaves only its pages out of the packet, and
    the packet names it: the translator is the person who can fix that.
    """
    from .build import BuildRequest, artifact_paths, build
    from .errors import RenderError

    pages: list[Path] = []
    missing: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        for name in campaign.formats:
            try:
                result = build(BuildRequest(root=campaign.root, out=Path(folder), languages=(language.tag,),
                                            formats=(name,)))
            except RenderError as exc:
                missing.append(f"{name}: {exc}")
                continue
            if language.tag in result.skipped:
                raise CatalogError(f"{language.tag}: {result.skipped[language.tag]}")
            pages.append(Path(folder) / artifact_paths(language.tag, name)["home"])
        data = _packet_in_worker(campaign, language, pages, missing)
    write_bytes(out, data)
    return out


def _packet_in_worker(campaign: Campaign, language: Language, pages: list[Path], missing: list[str]) -> bytes:
    """Lay the packet out in a render worker: WeasyPrint only ever runs with the workspace fonts."""
    from .fontstack import fontconfig_file, load_fonts
    from .workers import run_jobs

    conf = fontconfig_file(load_fonts(campaign.fonts_dir), campaign.root / ".cache")
    results = list(run_jobs(_packet_job, [(campaign, language, pages, missing)], conf, [f"{language.tag}/packet"]))
    return results[0][1]


def _packet_job(job: tuple[Campaign, Language, list[Path], list[str]]) -> bytes:
    return packet_pdf(*job)
