"""Strokes offered but not yet drawn: shown faint over the canvas until kept or dismissed.

When the pen offers to finish a drawing, the artist should see the offer in place,
over their own strokes, without it touching the drawing (or the recognizer's answer)
until they keep it. The ghost is that offer: polylines in document pixels, painted
faint, as wide as the pen would draw them, never into the document.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

GHOST_COLOUR = QColor(70, 110, 200, 130)


class CanvasGhost(QObject):
    changed = Signal()  # an offer appeared, was replaced or went away

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[np.ndarray] = []  # float32 [n, 2] polylines, document pixels
        self.width = 1.0  # pen width, document pixels

    @property
    def shown(self) -> bool:
        return bool(self.strokes)

    def show_strokes(self, strokes: list[np.ndarray], width: float) -> None:
        self.strokes = [np.asarray(s, np.float32) for s in strokes if len(s)]
        self.width = float(width)
        self.changed.emit()

    def clear(self) -> None:
        if self.strokes:
            self.strokes = []
            self.changed.emit()

    def paint(self, painter: QPainter, to_widget: Callable[[QRectF], QRectF]) -> None:
        """The strokes in widget coordinates, faint, with round caps like the brush."""
        if not self.strokes:
            return
        paper = to_widget(QRectF(0, 0, 1, 1))
        scale = paper.width()  # widget pixels per document pixel
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(GHOST_COLOUR, max(1.0, self.width * scale), Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for stroke in self.strokes:
            path = QPainterPath(QPointF(paper.x() + stroke[0, 0] * scale,
                                        paper.y() + stroke[0, 1] * scale))
            for x, y in stroke[1:]:
                path.lineTo(paper.x() + x * scale, paper.y() + y * scale)
            if len(stroke) == 1:
                path.lineTo(path.currentPosition() + QPointF(0.01, 0))
            painter.drawPath(path)
        painter.restore()
