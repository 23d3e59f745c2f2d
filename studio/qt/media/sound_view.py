"""The image being sonified, read like a spectrogram, with a playhead over it.

Stretched to the widget: time runs left to right across the whole width whatever the
image's aspect (a latent walk is 60 frames wide), so the playhead's x is simply the
fraction of the sound played.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.qt.base.qimage_arrays import array_to_gray

PLAYHEAD = QColor(230, 40, 60)


class SoundView(QWidget):
    """Paints the image and, while playing, a vertical line where the sound is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._fraction: float | None = None
        self.setMinimumSize(160, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Rows are pitches (top highest), columns are time, brightness is "
                        "loudness")

    def sizeHint(self) -> QSize:
        return QSize(320, 160)

    def set_image(self, image: np.ndarray | None) -> None:
        """Show `image` ([H, W] brightness in [0, 1] or uint8); None shows nothing."""
        self._image = None if image is None else array_to_gray(image)
        self.update()

    def set_playhead(self, fraction: float | None) -> None:
        """Put the playhead at `fraction` (0..1) of the width; None hides it."""
        self._fraction = None if fraction is None else float(np.clip(fraction, 0.0, 1.0))
        self.update()

    @property
    def playhead_x(self) -> float | None:
        """Where the playhead is drawn, in widget pixels (for tests and tooltips)."""
        if self._fraction is None:
            return None
        return self._fraction * (self.width() - 1)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self._image is not None:
            painter.drawImage(QRectF(self.rect()), self._image)
        else:
            painter.setPen(QColor(170, 170, 180))
            painter.drawText(self.rect().adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "Nothing to hear yet: use the Sound menu to listen to the "
                             "canvas, the generated digit, the morph or a latent walk")
        x = self.playhead_x
        if x is not None:
            painter.setPen(QPen(PLAYHEAD, 2))
            painter.drawLine(QPointF(x, 0), QPointF(x, self.height()))
        painter.end()
