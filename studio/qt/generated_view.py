"""The explorer's main view: one generated digit, shown large and smooth.

A 28x28 image stretched by Qt alone looks either blocky (nearest) or blurred into
diamonds (bilinear). Pillow's bicubic filter enlarges it 8x first, once per new
image, so each paint only smooth-scales a 224x224 picture to the widget: about a
millisecond per slider move, cheap enough to follow the slider at display rate.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.qt.imaging import array_to_gray, centred_square, gray_to_array

UPSCALE = 8  # Pillow's enlargement before Qt's smooth scaling to the widget


def smooth_upscale(image: QImage, width: int, height: int | None = None) -> QImage:
    """`image` (grayscale) enlarged to width x height with Pillow's bicubic filter.

    Bicubic keeps strokes round and soft-edged where Qt's bilinear scaling of such a
    small image shows its pixel grid; the result is what Qt then scales the last bit.
    """
    height = width if height is None else height
    pixels = Image.fromarray(gray_to_array(image))
    big = pixels.resize((max(width, 1), max(height, 1)), Image.Resampling.BICUBIC)
    return array_to_gray(np.asarray(big))


class GeneratedView(QWidget):
    """A square, black-backed view of one generated image; knows nothing of models."""

    painted = Signal(int)  # tag of the image just painted (benchmarks time this)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None  # the array as given (28x28)
        self._large: QImage | None = None  # its bicubic enlargement
        self._placeholder = placeholder
        self._tag = 0
        policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.setMinimumSize(160, 160)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, False)

    def set_array(self, a: np.ndarray | None, tag: int = 0) -> None:
        """Show `a` ([H, W] uint8, or float in [0, 1]); None shows the placeholder.

        `tag` comes back with `painted` once this image is on screen, so a benchmark
        can time the way from a slider value to the pixels.
        """
        if a is None:
            self._image = self._large = None
        else:
            self._image = array_to_gray(a)
            w, h = self._image.width(), self._image.height()
            self._large = smooth_upscale(self._image, w * UPSCALE, h * UPSCALE)
        self._tag = tag
        self.update()

    def image(self) -> QImage | None:
        """The image last set, at its own size (not enlarged)."""
        return self._image

    def set_placeholder(self, text: str) -> None:
        """What to say while there is no image (e.g. "Loading the generator…")."""
        self._placeholder = text
        if self._image is None:
            self.update()

    def image_rect(self) -> QRectF:
        """The square the image fills, centred in the widget (logical pixels)."""
        return centred_square(self.width(), self.height())

    def sizeHint(self) -> QSize:
        return QSize(360, 360)

    def minimumSizeHint(self) -> QSize:
        return QSize(160, 160)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.image_rect()
        painter.fillRect(rect, Qt.GlobalColor.black)
        if self._large is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            painter.drawImage(rect, self._large)
        elif self._placeholder:
            painter.setPen(Qt.GlobalColor.gray)
            painter.drawText(rect.adjusted(12, 12, -12, -12),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()
        self.painted.emit(self._tag)
