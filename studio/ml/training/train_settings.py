"""Training settings and the studio's default recipes, without importing torch.

The training panel fills its form from these defaults on the GUI thread, where torch
must never be imported; the loop itself lives in training_loop.py.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path


@dataclass(frozen=True)
class TrainSettings:
    kind: str  # "cnn", "vae", "gan", "strokes-lstm" or "strokes-transformer"
    epochs: int
    batch_size: int
    lr: float
    seed: int = 0
    device: str = "auto"
    latent_dim: int | None = None  # vae / gan only
    report_every_s: float = 0.25  # how often "step" progress is yielded


DEFAULTS: dict[str, TrainSettings] = {
    "cnn": TrainSettings("cnn", epochs=20, batch_size=128, lr=4e-3),
    "vae": TrainSettings("vae", epochs=150, batch_size=64, lr=1e-3, latent_dim=16),
    "gan": TrainSettings("gan", epochs=80, batch_size=64, lr=2e-4, latent_dim=32),
    "strokes-lstm": TrainSettings("strokes-lstm", epochs=120, batch_size=64, lr=2e-3),
    "strokes-transformer": TrainSettings("strokes-transformer", epochs=60, batch_size=64,
                                         lr=1e-3),
}


@dataclass(frozen=True)
class TrainingPlan:
    """What the training panel asks for; studio.ml.training.training_plan runs it on the pool."""

    settings: TrainSettings
    data: str  # "bundled", or a folder of IDX files or of class subfolders
    out: Path  # the library checkpoint rewritten after every epoch
    resume_from: Path | None = None  # a checkpoint of the same kind to continue
    threads: int | None = None  # torch intra-op threads (None: all cores but one)


def default_settings(kind: str, **overrides: object) -> TrainSettings:
    """The studio's recipe for `kind`, with the given fields replaced (None keeps default)."""
    return replace(DEFAULTS[kind], **{k: v for k, v in overrides.items() if v is not None})


def spare_one_core(cpus: int | None = None) -> int:
    """Torch intra-op threads for work beside a GUI: all cores but one, which the GUI keeps.

    On a 2-core machine two torch threads competing with the window's thread made
    training and repairs 10-15x slower and stalled drawing; one thread does not.
    """
    return max(1, (cpus or os.cpu_count() or 2) - 1)
