"""Writing outputs safely.

Every file is written to a temporary name in the same folder, fsynced and then
renamed over the final name, so a reader (or a print shop) never sees half a
file, and an interrupted build leaves either the old file or the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from .errors import FlyersError

TEMP_PREFIX = ".tmp-"
FILE_MODE = 0o644


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of a byte string."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large print files stay cheap."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


WRITE_BUFFER = 1 << 20


@contextmanager
def atomic_open(path: Path) -> Iterator[BinaryIO]:
    """Open a temp file beside ``path``; on success it replaces ``path`` atomically."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # named after its target, so a run can sweep its own leftovers from a folder it shares
        fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-", dir=path.parent)
    except OSError as exc:
        raise FlyersError(f"{path}: cannot write here: {exc.strerror or exc}") from None
    try:
        # 1 MiB buffered: a print file is written in 100,000s of small objects, and each
        # flush of the default 8 kB buffer gave up the GIL to the threads feeding the workers
        with os.fdopen(fd, "wb", buffering=WRITE_BUFFER) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        kept = "the previous file is kept" if path.exists() else "this file was not written"
        raise FlyersError(f"{path}: cannot write: {exc.strerror or exc} ({kept})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0644."""
    with atomic_open(path) as handle:
        handle.write(data)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, data: Any) -> None:
    """Write pretty, key-sorted JSON atomically (stable bytes for stable input).

    Encoded piece by piece: a national plan's job.json (18 MB, millions of pieces
    of text) made as one string took 130 MB at once; this keeps a few KB.
    """
    encoder = json.JSONEncoder(indent=2, ensure_ascii=False, sort_keys=True)
    with atomic_open(path) as handle:
        chunks: list[str] = []
        for chunk in encoder.iterencode(data):
            chunks.append(chunk)
            if len(chunks) == 8192:
                handle.write("".join(chunks).encode("utf-8"))
                chunks.clear()
        chunks.append("\n")
        handle.write("".join(chunks).encode("utf-8"))


def clean_temp_files(folder: Path) -> int:
    """Remove temp files left by an interrupted run; return how many."""
    count = 0
    if folder.is_dir():
        for leftover in folder.rglob(TEMP_PREFIX + "*"):
            leftover.unlink(missing_ok=True)
            count += 1
    return count


def clean_temp_files_of(path: Path) -> int:
    """Remove the temp files a killed run left beside ``path`` while writing it (the
    package zip sits in a folder other packages share, so only its own are removed)."""
    count = 0
    prefix = f"{TEMP_PREFIX}{path.name}-"
    if path.parent.is_dir():
        for leftover in path.parent.iterdir():
            if leftover.name.startswith(prefix) and leftover.is_file():
                leftover.unlink(missing_ok=True)
                count += 1
    return count


def has_digest(path: Path, digest: str) -> bool:
    """True when ``path`` is a file whose SHA-256 is ``digest`` (hex)."""
    return path.is_file() and sha256_file(path) == digest


def sha256sums_hold(folder: Path, name: str = "SHA256SUMS") -> bool:
    """What ``sha256sum -c`` would say of ``folder/name``: every listed file matches."""
    sums = folder / name
    if not sums.is_file():
        return False
    for line in sums.read_text("utf-8").splitlines():
        digest, _, path = line.partition("  ")
        if not has_digest(folder / path, digest):
            return False
    return True


def sha256sums(folder: Path, paths: list[Path]) -> str:
    """Text in the ``sha256sum -c`` format for ``paths`` (relative to ``folder``)."""
    lines = [f"{sha256_file(folder / p)}  {p.as_posix()}" for p in sorted(paths)]
    return "\n".join(lines) + "\n"
