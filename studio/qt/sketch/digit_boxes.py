"""Boxes over the digits of a number on the canvas, each with what it reads as.

When the drawing holds several digits the recognizer reads them one by one; the boxes
show where it cut and what it read, so a wrong cut is plain to see. View > Digit Boxes
toggles them; they never touch the drawing.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen

BOX_COLOUR = QColor(40, 120, 220, 200)


class DigitBoxes(QObject):
    changed = Signal()  # the boxes moved, appeared or went, or were hidden or shown

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.boxes: list[tuple[QRectF, str]] = []  # document rectangles and their labels
        self.visible = True

    def set_boxes(self, boxes: list[tuple[QRectF, str]]) -> None:
        if boxes != self.boxes:
            self.boxes = list(boxes)
            self.changed.emit()

    def set_visible(self, visible: bool) -> None:
        if visible != self.visible:
            self.visible = visible
            self.changed.emit()

    def paint(self, painter: QPainter, to_widget: Callable[[QRectF], QRectF]) -> None:
        """Each box in widget coordinates, its label above it."""
        if not self.visible or not self.boxes:
            return
        painter.save()
        painter.setBrush(Qt.BrushStyle.NoBrush)
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        for rect, label in self.boxes:
            box = to_widget(rect).adjusted(-3, -3, 3, 3)
            painter.setPen(QPen(BOX_COLOUR, 1.5, Qt.PenStyle.DashLine))
            painter.drawRoundedRect(box, 4, 4)
            painter.setPen(BOX_COLOUR)
            painter.drawText(box.topLeft() + QPointF(2, -4), label)
        painter.restore()
