"""A national plan: N distributors x 5 order lines x 10 pieces, through `flyers batch`.

Generates an orders file of ``--distributors`` distributors (each ordering 5
language/format lines of 10 pieces: 20,000 distributors = 100,000 rows =
1,000,000 pieces), runs ``flyers batch`` on it as a user would (masters taken
from the cache after a warm-up run) and prints one JSON line:

  seconds          -- the command, start to exit: orders read to zip written (wall clock)
  cpu_seconds      -- CPU time of the whole process tree in that time (user + system; the
                      figure to compare on a shared machine, where wall time waits for others)
  ms_per_distributor -- seconds over distributors (each with its 5 lines and 50 pieces)
  pieces_per_hour  -- how far one machine goes: pieces over seconds, times 3,600
  peak_rss_mb      -- peak resident memory of the whole process tree (this script, the
                      command, its packing-list process and page workers)
  peak_rss_command_mb -- the same without this script: what `flyers batch` itself takes
  load_before      -- the 1-minute load average when it started (the machine is shared)

Run: .venv/bin/python bench/distributors.py --distributors 1000 4000 20000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, PeakMemory

LINES = [("en", "card"), ("es", "card"), ("zh-Hans", "half-letter"), ("ar", "card"), ("yi", "letter")]
NAMES = ["Congregation {n:05d}, Queens", "Iglesia San José {n:05d}", "Masjid Al-Noor {n:05d}",
         "First Chinese Baptist {n:05d}, Chinatown", "Community Pantry {n:05d} of the Lower East Side"]


def write_plan(path: Path, distributors: int, pieces: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["distributor_id", "distributor_name", "language", "format", "quantity", "contact"])
        for n in range(distributors):
            name = NAMES[n % len(NAMES)].format(n=n)
            for tag, fmt in LINES:
                out.writerow([f"D{n:05d}", name, tag, fmt, pieces, "front desk" if n % 3 == 0 else ""])


def run(distributors: int, pieces: int, mode: str, work: Path) -> dict[str, object]:
    orders = work / f"plan-{distributors}.csv"
    write_plan(orders, distributors, pieces)
    out = work / f"package-{distributors}"
    load = os.getloadavg()[0]
    command = [str(Path(sys.executable).with_name("flyers")), "batch", "-w", str(ROOT), str(orders),
               "--out", str(out), "--mode", mode]
    with PeakMemory() as memory:
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds = time.perf_counter() - start
    cpu = memory.children_cpu
    # job.json read as JSON: importing the engine here would add its 80 MB to the next run's peak
    pieces = json.loads((out / "job.json").read_text("utf-8"))["total_pieces"]
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    shutil.rmtree(out)
    out.with_suffix(".zip").unlink()
    return {"distributors": distributors, "rows": distributors * len(LINES), "pieces": pieces,
            "mode": mode, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
            "ms_per_distributor": round(1000 * seconds / distributors, 2),
            "pieces_per_hour": round(3600 * pieces / seconds, -5),
            "peak_rss_mb": round(memory.peak_tree / 2**20), "peak_rss_command_mb": round(memory.peak_children / 2**20),
            "package_mb": round(size / 2**20), "load_before": round(load, 2), "cores": os.cpu_count()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--distributors", type=int, nargs="+", default=[1000, 4000, 20000])
    parser.add_argument("--pieces", type=int, default=10, help="pieces per order line")
    parser.add_argument("--mode", default="copies", choices=["copies", "sequenced"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run(20, args.pieces, args.mode, work)  # warm-up: masters into the cache
        for count in args.distributors:
            print(json.dumps(run(count, args.pieces, args.mode, work)), flush=True)


if __name__ == "__main__":
    main()
