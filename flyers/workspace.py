"""The default campaign workspace, and copying it out for a new campaign.

In a source checkout the repository root *is* the default workspace.  In an
installed wheel the same files are packaged under ``flyers/_workspace`` (the
build backend's force-include) and read with importlib.resources.
"""

from __future__ import annotations

import shutil
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from .errors import FlyersError

WORKSPACE_ITEMS = ("campaign.toml", "babel.cfg", "templates", "translations", "fonts", "profiles", "orders")


def default_workspace() -> Traversable:
    """The packaged default workspace, or the source checkout's root."""
    packaged = resources.files("flyers") / "_workspace"
    if packaged.is_dir():
        return packaged
    return resources.files("flyers") / ".."


def init_workspace(target: Path) -> int:
    """Copy the default workspace into ``target`` (which must be new or empty)."""
    if target.exists() and any(target.iterdir()):
        raise FlyersError(f"{target}: already exists and is not empty; choose a new folder")
    source = default_workspace()
    count = 0
    staging = target.with_name(f".{target.name}.init-tmp")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        staging.mkdir(parents=True)
        for name in WORKSPACE_ITEMS:
            item = source / name
            if item.is_file() or item.is_dir():
                count += _copy(item, staging / name)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise FlyersError(f"{target}: cannot create the workspace: {exc.strerror or exc}") from None
    return count


def _copy(item: Traversable, dest: Path) -> int:
    if item.is_file():
        if item.name.endswith(".mo"):
            return 0
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(item.read_bytes())
        return 1
    count = 0
    for child in item.iterdir():
        if child.name in ("__pycache__",) or child.name.startswith("."):
            continue
        count += _copy(child, dest / child.name)
    return count
