"""Shared fixtures: a copy of the default workspace, and a small built campaign.

Builds happen in temporary copies so tests never touch the repository's own
output/ or cache, and the slow full-campaign build happens once per session.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flyers.build import BuildRequest, build
from flyers.workspace import init_workspace

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_LANGUAGES = ("en", "es", "ar", "zh-Hans")


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m flyers`` as a user would, capturing its output."""
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "flyers", *args], cwd=cwd, capture_output=True,
                          text=True, check=False, env=env)


def copy_workspace(target: Path, spoken: bool = False) -> Path:
    """A fresh copy of the default workspace (as `flyers init` makes it).

    Without ``spoken`` the copy drops the campaign's ``[spoken]`` table: each of
    its ~100 spoken languages adds a wallet card and an interpreter card (and
    their print cuts) to every build of the card formats, which tests about
    anything else need not pay for.  Tests of spoken languages, and the build
    of the whole campaign, keep it.
    """
    init_workspace(target)
    if not spoken:
        toml = target / "campaign.toml"
        text, count = re.subn(r"^\[spoken\]\n.*?(?=^\[|\Z)", "", toml.read_text("utf-8"), flags=re.S | re.M)
        assert count == 1, "campaign.toml has no [spoken] table"
        toml.write_text(text, "utf-8")
    return target


def own_core_catalog(workspace: Path, tag: str) -> Path:
    """The workspace's own copy of a language's core catalog (it overrides the engine's),
    for tests that edit core text without touching the engine's shared files."""
    from flyers.catalogs import CORE_DOMAIN, ENGINE_CORE

    locale = tag.replace("-", "_")
    target = workspace / "translations" / locale / "LC_MESSAGES" / f"{CORE_DOMAIN}.po"
    if not target.is_file():
        shutil.copyfile(ENGINE_CORE / "translations" / locale / "LC_MESSAGES" / f"{CORE_DOMAIN}.po", target)
    return target


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    return copy_workspace(tmp_path / "campaign")


def shared_build(tmp_path_factory: pytest.TempPathFactory, name: str, spoken: bool,
                 languages: tuple[str, ...] = ()) -> Path:
    """A workspace built once for the whole run, even when pytest-xdist runs tests in
    several processes: the first to take the lock builds, the others wait and reuse it
    (the tests that use it only read it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / f"shared-{name}" / "campaign"
    root.parent.mkdir(exist_ok=True)
    with open(shared / f"shared-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root.parent / "done").exists():
            shutil.rmtree(root, ignore_errors=True)
            copy_workspace(root, spoken=spoken)
            build(BuildRequest(root=root, out=root / "output", languages=languages))
            (root.parent / "done").touch()
    return root


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """en, es, ar and zh-Hans in every format, built once for the run."""
    return shared_build(tmp_path_factory, "sample", spoken=False, languages=SAMPLE_LANGUAGES)


@pytest.fixture(scope="session")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole default campaign, every language and format, built once for the run."""
    return shared_build(tmp_path_factory, "full", spoken=True)


def tool(name: str) -> str:
    """Path of an external tool the Makefile installs; fail loudly if it is missing."""
    path = shutil.which(name)
    assert path, f"{name} is not installed; run `make test`, which installs it"
    return path


@pytest.fixture(scope="session")
def default_package(full_build: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`flyers batch` of the shipped orders (orders/nyc-2026.csv) on the full build, run once
    for the whole run (the batch and print-package tests read the same package)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = full_build / "output" / "batch" / "nyc-2026"
    with open(shared / "shared-package.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "shared-package.done").exists():
            result = run_cli("batch", "-w", str(full_build))
            assert result.returncode == 0, result.stderr
            (shared / "shared-package.done").touch()
    return folder
