"""Drawing on the studio's canvas with real mouse events, as a user's hand would.

Shared by the window tests and the GUI benchmarks (it lives in the package so both
import it the same way). Strokes are polylines in paper coordinates (0..1 across the
canvas square), sampled every few screen pixels like a mouse moving at a steady speed.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 48) -> list[tuple]:
    return [(cx + rx * math.sin(2 * math.pi * i / n), cy - ry * math.cos(2 * math.pi * i / n))
            for i in range(n + 1)]


DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_ellipse(0.5, 0.5, 0.19, 0.3)],
    "1": [[(0.53, 0.18), (0.5, 0.5), (0.48, 0.82)]],
    "7": [[(0.28, 0.2), (0.72, 0.2), (0.6, 0.42), (0.46, 0.82)]],
    "4": [[(0.58, 0.18), (0.28, 0.6), (0.74, 0.6)], [(0.6, 0.4), (0.6, 0.84)]],
    "2": [[(0.3, 0.3), (0.4, 0.2), (0.58, 0.19), (0.68, 0.3), (0.62, 0.46), (0.3, 0.8),
           (0.72, 0.8)]],
}


def sample(polyline: list[tuple[float, float]], paper, step: float = 5.0) -> list[QPointF]:
    """Widget positions every `step` pixels along `polyline` drawn on `paper` (a QRectF)."""
    pts = [QPointF(paper.x() + x * paper.width(), paper.y() + y * paper.height())
           for x, y in polyline]
    out = [pts[0]]
    for a, b in zip(pts, pts[1:], strict=False):
        length = math.hypot(b.x() - a.x(), b.y() - a.y())
        n = max(1, int(length / step))
        out += [a + (b - a) * (i / n) for i in range(1, n + 1)]
    return out


def send_mouse(widget: QWidget, kind: QEvent.Type, pos: QPointF, pressed: bool) -> None:
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else \
        Qt.MouseButton.NoButton
    buttons = Qt.MouseButton.LeftButton if pressed else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def draw_polyline(widget: QWidget, points: list[QPointF], release: bool = True,
                  after_move: Callable[[], None] | None = None) -> None:
    """Press at the first point, move through the rest, release at the last."""
    send_mouse(widget, QEvent.Type.MouseButtonPress, points[0], True)
    for p in points[1:]:
        send_mouse(widget, QEvent.Type.MouseMove, p, True)
        if after_move is not None:
            after_move()
    if release:
        send_mouse(widget, QEvent.Type.MouseButtonRelease, points[-1], False)


def draw_digit(canvas, digit: str, step: float = 5.0,
               after_move: Callable[[], None] | None = None) -> None:
    for polyline in DIGITS[digit]:
        draw_polyline(canvas, sample(polyline, canvas.paper_rect(), step),
                      after_move=after_move)


def draw_number(canvas, number: str, step: float = 3.0,
                after_move: Callable[[], None] | None = None) -> None:
    """`number` written left to right, each digit in its own slot of the paper, keeping
    the digits' proportions (set a brush to suit their size first)."""
    n = len(number)
    scale = min(1.0, 1.25 / n)
    paper = canvas.paper_rect()
    for i, digit in enumerate(number):
        left = (i + 0.5) / n - scale / 2
        for polyline in DIGITS[digit]:
            placed = [(left + x * scale, 0.5 + (y - 0.5) * scale) for x, y in polyline]
            draw_polyline(canvas, sample(placed, paper, step), after_move=after_move)


def slider_handle_center(slider) -> QPointF:
    """Where the artist grabs a QSlider: the middle of its handle, in its own coordinates."""
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    rect = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                         QStyle.SubControl.SC_SliderHandle, slider)
    return QPointF(rect.center())
