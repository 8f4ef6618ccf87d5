"""The ``flyers`` command line: thin click wrappers around one function each.

Every command validates its input and calls into the pipeline; errors a user
can fix are printed as messages (exit 1, or 2 for a wrong option), never as
tracebacks.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .defaults import DEFAULTS
from .errors import FlyersError, UsageError

F = TypeVar("F", bound=Callable[..., Any])
console = Console(stderr=True)
out_console = Console()


def workspace_option(function: F) -> F:
    """``--workspace DIR``: the campaign folder (default: the current folder)."""
    return click.option(
        "--workspace", "-w", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
        show_default=True, help="Campaign workspace folder (holds campaign.toml).",
    )(function)


def handle_errors(function: F) -> F:
    """Print FlyersError as a message with its exit status instead of a traceback."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except FlyersError as exc:
            console.print(f"[bold red]error:[/] {escape(exc.render())}", highlight=False, soft_wrap=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # the environment, not our code: a full disk, a missing folder...
            where = f"{exc.filename}: " if exc.filename else ""
            console.print(f"[bold red]error:[/] {escape(where + (exc.strerror or str(exc)))}", highlight=False)
            sys.exit(1)
        except KeyboardInterrupt:
            console.print("interrupted; finished files are intact, nothing half-written remains")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="flyers")
def main() -> None:
    """kyr-flyers: multilingual Know-Your-Rights flyers, print-ready, with QR codes."""


@main.command()
@workspace_option
@click.option("--lang", "-l", "languages", multiple=True, metavar="TAG", help="Only this language (repeatable).")
@click.option("--format", "-f", "formats", multiple=True, metavar="NAME", help="Only this format (repeatable).")
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder (default: WORKSPACE/output).")
@click.option("--strict", is_flag=True, help="Fail if any language cannot be built, or campaign.toml has "
              "an unknown key or section.")
@click.option("--require-reviewed", is_flag=True, help="Refuse translations not marked reviewed.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=DEFAULTS.timeout_s, show_default=True,
              help="Seconds one page may take to lay out before the build stops with an error.")
