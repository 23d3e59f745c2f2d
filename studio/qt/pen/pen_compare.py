"""Both pens drawing the same digit side by side, so the artist can see how they differ.

The LSTM and the Transformer learn the same strokes but draw them differently: one
tends to smoother, rounder digits, the other to sharper turns. Each draws the digit
with the same seed and temperature in its own view, at the pace the canvas uses;
Again draws the next seed. Nothing here touches the drawing.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from studio.qt.base.workers import run_in_pool
from studio.qt.pen.pen_jobs import draw_digit
from studio.qt.pen.pen_motion import TimedStroke, canvas_field, timed_strokes
from studio.qt.pen.pen_store import PEN_KINDS, LoadedPen, PenStore

VIEW_SIDE = 220


class PenPlayer(QWidget):
    """A small square where timed strokes (field pixels scaled to the view) appear."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(VIEW_SIDE, VIEW_SIDE)
        self._strokes: list[TimedStroke] = []
        self._width = 1.0
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setInterval(16)
        self._timer.timeout.connect(self._on_timer_timeout)

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, strokes: list[np.ndarray]) -> None:
        field = canvas_field(VIEW_SIDE)
        self._strokes, self._width = timed_strokes(strokes, field), field.pen_width
        self._clock.start()
        self._timer.start()
        self.update()

    def _on_timer_timeout(self) -> None:
        if not self._strokes or self._clock.elapsed() / 1000 > self._strokes[-1].times[-1]:
            self._timer.stop()
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(250, 249, 245))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(24, 24, 36), self._width, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        now = self._clock.elapsed() / 1000 if self._clock.isValid() else 0.0
        for stroke in self._strokes:
            due = int((stroke.times <= now).sum()) if self.playing else len(stroke.points)
            if due == 0:
                break
            path = QPainterPath(QPointF(*stroke.points[0]))
            for x, y in stroke.points[1:due]:
                path.lineTo(float(x), float(y))
            painter.drawPath(path)
        painter.end()


class PenCompare(QDialog):
    def __init__(self, store: PenStore, digit: int, temperature: float, seed: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare Pens")
        self._store = store
        self._temperature = temperature
        self.digit = QSpinBox()
        self.digit.setRange(0, 9)
        self.digit.setValue(digit)
        self.digit.setToolTip("The digit both pens draw")
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setValue(seed)
        self.seed.setToolTip("Both pens draw with this seed")
        self.players = {kind: PenPlayer() for kind in PEN_KINDS}
        again = QPushButton("Again")
        again.setToolTip("Both pens draw the digit again with the next seed (Space)")
        again.setShortcut("Space")
        again.clicked.connect(self._on_again_clicked)
        self.digit.valueChanged.connect(self.draw)
        grid = QGridLayout(self)
        for column, (kind, player) in enumerate(self.players.items()):
            grid.addWidget(QLabel(PEN_KINDS[kind]), 0, column, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(player, 1, column)
        grid.addWidget(QLabel("Digit"), 2, 0)
        grid.addWidget(self.digit, 2, 1)
        grid.addWidget(QLabel("Seed"), 3, 0)
        grid.addWidget(self.seed, 3, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(again, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        grid.addWidget(buttons, 4, 0, 1, 2)
        self.draw()

    def draw(self) -> None:
        for kind in self.players:
            self._store.with_pen(kind, self._on_pen_ready)

    def _on_pen_ready(self, pen: LoadedPen) -> None:
        run_in_pool(draw_digit, pen, self.digit.value(), self._temperature, self.seed.value(),
                    what="Drawing for the comparison",
                    on_returned=lambda strokes, kind=pen.kind: self._on_drawn(kind, strokes))

    def _on_drawn(self, kind: str, strokes: list[np.ndarray]) -> None:
        if kind in self.players and self.isVisible():
            self.players[kind].play(strokes)

    def _on_again_clicked(self) -> None:
        self.seed.setValue(self.seed.value() + 1)
        self.draw()
