"""Render workers: WeasyPrint in separate processes, hermetic and bounded.

Each worker is a fresh process (nothing imported) whose fontconfig sees only the
workspace fonts -- FONTCONFIG_FILE must be set before WeasyPrint creates its
first font configuration, which is why this happens in a child and never in
the CLI's own process.  Workers also run under a memory limit, and every job
under a time limit, so a pathological translation cannot hang a print run.
Two workers use both cores of a small machine.

Every child process (these workers, the print files' page workers, the packing
lists' process) comes from one fork server started while this process is
still small (:func:`start_processes`): a child started straight from a batch
that holds a national plan would, for the moment between fork and exec, count
the parent's few hundred MB a second time.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import multiprocessing.forkserver
import os
import resource
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from .defaults import DEFAULTS
from .errors import FlyersError, RenderError

T = TypeVar("T")
R = TypeVar("R")

DEFAULT_MEMORY_MB = 6000


def _init_worker(fontconfig_file: str, memory_mb: int, pids: Any) -> None:
    pids.put(os.getpid())  # so that the parent can stop exactly its own workers (see _shutdown)
    os.environ["FONTCONFIG_FILE"] = fontconfig_file
    os.environ.pop("FONTCONFIG_PATH", None)
    limit = memory_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):  # some sandboxes forbid it
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def process_context() -> multiprocessing.context.ForkServerContext:
    """The start method of every child process: the fork server (nothing preloaded, so a
    child imports what it needs, as a spawned one would, and WeasyPrint only after
    FONTCONFIG_FILE is set)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([])
    return context


def start_processes() -> None:
    """Start the fork server now, before this process loads a plan (see the module's docstring)."""
    process_context()
    multiprocessing.forkserver.ensure_running()


def worker_count(jobs: int) -> int:
    """Both cores where there is work for both; the machine's count otherwise capped."""
    return max(1, min(jobs, os.cpu_count() or 1, 4))


def run_jobs(function: Callable[[T], R], jobs: Iterable[T], fontconfig_file: Path,
             labels: list[str], timeout_s: float = DEFAULTS.timeout_s,
             memory_mb: int = DEFAULT_MEMORY_MB,
             on_done: Callable[[int], None] | None = None) -> Iterator[tuple[int, R]]:
    """Run ``function`` over ``jobs`` in worker processes; yield (index, result) as done.

    A job that raises a :class:`FlyersError` re-raises it here unchanged; one
    that runs out of time or memory becomes a :class:`RenderError` naming its label.
    """
    job_list = list(jobs)
    if not job_list:
        return
    context = process_context()
    pids = context.SimpleQueue()
    executor = cf.ProcessPoolExecutor(
        max_workers=worker_count(len(job_list)), mp_context=context,
        initializer=_init_worker, initargs=(str(fontconfig_file), memory_mb, pids),
    )
    futures = {executor.submit(function, job): i for i, job in enumerate(job_list)}
    try:
        for future in cf.as_completed(futures, timeout=timeout_s * max(1, len(job_list))):
            index = futures[future]
            yield index, _result(future, labels[index], timeout_s)
            if on_done:
                on_done(index)
    except cf.TimeoutError:
        slow = ", ".join(labels[i] for f, i in futures.items() if not f.done())
        raise RenderError(f"{slow}: rendering took longer than {timeout_s:g} s a page; stopped") from None
    finally:
        _shutdown(executor, pids)


def _result(future: cf.Future[Any], label: str, timeout_s: float) -> Any:
    try:
        return future.result(timeout=timeout_s)
    except FlyersError:
        raise
    except cf.TimeoutError:
        raise RenderError(f"{label}: rendering took longer than {timeout_s:g} s; stopped") from None
    except MemoryError:
        raise RenderError(f"{label}: rendering ran out of its memory limit; stopped") from None
    except cf.process.BrokenProcessPool:
        raise RenderError(f"{label}: the render worker died (out of memory?); stopped") from None
    except RecursionError:
        raise RenderError(f"{label}: the page is nested too deeply to lay out; simplify the template") from None
    except Exception as exc:  # a crash inside WeasyPrint on this input: name it, no traceback
        raise RenderError(f"{label}: rendering failed: {type(exc).__name__}: {exc}") from None


def _shutdown(executor: cf.ProcessPoolExecutor, pids: Any) -> None:
    """Stop workers at once, even mid-job (a hung layout must not outlive the build).

    ``shutdown`` alone would wait for a running job, so the workers are terminated
    too.  They are found through public APIs only: each worker reported its pid
    when it started, and ``multiprocessing.active_children()`` gives the live
    :class:`~multiprocessing.Process` objects of this process's children -- the
    ones with those pids are this pool's, never another pool's or a reused pid.
    """
    executor.shutdown(wait=False, cancel_futures=True)
    ours: set[int] = set()
    while not pids.empty():
        ours.add(pids.get())
    processes = [p for p in multiprocessing.active_children() if p.pid in ours]
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
    pids.close()
