"""Teach the recognizer the artist's handwriting: a short fine-tune in seconds on a CPU.

Choices, and why:
- Start from the active recognizer (`train(init=model)`) rather than from scratch: it
  already reads MNIST, so a few dozen steps are enough to bend it to one hand.
- Hold out about a quarter of each digit's examples, but only when there are enough
  (at least MIN_HELD_OUT_TOTAL examples overall; only digits with 2 or more give any):
  accuracy measured on the very examples it trained on says little. With fewer, the
  report is on all the examples and says so (`HELD_OUT` is 0).
- Mix the artist's examples, repeated until they are about a third of each epoch, with
  a fresh random slice of the bundled training digits: trained on a handful of one
  person's digits alone, the net forgets everyone else's (and a 1 drawn by a friend
  would stop reading as a 1). The augmentation jitter in the CNN recipe makes each
  repeat of an example a slightly different drawing.
- 3 epochs of 12 batches of 128 at a peak learning rate of 2e-3 (half the from-scratch
  recipe's, one-cycle): about 6 s on one CPU thread (~165 ms a step). On bundled test
  digits from other writers, mirrored or turned 90 degrees as one consistent "hand"
  (4 per digit, 1 per digit held out), held-out accuracy went from 28% to 80% on
  average, while the bundled test accuracy went from 98.8% to 98.0%. Lower rates
  learnt less; more epochs or a larger share of own examples gained nothing.
- On the CPU even when there is a GPU: 36 small steps finish before CUDA would start.
- The run's test split is the bundled test set, so the checkpoint's recorded accuracy
  compares with every other recognizer in the library; the dataset name contains
  "bundled", so the studio's digit-likeness model is fitted for the result too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import ImageSet, Splits
from studio.ml.errors import TrainingError
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.models.classifier import ClassifierConfig
from studio.ml.training.progress import Progress, RunControl
from studio.ml.training.train_settings import default_settings
from studio.ml.training.training_loop import train

DATASET = "bundled + my handwriting"
MIN_EXAMPLES = 2  # fewer cannot be fine-tuned on (one batch needs something to learn)
MIN_HELD_OUT_TOTAL = 10  # fewer examples are all needed for training
HELD_OUT_FRACTION = 0.25
EPOCHS, BATCH, LR = 3, 128, 2e-3
BUNDLED_PER_EPOCH = 1024  # bundled training digits mixed in
OWN_PER_EPOCH = 512  # the artist's examples are repeated up to about this many

# Keys of the metrics added to each "epoch" Progress (qt/train/handwriting_teacher reads them).
BEFORE = "own_accuracy_before"  # the starting recognizer on the evaluated examples
AFTER = "own_accuracy"  # the fine-tuned one, at the end of this epoch
EVALUATED = "own_evaluated"  # how many of the artist's examples those two are measured on
HELD_OUT = "own_held_out"  # 1.0: they were held out of training; 0.0: they were trained on


@dataclass(frozen=True)
class Plan:
    data: Splits  # what train() runs on: the mix, and the bundled test set
    evaluate: ImageSet  # the artist's examples the before/after accuracies are measured on
    held_out: bool  # True when `evaluate` was kept out of training


def choose_held_out(labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """Bool [N]: which examples to hold out; all False when there are too few to spare."""
    held = np.zeros(len(labels), dtype=bool)
    if len(labels) < MIN_HELD_OUT_TOTAL:
        return held
    rng = np.random.default_rng(seed)
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        if len(idx) >= 2:  # keep at least one of every digit to learn from
            n = min(len(idx) - 1, max(1, round(len(idx) * HELD_OUT_FRACTION)))
            held[rng.choice(idx, n, replace=False)] = True
    return held


def plan(examples: ImageSet, bundled: Splits, seed: int = 0) -> Plan:
    """Split the artist's examples and mix the training part with bundled digits."""
    if len(examples) < MIN_EXAMPLES:
        raise TrainingError(f"{len(examples)} example(s) of your handwriting are too few to "
                            f"teach the recognizer; keep at least {MIN_EXAMPLES}")
    held = choose_held_out(examples.labels, seed)
    own = ImageSet(examples.images[~held], examples.labels[~held])
    evaluate = ImageSet(examples.images[held], examples.labels[held]) if held.any() else examples
    rng = np.random.default_rng(seed)
    if len(own) > OWN_PER_EPOCH:
        keep = rng.choice(len(own), OWN_PER_EPOCH, replace=False)
    else:
        keep = np.tile(np.arange(len(own)), math.ceil(OWN_PER_EPOCH / len(own)))[:OWN_PER_EPOCH]
    pick = rng.choice(len(bundled.train), min(BUNDLED_PER_EPOCH, len(bundled.train)),
                      replace=False)
    images = np.concatenate([own.images[keep], bundled.train.images[pick]])  # [M, 28, 28]
    labels = np.concatenate([own.labels[keep], bundled.train.labels[pick]])  # [M]
    data = Splits(ImageSet(images, labels), bundled.test, DATASET, bundled.num_classes)
    return Plan(data, evaluate, bool(held.any()))


@torch.no_grad()
def accuracy(model: nn.Module, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of images [N, 28, 28] uint8 that `model` (left in eval mode) labels right."""
    if len(labels) == 0:
        raise ValueError("no images to measure the accuracy on")
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).float().div_(255)
    x = x.unsqueeze(1)  # [N, 1, 28, 28]
    predicted = torch.cat([model(b).argmax(1) for b in x.split(512)]).cpu().numpy()  # [N]
    model.train(was_training)
    return float((predicted == labels).mean())


def fine_tune(model: nn.Module, examples: ImageSet, bundled: Splits, out: Path,
              control: RunControl | None = None, seed: int = 0) -> Iterator[Progress]:
    """Fine-tune a copy of `model` (not changed) on `examples`, writing `out` each epoch.

    Yields train()'s Progress; each "epoch" report's metrics also hold BEFORE, AFTER,
    EVALUATED and HELD_OUT (see above). Call on a pool thread: it runs for seconds.
    """
    expected = ClassifierConfig(num_classes=bundled.num_classes)
    if getattr(model, "config", None) != expected:
        raise TrainingError(f"only a recognizer of the studio's own shape ({expected}) can "
                            f"be taught your handwriting; this one is {model.config}")
    chosen = plan(examples, bundled, seed)
    measured = chosen.evaluate
    before = accuracy(model, measured.images, measured.labels)
    settings = default_settings("cnn", epochs=EPOCHS, batch_size=BATCH, lr=LR, seed=seed,
                                device="cpu", report_every_s=0.1)
    for progress in train(settings, chosen.data, out, control, init=model):
        if progress.event == "epoch" and progress.checkpoint is not None:
            tuned = load_checkpoint(progress.checkpoint, expected_kind="cnn").model
            progress = replace(progress, metrics={
                **progress.metrics, BEFORE: before,
                AFTER: accuracy(tuned, measured.images, measured.labels),
                EVALUATED: float(len(measured)), HELD_OUT: float(chosen.held_out)})
        yield progress
