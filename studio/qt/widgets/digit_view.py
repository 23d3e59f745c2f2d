"""One small image (a digit) shown large in a square: generated digits, what the net reads.

A 28x28 image stretched by Qt alone looks either blocky (nearest) or blurred into
diamonds (bilinear). A smooth view has Pillow's bicubic filter enlarge it 8x first,
once per new image, so each paint only smooth-scales a 224x224 picture to the widget:
about a millisecond per slider move, cheap enough to follow the slider at display
rate. A pixel view keeps hard pixel edges instead, for showing exactly the pixels the
recognizer reads.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from studio.qt.base.qimage_arrays import array_to_gray, centred_square, gray_to_array

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


class DigitView(QWidget):
    """A square, black-backed view of one small image; knows nothing of models.

    smooth: bicubic enlargement (generated digits, repairs) or hard pixel edges (the
    28x28 the network reads). side and minimum: the square's preferred and least side
    in logical pixels; expanding: take the space the layout offers (the explorer).
    """

    painted = Signal(int)  # tag of the image just painted (benchmarks time this)

    def __init__(self, placeholder: str = "", *, smooth: bool = True, side: int = 360,
                 minimum: int = 160, expanding: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None  # the image as given (28x28)
        self._shown: QImage | None = None  # what is painted: its enlargement when smooth
        self._placeholder = placeholder
        self._smooth = smooth
        self._side = side
        self._minimum = minimum
        self._tag = 0
        if expanding:
            policy = QSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            policy.setHeightForWidth(True)
            self.setSizePolicy(policy)
        self.setMinimumSize(minimum, minimum)

    def set_array(self, a: np.ndarray | None, tag: int = 0) -> None:
        """Show `a` ([H, W] uint8, or float in [0, 1]); None shows the placeholder.

        `tag` comes back with `painted` once this image is on screen, so a benchmark
        can time the way from a slider value to the pixels.
        """
        self.set_image(None if a is None else array_to_gray(a), tag)

    def set_image(self, image: QImage | None, tag: int = 0) -> None:
        """Show `image` (grayscale, or RGBA for overlays); None shows the placeholder."""
        self._image = self._shown = image
        if image is not None and image.isGrayscale():
            if self._smooth:
                image = smooth_upscale(image, image.width() * UPSCALE, image.height() * UPSCALE)
            # Painting converts a Grayscale8 image to RGB32 first, on every paint: once
            # here instead halves a smooth paint (0.63 -> 0.33 ms at 560 px) and makes a
            # pixel view's 5x cheaper (0.10 -> 0.02 ms at 140 px).
            self._shown = image.convertToFormat(QImage.Format.Format_RGB32)
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
        return QSize(self._side, self._side)

    def minimumSizeHint(self) -> QSize:
        return QSize(self._minimum, self._minimum)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return width

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.image_rect()
        painter.fillRect(rect, Qt.GlobalColor.black)
        if self._shown is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self._smooth)
            painter.drawImage(rect, self._shown)
        elif self._placeholder:
            margin = min(12.0, rect.width() / 16)
            painter.setPen(Qt.GlobalColor.gray)
            painter.drawText(rect.adjusted(margin, margin, -margin, -margin),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self._placeholder)
        painter.setPen(QPen(self.palette().mid().color(), 1))
        painter.drawRect(rect.adjusted(0, 0, -1, -1))
        painter.end()
        self.painted.emit(self._tag)
