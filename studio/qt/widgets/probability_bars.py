"""Ten horizontal bars, one per digit, painted in one pass (cheaper than ten widgets)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class ProbabilityBars(QWidget):
    painted = Signal(int)  # tag of the values just painted (benchmarks time this)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._values = np.zeros(10, np.float32)
        self._top: int | None = None
        self._muted = False
        self.tag = 0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(10 * 18)
        self.setToolTip("The network's probability for each digit")

    @property
    def values(self) -> np.ndarray:
        return self._values.copy()

    def set_values(self, values: np.ndarray | None, tag: int = 0, muted: bool = False) -> None:
        """Show `values` (None: all empty); `muted` greys the bars for an unsure answer."""
        self._values = (np.zeros(10, np.float32) if values is None
                        else np.asarray(values, np.float32).copy())
        self._top = None if values is None else int(self._values.argmax())
        self._muted = muted
        self.tag = tag
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(240, 10 * 20)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        n = len(self._values)
        row = self.height() / n
        label_w = 18.0
        pct_w = 44.0
        track_w = max(self.width() - label_w - pct_w - 8, 10)
        accent = QColor(120, 120, 130) if self._muted else self.palette().highlight().color()
        track = self.palette().alternateBase().color().darker(104)
        text = self.palette().text().color()
        for i, p in enumerate(self._values):
            y = i * row
            painter.setPen(text)
            painter.drawText(QRectF(0, y, label_w, row), Qt.AlignmentFlag.AlignCenter, str(i))
            bar = QRectF(label_w + 4, y + row * 0.2, track_w, row * 0.6)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(bar, 3, 3)
            painter.setBrush(accent if i == self._top else accent.lighter(150))
            painter.drawRoundedRect(QRectF(bar.x(), bar.y(), bar.width() * float(p),
                                           bar.height()), 3, 3)
            painter.setPen(text)
            painter.drawText(QRectF(bar.right() + 4, y, pct_w, row),
                             Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                             f"{100 * float(p):.0f}%" if self._top is not None else "")
        painter.end()
        self.painted.emit(self.tag)
