"""The digit-likeness fit is made once per recognizer and kept: read back exactly, checked
where it is read, refitted when damaged, and shipped beside the default recognizer."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from studio.ml.errors import StudioError
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.models.default_models import default_model_path
from studio.ml.recognition import likeness_cache
from studio.ml.recognition.likeness_cache import (
    beside,
    cached,
    likeness_for,
    load_likeness,
    save_likeness,
)
from studio.ml.recognition.novelty import DigitLikeness

DIM = 192  # 6 x the default classifier's width of 32


@pytest.fixture(scope="module")
def default_cnn():
    return load_checkpoint(default_model_path("cnn"), expected_kind="cnn", device="cpu")


@pytest.fixture(scope="module")
def shipped(default_cnn):
    """The fit that ships beside the default recognizer, as the studio reads it."""
    return load_likeness(beside(default_model_path("cnn")), default_cnn.info.sha256, DIM)


def no_fitting(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("fitted although a kept fit was there")

    monkeypatch.setattr(DigitLikeness, "fit", classmethod(refuse))


def test_the_default_recognizer_ships_its_fit(default_cnn, shipped, monkeypatch, tmp_path):
    """Loading the default needs no fit on a first start (an empty data folder)."""
    no_fitting(monkeypatch)
    got = likeness_for(default_cnn.model, default_model_path("cnn"), default_cnn.info.sha256,
                       tmp_path / "cache")
    assert np.array_equal(got.means, shipped.means) and got.threshold == shipped.threshold
    assert not (tmp_path / "cache").exists(), "nothing to cache: the shipped fit was used"


def test_the_shipped_fit_is_the_fit_of_the_shipped_weights(default_cnn, shipped, bundled):
    fresh = DigitLikeness.fit(default_cnn.model, bundled.train, bundled.test)
    assert shipped.means.shape == (10, DIM) and shipped.precision.shape == (DIM, DIM)
    np.testing.assert_allclose(shipped.means, fresh.means, rtol=1e-5, atol=1e-7)
    assert shipped.threshold == pytest.approx(fresh.threshold, rel=1e-4)


def test_a_new_fit_is_kept_in_the_cache_and_read_back_exactly(default_cnn, shipped, tmp_path,
                                                              monkeypatch):
    elsewhere = tmp_path / "mine.safetensors"  # a library checkpoint: nothing beside it
    sha = default_cnn.info.sha256
    monkeypatch.setattr(DigitLikeness, "fit", classmethod(lambda cls, *a, **k: shipped))
    first = likeness_for(default_cnn.model, elsewhere, sha, tmp_path / "cache")
    assert first is shipped
    kept = cached(tmp_path / "cache", sha)
    assert kept.exists() and not list(kept.parent.glob("*.tmp")), "written atomically"
    stored = load_file(kept)  # read back by safetensors itself, not our reader
    assert np.array_equal(stored["means"], shipped.means)
    assert stored["threshold"].tolist() == [shipped.threshold]
    no_fitting(monkeypatch)
    again = likeness_for(default_cnn.model, elsewhere, sha, tmp_path / "cache")
    assert np.array_equal(again.precision, shipped.precision)
    assert again.threshold == shipped.threshold


DAMAGE = {  # what a damaged kept fit holds instead: (tensors, metadata) -> the same
    "other weights": lambda t, m: (t, {**m, "sha256": "0" * 64}),
    "another rule": lambda t, m: (t, {**m, "rule": "something older"}),
    "not finite": lambda t, m: ({**t, "threshold": np.array([np.nan])}, m),
    "wrong shape": lambda t, m: ({**t, "means": t["means"][:, :10].copy()}, m),
    "not symmetric": lambda t, m: ({**t, "precision": np.triu(t["precision"]).copy()}, m),
    "missing": lambda t, m: ({k: v for k, v in t.items() if k != "precision"}, m),
    "float32": lambda t, m: ({**t, "means": t["means"].astype(np.float32)}, m),
}


@pytest.mark.parametrize("case", ["truncated", *DAMAGE])
def test_a_damaged_kept_fit_is_named_and_refitted(case, default_cnn, shipped, tmp_path,
                                                  monkeypatch, caplog):
    sha = default_cnn.info.sha256
    path = cached(tmp_path, sha)
    save_likeness(shipped, path, sha)
    tensors = load_file(path)
    meta = {"format": likeness_cache.FORMAT, "rule": likeness_cache.RULE, "sha256": sha}
    if case == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    else:
        bad, bad_meta = DAMAGE[case](tensors, meta)
        save_file(bad, str(path), metadata=bad_meta)
    with pytest.raises(StudioError, match=str(path.name)):
        load_likeness(path, sha, DIM)
    fits = []
    monkeypatch.setattr(DigitLikeness, "fit",
                        classmethod(lambda cls, *a, **k: fits.append(1) or shipped))
    with caplog.at_level(logging.WARNING, logger="studio"):
        got = likeness_for(default_cnn.model, tmp_path / "mine.safetensors", sha, tmp_path)
    assert fits == [1] and got is shipped
    assert "refitting the digit likeness" in caplog.text
    assert load_likeness(path, sha, DIM).threshold == shipped.threshold, "the cache is mended"
