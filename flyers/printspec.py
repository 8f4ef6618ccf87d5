"""Production specs from campaign.toml ``[print]``: what a shop needs besides the files.

Stock per format (weight, finish, caliper), due date, contact, proof approver,
delivery method, over/under tolerance and spoilage allowance.  Every value is
optional: a missing one is not guessed but becomes an open question on the
ticket's first page (``open_questions``), so the shop asks before it prints
rather than after.  Wrong values are errors naming their key, all at once.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from typing import Any

from .campaign import CAMPAIGN_FILE, Campaign
from .errors import ConfigError

FINISHES = ("gloss", "matte", "satin", "silk", "coated", "uncoated")
DELIVERY = ("ship", "deliver", "pickup")
STOCK_TYPES = ("text", "cover", "card")


@dataclass(frozen=True)
class Stock:
    """A paper: what the shop orders and loads."""

    name: str  # as a shop says it, e.g. "100 lb gloss text"
    weight_gsm: float | None = None
    finish: str | None = None
    caliper_in: float | None = None
    type: str | None = None  # text / cover


@dataclass(frozen=True)
class Person:
    name: str
    email: str = ""
    phone: str = ""
    organisation: str = ""

    def line(self) -> str:
        return ", ".join(p for p in (self.name, self.organisation, self.email, self.phone) if p)


DEFAULT_BOX_PIECES = 500  # a box of cards or flyers one person can carry, until [print] pieces_per_box says


@dataclass(frozen=True)
class PrintSpec:
    """The campaign's production specs (None: not given, an open question)."""

    stock: dict[str, Stock] = field(default_factory=dict)
    due: dt.date | None = None
    contact: Person | None = None
    proof_approver: Person | None = None
    delivery: str | None = None
    overs_percent: float | None = None
    unders_percent: float | None = None
    spoilage_percent: float | None = None
    pieces_per_box: int = DEFAULT_BOX_PIECES

    @property
    def packing(self) -> str:
        return f"each distributor's pieces in labelled boxes of at most {self.pieces_per_box:,}"


def load_print_spec(campaign: Campaign) -> PrintSpec:
    """Read ``[print]`` from the campaign's campaign.toml (already checked as TOML by load_campaign)."""
    path = campaign.root / CAMPAIGN_FILE
    table = tomllib.loads(path.read_text("utf-8")).get("print", {})
    problems: list[str] = []
    spec = _spec(table if isinstance(table, dict) else {}, problems)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s) in [print]", problems)
    return spec


def _spec(table: dict[str, Any], problems: list[str]) -> PrintSpec:
    def number(where: str, key: str, data: dict[str, Any], low: float, high: float) -> float | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            problems.append(f"{where} {key}: must be a number from {low:g} to {high:g}, got {value!r}")
            return None
        return float(value)

    def choice(where: str, key: str, data: dict[str, Any], options: tuple[str, ...]) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if value not in options:
            problems.append(f"{where} {key}: must be one of {', '.join(options)}, got {value!r}")
            return None
        return str(value)

    stock: dict[str, Stock] = {}
    stocks = table.get("stock", {})
    for fmt, data in (stocks.items() if isinstance(stocks, dict) else ()):
        where = f"[print.stock.{fmt}]"
        if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"].strip():
            problems.append(f"{where} name: is required (the paper as the shop names it, e.g. '100 lb gloss text')")
            continue
        stock[fmt] = Stock(data["name"].strip(), number(where, "weight_gsm", data, 30, 1000),
                           choice(where, "finish", data, FINISHES), number(where, "caliper_in", data, 0.001, 0.1),
                           choice(where, "type", data, STOCK_TYPES))
    due = table.get("due")
    if due is not None and not (isinstance(due, dt.date) and not isinstance(due, dt.datetime)):
        problems.append(f"[print] due: must be a date such as 2026-03-01 (no quotes), got {due!r}")
        due = None
    return PrintSpec(
        stock=stock, due=due,
        contact=_person("[print.contact]", table.get("contact"), problems),
        proof_approver=_person("[print.proof_approver]", table.get("proof_approver"), problems),
        delivery=choice("[print]", "delivery", table, DELIVERY),
        overs_percent=number("[print]", "overs_percent", table, 0, 100),
        unders_percent=number("[print]", "unders_percent", table, 0, 100),
        spoilage_percent=number("[print]", "spoilage_percent", table, 0, 100),
        pieces_per_box=_whole("[print]", "pieces_per_box", table, DEFAULT_BOX_PIECES, problems),
    )


def _whole(where: str, key: str, data: dict[str, Any], default: int, problems: list[str]) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        problems.append(f"{where} {key}: must be a whole number, at least 1, got {value!r}")
        return default
    return value


def _person(where: str, data: Any, problems: list[str]) -> Person | None:
    if data is None:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("name"), str) or not data["name"].strip():
        problems.append(f"{where} name: is required when {where} is given")
        return None
    extra = [k for k in data if k not in ("name", "email", "phone", "organisation")]
    if extra:
        problems.append(f"{where} {extra[0]}: unknown key (use name, email, phone, organisation)")
    return Person(**{k: str(v).strip() for k, v in data.items() if k not in extra})
