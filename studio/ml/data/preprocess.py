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
from dataclasses import dataclass

import numpy as np
from PIL import Image

from studio.ml.data.paper_ink import paper_ink

SIZE = 28  # output field
BOX = 20  # the ink's longer side is scaled to this
CENTRE = 14.0  # pixel index where the ink's centre of mass lands (as in MNIST's own data)

MIN_INK = 0.1  # peak ink contrast over the background below which nothing was drawn
MIN_PIXELS = 4  # fewer clearly inked pixels than this is a speck, not a digit
NOISE_MARGIN = 0.05  # ink fainter than this share of the range is background residue
MAX_SIDE = 2048  # larger PIL images are reduced first; a digit needs no more detail
CLEAN_CHROMA = 0.04  # a picture whose channels differ less than this everywhere is gray
CLEAN_BORDER = 0.08  # paper whose border varies less than this is flat: a clean scan

_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@dataclass(frozen=True)
class Fitted:
    """The 28x28 that the network sees, and the map from the input image onto it.

    Overlays (a saliency map drawn over the canvas, the outline of the field) have to
    land on the strokes they belong to, so the map is exact: a continuous point (x, y)
    of the input image as given (pixel edges at integers, x right, y down, in the
    input's own pixels even when a large image was reduced internally) lies at
    (scale * x + offset_x, scale * y + offset_y) in the 28x28, in the same convention.
    """

    image: np.ndarray  # [28, 28] float32 in [0, 1], what to_mnist returns
    scale: float  # 28x28 pixels per input pixel, the same along x and y
    offset_x: float
    offset_y: float

    def to_field(self, x: float, y: float) -> tuple[float, float]:
        """Input-image point -> 28x28 point."""
        return self.scale * x + self.offset_x, self.scale * y + self.offset_y

    def from_field(self, u: float, v: float) -> tuple[float, float]:
        """28x28 point -> input-image point; from_field(0, 0) and (28, 28) frame the field."""
        return (u - self.offset_x) / self.scale, (v - self.offset_y) / self.scale


def to_mnist(image: np.ndarray | Image.Image) -> np.ndarray | None:
    """Float32 [28, 28] in [0, 1], white ink on black; None when there is no ink to read.

    Accepts a 2-D grayscale array (uint8 0..255 or float 0..1), an [H, W, 3|4] RGB(A)
    array or any PIL image, of any size. Light backgrounds are detected from the
    border and inverted; mostly transparent images count their alpha as ink; photos
    of paper (tinted, unevenly lit, ruled) are read by `paper_ink`.
    """
    fitted = fit_to_mnist(image)
    return None if fitted is None else fitted.image


def fit_to_mnist(image: np.ndarray | Image.Image) -> Fitted | None:
    """`to_mnist` plus where each input point went; None when there is no ink to read."""
    found = _find_ink(image)
    if found is None:
        return None
    ink, reduced = found
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    out, k, left, top = _fit(ink[y0:y1, x0:x1])
    # input (x, y) -> reduced (x / reduced) -> crop (- x0) -> window (- left) -> field (* k)
    return Fitted(out, scale=float(k / reduced), offset_x=float(-k * (x0 + left)),
                  offset_y=float(-k * (y0 + top)))


def ink_coverage(image: np.ndarray | Image.Image) -> np.ndarray | None:
    """Float32 [H, W] in [0, 1], white ink on black, background dropped; None without ink.

    The same ink that `to_mnist` reads, before cropping and scaling, so an image opened
    onto the canvas looks to recognition as it did in the file. [H, W] is the input's
    size, except for PIL images over MAX_SIDE, which come back reduced.
    """
    found = _find_ink(image)
    return None if found is None else found[0]


def warp_to_field(image: np.ndarray, fitted: Fitted) -> np.ndarray:
    """Float32 [28, 28]: any [H, W] float image resampled through `fitted`'s map.

    For layers that must line up with what the network saw (a mask, the ink left
    after erasing) but were not themselves fitted. Each output pixel averages the input
    area that lands on it, as `_fit` does; values are not renormalized.
    """
    k = fitted.scale
    left, top = -fitted.offset_x / k, -fitted.offset_y / k  # field (0, 0) in the input
    side = SIZE / k
    ix, iy = math.floor(left), math.floor(top)
    window = Image.fromarray(np.asarray(image, dtype=np.float32)).crop(
        (ix, iy, math.ceil(left + side), math.ceil(top + side)))  # pads with zeros
    resample = Image.Resampling.BOX if k < 1 else Image.Resampling.BILINEAR
    return np.array(window.resize(
        (SIZE, SIZE), resample, box=(left - ix, top - iy, left - ix + side, top - iy + side)),
        dtype=np.float32)


