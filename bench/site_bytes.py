"""Bytes a phone downloads to open the download site, measured in Chromium.

Serves a built site (default: output/site, built by `flyers site`) on 127.0.0.1
with the same server as `flyers serve`, opens the index and each language page
in a fresh 360 px browser context (empty cache), waits until the network is
idle and the fonts are ready, and sums what came over the wire (headers and
bodies, as Chromium reports them) before any PDF is asked for: the service
worker's background copy of the letter PDF is counted apart.  Also reports the
layout shift (CLS) Chromium measured while the page loaded.
Final line, JSON: {"index_bytes", "pages": {tag: bytes}, "max_page_bytes", "cls": {...}, ...}
Run: .venv/bin/python bench/site_bytes.py [SITE_DIR] [-l TAG ...]
"""

from __future__ import annotations

import argparse
import json
import shutil
import threading
from pathlib import Path
from typing import Any

from flyers.serve import open_server

ROOT = Path(__file__).resolve().parent.parent
PHONE = {"width": 360, "height": 740}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CLS_SCRIPT = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => { for (const e of list.getEntries()) if (!e.hadRecentInput) total += e.value; })
    .observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve(total), 300);
})"""


def measure(browser: Any, url: str) -> dict[str, Any]:
    """Transferred bytes of one page's first load, split into page and PDF, and its CLS."""
    context = browser.new_context(viewport=PHONE, service_workers="block")
    finished: list[Any] = []
    context.on("requestfinished", lambda request: finished.append(request))
    tab = context.new_page()
    tab.goto(url, wait_until="networkidle")
    tab.evaluate("document.fonts.ready.then(() => true)")
    cls = float(tab.evaluate(CLS_SCRIPT))
    page = pdf = 0
    for request in finished:
        sizes = request.sizes()
        size = int(sizes["responseBodySize"]) + int(sizes["responseHeadersSize"])
        if request.url.endswith(".pdf"):
            pdf += size
        else:
            page += size
    context.close()
    return {"bytes": page, "pdf_bytes": pdf, "requests": len(finished), "cls": round(cls, 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("site", nargs="?", type=Path, default=ROOT / "output" / "site")
    parser.add_argument("-l", "--lang", action="append", default=[], help="only these language pages")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tags = args.lang or sorted(p.parent.name for p in args.site.glob("*/index.html"))
    server = open_server(args.site, 0)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), headless=True,
                                                 args=CHROMIUM_ARGS)
            index = measure(browser, server.url)
            print(f"index: {index['bytes']:,} B in {index['requests']} requests, CLS {index['cls']}")
            pages = {}
            for tag in tags:
                pages[tag] = measure(browser, f"{server.url}{tag}/")
                print(f"{tag}: {pages[tag]['bytes']:,} B in {pages[tag]['requests']} requests, "
                      f"CLS {pages[tag]['cls']}")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    heaviest = max(pages, key=lambda t: pages[t]["bytes"])
    print(json.dumps({"index_bytes": index["bytes"], "index_cls": index["cls"],
                      "pages": {t: p["bytes"] for t, p in pages.items()},
                      "max_page_bytes": pages[heaviest]["bytes"], "heaviest": heaviest,
                      "max_cls": max([index["cls"], *(p["cls"] for p in pages.values())]),
                      "pdf_bytes_before_download": sum(p["pdf_bytes"] for p in pages.values())}))


if __name__ == "__main__":
    main()
