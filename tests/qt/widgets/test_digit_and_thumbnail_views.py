"""The reusable views: digit images (smooth and pixel-exact) and thumbnail strips."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from studio.qt.widgets.digit_view import DigitView
from studio.qt.widgets.thumbnail_list import ThumbnailList

ROOT = Path(__file__).resolve().parents[3]
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def lightness(widget, x: float, y: float) -> int:
    image = widget.grab().toImage()
    dpr = image.devicePixelRatio()
    return image.pixelColor(round(x * dpr), round(y * dpr)).lightness()


def digit(value: int) -> np.ndarray:
    """A 28x28 uint8 image with a bright square whose brightness names it."""
    a = np.zeros((28, 28), np.uint8)
    a[6:22, 6:22] = value
    return a


# ---- DigitView -----------------------------------------------------------------------
def test_generated_view_shows_the_image_large_smooth_and_centred(qtbot, shown):
    view = shown(DigitView(expanding=True), 400, 300)  # wider than tall: a centred square
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


def test_generated_view_placeholder_and_clear(qtbot, shown):
    view = shown(DigitView("Loading the generator…", expanding=True), 200, 200)
    view.set_array(np.full((28, 28), 255, np.uint8))
    assert lightness(view, 100, 100) > 240
    with qtbot.waitSignal(view.painted, check_params_cb=lambda tag: tag == 3):
        view.set_array(None, tag=3)
    assert view.image() is None
    assert lightness(view, 100, 100) < 40
    assert view.heightForWidth(250) == 250 and view.sizeHint().width() >= 300


# ---- ThumbnailList -------------------------------------------------------------------
@pytest.fixture
def thumbs(qtbot, shown):
    strip = shown(ThumbnailList(reorderable=True), 600, 120)
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
from studio.qt.widgets.thumbnail_list import ThumbnailList
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


def test_an_empty_list_paints_its_placeholder(qtbot, shown):
    strip = shown(ThumbnailList(), 500, 100)
    plain = strip.grab().toImage()
    strip.set_placeholder("No keyframes yet")
    with_text = strip.grab().toImage()
    assert plain != with_text
    strip.add(1, digit(255), "one")
    strip.clear_all()
    assert strip.count() == 0 and strip.payloads() == []


def test_a_pixel_view_keeps_hard_pixel_edges(qtbot, shown):
    """The 28x28 the network reads is shown pixel by pixel: steps, not ramps."""
    view = shown(DigitView("nothing yet", smooth=False, side=140, minimum=84), 280, 280)
    a = np.zeros((28, 28), np.uint8)
    a[10:18, 10:18] = 255
    with qtbot.waitSignal(view.painted, check_params_cb=lambda tag: tag == 5):
        view.set_array(a, tag=5)
    rect = view.image_rect()
    image = view.grab().toImage()
    dpr = image.devicePixelRatio()
    row = [image.pixelColor(round((rect.x() + x) * dpr), round(rect.center().y() * dpr))
           .lightness() for x in range(2, int(rect.width()) - 2)]
    soft = sum(30 < v < 220 for v in row)
    assert soft <= 2, f"pixel edges are steps, not soft ramps ({soft} grey pixels)"
    assert max(row) > 240 and min(row) < 20
    view.set_array(None)
    assert view.image() is None
