"""Writing files so that a crash, a full disk or Ctrl-C never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from studio.ml.errors import StudioError


def stage(path: Path, data: bytes, error: type[StudioError] = StudioError) -> Path:
    """Write `data` to a fsynced temporary file beside `path` and return its name.

    Nothing is visible under `path` until the caller renames the stage over it; on
    failure the temporary file is gone and StudioError names `path` and the reason.
    """
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise error(f"{path}: cannot write here ({e.strerror or e})") from e
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; these are ordinary user files
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise error(f"{path}: could not be written ({e.strerror or e})") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def commit(staged: Path, path: Path, error: type[StudioError] = StudioError) -> None:
    """Rename a staged file over `path` (atomic on one file system)."""
    try:
        os.replace(staged, path)
    except OSError as e:
        staged.unlink(missing_ok=True)
        raise error(f"{path}: could not be written ({e.strerror or e})") from e


def write_atomically(path: Path, data: bytes, error: type[StudioError] = StudioError) -> None:
    """Write all of `data` to `path` or, on any failure, leave `path` as it was.

    `error`: the StudioError subclass failures are raised as (ExportError, AudioError…),
    so each caller's own handlers catch them."""
    path = Path(path)
    commit(stage(path, data, error), path, error)
