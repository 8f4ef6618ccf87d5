"""The same N unique-QR pieces made two ways, timed in one run, with the ratio.

  plain   -- WeasyPrint lays out an N-page document, each page the flyer with its
             own QR (inline SVG): what a naive generator does.
  stamped -- kyr-flyers: WeasyPrint renders the master once, then every piece is
             stamped onto pages that reuse it (master render included here, cold).
Both are timed in a worker process whose one-time set-up (importing WeasyPrint,
loading the fonts) is done before the clock starts, the same for both.
Final line, JSON: {"pieces", "plain_seconds", "stamped_seconds", "ratio", ...}
Run: .venv/bin/python bench/vs_weasyprint.py --pieces 1000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

import zxingcpp
from _common import FONT, ROOT, link

from flyers import catalogs
from flyers.build import CACHE_DIR
from flyers.campaign import load_campaign
from flyers.defaults import DEFAULTS
from flyers.fontstack import fontconfig_file, load_fonts
from flyers.languages import resolve
from flyers.layout import weasy_render
from flyers.model import Piece, PrintOptions
from flyers.render import render_master
from flyers.templating import render_html
from flyers.vdp import write_pieces
from flyers.workers import run_jobs


def plain_document(pieces: int) -> str:
    """One HTML document with a page per piece, each with its own QR as inline SVG."""
    campaign = load_campaign(ROOT)
    catalog = catalogs.load(campaign, resolve("en", campaign))
    html = render_html(campaign, campaign.formats["letter"], catalog, load_fonts(campaign.fonts_dir),
                       PrintOptions(profile=ROOT / DEFAULTS.profile), 11.0)
    head, body = html.split("<body", 1)
    body = "<body" + body
    inner = body[body.index(">") + 1: body.rindex("</body>")]
    found = re.search(r'<div class="qr-slot" id="qr-slot">.*?</div>', inner)
    assert found, "templates/_blocks.html: no QR slot"
    empty_slot = found[0]
    pages = []
    for index in range(pieces):
        svg = zxingcpp.create_barcode(link(index), zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_svg()
        svg = re.sub(r"<\?xml[^>]*>", "", svg).replace("<svg ", '<svg style="width:100%;height:100%" ', 1)
        page = inner.replace(empty_slot, f'<div class="qr-slot">{svg}</div>', 1)
        pages.append(f'<div style="page-break-after: always">{page}</div>')
    return head + body[: body.index(">") + 1] + "".join(pages) + "</body></html>"


def set_up() -> None:
    """Per-process start-up, kept out of both timings: imports and the font configuration."""
    from flyers.layout import font_configuration

    font_configuration()


def plain(pieces: int) -> float:
    """Worker: lay out and write the N-page document (fonts as in a real build)."""
    html = plain_document(pieces)
    set_up()
    start = time.perf_counter()
    document, _ = weasy_render(html, ROOT / "templates", ROOT)
    document.write_pdf()
    return time.perf_counter() - start


def stamped(pieces: int) -> float:
    """Worker: render the master (no cache) and stamp N pieces, single process."""
    set_up()
    start = time.perf_counter()
    campaign = load_campaign(ROOT)
    catalog = catalogs.load(campaign, resolve("en", campaign))
    master = render_master(campaign, campaign.formats["letter"], catalog, load_fonts(campaign.fonts_dir),
                           PrintOptions(profile=ROOT / DEFAULTS.profile), identifier=b"bench")
    with tempfile.TemporaryDirectory() as tmp:
        write_pieces(Path(tmp) / "p.pdf", master, (Piece(0, link(i), None, i + 1) for i in range(pieces)),
                     pieces, FONT, "bench", workers=1)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pieces", type=int, default=1000)
    args = parser.parse_args()
    fonts = fontconfig_file(load_fonts(ROOT / "fonts"), ROOT / CACHE_DIR)
    results = {}
    for name, function in (("stamped", stamped), ("plain", plain)):
        for _, seconds in run_jobs(function, [args.pieces], fonts, [name], timeout_s=3600):
            results[name] = seconds
    print(json.dumps({
        "pieces": args.pieces, "plain_seconds": round(results["plain"], 2),
        "stamped_seconds": round(results["stamped"], 2),
        "ratio": round(results["plain"] / results["stamped"], 1),
        "plain_ms_per_piece": round(results["plain"] / args.pieces * 1000, 1), "cores": os.cpu_count(),
    }))


if __name__ == "__main__":
    main()
