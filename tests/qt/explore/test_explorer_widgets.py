"""The explorer's views: the keyframe strip, the latent map and its controls."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from studio.qt.explore.latent_map_panel import LatentMapPanel
from studio.qt.explore.latent_map_view import LatentMapView, cell_offset
from studio.qt.explore.points.keyframe_strip import NEED_TWO, KeyframeStrip

ROOT = Path(__file__).resolve().parents[3]
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def digit(value: int) -> np.ndarray:
    """A 28x28 uint8 image with a bright square whose brightness names it."""
    a = np.zeros((28, 28), np.uint8)
    a[6:22, 6:22] = value
    return a


# ---- KeyframeStrip -------------------------------------------------------------------
@pytest.fixture
def keyframes(qtbot, shown):
    return shown(KeyframeStrip(), 760, 150)


def test_play_needs_two_keyframes(qtbot, keyframes):
    strip = keyframes
    strip.add_keyframe("k1", digit(255), "Keyframe 1")
    with qtbot.assertNotEmitted(strip.play_requested):
        QTest.mouseClick(strip.play, LEFT)
    assert strip.hint.text() == NEED_TWO and not strip.is_playing()
    assert strip.play.text() == "Play" and "(Space)" in strip.play.toolTip()
    strip.add_keyframe("k2", digit(128), "Keyframe 2")
    assert strip.hint.text() == "", "the hint goes once there are two"
    with qtbot.waitSignal(strip.play_requested):
        QTest.mouseClick(strip.play, LEFT)
    assert not strip.is_playing(), "playing once the player says so (set_playing)"
    assert strip.keyframes() == ["k1", "k2"]
    with qtbot.waitSignal(strip.play_requested):
        strip.toggle_play()  # what the window's Space shortcut calls


def test_set_playing_shows_stop_and_stop_emits(qtbot, keyframes):
    strip = keyframes
    with qtbot.assertNotEmitted(strip.play_requested), \
            qtbot.assertNotEmitted(strip.stop_requested):
        strip.set_playing(True)
    assert strip.play.text() == "Stop" and strip.is_playing()
    strip.set_progress(12, 48)
    assert strip.frame.text() == "frame 12/48" and strip.progress.value() == 12
    strip.set_progress(60, 48)
    assert strip.frame.text() == "frame 48/48"
    with qtbot.waitSignal(strip.stop_requested):
        QTest.mouseClick(strip.play, LEFT)
    assert strip.play.text() == "Play" and not strip.is_playing()
    assert strip.frame.text() == ""


def test_keyframe_controls(qtbot, keyframes):
    strip = keyframes
    assert strip.seconds_per_segment() == 1.5 and strip.speed.suffix() == " s"
    assert (strip.speed.minimum(), strip.speed.maximum()) == (0.2, 10.0)
    assert not strip.loop() and not strip.remove.isEnabled() and not strip.clear.isEnabled()
    QTest.mouseClick(strip.looping, LEFT)
    assert strip.loop()
    for name in "abc":
        with qtbot.waitSignal(strip.keyframes_changed):
            strip.add_keyframe(name, digit(200), name)
    QTest.mouseClick(strip.list.viewport(), LEFT, NONE,
                     strip.list.visualItemRect(strip.list.item(1)).center())
    assert strip.remove.isEnabled()
    with qtbot.waitSignal(strip.keyframes_changed):
        QTest.mouseClick(strip.remove, LEFT)
    assert strip.keyframes() == ["a", "c"]
    with qtbot.waitSignal(strip.keyframe_activated, check_params_cb=lambda p: p == "c"):
        QTest.mouseClick(strip.list.viewport(), LEFT, NONE,
                         strip.list.visualItemRect(strip.list.item(1)).center())
    with qtbot.waitSignal(strip.keyframes_changed):
        QTest.mouseClick(strip.clear, LEFT)
    assert strip.keyframes() == [] and not strip.clear.isEnabled()
    for widget in (strip.play, strip.speed, strip.looping, strip.remove, strip.clear):
        assert widget.toolTip(), widget


# ---- LatentMapView -------------------------------------------------------------------
def grid(rows: int, cols: int) -> np.ndarray:
    """Uniform cells whose brightness encodes their place: 4 * (row * cols + col) + 20."""
    values = 4 * np.arange(rows * cols).reshape(rows, cols) + 20
    return np.broadcast_to(values[:, :, None, None], (rows, cols, 28, 28)).astype(np.uint8)


def test_clicking_a_cell_names_it(qtbot, shown):
    view = shown(LatentMapView(), 420, 400)
    view.set_cells(grid(7, 7))
    with qtbot.waitSignal(view.cell_clicked, check_params_cb=lambda r, c: (r, c) == (2, 5)):
        QTest.mouseClick(view, LEFT, NONE, view.cell_rect(2, 5).center())
    with qtbot.assertNotEmitted(view.cell_clicked):  # pressed on one cell, released on another
        QTest.mousePress(view, LEFT, NONE, view.cell_rect(1, 1).center())
        QTest.mouseRelease(view, LEFT, NONE, view.cell_rect(4, 4).center())


def test_cell_at_and_cell_rect_agree_with_what_is_painted(qtbot, shown):
    view = shown(LatentMapView(), 430, 300)
    cells = grid(5, 6)
    view.set_cells(cells)
    image = view.grab().toImage()
    dpr = image.devicePixelRatio()
    for r in range(5):
        for c in range(6):
            rect = view.cell_rect(r, c)
            assert view.cell_at(rect.center()) == (r, c)
            assert view.cell_at(rect.topLeft()) == (r, c)
            assert view.cell_at(rect.bottomRight()) == (r, c)
            painted = image.pixelColor(round(rect.center().x() * dpr),
                                       round(rect.center().y() * dpr)).lightness()
            assert abs(painted - int(cells[r, c, 0, 0])) <= 2, (r, c)
    gap = view.cell_rect(0, 0).right() + 1
    assert view.cell_at(QPoint(gap, view.cell_rect(0, 0).center().y())) is None
    assert view.cell_at(QPoint(2, 2)) is None and view.cell_at(QPoint(-5, 40)) is None
    assert view.cell_rect(5, 0).isNull() and view.cell_rect(0, -1).isNull()


def test_an_empty_map_has_no_cells(qtbot, shown):
    view = shown(LatentMapView("Computing the map…"), 200, 200)
    assert view.cell_at(QPoint(100, 100)) is None and view.grid_shape() == (0, 0)
    with qtbot.assertNotEmitted(view.cell_clicked):
        QTest.mouseClick(view, LEFT, NONE, QPoint(100, 100))
    view.set_cells(grid(3, 3).astype(np.float32) / 255)
    assert view.cell_at(QPoint(100, 100)) == (1, 1)
    view.set_cells(None)
    assert view.grid_shape() == (0, 0)


# ---- LatentMapPanel ------------------------------------------------------------------
@pytest.fixture
def panel(qtbot, shown):
    p = shown(LatentMapPanel(), 420, 500)
    p.set_directions([f"PC {i + 1}" for i in range(6)])
    return p


def test_panel_defaults_and_cells(qtbot, panel):
    assert (panel.across(), panel.down(), panel.span(), panel.grid_size()) == (0, 1, 2.0, 7)
    assert panel.span_box.suffix() == " σ" and "How far" in panel.span_box.toolTip()
    panel.set_cells(grid(7, 7))
    with qtbot.waitSignal(panel.cell_clicked, check_params_cb=lambda r, c: (r, c) == (6, 0)):
        QTest.mouseClick(panel.view, LEFT, NONE, panel.view.cell_rect(6, 0).center())
    assert "+2.00 σ" in panel.view.describe_cell(6, 6) and "PC 1" in panel.view.describe_cell(0, 0)
    assert cell_offset(0, 7, 2.0) == -2.0 and cell_offset(3, 7, 2.0) == 0.0


def test_choosing_the_same_direction_twice_swaps_them(qtbot, panel):
    panel.across_box.setFocus()
    with qtbot.waitSignal(panel.settings_changed,
                          check_params_cb=lambda *s: s == (1, 0, 2.0, 7)):
        qtbot.keyClick(panel.across_box, Qt.Key.Key_Down)  # across: PC 1 -> PC 2 (= down)
    assert (panel.across(), panel.down()) == (1, 0)
    assert panel.down_box.currentIndex() == 0
    with qtbot.waitSignal(panel.settings_changed,
                          check_params_cb=lambda *s: s[:2] == (1, 4)):
        panel.down_box.setCurrentIndex(4)
    with qtbot.waitSignal(panel.settings_changed,
                          check_params_cb=lambda *s: s[:2] == (4, 1)):
        panel.across_box.setCurrentIndex(4)
    panel.set_directions(["only one", "and two"])
    assert (panel.across(), panel.down()) in ((0, 1), (1, 0))


def test_span_and_size_report_their_values_and_size_stays_odd(qtbot, panel):
    sizes = []
    panel.settings_changed.connect(lambda a, d, span, size: sizes.append(size))
    with qtbot.waitSignal(panel.settings_changed,
                          check_params_cb=lambda *s: s == (0, 1, 2.25, 7)):
        qtbot.keyClick(panel.span_box, Qt.Key.Key_Up)
    with qtbot.waitSignal(panel.settings_changed, check_params_cb=lambda *s: s[3] == 9):
        qtbot.keyClick(panel.size_box, Qt.Key.Key_Up)
    panel.size_box.lineEdit().selectAll()
    qtbot.keyClicks(panel.size_box, "4")
    qtbot.keyClick(panel.size_box, Qt.Key.Key_Return)
    assert panel.grid_size() == 5
    panel.size_box.setValue(10)
    assert panel.grid_size() == 11
    for _ in range(3):
        qtbot.keyClick(panel.size_box, Qt.Key.Key_Down)
    assert panel.grid_size() == 5
    assert sizes and all(s % 2 == 1 for s in sizes), sizes


def test_the_widgets_do_not_import_torch():
    code = ("import studio.qt.widgets.digit_view, studio.qt.widgets.thumbnail_list, "
            "studio.qt.explore.points.keyframe_strip, studio.qt.explore.latent_map_view, sys\n"
            "print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
