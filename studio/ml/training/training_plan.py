"""What the training panel asks for, turned into a running loop on a worker thread.

The panel only knows names and numbers (a kind, a data folder, settings, maybe a
checkpoint to resume); everything that costs time or imports torch (reading the
data, loading the judge and the resumed weights) happens here, on the pool, so the
window never waits for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import torch
import torch.nn as nn

from studio.ml.data.dataset_loader import load_data
from studio.ml.data.digit_datasets import Splits
from studio.ml.errors import StudioError, TrainingError
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.models.default_models import load_model
from studio.ml.torch_device import resolve_device
from studio.ml.training.progress import Progress, RunControl
from studio.ml.training.train_settings import TrainingPlan, TrainSettings, spare_one_core
from studio.ml.training.training_loop import train


def run_plan(plan: TrainingPlan, control: RunControl) -> Iterator[Progress]:
    """Load what the plan names, then train, yielding the loop's progress."""
    torch.set_num_threads(plan.threads or spare_one_core())
    settings = plan.settings
    data = load_data(plan.data)
    init, start_epoch, init_optimizer = None, 0, None
    if plan.resume_from is not None:
        settings, init, start_epoch, init_optimizer = resume_state(plan.resume_from, settings,
                                                                   data)
    judge = None
    if settings.kind != "cnn" and data.num_classes == 10:
        try:  # class fidelity is read by the bundled recognizer, the same judge every run
            judge = load_model("cnn", device=resolve_device(settings.device)).model
        except StudioError:
            judge = None  # the metric is left out; training itself does not need it
    yield from train(settings, data, out=plan.out, control=control, judge=judge, init=init,
                     start_epoch=start_epoch, init_optimizer=init_optimizer)



def resume_state(path: Path, settings: TrainSettings, data: Splits) -> tuple[
        TrainSettings, nn.Module, int, dict[str, torch.Tensor] | None]:
    """(settings, model, epochs done, optimizer state) to continue the checkpoint at `path`.

    Nothing in it depends on how many processes wrote it (weights and optimizer state of
    the unwrapped model, a global epoch count), so a run resumes on any number of them.
    """
    checkpoint = load_checkpoint(path, expected_kind=settings.kind)
    config = checkpoint.model.config
    if config.num_classes != data.num_classes:
        raise TrainingError(
            f"{path}: this model knows {config.num_classes} classes but "
            f"{data.name} has {data.num_classes}; resume it on data with the same classes")
    if settings.kind in ("vae", "gan"):  # the latent size is part of the model, not a choice
        settings = replace(settings, latent_dim=config.latent_dim)
    return settings, checkpoint.model, checkpoint.info.epoch, checkpoint.optimizer
