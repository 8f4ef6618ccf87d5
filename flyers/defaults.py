"""One home for every default the command line and the Python API share.

As WeasyPrint keeps ``DEFAULT_OPTIONS`` for its CLI and its API, the values a
user can change with an option live here once: the CLI's ``--timeout``,
``--mode`` and ``--sheet`` read their default and their choices from this
table, and the request dataclasses (``BuildRequest``, ``BatchRequest``) and the
stages behind them take the same values, so a default never differs between
``flyers build`` and ``flyers.build.build()``.  This module imports nothing of
the project: every stage may read it.
"""

from __future__ import annotations

from dataclasses import dataclass

PT = 72.0  # points per inch

# Press sheets a print file can be imposed on: portrait width x height, points.
SHEETS: dict[str, tuple[float, float]] = {
    "letter": (8.5 * PT, 11 * PT),
    "tabloid": (11 * PT, 17 * PT),
    "12x18": (12 * PT, 18 * PT),
    "13x19": (13 * PT, 19 * PT),
    "a4": (210 / 25.4 * PT, 297 / 25.4 * PT),
    "sra3": (320 / 25.4 * PT, 450 / 25.4 * PT),
}


@dataclass(frozen=True)
class Defaults:
    """The defaults table (see the module docstring); one instance, :data:`DEFAULTS`."""

    # A page (or a batch worker job) that takes longer fails instead of hanging:
    # a pathological translation must not stall a 30,000-piece run.
    timeout_s: float = 180.0
    # Print cut bleed: 1/8 in, the usual US commercial-print bleed.
    bleed_in: float = 0.125
    # Batch modes: every distinct sheet once with its copy count, or every piece in
    # cut-and-stack order.
    modes: tuple[str, ...] = ("copies", "sequenced")
    mode: str = "copies"
    sheets: tuple[str, ...] = tuple(SHEETS)
    # The press sheet of each format when --sheet is not given (A4 work goes on SRA3).
    sheet: str = "13x19"
    format_sheets: tuple[tuple[str, str], ...] = (("a4", "sra3"),)
    # The CMYK output condition of the print cut, relative to the workspace.
    profile: str = "profiles/GRACoL2006_Coated.icc"

    def sheet_for(self, fmt: str) -> str:
        """The default press sheet for a format."""
        return dict(self.format_sheets).get(fmt, self.sheet)


DEFAULTS = Defaults()
