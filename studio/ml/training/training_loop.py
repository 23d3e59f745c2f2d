"""The training loop shared by all model kinds, as a generator of `Progress`.

Each kind supplies a recipe (train_cnn.py, train_vae.py, train_gan.py, train_strokes.py;
a recipe with an `inputs()` method brings its own tensors instead of the images): how to build
the model and optimizers, one optimizer step, the per-epoch evaluation and the
fixed-seed preview. This module owns what must be the same for all of them: seeding,
batching, pause/cancel between steps, NaN checks, progress reports and one atomic
checkpoint per epoch.

Under torchrun (distributed.py) the same loop runs on every rank: each draws the same
shuffled order, trains on its own equal slice of every global batch through DDP, and
adds its loss sums to the others' at each epoch's end; rank 0 alone writes the
checkpoint, of the unwrapped model, so the file is the one a single process writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import Splits
from studio.ml.errors import TrainingError
from studio.ml.models.model_kinds import KINDS
from studio.ml.models.optimizer_state import restore
from studio.ml.training.batch_source import TensorBatches, batch_source, to_tensors
from studio.ml.training.distributed import start
from studio.ml.training.loop_reports import check_finite, check_writable, report, save
from studio.ml.training.progress import Progress, RunControl
from studio.ml.training.train_settings import DEFAULTS, TrainSettings, default_settings

__all__ = ["DEFAULTS", "TrainSettings", "default_settings", "train", "to_tensors"]


class Recipe(Protocol):
    model: nn.Module  # what gets checkpointed
    optimizers: dict[str, torch.optim.Optimizer]  # their state is checkpointed too
    gen: torch.Generator  # the augmentation's; reseeded per rank so ranks jitter differently

    def train_step(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, torch.Tensor]:
        """One optimizer step on x [B, 1, 28, 28] in [0, 1], y [B]; returns scalar losses."""

    def evaluate(self, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Metrics on the test split (model in eval mode, no grad)."""

    def preview(self) -> np.ndarray | None:
        """A fixed-seed sample grid [H, W] uint8, or None for kinds that generate nothing."""

    def distribute(self, wrap: Callable[[nn.Module], nn.Module]) -> None:
        """Train through wrap(network) (DDP) for each network; `model` stays unwrapped."""


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
    ctx, device = start(settings.device)
    if settings.batch_size % ctx.world_size:
        raise TrainingError(f"a batch of {settings.batch_size} does not split evenly over "
                            f"{ctx.world_size} processes; --batch-size is the global batch, "
                            f"choose a multiple of {ctx.world_size}")
    if out is not None and ctx.is_main:
        check_writable(out)  # fail now, not after a whole epoch of work
    control = control or RunControl()
    torch.manual_seed(settings.seed)  # the same initial weights on every rank
    steps_per_epoch = len(data.train) // settings.batch_size  # drop the ragged last batch
    total = steps_per_epoch * settings.epochs
    recipe = make_recipe(settings, data, device, total, judge)
    if hasattr(recipe, "inputs"):  # the stroke models read strokes aligned with the images
        (x_train, y_train), (x_test, y_test) = recipe.inputs()
        source = TensorBatches(x_train, y_train)
    else:
        source = batch_source(data.train, device, ctx.world_size)
        x_test, y_test = to_tensors(data.test, device)
    if init is not None:
        recipe.model.load_state_dict(init.state_dict())
    if init_optimizer:
        restore(recipe.optimizers, init_optimizer)
    if start_epoch > 0 and hasattr(recipe, "resumed"):
        recipe.resumed()  # e.g. no second warm-up
    if ctx.active:
        recipe.distribute(lambda module: ctx.wrap(module, device))
        recipe.gen.manual_seed(settings.seed + 1 + ctx.rank)  # each rank its own jitter
    order_rng = torch.Generator(device="cpu").manual_seed(settings.seed)

    start_s = last_report = time.perf_counter()
    step, sums, count = 0, {}, 0
    epoch_sums: dict[str, float] = {}  # over the whole epoch, for the cross-rank mean
    last_checkpoint: Path | None = None
    last_epoch = start_epoch + settings.epochs
    for epoch in range(start_epoch + 1, last_epoch + 1):
        recipe.model.train()
        order = torch.randperm(len(source), generator=order_rng)  # [N], the same on all ranks
        batches = [ctx.shard(order[i * settings.batch_size:(i + 1) * settings.batch_size])
                   for i in range(steps_per_epoch)]  # each [batch_size / world_size]
        for x, y in source.epoch(batches):
            if control.paused and not control.cancelled:  # the exact step it holds at
                yield report("paused", last_epoch, epoch, step, total, start_s, {}, 0)
            waited_from = time.perf_counter()
            keep_going = control.checkpoint()
            start_s += time.perf_counter() - waited_from  # paused time is not training time
            if not keep_going:
                yield report("stopped", last_epoch, epoch, step, total, start_s, sums, count,
                             checkpoint=last_checkpoint)
                return
            losses = recipe.train_step(x, y)
            step += 1
            for name, value in losses.items():
                sums[name] = sums.get(name, 0.0) + float(value)
                epoch_sums[name] = epoch_sums.get(name, 0.0) + float(value)
            count += 1
            check_finite(settings, epoch, step, losses, last_checkpoint)
            now = time.perf_counter()
            if now - last_report >= settings.report_every_s:
                yield report("step", last_epoch, epoch, step, total, start_s, sums, count)
                sums, count, last_report = {}, 0, now
        if ctx.active:  # the epoch's mean loss over every rank's steps
            sums, count = ctx.sum_across(epoch_sums, steps_per_epoch)
        recipe.model.eval()
        with torch.no_grad():  # every rank evaluates (schedulers step here); rank 0 reports
            metrics = recipe.evaluate(x_test, y_test)
            preview = recipe.preview()
        if out is not None and ctx.is_main:
            last_checkpoint = save(out, recipe.model, recipe.optimizers, settings, data,
                                   epoch, metrics)
        ctx.barrier()  # no rank starts the next epoch before this checkpoint is whole
        yield report("epoch", last_epoch, epoch, step, total, start_s, sums, count,
                     metrics=metrics, preview=preview, checkpoint=last_checkpoint)
        sums, count, last_report = {}, 0, time.perf_counter()
        epoch_sums = {}
