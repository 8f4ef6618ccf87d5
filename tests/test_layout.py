"""Where the ink lands: the layout checks, each failing on a page made to break it.

The broken pages are built through the real build (one small build for all of
them), which must stop before writing anything and name language, format,
page and what is wrong.  The good pages are the session's sample build.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image

from flyers import preflight
from flyers.build import BuildRequest, build
from flyers.campaign import load_campaign
from flyers.errors import RenderError
from flyers.fontstack import font_weight, fontconfig_file, load_fonts
from flyers.languages import resolve_all
from flyers.templating import drop_doubled_stops, render_html, time_markup, typeset

from .conftest import ROOT, SAMPLE_LANGUAGES, copy_workspace, run_cli

# What each deliberately broken page gets wrong, and the message the build must give.
BREAKAGES = {
    # a Nastaliq paragraph at line-height 1.0: the lines run into each other
    "collision": (":root:lang(ur) { --lh: 1.0; --lh-title: 1.0; }",
                  r"^ur/card p1: line \d+ collides with line \d+ at x=\d+ pt"),
    # a 4 pt notice
    "type size": (".draft { font-size: 4pt; }",
                  r"^es/card p1: line \d+ .* is set at 4\.0 pt, below the format's min_font_size 5\.5 pt"),
}


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """One build of pages broken in every way the checks look for; its problems."""
    root = copy_workspace(tmp_path_factory.mktemp("broken") / "campaign")
    with (root / "templates/style.css").open("a", encoding="utf-8") as css:
        css.write("\n" + "\n".join(rule for rule, _ in BREAKAGES.values()) + "\n")
    # a line 2 pt from the trim: the interpreter card with a 2 pt margin
    toml = root / "campaign.toml"
    text = toml.read_text("utf-8")
    start = text.index("[formats.interpreter]")
    section, count = re.subn(r'^margin = "[^"]+"', 'margin = "2pt"', text[start:], count=1, flags=re.M)
    assert count == 1
    toml.write_text(text[:start] + section, "utf-8")
    # Urdu in Nastaliq, as the site sets it (print uses Naskh, see fonts/fonts.toml)
    fonts = root / "fonts/fonts.toml"
    fonts.write_text(fonts.read_text("utf-8").replace(
        "[languages]\n", '[languages]\nur = ["Noto Nastaliq Urdu", "Noto Naskh Arabic", "Noto Sans"]\n', 1), "utf-8")
    # a paragraph whose last word is forced onto a line of its own (the card's English back)
    card = root / "templates/card.html"
    card.write_text(card.read_text("utf-8").replace("I want to speak to a lawyer.</p>",
                                                    "I want to speak to a lawyer about my<br>case.</p>"), "utf-8")
    with pytest.raises(RenderError) as caught:
        build(BuildRequest(root=root, out=root / "output", languages=("es", "ur"), formats=("card", "interpreter")))
    return root, caught.value.problems


@pytest.mark.parametrize("kind", list(BREAKAGES))
def test_a_broken_page_fails_its_check(broken: tuple[Path, list[str]], kind: str) -> None:
    _, problems = broken
    assert any(re.search(BREAKAGES[kind][1], p) for p in problems), problems


def test_a_line_near_the_trim_fails_the_safe_area(broken: tuple[Path, list[str]]) -> None:
    _, problems = broken
    near = [p for p in problems if p.startswith("es/interpreter p1:") and "from the top edge of the trim" in p]
    assert near, problems
    gap = float(re.search(r"is (-?[\d.]+) pt from the top", near[0]).group(1))  # type: ignore[union-attr]
    assert 0 < gap < 9


def test_a_lone_last_word_fails(broken: tuple[Path, list[str]]) -> None:
    _, problems = broken
    assert any(re.search(r"^es/card p2: line \d+ holds one word alone \('case\.'\)", p) for p in problems), problems


def test_a_failing_build_writes_nothing(broken: tuple[Path, list[str]]) -> None:
    root, _ = broken
    assert not (root / "output" / "flyers").exists()
    assert not (root / "output" / "manifest.json").exists()


def test_every_sample_page_passes_the_layout_checks(sample_build: Path) -> None:
    campaign = load_campaign(sample_build)
    languages = resolve_all(campaign)
    problems = []
    for tag in SAMPLE_LANGUAGES:
        for name, fmt in campaign.formats.items():
            for cut in ("", "-print"):
                path = sample_build / f"output/flyers/{tag}/kyr-{tag}-{name}{cut}.pdf"
                problems += preflight.layout_problems(path, fmt, languages[tag])
    assert problems == []


def test_glyph_boxes_are_the_ink(sample_build: Path) -> None:
    """The title's glyphs sit inside the masthead on the page, where a reader sees them."""
    path = sample_build / "output/flyers/en/kyr-en-letter.pdf"
    page = preflight.page_ink(path)[0]
    k = [g for g in page.glyphs if g.char == "K" and g.size > 20]
    assert k, "no large K (the title) found"
    glyph = k[0]
    assert 36 < glyph.x0 < 80 and 700 < glyph.y1 < 756  # inside the top margin box, near the left
    assert 0.6 * glyph.size < glyph.y1 - glyph.y0 < 0.8 * glyph.size  # cap height, not the line box


