"""The download site as a faith leader with a phone meets it, in a real browser.

One small campaign (en, es, ar, bn, zh-Hans, fa, with ``[site] url`` set and a
computer-voice reading for es) is built once for the session; Chromium (Debian's,
driven by Playwright) then finds a language by its own name and by the names
people type, reads it, taps its phone numbers, downloads its PDFs, shares it,
reloads it offline, crawls every link, weighs each first load, runs axe-core,
prints it, and checks the page at 360 px.  Every request the pages make is
recorded, must stay on 127.0.0.1 and must succeed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

import pytest

from flyers import audio, catalogs, preflight
from flyers.campaign import load_campaign
from flyers.errors import FlyersError
from flyers.fontstack import load_fonts
from flyers.languages import resolve_all
from flyers.serve import SiteServer, open_server
from flyers.site import MARKER, SiteResult, build_site

from .conftest import ROOT, copy_workspace, run_cli, tool

SITE_LANGUAGES = ("en", "es", "ar", "bn", "zh-Hans", "fa")
SITE_URL = "https://rights.example.org/kyr"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT = ROOT / "docs" / "site-360.png"
ARTIFACTS = ROOT / "tests" / ".artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 360, "height": 740}


@dataclass(frozen=True)
class Built:
    """The session's campaign, its site folder and what `build_site` reported."""

    root: Path
    site: Path
    result: SiteResult

    def manifest(self) -> dict[str, dict[str, Any]]:
        entries = json.loads((self.root / "output" / "manifest.json").read_text("utf-8"))["artifacts"]
        return {e["path"]: e for e in entries}


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A few languages with ``[site] url`` set, PDFs and site built once."""
    root = copy_workspace(tmp_path_factory.mktemp("site") / "campaign")
    toml = root / "campaign.toml"
    text, count = re.subn(r"^languages = \[.*?^\]", "languages = " + json.dumps(list(SITE_LANGUAGES)),
                          toml.read_text("utf-8"), flags=re.S | re.M)
    assert count == 1
    toml.write_text(text + f'\n[site]\nurl = "{SITE_URL}"\n', "utf-8")
    tool("espeak-ng"), tool("opusenc")
    audio.draft(load_campaign(root), ("es",))
    result = build_site(root)
    return Built(root, root / "output" / "site", result)


@pytest.fixture(scope="session")
def server(built: Built) -> Iterator[SiteServer]:
    """The site on a free port of 127.0.0.1, served by the same class as `flyers serve`."""
    site_server = open_server(built.site, 0)
    thread = threading.Thread(target=site_server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield site_server
    site_server.shutdown()
    site_server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    executable = tool("chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Requests:
    """Every URL a browser context asked for, and those that failed (4xx, 5xx)."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.failed: list[str] = []

    def foreign(self) -> list[str]:
        """Requests to anything but 127.0.0.1 (or, for the file:// test, local files)."""
        return [u for u in self.urls if urlsplit(u).scheme != "file"
                and (urlsplit(u).scheme not in ("http", "https") or urlsplit(u).hostname != "127.0.0.1")]


@pytest.fixture()
def page(browser: Any) -> Iterator[tuple[Any, Requests]]:
    """A fresh phone-sized page whose every request is recorded -- and checked afterwards."""
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    requests = Requests()
    context.on("request", lambda request: requests.urls.append(request.url))
    context.on("response", lambda response: requests.failed.extend([response.url] if response.status >= 400 else []))
    tab = context.new_page()
    yield tab, requests
    context.close()
    assert requests.foreign() == [], "a page asked another host"
    assert requests.failed == [], "a request failed (favicon? manifest?)"


def goto(tab: Any, url: str) -> None:
    """Open a page and wait for its fonts, as a reader would see it."""
    response = tab.goto(url, wait_until="networkidle")
    assert response is not None and response.status == 200, url
    tab.evaluate("document.fonts.ready.then(() => true)")


