"""Read and validate an orders CSV: who gets how many of which flyer.

Orders come from spreadsheets, so every problem is reported with its line and
column before anything is printed, all at once.  A distributor id ends up in
a QR link (``?src=ID``), so it is restricted to a short code; names and
contacts never go into a QR.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import AfterValidator, ValidationError

from .campaign import Campaign
from .cmaps import font_cmap, needs_glyph
from .errors import OrdersError
from .schema import Table, suggestion

REQUIRED_COLUMNS = ("distributor_id", "distributor_name", "language", "format", "quantity")
ADDRESS_COLUMNS = ("address", "city", "region", "postal_code", "country")
OPTIONAL_COLUMNS = ("contact", *ADDRESS_COLUMNS)
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
MAX_QUANTITY = 1_000_000
MAX_NAME = 120


class ShipTo(NamedTuple):
    """Where a distributor's box goes (optional columns; for the shop's delivery, never on a flyer)."""

    address: str = ""  # street and number
    city: str = ""
    region: str = ""  # state
    postal_code: str = ""
    country: str = ""  # ISO 3166 two-letter code

    def __bool__(self) -> bool:
        return any(self)

    def lines(self) -> list[str]:
        """As written on a box: street; city, region postal code; country."""
        place = " ".join(p for p in (f"{self.city}," if self.city and (self.region or self.postal_code)
                                     else self.city, self.region, self.postal_code) if p)
        return [line for line in (self.address, place, self.country) if line]


@dataclass(frozen=True, slots=True)  # slots: a national plan holds 100,000 of them, here and in the packing worker
class Order:
    """One line of the orders file."""

    line: int
    distributor_id: str
    distributor_name: str
    language: str
    format: str
    quantity: int
    contact: str = ""
    ship_to: ShipTo = field(default_factory=ShipTo)


@dataclass(frozen=True, slots=True)
class Distributor:
    """A distributor and its lines, in file order."""

    id: str
    name: str
    contact: str
    orders: tuple[Order, ...]
    ship_to: ShipTo = field(default_factory=ShipTo)

    @property
    def pieces(self) -> int:
        return sum(o.quantity for o in self.orders)


def read_orders(path: Path, campaign: Campaign) -> list[Order]:
    """Parse ``path``; raise :class:`OrdersError` naming every bad line and column."""
    # Decoded as it is read: a StringIO of the whole text holds four bytes a character
    # (22 MB for a 100,000-line plan, kept in the process's heap afterwards).
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(_utf8(path)), encoding="utf-8-sig", newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise OrdersError(f"{path}: empty file; expected a header line with "
                          f"{', '.join(REQUIRED_COLUMNS)}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise OrdersError(f"{path}:1: missing column(s): {', '.join(missing)} "
                          f"(the header has: {', '.join(header) or 'nothing'})")
    problems: list[str] = []
    orders: list[Order] = []
    checker = NameCheck(campaign)
    seen: dict[tuple[str, str, str], int] = {}
    names: dict[str, tuple[str, int]] = {}
    shared: dict[Any, Any] = {}
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        order = _parse_row(path, number, header, row, campaign, problems, checker)
        if order is None:
            continue
        order = _shared(order, shared)
        key = (order.distributor_id, order.language, order.format)
        if key in seen:
            problems.append(f"{path}:{number}: duplicate of line {seen[key]} "
                            f"({order.distributor_id}, {order.language}, {order.format}); merge the quantities")
            continue
        seen[key] = number
        first = names.setdefault(order.distributor_id, (order.distributor_name, number))
        if first[0] != order.distributor_name:
            problems.append(f"{path}:{number}: column distributor_name: {order.distributor_name!r} differs "
                            f"from {first[0]!r} on line {first[1]} for the same distributor_id")
            continue
        orders.append(order)
    if not orders and not problems:
        problems.append(f"{path}: no orders (only a header)")
    if problems:
        raise OrdersError(f"{path}: {len(problems)} problem(s); nothing was printed", problems)
    return orders


def _shared(order: Order, shared: dict[Any, Any]) -> Order:
    """``order`` with the values earlier lines had (ids, names, languages, formats, addresses)
    as the same objects: 100,000 lines then hold about 15 MB, not 80."""
    def one(value: Any) -> Any:
        return shared.setdefault(value, value)

    return Order(order.line, one(order.distributor_id), one(order.distributor_name), one(order.language),
                 one(order.format), order.quantity, one(order.contact), one(order.ship_to))


def _utf8(path: Path) -> bytes:
    """The bytes of ``path``, checked to be UTF-8 text (the error names the line)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise OrdersError(f"{path}: not found") from None
    except OSError as exc:
        raise OrdersError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        codecs.utf_8_decode(raw, "strict", True)  # the check only; its text is dropped at once
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise OrdersError(f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the sheet as "
                          "'CSV UTF-8'") from None
    return raw


