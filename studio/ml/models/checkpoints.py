"""Checkpoints: safetensors weights plus a JSON sidecar, never pickle.

`name.safetensors` holds only tensors; `name.json` beside it says what they are (kind,
config, dataset, metrics, seed, created, studio version, sha256 of the weights). A save
stages both files completely before renaming either, and keeps a hard link to the old
weights until the new sidecar is in place: if the second rename fails the old weights
come back, and if the process dies between the two renames, loading finds the old
weights by the sidecar's sha256. Loading refuses pickle-based formats outright, since
unpickling a file runs whatever code it carries.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import torch
import torch.nn as nn
from safetensors import SafetensorError
from safetensors.torch import load, save

from studio.ml.atomic_files import commit, stage
from studio.ml.errors import CheckpointError, StudioError
from studio.ml.models.model_kinds import KINDS, build_model, config_from_dict
from studio.ml.models.optimizer_state import PREFIX as OPTIMIZER_PREFIX
from studio.ml.models.sidecar import FORMAT, CheckpointInfo, read_sidecar
from studio.ml.records import write_record

PICKLE_SUFFIXES = {".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".bin", ".tar"}


@dataclass(frozen=True)
class Checkpoint:
    path: Path  # the .safetensors file
    info: CheckpointInfo
    model: nn.Module  # in eval mode
    optimizer: dict[str, torch.Tensor] = field(default_factory=dict)  # for resuming a run


def weights_path(path: Path | str) -> Path:
    """Accept either file of the pair; return the .safetensors one."""
    path = Path(path).expanduser()
    if path.suffix.lower() in PICKLE_SUFFIXES:
        raise CheckpointError(
            f"{path}: refusing to load a {path.suffix} file: pickle-based files can run code "
            f"when opened; the studio loads only .safetensors checkpoints with a .json sidecar")
    return path.with_suffix(".safetensors") if path.suffix.lower() == ".json" else path


def sidecar_path(path: Path | str) -> Path:
    return weights_path(path).with_suffix(".json")


def save_checkpoint(path: Path | str, model: nn.Module, *, kind: str, dataset: str, seed: int,
                    epoch: int, metrics: dict[str, float] | None = None,
                    optimizer: dict[str, torch.Tensor] | None = None) -> Path:
    """Write `path` (.safetensors) and its sidecar atomically; StudioError on failure.

    `optimizer`: flattened optimizer state (optimizer_state.flatten), stored beside the
    weights under its own prefix so that a resumed run continues where it stopped."""
    path = weights_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StudioError(f"{path.parent}: cannot create the folder ({e.strerror or e})") from e
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    tensors.update(optimizer or {})
    blob = save(tensors, metadata={"format": FORMAT, "kind": kind})
    try:  # the sidecar's own declaration checks what is written (a NaN metric, say)
        info = CheckpointInfo(
            kind=kind, config=dataclasses.asdict(model.config), dataset=dataset, seed=seed,
            epoch=epoch,  # a NaN metric is not a measurement; the weights still matter
            metrics={k: float(v) for k, v in (metrics or {}).items() if math.isfinite(v)},
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256=hashlib.sha256(blob).hexdigest(),
        )
        sidecar = write_record(info)
    except ValueError as e:
        raise StudioError(f"{path}: not saved, its sidecar would be invalid ({e})") from e
    staged_weights = stage(path, blob)
    try:
        staged_sidecar = stage(sidecar_path(path), sidecar)
    except BaseException:
        staged_weights.unlink(missing_ok=True)
        raise
    backup = _backup_path(path)
    try:
        backup.unlink(missing_ok=True)
        if path.exists():
            _keep_previous(path, backup)  # the old weights, until the new sidecar is in place
        commit(staged_weights, path)
        try:
            commit(staged_sidecar, sidecar_path(path))
        except BaseException:
            if backup.exists():
                os.replace(backup, path)
            raise
    except OSError as e:
        raise StudioError(f"{path}: could not be written ({e.strerror or e})") from e
    finally:
        staged_weights.unlink(missing_ok=True)
        staged_sidecar.unlink(missing_ok=True)
        backup.unlink(missing_ok=True)
    return path


def _keep_previous(path: Path, backup: Path) -> None:
    """A hard link costs nothing; file systems without links (FAT, some shares) get a copy."""
    try:
        os.link(path, backup)
    except OSError:
        shutil.copyfile(path, backup)


def _backup_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.previous")


def read_info(path: Path | str) -> CheckpointInfo:
    """Read and check the sidecar only (cheap: for listing a library)."""
    return read_sidecar(weights_path(path), CheckpointError)


def load_checkpoint(path: Path | str, *, expected_kind: str | None = None,
                    device: torch.device | str = "cpu") -> Checkpoint:
    """Load weights into a freshly built model, checking kind, hash, names and shapes."""
    path = weights_path(path)
    info = read_info(path)
    if expected_kind is not None and info.kind != expected_kind:
        raise CheckpointError(f"{path}: this is a {KINDS[info.kind].title} checkpoint, "
                              f"but a {KINDS[expected_kind].title} is needed here")
    blob = _read_matching(path, info.sha256)
    try:
        tensors = {k: v.to(device) for k, v in load(blob).items()}
    except (SafetensorError, OSError, ValueError) as e:
        raise CheckpointError(f"{path}: not a valid safetensors file ({e})") from e
    optimizer = {k: v for k, v in tensors.items() if k.startswith(OPTIMIZER_PREFIX)}
    tensors = {k: v for k, v in tensors.items() if not k.startswith(OPTIMIZER_PREFIX)}
    try:
        config = config_from_dict(info.kind, info.config)
        with torch.device("meta"):  # shapes first, allocating nothing: a sidecar may lie
            _check_shapes(path, build_model(info.kind, config), tensors)
        model = build_model(info.kind, config)
    except (TypeError, ValueError, RuntimeError) as e:
        raise CheckpointError(f"{sidecar_path(path)}: the config cannot build a "
                              f"{KINDS[info.kind].title} ({e})") from e
    model.load_state_dict(tensors, strict=True)
    return Checkpoint(path=path, info=info, model=model.to(device).eval(), optimizer=optimizer)


def _read_matching(path: Path, sha256: str) -> bytes:
    """The weights whose hash the sidecar names: the file itself or, after a save that
    died between its two renames, the previous weights it kept."""
    for candidate in (path, _backup_path(path)):
        try:
            blob = candidate.read_bytes()
        except FileNotFoundError:
            continue
        except OSError as e:
            raise CheckpointError(f"{candidate}: cannot read ({e.strerror or e})") from e
        if hashlib.sha256(blob).hexdigest() == sha256:
            return blob
    raise CheckpointError(f"{path}: the weights do not match the sha256 in "
                          f"{sidecar_path(path).name}: the file is corrupt or was changed")


def _check_shapes(path: Path, model: nn.Module, tensors: dict[str, torch.Tensor]) -> None:
    expected = model.state_dict()
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        name = (missing or unexpected)[0]
        what = "is missing" if missing else "is not part of this model"
        raise CheckpointError(f"{path}: tensor {name!r} {what}; the weights do not fit the "
                              f"configuration in the sidecar")
    for name, tensor in tensors.items():
        if tensor.shape != expected[name].shape:
            raise CheckpointError(
                f"{path}: tensor {name!r} has shape {tuple(tensor.shape)}, the model "
                f"described by the sidecar needs {tuple(expected[name].shape)}")
