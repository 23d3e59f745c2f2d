"""Slider directions are computed once per generator: shipped beside the defaults,
cached for the rest, and only ever used for the weights they were computed for."""

from __future__ import annotations

import pytest
import torch

from studio.ml.errors import StudioError
from studio.ml.latent import latent_basis
from studio.ml.latent.latent_basis import basis_beside, load_basis, save_basis
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.models.default_models import default_model_path


@pytest.mark.parametrize("kind", ["gan", "vae"])
def test_each_default_generator_ships_its_own_basis(kind):
    checkpoint = load_checkpoint(default_model_path(kind), device="cpu")
    d = checkpoint.model.config.latent_dim
    basis = load_basis(basis_beside(default_model_path(kind)), d, checkpoint.info.sha256)
    gram = basis.directions.T.double() @ basis.directions.double()
    assert torch.allclose(gram, torch.eye(d, dtype=torch.float64), atol=1e-4)
    assert basis.effect[0] >= basis.effect[-1], "directions come ordered by effect"


def test_a_basis_for_other_weights_is_refused(tmp_path):
    checkpoint = load_checkpoint(default_model_path("vae"), device="cpu")
    d = checkpoint.model.config.latent_dim
    basis = load_basis(basis_beside(default_model_path("vae")), d)
    path = tmp_path / "vae.directions.safetensors"
    save_basis(basis, path, "f" * 64)
    with pytest.raises(StudioError, match="vae.directions.safetensors.*other weights"):
        load_basis(path, d, checkpoint.info.sha256)
    assert load_basis(path, d, "f" * 64).labels == basis.labels


@pytest.mark.parametrize("kind", ["gan", "vae"])
def test_loading_a_default_generator_computes_no_directions(kind, tmp_path, monkeypatch):
    from studio.qt.explore.generator_store import load_generator

    def refuse(*args, **kwargs):
        raise AssertionError("computed directions although the default ships them")

    monkeypatch.setattr(latent_basis, "gan_basis", refuse)
    monkeypatch.setattr(latent_basis, "vae_basis", refuse)
    loaded = load_generator(default_model_path(kind), kind, tmp_path / "cache")
    assert loaded.directions.shape == (loaded.latent_dim, loaded.latent_dim)
    assert not (tmp_path / "cache").exists(), "nothing computed, nothing cached"


def test_another_generators_basis_is_computed_once_and_cached(tmp_path, monkeypatch):
    import shutil

    from studio.qt.explore.generator_store import load_generator

    mine = tmp_path / "mine.safetensors"  # a library checkpoint: nothing shipped beside it
    shutil.copy(default_model_path("vae"), mine)
    shutil.copy(default_model_path("vae").with_suffix(".json"), mine.with_suffix(".json"))
    first = load_generator(mine, "mine", tmp_path / "cache")
    assert len(list((tmp_path / "cache").glob("vae-*.safetensors"))) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("computed the directions again")

    monkeypatch.setattr(latent_basis, "vae_basis", refuse)
    again = load_generator(mine, "mine", tmp_path / "cache")
    assert (again.directions == first.directions).all()
