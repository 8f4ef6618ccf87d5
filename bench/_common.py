"""Helpers shared by the bench scripts: a master to stamp, and peak memory sampling."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

if TYPE_CHECKING:  # the engine is imported only where a master is made: PeakMemory's process stays small
    from flyers.model import Master

ROOT = Path(__file__).resolve().parent.parent
FONT = ROOT / "fonts" / "NotoSans-Regular.ttf"


def master_for(language: str = "en", fmt: str = "letter") -> tuple[Master, float]:
    """The print master of one language and format (cached), and seconds it took."""
    from flyers.build import BuildRequest, masters, plan

    start = time.perf_counter()
    build_plan = plan(BuildRequest(root=ROOT, out=ROOT / "output", languages=(language,), formats=(fmt,)))
    rendered, _ = masters(build_plan)
    return rendered[(language, fmt)], time.perf_counter() - start


def link(index: int) -> str:
    """A unique link per piece: a distributor code and a piece number (never a person)."""
    return f"https://www.nyc.gov/immigrants?src=D{index % 400:04d}&n={index:06d}"


class PeakMemory:
    """Samples the resident memory of this process and its children every 20 ms."""

    def __init__(self) -> None:
        self.peak_tree = 0
        self.peak_main = 0
        self.peak_children = 0  # the tree without this process: what a command run by a bench costs
        self.cpu: dict[int, float] = {}  # user + system seconds of each descendant, as last seen
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def children_cpu(self) -> float:
        """CPU seconds of every descendant, to within a sample (20 ms) of each one's end.

        Sampled, not taken from getrusage(RUSAGE_CHILDREN): that counts only the children
        this process waited for, and a batch's workers are its fork server's children."""
        return sum(self.cpu.values())

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            try:
                main = me.memory_info().rss
                children = 0
                for child in me.children(recursive=True):
                    with child.oneshot():
                        children += child.memory_info().rss
                        times = child.cpu_times()
                    self.cpu[child.pid] = times.user + times.system
                tree = main + children
            except psutil.Error:
                continue
            self.peak_children = max(self.peak_children, children)
            self.peak_main = max(self.peak_main, main)
            self.peak_tree = max(self.peak_tree, tree)
            time.sleep(0.02)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
