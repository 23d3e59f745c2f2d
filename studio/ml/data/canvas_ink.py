"""Opening an image into the canvas: its ink, cropped, centred and sized to draw over.

The canvas holds ink coverage (white ink on black, like MNIST), so an opened photo or
scan goes through the same background detection as recognition: dark-on-light paper
is inverted, paper texture is dropped, and transparent layers count their alpha. The
ink is then framed with a margin so the artist can keep drawing around it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.ml.data.preprocess import ink_coverage
from studio.ml.errors import StudioError

FILL = 0.8  # the ink's longer side takes this share of the canvas


def image_to_ink(image: Image.Image | np.ndarray, side: int) -> np.ndarray:
    """Uint8 [side, side] ink coverage of `image`; StudioError when it holds no ink."""
    ink = ink_coverage(image)  # float32 [H, W] in [0, 1], or None
    if ink is None:
        raise StudioError("no ink found: the image looks blank")
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    crop = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    k = side * FILL / max(h, w)
    out_w, out_h = max(1, round(w * k)), max(1, round(h * k))
    resample = Image.Resampling.BOX if k < 1 else Image.Resampling.BICUBIC
    scaled = np.asarray(Image.fromarray(crop, mode="F").resize((out_w, out_h), resample))
    canvas = np.zeros((side, side), np.float32)
    top, left = (side - out_h) // 2, (side - out_w) // 2
    canvas[top:top + out_h, left:left + out_w] = scaled
    return np.rint(np.clip(canvas, 0.0, 1.0) * 255.0).astype(np.uint8)
