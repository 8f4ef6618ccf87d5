"""Shared fixtures: a copy of the default workspace, and a small built campaign.

Builds happen in temporary copies so tests never touch the repository's own
output/ or cache, and the slow full-campaign build happens once per session.
"""

from __future__ import annotations

import os
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


def copy_workspace(target: Path) -> Path:
    """A fresh copy of the default workspace (as `flyers init` makes it)."""
    init_workspace(target)
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


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """en, es, ar and zh-Hans in every format, built once for the session."""
    root = copy_workspace(tmp_path_factory.mktemp("sample") / "campaign")
    build(BuildRequest(root=root, out=root / "output", languages=SAMPLE_LANGUAGES))
    return root


@pytest.fixture(scope="session")
def full_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole default campaign, every language and format."""
    root = copy_workspace(tmp_path_factory.mktemp("full") / "campaign")
    build(BuildRequest(root=root, out=root / "output"))
    return root


def tool(name: str) -> str:
    """Path of an external tool the Makefile installs; fail loudly if it is missing."""
    path = shutil.which(name)
    assert path, f"{name} is not installed; run `make test`, which installs it"
    return path
