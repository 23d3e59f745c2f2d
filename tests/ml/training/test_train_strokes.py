"""Training and measuring the stroke models: the recipe in the shared loop, the CLI, evaluate."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.errors import TrainingError
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.models.default_models import load_model
from studio.ml.strokes.stroke_dataset import bundled_strokes
from studio.ml.training.evaluate_strokes import evaluate_stroke_model
from studio.ml.training.training_loop import default_settings, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")
STUDIO = str(Path(sys.executable).parent / "studio")


def test_one_epoch_in_the_shared_loop_reports_loss_metrics_and_a_preview(tmp_path):
    settings = default_settings("strokes-lstm", epochs=1, batch_size=512,
                                report_every_s=0.0)
    reports = list(train(settings, bundled_mnist(), out=tmp_path / "t.safetensors",
                         judge=load_model("cnn").model))
    epoch = reports[-1]
    assert epoch.event == "epoch" and epoch.step == 4500 // 512
    losses = [r.losses["loss"] for r in reports if r.event == "step"]
    assert len(losses) == epoch.step and all(np.isfinite(losses))
    assert epoch.metrics["nll_per_point"] > 0
    assert 0 <= epoch.metrics["class_fidelity"] <= 1
    assert epoch.preview.dtype == np.uint8 and epoch.preview.shape == (10 * 30 - 2, 4 * 30 - 2)
    loaded = load_checkpoint(epoch.checkpoint, expected_kind="strokes-lstm")
    assert 3 < loaded.model.config.offset_scale < 5  # the training offsets' std, in pixels


def test_strokes_learn_the_artists_own_hand_from_their_examples(tmp_path):
    from studio.core.handwriting import HandwritingExamples
    from studio.ml.training.train_strokes import OWN_SHARE, StrokeRecipe

    data = replace(bundled_mnist(), name=str(tmp_path / "hand"))
    with pytest.raises(TrainingError, match="carries its strokes"):  # none kept yet
        next(train(default_settings("strokes-lstm", epochs=1), data))
    examples = HandwritingExamples(tmp_path / "hand")
    mine = [np.array([[10.0, 5.0], [18.0, 5.0], [12.0, 23.0]], np.float32)]  # a 7, my way
    for _ in range(3):
        examples.add(bundled_mnist().test.images[0], 7, mine)
    examples.add(bundled_mnist().test.images[1], 2)  # kept without strokes: not stroke data
    recipe = StrokeRecipe(default_settings("strokes-lstm", epochs=1), data,
                          torch.device("cpu"), None)
    (x, y), _ = recipe.inputs()
    bundled = len(bundled_strokes()[0])
    own = len(y) - bundled
    assert own % 3 == 0 and own / len(y) == pytest.approx(OWN_SHARE, abs=0.01)
    assert torch.all(y[bundled:] == 7)
    first = x[bundled][:3, :2].numpy()  # my drawing's offsets, as stroke-5 rows
    np.testing.assert_allclose(first.cumsum(0)[1:], mine[0][1:] - 14.0, atol=1e-3)


def test_cli_trains_a_stroke_model_that_loads(tmp_path):
    out = tmp_path / "run"
    result = subprocess.run([STUDIO, "train", "strokes-lstm", "--epochs", "1", "--batch-size",
                             "512", "--seed", "3", "--device", "cpu", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    ckpt = load_checkpoint(out / "strokes-lstm.safetensors", expected_kind="strokes-lstm")
    assert ckpt.info.epoch == 1 and ckpt.info.seed == 3
    assert "epoch 1: nll_per_point" in result.stderr


def test_evaluate_reports_fidelity_completion_and_nll():
    report = evaluate_stroke_model(load_model("strokes-lstm").model, load_model("cnn").model,
                                   bundled_strokes()[1], per_digit=2, completions=10)
    assert set(report) == {"class_fidelity", "completion", "nll_per_point", "sample_ms"}
    assert 0 <= report["class_fidelity"] <= 1 and 0 <= report["completion"] <= 1
    assert 0 < report["nll_per_point"] < 10 and report["sample_ms"] > 0
