"""Property-based tests: any campaign.toml or orders file gives a result or a clean error."""

from __future__ import annotations

import contextlib
import copy
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flyers.campaign import Campaign, load_campaign
from flyers.errors import FlyersError
from flyers.orders import read_orders

from .conftest import ROOT

DEFAULT = (ROOT / "campaign.toml").read_text("utf-8")
LINES = DEFAULT.splitlines()
CAMPAIGN = load_campaign(ROOT)
HEADER = "distributor_id,distributor_name,language,format,quantity"
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load_text(text: str | bytes) -> Campaign | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "campaign.toml"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        try:
            return load_campaign(Path(tmp))
        except FlyersError as exc:
            assert str(exc)  # a message, never an empty error
            return None


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(LINES) - 1), st.text(max_size=40)), max_size=6))
def test_mutated_campaign_loads_or_fails_cleanly(edits: list[tuple[int, str]]) -> None:
    lines = list(LINES)
    for index, replacement in edits:
        lines[index] = replacement
    load_text("\n".join(lines))


@SETTINGS
@given(st.lists(st.integers(0, len(LINES) - 1), max_size=30))
def test_campaign_with_lines_removed_loads_or_fails_cleanly(removed: list[int]) -> None:
    load_text("\n".join(line for i, line in enumerate(LINES) if i not in set(removed)))


@SETTINGS
@given(st.binary(max_size=300))
def test_arbitrary_bytes_as_campaign(data: bytes) -> None:
    load_text(data)


# Random bytes almost never get past the TOML decoder, so the schema is fuzzed with
# documents built structurally: valid TOML every time, wrong in type, shape or value.
toml_scalars = st.one_of(
    st.text(max_size=24), st.sampled_from(["", "en", "es", "zh-Hans", "xx-Zzzz", "12pt", "0in", "-3mm", "https://",
                                           "http://example.org/{lang}", "09:00", "25:99", "letter", "M", "Z"]),
    st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False), st.booleans(),
    st.dates(), st.times(), st.datetimes())
toml_values = st.recursive(
    toml_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(min_size=1, max_size=10), children,
                                                                      max_size=4),
    max_leaves=10)
DEFAULT_DATA = tomllib.loads(DEFAULT)


def _key_paths(table: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = []
    for key, value in table.items():
        paths.append((*prefix, key))
        if isinstance(value, dict):
            paths += _key_paths(value, (*prefix, key))
    return paths


KEY_PATHS = _key_paths(DEFAULT_DATA)


def load_document(data: dict[str, Any]) -> Campaign | None:
    """Load a TOML document that always decodes: any failure must be the schema's message."""
    text = tomli_w.dumps(data)
    assert tomllib.loads(text) is not None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            (Path(tmp) / "campaign.toml").write_text(text, "utf-8")
            return load_campaign(Path(tmp))
    except FlyersError as exc:
        assert str(exc) and "invalid TOML" not in str(exc)
        return None


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(KEY_PATHS), st.none() | toml_values), min_size=1, max_size=5))
def test_default_campaign_with_values_replaced_or_removed(edits: list[tuple[tuple[str, ...], Any]]) -> None:
    data = copy.deepcopy(DEFAULT_DATA)
    for path, value in edits:
        parent: Any = data
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(parent, dict):
            continue  # an earlier edit replaced this table
        if value is None:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = value
    load_document(data)


@SETTINGS
@given(st.dictionaries(st.sampled_from([*DEFAULT_DATA, "extra"]), toml_values, max_size=8))
def test_arbitrary_toml_documents_as_campaign(data: dict[str, Any]) -> None:
    load_document(data)


cells = st.one_of(st.sampled_from(["es", "ar", "zh-Hans", "card", "letter", "xx", "10", "0", "-3", "1e3", ""]),
                  st.text(max_size=12))


@SETTINGS
@given(st.lists(st.lists(cells, min_size=0, max_size=7), max_size=8), st.booleans())
def test_orders_parse_or_fail_cleanly(rows: list[list[str]], header: bool) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header:
        buffer.write(HEADER + "\n")
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        path.write_text(buffer.getvalue(), "utf-8", errors="surrogatepass")
        try:
            orders = read_orders(path, CAMPAIGN)
        except FlyersError as exc:
            assert str(exc)
            return
        assert all(o.quantity > 0 and o.language in CAMPAIGN.languages for o in orders)


@SETTINGS
@given(st.binary(max_size=400))
def test_arbitrary_bytes_as_orders(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        path.write_bytes(data)
        with contextlib.suppress(FlyersError):
            read_orders(path, CAMPAIGN)
