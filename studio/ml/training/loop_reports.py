"""The loop's reports and guards: progress records, NaN checks and checkpoint writes.

Kept apart from training_loop.py so the loop reads as its steps; each of these turns a
raw condition (a step count, a non-finite loss, an unwritable folder, a failed save)
into what the user sees: a `Progress`, or a `TrainingError` that says what was kept.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path

import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import Splits
from studio.ml.errors import StudioError, TrainingError
from studio.ml.models.checkpoints import save_checkpoint
from studio.ml.models.model_kinds import KINDS
from studio.ml.models.optimizer_state import flatten
from studio.ml.training.progress import Progress
from studio.ml.training.train_settings import TrainSettings


def report(event: str, epochs: int, epoch: int, step: int, total: int,
            start: float, sums: dict[str, float], count: int, **extra: object) -> Progress:
    losses = {k: v / count for k, v in sums.items()} if count else {}
    return Progress(event=event, epoch=epoch, epochs=epochs, step=step,
                    total_steps=total, elapsed_s=time.perf_counter() - start,
                    losses=losses, **extra)


def check_finite(settings: TrainSettings, epoch: int, step: int,
                  losses: dict[str, torch.Tensor], last_checkpoint: Path | None) -> None:
    for name, value in losses.items():
        if not math.isfinite(float(value)):
            kept = f"the last good checkpoint is kept at {last_checkpoint}" if last_checkpoint \
                else "no checkpoint had been written yet"
            raise TrainingError(
                f"{KINDS[settings.kind].title} training stopped at epoch {epoch}, step {step}: "
                f"the training loss {name!r} became {float(value)}; {kept}. Try a lower "
                f"learning rate (now {settings.lr:g}).")


def check_writable(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as e:
        raise TrainingError(f"{out.parent}: cannot write checkpoints there "
                            f"({e.strerror or e})") from e


def save(out: Path, model: nn.Module, optimizers: dict[str, torch.optim.Optimizer],
         settings: TrainSettings, data: Splits, epoch: int, metrics: dict[str, float]) -> Path:
    try:
        return save_checkpoint(out, model, kind=settings.kind, dataset=data.name,
                               seed=settings.seed, epoch=epoch, metrics=metrics,
                               optimizer=flatten(optimizers))
    except StudioError as e:
        raise TrainingError(f"{e}; training stopped at the end of epoch {epoch}, "
                            f"earlier checkpoints are intact") from e
