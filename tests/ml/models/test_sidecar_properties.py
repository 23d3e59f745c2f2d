"""Property tests: whatever JSON a checkpoint's sidecar holds, read_sidecar gives fields of
the right type and range or its own error naming the file; never another exception."""

from __future__ import annotations

import json
import math

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reader_strategies import ANY_JSON, trying  # noqa: E402

from studio.ml.errors import StudioError  # noqa: E402
from studio.ml.models.default_models import default_model_path  # noqa: E402
from studio.ml.models.sidecar import read_sidecar  # noqa: E402

SETTINGS = trying(150)
GOOD = {kind: json.loads(default_model_path(kind).with_suffix(".json").read_text())
        for kind in ("cnn", "vae", "gan")}


def read_or_refuse(weights) -> None:  # a Path
    try:
        info = read_sidecar(weights)
    except StudioError as e:
        assert weights.stem in str(e)
        return
    assert info.kind in GOOD and isinstance(info.config, dict)
    assert all(math.isfinite(v) for v in info.metrics.values())
    assert 0 <= info.epoch <= 10**6


def write(tmp_path, sidecar_text: str):
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"")
    weights.with_suffix(".json").write_text(sidecar_text)
    return weights


@SETTINGS
@given(raw=ANY_JSON)
def test_any_json(tmp_path, raw):
    read_or_refuse(write(tmp_path, json.dumps(raw)))


@SETTINGS
@given(text=st.text(max_size=200))
def test_any_text(tmp_path, text):
    read_or_refuse(write(tmp_path, text))


@SETTINGS
@given(kind=st.sampled_from(sorted(GOOD)), data=st.data(), value=ANY_JSON)
def test_a_real_sidecar_with_one_field_replaced(tmp_path, kind, data, value):
    raw = json.loads(json.dumps(GOOD[kind]))
    where = data.draw(st.sampled_from(["top", "config", "metrics"]))
    target = raw if where == "top" else raw.setdefault(where, {})
    key = data.draw(st.sampled_from(sorted(target) or ["x"]))
    target[key] = value
    read_or_refuse(write(tmp_path, json.dumps(raw)))
