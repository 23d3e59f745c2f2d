"""Opening images into the canvas from a file, a drop or the clipboard.

Decoding and conversion run on the pool (a 40-megapixel scan takes a while to
decode), and the document changes only once the ink is ready, so a bad or huge file
leaves the drawing exactly as it was and says why through the notifier.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.qt.notifier import Notifier
from studio.qt.sketch_document import SIDE, SketchDocument
from studio.qt.workers import run_in_pool

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.pgm *.ppm);;" \
               "All files (*)"


def _ink_from_file(path: Path) -> np.ndarray:
    from studio.ml.canvas_ink import image_to_ink
    from studio.ml.errors import StudioError
    from studio.ml.image_files import open_image

    image = open_image(path)
    try:
        return image_to_ink(image, SIDE)
    except StudioError as e:
        raise StudioError(f"{path}: {e}") from e


def _ink_from_pixels(rgba: np.ndarray) -> np.ndarray:
    from studio.ml.canvas_ink import image_to_ink

    return image_to_ink(rgba, SIDE)


class ImageOpener(QObject):
    opened = Signal(str)  # name of what was placed on the canvas
    failed = Signal(str)  # message

    def __init__(self, document: SketchDocument, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._notifier = notifier
        self._names: list[str] = []

    @property
    def busy(self) -> bool:
        return bool(self._names)

    def open_file(self, path: Path) -> None:
        self._names.append(Path(path).name)
        run_in_pool(_ink_from_file, Path(path), on_returned=self._on_job_returned,
                    on_errored=self._on_job_errored)

    def open_qimage(self, image: QImage, name: str = "pasted image") -> None:
        if image.isNull():
            self._report(f"{name}: the clipboard or drop holds no readable image")
            return
        rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
        h, w, stride = rgba.height(), rgba.width(), rgba.bytesPerLine()
        pixels = np.frombuffer(rgba.constBits(), np.uint8, count=h * stride)
        pixels = pixels.reshape(h, stride)[:, :4 * w].reshape(h, w, 4).copy()  # [H, W, 4]
        self._names.append(name)
        run_in_pool(_ink_from_pixels, pixels, on_returned=self._on_job_returned,
                    on_errored=self._on_job_errored)

    def _on_job_returned(self, ink: np.ndarray) -> None:
        name = self._names.pop(0)
        self._document.place_image(ink, name)
        self._notifier.info(f"Opened {name} into the canvas (Ctrl+Z to undo)")
        self.opened.emit(name)

    def _on_job_errored(self, error: Exception) -> None:
        name = self._names.pop(0)
        message = str(error)
        if not type(error).__module__.startswith("studio."):
            message = f"{name}: could not be opened ({type(error).__name__}: {error})"
        self._report(message)

    def _report(self, message: str) -> None:
        self._notifier.error(f"Could not open the image. {message}. The canvas is unchanged.")
        self.failed.emit(message)
