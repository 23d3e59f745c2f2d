"""The drawing exported as it was drawn: an animation of its strokes, and pen paths in an SVG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image, ImageSequence

from studio.qt.base.simulated_hand import draw_digit
from studio.qt.media.drawing_frames import FRAME_SIDE, drawing_frames, drawing_seconds
from studio.qt.sketch.canvas_strokes import Stroke

WAIT_MS = 20_000


def line(x0: float, y0: float, x1: float, y1: float, n: int = 40) -> Stroke:
    t = np.linspace(0, 1, n)
    return Stroke(30.0, False, [(x0 + (x1 - x0) * s, y0 + (y1 - y0) * s, 1.0) for s in t])


def test_frames_show_the_strokes_appearing_in_order(qtbot) -> None:
    from studio.qt.sketch.sketch_document import SketchDocument

    strokes = [line(100, 100, 400, 100), line(250, 100, 250, 420)]  # a T: bar, then stem
    frames = drawing_frames(strokes, None, 30)
    assert frames.shape == (30, FRAME_SIDE, FRAME_SIDE) and frames.dtype == np.float32
    ink = frames.sum(axis=(1, 2))
    assert ink[0] < 0.05 * ink[-1]  # it starts with the pen's first dot
    assert np.all(np.diff(ink) >= -1e-3)  # ink only comes
    bar, stem = frames[:, 50, 160], frames[:, 180, 125]  # a pixel of each stroke
    assert np.argmax(bar > 0.5) < np.argmax(stem > 0.5)  # the bar is drawn first
    document = SketchDocument()
    document.restore(None, strokes)
    whole = document.snapshot().reshape(FRAME_SIDE, 2, FRAME_SIDE, 2).mean(axis=(1, 3)) / 255
    np.testing.assert_allclose(frames[-1], whole, atol=1e-6)  # it ends on the drawing
    assert drawing_seconds(strokes) > drawing_seconds(strokes[:1])


@pytest.fixture
def window(qtbot, tmp_path, open_studio):
    w = open_studio(tmp_path / "data", size=(1100, 760))
    yield w
    w.close()


def test_the_drawing_exports_as_an_animation_read_back_by_pillow(qtbot, window,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "drawing.webp"
    window.media.choose_path = lambda title, file_filter: out
    window.media.export_drawing_action.trigger()  # nothing drawn yet: a message, no dialog
    assert window.media.dialog is None
    draw_digit(window.canvas, "4")
    window.media.export_drawing_action.trigger()
    dialog = window.media.dialog
    assert dialog is not None and dialog.seconds.value() > 0.8
    dialog.format.setCurrentText("WebP")
    dialog.fps.setValue(10)
    dialog.seconds.setValue(2.0)
    dialog.loop.setChecked(False)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS) as finished:
        dialog.export()
    assert finished.args == [True]
    with Image.open(out) as webp:
        frames, ms = [], 0
        for frame in ImageSequence.Iterator(webp):  # equal frames in a row are merged
            frames.append(np.asarray(frame.convert("L"), np.float32))
            ms += frame.info["duration"]
    assert ms == 2000 and len(frames) > 8
    dark = [float((255 - f).mean()) for f in frames]
    assert dark[0] < 0.3 * dark[-1]  # the first frame has little of the drawing
    assert dark[-1] > 5.0


def test_the_strokes_export_as_single_line_svg_paths(qtbot, window, tmp_path: Path) -> None:
    import re
    import xml.etree.ElementTree as ElementTree

    from studio.qt.base.simulated_hand import draw_polyline, sample

    out = tmp_path / "paths"  # the suffix is added
    window.media.choose_path = lambda title, file_filter: out
    draw_digit(window.canvas, "4")  # two strokes
    window.canvas.set_erasing(True)
    draw_polyline(window.canvas, sample([(0.1, 0.9), (0.2, 0.9)], window.canvas.paper_rect()))
    strokes = [s for s in window.document.strokes if not s.erase]
    assert len(strokes) == 2 and len(window.document.strokes) == 3
    told = []
    window.notifier.posted.connect(lambda notice: told.append(notice.message))
    window.media.export_pen_paths_action.trigger()
    svg = out.with_suffix(".svg")
    qtbot.waitUntil(lambda: any("pen paths" in m for m in told), timeout=WAIT_MS)
    assert svg.exists() and "1 eraser strokes" in told[-1]
    ns = {"svg": "http://www.w3.org/2000/svg"}
    root = ElementTree.parse(svg).getroot()
    group = root.find("svg:g", ns)
    assert group.get("stroke-linecap") == "round" and group.get("fill") == "none"
    paths = group.findall("svg:path", ns)
    assert len(paths) == 2  # one open path per stroke, no outlines
    for path, stroke in zip(paths, strokes, strict=True):
        d = path.get("d")
        assert d.startswith("M") and "Z" not in d.upper()
        x, y = (float(v) for v in re.findall(r"-?[0-9.]+", d)[:2])
        assert (x, y) == pytest.approx(stroke.points[0][:2], abs=0.02)  # 512 units = canvas
