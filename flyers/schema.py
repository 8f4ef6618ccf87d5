"""Typed schemas for the workspace's hand-edited files, and how their problems read.

One pydantic model per table: types, required keys and value rules live in one
place, and pydantic collects *every* problem in one pass.  This module turns
pydantic's findings into messages a campaign volunteer can act on
(``[formats.card] pages: must be a int, got 'two'``) and reports unknown keys,
which TOML happily accepts, with the nearest known name
(``[contacts.legal] phnoe: unknown key; did you mean `phone`?``).  Unknown
keys are warnings (a typo must not stop a build that is otherwise right) and
errors under ``--strict``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

TYPE_NAMES = {
    "string_type": "str", "int_type": "int", "int_parsing": "int", "float_type": "number",
    "float_parsing": "number", "bool_type": "bool", "list_type": "list", "tuple_type": "list",
    "dict_type": "table", "model_type": "table", "date_type": "date", "time_type": "time",
    "model_attributes_type": "table",
}


class Table(BaseModel):
    """A TOML table: strict types (no "2" for 2), unknown keys kept for the report."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)


def key_name(loc: Sequence[str | int]) -> str:
    """A pydantic location as the user wrote it: ``("formats", "card", "pages")`` ->
    ``[formats.card] pages``; list indexes attach to their key (``languages[3]``)."""
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] += f"[{item}]"
        else:
            text = str(item)
            parts.append(text if text.replace("-", "").replace("_", "").isalnum() else f'"{text}"')
    if not parts:
        return ""
    *tables, key = parts
    return f"[{'.'.join(tables)}] {key}" if tables else key


def problems_of(error: ValidationError) -> list[str]:
    """Every pydantic error as ``key: what is wrong``."""
    lines: list[str] = []
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if p not in ("function-after", "lax-or-strict", "str")]
        lines.append(f"{key_name(loc)}: {_message(item)}")
    return lines


def _message(item: Any) -> str:
    kind = item["type"]
    value = item.get("input")
    if kind == "missing":
        return "is required"
    if kind in TYPE_NAMES:
        return f"must be a {TYPE_NAMES[kind]}, got {value!r}"
    if kind == "value_error":
        return str(item["ctx"]["error"])
    if kind == "assertion_error":
        return str(item["ctx"]["error"]).removeprefix("Assertion failed, ")
    if kind == "literal_error":
        return f"must be {str(item['ctx']['expected']).replace(chr(39), '')}, got {value!r}"  # M, Q or H
    return f"{item['msg']}, got {value!r}"


def suggestion(name: str, known: Iterable[str]) -> str:
    """``; did you mean `phone`?`` for a near miss, else ''."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean `{close[0]}`?" if close else ""


def unknown_keys(model: BaseModel, where: tuple[str | int, ...] = ()) -> list[str]:
    """Keys present in the file that no schema field reads, anywhere in the tree."""
    found: list[str] = []
    fields = type(model).model_fields
    known = [f.alias or name for name, f in fields.items()]
    for key in (model.model_extra or {}):
        label = key_name((*where, key)) if where else f"{key}"
        kind = "table" if isinstance((model.model_extra or {})[key], dict) else "key"
        if not where and kind == "table":
            label = f"[{key}]"
        found.append(f"{label}: unknown {kind}{suggestion(key, known)}")
    for name in fields:
        found += _unknown_in(getattr(model, name), (*where, name))
    return found


def _unknown_in(value: Any, where: tuple[str | int, ...]) -> list[str]:
    if isinstance(value, BaseModel):
        return unknown_keys(value, where)
    if isinstance(value, dict):
        return [line for key, item in value.items() for line in _unknown_in(item, (*where, key))]
    return []
