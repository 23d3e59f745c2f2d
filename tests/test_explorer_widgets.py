"""The explorer's views: the large generated digit, thumbnails, keyframes, the latent map."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QContextMenuEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QMenu  # noqa: E402

from studio.qt.generated_view import GeneratedView  # noqa: E402
from studio.qt.keyframe_strip import NEED_TWO, KeyframeStrip  # noqa: E402
from studio.qt.latent_map import LatentMapView, cell_offset  # noqa: E402
from studio.qt.latent_map_panel import LatentMapPanel  # noqa: E402
from studio.qt.thumbnail_list import ThumbnailList  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def show(qtbot, widget, w: int, h: int):
    qtbot.addWidget(widget)
    widget.resize(w, h)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def lightness(widget, x: float, y: float) -> int:
    image = widget.grab().toImage()
    dpr = image.devicePixelRatio()
    return image.pixelColor(round(x * dpr), round(y * dpr)).lightness()


def digit(value: int) -> np.ndarray:
    """A 28x28 uint8 image with a bright square whose brightness names it."""
    a = np.zeros((28, 28), np.uint8)
    a[6:22, 6:22] = value
    return a


# ---- GeneratedView -------------------------------------------------------------------
def test_generated_view_shows_the_image_large_smooth_and_centred(qtbot):
    view = show(qtbot, GeneratedView(), 400, 300)  # wider than tall: a centred square
    a = np.zeros((28, 28), np.float32)
    a[10:18, 10:18] = 1.0  # a white square in the middle
    a[2:6, 2:6] = 1.0  # and a blob near the top-left corner
    with qtbot.waitSignal(view.painted, check_params_cb=lambda tag: tag == 7):
        view.set_array(a, tag=7)
    assert view.image().width() == 28 and view.image().height() == 28
    rect = view.image_rect()
    assert rect.width() == rect.height() == 300 and rect.x() == 50
    k = rect.width() / 28
    assert lightness(view, rect.center().x(), rect.center().y()) > 240, "white square"
    assert lightness(view, rect.x() + 4 * k, rect.y() + 4 * k) > 200, "the corner blob"
    assert lightness(view, rect.x() + 24 * k, rect.y() + 24 * k) < 20, "black elsewhere"
    assert lightness(view, 20, 150) > 150, "outside the square: the window's background"
    image = view.grab().toImage()
    dpr = image.devicePixelRatio()
    row = [image.pixelColor(round((rect.x() + x) * dpr), round(rect.center().y() * dpr))
           .lightness() for x in range(300)]
    soft = sum(30 < v < 220 for v in row)  # ~8 per edge; ~2 for an 8x nearest enlargement
    assert soft >= 10, f"the square's two edges are soft ramps, not pixel steps ({soft})"


def test_generated_view_placeholder_and_clear(qtbot):
    view = show(qtbot, GeneratedView("Loading the generator…"), 200, 200)
    view.set_array(np.full((28, 28), 255, np.uint8))
    assert lightness(view, 100, 100) > 240
    with qtbot.waitSignal(view.painted, check_params_cb=lambda tag: tag == 3):
        view.set_array(None, tag=3)
    assert view.image() is None
    assert lightness(view, 100, 100) < 40
    assert view.heightForWidth(250) == 250 and view.sizeHint().width() >= 300


# ---- ThumbnailList -------------------------------------------------------------------
@pytest.fixture
def thumbs(qtbot):
    strip = show(qtbot, ThumbnailList(reorderable=True), 600, 120)
    payloads = [{"name": "a"}, ["b"], object(), np.arange(3)]
    for i, payload in enumerate(payloads):
        strip.add(payload, digit(60 * (i + 1)), f"item {i}")
    return strip, payloads


def click_item(strip: ThumbnailList, row: int) -> None:
    QTest.mouseClick(strip.viewport(), LEFT, NONE,
                     strip.visualItemRect(strip.item(row)).center())


def test_thumbnails_keep_their_payloads_in_order(thumbs):
    strip, payloads = thumbs
    assert strip.count() == 4
    assert all(a is b for a, b in zip(strip.payloads(), payloads, strict=True))
    assert strip.item(2).text() == "item 2"
    assert strip.iconSize().height() == 64
    rects = [strip.visualItemRect(strip.item(i)) for i in range(4)]
    assert len({r.top() for r in rects}) == 1, "one row"
    assert [r.left() for r in rects] == sorted(r.left() for r in rects), "left to right"


def test_click_and_enter_activate_the_payload(qtbot, thumbs):
    strip, payloads = thumbs
    with qtbot.waitSignal(strip.payload_activated,
                          check_params_cb=lambda p: p is payloads[1]):
        click_item(strip, 1)
    strip.setCurrentRow(3)
    with qtbot.waitSignal(strip.payload_activated,
                          check_params_cb=lambda p: p is payloads[3]):
        qtbot.keyClick(strip, Qt.Key.Key_Return)


def test_delete_and_backspace_remove_the_selected_thumbnail(qtbot, thumbs):
    strip, payloads = thumbs
    click_item(strip, 1)
    with qtbot.waitSignal(strip.items_changed):
        qtbot.keyClick(strip, Qt.Key.Key_Delete)
    assert strip.payloads() == [payloads[0], payloads[2], payloads[3]]
    assert strip.currentRow() == 1, "the neighbour is selected next"
    with qtbot.waitSignal(strip.items_changed):
        qtbot.keyClick(strip, Qt.Key.Key_Backspace)
    assert [p is q for p, q in zip(strip.payloads(), (payloads[0], payloads[3]),
                                   strict=True)] == [True, True]


def test_the_context_menu_removes_the_item_under_the_mouse(qtbot, thumbs):
    strip, payloads = thumbs
    seen = []

    def choose_remove():
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.append([a.text() for a in menu.actions()])
        menu.actions()[0].trigger()
        menu.close()

    QTimer.singleShot(50, choose_remove)
    pos = strip.visualItemRect(strip.item(2)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, pos,
                              strip.viewport().mapToGlobal(pos))
    with qtbot.waitSignal(strip.items_changed):
        QApplication.sendEvent(strip.viewport(), event)
    assert seen == [["Remove"]]
    assert len(strip.payloads()) == 3 and all(p is not payloads[2] for p in strip.payloads())


def test_moving_a_row_reorders_the_payloads(qtbot, thumbs):
    strip, payloads = thumbs
    with qtbot.waitSignal(strip.items_changed):
        assert strip.model().moveRow(QModelIndex(), 0, QModelIndex(), 4)
    assert [id(p) for p in strip.payloads()] == [id(p) for p in payloads[1:] + payloads[:1]]


DRAG_SCRIPT = """
import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
app = QApplication([])
from studio.qt.thumbnail_list import ThumbnailList
L, N = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

