"""Progress, time limit, size limits and clean failure for long batch runs.

A national plan (20,000 distributors, a million pieces) runs for minutes: the
user sees each step with its counts, can bound the run with ``--timeout``, is
refused at once when the plan is larger than one package should be, and a run
that fails or is stopped leaves no folder behind (or, when it was rerun in an
existing package folder, no half-written file and no finished-package marker).
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .errors import FlyersError
from .files import clean_temp_files

T = TypeVar("T")
STEPS = ("orders read", "masters", "imprints", "sheets", "proof", "packing lists", "labels", "checksums")

# One package is one folder a shop can take in: beyond these, split the plan (README: larger jobs).
MAX_ROWS = 250_000
MAX_PIECES = 5_000_000
# Measured bytes a unit costs in the package (print files, documents and the zip beside them).
BYTES_PER_PAGE = 1_400  # a stamped sheet side beyond the shared forms
BYTES_PER_ROW = 900  # an imprint form, a ticket entry, a packing-list line
BYTES_PER_DISTRIBUTOR = 6_000  # a packing-list page and a label
BYTES_PER_ROW_IN_MEMORY = 2_500  # kept high: about 1 KB a line measured (20,000 distributors, 2026-12-05)
BYTES_PER_UNIQUE_PIECE_IN_MEMORY = 250  # sequenced mode; about 125 B measured (1,000,000 pieces, 2026-12-08)
MEMORY_BUDGET_MB = 1_500


Report = Callable[[str, int, int], None]  # (step, done, total)


@dataclass
class Steps:
    """Reports progress per step and stops the run past its deadline."""

    report: Report | None = None
    timeout_s: float | None = None
    started: float = field(default_factory=lambda: time.monotonic())
    step: str = ""
    poll: Callable[[Report], None] | None = None  # progress of a background process, passed on

    def __call__(self, step: str, done: int, total: int) -> None:
        self.step = step
        if self.report is not None:
            self.report(step, done, total)
            if self.poll is not None:
                self.poll(self.report)
        self.check()

    def check(self) -> None:
        """Raise when the run has taken longer than ``timeout_s``."""
        if self.timeout_s is not None and time.monotonic() - self.started > self.timeout_s:
            raise FlyersError(f"--timeout: the batch took longer than {self.timeout_s:g} s (at step "
                              f"'{self.step}'); stopped. Give it more time or split the orders file")

    def counted(self, step: str, items: Iterable[T], total: int, every: int = 500) -> Iterator[T]:
        """``items`` unchanged, reporting every ``every`` items under ``step``."""
        done = 0
        self(step, 0, total)
        for item in items:
            yield item
            done += 1
            if done % every == 0:
                self(step, done, total)
        self(step, done, total)


def check_plan(rows: int, pieces: int, distributors: int, pages: int, folder: Path,
               memory_mb: int = MEMORY_BUDGET_MB, unique_pieces: int = 0) -> None:
    """Refuse a plan too large for one package or for this machine, before any work.

    ``unique_pieces``: pieces each set apart (sequenced mode), whose order and PDF/VT
    records are held for the whole file; a copies-mode piece costs nothing held."""
    problems = []
    if rows > MAX_ROWS:
        problems.append(f"{rows:,} order lines; one package takes at most {MAX_ROWS:,}")
    if pieces > MAX_PIECES:
        problems.append(f"{pieces:,} pieces; one package takes at most {MAX_PIECES:,}")
    need_mb = (rows * BYTES_PER_ROW_IN_MEMORY + unique_pieces * BYTES_PER_UNIQUE_PIECE_IN_MEMORY) // 2**20
    if need_mb > memory_mb:
        unique = f" and {unique_pieces:,} sequenced pieces" if unique_pieces else ""
        problems.append(f"about {need_mb:,} MB of memory for {rows:,} lines{unique}; the limit is {memory_mb:,} MB")
    disk = 2 * (pages * BYTES_PER_PAGE + rows * BYTES_PER_ROW + distributors * BYTES_PER_DISTRIBUTOR)
    free = shutil.disk_usage(_existing(folder)).free
    if disk > free:
        problems.append(f"about {disk / 2**20:,.0f} MB of disk for the package and its zip; "
                        f"{free / 2**20:,.0f} MB are free under {_existing(folder)}")
    if problems:
        raise FlyersError("the plan is too large for one package: " + "; ".join(problems)
                          + ". Split the orders file into several (e.g. by region) and make one package each")


def _existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@contextlib.contextmanager
def nothing_left_behind(folder: Path, extra: Iterable[Path] = ()) -> Iterator[None]:
    """On any failure (or Ctrl-C), remove what this run made: the folder if it made it,
    else its temporary files; and ``extra`` paths (the zip) it had not finished."""
    top = None if folder.exists() else folder
    while top is not None and not top.parent.exists():
        top = top.parent  # the first folder this run will create (output/batch/...)
    extras = [(p, p.exists()) for p in extra]
    try:
        yield
    except BaseException:
        if top is not None:
            shutil.rmtree(top, ignore_errors=True)
        elif folder.is_dir():
            clean_temp_files(folder)
        for path, was in extras:
            if not was:
                path.unlink(missing_ok=True)
        raise
