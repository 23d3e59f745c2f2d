"""Augmentation, conditional sampling, image grids and the evaluation figures."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from studio.ml.data.augment import degrade, jitter
from studio.ml.latent.sampling import decode, image_grid, preview_grid, sample
from studio.ml.models.classifier import Classifier, ClassifierConfig
from studio.ml.models.model_kinds import build_model
from studio.ml.training.evaluate import (
    accuracy,
    class_fidelity,
    fid,
    frechet_distance,
    vae_negative_elbo,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def digits(bundled):
    """300 real test digits [N, 1, 28, 28] in [0, 1] and their labels."""
    idx = np.random.default_rng(0).permutation(len(bundled.test))[:300]
    x = torch.from_numpy(bundled.test.images[idx]).float().div(255).unsqueeze(1)
    return x, torch.from_numpy(bundled.test.labels[idx])


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def centre_of_mass(x: torch.Tensor) -> torch.Tensor:
    """[N, 1, 28, 28] -> [N, 2] (row, col) in pixels."""
    w = x[:, 0]
    total = w.sum((1, 2))
    rows = torch.arange(28.0).view(1, 28, 1)
    cols = torch.arange(28.0).view(1, 1, 28)
    return torch.stack([(w * rows).sum((1, 2)) / total, (w * cols).sum((1, 2)) / total], 1)


# --- augment.degrade -----------------------------------------------------------------------


def test_degrade_damages_about_its_share_and_keeps_range_and_input(digits):
    x, _ = digits
    out = degrade(x, seeded(0), p=0.5)
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1 and x.equal(digits[0])
    changed = ((out - x).abs().flatten(1).amax(1) > 0.05).float().mean().item()
    assert 0.3 < changed < 0.6, changed  # p=0.5, less the few drawn with no damage
    assert torch.equal(degrade(x, seeded(3)), degrade(x, seeded(3)))
    assert torch.equal(degrade(x, seeded(3), p=0.0), x)


def test_degraded_digits_still_read_as_themselves_to_a_trained_net(digits, bundled):
    """The damage is what a photo leaves, not noise that erases the digit: the shipped
    recognizer reads most of them (one trained without degrade read 73-86%)."""
    from studio.ml.models.default_models import load_model

    x, y = digits
    model = load_model("cnn").model.eval()
    with torch.no_grad():
        damaged = degrade(x, seeded(1), p=1.0)
        clean_acc = (model(x).argmax(1) == y).float().mean().item()
        damaged_acc = (model(damaged).argmax(1) == y).float().mean().item()
    assert damaged_acc > 0.7 and clean_acc - damaged_acc < 0.3, (clean_acc, damaged_acc)


# --- augment.jitter ------------------------------------------------------------------------


def test_jitter_keeps_shape_dtype_and_range(digits):
    x, _ = digits
    out = jitter(x, seeded(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    assert out.min() >= 0 and out.max() <= 1
    assert x.equal(digits[0]), "the input is not modified in place"


def test_jitter_changes_every_image(digits):
    x, _ = digits
    out = jitter(x, seeded(0))
    per_image = (out - x).abs().flatten(1).amax(1)
    assert (per_image > 0.1).all()
    assert (out - x).abs().mean() > 0.02


def test_jitter_is_deterministic_for_a_seeded_generator(digits):
    x, _ = digits
    assert torch.equal(jitter(x, seeded(5)), jitter(x, seeded(5)))
    assert not torch.equal(jitter(x, seeded(5)), jitter(x, seeded(6)))
    g = seeded(5)
    assert not torch.equal(jitter(x, g), jitter(x, g)), "a generator advances between batches"


def test_jitter_with_no_range_is_the_identity(digits):
    x, _ = digits
    out = jitter(x, seeded(0), degrees=0, scale=0, shift=0, shear=0, thickness_p=0)
    assert torch.allclose(out, x, atol=1e-5)


def test_jittered_digit_stays_the_same_digit(digits):
    x, y = digits
    out = jitter(x, seeded(1))
    # ink mass is kept on average and never more than roughly halved or doubled
    ratio = out.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert 0.85 < ratio.mean() < 1.2, ratio.mean()
    assert ratio.min() > 0.3 and ratio.max() < 2.5, (ratio.min(), ratio.max())
    # the digit stays where it was (a shift of at most ~1 px, plus rotation about the centre)
    shift = (centre_of_mass(out) - centre_of_mass(x)).norm(dim=1)
    assert shift.max() < 3.5, shift.max()
    # and a nearest-class-mean reader built on the clean digits reads it about as well
    blur = lambda t: F.normalize(F.avg_pool2d(t, 5, 1, 2).flatten(1), dim=1)  # noqa: E731
    means = torch.stack([blur(x)[y == k].mean(0) for k in range(10)])
    clean = ((blur(x) @ means.T).argmax(1) == y).float().mean()
    jittered = ((blur(out) @ means.T).argmax(1) == y).float().mean()
    assert clean > 0.5
    assert jittered > clean - 0.12, (clean, jittered)


def test_jitter_thickness_changes_stroke_mass(digits):
    x, _ = digits
    thick = jitter(x, seeded(2), degrees=0, scale=0, shift=0, shear=0, thickness_p=1.0)
    ratio = thick.sum((1, 2, 3)) / x.sum((1, 2, 3))
    assert (ratio > 1.05).any() and (ratio < 0.95).any(), "some thicker and some thinner"


# --- sampling ------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["vae", "gan"])
def generator(request):
    torch.manual_seed(0)
    return build_model(request.param).eval()


def test_sample_is_deterministic_for_a_seed(generator):
    a = sample(generator, [3, 7], seed=11, per_digit=4)
    assert a.shape == (8, 1, 28, 28)
    assert a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, sample(generator, [3, 7], seed=11, per_digit=4))
    assert not torch.equal(a, sample(generator, [3, 7], seed=12, per_digit=4))


def test_sample_is_digit_major(generator):
    images = sample(generator, [3, 7], seed=11, per_digit=2)
    z = torch.randn(4, generator.config.latent_dim, generator=seeded(11))
    expected = decode(generator, z, torch.tensor([3, 3, 7, 7]))
    assert torch.allclose(images, expected, atol=1e-6)
    interleaved = decode(generator, z, torch.tensor([3, 7, 3, 7]))
    assert not torch.allclose(images, interleaved, atol=1e-3), "the label has an effect"


def test_decoding_refuses_a_classifier():
    cnn = build_model("cnn")
    with pytest.raises(TypeError, match="Classifier"):
        decode(cnn, torch.zeros(1, 16), torch.zeros(1, dtype=torch.long))
    with pytest.raises((TypeError, AttributeError)):
        sample(cnn, [1], seed=0)


def test_preview_grid_has_ten_rows_and_keeps_the_mode(generator):
    generator.train()
    try:
        grid = preview_grid(generator, per_digit=8)
        assert generator.training
    finally:
        generator.eval()
    assert grid.dtype == np.uint8
    assert grid.shape == (10 * 30 - 2, 8 * 30 - 2)
    assert np.array_equal(grid, preview_grid(generator, per_digit=8)), "fixed seed"


def test_image_grid_layout():
    values = torch.arange(5, dtype=torch.float32) / 10 + 0.05  # 0.05, 0.15, ... 0.45
    images = values.view(5, 1, 1, 1).expand(5, 1, 28, 28)
    grid = image_grid(images, cols=3, pad=2)
    assert grid.dtype == np.uint8
    assert grid.shape == (2 * 28 + 2, 3 * 28 + 2 * 2)
    for i, v in enumerate(values.tolist()):
        r, c = divmod(i, 3)
        cell = grid[r * 30:r * 30 + 28, c * 30:c * 30 + 28]
        assert (cell == round(v * 255)).all(), (i, np.unique(cell))
    assert (grid[28:30, :] == 0).all() and (grid[:, 28:30] == 0).all(), "padding is black"
    assert (grid[30:, 60:] == 0).all(), "the unused cell is black"


def test_image_grid_accepts_arrays_and_clips():
    arr = np.stack([np.full((28, 28), 1.5), np.full((28, 28), -0.2)]).astype(np.float32)
    grid = image_grid(arr, cols=1, pad=0)
    assert grid.shape == (56, 28)
    assert (grid[:28] == 255).all() and (grid[28:] == 0).all()
    one = image_grid(torch.zeros(1, 1, 28, 28), cols=4)
    assert one.shape == (28, 4 * 30 - 2)


# --- evaluation --------------------------------------------------------------------------------


def test_frechet_distance_of_a_set_with_itself_is_zero():
    a = torch.randn(2000, 6, generator=seeded(0), dtype=torch.float64) * 3 + 1
    assert abs(frechet_distance(a, a)) < 1e-8


def test_frechet_distance_of_a_shifted_copy_is_the_squared_shift():
    a = torch.randn(2000, 6, generator=seeded(0), dtype=torch.float64)
    shift = torch.tensor([1.0, -2.0, 0.5, 0.0, 0.0, 3.0], dtype=torch.float64)
    expected = shift.pow(2).sum().item()  # 14.25; equal covariances cancel exactly
    assert frechet_distance(a, a + shift) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(a + shift, a) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(a, a + shift / 2) == pytest.approx(expected / 4, rel=1e-8)


def test_frechet_distance_of_two_gaussians_matches_the_analytic_value():
    # N(0, I) against N(m, I): FID = |m|^2; against N(0, 4I): FID = D (1 + 4 - 2*2) = D
    g = seeded(1)
    n, d = 20000, 4
    a = torch.randn(n, d, generator=g, dtype=torch.float64)
    b = torch.randn(n, d, generator=g, dtype=torch.float64) + 2.0
    assert frechet_distance(a, b) == pytest.approx(4 * 2.0**2, abs=0.15)
    c = torch.randn(n, d, generator=g, dtype=torch.float64) * 2
    assert frechet_distance(a, c) == pytest.approx(d, abs=0.15)
    near = torch.randn(n, d, generator=g, dtype=torch.float64)
    assert frechet_distance(a, near) < 0.01


class PixelReader(nn.Module):
    """A 'classifier' that reads the label written into pixel (0, 0) as tenths."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.one_hot((x[:, 0, 0, 0] * 10).round().long(), 10).float()


