"""Time a whole default-campaign build, cold (empty cache) and warm (nothing changed).

Prints one JSON line: {"cold_seconds", "warm_seconds", "files", "masters", "cores"}.
Run: .venv/bin/python bench/campaign.py   (or `make bench`)
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

from flyers.build import BuildRequest, build
from flyers.workspace import init_workspace


def timed_build(root: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    result = build(BuildRequest(root=root, out=root / "output"))
    return time.perf_counter() - start, len(result.artifacts), result.rendered


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "campaign"
        init_workspace(root)
        cold, files, masters = timed_build(root)
        warm, _, rerendered = timed_build(root)
    print(json.dumps({"cold_seconds": round(cold, 2), "warm_seconds": round(warm, 2), "files": files,
                      "masters": masters, "rerendered_when_warm": rerendered, "cores": os.cpu_count()}))


if __name__ == "__main__":
    main()
