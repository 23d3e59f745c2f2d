"""The canvas and its document: strokes, undo/redo, eraser, brush, pen pressure, sizes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QInputDevice, QPointingDevice, QTabletEvent
from PySide6.QtWidgets import QApplication

from studio.qt.base.simulated_hand import draw_digit, draw_polyline, sample
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SIDE, SketchDocument


@pytest.fixture
def canvas(qtbot):
    doc = SketchDocument()
    view = SketchCanvas(doc)
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_a_stroke_puts_ink_where_it_was_drawn(canvas):
    paper = canvas.paper_rect()
    draw_polyline(canvas, sample([(0.2, 0.5), (0.8, 0.5)], paper))
    ink = canvas.document.snapshot()
    assert ink.shape == (SIDE, SIDE) and ink.dtype == np.uint8
    rows = np.flatnonzero(ink.max(axis=1) > 128)
    cols = np.flatnonzero(ink.max(axis=0) > 128)
    assert abs(rows.mean() - SIDE * 0.5) < 3, "a horizontal line across the middle"
    assert cols.min() < SIDE * 0.2 and cols.max() > SIDE * 0.8
    assert len(rows) == pytest.approx(canvas.brush_size, abs=4)  # its thickness is the brush


def test_ink_appears_during_the_stroke_not_only_on_release(canvas):
    paper = canvas.paper_rect()
    draw_polyline(canvas, sample([(0.2, 0.3), (0.8, 0.7)], paper), release=False)
    assert canvas.document.live_stroke is not None
    assert canvas.document.snapshot().max() == 255
    assert canvas.document.undo_stack.count() == 0, "the stroke is undoable once it ends"


def test_undo_and_redo_whole_strokes(canvas):
    doc = canvas.document
    draw_digit(canvas, "4")  # two strokes
    both = doc.snapshot()
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    one = doc.snapshot()
    assert 0 < (one > 0).sum() < (both > 0).sum()
    doc.undo_stack.undo()
    assert doc.snapshot().max() == 0 and doc.is_blank()
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    # re-rendered from the stroke data: the same pixels the live drawing made
    assert np.abs(doc.snapshot().astype(int) - both).max() <= 2


def test_eraser_removes_ink_and_clear_is_undoable(canvas):
    doc = canvas.document
    paper = canvas.paper_rect()
    draw_polyline(canvas, sample([(0.2, 0.5), (0.8, 0.5)], paper))
    canvas.set_erasing(True)
    canvas.set_brush_size(80)
    draw_polyline(canvas, sample([(0.5, 0.3), (0.5, 0.7)], paper))
    ink = doc.snapshot()
    assert ink[SIDE // 2, SIDE // 2] == 0, "erased in the middle"
    assert ink[SIDE // 2, int(SIDE * 0.25)] == 255, "kept at the left"
    doc.clear()
    assert doc.is_blank() and doc.snapshot().max() == 0
    doc.undo_stack.undo()
    assert np.array_equal(doc.snapshot(), ink)


def test_the_window_size_does_not_change_what_the_net_sees(qtbot):
    rasters = []
    for w, h in ((260, 260), (900, 640)):
        view = SketchCanvas(SketchDocument())
        qtbot.addWidget(view)
        view.resize(w, h)
        view.show()
        qtbot.waitExposed(view)
        view.set_brush_size(30)
        draw_digit(view, "2", step=4.0 * w / 260)
        rasters.append(view.document.snapshot().astype(np.float32))
    a, b = rasters
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.97


def test_brush_size_is_clamped_and_reported(canvas, qtbot):
    with qtbot.waitSignal(canvas.brush_changed):
        canvas.set_brush_size(1000)
    assert canvas.brush_size == 120
    canvas.set_brush_size(0)
    assert canvas.brush_size == 4


def _tablet(kind, pos: QPointF, pressure: float, device: QPointingDevice) -> QTabletEvent:
    pressed = kind != QEvent.Type.TabletRelease
    return QTabletEvent(kind, device, pos, pos, pressure, 0.0, 0.0, 0.0, 0.0, 0.0,
                        Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton,
                        Qt.MouseButton.LeftButton if pressed else Qt.MouseButton.NoButton)


def test_pen_pressure_changes_the_width(canvas):
    device = QPointingDevice("test stylus", 42, QInputDevice.DeviceType.Stylus,
                             QPointingDevice.PointerType.Pen,
                             QInputDevice.Capability.Position | QInputDevice.Capability.Pressure,
                             1, 3)
    paper = canvas.paper_rect()
    thickness = {}
    for y, pressure in ((0.3, 0.15), (0.7, 1.0)):
        pts = sample([(0.2, y), (0.8, y)], paper)
        QApplication.sendEvent(canvas, _tablet(QEvent.Type.TabletPress, pts[0], pressure,
                                               device))
        for p in pts[1:]:
            QApplication.sendEvent(canvas, _tablet(QEvent.Type.TabletMove, p, pressure, device))
        QApplication.sendEvent(canvas, _tablet(QEvent.Type.TabletRelease, pts[-1], pressure,
                                               device))
        column = canvas.document.snapshot()[:, SIDE // 2]
        band = column[int(SIDE * (y - 0.15)):int(SIDE * (y + 0.15))]
        thickness[pressure] = int((band > 128).sum())
    assert canvas.document.undo_stack.count() == 2
    assert thickness[0.15] < 0.5 * thickness[1.0]
    assert thickness[1.0] == pytest.approx(canvas.brush_size, abs=4)


def test_the_screen_cache_follows_the_device_pixel_ratio(canvas, qtbot):
    draw_digit(canvas, "1")
    image = canvas.grab().toImage()
    gray = np.array([[image.pixelColor(x, y).lightness() for x in range(0, image.width(), 4)]
                     for y in range(0, image.height(), 4)])
    assert gray.min() < 80, "dark ink is on screen"
    assert np.median(gray) > 200, "on light paper"
    cache = canvas.cache.image
    assert cache is not None
    assert cache.devicePixelRatio() == pytest.approx(canvas.devicePixelRatioF())
    assert cache.width() == round(canvas.paper_rect().width() * canvas.devicePixelRatioF())


HIGH_DPI_SCRIPT = """
import numpy as np
from PySide6.QtWidgets import QApplication
app = QApplication([])
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SketchDocument
view = SketchCanvas(SketchDocument()); view.resize(300, 300); view.show()
app.processEvents()
view.document.begin_stroke(100, 256, 1.0, 30); view.document.extend_stroke(400, 256)
view.document.end_stroke(); app.processEvents()
shot = view.grab().toImage()
print(view.devicePixelRatioF(), view.cache.image.width(), round(view.paper_rect().width()),
      shot.width(), view.document.snapshot().shape[0])
"""


def test_high_dpi_screens_get_a_sharper_cache_and_the_same_raster():
    import os
    import subprocess
    import sys

    env = dict(os.environ, QT_SCALE_FACTOR="2", QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-c", HIGH_DPI_SCRIPT], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    dpr, cache_px, paper_logical, shot_px, raster = proc.stdout.split()
    assert float(dpr) == 2.0
    assert int(cache_px) == 2 * int(paper_logical), "drawn at the screen's own resolution"
    assert int(shot_px) == 600
    assert int(raster) == SIDE, "while the network's raster keeps its size"
