"""A drawing's record in its PNG: written, read back exactly, and refused when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from studio.export.drawing_record import KEY, DrawingRecord, read_drawing, save_drawing_png
from studio.export.pen_paths import file_layout
from studio.export.provenance import ExportError

SHA = "ab" * 32


def record(digits: str = "17", **changes: object) -> DrawingRecord:
    one = [np.array([[14.0, 4.0], [14.0, 14.0], [14.123456, 24.0]])]
    seven = [np.array([[6, 5], [22, 5]]), np.array([[22, 5], [16, 14], [11, 24]])]
    fields = dict(model_name="Default LSTM", model_kind="strokes-lstm", weights_sha256=SHA,
                  digits=digits, seed=7, temperature=0.6)
    return DrawingRecord.of([one, seven][:len(digits)], **{**fields, **changes})


def test_png_keeps_the_record_and_shows_the_strokes(tmp_path: Path) -> None:
    kept = record()
    path = save_drawing_png(tmp_path / "17.png", kept, 512)
    with Image.open(path) as im:
        assert im.size == file_layout(2, 512)[:2]
        assert "written by Default LSTM" in im.text["Description"]
        gray = np.asarray(im.convert("L"))
    assert gray.min() < 60 and np.median(gray) > 240  # dark ink on light paper
    back = read_drawing(path)
    assert back == kept
    assert back.strokes[0][0][2] == (14.123, 24.0)  # rounded to 0.001 field pixels
    assert [len(f) for f in back.drawing()] == [1, 2]
    assert back.drawing()[1][1].dtype == np.float32 and back.drawing()[1][1].shape == (3, 2)


def test_a_plain_picture_has_no_record(tmp_path: Path) -> None:
    Image.new("L", (20, 20), 255).save(tmp_path / "plain.png")
    assert read_drawing(tmp_path / "plain.png") is None


def damaged(tmp_path: Path, change) -> Path:
    """A real drawing PNG whose record was edited by `change(dict)`."""
    data = json.loads(record().to_json())
    change(data)
    info = PngImagePlugin.PngInfo()
    info.add_itxt(KEY, json.dumps(data, separators=(",", ":")), zip=True)
    path = tmp_path / "damaged.png"
    Image.new("RGB", (64, 32), (250, 249, 245)).save(path, pnginfo=info)
    return path


def set_point(x: object):
    def change(data: dict) -> None:
        data["strokes"][1][1][0][0] = x
    return change


@pytest.mark.parametrize("change, needle", [
    (set_point(float("nan")), "'strokes[1][1][0][0]'"),
    (set_point(1e300), "'strokes[1][1][0][0]'"),
    (set_point("3"), "'strokes[1][1][0][0]'"),
    (lambda d: d["strokes"][0].append([[1, 2]] * 100_000), "'strokes': 100,008 points"),
    (lambda d: d["strokes"].append([]), "'strokes': 3 fields of strokes for 2 digits"),
    (lambda d: d["strokes"][0].append([]), "'strokes[0][1]'"),
    (lambda d: d.update(temperature=float("inf")), "'temperature'"),
    (lambda d: d.update(temperature=0), "'temperature'"),
    (lambda d: d.update(digits="1x"), "'digits'"),
    (lambda d: d.update(digits="1" * 65), "'digits'"),
    (lambda d: d.update(model_kind="cnn"), "'model_kind'"),
    (lambda d: d.update(weights_sha256="nope"), "'weights_sha256'"),
    (lambda d: d.update(format="latent-studio-drawing/9"), "'format'"),
])
def test_a_damaged_record_is_refused_naming_the_file_and_field(tmp_path, change, needle) -> None:
    path = damaged(tmp_path, change)
    with pytest.raises(ExportError) as caught:
        read_drawing(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and needle in message, message
    with Image.open(path) as im:  # the picture itself still opens
        assert im.size == (64, 32)


def test_not_json_and_too_long_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="not readable JSON"):
        DrawingRecord.from_json("{", "x.png")
    with pytest.raises(ExportError, match="longer than"):
        DrawingRecord.from_json(" " * 1_000_001, "x.png")


def test_the_writer_refuses_what_the_reader_would() -> None:
    with pytest.raises(ExportError, match="NaN"):
        DrawingRecord.of([[np.array([[np.nan, 0.0]])]], model_name="x",
                         model_kind="strokes-lstm", weights_sha256=SHA, digits="1", seed=0,
                         temperature=0.6)
    with pytest.raises(ExportError, match="'temperature'"):
        record(temperature=2.5)
    with pytest.raises(ExportError, match="'strokes': 2 fields of strokes for 3 digits"):
        record(digits="171")