def _find_ink(image: np.ndarray | Image.Image) -> tuple[np.ndarray, int] | None:
    """Ink coverage and the factor the image was reduced by; None when nothing was drawn."""
    gray, is_ink, reduced = _ink_or_gray(image)
    if gray.size == 0:
        return None
    border = _border(gray)
    if not is_ink and float(np.median(border)) > 0.5:  # dark ink on paper
        colour = _colour(image, reduced)
        if not _is_clean(border, colour):
            return _enough(paper_ink(gray if colour is None else colour), reduced)
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
    return _enough(ink, reduced)


def _enough(ink: np.ndarray, reduced: int) -> tuple[np.ndarray, int] | None:
    """The ink and the reduction, or None when it is only a speck."""
    if np.count_nonzero(ink > 0.25) < MIN_PIXELS:
        return None
    return ink, reduced


def _is_clean(border: np.ndarray, colour: np.ndarray | None) -> bool:
    """Whether paper reads well by its border's level alone, as it always has.

    A gray picture on flat paper (a scan, dark strokes drawn on white) keeps the plain
    threshold, so it reads exactly as before; tinted paper or pen, a gradient or a
    shadow along the border, or ruled lines crossing it go through `paper_ink`.
    """
    low, high = np.percentile(border, [0.5, 99.5])
    if float(high - low) > CLEAN_BORDER:
        return False
    if colour is None:
        return True
    return float((colour.max(axis=2) - colour.min(axis=2)).max()) <= CLEAN_CHROMA


def _colour(image: np.ndarray | Image.Image, reduced: int) -> np.ndarray | None:
    """Float32 [H, W, 3] in [0, 1] on white, the same size as `_ink_or_gray`'s gray;
    None for grayscale pictures."""
    if isinstance(image, Image.Image):
        if image.mode in ("1", "L", "LA", "La", "I", "I;16", "I;16L", "I;16B", "F", "LAB"):
            return None
        rgba = image.convert("RGBA")
        rgba = rgba.reduce(reduced) if reduced > 1 else rgba
        a = _unit(np.asarray(rgba))
    else:
        a = np.asarray(image)
        if a.ndim != 3 or a.shape[2] not in (3, 4):
            return None
        a = _unit(a)
    if a.shape[2] == 4:  # lay a translucent picture on white paper, as `_apply_alpha` does
        return a[..., :3] * a[..., 3:] + (1.0 - a[..., 3:])
    return a


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Store [0, 1] floats as MNIST's bytes, rounding rather than truncating."""
    return np.rint(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


def _fit(crop: np.ndarray) -> tuple[np.ndarray, float, float, float]:
    """Scale the cropped ink into 20x20 and centre its mass in one resampling step.

    Resampling straight from the source window with a sub-pixel box keeps the centring
    exact and blurs only once, where pasting a resized patch would round to whole pixels.
    Returns the 28x28, the scale k and the window's top-left corner (left, top) in crop
    coordinates: crop point (x, y) lands at ((x - left) * k, (y - top) * k).
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
        return np.zeros((SIZE, SIZE), dtype=np.float32), k, left, top
    return np.clip(out / top_value, 0.0, 1.0).astype(np.float32), k, left, top


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


def _ink_or_gray(image: np.ndarray | Image.Image) -> tuple[np.ndarray, bool, int]:
    """Grayscale float32 in [0, 1], whether it already is ink coverage (from alpha), and
    the factor by which it was reduced (input pixels per returned pixel, 1 for arrays)."""
    if isinstance(image, Image.Image):
        return _from_pil(image)
    a = np.asarray(image)
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[..., 0]
    if a.ndim == 2:
        return _unit(a), False, 1
    if a.ndim == 3 and a.shape[2] in (3, 4):
        a = _unit(a)
        gray = a[..., :3] @ _LUMA
        if a.shape[2] == 4:
            return (*_apply_alpha(gray, a[..., 3]), 1)
        return gray, False, 1
    raise ValueError(f"expected a grayscale or RGB(A) image, got an array of shape {a.shape}")


def _from_pil(image: Image.Image) -> tuple[np.ndarray, bool, int]:
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
    factor = 1
    if max(im.size) > MAX_SIDE and im.mode in ("L", "LA", "I", "F"):
        # Each reduced pixel averages a factor x factor block (a partial one at the far
        # edges), so a continuous input coordinate x becomes exactly x / factor.
        factor = math.ceil(max(im.size) / MAX_SIDE)
        im = im.reduce(factor)
    a = np.asarray(im)
    if has_alpha:
        return (*_apply_alpha(_unit(a[..., 0]), _unit(a[..., 1])), factor)
    return _unit(a), False, factor


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
