"""Finishing or undoing checkpoint saves that a killed process left in the library.

A save (ml/models/checkpoints.save_checkpoint) stages the weights and the sidecar as
hidden `.<name>.<random>.tmp` files, keeps the old weights as `.<name>.previous`, then
renames the weights and the sidecar into place. SIGKILL between two of those steps
leaves hidden files nobody removes and, between the renames, weights beside a missing
or older sidecar: the library then showed "its sidecar is missing" for a file the
window cannot delete. At the first listing after a start, files older than the
process are judged here: a complete temporary sidecar that matches the weights in
place is renamed into place (the save is finished); otherwise the old pair comes back
from the kept weights, or, for a first save, the lone new weights go (they cannot be
described); every other stale temporary file is removed. Files newer than the process
belong to a save going on now and are left alone. Plain Python, no torch: it runs on
the GUI thread, and hashes only weights that have a temporary sidecar or a backup.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from pathlib import Path

from studio.ml.models.sidecar import read_sidecar_text

PROCESS_STARTED = time.time()  # this module loads at start-up, before any save


def tidy(folder: Path, started: float = PROCESS_STARTED) -> None:
    """Finish or undo the saves a killed process left in `folder` (best effort)."""
    try:
        hidden = [p for p in folder.iterdir() if p.name.startswith(".") and _older(p, started)]
    except OSError:
        return
    for temp in (p for p in hidden if p.name.endswith(".tmp") and ".json." in p.name):
        _finish_or_drop(folder, temp)
    for backup in (p for p in hidden if p.name.endswith(".safetensors.previous")):
        _settle_backup(folder / backup.name[1:-len(".previous")], backup)
    for temp in (p for p in hidden if p.name.endswith(".tmp")):
        with contextlib.suppress(OSError):
            temp.unlink(missing_ok=True)


def _finish_or_drop(folder: Path, temp: Path) -> None:
    """A temporary sidecar: rename it into place if its weights are there and it
    describes them while the sidecar in place does not; else it is only litter."""
    stem = temp.name[1:temp.name.index(".json.")]
    weights, sidecar = folder / f"{stem}.safetensors", folder / f"{stem}.json"
    staged = _sha256_in(temp)
    if weights.exists() and staged is not None and _sha256_in(sidecar) != staged:
        with contextlib.suppress(OSError):
            if _sha256_of(weights) == staged:
                os.replace(temp, sidecar)  # the save had only this rename left
                return
    with contextlib.suppress(OSError):
        temp.unlink(missing_ok=True)
    if weights.exists() and not sidecar.exists():  # an unfinished first save: undo it
        backup = folder / f".{weights.name}.previous"
        with contextlib.suppress(OSError):
            weights.unlink()
            backup.unlink(missing_ok=True)


def _settle_backup(weights: Path, backup: Path) -> None:
    """The kept previous weights: put back when the sidecar still describes them,
    dropped when the pair in place agrees, left alone when nothing can tell."""
    described = _sha256_in(weights.with_suffix(".json"))
    with contextlib.suppress(OSError):
        if described is None:
            return
        if weights.exists() and _sha256_of(weights) == described:
            backup.unlink()
        elif _sha256_of(backup) == described:
            os.replace(backup, weights)


def _sha256_in(sidecar: Path) -> str | None:
    """The weights hash a complete, valid sidecar names; None for anything less."""
    try:
        return read_sidecar_text(sidecar.read_bytes()).sha256
    except (OSError, ValueError):
        return None


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _older(path: Path, started: float) -> bool:
    try:
        return path.stat().st_mtime < started
    except OSError:
        return False