def test_safe_margin_is_settable_per_format(tmp_path: Path) -> None:
    root = copy_workspace(tmp_path / "campaign")
    toml = root / "campaign.toml"
    text = toml.read_text("utf-8")
    start = text.index("[formats.card]")
    toml.write_text(text[:start] + text[start:].replace("pages = 2", 'pages = 2\nsafe_margin = "12pt"', 1), "utf-8")
    campaign = load_campaign(root)
    assert campaign.formats["card"].safe_margin.pt == 12
    assert campaign.formats["letter"].safe_margin.pt == 9


def test_bold_weight_comes_from_the_style_name(tmp_path: Path) -> None:
    """Noto Nastaliq Urdu Bold reports usWeightClass 400; fontconfig must see it as bold."""
    fonts = load_fonts(ROOT / "fonts")
    assert font_weight(ROOT / "fonts/NotoNastaliqUrdu-Bold.ttf") == 700
    assert font_weight(ROOT / "fonts/NotoNastaliqUrdu-Regular.ttf") == 400
    assert font_weight(ROOT / "fonts/NotoSans-Bold.ttf") == 700
    conf = fontconfig_file(fonts, tmp_path).read_text("utf-8")
    assert re.search(r"NotoNastaliqUrdu-Bold\.ttf</string></test>\s*<edit name=\"weight\" mode=\"assign\">"
                     r"<int>200</int>", conf)
    assert "NotoSans-Bold.ttf" not in conf  # only files whose OS/2 weight is wrong get a rule


def test_no_doubled_full_stop_after_a_time() -> None:
    campaign = load_campaign(ROOT)
    languages = resolve_all(campaign)
    from flyers import catalogs
    from flyers.model import PrintOptions

    fonts = load_fonts(campaign.fonts_dir)
    for tag in ("el", "sq"):
        html = render_html(campaign, campaign.formats["letter"], catalogs.load(campaign, languages[tag]), fonts,
                           PrintOptions(), 12)
        closes = languages[tag].format_time(campaign.contacts["legal"].closes)  # type: ignore[arg-type]
        assert closes.endswith(".")
        assert re.search(re.escape(closes) + r"</span>[^.]", html), tag
    assert drop_doubled_stops(f"bis {time_markup('6:00 m.d.')}.") == f"bis {time_markup('6:00 m.d.')}"
    assert drop_doubled_stops(f"to {time_markup('6:00 PM')}.") == f"to {time_markup('6:00 PM')}."


def test_typeset_ties_the_last_word_and_keeps_korean_words_whole() -> None:
    html = "<html><head><title>a b</title></head><body><li>Do not run away.</li><p>Call <b>311</b> now</p></body>"
    out = typeset(html, "Latn")
    assert "<li>Do not run\u00a0away.</li>" in out and "<b>311</b>\u00a0now</p>" in out
    assert "<title>a b</title>" in out  # only the body
    assert "\u00a0" not in typeset(html, "Hans")  # no tie where words are not space-separated
    assert "있\u2060습\u2060니\u2060다\u00a0서\u2060명" in typeset("<body><p>있습니다 서명</p></body>", "Kore")


def test_chinese_and_japanese_blocks_never_end_on_one_character() -> None:
    """The page review found "す。" and "门。" alone on last lines, and gaps after "。"."""
    out = typeset("<body><li>不要开门。 请他们出示。</li><p>スキャンしてください：</p></body>", "Jpan")
    assert "<li>不要开门。请他们出\u2060示\u2060。</li>" in out
    assert "さ\u2060い\u2060：</p>" in out
    assert typeset("<body><p>门。 请</p></body>", "Latn") == "<body><p>门。\u00a0请</p></body>"


def test_contact_sheet_shows_every_language(sample_build: Path, tmp_path: Path) -> None:
    result = run_cli("check", "--workspace", str(sample_build), "--contact-sheet", str(tmp_path / "sheets"))
    assert result.returncode == 0, result.stdout + result.stderr
    sheets = sorted(p.name for p in (tmp_path / "sheets").iterdir())
    assert sheets == sorted(f"contact-{name}.png" for name in load_campaign(sample_build).formats)
    card = Image.open(tmp_path / "sheets/contact-card.png")
    # four languages side by side, each with its card's two pages 360 px wide
    assert card.width >= len(SAMPLE_LANGUAGES) * 2 * preflight.SHEET_PAGE_PX
    assert card.height >= preflight.SHEET_PAGE_PX * 2 / 3.5
