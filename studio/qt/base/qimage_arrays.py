"""The one place where numpy arrays and QImages turn into each other.

Copies are explicit: a QImage made from a numpy buffer would dangle once the array
is freed, and a numpy view of a QImage would change under a worker while the GUI
keeps painting, so both directions copy (a 512x512 byte image copies in ~30 us).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage


def gray_to_array(image: QImage) -> np.ndarray:
    """A Grayscale8 QImage as a new uint8 array [H, W]."""
    if image.format() != QImage.Format.Format_Grayscale8:
        image = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride)
    return rows.reshape(h, stride)[:, :w].copy()


def array_to_gray(a: np.ndarray) -> QImage:
    """A uint8 [H, W] array (or float in [0, 1]) as a Grayscale8 QImage that owns its pixels."""
    a = _as_uint8(a)
    h, w = a.shape
    return QImage(np.ascontiguousarray(a).data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def array_to_rgba(a: np.ndarray) -> QImage:
    """A uint8 [H, W, 4] RGBA array as a QImage that owns its pixels."""
    a = np.ascontiguousarray(a, dtype=np.uint8)
    h, w, _ = a.shape
    return QImage(a.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()


def tint(coverage: np.ndarray, ink: QColor, paper: QColor) -> QImage:
    """Ink coverage [H, W] (uint8, or float in [0, 1]) painted in `ink` over `paper`."""
    a = _as_uint8(coverage).astype(np.float32)[..., None] / 255.0  # [H, W, 1]
    ink_rgba = np.array(ink.getRgb(), np.float32)
    paper_rgba = np.array(paper.getRgb(), np.float32)
    rgba = paper_rgba + (ink_rgba - paper_rgba) * a
    return array_to_rgba(np.rint(rgba).astype(np.uint8))


def heatmap(values: np.ndarray, opacity: float = 0.6) -> QImage:
    """Saliency in [0, 1] as a transparent-to-warm overlay (low values vanish)."""
    v = np.clip(np.asarray(values, np.float32), 0.0, 1.0)[..., None]  # [H, W, 1]
    cold = np.array([255, 200, 0], np.float32)  # amber
    hot = np.array([230, 20, 60], np.float32)  # crimson
    rgb = cold + (hot - cold) * v
    alpha = 255.0 * opacity * np.clip(v * 1.4 - 0.1, 0.0, 1.0)
    rgba = np.concatenate([rgb, alpha], axis=-1)
    return array_to_rgba(np.rint(rgba).astype(np.uint8))


def _as_uint8(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype == np.uint8:
        return a
    return np.rint(np.clip(a, 0.0, 1.0) * 255.0).astype(np.uint8)


def centred_square(width: float, height: float) -> QRectF:
    """The largest square centred in a width x height widget: where digit views draw."""
    side = min(width, height)
    return QRectF((width - side) / 2, (height - side) / 2, side, side)
