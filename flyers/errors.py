"""Errors a user can fix.

Anything raised as :class:`FlyersError` is printed as a plain message (no
traceback) by the CLI, with a non-zero exit.  Messages must name the file, key,
line or option at fault, because the person reading them is fixing a config or
a spreadsheet, not debugging Python.
"""

from __future__ import annotations


class FlyersError(Exception):
    """A problem in the user's input or environment; exit status 1."""

    exit_code = 1

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = problems or []
        super().__init__(message)

    def render(self) -> str:
        """The whole message, one problem per line."""
        lines = [str(self)]
        lines.extend(f"  - {p}" for p in self.problems)
        return "\n".join(lines)


class ConfigError(FlyersError):
    """campaign.toml (or another workspace file) is wrong."""


class CatalogError(FlyersError):
    """A translation catalog is missing, broken or incomplete."""


class RenderError(FlyersError):
    """A page could not be rendered as the campaign asks."""


class OrdersError(FlyersError):
    """An orders CSV is wrong."""


class UsageError(FlyersError):
    """A command-line choice is wrong (unknown language or format); exit 2."""

    exit_code = 2
