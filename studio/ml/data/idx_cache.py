"""Gzipped IDX files decompressed once, streamed, into a cache so they can be memory-mapped.

A gzip stream cannot be mapped or read at a row's offset, and decompressing EMNIST's
~550 MB into memory on every run (on every rank) is what the lazy path exists to avoid.
The plain copy goes to STUDIO_DATA_CACHE, else $XDG_CACHE_HOME/latent-studio/idx, else
~/.cache/latent-studio/idx, named by the source's path, size and mtime so a changed
download is decompressed again; it is written under a temporary name and renamed, so
ranks decompressing at once, or a run stopped halfway, never leave a half file in use.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import zlib
from pathlib import Path

from studio.ml.errors import DatasetError

CHUNK = 1 << 20


def cache_dir() -> Path:
    if os.environ.get("STUDIO_DATA_CACHE"):
        return Path(os.environ["STUDIO_DATA_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "latent-studio" / "idx"


def cached_plain(path: Path) -> Path:
    """`path` itself when not gzipped, else its decompressed copy in the cache."""
    try:
        with path.open("rb") as f:
            gzipped = f.read(2) == b"\x1f\x8b"
        stat = path.stat()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the file ({e.strerror or e})") from e
    if path.name.lower().endswith(".gz") and not gzipped:
        raise DatasetError(f"{path}: unreadable gzip, the file is not gzip-compressed")
    if not gzipped:
        return path
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    target = cache_dir() / f"{path.name.removesuffix('.gz')}-{key.hexdigest()[:16]}"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, staged = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(path, "rb") as src:
            shutil.copyfileobj(src, out, CHUNK)
        os.replace(staged, target)
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise DatasetError(f"{path}: unreadable gzip, the file is damaged or incomplete "
                           f"({e})") from e
    finally:
        Path(staged).unlink(missing_ok=True)
    return target
