"""A map of the latent space around the current point: a grid of generated digits.

Columns walk along one direction and rows along another, both centred on the
current point, so the middle cell is where the sliders are now. The view paints
what it is given and says which cell was clicked; the panel (latent_map_panel.py)
adds the choice of directions, how far the map reaches and how many cells it has.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QSizePolicy,
    QToolTip,
    QWidget,
)

from studio.qt.base.qimage_arrays import array_to_gray

GAP = 2  # logical pixels between cells
BACKDROP = QColor(32, 32, 38)  # shows in the gaps and around the grid


def cell_offset(index: int, count: int, span: float) -> float:
    """How far cell `index` of `count` lies from the centre, from -span to +span.

    The map's convention for both axes: column 0 is -span (left), row 0 is -span
    (top); whoever computes the cells should use it too, so tooltips tell the truth.
    """
    centre = (count - 1) / 2
    return 0.0 if centre == 0 else (index - centre) / centre * span


class LatentMapView(QWidget):
    """Paints a rows x cols grid of small images; a click names the cell."""

    cell_clicked = Signal(int, int)  # row, col

    def __init__(self, placeholder: str = "Computing the map…",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._cells: np.ndarray | None = None  # uint8 [rows, cols, H, W]
        self._scaled: list[list[QImage]] = []  # cells enlarged to the current side
        self._scaled_key: tuple[int, float] | None = None
        self._hover: tuple[int, int] | None = None
        self._pressed: tuple[int, int] | None = None
        self._placeholder = placeholder
        self.describe_cell: Callable[[int, int], str] = self._default_description
        self.setMouseTracking(True)
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(160, 160)

    # ---- contents ----------------------------------------------------------------
    def set_cells(self, images: np.ndarray | None) -> None:
        """Show `images` [rows, cols, H, W] (uint8, or float in [0, 1]); None clears."""
        if images is None:
            self._cells = None
        else:
            a = np.asarray(images)
            if a.ndim != 4:
                raise ValueError(f"expected images [rows, cols, H, W], got shape {a.shape}")
            if a.dtype != np.uint8:
                a = np.rint(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)
            self._cells = a
        self._scaled_key = None
        if self._hover is not None and self.cell_rect(*self._hover).isNull():
            self._hover = None
        self.setCursor(Qt.CursorShape.PointingHandCursor if self._cells is not None
                       else Qt.CursorShape.ArrowCursor)
        self.update()

    def set_placeholder(self, text: str) -> None:
        """What the view says while it has no cells."""
        self._placeholder = text
        if self._cells is None:
            self.update()

    def grid_shape(self) -> tuple[int, int]:
        """(rows, cols) shown now; (0, 0) without cells."""
        return (0, 0) if self._cells is None else self._cells.shape[:2]

    # ---- geometry ----------------------------------------------------------------
    def _layout(self) -> tuple[int, int, int]:
        """(left, top, side): where the grid starts and each cell's side, in pixels."""
        rows, cols = self.grid_shape()
        if not rows or not cols:
            return 0, 0, 0
        side = max(min((self.width() - GAP * (cols + 1)) // cols,
                       (self.height() - GAP * (rows + 1)) // rows), 1)
        grid_w = cols * side + (cols - 1) * GAP
        grid_h = rows * side + (rows - 1) * GAP
        return (self.width() - grid_w) // 2, (self.height() - grid_h) // 2, side

    def cell_rect(self, row: int, col: int) -> QRect:
        """The rectangle of cell (row, col); a null QRect outside the grid."""
        rows, cols = self.grid_shape()
        if not (0 <= row < rows and 0 <= col < cols):
            return QRect()
        left, top, side = self._layout()
        return QRect(left + col * (side + GAP), top + row * (side + GAP), side, side)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        """The (row, col) under `pos`, or None for the gaps and the margins."""
        rows, cols = self.grid_shape()
        if not rows:
            return None
        left, top, side = self._layout()
        col, dx = divmod(pos.x() - left, side + GAP)
        row, dy = divmod(pos.y() - top, side + GAP)
        if 0 <= row < rows and 0 <= col < cols and dx < side and dy < side:
            return int(row), int(col)
        return None

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        rows, cols = self.grid_shape()
        return width if not rows else round(width * rows / cols)

    # ---- input -------------------------------------------------------------------
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._set_hover(self.cell_at(event.position().toPoint()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed = self.cell_at(event.position().toPoint())
        else:
            super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        cell = self.cell_at(event.position().toPoint())
        pressed, self._pressed = self._pressed, None
        if cell is not None and cell == pressed:
            self.cell_clicked.emit(*cell)

    def leaveEvent(self, event: QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.describe_cell(*cell), self,
                                  self.cell_rect(*cell))
            return True
        return super().event(event)

    def _set_hover(self, cell: tuple[int, int] | None) -> None:
        if cell == self._hover:
            return
        for old_or_new in (self._hover, cell):
            if old_or_new is not None:
                self.update(self.cell_rect(*old_or_new).adjusted(-GAP, -GAP, GAP, GAP))
        self._hover = cell

    def _default_description(self, row: int, col: int) -> str:
        return f"Row {row + 1}, column {col + 1}: click to go there"

    # ---- painting ----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rows, cols = self.grid_shape()
        if not rows:
            side = min(self.width(), self.height())
            square = QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)
            painter.fillRect(square, BACKDROP)
            painter.setPen(Qt.GlobalColor.gray)
            painter.drawText(square.adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
            painter.end()
            return
        left, top, side = self._layout()
        grid = QRect(left, top, cols * side + (cols - 1) * GAP, rows * side + (rows - 1) * GAP)
        painter.fillRect(grid.adjusted(-GAP, -GAP, GAP, GAP), BACKDROP)
        scaled = self._scaled_cells(side)
        for r in range(rows):
            for c in range(cols):
                rect = self.cell_rect(r, c)
                if rect.intersects(event.rect()):
                    painter.drawImage(rect, scaled[r][c])
        if rows % 2 and cols % 2:
            accent = self.palette().highlight().color()
            painter.setPen(QPen(accent, 2))
            painter.drawRect(self.cell_rect(rows // 2, cols // 2).adjusted(1, 1, -1, -1))
        if self._hover is not None:
            rect = self.cell_rect(*self._hover)
            painter.fillRect(rect, QColor(255, 255, 255, 36))
            painter.setPen(QPen(QColor(255, 255, 255, 200), 1))
            painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()

    def _scaled_cells(self, side: int) -> list[list[QImage]]:
        """The cells enlarged (bicubic) to `side` device pixels, cached per size."""
        dpr = self.devicePixelRatioF()
        key = (side, dpr)
        if key != self._scaled_key and self._cells is not None:
            px = max(round(side * dpr), 1)
            self._scaled = []
            for row in self._cells:
                line = []
                for cell in row:
                    big = Image.fromarray(cell).resize((px, px), Image.Resampling.BICUBIC)
                    image = array_to_gray(np.asarray(big))
                    image.setDevicePixelRatio(dpr)
                    line.append(image)
                self._scaled.append(line)
            self._scaled_key = key
        return self._scaled
