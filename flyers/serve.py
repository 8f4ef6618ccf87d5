"""``flyers serve``: the built download site on 127.0.0.1, for a local look.

A static host is all the site needs; this is the smallest one that behaves
like one (``/ar/`` serves ``/ar/index.html``, correct types for WOFF2 and
WebP, text gzip-compressed as most hosts do).  It listens on the loopback interface only, serves only files inside
the site folder (no directory listings, no symlinks out), and is bounded: a
fixed number of requests at once, each with a time limit, so a stuck client
cannot pile up threads.  The tests serve the site with the same class.
"""

from __future__ import annotations

import errno
import functools
import gzip
import io
import sys
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import FlyersError

HOST = "127.0.0.1"
MAX_CONCURRENT = 16
REQUEST_TIMEOUT_S = 30.0
COMPRESSED = {".html", ".css", ".js", ".txt", ".svg", ".webmanifest", ".json"}
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".pdf": "application/pdf",
    ".webp": "image/webp",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
    ".jpg": "image/jpeg",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".opus": "audio/ogg; codecs=opus",
    ".ogg": "audio/ogg",
    ".mp3": "audio/mpeg",
}


class SiteHandler(SimpleHTTPRequestHandler):
    """GET and HEAD of files inside the site folder; nothing else."""

    timeout = REQUEST_TIMEOUT_S
    server: SiteServer

    def translate_path(self, path: str) -> str:
        """The file for a URL path, or a path that does not exist when it would leave the site."""
        translated = Path(super().translate_path(path)).resolve()
        root = Path(self.directory).resolve()
        return str(translated) if translated.is_relative_to(root) else str(root / "\0outside")

    def guess_type(self, path: str | Any) -> str:
        """Our types first: the system's mime table may lack WOFF2 or WebP."""
        return TYPES.get(Path(str(path)).suffix.lower()) or super().guess_type(path)

    def send_head(self) -> Any:
        """Text files gzip-compressed when the browser accepts it, as static hosts do.

        Pages, styles and scripts are a third of a page's first load uncompressed;
        fonts, images and PDFs are compressed already and go out as they are.
        """
        path = Path(self.translate_path(self.path))
        if path.is_dir() and urlsplit(self.path).path.endswith("/"):
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix.lower() in COMPRESSED and path.is_file()):
            return super().send_head()
        try:
            data = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        except OSError:
            return super().send_head()
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Vary", "Accept-Encoding")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        return io.BytesIO(data)

    def list_directory(self, path: str | Any) -> None:
        """No listings: a folder without index.html is simply not found."""
        self.send_error(404, "Not found")
        return None

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")


class SiteServer(ThreadingHTTPServer):
    """A threading HTTP server that handles at most ``MAX_CONCURRENT`` requests at once."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, folder: Path, port: int = 0, log: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.log = log
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT)
        handler = functools.partial(SiteHandler, directory=str(folder))
        super().__init__((HOST, port), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that stops a download (a phone leaving the page, a cancelled PDF)
        closes the connection mid-file: that is no error of the site, so no traceback."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """The site's address, e.g. http://127.0.0.1:8000/."""
        return f"http://{HOST}:{self.server_address[1]}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        """Handle a request in its own thread, holding one of the slots until it is done.

        The slot is released exactly once, by whichever side is last to know: the
        thread when it finishes, or this method when the thread never started.
        Ctrl-C can land while ``Thread.start`` waits for the new thread; releasing
        twice there raised ValueError, which socketserver logs and carries on
        from, so the interrupt was swallowed and the server kept running.
        """
        if not self.slots.acquire(timeout=REQUEST_TIMEOUT_S):
            self.shutdown_request(request)
            return
        slot = _Slot(self.slots)
        thread = threading.Thread(target=self._handle, args=(request, client_address, slot), daemon=True)
        try:
            thread.start()
        except BaseException:
            if not thread.is_alive():  # it never ran, or already finished and released
                slot.release()
                self.shutdown_request(request)
            raise

    def _handle(self, request: Any, client_address: Any, slot: _Slot) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            slot.release()


class _Slot:
    """One held unit of a semaphore that can be given back only once."""

    def __init__(self, semaphore: threading.BoundedSemaphore) -> None:
        self._semaphore = semaphore
        self._lock = threading.Lock()
        self._held = True

    def release(self) -> None:
        with self._lock:
            if self._held:
                self._held = False
                self._semaphore.release()


def open_server(folder: Path, port: int = 0, log: Callable[[str], None] | None = None) -> SiteServer:
    """A server for ``folder`` on 127.0.0.1 (port 0: any free port); not yet serving."""
    if not (folder / "index.html").is_file():
        raise FlyersError(f"{folder}: no site here (index.html is missing); run `flyers site` first")
    try:
        return SiteServer(folder, port, log)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise FlyersError(f"port {port} on {HOST} is in use; choose another with --port") from None
        raise FlyersError(f"cannot listen on {HOST}:{port}: {exc.strerror or exc}") from None


def serve(folder: Path, port: int, on_ready: Callable[[str], None],
          log: Callable[[str], None] | None = None) -> None:
    """Serve ``folder`` until Ctrl-C."""
    server = open_server(folder, port, log)
    try:
        on_ready(server.url)
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def log_to_stderr(line: str) -> None:
    """Request log for a person watching the terminal."""
    sys.stderr.write(line + "\n")
