"""Keeping a damaged file of the user's instead of overwriting or deleting it."""

from __future__ import annotations

import os
from pathlib import Path


def set_aside(path: Path) -> str:
    """Rename `path` to `path.bad`; returns "; it was kept as NAME.bad" (empty on failure).

    The studio then starts from defaults without losing what was in the file, and the
    next save does not overwrite it.
    """
    bad = path.with_name(path.name + ".bad")
    try:
        os.replace(path, bad)
    except OSError:
        return ""
    return f"; it was kept as {bad.name}"