@handle_errors
def build(workspace: Path, languages: tuple[str, ...], formats: tuple[str, ...], out: Path | None,
          strict: bool, require_reviewed: bool, timeout: float) -> None:
    """Render every language x format into print-ready PDFs."""
    from .build import BuildRequest
    from .build import build as run_build

    request = BuildRequest(root=workspace, out=out or workspace / "output", languages=languages,
                           formats=formats, strict=strict, require_reviewed=require_reviewed, timeout_s=timeout,
                           strict_config=strict)
    with Progress(TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("render", total=None)
        result = run_build(request, lambda done, total: progress.update(task, completed=done, total=total))
    _print_build_summary(result, request.out)


def _print_build_summary(result: Any, out: Path) -> None:
    table = Table(title=f"Built into {out}")
    for column in ("language", "format", "pages", "type size", "review", "files"):
        table.add_column(column)
    rows: dict[tuple[str, str], list[Any]] = {}
    for artifact in result.artifacts:
        rows.setdefault((artifact.language, artifact.format), []).append(artifact)
    for (tag, fmt), items in rows.items():
        first = items[0]
        table.add_row(tag, fmt, str(first.pages), f"{first.font_size_pt:g} pt", first.review_status,
                      ", ".join(a.variant for a in items))
    out_console.print(table)
    out_console.print(f"{len(result.artifacts)} files; {result.rendered} rendered, {result.cached} from cache")
    _print_outcome(result)


def _print_warnings(warnings: tuple[str, ...] | list[str]) -> None:
    for line in warnings:
        console.print(f"[yellow]warning:[/] {escape(line)} (--strict makes this an error)", highlight=False)


def _print_outcome(result: Any, what: str = "not built") -> None:
    """Warnings, files moved aside, languages left out; exit 1 when a catalog is broken."""
    _print_warnings(result.warnings)
    for rel in result.stale:
        console.print(f"[yellow]moved out of output/:[/] {rel} (this campaign no longer makes it, or its "
                      "language was not built; it is in .cache/stale-output/)", highlight=False)
    for tag, why in result.skipped.items():
        console.print(f"[yellow]{what}:[/] {tag}: {escape(why)}", highlight=False, soft_wrap=True)
    if result.failed:
        raise FlyersError(f"{len(result.failed)} language(s) not built because a catalog is broken "
                          "(the others were built)", [f"{t}: {why}" for t, why in result.failed.items()])


@main.command()
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@handle_errors
def languages(workspace: Path, as_json: bool) -> None:
    """List the campaign's languages with their own names, script and direction."""
    from .campaign import load_campaign
    from .fontstack import load_fonts
    from .languages import resolve_all

    campaign = load_campaign(workspace)
    fonts = load_fonts(campaign.fonts_dir)
    rows: list[dict[str, Any]] = [
        {"tag": lang.tag, "english_name": lang.english_name, "endonym": lang.endonym,
         "script": lang.script, "direction": lang.direction, "fonts": list(fonts.stack(lang))}
        for lang in resolve_all(campaign).values()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table()
    for column in ("tag", "English name", "own name", "script", "dir", "fonts"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["tag"], row["english_name"], row["endonym"], row["script"], row["direction"],
                      ", ".join(row["fonts"]))
    out_console.print(table)


@main.command()
@workspace_option
@handle_errors
def formats(workspace: Path) -> None:
    """List the campaign's formats: size, pages, type sizes."""
    from .campaign import load_campaign

    campaign = load_campaign(workspace)
    table = Table()
    for column in ("format", "size", "pages", "type size", "minimum", "QR", "template"):
        table.add_column(column)
    for fmt in campaign.formats.values():
        table.add_row(fmt.name, f"{fmt.width.css} x {fmt.height.css}", str(fmt.pages), fmt.font_size.css,
                      fmt.min_font_size.css, fmt.qr_size.css if fmt.qr_size else "-", fmt.template)
    out_console.print(table)


@main.command()
@workspace_option
@click.option("--sentences", is_flag=True, help="Also list every sentence with its grade.")
@handle_errors
def readability(workspace: Path, sentences: bool) -> None:
    """Reading level (Flesch-Kincaid grade) of every English block, per format.

    Exits 1 when a block is over grade 6.5 or a sentence over grade 9.
    """
    from .readability import BLOCK_GRADE_LIMIT, SENTENCE_GRADE_LIMIT, measure_campaign, over_limits

    scores = measure_campaign(workspace)
    table = Table()
    for column in ("format", "block", "sentences", "words", "grade", "hardest sentence"):
        table.add_column(column)
    for item in scores:
        hardest = max((g.grade for _, g in item.sentences), default=0.0)
        table.add_row(item.format, item.block, str(item.score.sentences), str(item.score.words),
                      f"{item.score.grade:.1f}", f"{hardest:.1f}")
        if sentences:
            for text, grade in item.sentences:
                table.add_row("", "", "", "", f"{grade.grade:.1f}", escape(text))
    out_console.print(table)
    problems = over_limits(scores)
    if problems:
        raise FlyersError(f"{len(problems)} place(s) over the reading-level limits (block {BLOCK_GRADE_LIMIT}, "
                          f"sentence {SENTENCE_GRADE_LIMIT})", problems)
    out_console.print(f"every block at or under grade {BLOCK_GRADE_LIMIT}, no sentence over {SENTENCE_GRADE_LIMIT}")


@main.command()
@workspace_option
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output folder to check (default: WORKSPACE/output).")
@click.option("--contact-sheet", "sheets", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Also write one PNG per format of every language's pages side by side into this folder.")
@handle_errors
def check(workspace: Path, out: Path | None, sheets: Path | None) -> None:
    """Check produced PDFs as the tests do: pages, text, fonts, boxes, QR codes, where the ink lands."""
    from .preflight import check_output, contact_sheets

    report = check_output(workspace, out or workspace / "output")
    if sheets is not None:
        for path in contact_sheets(out or workspace / "output", sheets):
            out_console.print(f"contact sheet: {escape(str(path))}", highlight=False)
    report.problems += _lint_all(workspace)
    for line in report.lines:
        out_console.print(escape(line), highlight=False)
    if report.problems:
        raise FlyersError(f"{len(report.problems)} problem(s) found", report.problems)
    out_console.print(f"[green]ok:[/] {report.checked} files checked")


@main.command()
@workspace_option
@click.argument("orders", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Package folder (default: WORKSPACE/output/batch/<orders name>); a .zip is written beside it.")
@click.option("--mode", type=click.Choice(DEFAULTS.modes), default=DEFAULTS.mode, show_default=True,
              help="copies: each distinct sheet once with its copy count; sequenced: every piece, cut-and-stack.")
@click.option("--sheet", type=click.Choice(DEFAULTS.sheets), default=None,
              help="Press sheet size (default: 13x19, a4 on SRA3; marks and slug stay 0.375 in inside the edge).")
@click.option("--lift", type=click.IntRange(1, 100_000), default=None,
              help="Sequenced mode: sheets per guillotine lift, each cut and stacked on its own "
                   "(default: 3 in of the format's stock, from [print.stock] caliper_in).")
@click.option("--output-intent", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The shop's CMYK output ICC profile (default: GRACoL 2006 coated).")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=1), default=None,
              help="Stop (leaving nothing behind) if the batch takes longer than this many seconds.")
@handle_errors
def batch(workspace: Path, orders: Path | None, out: Path | None, mode: str, sheet: str | None,
          lift: int | None, output_intent: Path | None, timeout_s: float | None) -> None:
    """Make a print-shop package from ORDERS.csv (default: the campaign's print plan)."""
    from .batch import BatchRequest, orders_for_campaign, run_batch
    from .campaign import load_campaign

    orders = orders or orders_for_campaign(load_campaign(workspace))
    folder = out or workspace / "output" / "batch" / orders.stem
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=False) as progress:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=total or None)
            progress.update(tasks[step], completed=done, total=total or None)

        result = run_batch(BatchRequest(root=workspace, orders=orders, out=folder, mode=mode, sheet=sheet,
                                        output_intent=output_intent, lift=lift, timeout_s=timeout_s), report)
    out_console.print(f"{result.folder}: {result.total_pieces:,} pieces in {result.print_files} print file(s); "
                      f"{result.zip_path.name} beside it. Check with: cd {result.folder} && sha256sum -c SHA256SUMS")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--generic", is_flag=True,
              help="Core text only: no local section, no NYC facts, contacts and QR link for you to fill in.")
@handle_errors
def init(directory: Path, generic: bool) -> None:
    """Start a new campaign in DIRECTORY: the NYC example, or with --generic a blank one."""
    from .workspace import init_workspace

    written = init_workspace(directory, generic=generic)
    out_console.print(f"created {directory} with {written} files; edit {directory / 'campaign.toml'} "
                      "(its comments walk you through it), then `flyers validate` and `flyers build`")


@main.command()
@workspace_option
@click.argument("orders", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Unknown keys and sections are errors, not warnings.")
@handle_errors
def validate(workspace: Path, orders: Path | None, strict: bool) -> None:
    """Check campaign.toml, fonts.toml, every catalog and an orders file, without building."""
    from .validate import validate_workspace

    report = validate_workspace(workspace, orders, strict=strict)
    for line in report.lines:
        out_console.print(escape(line), highlight=False)
    _print_warnings(report.warnings)
    if report.problems:
        raise FlyersError(f"{len(report.problems)} problem(s) found; nothing was built", report.problems)
    out_console.print(f"[green]ok:[/] {report.summary}")


@main.group()
def translations() -> None:
    """Extract, update, compile and inspect translation catalogs."""


@translations.command("extract")
@workspace_option
@handle_errors
def translations_extract(workspace: Path) -> None:
    """Write translations/messages.pot from the templates."""
    from . import catalogs
    from .campaign import load_campaign

    campaign = load_campaign(workspace)
    template = catalogs.extract(campaign)
    catalogs.write_catalog(catalogs.pot_path(campaign), template, template=True)
    out_console.print(f"{catalogs.pot_path(campaign)}: {sum(1 for m in template if m.id)} local sentences "
                      "(the core text's template is flyers/core/translations/core.pot)")


@translations.command("update")
@workspace_option
@handle_errors
def translations_update(workspace: Path) -> None:
    """Re-extract and merge into every catalog; changed sentences become fuzzy (stale)."""
    from . import catalogs
    from .campaign import load_campaign
    from .languages import resolve_all

    campaign = load_campaign(workspace)
    english, created = catalogs.update(campaign, resolve_all(campaign).values())
    for path in created:
        out_console.print(f"created {path}")
    out_console.print(f"updated {len(campaign.languages) - 1} languages against {len(english.msgids())} "
                      f"sentences ({sum(1 for m in english.core if m.id)} core, "
                      f"{sum(1 for m in english.local if m.id and not m.context)} local)")


@translations.command("compile")
@workspace_option
@handle_errors
def translations_compile(workspace: Path) -> None:
    """Check and compile .mo files (for other gettext tools; builds read .po directly)."""
    from . import catalogs
    from .campaign import load_campaign
    from .languages import resolve_all

    campaign = load_campaign(workspace)
    problems: list[str] = []
    languages = [lang for lang in resolve_all(campaign).values() if lang.tag != campaign.source_language]
    for language in languages:
        for path in (catalogs.core_po_path(campaign, language), catalogs.po_path(campaign, language)):
            problems += catalogs.msgfmt_check(path) if path.is_file() else [
                f"{path}: catalog not found; run `flyers translations add {language.tag}`"]
    if problems:
        raise FlyersError("msgfmt --check found problems; nothing compiled", problems)
    for language in languages:
        catalogs.compile_mo(campaign, language, campaign.translations_dir)
    out_console.print(f"compiled {len(languages)} catalogs")


@translations.command("status")
@workspace_option
@click.option("--json", "as_json", is_flag=True, help="A JSON list of objects, one per language.")
@handle_errors
def translations_status(workspace: Path, as_json: bool) -> None:
    """Which languages are complete, stale since the English changed, or unreviewed."""
    from . import catalogs
    from .campaign import load_campaign
    from .languages import resolve_all

    campaign = load_campaign(workspace)
    english = catalogs.templates(campaign)
    rows = [catalogs.status(campaign, lang, english) for lang in resolve_all(campaign).values()]
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in rows], ensure_ascii=False, indent=2))
        return
    table = Table(title="Translations")
    for column in ("language", "translated", "fuzzy", "untranslated", "review", "stale", "reviewer"):
        table.add_column(column)
    for row in rows:
        colour = "green" if row.complete and not row.stale else "yellow" if row.complete else "red"
        table.add_row(f"[{colour}]{row.language}[/]", str(row.translated), str(row.fuzzy),
                      str(row.untranslated), row.review_status, "yes" if row.stale else "no", row.reviewer)
    out_console.print(table)
    for row in rows:
        if row.catalog_missing:
            console.print(f"[yellow]{row.language}:[/] no catalog yet; run `flyers translations add "
                          f"{row.language}`", highlight=False)


