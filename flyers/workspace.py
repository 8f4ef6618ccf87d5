"""The default campaign workspace, and copying it out for a new campaign.

In a source checkout the repository root *is* the default workspace.  In an
installed wheel the same files are packaged under ``flyers/_workspace`` (the
build backend's force-include) and read with importlib.resources.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from .errors import FlyersError

WORKSPACE_ITEMS = ("campaign.toml", "babel.cfg", "templates", "translations", "fonts", "profiles", "orders")
GENERIC = Path(__file__).resolve().parent / "generic"  # campaign.toml and _blocks.html of `init --generic`
LANGUAGES_RE = re.compile(r"^(languages\s*=\s*\[)(.*?)(\])", re.S | re.M)


def default_workspace() -> Traversable:
    """The packaged default workspace, or the source checkout's root."""
    packaged = resources.files("flyers") / "_workspace"
    if packaged.is_dir():
        return packaged
    return resources.files("flyers") / ".."


def init_workspace(target: Path, generic: bool = False) -> int:
    """Copy the default workspace into ``target`` (which must be new or empty).

    ``generic``: the core text only -- no local section, no NYC facts or print
    plan, contacts to fill in, a placeholder QR link -- in every language the
    engine's core catalogs cover, with the local catalogs cut down to the
    sentences the generic templates still use (the site's labels).
    """
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
            if (item.is_file() or item.is_dir()) and not (generic and name == "orders"):
                count += _copy(item, staging / name)
        if generic:
            _make_generic(staging)
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


def _make_generic(folder: Path) -> None:
    """Turn a copied default workspace into the generic one (see :func:`init_workspace`)."""
    from . import catalogs
    from .campaign import load_campaign
    from .languages import resolve_all

    core = set(catalogs.engine_languages())
    example = load_campaign(folder).languages  # the example's order: NYC's most spoken first
    tags = [t for t in example if t == "en" or t in core] + sorted(core - set(example))
    text = (GENERIC / "campaign.toml").read_text("utf-8")
    (folder / "campaign.toml").write_text(text.replace("@LANGUAGES@", ", ".join(f'"{t}"' for t in tags)), "utf-8")
    shutil.copyfile(GENERIC / "_blocks.html", folder / "templates" / "_blocks.html")
    campaign = load_campaign(folder)
    catalogs.update(campaign, resolve_all(campaign).values())
    for child in (folder / "translations").iterdir():  # catalogs of languages the generic list lacks
        if child.is_dir() and child.name.replace("_", "-") not in tags:
            shutil.rmtree(child)


def add_language(root: Path, tag: str) -> bool:
    """Add ``tag`` to ``[campaign] languages`` in campaign.toml, keeping its comments; False if listed."""
    from .campaign import CAMPAIGN_FILE, TAG_RE, load_campaign
    from .errors import ConfigError

    if not TAG_RE.match(tag):
        raise ConfigError(f"{tag!r} is not a BCP 47 tag such as sw, zh-Hant or pt-BR")
    campaign = load_campaign(root)
    if tag in campaign.languages:
        return False
    path = root / CAMPAIGN_FILE
    text = path.read_text("utf-8")
    match = LANGUAGES_RE.search(text)
    if match is None:
        raise ConfigError(f"{path}: cannot find `languages = [...]`; add {tag!r} to it by hand")
    body = match.group(2).rstrip()
    separator = "" if body.endswith(",") or not body.strip() else ","
    new = f"{match.group(1)}{body}{separator} \"{tag}\"{chr(10) if chr(10) in match.group(2) else ''}{match.group(3)}"
    updated = text[: match.start()] + new + text[match.end():]
    if tag not in tomllib.loads(updated).get("campaign", {}).get("languages", []):
        raise ConfigError(f"{path}: could not add {tag!r} to [campaign] languages; add it by hand")
    path.write_text(updated, "utf-8")
    return True
