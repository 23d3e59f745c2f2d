"""Property tests: whatever a PNG's provenance record holds, and whatever bytes a file
holds, read_provenance gives a valid record, None, or its own ExportError naming the
file; never another exception and never a value the explorer cannot use."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reader_strategies import ANY_JSON, trying  # noqa: E402

from studio.export.provenance import (  # noqa: E402
    FORMAT,
    KEY,
    MAX_ABS_VALUE,
    ExportError,
    Provenance,
)
from studio.export.provenance_places import read_provenance  # noqa: E402

SETTINGS = trying(120)
GOOD = {"format": FORMAT, "model_name": "Default GAN", "model_kind": "gan",
        "weights_sha256": "ab" * 32, "digit": 3, "seed": 7, "latent": [0.5] * 8,
        "studio_version": "0.1.0", "coords": [0.1] * 8}


def png_with_record(path, record: str) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt(KEY, record, zip=True)
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(path, pnginfo=info)


def read_or_refuse(path) -> None:  # a Path
    try:
        record = read_provenance(path)
    except ExportError as e:
        assert path.name in str(e)
        return
    if record is None:
        return
    assert isinstance(record, Provenance) and record.model_kind in ("gan", "vae")
    for vector in (record.latent, record.coords or ()):
        assert all(math.isfinite(v) and abs(v) <= MAX_ABS_VALUE for v in vector)


@SETTINGS
@given(raw=ANY_JSON)
def test_any_json_record(tmp_path, raw):
    png_with_record(tmp_path / "a.png", json.dumps(raw))
    read_or_refuse(tmp_path / "a.png")


@SETTINGS
@given(data=st.data(), value=ANY_JSON)
def test_a_good_record_with_one_field_replaced(tmp_path, data, value):
    record = dict(GOOD)
    record[data.draw(st.sampled_from(sorted(GOOD)))] = value
    png_with_record(tmp_path / "a.png", json.dumps(record))
    read_or_refuse(tmp_path / "a.png")


@SETTINGS
@given(data=st.binary(max_size=400))
def test_any_bytes(tmp_path, data):
    (tmp_path / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n" + data)
    read_or_refuse(tmp_path / "a.png")


def test_the_good_record_reads_back(tmp_path):
    png_with_record(tmp_path / "a.png", json.dumps(GOOD))
    assert read_provenance(tmp_path / "a.png").digit == 3
