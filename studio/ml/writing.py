"""Writing files so that a crash, a full disk or Ctrl-C never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from studio.ml.errors import StudioError


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name in the same folder, fsync, then rename over `path`.

    Raises StudioError naming the path when the folder is missing or unwritable or the
    disk is full; the temporary file is removed in every case.
    """
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise StudioError(f"{path}: cannot write here ({e.strerror or e})") from e
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are ordinary user files
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise StudioError(f"{path}: could not be written ({e.strerror or e})") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