def test_accuracy_on_a_trivial_case():
    y = torch.arange(2500) % 10
    x = torch.zeros(2500, 1, 28, 28)
    x[:, 0, 0, 0] = y / 10
    assert accuracy(PixelReader(), x, y) == 1.0
    wrong = y.clone()
    wrong[:500] = (wrong[:500] + 1) % 10  # 500 of 2,500 mislabelled, across batch bounds
    assert accuracy(PixelReader(), x, wrong) == pytest.approx(0.8)


def test_fid_of_real_digits_with_themselves_is_near_zero(digits):
    x, _ = digits
    torch.manual_seed(0)
    judge = Classifier(ClassifierConfig(width=4)).eval()  # 16-d features
    # an untrained net's features are tiny, so compare with the distance to other images
    inverted = fid(judge, x, 1 - x)
    assert inverted > 0
    assert abs(fid(judge, x, x)) < 1e-6 * inverted
    assert 0 < fid(judge, x[:150], x[150:]) < inverted, "two halves of real digits are close"


def test_class_fidelity_is_a_share_and_keeps_the_mode():
    torch.manual_seed(0)
    vae = build_model("vae").train()
    judge = Classifier(ClassifierConfig(width=4)).eval()
    share = class_fidelity(vae, judge, per_digit=10)
    assert 0.0 <= share <= 1.0
    assert vae.training


def test_vae_negative_elbo_is_seeded_and_positive(digits):
    x, y = digits
    torch.manual_seed(0)
    vae = build_model("vae").eval()
    a = vae_negative_elbo(vae, x, y, seed=0)
    assert a == vae_negative_elbo(vae, x, y, seed=0)
    assert a != vae_negative_elbo(vae, x, y, seed=1)
    assert a > 0
