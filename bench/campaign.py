"""Time the whole default campaign, cold (empty cache) and warm (nothing changed).

The whole campaign is what `make flyers` makes: every language x format
(`flyers build`), the print-shop package of its 30,000-piece plan
(`flyers batch`) and the download site (`flyers site`).
Final line, JSON: {"cold_seconds", "warm_seconds", "steps": {...}, ...}
Run: .venv/bin/python bench/campaign.py   (or `make bench`)
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flyers.batch import BatchRequest, run_batch
from flyers.build import BuildRequest, build
from flyers.campaign import load_campaign
from flyers.site import build_site
from flyers.workspace import init_workspace


def steps(root: Path) -> dict[str, Callable[[], object]]:
    orders = load_campaign(root).orders
    assert orders is not None
    return {
        "build": lambda: build(BuildRequest(root=root, out=root / "output")),
        "batch": lambda: run_batch(BatchRequest(root=root, orders=orders,
                                                out=root / "output" / "batch" / orders.stem)),
        "site": lambda: build_site(root),
    }


def timed(root: Path) -> dict[str, float]:
    times = {}
    for name, step in steps(root).items():
        start = time.perf_counter()
        step()
        times[name] = round(time.perf_counter() - start, 2)
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "campaign"
        init_workspace(root)
        cold = timed(root)
        warm = timed(root)
    print(json.dumps({"cold_seconds": round(sum(cold.values()), 1), "warm_seconds": round(sum(warm.values()), 1),
                      "cold_steps": cold, "warm_steps": warm, "cores": os.cpu_count()}))


if __name__ == "__main__":
    main()
