"""campaign.toml validation: every problem reported at once, each naming its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from flyers.campaign import load_campaign
from flyers.errors import ConfigError


def edit(workspace: Path, old: str, new: str) -> None:
    path = workspace / "campaign.toml"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def problems(workspace: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_campaign(workspace)
    return info.value.problems or [str(info.value)]


def test_default_campaign_loads(workspace: Path) -> None:
    campaign = load_campaign(workspace)
    assert campaign.contacts["legal"].phone == "(800) 354-0365"
    assert campaign.contacts["state"].phone == "(800) 566-7636"
    assert campaign.contacts["emergency"].phone == "311"
    assert campaign.qr.link == "https://www.nyc.gov/immigrants"
    assert campaign.facts.order_number == "13"
    assert len(campaign.languages) >= 30
    assert {"letter", "a4", "half-letter", "tabloid", "card"} <= set(campaign.formats)
    assert campaign.formats["card"].pages == 2


def test_every_problem_is_reported_at_once(workspace: Path) -> None:
    edit(workspace, 'pages = 2', 'pages = "two"')
    edit(workspace, 'accent = [100, 60, 0, 20]', 'accent = [100, 60, 0, 120]')
    edit(workspace, 'link = "https://www.nyc.gov/immigrants"', 'link = "http://www.nyc.gov/immigrants"')
    edit(workspace, 'width = "8.5in"', 'width = "8.5 furlongs"')
    found = problems(workspace)
    assert any(p.startswith("[formats.card] pages:") for p in found), found
    assert any(p.startswith("[colours] accent:") and "0 to 100" in p for p in found), found
    assert any(p.startswith("[qr] link:") and "https://" in p for p in found), found
    assert any(p.startswith("[formats.letter] width:") for p in found), found
    assert len(found) == 4


def test_invalid_toml_names_the_line(workspace: Path) -> None:
    edit(workspace, '[facts]', '[facts\n')
    with pytest.raises(ConfigError) as info:
        load_campaign(workspace)
    assert "campaign.toml" in str(info.value) and "line" in str(info.value)


def test_bad_language_tag_and_duplicate(workspace: Path) -> None:
    edit(workspace, '"en", "es",', '"en", "es", "es", "Spanish!",')
    found = problems(workspace)
    assert any("'es' is listed twice" in p for p in found), found
    assert any("'Spanish!' is not a BCP 47 tag" in p for p in found), found


def test_missing_workspace_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"campaign\.toml: not found"):
        load_campaign(tmp_path)