# --- 1. find, read, download --------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("tag,own_name,direction", [("bn", "বাংলা", "ltr"), ("ar", "العربية", "rtl")])
def test_find_a_language_by_its_own_name_and_download_its_flyer(
        built: Built, server: SiteServer, page: tuple[Any, Requests], tag: str, own_name: str,
        direction: str) -> None:
    tab, _ = page
    goto(tab, server.url)
    items = tab.locator("#languages > li")
    assert items.count() == len(SITE_LANGUAGES)
    tab.locator("#filter").press_sequentially(own_name)
    visible = tab.locator("#languages > li:visible")
    assert visible.count() == 1
    item = visible.first
    assert item.get_attribute("lang") == tag and item.get_attribute("dir") == direction
    with tab.expect_navigation():
        item.locator("a").click()
    assert tab.url == f"{server.url}{tag}/index.html"
    assert tab.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [tag, direction]
    assert tab.locator("h1").inner_text().strip()

    manifest = built.manifest()
    for name in (f"kyr-{tag}-letter.pdf", f"kyr-{tag}-a4-print.pdf"):
        with tab.expect_download() as info:
            tab.locator(f'a[href="{name}"]').first.click()
        download = info.value
        data = Path(download.path()).read_bytes()
        assert download.suggested_filename == name
        assert data[:5] == b"%PDF-"
        assert hashlib.sha256(data).hexdigest() == manifest[f"flyers/{tag}/{name}"]["sha256"]


