"""``flyers validate``: check a workspace's inputs without building anything.

A dry run for the person editing campaign.toml, a catalog or an orders sheet:
campaign.toml and fonts.toml against their schemas, every language's catalogs
(msgfmt syntax, placeholders, markup, missing or fuzzy sentences), the
templates' syntax, and an orders file -- all problems at once, nothing written
to output/.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from . import catalogs
from .campaign import Campaign, load_campaign
from .errors import FlyersError
from .fontstack import load_fonts
from .languages import Language, resolve_all
from .orders import read_orders


@dataclass
class Report:
    """What validate found: problems (exit 1), warnings, one line per language."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    summary: str = ""


def validate_workspace(root: Path, orders: Path | None = None, strict: bool = False) -> Report:
    """Check everything a build and a batch would read; raise only when campaign.toml is unusable."""
    campaign = load_campaign(root, strict=strict)
    report = Report(warnings=list(campaign.warnings))
    try:
        fonts = load_fonts(campaign.fonts_dir)
        report.warnings += fonts.warnings
    except FlyersError as exc:
        report.problems += [exc.render()]
        fonts = None
    languages = resolve_all(campaign)
    if fonts is not None:
        for language in languages.values():
            try:
                fonts.stack(language)
            except FlyersError as exc:
                report.problems.append(str(exc))
    report.problems += _templates(campaign.templates_dir)
    english = catalogs.templates(campaign)
    ready = 0
    for tag, language in languages.items():
        line, problems = _language(campaign, language, english)
        report.lines.append(f"{tag}: {line}")
        report.problems += problems
        ready += line == "ready"
    if campaign.qr.is_placeholder and not campaign.site_url:
        report.warnings.append(f"[qr] link: {campaign.qr.link!r} is a placeholder; the build refuses to print "
                               "it until you set your campaign's page")
    orders = orders or campaign.orders
    if orders is not None:
        report.problems += _orders(orders, campaign)
    report.summary = (f"{campaign.root / 'campaign.toml'}: {len(campaign.languages)} languages "
                      f"({ready} ready to build), {len(campaign.formats)} formats"
                      + (f", orders {orders}" if orders else ""))
    return report


def _language(campaign: Campaign, language: Language, english: catalogs.Templates) -> tuple[str, list[str]]:
    """One language's state and its problems (a missing catalog is a state, not a problem)."""
    try:
        loaded = catalogs.load(campaign, language)
    except catalogs.CatalogMissing:
        return f"no catalog yet; run `flyers translations add {language.tag}`", []
    except FlyersError as exc:
        return "catalog broken (see below)", [exc.render()]
    problems: list[str] = []
    if not loaded.source:
        for path, template in ((loaded.core_path, english.core), (loaded.path, english.local)):
            if path is not None:
                problems += catalogs.lint(path, template)
    missing = catalogs.missing(loaded, english)
    if missing:
        return f"{len(missing)} sentence(s) missing or fuzzy (not built until translated)", problems
    return ("ready" if not problems else "catalog problems (see below)"), problems


def _templates(folder: Path) -> list[str]:
    """Jinja syntax errors in the workspace's templates, with file and line."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    problems = []
    for path in sorted(folder.rglob("*.html")):
        try:
            env.parse(path.read_text("utf-8"))
        except jinja2.TemplateSyntaxError as exc:
            problems.append(f"{path}:{exc.lineno}: {exc.message}")
        except UnicodeDecodeError as exc:
            problems.append(f"{path}: not UTF-8 (byte {exc.start})")
    return problems


def _orders(path: Path, campaign: Campaign) -> list[str]:
    try:
        read_orders(path, campaign)
    except FlyersError as exc:
        return [str(exc), *exc.problems]
    return []
