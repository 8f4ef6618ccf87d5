"""What the home cut costs: the second (tagged) write of a laid-out master, its QR
figure and its sheets, against the layout itself.

For a few (language, format) pairs: lay out once, write PDF/X-4 (the print
master) and tagged PDF/UA-1 without output intent (the home master), stamp the
home cut and, for card and half-letter, the home sheets.  Medians of --repeat runs.
Final line, JSON: {"pairs": {...: {"layout_ms", "print_write_ms", "home_write_ms", "home_cut_ms",
"sheets_ms", "home_kb", "print_kb"}}, "home_share_of_render"}
Run: .venv/bin/python bench/home_cut.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flyers import catalogs
from flyers.campaign import load_campaign
from flyers.defaults import DEFAULTS
from flyers.fontstack import fontconfig_file, load_fonts
from flyers.home import home_piece, sheet_pdf, sheets_for
from flyers.languages import resolve_all
from flyers.layout import drop_output_intent, find_slots, write_master_pdf
from flyers.model import PrintOptions
from flyers.qr import encode, qr_alt, qr_link
from flyers.render import _layout

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
PAIRS = (("en", "letter"), ("ar", "letter"), ("zh-Hans", "letter"), ("es", "card"), ("bn", "half-letter"))


def timed(function: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, float]:
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    campaign = load_campaign(ROOT)
    fonts = load_fonts(campaign.fonts_dir)
    os.environ["FONTCONFIG_FILE"] = str(fontconfig_file(fonts, ROOT / ".cache"))
    languages = resolve_all(campaign)
    options = PrintOptions(profile=ROOT / DEFAULTS.profile)
    results = {}
    for tag, name in PAIRS:
        fmt = campaign.formats[name]
        catalog = catalogs.load(campaign, languages[tag])
        runs: dict[str, list[float]] = {k: [] for k in ("layout", "print", "home", "cut", "sheets")}
        for _ in range(args.repeat):
            (_, document), ms = timed(_layout, campaign, fmt, catalog, fonts, options, fmt.font_size.pt)
            runs["layout"].append(ms)
            printed, ms = timed(write_master_pdf, document, b"bench", True)
            runs["print"].append(ms)
            home, ms = timed(write_master_pdf, document, b"bench", False, drop_output_intent, True)
            runs["home"].append(ms)
            slots, _ = find_slots(document)
            link = qr_link(campaign, tag)
            cut, ms = timed(home_piece, home, slots, encode(link), f"{tag}-{name}", qr_alt(catalog, link))
            runs["cut"].append(ms)
            start = time.perf_counter()
            for sheet in sheets_for(name, fmt.width.pt, fmt.height.pt):
                sheet_pdf(cut, sheet, sheet.name)
            runs["sheets"].append((time.perf_counter() - start) * 1000)
        median = {k: round(statistics.median(v), 1) for k, v in runs.items()}
        results[f"{tag}/{name}"] = {"layout_ms": median["layout"], "print_write_ms": median["print"],
                                    "home_write_ms": median["home"], "home_cut_ms": median["cut"],
                                    "sheets_ms": median["sheets"], "home_kb": round(len(cut) / 1000, 1),
                                    "print_kb": round(len(printed) / 1000, 1)}
        print(f"{tag}/{name}: {results[f'{tag}/{name}']}")
    share = sum(r["home_write_ms"] for r in results.values()) / sum(
        r["layout_ms"] + r["print_write_ms"] for r in results.values())
    print(json.dumps({"pairs": results, "home_share_of_render": round(share, 3)}))


if __name__ == "__main__":
    main()