def _parse_row(path: Path, number: int, header: list[str], row: list[str], campaign: Campaign,
               problems: list[str], checker: NameCheck) -> Order | None:
    if len(row) > len(header):
        problems.append(f"{path}:{number}: {len(row)} cells but the header has {len(header)} columns")
        return None
    if len(row) < len(header):
        absent = [name for name in header[len(row):] if name in REQUIRED_COLUMNS]
        if absent:
            problems.append(f"{path}:{number}: {len(row)} cells but the header has {len(header)} columns "
                            f"(no {', '.join(absent)}); is a comma missing?")
            return None
    cells = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
    before = len(problems)
    try:
        parsed = OrderRow.model_validate({k: v for k, v in cells.items() if k in _ROW_FIELDS})
    except ValidationError as exc:
        for item in exc.errors(include_url=False):
            column = str(item["loc"][0])
            message = str(item["ctx"]["error"]) if item["type"] == "value_error" else item["msg"]
            problems.append(f"{path}:{number}: column {column}: {message}")
        parsed = None
    for message in checker.problems(cells["distributor_name"]):
        problems.append(f"{path}:{number}: column distributor_name: {message}")
    if cells["language"] not in campaign.languages:
        problems.append(f"{path}:{number}: column language: {cells['language']!r} is not a campaign language "
                        f"({', '.join(campaign.languages)}){suggestion(cells['language'], campaign.languages)}")
    if cells["format"] not in campaign.formats:
        problems.append(f"{path}:{number}: column format: {cells['format']!r} is not a campaign format "
                        f"({', '.join(campaign.formats)}){suggestion(cells['format'], campaign.formats)}")
    if len(problems) != before or parsed is None:
        return None
    return Order(number, parsed.distributor_id, parsed.distributor_name, parsed.language, parsed.format,
                 int(parsed.quantity.replace(",", "")), parsed.contact,
                 ShipTo(*(getattr(parsed, c) for c in ADDRESS_COLUMNS)))


def _check_id(ident: str) -> str:
    if not ID_RE.match(ident):
        raise ValueError(f"{ident!r} must be 1-32 letters, digits, '-' or '_' (it goes in the QR link)")
    return ident


def _check_name(name: str) -> str:
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"must be 1-{MAX_NAME} characters, got {len(name)}")
    return name


def _check_country(country: str) -> str:
    if country and not COUNTRY_RE.match(country):
        raise ValueError(f"{country!r} must be a two-letter ISO 3166 code such as US")
    return country


# Characters that change the order of the text around them.  The imprint isolates the name
# itself (FSI..PDI); one of these inside it would reorder it ("live Church" for U+202E).
BIDI_CONTROLS = {"\u202a": "LRE", "\u202b": "RLE", "\u202c": "PDF", "\u202d": "LRO", "\u202e": "RLO",
                 "\u2066": "LRI", "\u2067": "RLI", "\u2068": "FSI", "\u2069": "PDI",
                 "\u200e": "LRM", "\u200f": "RLM", "\u061c": "ALM"}


class NameCheck:
    """Checks distributor names against the workspace fonts, loaded once per orders file."""

    def __init__(self, campaign: Campaign) -> None:
        from .fontstack import load_fonts

        self.checked: dict[str, list[str]] = {}
        try:
            book = load_fonts(campaign.fonts_dir)
        except Exception:  # a broken fonts.toml is reported where the build loads it
            self.covered: frozenset[int] | None = None
            return
        # The imprint falls back through every family after the language's own stack, as the
        # flyers' CSS does, so a character any family has prints.
        paths = [p for files in book.families.values() for p in files if p.is_file()]
        self.covered = frozenset().union(*(font_cmap(p) for p in paths))

    def problems(self, name: str) -> list[str]:
        """What keeps ``name`` from printing as written (each name checked once: a
        distributor's name comes back on each of its lines)."""
        if name not in self.checked:
            self.checked[name] = self._problems(name)
        return self.checked[name]

    def _problems(self, name: str) -> list[str]:
        problems = []
        controls = sorted({c for c in name if c in BIDI_CONTROLS})
        if controls:
            shown = ", ".join(f"U+{ord(c):04X} ({BIDI_CONTROLS[c]})" for c in controls)
            problems.append(f"contains the bidi control character(s) {shown}, which would reorder the "
                            "printed name; delete them (the imprint keeps a name's own order)")
        breaks = sorted({c for c in name if unicodedata.category(c) in ("Cc", "Zl", "Zp")})
        if breaks:
            shown = ", ".join(f"U+{ord(c):04X}" for c in breaks)
            problems.append(f"contains a line break or control character ({shown}), which the one-line "
                            "imprint cannot print; put the name on one line")
        if self.covered is not None and not name.isascii():
            missing = sorted({c for c in name if needs_glyph(c) and ord(c) not in self.covered})
            if missing:
                shown = " ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:8])
                problems.append(f"{shown} cannot be printed: no font in fonts/fonts.toml has it (an emoji "
                                "or a rare character?); spell the name without it, or add a font")
        return problems


def _check_quantity(value: str) -> str:
    try:
        quantity = int(value.replace(",", ""))
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if quantity <= 0:
        raise ValueError(f"must be at least 1, got {quantity}")
    if quantity > MAX_QUANTITY:
        raise ValueError(f"{quantity} is more than {MAX_QUANTITY:,} for one line; split or check it")
    return value


class OrderRow(Table):
    """The schema of one orders line: every cell is text in a CSV, so rules parse it."""

    distributor_id: Annotated[str, AfterValidator(_check_id)]
    distributor_name: Annotated[str, AfterValidator(_check_name)]
    language: str
    format: str
    quantity: Annotated[str, AfterValidator(_check_quantity)]
    contact: str = ""
    address: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: Annotated[str, AfterValidator(_check_country)] = ""


_ROW_FIELDS = frozenset(OrderRow.model_fields)


def distributors(orders: list[Order]) -> list[Distributor]:
    """Orders grouped by distributor, in the order distributors first appear."""
    grouped: dict[str, list[Order]] = {}
    for order in orders:
        grouped.setdefault(order.distributor_id, []).append(order)
    return [Distributor(ident, lines[0].distributor_name, next((o.contact for o in lines if o.contact), ""),
                        tuple(lines), next((o.ship_to for o in lines if o.ship_to), ShipTo()))
            for ident, lines in grouped.items()]
