"""The training loop shared by all model kinds, as a generator of `Progress`.

Each kind supplies a recipe (train_cnn.py, train_vae.py, train_gan.py, train_strokes.py;
a recipe with an `inputs()` method brings its own tensors instead of the images): how to build
the model and optimizers, one optimizer step, the per-epoch evaluation and the
fixed-seed preview. This module owns what must be the same for all of them: seeding,
batching, pause/cancel between steps, NaN checks, progress reports and one atomic
checkpoint per epoch.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import ImageSet, Splits
from studio.ml.errors import StudioError, TrainingError
from studio.ml.models.checkpoints import save_checkpoint
from studio.ml.models.model_kinds import KINDS
from studio.ml.models.optimizer_state import flatten, restore
from studio.ml.torch_device import resolve_device
from studio.ml.training.progress import Progress, RunControl
from studio.ml.training.train_settings import DEFAULTS, TrainSettings, default_settings

__all__ = ["DEFAULTS", "TrainSettings", "default_settings", "train", "to_tensors"]


class Recipe(Protocol):
    model: nn.Module  # what gets checkpointed
    optimizers: dict[str, torch.optim.Optimizer]  # their state is checkpointed too

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """One optimizer step on x [B, 1, 28, 28] in [0, 1], y [B]; returns scalar losses."""

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Metrics on the test split (model in eval mode, no grad)."""

    def preview(self) -> np.ndarray | None:
        """A fixed-seed sample grid [H, W] uint8, or None for kinds that generate nothing."""