@translations.command("add")
@workspace_option
@click.argument("tag")
@handle_errors
def translations_add(workspace: Path, tag: str) -> None:
    """Start a new language: add TAG to campaign.toml and create its empty catalogs."""
    from . import catalogs
    from .campaign import load_campaign
    from .languages import resolve
    from .workspace import add_language

    added = add_language(workspace, tag)
    campaign = load_campaign(workspace)
    language = resolve(tag, campaign)
    created = catalogs.add(campaign, language)
    if added:
        out_console.print(f"added {tag} ({language.english_name}) to [campaign] languages in campaign.toml")
    for path in created:
        out_console.print(f"created {path}")
    english = catalogs.templates(campaign)
    status = catalogs.status(campaign, language, english)
    out_console.print(f"{tag}: {status.untranslated + status.fuzzy} sentences to translate; fill in the "
                      "msgstr lines (or send the files to a translator), then `flyers build`")


@translations.command("split")
@workspace_option
@handle_errors
def translations_split(workspace: Path) -> None:
    """(Engine maintainers) Move catalog entries to the core or local domain by their template.

    Re-runnable: after merging translators' work on one messages.po per language,
    run it again instead of hand-merging .po files.
    """
    from . import catalogs
    from .campaign import load_campaign

    for line in catalogs.split(load_campaign(workspace)):
        out_console.print(line)


