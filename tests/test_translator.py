"""A translator's workflow a language-services vendor would accept.

Glossary lint on the real catalogs, review stamps per sentence that survive an
unrelated English change, XLIFF round trips without loss, and a review packet
that shows every sentence.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flyers import catalogs, preflight, translator
from flyers.campaign import load_campaign
from flyers.languages import resolve_all

from .conftest import ROOT, own_core_catalog, run_cli


def _es(root: Path):  # type: ignore[no-untyped-def]
    campaign = load_campaign(root)
    return campaign, resolve_all(campaign)["es"]


def test_glossary_lint_passes_on_every_catalog() -> None:
    campaign = load_campaign(ROOT)
    glossary = translator.load_glossary(campaign)
    assert {"judge_warrant", "lawyer", "interpreter", "immigration_agent", "remain_silent", "search",
            "consent", "detained", "officer_paper"} <= set(glossary)
    problems = [p for lang in resolve_all(campaign).values() if lang.tag != campaign.source_language
                for p in translator.glossary_problems(campaign, lang)]
    assert problems == []


def test_every_catalog_has_a_draft_term_for_every_concept() -> None:
    campaign = load_campaign(ROOT)
    glossary = translator.load_glossary(campaign)
    tags = [lang.tag for lang in resolve_all(campaign).values() if lang.tag != campaign.source_language]
    assert translator.glossary_gaps(campaign, list(resolve_all(campaign).values())) == []
    for concept, by_language in glossary.items():
        for tag in tags:
            assert by_language[tag].note.startswith("draft:"), (concept, tag)  # no translator has approved it yet
    for tag in tags:  # the officer's paper is never given the judge's-warrant term
        judge, officer = glossary["judge_warrant"][tag].forms, glossary["officer_paper"][tag].forms
        assert not set(judge) & set(officer), tag
        assert not any(translator._uses(j, translator._fold(o)) for j in judge for o in officer), tag


def test_glossary_lint_fails_on_a_swapped_term(workspace: Path) -> None:
    campaign, es = _es(workspace)
    assert translator.load_glossary(campaign)["lawyer"]["es"].forms == ("abogad",)
    assert translator.glossary_problems(campaign, es) == []
    po = own_core_catalog(workspace, "es")  # the rights' sentences are core text
    po.write_text(po.read_text("utf-8").replace("abogado", "licenciado"), "utf-8")
    problems = translator.glossary_problems(campaign, es)
    assert problems and all("'lawyer' must be abogad (glossary)" in p for p in problems)
    assert all(p.startswith(f"{po}:") for p in problems)  # file:line
    result = run_cli("translations", "lint", "-w", str(workspace))
    assert result.returncode == 1 and "'lawyer' must be abogad" in result.stderr


@pytest.mark.parametrize(("tag", "concept", "term", "swap"), [
    ("ru", "lawyer", "адвокат", "защитник"),      # Cyrillic, inflected (адвоката, адвокатом)
    ("ar", "lawyer", "محام", "مستشار"),            # Arabic, with prefixes (بمحامٍ)
    ("zh-Hans", "interpreter", "口译员", "翻译员"),  # Han: an interpreter is not a (written) translator
])
def test_glossary_lint_fails_on_a_swapped_term_in_other_scripts(workspace: Path, tag: str, concept: str,
                                                                 term: str, swap: str) -> None:
    campaign = load_campaign(workspace)
    language = resolve_all(campaign)[tag]
    assert translator.glossary_problems(campaign, language) == []
    # the catalog (core text, or the campaign's own) whose translations use the term
    po = next(path for path in (own_core_catalog(workspace, tag), catalogs.po_path(campaign, language))
              if term in path.read_text("utf-8"))
    text = po.read_text("utf-8")
    po.write_text(text.replace(term, swap), "utf-8")
    problems = translator.glossary_problems(campaign, language)
    assert problems and all(p.startswith(f"{po}:") and f"{concept!r} must be" in p
                            and "in the translation of '" in p for p in problems)


def test_a_star_in_a_term_means_any_ending_of_that_word() -> None:
    fold, uses = translator._fold, translator._uses
    for text in ("Nakaz sądowy jest podpisany", "nie jest nakazem sądowym.", "potrzebują nakazu sądowego"):
        assert uses("nakaz* sądow*", fold(text)), text
    assert not uses("nakaz* sądow*", fold("nakaz administracyjny"))
    assert not uses("nakaz* sądow*", fold("nakaz jest sądowy"))  # the words must stand together
    assert uses("abogad", fold("Pida un abogado")) and uses("abogad", fold("una abogada"))
    assert uses("izin ver", fold("“İzin vermiyorum.”"))  # Turkish dotted capital I
    assert uses("דאלמעטשער", fold("קאַרטל צו בעטן אַ דאָלמעטשער"))  # Yiddish with and without points


def test_a_changed_sentence_needs_only_its_own_review(workspace: Path) -> None:
    campaign, es = _es(workspace)
    result = run_cli("translations", "review", "es", "-w", str(workspace), "--reviewer", "R. Ortiz",
                     "--date", "2026-11-30")
    assert result.returncode == 0, result.stderr
    status = catalogs.read_review(catalogs.read_catalog(catalogs.po_path(campaign, es)))
    assert (status.status, status.reviewer) == ("reviewed", "R. Ortiz")
    # The English of one of the campaign's own sentences changes; the translator
    # updates that one translation.
    blocks = workspace / "templates" / "_blocks.html"
    old, new = "How New York City protects immigrants", "How New York City protects all immigrants"
    blocks.write_text(blocks.read_text("utf-8").replace(old, new), "utf-8")
    assert run_cli("translations", "update", "-w", str(workspace)).returncode == 0
    po = catalogs.po_path(campaign, es)
    catalog = catalogs.read_catalog(po)
    message = catalog.get(new)
    assert message is not None and message.fuzzy
    message.flags.discard("fuzzy")
    message.string = "Cómo protege la Ciudad de Nueva York a todos los inmigrantes"
    catalogs.write_catalog(po, catalog)
    done, total = translator.review_counts(catalogs.read_catalog(po))
    assert done == total - 1  # every other stamp still holds
    assert catalogs.status(campaign, es, catalogs.templates(load_campaign(workspace))).stale
    result = run_cli("translations", "review", "es", "-w", str(workspace), "--reviewer", "R. Ortiz",
                     "--date", "2026-12-01", "--sentence", new)
    assert result.returncode == 0 and "1 sentence(s) stamped" in result.stdout, result.stderr
    assert translator.review_counts(catalogs.read_catalog(po)) == (total, total)
    assert catalogs.read_review(catalogs.read_catalog(po)).status == "reviewed"
    assert not catalogs.status(campaign, es, catalogs.templates(load_campaign(workspace))).stale


def test_xliff_round_trip_loses_nothing(workspace: Path, tmp_path: Path) -> None:
    campaign, es = _es(workspace)
    po = catalogs.po_path(campaign, es)
    before = po.read_bytes()
    xlf = tmp_path / "es.xlf"
    assert run_cli("translations", "export", "es", "-w", str(workspace), "--xliff", str(xlf)).returncode == 0
    text = xlf.read_text("utf-8")
    assert 'target-language="es"' in text and "Usted tiene derecho a un intérprete." in text
    engine_core = catalogs.engine_core_po(es)
    engine_before = engine_core.read_bytes()
    result = run_cli("translations", "import", "es", str(xlf), "-w", str(workspace))
    assert result.returncode == 0 and "0 entries changed" in result.stdout, result.stderr
    assert po.read_bytes() == before and not catalogs.workspace_core_po(campaign, es).exists()
    # A vendor's change comes back in; the English cannot change.  The sentence is
    # core text: it goes into the workspace's own copy, never into the engine's files.
    xlf.write_text(text.replace("Usted tiene derecho a un intérprete.", "Tiene derecho a un intérprete."), "utf-8")
    result = run_cli("translations", "import", "es", str(xlf), "-w", str(workspace))
    assert result.returncode == 0 and "1 entry changed" in result.stdout
    assert "its own copy of the core catalog" in result.stdout
    assert engine_core.read_bytes() == engine_before and po.read_bytes() == before
    assert catalogs.core_po_path(campaign, es) == catalogs.workspace_core_po(campaign, es)
    assert catalogs.load(campaign, es).translations["You have the right to an interpreter."] == \
        "Tiene derecho a un intérprete."
    # A change to the campaign's own text goes into its local catalog.
    local = "Cómo protege la Ciudad de Nueva York a los inmigrantes"
    assert local in text
    xlf.write_text(text.replace(local, "Cómo protege Nueva York a los inmigrantes"), "utf-8")
    result = run_cli("translations", "import", "es", str(xlf), "-w", str(workspace))
    assert result.returncode == 0 and "2 entries changed" in result.stdout  # the core one is back as exported
    assert "Cómo protege Nueva York a los inmigrantes" in po.read_text("utf-8")
    xlf.write_text(text.replace("You have the right to an interpreter.", "You have a right."), "utf-8")
    result = run_cli("translations", "import", "es", str(xlf), "-w", str(workspace))
    assert result.returncode == 1 and "is not in" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_review_packet_shows_every_sentence(workspace: Path) -> None:
    campaign, es = _es(workspace)
    out = workspace / "packet.pdf"
    result = run_cli("translations", "packet", "es", "-w", str(workspace), "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = preflight.normalise(" ".join(preflight.pdf_text(out)))
    loaded = catalogs.load(campaign, es)
    for msgid in catalogs.templates(campaign).msgids():  # core and local text (names are optional)
        if msgid:
            for part in catalogs.PLACEHOLDER_RE.split(msgid)[::2]:
                assert preflight.normalise(part) in text, part
            for part in catalogs.PLACEHOLDER_RE.split(loaded.translations[msgid])[::2]:
                assert preflight.normalise(part) in text, part
    assert preflight.normalise("Sign-off") in text and preflight.normalise("Glossary") in text
    # The rendered pages follow the sentences: the packet is longer than its tables.
    assert len(preflight.pdf_text(out)) > len(campaign.formats)
