"""Load and validate ``campaign.toml`` into frozen dataclasses.

Every problem is collected before stopping, each naming its key
(``[formats.card] pages: ...``), so a user fixes the whole file in one pass
instead of one error per run.  Nothing here executes user code: TOML is data.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError

CAMPAIGN_FILE = "campaign.toml"
PT_PER_UNIT = {"pt": 1.0, "in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "px": 0.75}
LENGTH_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(pt|in|mm|cm|px)\s*$")
TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$")
ERROR_CORRECTION = ("L", "M", "Q", "H")
MAX_LINK_LENGTH = 120


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


@dataclass(frozen=True)
class Facts:
    """The Executive Order facts the flyers state."""

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
    facts: Facts
    contacts: dict[str, Contact]
    qr: QRSettings
    colours: dict[str, tuple[float, float, float, float]]
    languages: tuple[str, ...]
    formats: dict[str, Format]
    locales: dict[str, LocaleData] = field(default_factory=dict)
    site_url: str = ""
    orders: Path | None = None
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


def source_date(campaign: Campaign) -> dt.datetime:
    """The date outputs carry: SOURCE_DATE_EPOCH when set, else the campaign's own date.

    Never the clock, so the same inputs give the same bytes on any day.
    """
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.combine(campaign.facts.signed, dt.time(12), dt.UTC)


class _Reader:
    """Typed access to a TOML table that records problems instead of raising."""

    def __init__(self, data: dict[str, Any], where: str, problems: list[str]) -> None:
        self.data = data
        self.where = where
        self.problems = problems

    def _name(self, key: str) -> str:
        return f"{self.where} {key}" if self.where else key

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self._name(key)}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = None) -> Any:
        if key not in self.data:
            if default is None:
                self.problem(key, "is required")
            return default
        value = self.data[key]
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            self.problem(key, f"must be a {wanted}, got {value!r}")
            return default
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.get(key, str, default)
        if value is not None and not value.strip() and default is None:
            self.problem(key, "must not be empty")
        return value if value is not None else ""

    def table(self, key: str, required: bool = True) -> _Reader:
        value = self.get(key, dict, None if required else {})
        name = f"[{key}]" if not self.where else f"{self.where[:-1]}.{key}]"
        return _Reader(value or {}, name, self.problems)

    def length(self, key: str) -> Length | None:
        value = self.text(key)
        match = LENGTH_RE.match(value) if value else None
        if value and not match:
            self.problem(key, f"must be a length such as 8.5in, 210mm or 10pt, got {value!r}")
        if not match:
            return None
        number = float(match.group(1))
        if number <= 0:
            self.problem(key, f"must be greater than zero, got {value!r}")
            return None
        return Length(css=value.strip(), pt=number * PT_PER_UNIT[match.group(2)])

    def time(self, key: str) -> dt.time | None:
        value = self.text(key)
        try:
            return dt.time.fromisoformat(value) if value else None
        except ValueError:
            self.problem(key, f"must be a time such as 09:00, got {value!r}")
            return None


def load_campaign(root: Path) -> Campaign:
    """Read ``root/campaign.toml``; raise :class:`ConfigError` listing every problem."""
    root = root.resolve()
    path = root / CAMPAIGN_FILE
    data = _read_toml(path)
    problems: list[str] = []
    top = _Reader(data, "", problems)
    campaign = _build(root, top, problems)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
    assert campaign is not None
    return campaign


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


def _build(root: Path, top: _Reader, problems: list[str]) -> Campaign | None:
    meta = top.table("campaign")
    facts = _facts(top.table("facts"))
    contacts = _contacts(top.table("contacts"))
    qr = _qr(top.table("qr"))
    colours = _colours(top.table("colours"))
    languages = _languages(meta)
    formats = _formats(top.table("formats"))
    locales = _locales(top.table("locales", required=False))
    site = top.table("site", required=False)
    site_url = site.text("url", "")
    if site_url and not site_url.startswith("https://"):
        site.problem("url", f"must start with https://, got {site_url!r}")
    orders = _orders(root, top.table("print", required=False))
    spoken = _spoken(top.table("spoken", required=False), languages)
    if problems:
        return None
    return Campaign(
        root=root,
        name=meta.text("name"),
        organisation=meta.text("organisation"),
        version=meta.text("version"),
        source_language=meta.text("source_language", "en"),
        facts=facts,  # type: ignore[arg-type]
        contacts=contacts,
        qr=qr,  # type: ignore[arg-type]
        colours=colours,
        languages=languages,
        formats=formats,
        locales=locales,
        site_url=site_url.rstrip("/"),
        orders=orders,
        spoken=spoken,
    )


def _facts(table: _Reader) -> Facts | None:
    signed = table.get("signed", dt.date)
    if isinstance(signed, dt.datetime):
        table.problem("signed", "must be a date such as 2026-02-06, not a date and time")
    return Facts(order_number=table.text("order_number"), signed=signed, mayor=table.text("mayor"))


def _contacts(table: _Reader) -> dict[str, Contact]:
    contacts: dict[str, Contact] = {}
    for key in ("legal", "emergency", "state", "office"):
        sub = table.table(key)
        contacts[key] = Contact(
            name=sub.text("name", "" if key != "legal" else None),
            phone=sub.text("phone", "" if key == "office" else None),
            url=sub.text("url", "" if key != "office" else None),
            opens=sub.time("opens") if key == "legal" else None,
            closes=sub.time("closes") if key == "legal" else None,
        )
        for phone_key in ("phone",):
            phone = sub.data.get(phone_key, "")
            if isinstance(phone, str) and phone and not re.fullmatch(r"[0-9()+\- .]{3,25}", phone):
                sub.problem(phone_key, f"must be a phone number of digits, spaces and ()+-., got {phone!r}")
    return contacts


def _qr(table: _Reader) -> QRSettings | None:
    link = table.text("link")
    if link:
        problem = link_problem(link.replace("{lang}", "zh-Hant"))
        if problem:
            table.problem("link", problem)
    ec = table.text("error_correction", "M")
    if ec not in ("M", "Q", "H"):
        table.problem("error_correction", f"must be M, Q or H (M or better), got {ec!r}")
    module = table.get("min_module_mm", (int, float), 0.4)
    if module is not None and not 0.25 <= float(module) <= 2.0:
        table.problem("min_module_mm", f"must be between 0.25 and 2.0, got {module!r}")
    return QRSettings(link=link, display=table.text("display", link), error_correction=ec,
                      min_module_mm=float(module or 0.4))


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


def _colours(table: _Reader) -> dict[str, tuple[float, float, float, float]]:
    colours: dict[str, tuple[float, float, float, float]] = {}
    for key in ("accent", "tint", "paper"):
        value = table.get(key, list)
        if value is None:
            continue
        ok = len(value) == 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                     and 0 <= v <= 100 for v in value)
        if not ok:
            table.problem(key, f"must be four CMYK percentages from 0 to 100, got {value!r}")
            continue
        c, m, y, k = (float(v) for v in value)
        colours[key] = (c, m, y, k)
    return colours


def _languages(top: _Reader) -> tuple[str, ...]:
    value = top.get("languages", list)
    if value is None:
        return ()
    seen: list[str] = []
    for index, tag in enumerate(value):
        if not isinstance(tag, str) or not TAG_RE.match(tag):
            top.problem(f"languages[{index}]", f"{tag!r} is not a BCP 47 tag such as es, zh-Hant or pt-BR")
        elif tag in seen:
            top.problem(f"languages[{index}]", f"{tag!r} is listed twice")
        else:
            seen.append(tag)
    if not value:
        top.problem("languages", "must list at least one language")
    return tuple(seen)


def _formats(table: _Reader) -> dict[str, Format]:
    formats: dict[str, Format] = {}
    for name in table.data:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
            table.problem(name, "format names use lower-case letters, digits and '-'")
            continue
        sub = table.table(name)
        fmt = _format(name, sub)
        if fmt:
            formats[name] = fmt
    if not formats and not table.problems:
        table.problem("", "define at least one format")
    return formats


def _format(name: str, sub: _Reader) -> Format | None:
    before = len(sub.problems)
    pages = sub.get("pages", int)
    if isinstance(pages, int) and not 1 <= pages <= 8:
        sub.problem("pages", f"must be between 1 and 8, got {pages}")
    sections = sub.get("sections", list, [])
    qr_size = sub.length("qr_size") if "qr_size" in sub.data else None
    width, height = sub.length("width"), sub.length("height")
    font_size, min_font = sub.length("font_size"), sub.length("min_font_size")
    if font_size and min_font and min_font.pt > font_size.pt:
        sub.problem("min_font_size", "must not be larger than font_size")
    safe = sub.length("safe_margin") if "safe_margin" in sub.data else Length("9pt", 9.0)
    margin = sub.length("margin")
    if safe and margin and width and height and 2 * safe.pt >= min(width.pt, height.pt):
        sub.problem("safe_margin", f"{safe.css} leaves no room on a {width.css} x {height.css} page")
    fmt = Format(
        name=name,
        template=sub.text("template"),
        width=width,  # type: ignore[arg-type]
        height=height,  # type: ignore[arg-type]
        margin=margin,  # type: ignore[arg-type]
        pages=pages or 1,
        font_size=font_size,  # type: ignore[arg-type]
        min_font_size=min_font,  # type: ignore[arg-type]
        qr_size=qr_size,
        sections=tuple(str(s) for s in sections or ()),
        safe_margin=safe or Length("9pt", 9.0),
        per_spoken_language=bool(sub.get("per_spoken_language", bool, False)),
    )
    return fmt if len(sub.problems) == before else None


SPOKEN_TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-x-[a-z0-9]{1,8})?$")


def _spoken(table: _Reader, languages: tuple[str, ...]) -> dict[str, str]:
    """``[spoken]``: spoken language tag = the written language its readers use ("" for none)."""
    spoken: dict[str, str] = {}
    for tag, written in table.data.items():
        if not SPOKEN_TAG_RE.match(tag):
            table.problem(tag, "is not a language tag such as yue, mam or yue-x-taishan")
        elif not isinstance(written, str):
            table.problem(tag, f"must be the tag of a written language or \"\", got {written!r}")
        elif written and written not in languages:
            table.problem(tag, f"{written!r} is not in [campaign] languages; use \"\" for an English-only card")
        elif not written and tag in languages:
            table.problem(tag, f"{tag} is one of the campaign's languages: write {tag} = \"{tag}\"")
        else:
            spoken[tag] = written
    return spoken


def _locales(table: _Reader) -> dict[str, LocaleData]:
    locales: dict[str, LocaleData] = {}
    for tag in table.data:
        sub = table.table(tag)
        direction = sub.text("direction", "ltr")
        if direction not in ("ltr", "rtl"):
            sub.problem("direction", f"must be ltr or rtl, got {direction!r}")
        locales[tag] = LocaleData(
            english_name=sub.text("english_name"),
            endonym=sub.text("endonym"),
            script=sub.text("script"),
            direction=direction,
            formatting_locale=sub.text("formatting_locale", "en"),
        )
    return locales


def _orders(root: Path, table: _Reader) -> Path | None:
    orders = table.text("orders", "")
    if not orders:
        return None
    path = (root / orders).resolve()
    if not path.is_relative_to(root.resolve()):
        table.problem("orders", f"must be a file inside the workspace, got {orders!r}")
        return None
    return path
