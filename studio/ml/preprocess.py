"""Turn any drawing or image into the MNIST convention before it meets a model.

The CNN, the VAE encoder and fine-tuning were all trained on MNIST, whose digits are
white ink on black, their ink bounding box fitted into 20x20 keeping its aspect, and
placed in a 28x28 field so that the centre of mass of the ink sits at pixel (14, 14).
A sketch that breaks any of these rules (dark pen on white, drawn small in a corner,
drawn big, photographed on grey paper) is recognised far worse, so every image goes
through `to_mnist` first: canvas strokes, opened or dropped files, image datasets.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

SIZE = 28  # output field
BOX = 20  # the ink's longer side is scaled to this
CENTRE = 14.0  # pixel index where the ink's centre of mass lands (as in MNIST's own data)

MIN_INK = 0.1  # peak ink contrast over the background below which nothing was drawn
MIN_PIXELS = 4  # fewer clearly inked pixels than this is a speck, not a digit
NOISE_MARGIN = 0.05  # ink fainter than this share of the range is background residue
MAX_SIDE = 2048  # larger PIL images are reduced first; a digit needs no more detail

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def to_mnist(image: np.ndarray | Image.Image) -> np.ndarray | None:
    """Float32 [28, 28] in [0, 1], white ink on black; None when there is no ink to read.

    Accepts a 2-D grayscale array (uint8 0..255 or float 0..1), an [H, W, 3|4] RGB(A)
    array or any PIL image, of any size. Light backgrounds are detected from the
    border and inverted; mostly transparent images count their alpha as ink.
    """
    gray, is_ink = _ink_or_gray(image)
    if gray.size == 0:
        return None
    border = _border(gray)
    if not is_ink and float(np.median(border)) > 0.5:  # dark ink on paper
        gray = 1.0 - gray
        border = 1.0 - border

    # Paper is never flat: drop the background level plus its spread along the border,
    # so texture and JPEG noise neither count as ink nor stretch the bounding box.
    background = float(np.median(border))
    spread = float(np.percentile(border, 75)) - background
    floor = background + 3.0 * spread
    peak = float(gray.max())
    if peak - floor < MIN_INK:
        return None
    ink = np.clip((gray - floor) / (peak - floor), 0.0, 1.0, dtype=np.float32)
    ink[ink < NOISE_MARGIN] = 0.0

    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    crop = ink[y0:y1, x0:x1]
    if np.count_nonzero(crop > 0.25) < MIN_PIXELS:
        return None
    return _fit(crop)


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Store [0, 1] floats as MNIST's bytes, rounding rather than truncating."""
    return np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def _fit(crop: np.ndarray) -> np.ndarray:
    """Scale the cropped ink into 20x20 and centre its mass in one resampling step.

    Resampling straight from the source window with a sub-pixel box keeps the centring
    exact and blurs only once, where pasting a resized patch would round to whole pixels.
    """
    h, w = crop.shape
    k = BOX / max(h, w)  # output pixels per source pixel
    total = float(crop.sum())
    cy = float(crop.sum(axis=1) @ np.arange(h, dtype=np.float32)) / total + 0.5
    cx = float(crop.sum(axis=0) @ np.arange(w, dtype=np.float32)) / total + 0.5

    # Source window (continuous coordinates) that maps onto the 28x28 output.
    left = _keep_inside(cx - (CENTRE + 0.5) / k, w, k)
    top = _keep_inside(cy - (CENTRE + 0.5) / k, h, k)
    if k == 1.0:  # already MNIST-sized (a 28x28 digit): shift by whole pixels, no blur
        left, top = round(left), round(top)
    side = SIZE / k
    ix, iy = math.floor(left), math.floor(top)
    padded = Image.fromarray(crop).crop(
        (ix, iy, math.ceil(left + side), math.ceil(top + side)))  # pads with zeros
    resample = Image.Resampling.BOX if k < 1 else Image.Resampling.BILINEAR
    out = np.asarray(padded.resize((SIZE, SIZE), resample,
                                   box=(left - ix, top - iy, left - ix + side, top - iy + side)))
    # Thin strokes average down to grey; MNIST ink peaks at full white.
    top_value = float(out.max())
    if top_value <= 0.0:
        return np.zeros((SIZE, SIZE), dtype=np.float32)
    return np.clip(out / top_value, 0.0, 1.0).astype(np.float32)


def _keep_inside(start: float, length: int, k: float) -> float:
    """Shift the window so no ink falls off the field (a lopsided digit loses exact centring)."""
    first = -start * k  # where the ink's first pixel edge lands in the output
    last = (length - start) * k
    if first < 0:
        start += first / k
    elif last > SIZE:
        start += (last - SIZE) / k
    return start


def _border(a: np.ndarray) -> np.ndarray:
    return np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]])


def _ink_or_gray(image: np.ndarray | Image.Image) -> tuple[np.ndarray, bool]:
    """Grayscale float32 in [0, 1], and whether it already is ink coverage (from alpha)."""
    if isinstance(image, Image.Image):
        return _from_pil(image)
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        return _unit(a), False
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = _unit(a)
        gray = a[..., :3] @ _LUMA
        if a.shape[2] == 4:
            return _apply_alpha(gray, a[..., 3])
        return gray, False
    raise ValueError(f"expected a grayscale or RGB(A) image, got an array of shape {a.shape}")


def _from_pil(image: Image.Image) -> tuple[np.ndarray, bool]:
    has_alpha = image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or (
        image.mode == "P" and "transparency" in image.info)
    if has_alpha:
        im = image.convert("RGBA").convert("LA") if image.mode.startswith("P") \
            else image.convert("LA")
    elif image.mode in ("L", "I", "I;16", "I;16L", "I;16B", "F"):
        im = image
    elif image.mode == "LAB":  # Pillow cannot convert it, but its L band is the lightness
        im = image.getchannel("L")
    else:
        im = image.convert("L")
    if max(im.size) > MAX_SIDE and im.mode in ("L", "LA", "I", "F"):
        im = im.reduce(math.ceil(max(im.size) / MAX_SIDE))
    a = np.asarray(im)
    if has_alpha:
        return _apply_alpha(_unit(a[..., 0]), _unit(a[..., 1]))
    return _unit(a), False


def _apply_alpha(gray: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, bool]:
    """Strokes on a transparent layer are their alpha; otherwise the image lies on white paper."""
    if float(np.median(_border(alpha))) < 0.5:
        return alpha, True
    return gray * alpha + (1.0 - alpha), False


def _unit(a: np.ndarray) -> np.ndarray:
    """Float32 in [0, 1] from bool, unsigned bytes/words, PIL's int32 or floats."""
    if a.dtype == np.bool_:
        return a.astype(np.float32)
    if a.dtype.kind == "u":
        return a.astype(np.float32) / np.float32(np.iinfo(a.dtype).max)
    a = a.astype(np.float32)
    top = float(a.max()) if a.size else 0.0
    if top > 1.0:  # integers or floats on the 0..255 (or 16-bit) scale
        a /= 255.0 if top <= 255.0 else top
    return np.clip(a, 0.0, 1.0, out=a)