@translations.command("lint")
@workspace_option
@handle_errors
def translations_lint(workspace: Path) -> None:
    """Report markup, URLs and changed placeholders in catalogs, by file and line."""
    problems = _lint_all(workspace)
    if problems:
        raise FlyersError(f"{len(problems)} problem(s) in the catalogs", problems)
    out_console.print("[green]ok:[/] catalogs are clean")


def _lint_all(workspace: Path) -> list[str]:
    from . import catalogs
    from .campaign import load_campaign
    from .languages import resolve_all
    from .translator import glossary_problems

    campaign = load_campaign(workspace)
    english = catalogs.templates(campaign)
    problems: list[str] = []
    for language in resolve_all(campaign).values():
        if language.tag == campaign.source_language:
            continue
        for path, template in ((catalogs.core_po_path(campaign, language), english.core),
                               (catalogs.po_path(campaign, language), english.local)):
            if path.is_file():
                problems += catalogs.lint(path, template)
        problems += glossary_problems(campaign, language)
    return problems


@translations.command("review")
@workspace_option
@click.argument("language")
@click.option("--reviewer", required=True, help="Name of the qualified translator who reviewed it.")
@click.option("--date", "date_", required=True, help="Review date, YYYY-MM-DD.")
@click.option("--sentence", "sentences", multiple=True, metavar="ENGLISH",
              help="Only this sentence (its English text; repeatable): after a change, re-review just it.")
