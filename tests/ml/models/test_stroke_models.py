"""The stroke models: the mixture's likelihood by hand, a few real steps, checkpoints."""

from __future__ import annotations

import json
import math

import pytest
import torch

from studio.ml.errors import CheckpointError
from studio.ml.models.checkpoints import load_checkpoint, save_checkpoint
from studio.ml.models.default_models import load_model
from studio.ml.models.model_kinds import KINDS, STROKE_KINDS
from studio.ml.models.stroke_mixture import mixture_losses, mixture_size
from studio.ml.pen.pen_sampler import start_row
from studio.ml.strokes.stroke_dataset import bundled_strokes
from studio.ml.training.evaluate_strokes import stroke_tensors

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def small(kind: str):
    """A small model of `kind`, quick to train a few steps."""
    spec = KINDS[kind]
    fields = {"hidden": 64} if kind == "strokes-lstm" else {"width": 64, "layers": 2}
    return spec.model_cls(spec.config_cls(mixtures=5, offset_scale=3.9, **fields))


def test_one_component_nll_matches_the_formula():
    mu, sigma, rho, offset = (0.5, -1.0), (2.0, 0.5), 0.3, (1.0, -0.5)
    params = torch.zeros(1, 1, mixture_size(1))
    # layout: logit, mu x2, log sigma x2, rho (before tanh), pen logits x3
    params[0, 0, 1:3] = torch.tensor(mu)
    params[0, 0, 3:5] = torch.log(torch.tensor(sigma))
    params[0, 0, 5] = math.atanh(rho / 0.95)  # the head's tanh is scaled by MAX_RHO
    params[0, 0, 6:] = torch.tensor([2.0, 0.0, -1.0])
    target = torch.tensor([[[*offset, 1.0, 0.0, 0.0]]])
    offset_nll, pen_ce, points = mixture_losses(params, target)
    zx, zy = (offset[0] - mu[0]) / sigma[0], (offset[1] - mu[1]) / sigma[1]
    z = zx**2 + zy**2 - 2 * rho * zx * zy
    density = math.exp(-z / (2 * (1 - rho**2))) / (
        2 * math.pi * sigma[0] * sigma[1] * math.sqrt(1 - rho**2))
    pen = -math.log(math.exp(2.0) / (math.exp(2.0) + 1 + math.exp(-1.0)))
    assert offset_nll.item() == pytest.approx(-math.log(density), rel=1e-5)
    assert pen_ce.item() == pytest.approx(pen, rel=1e-5)
    assert points.item() == 1


def test_padding_counts_for_the_pen_only():
    params = torch.randn(1, 3, mixture_size(2))
    rows = torch.tensor([[[0.5, 0.5, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]])
    moved = rows.clone()
    moved[0, 1:, :2] = 9.0  # offsets on end rows mean nothing
    assert mixture_losses(params, rows)[0] == mixture_losses(params, moved)[0]
    assert mixture_losses(params, rows)[2].item() == 1


@pytest.mark.parametrize("kind", STROKE_KINDS)
def test_loss_falls_over_ten_real_steps(kind):
    torch.manual_seed(0)
    train, _ = bundled_strokes()
    x, y = stroke_tensors(train)
    x, y = x[:64].clone(), y[:64]
    x[..., :2] /= 3.9
    inputs = torch.cat([start_row(len(x))[:, None], x[:, :-1]], dim=1)
    model = small(kind)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(10):
        offsets, pen, points = mixture_losses(model(inputs, y), x)
        loss = offsets / points + pen / x.shape[:2].numel()
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.3, losses


@pytest.mark.parametrize("kind", STROKE_KINDS)
def test_step_by_step_matches_the_whole_sequence(kind):
    torch.manual_seed(1)
    model = small(kind).eval()
    rows, y = torch.randn(3, 7, 5), torch.tensor([1, 4, 9])
    whole = model(rows, y)
    state = model.start(y)
    for t in range(7):
        out, state = model.step(rows[:, t], y, state)
        assert torch.allclose(out, whole[:, t], atol=1e-5)


@pytest.mark.parametrize("kind", STROKE_KINDS)
def test_checkpoint_round_trip(tmp_path, kind):
    model = small(kind)
    path = save_checkpoint(tmp_path / f"{kind}.safetensors", model, kind=kind,
                           dataset="bundled", seed=0, epoch=1, metrics={"nll_per_point": 3.5})
    loaded = load_checkpoint(path, expected_kind=kind)
    assert loaded.model.config == model.config
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, loaded.model.state_dict()[name])


@pytest.mark.parametrize("kind", STROKE_KINDS)
def test_weights_that_do_not_fit_the_config_are_refused(tmp_path, kind):
    path = save_checkpoint(tmp_path / "m.safetensors", small(kind), kind=kind,
                           dataset="bundled", seed=0, epoch=1)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    sidecar["config"]["mixtures"] = 7  # the head's shape no longer fits
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(CheckpointError, match="has shape .* the model described by the sidecar"):
        load_checkpoint(path, expected_kind=kind)


def test_a_recognizer_is_refused_where_a_stroke_model_is_needed():
    cnn = load_model("cnn").path
    with pytest.raises(CheckpointError, match="CNN recognizer checkpoint, but a stroke LSTM"):
        load_model("strokes-lstm", cnn)


def test_a_bad_offset_scale_is_refused_before_any_tensor(tmp_path):
    path = save_checkpoint(tmp_path / "m.safetensors", small("strokes-lstm"),
                           kind="strokes-lstm", dataset="bundled", seed=0, epoch=1)
    sidecar = json.loads(path.with_suffix(".json").read_text())
    sidecar["config"]["offset_scale"] = 1e6
    path.with_suffix(".json").write_text(json.dumps(sidecar))
    with pytest.raises(CheckpointError, match="'offset_scale' must be between 0.01 and 100"):
        load_checkpoint(path)
