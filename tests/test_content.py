"""What the flyers say: the brief's points in the printed English, at a grade-6 reading level.

The key sentences are looked for in the text extracted from the built PDFs,
not in the templates, so a block a format leaves out (or CSS hides) fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flyers.preflight import normalise, pdf_text
from flyers.readability import (
    BLOCK_GRADE_LIMIT,
    SENTENCE_GRADE_LIMIT,
    measure_campaign,
    over_limits,
    score_sentence,
    score_units,
    syllables,
)
from tests.conftest import ROOT

DOOR = ["Do not open the door.", "through a window or under the door"]
FORCE = ["If agents force their way in, do not resist or fight.", "I do not consent."]
PUBLIC = ["Am I free to go?", "walk away calmly"]
SIGN = ["Do not sign anything until you talk to a lawyer."]
# Each format and what it must print (the brief: door guidance on every format;
# force entry, "free to go", sign nothing and the family plan where space allows).
KEY_SENTENCES = {
    "letter": [*DOOR, *FORCE, *PUBLIC, *SIGN, "Make a plan for your family", "You can contact your consulate.",
               "Say it out loud: “I want to remain silent.”", "A paper signed only by an immigration officer"],
    "half-letter": [*DOOR, *FORCE, *PUBLIC, *SIGN, "A paper signed only by an immigration officer"],
    "card": [*DOOR[:1], "Show the other side of this card through a window or under the door."],
}
# What the revision removed: a promise about I-205 entry, and "sign what you understand".
RETIRED = ["allows agents to enter your home", "Do not sign papers you do not understand",
           "Show the other side of this card to the agent."]


def _printed(build_root: Path, fmt: str) -> str:
    return normalise("\n".join(pdf_text(build_root / "output" / "flyers" / "en" / f"kyr-en-{fmt}.pdf")))


@pytest.mark.parametrize("fmt", sorted(KEY_SENTENCES))
def test_english_formats_print_the_brief_points(sample_build: Path, fmt: str) -> None:
    printed = _printed(sample_build, fmt)
    missing = [s for s in KEY_SENTENCES[fmt] if normalise(s) not in printed]
    assert not missing, f"en/{fmt} does not print: {missing}"
    assert not [s for s in RETIRED if normalise(s) in printed]


def test_every_english_block_is_at_grade_six() -> None:
    scores = measure_campaign(ROOT)
    blocks = {(s.format, s.block) for s in scores}
    # The measure must see the blocks people read, or it proves nothing.
    for wanted in [("letter", "rights"), ("letter", "door"), ("letter", "eo13"), ("letter", "help"),
                   ("half-letter", "door"), ("card", "card-door"), ("card", "card-back")]:
        assert wanted in blocks
    assert over_limits(scores) == []
    assert max(s.score.grade for s in scores) <= BLOCK_GRADE_LIMIT


def test_reading_level_fails_on_a_long_sentence(workspace: Path) -> None:
    """The sentence the brief measured at grade 15.5, put back, is caught and named."""
    blocks_file = workspace / "templates" / "_blocks.html"
    old = ("Federal immigration agents may not enter City property, such as schools, shelters, hospitals "
           "and City parking garages and lots, without a judicial warrant signed by a judge.")
    text = blocks_file.read_text("utf-8")
    anchor = "This order covers all City property."
    assert anchor in text
    blocks_file.write_text(text.replace(anchor, old), "utf-8")
    problems = over_limits(measure_campaign(workspace))
    assert any("eo13: sentence grade" in p and "Federal immigration agents" in p for p in problems), problems


def test_flesch_kincaid_counts() -> None:
    assert [syllables(w) for w in ("interpreter", "lawyer", "warrant", "immigration", "the")] == [4, 2, 2, 4, 1]
    assert syllables("Zzyzxville") >= 1  # not in the dictionary: vowel groups
    # "The cat sat on the mat." 6 words, 6 syllables: 0.39*6 + 11.8*1 - 15.59
    assert score_sentence("The cat sat on the mat.").grade == pytest.approx(0.39 * 6 + 11.8 - 15.59)
    total, per = score_units(["Call Zohran Mamdani now."], names=("Zohran Mamdani",))
    assert total.words == 3 and total.syllables == 3 and len(per) == 1
    assert score_sentence(
        "Federal immigration agents may not enter City property without a judicial warrant."
    ).grade > SENTENCE_GRADE_LIMIT