@handle_errors
def translations_review(workspace: Path, language: str, reviewer: str, date_: str,
                        sentences: tuple[str, ...]) -> None:
    """Record that a qualified translator reviewed LANGUAGE (or some sentences) against the current English."""
    import datetime as dt

    from . import translator

    campaign, target = _translated_language(workspace, language)
    try:
        dt.date.fromisoformat(date_)
    except ValueError:
        raise UsageError(f"--date: {date_!r} is not a date such as 2026-11-22") from None
    if not reviewer.strip():
        raise UsageError("--reviewer: give the reviewer's name")
    stamped, done, total = translator.review(campaign, target, reviewer.strip(), date_, sentences)
    out_console.print(f"{language}: {stamped} sentence(s) stamped reviewed by {reviewer} on {date_}; "
                      f"{done} of {total} reviewed" + (" (catalog marked reviewed)" if done == total else ""))


def _translated_language(workspace: Path, language: str) -> tuple[Any, Any]:
    """The campaign and one of its translated (non-source) languages, or a usage error."""
    from .campaign import load_campaign
    from .languages import resolve_all

    campaign = load_campaign(workspace)
    langs = resolve_all(campaign)
    if language not in langs or language == campaign.source_language:
        raise UsageError(f"unknown language {language!r}; translated languages: "
                         f"{', '.join(t for t in langs if t != campaign.source_language)}")
    return campaign, langs[language]


