"""Property-based tests: any campaign.toml or orders file gives a result or a clean error."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

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
