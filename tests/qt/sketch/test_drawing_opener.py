"""A PNG the pen wrote opens back as editable strokes, in one undo step; a damaged one as pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image, PngImagePlugin

from studio.export.drawing_record import KEY, DrawingRecord, save_drawing_png
from studio.export.pen_paths import FIELD, PEN_WIDTH
from studio.qt.pen.pen_motion import number_fields
from studio.qt.sketch.sketch_document import SIDE

WAIT_MS = 20_000


def written(path, digits: str = "17") -> DrawingRecord:
    one = [np.array([[14, 4], [14, 14], [14, 24]], np.float32)]
    seven = [np.array([[6, 5], [22, 5]], np.float32),
             np.array([[22, 5], [16, 14], [11, 24]], np.float32)]
    record = DrawingRecord.of([one, seven], model_name="Default LSTM", model_kind="strokes-lstm",
                              weights_sha256="ab" * 32, digits=digits, seed=3, temperature=0.6)
    save_drawing_png(path, record, 256)
    return record


def test_a_drawing_png_opens_as_its_strokes_in_one_undo_step(qtbot, tmp_path, open_studio):
    window = open_studio(tmp_path / "data")
    document = window.document
    record = written(tmp_path / "17.png")
    steps = document.undo_stack.count()
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.opener.open_file(tmp_path / "17.png")
    assert document.base is None  # strokes, not the picture's pixels
    assert len(document.strokes) == 3
    fields = number_fields(2, float(SIDE))  # where the window's pen writes two digits
    for stroke, (field, points) in zip(document.strokes, [
            (fields[0], record.drawing()[0][0]), (fields[1], record.drawing()[1][0]),
            (fields[1], record.drawing()[1][1])], strict=True):
        assert not stroke.erase
        assert stroke.width == pytest.approx(PEN_WIDTH * field.side / FIELD)
        first, last = field.to_document([points[[0, -1]]])[0]
        assert stroke.points[0][:2] == pytest.approx(tuple(first), abs=1e-3)
        assert stroke.points[-1][:2] == pytest.approx(tuple(last), abs=1e-3)
        assert len(stroke.points) > len(points)  # smoothed, as the pen draws them
    assert document.snapshot().max() == 255  # painted into what the recognizer reads
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Open 17.png"
    messages = [n.message for n in window.notifier.notices]
    assert any("17.png" in m and "3 strokes" in m for m in messages), messages
    document.undo_stack.undo()
    assert document.strokes == [] and document.snapshot().max() == 0
    document.undo_stack.redo()
    assert len(document.strokes) == 3
    window.close()


def test_a_damaged_drawing_record_opens_the_picture_with_a_warning(qtbot, tmp_path,
                                                                  open_studio):
    window = open_studio(tmp_path / "data")
    written(tmp_path / "good.png")
    with Image.open(tmp_path / "good.png") as im:
        data = json.loads(im.text[KEY])
        picture = im.convert("RGB")
    data["strokes"][1][0][0][0] = float("nan")
    info = PngImagePlugin.PngInfo()
    info.add_itxt(KEY, json.dumps(data), zip=True)
    picture.save(tmp_path / "damaged.png", pnginfo=info)
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.opener.open_file(tmp_path / "damaged.png")
    assert window.document.base is not None and window.document.strokes == []
    warnings = [n.message for n in window.notifier.notices if "damaged.png" in n.message]
    assert any("'strokes[1][0][0][0]'" in m and "opened as a plain picture" in m
               for m in warnings), warnings
    assert window.document.undo_stack.undoText() == "Open damaged.png"
    window.close()