@translations.command("packet")
@workspace_option
@click.argument("language")
@click.option("--out", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PDF to write (default: WORKSPACE/output/review/review-LANGUAGE.pdf).")
@handle_errors
def translations_packet(workspace: Path, language: str, out: Path | None) -> None:
    """A review packet for a translator: every sentence side by side, glossary, pages, sign-off."""
    from .translator import write_packet

    campaign, target = _translated_language(workspace, language)
    path = write_packet(campaign, target, out or campaign.root / "output" / "review" / f"review-{language}.pdf")
    out_console.print(f"{path}: review packet for {language}")


@translations.command("export")
@workspace_option
@click.argument("language")
@click.option("--xliff", "target_file", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="XLIFF 1.2 file to write, for a vendor's translation tool.")
@handle_errors
def translations_export(workspace: Path, language: str, target_file: Path) -> None:
    """Export LANGUAGE's catalog as XLIFF (translate-toolkit), notes and fuzzy state kept."""
    from .files import write_bytes
    from .translator import export_xliff

    campaign, target = _translated_language(workspace, language)
    write_bytes(target_file, export_xliff(campaign, target))
    out_console.print(f"{target_file}: {language} as XLIFF")


@translations.command("import")
@workspace_option
@click.argument("language")
@click.argument("xliff_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@handle_errors
def translations_import(workspace: Path, language: str, xliff_file: Path) -> None:
    """Take translations from a vendor's XLIFF file into LANGUAGE's catalog (the English never changes)."""
    from .translator import import_xliff

    campaign, target = _translated_language(workspace, language)
    changed, copied = import_xliff(campaign, target, xliff_file.read_bytes())
    out_console.print(f"{language}: {changed} entr{'y' if changed == 1 else 'ies'} changed from {xliff_file}")
    if copied:
        out_console.print(f"{language}: the changes include core text (the rights, the same in every campaign); "
                          f"this workspace now has its own copy of the core catalog, {copied}, which overrides "
                          "the engine's (send the change to the engine's maintainers so every campaign gets it)",
                          highlight=False)


@translations.command("glossary")
@workspace_option
@click.option("--tbx", "tbx_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the glossary as TBX for translation tools.")
@handle_errors
def translations_glossary(workspace: Path, tbx_file: Path | None) -> None:
    """Check every catalog against translations/glossary.csv; list missing terms; export TBX."""
    from .campaign import load_campaign
    from .files import write_bytes
    from .languages import resolve_all
    from .translator import glossary_gaps, glossary_problems, glossary_tbx

    campaign = load_campaign(workspace)
    translated = [lang for lang in resolve_all(campaign).values() if lang.tag != campaign.source_language]
    if tbx_file:
        write_bytes(tbx_file, glossary_tbx(campaign))
        out_console.print(f"{tbx_file}: glossary as TBX")
    for gap in glossary_gaps(campaign, translated):
        console.print(f"[yellow]gap:[/] {escape(gap)}", highlight=False)
    problems = [p for lang in translated for p in glossary_problems(campaign, lang)]
    if problems:
        raise FlyersError(f"{len(problems)} translation(s) do not use the glossary's term", problems)
    out_console.print("[green]ok:[/] every translation uses the glossary's terms")


@main.command()
@workspace_option
@click.option("--out", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Site folder (default: WORKSPACE/output/site).")
@handle_errors
def site(workspace: Path, out: Path | None) -> None:
    """Build the PDFs, then the static download site: one page per language."""
    from .site import build_site

    with Progress(TextColumn("rendering"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("render", total=None)
        result = build_site(workspace, out, lambda done, total: progress.update(task, completed=done, total=total))
    out_console.print(f"site: {len(result.languages)} languages, {result.files} files, "
                      f"{result.size / 1e6:.1f} MB in {result.out} ({result.written} written, "
                      f"{result.removed} removed)")
    out_console.print(f"open {result.out / 'index.html'}, or run `flyers serve`, or copy the folder to any web host")
    if result.build:
        _print_outcome(result.build, "not on the site")


@main.command()
@workspace_option
@click.option("--lang", "-l", "languages", multiple=True, metavar="TAG", help="Only this language (repeatable).")
@click.option("--replace", is_flag=True, help="Redo earlier computer drafts (recordings are never replaced).")
@handle_errors
def audio(workspace: Path, languages: tuple[str, ...], replace: bool) -> None:
    """Draft a computer reading (espeak-ng) into audio/ for languages with no recording."""
    from .audio import draft
    from .campaign import load_campaign

    for tag, what in draft(load_campaign(workspace), languages, replace).items():
        out_console.print(f"{tag}: {what}")
    out_console.print("drafts are labelled \"computer voice, draft\" on the site; replace them with recordings")


@main.command()
@workspace_option
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Site folder (default: WORKSPACE/output/site, as `flyers site` writes it).")
@handle_errors
def serve(workspace: Path, port: int, folder: Path | None) -> None:
    """Serve the download site on 127.0.0.1 for a local look (Ctrl-C stops)."""
    from .serve import log_to_stderr
    from .serve import serve as run_server
    from .site import default_out

    run_server(folder or default_out(workspace), port,
               on_ready=lambda url: out_console.print(f"serving {url}  (Ctrl-C stops)"), log=log_to_stderr)
    out_console.print("stopped")


if __name__ == "__main__":  # pragma: no cover
    main()
