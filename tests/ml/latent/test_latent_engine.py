"""The latent engine without Qt: directions, rendering, paths, encode, repair, saved points."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from studio.core.latent_points import LatentPoint, load_points, save_points
from studio.ml.errors import StudioError
from studio.ml.latent.latent_basis import gan_basis, load_basis, save_basis, vae_basis
from studio.ml.latent.latent_paths import keyframe_path, map_coords, random_coords, slerp
from studio.ml.latent.latent_render import render, render_numpy
from studio.ml.latent.sampling import decode
from studio.ml.latent.vae_tools import encode, repair, repair_canvas
from studio.ml.recognition.recognize import recognize

# Many tiny steps (repair's optimizer, slider renders): two OpenMP threads contending with
# other work on a 2-core machine make them several times slower, one thread does not.
pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def models():
    from studio.ml.models.default_models import load_model

    return {k: load_model(k).model for k in ("cnn", "vae", "gan")}


@pytest.fixture(scope="module")
def bases(models):
    start = time.perf_counter()
    gan = gan_basis(models["gan"])
    seconds = time.perf_counter() - start
    return {"gan": gan, "vae": vae_basis(models["vae"]), "gan_seconds": seconds}


def test_gan_directions_are_an_orthonormal_basis_ranked_by_effect(bases, models):
    basis = bases["gan"]
    d = basis.directions
    assert torch.allclose(d.T @ d, torch.eye(32), atol=1e-5)
    assert torch.all(basis.effect[:-1] >= basis.effect[1:])
    c = torch.randn(5, 32)
    assert torch.allclose(basis.to_coords(basis.to_z(c)), c, atol=1e-5)
    z, y = torch.randn(16, 32), torch.arange(16) % 10
    base = decode(models["gan"], z, y)
    first = (decode(models["gan"], z + 2 * d[:, 0], y) - base).abs().mean()
    last = (decode(models["gan"], z + 2 * d[:, -1], y) - base).abs().mean()
    assert first > 2 * last
    assert bases["gan_seconds"] < 10


def test_vae_sliders_are_its_own_axes_in_order_of_effect(bases):
    basis = bases["vae"]
    d = basis.directions
    assert torch.equal(d.abs().sum(0), torch.ones(16)) and set(d.unique().tolist()) == {0, 1}
    assert [int(label[1:]) for label in basis.labels] == d.argmax(0).tolist()


def test_render_matches_decode_and_blends_digits(models):
    for kind in ("gan", "vae"):
        z, y = torch.randn(4, models[kind].config.latent_dim), torch.tensor([1, 3, 5, 7])
        one_hot = torch.nn.functional.one_hot(y, 10).float()
        assert torch.allclose(render(models[kind], z, one_hot), decode(models[kind], z, y),
                              atol=1e-6)
        a = render_numpy(models[kind], z[0].numpy(), np.eye(10, dtype=np.float32)[1])
        b = render_numpy(models[kind], z[0].numpy(), np.eye(10, dtype=np.float32)[7])
        mid = render_numpy(models[kind], z[0].numpy(), (np.eye(10)[1] + np.eye(10)[7]) / 2)
        assert a.shape == (28, 28)
        assert np.abs(mid - a).mean() > 0.01 and np.abs(mid - b).mean() > 0.01


def test_paths_maps_and_random_points():
    a, b = random_coords(8, 1), random_coords(8, 2)
    assert np.array_equal(a, random_coords(8, 1)) and not np.array_equal(a, b)
    assert np.abs(random_coords(32, 3, 0.7, truncate=True)).max() <= 0.7
    assert np.allclose(random_coords(8, 1, spread=0.5), 0.5 * a)  # VAE temperature
    assert np.array_equal(slerp(a, b, 0.0), a) and np.array_equal(slerp(a, b, 1.0), b)
    c = b / np.linalg.norm(b) * np.linalg.norm(a)  # same norm: slerp stays on the shell
    assert np.isclose(np.linalg.norm(slerp(a, c, 0.5)), np.linalg.norm(a), rtol=1e-5)
    assert slerp(a, b, np.linspace(0, 1, 5)).shape == (5, 8)
    points = np.stack([a, b, random_coords(8, 5)])
    labels = np.eye(10, dtype=np.float32)[[1, 1, 4]]
    coords, weights = keyframe_path(points, labels, 6)
    assert len(coords) == 13 and np.array_equal(coords[0], a)
    assert np.array_equal(coords[-1], points[-1]) and np.array_equal(weights[-1], labels[-1])
    assert np.array_equal(coords[6], b) and np.allclose(weights[9], (labels[1] + labels[2]) / 2)
    looped, looped_weights = keyframe_path(points, labels, 6, loop=True)
    assert len(looped) == 18 and not np.allclose(looped[-1], a)
    assert np.allclose(looped[-1], slerp(points[-1], a, 5 / 6))  # one step short of the start
    assert looped_weights[-1, 1] > 0.9 and looped_weights[-1, 4] < 0.1
    single, _ = keyframe_path(points[:1], labels[:1], 6)
    assert np.array_equal(single, points[:1])
    grid = map_coords(a, 2, 5, 7, 2.0)
    assert grid.shape == (7, 7, 8) and np.array_equal(grid[3, 3], a)
    assert np.allclose(grid[3, 6, 2] - a[2], 2.0) and np.allclose(grid[0, 3, 5] - a[5], -2.0)
    assert np.array_equal(np.delete(grid[0, 0], [2, 5]), np.delete(a, [2, 5]))


def test_encoded_test_digits_decode_to_the_same_digit(models, bundled):
    vae, cnn = models["vae"], models["cnn"]
    rng = np.random.default_rng(0)
    picks = rng.permutation(len(bundled.test))[:50]
    right = chosen = 0
    for i in picks:
        image = bundled.test.images[i].astype(np.float32) / 255
        mu, digit = encode(vae, image)
        decoded = render_numpy(vae, mu, np.eye(10, dtype=np.float32)[digit])
        right += recognize(cnn, decoded).digit == bundled.test.labels[i]
        chosen += digit == bundled.test.labels[i]
    assert right >= 0.9 * len(picks), right  # measured: 96%
    assert chosen >= 0.85 * len(picks), chosen  # measured: 98%


def test_repair_of_half_erased_digits_reads_as_the_original(models, bundled):
    vae, cnn = models["vae"], models["cnn"]
    before = {k: v.clone() for k, v in vae.state_dict().items()}
    picks = np.random.default_rng(1).permutation(len(bundled.test))[:40]
    right = 0
    for n, i in enumerate(picks):
        image = bundled.test.images[i].astype(np.float32) / 255
        hole = np.zeros((28, 28), bool)
        hole[(slice(0, 14), slice(None)) if n % 2 else (slice(None), slice(0, 14))] = True
        result = repair(vae, image, hole, steps=100)
        assert np.array_equal(result.after[~hole], image[~hole]), "known pixels are kept"
        right += recognize(cnn, result.after).digit == bundled.test.labels[i]
    assert right >= 0.7 * len(picks), right  # measured (150 steps, 40 each): top 90%, left 90%
    assert all(torch.equal(before[k], v) for k, v in vae.state_dict().items())
    assert all(p.grad is None for p in vae.parameters())


def test_canvas_repair_keeps_the_canvas_outside_the_hole(models, bundled):
    from studio.ml.data.canvas_ink import image_to_ink

    ink = image_to_ink(bundled.test.images[7], 512)
    rows = np.flatnonzero(ink.max(axis=1))
    hole = np.zeros_like(ink)
    hole[:(rows[0] + rows[-1]) // 2] = 255
    damaged = np.where(hole > 0, 0, ink).astype(np.uint8)
    result = repair_canvas(models["vae"], damaged, hole, whole=ink)
    assert np.array_equal(result.canvas[hole == 0], damaged[hole == 0])
    assert result.canvas[hole > 0].sum() > 0
    guessed = repair_canvas(models["vae"], damaged, hole)  # framed without the whole drawing
    assert np.array_equal(guessed.canvas[hole == 0], damaged[hole == 0])
    assert guessed.canvas[hole > 0].sum() > 0
    with pytest.raises(StudioError, match="nothing to repair"):
        repair_canvas(models["vae"], damaged, np.zeros_like(hole))
    with pytest.raises(StudioError, match="no ink outside the hole"):
        repair_canvas(models["vae"], np.zeros_like(ink), hole)


def test_bases_round_trip_and_bad_files_are_named(bases, tmp_path):
    path = tmp_path / "basis.safetensors"
    save_basis(bases["gan"], path)
    loaded = load_basis(path, 32)
    assert torch.equal(loaded.directions, bases["gan"].directions)
    assert loaded.labels == bases["gan"].labels
    with pytest.raises(StudioError, match="basis.safetensors"):
        load_basis(path, 16)
    path.write_bytes(b"garbage")
    with pytest.raises(StudioError, match="basis.safetensors"):
        load_basis(path, 32)


def test_saved_points_round_trip_and_a_bad_file_is_set_aside(tmp_path):
    point = LatentPoint("ab" * 32, "Default GAN", "gan", 7, (0.5, -1.25),
                        (bytes(range(256)) * 3 + bytes(16)).hex(), "2026-11-23T12:00:00+00:00")
    path = tmp_path / "favorites.json"
    assert load_points(path) == ([], None)
    save_points([point], path)
    assert load_points(path) == ([point], None)
    path.write_text('{"format": "latent-studio-points/1", "points": [{"coords": "x"}]}')
    points, message = load_points(path)
    assert points == [] and "favorites.json" in message and "coords" in message
    assert (tmp_path / "favorites.json.bad").exists() and not path.exists()
