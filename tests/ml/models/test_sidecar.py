"""The sidecar reader judges every field where it is parsed, without torch."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from studio.ml.errors import StudioError
from studio.ml.models.model_kinds import KINDS
from studio.ml.models.sidecar import CONFIG_FIELDS, read_sidecar

GOOD = {"format": "latent-studio-checkpoint/1", "kind": "cnn",
        "config": {"num_classes": 10, "width": 2, "dropout": 0.2}, "dataset": "bundled",
        "seed": 0, "epoch": 3, "metrics": {"accuracy": 0.97, "test_loss": 0.07},
        "created": "2026-11-23T14:05:00+00:00", "sha256": "ab" * 32}


def write(tmp_path: Path, **changes) -> Path:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"weights")
    raw = {**GOOD, **changes}
    weights.with_suffix(".json").write_text(json.dumps(raw))  # NaN and Infinity pass through
    return weights


def test_a_good_sidecar_is_read(tmp_path):
    assert read_sidecar(write(tmp_path)).epoch == 3


@pytest.mark.parametrize(("changes", "problem"), [
    ({"epoch": 10**30}, "'epoch': expected `int` <= 1000000, got 10+"),
    ({"epoch": -1}, "'epoch': expected `int` >= 0, got -1"),
    ({"epoch": 2.5}, "'epoch': expected `int`, got `float`"),
    ({"metrics": {"accuracy": float("nan")}},
     "metric 'accuracy' must be a finite number from 0 to 1, got nan"),
    ({"metrics": {"accuracy": 1.5}}, "metric 'accuracy' must be a finite number from 0 to 1"),
    ({"metrics": {"test_loss": float("inf")}}, "metric 'test_loss' must be a finite number"),
    ({"metrics": {"test_loss": "low"}}, "metric 'test_loss' must be a finite number"),
    ({"config": {"width": 10**12}}, "cnn config field 'width' must be between 1 and 4096"),
    ({"config": {"depth": 3}}, "unknown cnn config field 'depth'"),
    ({"config": {"width": 2.5}}, "cnn config field 'width' must be a whole number"),
    ({"seed": "zero"}, "'seed': expected `int`, got `str`"),
    ({"sha256": "abc"}, "'sha256': expected `str` matching regex .*, got 'abc'"),
    ({"dataset": 5}, "'dataset': expected `str`, got `int`"),
])
def test_every_bad_field_is_refused_with_the_file_and_the_field(tmp_path, changes, problem):
    with pytest.raises(StudioError, match=problem) as caught:
        read_sidecar(write(tmp_path, **changes))
    assert str(tmp_path / "model.json") in str(caught.value)


def test_the_torch_free_config_fields_are_the_config_dataclasses():
    for kind, spec in KINDS.items():
        fields = {f.name: type(f.default) for f in dataclasses.fields(spec.config_cls)}
        assert CONFIG_FIELDS[kind] == fields
