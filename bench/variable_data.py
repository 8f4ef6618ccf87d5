"""Stamp N unique-QR pieces into one print file and print the figures.

Final line, JSON: {"pieces", "seconds", "peak_rss_mb", "bytes_per_page", ...}
  seconds        -- stamping only (the master is rendered once, before, and cached)
  peak_rss_mb    -- peak resident memory of the whole process tree while stamping
Run: .venv/bin/python bench/variable_data.py --pieces 30000
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from _common import FONT, PeakMemory, link, master_for

from flyers.model import Piece
from flyers.vdp import build_base, write_pieces


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pieces", type=int, default=30000)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--format", default="letter")
    args = parser.parse_args()
    master, master_seconds = master_for(args.lang, args.format)
    base_size = len(build_base([master.pdf], FONT, "bench")[0])
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pieces.pdf"
        pieces = (Piece(0, link(i), None, i + 1) for i in range(args.pieces))
        with PeakMemory() as memory:
            start = time.perf_counter()
            write_pieces(out, master, pieces, args.pieces, FONT, "bench")
            seconds = time.perf_counter() - start
        size = out.stat().st_size
    print(json.dumps({
        "pieces": args.pieces, "seconds": round(seconds, 2),
        "peak_rss_mb": round(memory.peak_tree / 2**20), "peak_rss_main_mb": round(memory.peak_main / 2**20),
        "bytes_per_page": round((size - base_size) / args.pieces), "file_mb": round(size / 2**20, 1),
        "master_seconds": round(master_seconds, 2), "format": args.format, "cores": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