@pytest.mark.browser
def test_the_filter_matches_english_names_and_tags_too(server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, _ = page
    goto(tab, server.url)
    box = tab.locator("#filter")
    for query, tags in (("span", ["es"]), ("chinese (simp", ["zh-Hans"]), ("ESPAÑOL", ["es"]), ("espanol", ["es"])):
        box.fill(query)
        assert [li.get_attribute("lang") for li in tab.locator("#languages > li:visible").all()] == tags, query
        assert tab.locator("#filter-count").inner_text().endswith(str(len(tags)))
        assert tab.locator("#no-match").is_hidden()
    box.fill("")
    assert tab.locator("#languages > li:visible").count() == len(SITE_LANGUAGES)


@pytest.mark.browser
@pytest.mark.parametrize("query,tag", [
    ("Bengali", "bn"), ("Farsi", "fa"), ("Mandarin", "zh-Hans"), ("简体", "zh-Hans"),
    ("فارسي", "fa"),  # typed with the Arabic ي; the endonym is written with the Persian ی
    ("persa", "fa"), ("Bengalí", "bn"),  # the language's name in Spanish (CLDR)
    ("عربی", "ar"),  # Arabic typed with the Persian ی
    ("بنگالي", "bn"),  # CLDR's Persian name, بنگالی, typed with the Arabic ي: found only by letter folding
])
def test_the_filter_finds_the_names_people_type(server: SiteServer, page: tuple[Any, Requests], query: str,
                                                tag: str) -> None:
    tab, _ = page
    goto(tab, server.url)
    tab.locator("#filter").fill(query)
    assert [li.get_attribute("lang") for li in tab.locator("#languages > li:visible").all()] == [tag], query


@pytest.mark.browser
def test_no_match_says_so_and_shows_the_whole_list(server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, _ = page
    goto(tab, server.url)
    count = tab.locator("#filter-count")
    assert tab.evaluate("document.getElementById('filter-count').closest('[aria-live]') !== null")
    tab.locator("#filter").fill("xyzzy")
    assert tab.locator("#no-match").is_visible()
    assert "No language matches" in tab.locator("#no-match").inner_text()
    assert tab.locator("#languages > li:visible").count() == len(SITE_LANGUAGES)
    assert count.inner_text().endswith(str(len(SITE_LANGUAGES)))


@pytest.mark.browser
def test_every_link_resolves_and_no_request_leaves_127_0_0_1(
        built: Built, server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, requests = page
    pages = [server.url] + [f"{server.url}{tag}/index.html" for tag in SITE_LANGUAGES]
    links: set[str] = set()
    for url in pages:
        goto(tab, url)
        tab.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # lazy previews load
        tab.wait_for_load_state("networkidle")
        raw = tab.evaluate("""Array.from(document.querySelectorAll(
                                  'a[href], link[href], img[src], script[src], audio[src], img[srcset]'))
                              .flatMap(e => e.hasAttribute('srcset')
                                  ? e.getAttribute('srcset').split(',').map(c => c.trim().split(' ')[0])
                                  : [e.getAttribute('href') || e.getAttribute('src')])""")
        assert raw, url
        for value in raw:
            if value.startswith(("tel:", "https://wa.me/")):
                continue  # a phone call and a share, tested below
            if value.startswith(SITE_URL + "/"):  # canonical, hreflang: this site once it is hosted
                links.add(server.url + value.removeprefix(SITE_URL + "/"))
                continue
            parts = urlsplit(value)
            assert not parts.scheme and not parts.netloc and not value.startswith("/"), f"{url}: {value}"
            links.add(urljoin(url, value))
    for html_url in pages:  # each page's own @font-face rules
        html = urllib.request.urlopen(html_url).read().decode("utf-8")
        links |= {urljoin(html_url, u) for u in re.findall(r'url\("([^"]+)"\)', html)}
    links |= {urljoin(server.url, u) for u in ("sw.js", "favicon.ico")}
    assert any(u.endswith(".woff2") for u in links) and any(u.endswith(".webp") for u in links)
    assert {u for u in links if u.endswith(".pdf")} == {
        f"{server.url}{e['language']}/{Path(e['path']).name}" for e in built.manifest().values()}
    for url in sorted(links):
        assert urlsplit(url).hostname == "127.0.0.1", url
        response = tab.request.get(url)
        assert response.status == 200, url
    # Every request the pages made (documents, styles, fonts, previews, script) was local.
    assert any(u.endswith(".woff2") for u in requests.urls)
    assert requests.foreign() == []


@pytest.mark.browser
def test_works_from_file_urls_too(built: Built, page: tuple[Any, Requests]) -> None:
    tab, requests = page
    tab.goto((built.site / "index.html").as_uri(), wait_until="networkidle")
    tab.locator("#filter").press_sequentially("عرب")
    with tab.expect_navigation():
        tab.locator("#languages > li:visible a").click()
    assert tab.url == (built.site / "ar" / "index.html").as_uri()
    loaded = tab.evaluate("document.fonts.ready.then(() => Array.from(document.fonts)"
                          ".filter(f => f.status === 'loaded').map(f => f.family))")
    assert "Noto Naskh Arabic" in [name.strip('"') for name in loaded]
    assert {urlsplit(u).scheme for u in requests.urls} == {"file"}


# --- 1b. a phone: call, share, download first, no signal --------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("tag", ["ar", "bn"])
def test_every_phone_number_is_a_tel_link(built: Built, server: SiteServer, page: tuple[Any, Requests],
                                          tag: str) -> None:
    campaign = load_campaign(built.root)
    numbers = {c.phone for c in campaign.contacts.values() if getattr(c, "phone", "")}
    assert len(numbers) >= 3
    tab, _ = page
    goto(tab, f"{server.url}{tag}/")
    links = tab.evaluate("Array.from(document.querySelectorAll('a[href^=\"tel:\"]'))"
                         ".map(a => [a.getAttribute('href'), a.innerText.trim()])")
    assert {text for _, text in links} == numbers
    for href, text in links:
        assert href == "tel:" + re.sub(r"[^+0-9]", "", text), href
    # Every number printed in the page's text is inside one of those links.
    body = tab.locator("main").inner_text()
    for number in numbers:
        assert body.count(number) == sum(1 for _, text in links if text == number), number


@pytest.mark.browser
def test_share_meta_and_links_per_language(built: Built, server: SiteServer, page: tuple[Any, Requests]) -> None:
    from PIL import Image

    tab, _ = page
    for tag in SITE_LANGUAGES:
        goto(tab, f"{server.url}{tag}/")
        meta = tab.evaluate("""Object.fromEntries(Array.from(document.querySelectorAll('meta[property], meta[name]'))
                               .map(m => [m.getAttribute('property') || m.getAttribute('name'), m.content]))""")
        campaign = load_campaign(built.root)
        language = resolve_all(campaign)[tag]
        catalog = catalogs.load(campaign, language)
        assert meta["description"] == catalog.gettext("You have rights, no matter your immigration status.")
        assert meta["og:description"] == meta["description"]
        assert meta["og:title"] == tab.title() and language.endonym in meta["og:title"]
        assert meta["og:url"] == f"{SITE_URL}/{tag}/"
        assert meta["og:locale"].split("_")[0] == tag.split("-")[0]
        image = meta["og:image"]
        assert image.startswith(f"{SITE_URL}/{tag}/") and image.endswith(".jpg")
        with Image.open(built.site / image.removeprefix(SITE_URL + "/")) as picture:
            assert picture.format == "JPEG" and (picture.width, picture.height) == (
                int(meta["og:image:width"]), int(meta["og:image:height"]))
        links = tab.evaluate("""Array.from(document.querySelectorAll('link[rel=canonical], link[rel=alternate]'))
                                .map(l => [l.rel, l.hreflang, l.getAttribute('href')])""")
        assert ["canonical", "", f"{SITE_URL}/{tag}/"] in links
        assert {h for rel, h, _ in links if rel == "alternate"} == {*SITE_LANGUAGES, "x-default"}
        whatsapp = tab.locator("a.whatsapp")
        assert whatsapp.is_visible()
        href = whatsapp.get_attribute("href") or ""
        assert href.startswith("https://wa.me/?text=") and quote(f"{SITE_URL}/{tag}/", safe="") in href


@pytest.mark.browser
def test_web_share_button_shares_the_page(server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, _ = page
    tab.add_init_script("navigator.share = data => { window.shared = data; return Promise.resolve(); };")
    goto(tab, f"{server.url}es/")
    button = tab.locator(".share-button")
    assert button.is_visible()
    button.click()
    shared = tab.evaluate("window.shared")
    assert shared["url"] == f"{SITE_URL}/es/" and "Conozca sus derechos" in shared["title"]


@pytest.mark.browser
@pytest.mark.parametrize("tag", ["en", "ar", "zh-Hans"])
def test_the_letter_flyer_is_one_tap_away_on_the_first_screen(built: Built, server: SiteServer,
                                                                page: tuple[Any, Requests], tag: str) -> None:
    tab, _ = page
    goto(tab, f"{server.url}{tag}/")
    button = tab.locator("main a").first
    assert button.get_attribute("href") == f"kyr-{tag}-letter.pdf"
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= PHONE["height"] and box["height"] >= 48
    size = (built.site / tag / f"kyr-{tag}-letter.pdf").stat().st_size
    from flyers.site import _file_size

    assert _file_size(size, resolve_all(load_campaign(built.root))[tag]) in button.inner_text()
    # Format names in the page's language, not the campaign's identifiers.
    names = tab.locator(".formats .format").all_inner_texts()
    assert "letter" not in names and "card" not in names
    if tag == "en":
        assert names[:2] == ["Letter paper", "A4 paper"] and "Wallet card" in names


@pytest.mark.browser
def test_previews_are_links_to_their_pdfs_sized_with_srcset(server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, _ = page
    goto(tab, f"{server.url}bn/")
    tab.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    tab.wait_for_load_state("networkidle")
    # lazy images start loading once scrolled into view: wait until each has been chosen and loaded
    tab.wait_for_function("Array.from(document.querySelectorAll('.formats img'))"
                          ".every(img => img.complete && img.currentSrc)", timeout=20_000)
    previews = tab.evaluate("""Array.from(document.querySelectorAll('.formats img')).map(img => ({
        pdf: img.closest('a') && img.closest('a').getAttribute('href'), src: img.currentSrc,
        candidates: img.srcset.split(',').length, shown: img.getBoundingClientRect().width,
        natural: img.naturalWidth}))""")
    assert len(previews) == 6
    for preview in previews:
        name = preview["pdf"].removeprefix("kyr-bn-").removesuffix(".pdf")
        assert f"preview-{name}-" in preview["src"], preview
        assert preview["candidates"] == 2 and preview["natural"] > 0
        assert preview["natural"] <= 2 * preview["shown"], preview  # not a 600 px image shown at 156 px


@pytest.mark.browser
def test_a_visited_page_and_its_letter_pdf_work_offline(built: Built, server: SiteServer,
                                                        browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        tab = context.new_page()
        goto(tab, f"{server.url}ar/")
        pdf = f"{server.url}ar/kyr-ar-letter.pdf"
        tab.wait_for_function(f"caches.keys().then(keys => Promise.all(keys.map(k => caches.open(k)"
                              f".then(c => c.match('{pdf}'))))).then(hits => hits.some(Boolean))"
                              f".then(found => found || Promise.reject())", polling=200, timeout=20_000)
        tab.wait_for_function("navigator.serviceWorker.controller !== null", timeout=20_000)
        context.set_offline(True)
        tab.reload(wait_until="load")
        assert tab.evaluate("[document.documentElement.lang, document.documentElement.dir]") == ["ar", "rtl"]
        assert tab.locator("h1").inner_text().strip() == "اعرف حقوقك"
        assert tab.evaluate("document.fonts.ready.then(() => Array.from(document.fonts)"
                            ".some(f => f.status === 'loaded' && f.family.includes('Naskh')))")
        digest = tab.evaluate("""async url => {
            const bytes = await (await fetch(url)).arrayBuffer();
            const hash = await crypto.subtle.digest('SHA-256', bytes);
            return Array.from(new Uint8Array(hash)).map(b => b.toString(16).padStart(2, '0')).join('');
        }""", pdf)
        assert digest == built.manifest()["flyers/ar/kyr-ar-letter.pdf"]["sha256"]
        # A page never visited is not there: the worker keeps what was read, it does not crawl.
        assert tab.evaluate(f"fetch('{server.url}bn/').then(() => 'online', () => 'offline')") == "offline"
    finally:
        context.close()


# A phone on a slow mobile connection: fonts then arrive after the first layout, as they
# do for real visitors (on loopback they usually win the race, and a shift went unseen).
SLOW_NETWORK = {"offline": False, "latency": 120, "downloadThroughput": 300_000, "uploadThroughput": 100_000}


def first_load(browser: Any, url: str) -> tuple[int, float]:
    """Bytes over the wire (headers and bodies) for a first visit with an empty cache on a
    slow connection, and its CLS."""
    context = browser.new_context(viewport=PHONE, service_workers="block")
    finished: list[Any] = []
    context.on("requestfinished", lambda request: finished.append(request))
    try:
        tab = context.new_page()
        network = context.new_cdp_session(tab)
        network.send("Network.enable")
        network.send("Network.emulateNetworkConditions", SLOW_NETWORK)
        goto(tab, url)
        cls = tab.evaluate("""() => new Promise(resolve => { let total = 0;
            new PerformanceObserver(list => list.getEntries()
                .forEach(e => { if (!e.hadRecentInput) total += e.value; }))
              .observe({type: 'layout-shift', buffered: true});
            setTimeout(() => resolve(total), 200); })""")
        sizes = [r.sizes() for r in finished if not r.url.endswith(".pdf")]
        return sum(int(s["responseBodySize"]) + int(s["responseHeadersSize"]) for s in sizes), float(cls)
    finally:
        context.close()


@pytest.mark.browser
def test_first_loads_stay_light_and_do_not_shift(server: SiteServer, browser: Any) -> None:
    size, cls = first_load(browser, server.url)
    assert size <= 100_000 and cls <= 0.05, (size, cls)
    for tag in SITE_LANGUAGES:
        size, cls = first_load(browser, f"{server.url}{tag}/")
        assert size <= 150_000 and cls <= 0.05, (tag, size, cls)


def test_each_page_declares_only_its_own_fonts(built: Built) -> None:
    index = (built.site / "index.html").read_text("utf-8")
    bengali = (built.site / "bn" / "index.html").read_text("utf-8")
    assert "stylesheet" in index and "@font-face {" not in next(built.site.glob("assets/site.*.css")).read_text("utf-8")
    faces = re.findall(r'font-family: "([^"]+)"', bengali.split("</style>")[0])
    assert set(faces) <= {"Noto Sans Bengali", "Noto Sans"}, faces
    # The index's Bengali face holds the characters of "বাংলা" and nothing more.
    name = re.search(r'url\("(assets/fonts/NotoSansBengali-Bold[^"]+)"\)', index)
    assert name is not None
    from fontTools.ttLib import TTFont

    font = TTFont(built.site / name[1])
    assert {chr(c) for c in font.getBestCmap()} - set(" \u00a0\u200c\u200d") <= set("বাংলা")


@pytest.mark.browser
def test_favicon_icons_and_web_app_manifest(server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, _ = page
    goto(tab, f"{server.url}es/")
    manifest_url = urljoin(tab.url, tab.locator('link[rel="manifest"]').get_attribute("href") or "")
    manifest = json.loads(urllib.request.urlopen(manifest_url).read())
    assert manifest["name"] and manifest["start_url"] and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        with urllib.request.urlopen(urljoin(manifest_url, icon["src"])) as response:
            assert response.headers["Content-Type"] == "image/png"
    with urllib.request.urlopen(server.url + "favicon.ico") as response:
        assert response.headers["Content-Type"] == "image/x-icon"


@pytest.mark.browser
def test_printing_the_page_gives_a_clean_handout(built: Built, server: SiteServer,
                                                 page: tuple[Any, Requests]) -> None:
    import pikepdf

    tab, _ = page
    goto(tab, f"{server.url}es/")
    tab.emulate_media(media="print")
    for hidden in ("nav.top", ".primary", ".share-row", ".downloads", ".audio"):
        assert tab.locator(hidden).first.is_hidden(), hidden
    assert tab.locator(".rights").is_visible() and tab.locator(".qr-block svg").is_visible()
    with pikepdf.open(io.BytesIO(tab.pdf(format="Letter"))) as printed:
        assert len(printed.pages) <= 2
    text = preflight.normalise(tab.locator("body").inner_text())
    assert "descargar el volante" not in text and "pdf/x-4" not in text


@pytest.mark.browser
def test_a_computer_reading_plays_with_its_transcript_and_says_what_it_is(
        built: Built, server: SiteServer, page: tuple[Any, Requests]) -> None:
    tab, _ = page
    goto(tab, f"{server.url}es/")
    player = tab.locator(".audio audio")
    src = player.get_attribute("src") or ""
    with urllib.request.urlopen(urljoin(tab.url, src)) as response:
        assert response.headers["Content-Type"].startswith("audio/ogg") and response.read(4) == b"OggS"
    assert tab.locator(".audio").inner_text().count("Voz de computadora, borrador") == 1
    transcript = tab.locator(".audio .transcript").text_content() or ""
    assert "Usted tiene derecho a permanecer en silencio." in transcript
    entries = json.loads((built.root / "output" / "manifest.json").read_text("utf-8"))["audio"]
    assert [(e["language"], e["voice"]) for e in entries] == [("es", "computer")]
    assert hashlib.sha256((built.root / "output" / entries[0]["path"]).read_bytes()).hexdigest() == entries[0]["sha256"]
    goto(tab, f"{server.url}ar/")
    assert tab.locator(".audio").count() == 0  # no reading, no player


# --- 2. accessibility -------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("path", ["", *[f"{tag}/" for tag in SITE_LANGUAGES]])
def test_axe_core_finds_no_violations(server: SiteServer, page: tuple[Any, Requests], path: str) -> None:
    assert AXE.is_file(), f"{AXE} is missing; run `make test` (it runs `npm ci`)"
    tab, _ = page
    goto(tab, server.url + path)
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.html)}))""")
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)


# --- 3. a phone ----------------------------------------------------------------------------


@pytest.mark.browser
def test_usable_at_360_px_without_horizontal_scrolling(server: SiteServer, page: tuple[Any, Requests]) -> None:
    from PIL import Image

    tab, _ = page
    shots = []
    for path, family in (("", "Noto Sans"), ("ar/", "Noto Naskh Arabic")):
        goto(tab, server.url + path)
        assert tab.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"], path
        loaded = tab.evaluate("Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)")
        assert family in [name.strip('"') for name in loaded], f"{path}: web font {family} not used"
        shots.append(Image.open(io.BytesIO(tab.screenshot())).convert("RGB"))
        assert shots[-1].size == (PHONE["width"], PHONE["height"])
    gap = 8
    sheet = Image.new("RGB", (2 * PHONE["width"] + gap, PHONE["height"]), "#ccc")
    sheet.paste(shots[0], (0, 0))
    sheet.paste(shots[1], (PHONE["width"] + gap, 0))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    sheet.save(ARTIFACTS / "site-360.png")
    _save_if_changed(sheet.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE),
                     SCREENSHOT)
    assert SCREENSHOT.stat().st_size < 150_000


@pytest.mark.browser
def test_no_page_scrolls_sideways_at_360_px(server: SiteServer, page: tuple[Any, Requests]) -> None:
    """Every page, left-to-right and right-to-left, with its longest format names."""
    tab, _ = page
    for path in ("", *(f"{tag}/" for tag in SITE_LANGUAGES)):
        goto(tab, server.url + path)
        wider = tab.evaluate("""[...document.querySelectorAll('body *')].filter(e => {
            const r = e.getBoundingClientRect(); return r.width && (r.right > innerWidth + 0.5 || r.left < -0.5);
          }).map(e => `${e.tagName.toLowerCase()} ${Math.round(e.getBoundingClientRect().left)}..`
                      + `${Math.round(e.getBoundingClientRect().right)} px: ${e.textContent.trim().slice(0, 40)}`)""")
        assert tab.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"] and wider == [], (path, wider)


def _save_if_changed(image: Any, path: Path) -> None:
    """Rewrite the README's screenshot only when its pixels change (no churn in git)."""
    from PIL import Image, ImageChops

    if path.is_file():
        with Image.open(path) as old:
            if old.size == image.size and not ImageChops.difference(old.convert("RGB"),
                                                                    image.convert("RGB")).getbbox():
                return
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, optimize=True)


# --- 4. the same words as the PDF -------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("tag", SITE_LANGUAGES)
def test_page_text_is_the_catalog_text_of_its_pdf(built: Built, server: SiteServer,
                                                  page: tuple[Any, Requests], tag: str) -> None:
    campaign = load_campaign(built.root)
    language = resolve_all(campaign)[tag]
    catalog = catalogs.load(campaign, language)
    fonts = load_fonts(campaign.fonts_dir)
    sentences = preflight.expected_sentences(campaign, campaign.formats["letter"], catalog, fonts)
    assert len(sentences) >= 20
    tab, _ = page
    goto(tab, f"{server.url}{tag}/")
    text = preflight.normalise(tab.locator("body").inner_text())
    for sentence in sentences:
        for fragment in catalogs.PLACEHOLDER_RE.split(sentence)[::2]:
            assert preflight.normalise(fragment) in text, f"{tag}: {sentence!r}"


# --- 5. the QR leads to the page ----------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("tag", SITE_LANGUAGES)
def test_flyer_qr_leads_to_its_language_page(built: Built, server: SiteServer, page: tuple[Any, Requests],
                                             tag: str) -> None:
    import zxingcpp
    from PIL import Image

    found = preflight.decode_qr(built.root / f"output/flyers/{tag}/kyr-{tag}-letter.pdf")
    assert found == [f"{SITE_URL}/{tag}/"]
    # On any host serving the site at SITE_URL, that address is this folder's page.
    where = found[0].removeprefix(SITE_URL + "/")
    tab, _ = page
    goto(tab, server.url + where)
    assert tab.evaluate("document.documentElement.lang") == tag
    # The page shows the same code, to pass the page on from one phone to another.
    shot = Image.open(io.BytesIO(tab.locator(".qr-block svg").screenshot())).convert("L")
    assert [r.text for r in zxingcpp.read_barcodes(shot)] == found


def test_default_campaign_qr_still_leads_to_nyc_gov() -> None:
    from flyers.qr import qr_link

    campaign = load_campaign(ROOT)
    assert campaign.site_url == ""
    assert qr_link(campaign, "ar") == "https://www.nyc.gov/immigrants"


# --- the command line, the folder, the server ---------------------------------------------


def test_second_run_renders_and_writes_nothing(built: Built) -> None:
    again = build_site(built.root)
    assert again.build is not None and again.build.rendered == 0
    assert (again.written, again.removed) == (0, 0)
    assert again.files == built.result.files and again.languages == list(SITE_LANGUAGES)


def test_site_is_self_contained_and_small(built: Built) -> None:
    files = [p for p in built.site.rglob("*") if p.is_file()]
    pdfs = [p for p in files if p.suffix == ".pdf"]
    assert len(pdfs) == len(built.manifest())
    previews = [p for p in files if p.suffix == ".webp"]
    assert previews and max(p.stat().st_size for p in previews) < 80_000
    fonts = [p for p in files if p.suffix == ".woff2"]
    assert fonts and sum(p.stat().st_size for p in fonts) < 600_000
    for html in (p for p in files if p.suffix == ".html"):
        text = html.read_text("utf-8")
        for absolute in re.findall(r'(?:href|src|content)="((?:https?:)?//[^"]*)"', text):
            # Only the site's own public address (canonical, hreflang, share meta) and the WhatsApp share link.
            assert absolute.startswith((SITE_URL + "/", "https://wa.me/?text=")), (html, absolute)
        assert "<script>" not in text and "@import" not in text, html


def site_date(root: Path) -> dt.date:
    """The date the site shows: SOURCE_DATE_EPOCH's, else the order's signing date in campaign.toml."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    signed: dt.date = tomllib.loads((root / "campaign.toml").read_text("utf-8"))["facts"]["signed"]
    return signed


def test_language_pages_show_version_date_and_file_sizes(built: Built) -> None:
    """The version line as each language writes it, the date formatted by Babel for that language."""
    from babel.dates import format_date

    from flyers.site import _file_size

    campaign = load_campaign(built.root)
    date = site_date(built.root)
    for tag, language in resolve_all(campaign).items():
        html = (built.site / tag / "index.html").read_text("utf-8")
        catalog = catalogs.load(campaign, language)
        line = (catalog.gettext("Version %(version)s, %(date)s") or "") % {
            "version": campaign.version, "date": format_date(date, "long", locale=tag.replace("-", "_"))}
        page_text = preflight.normalise(re.sub(r"<[^>]+>", " ", html))
        assert line and preflight.normalise(line) in page_text, (tag, line)
        assert date.isoformat() not in html, tag
    if "SOURCE_DATE_EPOCH" not in os.environ:  # and two written out by hand
        assert "Version 2026.11, February 6, 2026" in (built.site / "en" / "index.html").read_text("utf-8")
        assert "Versión 2026.11, 6 de febrero de 2026" in (built.site / "es" / "index.html").read_text("utf-8")
        for name in ("letter", "a4"):
            for suffix in ("", "-print"):
                pdf = built.site / tag / f"kyr-{tag}-{name}{suffix}.pdf"
                assert f'href="{pdf.name}"' in html
                assert _file_size(pdf.stat().st_size, language) in html, pdf.name


def test_site_module_does_not_import_weasyprint() -> None:
    code = "import sys, flyers.site, flyers.serve; print('weasyprint' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_out_folder_of_other_files_is_refused_untouched(built: Built, tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me", "utf-8")
    result = run_cli("site", "-w", str(built.root), "--out", str(precious))
    assert result.returncode == 1
    assert "not empty and was not written by `flyers site`" in result.stderr
    assert "Traceback" not in result.stderr
    assert [p.name for p in precious.iterdir()] == ["notes.txt"]
    with pytest.raises(FlyersError, match="workspace"):
        build_site(built.root, built.root)


def test_stale_files_are_swept_from_our_folder_only(built: Built) -> None:
    stale = built.site / "xx" / "old.html"
    stale.parent.mkdir()
    stale.write_text("gone soon", "utf-8")
    result = build_site(built.root)
    assert result.removed == 1 and not stale.exists() and not stale.parent.exists()
    assert (built.site / MARKER).is_file()


def test_server_serves_only_the_site(server: SiteServer) -> None:
    def status(path: str) -> int:
        try:
            with urllib.request.urlopen(server.url + path) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return exc.code

    assert status("ar/") == 200
    assert status("assets/") == 404  # no directory listings
    assert status("../campaign.toml") == 404
    assert status("%2e%2e/campaign.toml") == 404
    with urllib.request.urlopen(server.url + "ar/index.html") as response:
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_serve_command_answers_and_stops_on_ctrl_c(built: Built) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "COLUMNS": "200"}
    process = subprocess.Popen([sys.executable, "-m", "flyers", "serve", "-w", str(built.root), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, line
        with urllib.request.urlopen(match[0], timeout=10) as response:
            assert b'<html lang="en"' in response.read()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


def test_serve_without_a_site_says_what_to_do(workspace: Path) -> None:
    result = run_cli("serve", "-w", str(workspace), "--port", "0")
    assert result.returncode == 1
    assert "run `flyers site` first" in result.stderr and "Traceback" not in result.stderr


def test_a_download_stopped_midway_prints_no_traceback(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    """A phone that leaves the page closes the connection mid-file: `flyers serve` carries on
    without printing a traceback to the staff member's terminal."""
    (tmp_path / "index.html").write_text("<!doctype html><title>t</title>", "utf-8")
    (tmp_path / "big.pdf").write_bytes(b"%PDF-1.7\n" + b"0" * (32 << 20))
    site_server = open_server(tmp_path, 0)
    thread = threading.Thread(target=site_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        port = site_server.server_address[1]
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", port)) as client:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # reset on close
                client.sendall(b"GET /big.pdf HTTP/1.1\r\nHost: x\r\n\r\n")
                assert client.recv(64).startswith(b"HTTP/1.0 200")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html") as answer:  # still serving
            assert answer.status == 200
        time.sleep(0.5)  # the handler threads meet the closed connections
    finally:
        site_server.shutdown()
        site_server.server_close()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Exception occurred" not in err, err
