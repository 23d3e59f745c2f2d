"""A rectangle the artist drags on the canvas to export part of the drawing.

The selection is view state, not drawing: it never touches the document or its undo
history. It lives in document coordinates (0..SIDE), so it stays on the same ink
when the window is resized.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from studio.qt.sketch.sketch_document import SIDE

MIN_SIDE = 4.0  # document pixels: a click, not a drag, clears the selection


class CanvasSelection(QObject):
    changed = Signal()  # the rectangle moved, appeared or went away

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rect: QRectF | None = None  # document coordinates, inside the paper
        self._anchor: QPointF | None = None

    @property
    def dragging(self) -> bool:
        return self._anchor is not None

    def begin(self, p: QPointF) -> None:
        self._anchor = _inside(p)
        self.rect = None
        self.changed.emit()

    def drag(self, p: QPointF) -> None:
        if self._anchor is not None:
            self.rect = QRectF(self._anchor, _inside(p)).normalized()
            self.changed.emit()

    def end(self, p: QPointF) -> None:
        self.drag(p)
        self._anchor = None
        if self.rect is not None and min(self.rect.width(), self.rect.height()) < MIN_SIDE:
            self.rect = None
        self.changed.emit()

    def clear(self) -> None:
        if self.rect is not None or self._anchor is not None:
            self.rect, self._anchor = None, None
            self.changed.emit()

    def crop(self, raster: np.ndarray) -> np.ndarray | None:
        """The selected part of a [SIDE, SIDE] raster (a copy), or None without one."""
        if self.rect is None:
            return None
        r = self.rect.toAlignedRect()
        return raster[r.top():r.top() + r.height(), r.left():r.left() + r.width()].copy()

    def paint(self, painter: QPainter, on_widget: QRectF, paper: QRectF) -> None:
        """Dim what is outside the selection and outline it (marching-ants style)."""
        if self.rect is None:
            return
        painter.save()
        outside = QPainterPath()
        outside.addRect(paper)
        inside = QPainterPath()
        inside.addRect(on_widget)
        painter.fillPath(outside.subtracted(inside), QColor(40, 40, 60, 60))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(QColor(255, 255, 255), 1))
        painter.drawRect(on_widget)
        painter.setPen(QPen(QColor(30, 90, 200), 1, Qt.PenStyle.DashLine))
        painter.drawRect(on_widget)
        painter.restore()


def _inside(p: QPointF) -> QPointF:
    return QPointF(min(max(p.x(), 0.0), SIDE), min(max(p.y(), 0.0), SIDE))
