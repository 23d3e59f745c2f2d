"""What a training run says when it ends: one plain sentence for every way it can end."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from studio.ml.training.progress import Progress
from studio.qt.train.training_run import describe_end


def progress(event: str, epoch: int, step: int, **metrics: float) -> Progress:
    return Progress(event, epoch, 20, step, 700, 95.0, metrics=metrics)


def test_stopped_before_any_epoch_finished_says_nothing_was_saved():
    text = describe_end(progress("stopped", 1, 0), None)
    assert text == "Stopped at epoch 1, step 0, before any epoch finished; nothing was saved."


def test_stopped_after_an_epoch_names_what_was_kept():
    text = describe_end(progress("stopped", 4, 120), Path("/m/cnn-20261201.safetensors"))
    assert text == ("Stopped at epoch 4, step 120; the last finished epoch is saved as "
                    "cnn-20261201.")


def test_stopped_before_the_first_step():
    assert describe_end(None, None) == "Stopped before the first step; nothing was saved."


def test_finished_lists_what_it_measured():
    text = describe_end(progress("epoch", 20, 700, accuracy=0.989, loss=0.1),
                        Path("/m/cnn-1.safetensors"))
    assert text == "Finished 20 epochs in 1:35, accuracy 98.9%; saved as cnn-1."