class Strip(ThumbnailList):
    def startDrag(self, actions):  # the drag runs its own loop: move and drop inside it
        QTimer.singleShot(0, finish)
        super().startDrag(actions)

strip = Strip(reorderable=True); strip.resize(500, 120); strip.show()
QTest.qWaitForWindowExposed(strip)
for i in range(4):
    strip.add(f"p{i}", np.zeros((28, 28), np.uint8), str(i))
changes = []
strip.items_changed.connect(lambda: changes.append(strip.payloads()))
vp, win = strip.viewport(), strip.windowHandle()
first, last = (strip.visualItemRect(strip.item(i)) for i in (0, 3))
start = vp.mapTo(strip, first.center())
end = vp.mapTo(strip, QPoint(last.right() - 4, last.center().y()))

def finish():
    for k in range(1, 11):
        QTest.mouseMove(win, start + (end - start) * (k / 10), 5)
    QTest.mouseRelease(win, L, N, end, 5)

QTest.mousePress(win, L, N, start)
for k in range(1, 6):
    QTest.mouseMove(win, start + QPoint(6 * k, 0), 5)
QTest.qWait(200)
print(",".join(strip.payloads()), len(changes))
"""


@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="needs Xvfb for a real drag")
def test_a_real_drag_and_drop_reorders_the_thumbnails():
    """Offscreen Qt cannot drag; under Xvfb the real QDrag runs, as on a desktop."""
    env = {"QT_QPA_PLATFORM": "xcb", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(["xvfb-run", "-a", sys.executable, "-c", DRAG_SCRIPT], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)
    if proc.returncode != 0 and "xcb" in proc.stderr:
        pytest.skip(f"no usable X server: {proc.stderr[-300:]}")
    assert proc.returncode == 0, proc.stderr
    order, changes = proc.stdout.split()
    assert order == "p1,p2,p3,p0", "the first thumbnail was dropped at the end"
    assert changes == "1", "one move, one items_changed"


def test_an_empty_list_paints_its_placeholder(qtbot):
    strip = show(qtbot, ThumbnailList(), 500, 100)
    plain = strip.grab().toImage()
    strip.set_placeholder("No keyframes yet")
    with_text = strip.grab().toImage()
    assert plain != with_text
    strip.add(1, digit(255), "one")
    strip.clear_all()
    assert strip.count() == 0 and strip.payloads() == []


# ---- KeyframeStrip -------------------------------------------------------------------
@pytest.fixture
def keyframes(qtbot):
    return show(qtbot, KeyframeStrip(), 760, 150)


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


def test_clicking_a_cell_names_it(qtbot):
    view = show(qtbot, LatentMapView(), 420, 400)
    view.set_cells(grid(7, 7))
    with qtbot.waitSignal(view.cell_clicked, check_params_cb=lambda r, c: (r, c) == (2, 5)):
        QTest.mouseClick(view, LEFT, NONE, view.cell_rect(2, 5).center())
    with qtbot.assertNotEmitted(view.cell_clicked):  # pressed on one cell, released on another
        QTest.mousePress(view, LEFT, NONE, view.cell_rect(1, 1).center())
        QTest.mouseRelease(view, LEFT, NONE, view.cell_rect(4, 4).center())


def test_cell_at_and_cell_rect_agree_with_what_is_painted(qtbot):
    view = show(qtbot, LatentMapView(), 430, 300)
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


def test_an_empty_map_has_no_cells(qtbot):
    view = show(qtbot, LatentMapView("Computing the map…"), 200, 200)
    assert view.cell_at(QPoint(100, 100)) is None and view.grid_shape() == (0, 0)
    with qtbot.assertNotEmitted(view.cell_clicked):
        QTest.mouseClick(view, LEFT, NONE, QPoint(100, 100))
    view.set_cells(grid(3, 3).astype(np.float32) / 255)
    assert view.cell_at(QPoint(100, 100)) == (1, 1)
    view.set_cells(None)
    assert view.grid_shape() == (0, 0)


# ---- LatentMapPanel ------------------------------------------------------------------
@pytest.fixture
def panel(qtbot):
    p = show(qtbot, LatentMapPanel(), 420, 500)
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
    code = ("import studio.qt.generated_view, studio.qt.thumbnail_list, "
            "studio.qt.keyframe_strip, studio.qt.latent_map, sys\n"
            "print('torch' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