def to_tensors(images: ImageSet, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.from_numpy(images.images).to(device).float().div_(255).unsqueeze(1)  # [N,1,28,28]
    return x, torch.from_numpy(images.labels).to(device)


def make_recipe(settings: TrainSettings, data: Splits, device: torch.device,
                total_steps: int, judge: nn.Module | None) -> Recipe:
    if settings.kind == "cnn":
        from studio.ml.training.train_cnn import CNNRecipe
        return CNNRecipe(settings, data.num_classes, device, total_steps)
    if settings.kind in ("strokes-lstm", "strokes-transformer"):
        from studio.ml.training.train_strokes import StrokeRecipe
        return StrokeRecipe(settings, data, device, judge)
    if settings.kind == "vae":
        from studio.ml.training.train_vae import VAERecipe
        return VAERecipe(settings, data.num_classes, device, judge)
    from studio.ml.training.train_gan import GANRecipe
    return GANRecipe(settings, data.num_classes, device, judge)


def train(settings: TrainSettings, data: Splits, out: Path | None = None,
          control: RunControl | None = None, judge: nn.Module | None = None,
          init: nn.Module | None = None, start_epoch: int = 0,
          init_optimizer: dict[str, torch.Tensor] | None = None) -> Iterator[Progress]:
    """Train, yielding progress; write `out` (a .safetensors path) after every epoch.

    judge: a classifier that scores generated samples (class fidelity); init: a model
    of the same kind and config whose weights the run starts from; start_epoch: the
    epochs `init` already had, so a resumed run numbers its epochs on from there;
    init_optimizer: the optimizer state saved with `init` (Checkpoint.optimizer).
    """
    if settings.kind not in KINDS:
        raise TrainingError(f"unknown model kind {settings.kind!r}")
    if len(data.train) < settings.batch_size:
        raise TrainingError(f"{data.name}: {len(data.train)} training images are fewer "
                            f"than one batch of {settings.batch_size}")
    if len(data.test) == 0:
        raise TrainingError(f"{data.name}: no test images to measure the model on")
    if out is not None:
        _check_writable(out)  # fail now, not after a whole epoch of work
    control = control or RunControl()
    device = resolve_device(settings.device)
    torch.manual_seed(settings.seed)
    steps_per_epoch = len(data.train) // settings.batch_size  # drop the ragged last batch
    total = steps_per_epoch * settings.epochs
    recipe = make_recipe(settings, data, device, total, judge)
    if hasattr(recipe, "inputs"):  # the stroke models read strokes aligned with the images
        (x_train, y_train), (x_test, y_test) = recipe.inputs()
    else:
        x_train, y_train = to_tensors(data.train, device)
        x_test, y_test = to_tensors(data.test, device)
    if init is not None:
        recipe.model.load_state_dict(init.state_dict())
    if init_optimizer:
        restore(recipe.optimizers, init_optimizer)
    if start_epoch > 0 and hasattr(recipe, "resumed"):
        recipe.resumed()  # e.g. no second warm-up
    order_rng = torch.Generator(device="cpu").manual_seed(settings.seed)

    start = last_report = time.perf_counter()
    step, sums, count = 0, {}, 0
    last_checkpoint: Path | None = None
    last_epoch = start_epoch + settings.epochs
    for epoch in range(start_epoch + 1, last_epoch + 1):
        recipe.model.train()
        order = torch.randperm(len(x_train), generator=order_rng).to(device)
        for i in range(steps_per_epoch):
            if control.paused and not control.cancelled:  # the exact step it holds at
                yield _report("paused", last_epoch, epoch, step, total, start, {}, 0)
            waited_from = time.perf_counter()
            keep_going = control.checkpoint()
            start += time.perf_counter() - waited_from  # paused time is not training time
            if not keep_going:
                yield _report("stopped", last_epoch, epoch, step, total, start, sums, count,
                              checkpoint=last_checkpoint)
                return
            idx = order[i * settings.batch_size:(i + 1) * settings.batch_size]
            losses = recipe.train_step(x_train[idx], y_train[idx])
            step += 1
            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + float(value)
            count += 1
            _check_finite(settings, epoch, step, losses, last_checkpoint)
            now = time.perf_counter()
            if now - last_report >= settings.report_every_s:
                yield _report("step", last_epoch, epoch, step, total, start, sums, count)
                sums, count, last_report = {}, 0, now
        recipe.model.eval()
        with torch.no_grad():
            metrics = recipe.evaluate(x_test, y_test)
            preview = recipe.preview()
        if out is not None:
            last_checkpoint = _save(out, recipe, settings, data, epoch, metrics)
        yield _report("epoch", last_epoch, epoch, step, total, start, sums, count,
                      metrics=metrics, preview=preview, checkpoint=last_checkpoint)
        sums, count, last_report = {}, 0, time.perf_counter()


def _report(event: str, epochs: int, epoch: int, step: int, total: int,
            start: float, sums: dict[str, float], count: int, **extra: object) -> Progress:
    losses = {k: v / count for k, v in sums.items()} if count else {}
    return Progress(event=event, epoch=epoch, epochs=epochs, step=step,
                    total_steps=total, elapsed_s=time.perf_counter() - start,
                    losses=losses, **extra)


def _check_finite(settings: TrainSettings, epoch: int, step: int,
                  losses: dict[str, torch.Tensor], last_checkpoint: Path | None) -> None:
    for name, value in losses.items():
        if not math.isfinite(float(value)):
            kept = f"the last good checkpoint is kept at {last_checkpoint}" if last_checkpoint \
                else "no checkpoint had been written yet"
            raise TrainingError(
                f"{KINDS[settings.kind].title} training stopped at epoch {epoch}, step {step}: "
                f"the training loss {name!r} became {float(value)}; {kept}. Try a lower "
                f"learning rate (now {settings.lr:g}).")


def _check_writable(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out.parent):
            pass
    except OSError as e:
        raise TrainingError(f"{out.parent}: cannot write checkpoints there "
                            f"({e.strerror or e})") from e


def _save(out: Path, recipe: Recipe, settings: TrainSettings, data: Splits, epoch: int,
          metrics: dict[str, float]) -> Path:
    try:
        return save_checkpoint(out, recipe.model, kind=settings.kind, dataset=data.name,
                               seed=settings.seed, epoch=epoch, metrics=metrics,
                               optimizer=flatten(recipe.optimizers))
    except StudioError as e:
        raise TrainingError(f"{e}; training stopped at the end of epoch {epoch}, "
                            f"earlier checkpoints are intact") from e
