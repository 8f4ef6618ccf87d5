"""Generate the default campaign's print plan: orders/nyc-2026.csv.

About 400 congregations and exactly 30,000 pieces, as in the February 2026 NYC
campaign.  The distributors are PLACEHOLDERS ("Congregation 001, Bronx"): the
real list comes from the campaign's faith-leader outreach and replaces this
file.  No contact column: nothing personal is needed to print.  Languages are
weighted roughly by how many New Yorkers speak them; seeded, so the file is
the same every time.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOTAL = 30_000
COUNT = 400
BOROUGHS = ["Bronx", "Brooklyn", "Manhattan", "Queens", "Staten Island"]
WEIGHTS = {
    "es": 40, "zh-Hans": 7, "zh-Hant": 5, "ru": 5, "bn": 5, "ht": 5, "ko": 3, "ar": 3, "ur": 3, "fr": 3,
    "pl": 2, "yi": 2, "it": 1, "uk": 2, "pt-BR": 1, "vi": 1, "fil": 1, "fa": 1, "prs": 1, "ps": 1, "hi": 1,
    "ne": 1, "pa": 1, "gu": 1, "ja": 1, "am": 1, "ti": 1, "my": 1, "el": 1, "sq": 1, "tr": 1, "en": 4,
}
FORMATS = [("letter", 0.55), ("card", 0.35), ("half-letter", 0.10)]


def main() -> None:
    rng = random.Random(2026)
    tags, weights = list(WEIGHTS), list(WEIGHTS.values())
    rows: list[list[str]] = []
    for number in range(1, COUNT + 1):
        ident = f"NYC-{number:03d}"
        name = f"Congregation {number:03d}, {BOROUGHS[number % len(BOROUGHS)]}"
        languages = list(dict.fromkeys(rng.choices(tags, weights, k=rng.choice([1, 1, 2, 2, 3]))))
        for tag in languages:
            fmt = rng.choices([f for f, _ in FORMATS], [w for _, w in FORMATS])[0]
            rows.append([ident, name, tag, fmt, str(rng.choice([25, 50, 50, 75, 100]))])
    scale = TOTAL / sum(int(r[4]) for r in rows)
    for row in rows:
        row[4] = str(max(5, round(int(row[4]) * scale / 5) * 5))
    rows[0][4] = str(int(rows[0][4]) + TOTAL - sum(int(r[4]) for r in rows))
    target = ROOT / "orders" / "nyc-2026.csv"
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["distributor_id", "distributor_name", "language", "format", "quantity"])
        writer.writerows(rows)
    print(f"{target.relative_to(ROOT)}: {len(rows)} lines, {COUNT} distributors, "
          f"{sum(int(r[4]) for r in rows)} pieces")


if __name__ == "__main__":
    main()
