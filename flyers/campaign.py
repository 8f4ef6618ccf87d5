"""Load and validate ``campaign.toml`` into frozen dataclasses.

The file's shape is one typed schema (pydantic models in this module, helpers
in :mod:`flyers.schema`): every problem is collected before stopping, each
naming its key (``[formats.card] pages: ...``), so a user fixes the whole file
in one pass.  Unknown keys and unknown section names are reported with the
nearest known name as warnings (errors under ``--strict``).  Tables that only
some text needs (``[facts]`` for the Executive Order section) are required
only when a format's ``sections`` uses that text.  Nothing here executes user
code: TOML is data.

To add a setting: add a field to the table's model below (type, default and
rule in one place) and read it in :func:`_convert`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError

from .errors import ConfigError
from .schema import Table, problems_of, suggestion, unknown_keys

CAMPAIGN_FILE = "campaign.toml"
PT_PER_UNIT = {"pt": 1.0, "in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "px": 0.75}
LENGTH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(pt|in|mm|cm|px)\s*$")
TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$")
SPOKEN_TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-x-[a-z0-9]{1,8})?$")
PHONE_RE = re.compile(r"[0-9()+\- .]{3,25}")
ERROR_CORRECTION = ("L", "M", "Q", "H")
MAX_LINK_LENGTH = 120
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Sections the engine's core text provides (flyers/core/templates/_core.html).
CORE_SECTIONS = ("door", "door-short", "public", "detained", "family", "rights-short", "share", "help-short")
# Local sections whose text needs a campaign.toml table besides [contacts].
SECTION_TABLES = {"eo13": "facts", "eo13-short": "facts"}
SECTION_USE_RE = re.compile(r"""["']([a-z0-9][a-z0-9-]*)["']\s+(?:not\s+)?in\s+(?:format|site)\.sections""")
# A [qr] link a generic workspace starts with: the build refuses to print it.
PLACEHOLDER_HOST = "example.invalid"


@dataclass(frozen=True)
class Length:
    """A CSS length as written (for the templates) and in points (for maths)."""

    css: str
    pt: float


@dataclass(frozen=True)
class Format:
    """One product: page size, template and how small its type may get."""

    name: str
    template: str
    width: Length
    height: Length
    margin: Length
    pages: int
    font_size: Length
    min_font_size: Length
    qr_size: Length | None
    sections: tuple[str, ...]
    # All ink (text, rules, QR) stays this far inside the trim; backgrounds meant to bleed may cross.
    safe_margin: Length = Length("9pt", 9.0)
    # Made per spoken language as well (interpreter card, wallet card): see [spoken].
    per_spoken_language: bool = False

    @property
    def has_qr(self) -> bool:
        """Formats without a QR slot (e.g. the interpreter card) skip QR stamping."""
        return self.qr_size is not None


@dataclass(frozen=True)
class Contact:
    """A place to get help; only the fields a template uses are filled."""

    name: str = ""
    phone: str = ""
    url: str = ""
    opens: dt.time | None = None
    closes: dt.time | None = None
    days: tuple[str, str] = ("mon", "fri")  # first and last opening day (CLDR names per language)


@dataclass(frozen=True)
class QRSettings:
    """What the QR code carries and how it must print."""

    link: str
    display: str
    error_correction: str
    min_module_mm: float

    def link_for(self, tag: str) -> str:
        """The link for one language (``{lang}`` replaced by its tag)."""
        return self.link.replace("{lang}", tag)

    @property
    def is_placeholder(self) -> bool:
        """True while the link is the generic workspace's placeholder."""
        return urlsplit(self.link).hostname == PLACEHOLDER_HOST


@dataclass(frozen=True)
class Facts:
    """The Executive Order facts the NYC flyers state."""

    order_number: str
    signed: dt.date
    mayor: str


@dataclass(frozen=True)
class LocaleData:
    """Explicit data for a language CLDR does not know (e.g. Dari, Mam)."""

    english_name: str
    endonym: str
    script: str
    direction: str
    formatting_locale: str


@dataclass(frozen=True)
class Campaign:
    """A validated campaign workspace."""

    root: Path
    name: str
    organisation: str
    version: str
    source_language: str
    facts: Facts | None
    contacts: dict[str, Contact]
    qr: QRSettings
    colours: dict[str, tuple[float, float, float, float]]
    languages: tuple[str, ...]
    formats: dict[str, Format]
    locales: dict[str, LocaleData] = field(default_factory=dict)
    site_url: str = ""
    orders: Path | None = None
    date: dt.date | None = None
    warnings: tuple[str, ...] = ()
    # Spoken language tag -> the written language (a campaign language) its
    # readers use, or "" for none; in campaign.toml order.
    spoken: dict[str, str] = field(default_factory=dict)

    @property
    def templates_dir(self) -> Path:
        return self.root / "templates"

    @property
    def translations_dir(self) -> Path:
        return self.root / "translations"

    @property
    def fonts_dir(self) -> Path:
        return self.root / "fonts"

    @property
    def sections(self) -> tuple[str, ...]:
        """Every section some flyer format carries, in first-use order (the site shows these)."""
        seen: dict[str, None] = {}
        for fmt in self.formats.values():
            seen.update(dict.fromkeys(fmt.sections))
        return tuple(seen)

    def names(self) -> list[tuple[str, str]]:
        """(context, value) of every campaign.toml value a reader sees as words.

        These become msgctxt entries of the local catalog, so a language can
        give its own spelling ("Зохран Мамдани"); a change to one value makes
        only that entry fuzzy.
        """
        found = [(f"[contacts.{key}] name", c.name) for key, c in self.contacts.items() if c.name]
        if self.facts is not None:
            found.insert(0, ("[facts] mayor", self.facts.mayor))
        return found


def source_date(campaign: Campaign) -> dt.datetime:
    """The date outputs carry: SOURCE_DATE_EPOCH when set, else the campaign's own date.

    Never the clock, so the same inputs give the same bytes on any day.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    day = campaign.facts.signed if campaign.facts else campaign.date or dt.date(2026, 1, 1)
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


# --- value rules ------------------------------------------------------------------


def _length(value: Any) -> Length:
    if isinstance(value, Length):
        return value
    match = LENGTH_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"must be a length such as 8.5in, 210mm or 10pt, got {value!r}")
    number = float(match.group(1))
    if number <= 0:
        raise ValueError(f"must be greater than zero, got {value!r}")
    return Length(css=value.strip(), pt=number * PT_PER_UNIT[match.group(2)])


def _time(value: Any) -> Any:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        try:
            return dt.time.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be a time such as 09:00, got {value!r}")


def _phone(value: str) -> str:
    if value and not PHONE_RE.fullmatch(value):
        raise ValueError(f"must be a phone number of digits, spaces and ()+-., got {value!r}")
    return value


def _not_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


def _cmyk(value: Any) -> tuple[float, float, float, float]:
    ok = isinstance(value, (list, tuple)) and len(value) == 4 and all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 100 for v in value)
    if not ok:
        raise ValueError(f"must be four CMYK percentages from 0 to 100, got {value!r}")
    c, m, y, k = (float(v) for v in value)
    return (c, m, y, k)


def _weekday(value: str) -> str:
    if value not in WEEKDAYS:
        raise ValueError(f"must be one of {', '.join(WEEKDAYS)}, got {value!r}{suggestion(value, WEEKDAYS)}")
    return value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date such as 2026-02-06, not a date and time")
    if not isinstance(value, dt.date):
        raise ValueError(f"must be a date such as 2026-02-06, got {value!r}")
    return value


def link_problem(link: str) -> str | None:
    """Why ``link`` cannot go in a QR code, or None when it can."""
    parts = urlsplit(link)
    if parts.scheme != "https" or not parts.netloc:
        return f"must be an https:// link, got {link!r}"
    if len(link) > MAX_LINK_LENGTH:
        return f"is {len(link)} characters; at most {MAX_LINK_LENGTH} fit a printable QR code"
    if any(ch.isspace() for ch in link):
        return f"must not contain spaces, got {link!r}"
    return None


def _link(value: str) -> str:
    problem = link_problem(value.replace("{lang}", "zh-Hant"))
    if problem:
        raise ValueError(problem)
    return value


def _module_mm(value: float) -> float:
    if not 0.25 <= value <= 2.0:
        raise ValueError(f"must be between 0.25 and 2.0, got {value!r}")
    return value


LengthStr = Annotated[Length, BeforeValidator(_length)]
Text = Annotated[str, AfterValidator(_not_empty)]
Phone = Annotated[str, AfterValidator(_phone)]
TimeValue = Annotated[dt.time, BeforeValidator(_time)]
DateValue = Annotated[dt.date, BeforeValidator(_date)]
CMYK = Annotated[tuple[float, float, float, float], BeforeValidator(_cmyk)]
Weekday = Annotated[str, AfterValidator(_weekday)]


# --- the schema: one model per table ------------------------------------------------


class CampaignTable(Table):
    name: Text
    organisation: Text
    version: Text
    source_language: str = "en"
    date: DateValue | None = None  # the campaign's date when it has no [facts] signed
    languages: list[str]


class FactsTable(Table):
    order_number: Text
    signed: DateValue
    mayor: Text


class ContactTable(Table):
    name: str = ""
    phone: Phone = ""
    url: str = ""
    opens: TimeValue | None = None
    closes: TimeValue | None = None
    days: Annotated[list[Weekday], Field(min_length=2, max_length=2)] = Field(
        default_factory=lambda: ["mon", "fri"])


class QRTable(Table):
    link: Annotated[Text, AfterValidator(_link)]
    display: str = ""
    error_correction: Literal["M", "Q", "H"] = "M"
    min_module_mm: Annotated[float, AfterValidator(_module_mm)] = 0.4


class ColoursTable(Table):
    accent: CMYK = (100.0, 60.0, 0.0, 20.0)
    tint: CMYK = (10.0, 4.0, 0.0, 0.0)
    paper: CMYK = (0.0, 0.0, 0.0, 0.0)


class FormatTable(Table):
    template: Text
    width: LengthStr
    height: LengthStr
    margin: LengthStr
    pages: Annotated[int, Field(ge=1, le=8)]
    font_size: LengthStr
    min_font_size: LengthStr
    qr_size: LengthStr | None = None
    sections: list[str] = Field(default_factory=list)
    # All ink (text, rules, QR) stays this far inside the trim (the layout checks hold it).
    safe_margin: LengthStr = Length("9pt", 9.0)
    per_spoken_language: bool = False


class LocaleTable(Table):
    english_name: Text
    endonym: Text
    script: Text
    direction: Literal["ltr", "rtl"] = "ltr"
    formatting_locale: str = "en"


class SiteTable(Table):
    url: str = ""


class StockTable(Table):
    """``[print.stock.FORMAT]``: the values' rules live in :mod:`flyers.printspec`
    (its messages name the shop's terms); here they are known keys."""

    name: Any = None
    weight_gsm: Any = None
    finish: Any = None
    caliper_in: Any = None
    type: Any = None


class PrintTable(Table):
    """``[print]``: the orders file, and the production specs :mod:`flyers.printspec` checks."""

    orders: str = ""
    due: Any = None
    delivery: Any = None
    overs_percent: Any = None
    unders_percent: Any = None
    spoilage_percent: Any = None
    pieces_per_box: Any = None
    contact: Any = None
    proof_approver: Any = None
    stock: dict[str, StockTable] = Field(default_factory=dict)


class CampaignFile(Table):
    campaign: CampaignTable
    facts: FactsTable | None = None
    contacts: dict[str, ContactTable] = Field(default_factory=dict)
    qr: QRTable
    colours: ColoursTable = ColoursTable()
    formats: dict[str, FormatTable]
    locales: dict[str, LocaleTable] = Field(default_factory=dict)
    site: SiteTable = SiteTable()
    print: PrintTable = PrintTable()
    # [spoken]: spoken language tag = the written language its readers use ("" for none)
    spoken: dict[str, str] = Field(default_factory=dict)


# --- loading ------------------------------------------------------------------------


def load_campaign(root: Path, strict: bool = False) -> Campaign:
    """Read ``root/campaign.toml``; raise :class:`ConfigError` listing every problem.

    Warnings (unknown keys, unknown sections) ride on ``Campaign.warnings``;
    with ``strict`` they are problems too.
    """
    root = root.resolve()
    path = root / CAMPAIGN_FILE
    data = _read_toml(path)
    try:
        model = CampaignFile.model_validate(data)
    except ValidationError as exc:
        found = problems_of(exc) + _language_problems(_raw_languages(data))
        raise ConfigError(f"{path}: {len(found)} problem(s)", list(dict.fromkeys(found))) from None
    problems = _cross_checks(root, model)
    warnings = unknown_keys(model) + _section_warnings(root, model)
    if strict and warnings:
        problems += [f"{w} (an error under --strict)" for w in warnings]
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
    return _convert(root, model, tuple(warnings))


def _raw_languages(data: dict[str, Any]) -> list[str]:
    """The language tags as written, for checks that must run even when other keys are wrong."""
    meta = data.get("campaign")
    tags = meta.get("languages") if isinstance(meta, dict) else None
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else ["en"]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: not found (is this a campaign workspace? try `flyers init DIR`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _cross_checks(root: Path, model: CampaignFile) -> list[str]:
    """Rules that span keys: languages, format names, sizes, tables a section needs."""
    problems = _language_problems(model.campaign.languages)
    for name, fmt in model.formats.items():
        where = f"[formats.{name}]"
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            problems.append(f"{where}: format names use lower-case letters, digits and '-'")
        if fmt.min_font_size.pt > fmt.font_size.pt:
            problems.append(f"{where} min_font_size: must not be larger than font_size")
        if 2 * fmt.safe_margin.pt >= min(fmt.width.pt, fmt.height.pt):
            problems.append(f"{where} safe_margin: {fmt.safe_margin.css} leaves no room on a "
                            f"{fmt.width.css} x {fmt.height.css} page")
        for section in fmt.sections:
            table = SECTION_TABLES.get(section)
            if table and getattr(model, table) is None:
                problems.append(f"[{table}]: is required, because {where} sections has {section!r} "
                                f"(remove {section!r} from sections, or add [{table}])")
    if not model.formats:
        problems.append("[formats]: define at least one format")
    problems += _spoken_problems(model.spoken, model.campaign.languages)
    if model.site.url and not model.site.url.startswith("https://"):
        problems.append(f"[site] url: must start with https://, got {model.site.url!r}")
    if model.print.orders:
        target = (root / model.print.orders).resolve()
        if not target.is_relative_to(root):
            problems.append(f"[print] orders: must be a file inside the workspace, got {model.print.orders!r}")
    return problems


def _language_problems(tags: list[str]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for index, tag in enumerate(tags):
        if not TAG_RE.match(tag):
            problems.append(f"[campaign] languages[{index}]: {tag!r} is not a BCP 47 tag such as es, "
                            "zh-Hant or pt-BR")
        elif tag in seen:
            problems.append(f"[campaign] languages[{index}]: {tag!r} is listed twice")
        seen.add(tag)
    if not tags:
        problems.append("[campaign] languages: must list at least one language")
    return problems


def _spoken_problems(spoken: dict[str, str], languages: list[str]) -> list[str]:
    """``[spoken]`` rules: a spoken tag, and the written language its readers use (or "")."""
    problems = []
    for tag, written in spoken.items():
        if not SPOKEN_TAG_RE.match(tag):
            problems.append(f"[spoken] {tag}: is not a language tag such as yue, mam or yue-x-taishan")
        elif written and written not in languages:
            problems.append(f"[spoken] {tag}: {written!r} is not in [campaign] languages; use \"\" for an "
                            "English-only card")
        elif not written and tag in languages:
            problems.append(f"[spoken] {tag}: {tag} is one of the campaign's languages: write {tag} = \"{tag}\"")
    return problems


def known_sections(root: Path) -> set[str]:
    """Section names the engine's core text and the workspace's templates understand."""
    known = set(CORE_SECTIONS) | set(SECTION_TABLES)
    folder = root / "templates"
    for path in folder.rglob("*.html") if folder.is_dir() else ():
        try:
            known.update(SECTION_USE_RE.findall(path.read_text("utf-8")))
        except (OSError, UnicodeDecodeError):
            continue
    return known


def _section_warnings(root: Path, model: CampaignFile) -> list[str]:
    known = known_sections(root)
    return [f"[formats.{name}] sections: unknown section {section!r}{suggestion(section, sorted(known))} "
            "(it prints nothing)"
            for name, fmt in model.formats.items() for section in fmt.sections if section not in known]


def _convert(root: Path, model: CampaignFile, warnings: tuple[str, ...]) -> Campaign:
    meta, qr = model.campaign, model.qr
    facts = model.facts
    orders = (root / model.print.orders).resolve() if model.print.orders else None
    return Campaign(
        root=root,
        name=meta.name,
        organisation=meta.organisation,
        version=meta.version,
        source_language=meta.source_language,
        facts=Facts(facts.order_number, facts.signed, facts.mayor) if facts else None,
        contacts={key: Contact(c.name, c.phone, c.url, c.opens, c.closes, (c.days[0], c.days[1]))
                  for key, c in model.contacts.items()},
        qr=QRSettings(link=qr.link, display=qr.display or qr.link, error_correction=qr.error_correction,
                      min_module_mm=float(qr.min_module_mm)),
        colours={key: getattr(model.colours, key) for key in ("accent", "tint", "paper")},
        languages=tuple(dict.fromkeys(meta.languages)),
        formats={name: _format(name, fmt) for name, fmt in model.formats.items()},
        locales={tag: LocaleData(loc.english_name, loc.endonym, loc.script, loc.direction, loc.formatting_locale)
                 for tag, loc in model.locales.items()},
        site_url=model.site.url.rstrip("/"),
        orders=orders,
        date=meta.date,
        warnings=warnings,
        spoken=dict(model.spoken),
    )


def _format(name: str, fmt: FormatTable) -> Format:
    return Format(
        name=name, template=fmt.template, width=fmt.width, height=fmt.height, margin=fmt.margin,
        pages=fmt.pages, font_size=fmt.font_size, min_font_size=fmt.min_font_size, qr_size=fmt.qr_size,
        sections=tuple(fmt.sections), safe_margin=fmt.safe_margin, per_spoken_language=fmt.per_spoken_language,
    )
