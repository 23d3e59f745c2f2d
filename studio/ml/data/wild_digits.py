"""A wild test set made by code: the bundled test digits as photos, scans and notebook pages.

The recognizer reads clean canvas drawings well and pictures of digits on paper badly,
and the bundled test split cannot show this: its digits are all clean. Here each test
digit (never seen in training) is turned into a picture under one named condition
(photo, ruled paper, coloured ink, low resolution, blur), so `studio evaluate` can
report accuracy per condition without downloading anything. Every picture is drawn
from a seeded generator, so the set is the same on every machine and every run.
A condition also takes a strip of digits side by side (`wild_numbers` makes numbers).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageFilter

from studio.ml.data.digit_datasets import bundled_mnist

CONDITIONS = ("clean", "photo", "ruled", "coloured_ink", "low_resolution", "blur")
MIN_SIDE, MAX_SIDE = 64, 200  # picture height and width, pixels (width x W/28 for strips)

_WHITE = np.array([1.0, 1.0, 1.0], np.float32)
_INKS = {  # coloured_ink's pens, RGB in [0, 1]
    "blue": np.array([0.10, 0.20, 0.75], np.float32),
    "red": np.array([0.80, 0.10, 0.12], np.float32),
    "green": np.array([0.08, 0.50, 0.20], np.float32),
}
_RULE_BLUE = np.array([0.55, 0.72, 0.95], np.float32)
_MARGIN_RED = np.array([0.95, 0.45, 0.45], np.float32)


def wild_picture(digit28: np.ndarray, condition: str, rng: np.random.Generator) -> np.ndarray:
    """RGB uint8 [H, W, 3] of an MNIST digit (uint8 [28, 28], white ink on black) as it
    would look under `condition`, one of CONDITIONS; H and W in 64..200.

    `digit28` may also be a strip of digits side by side, uint8 [28, S] with S >= 28: the
    picture keeps its aspect (W up to 200 * S / 28). A square digit draws exactly what it
    always did, so the digit set stays the same.
    """
    if condition not in _MAKERS:
        raise ValueError(f"unknown condition {condition!r}; expected one of {CONDITIONS}")
    if digit28.ndim != 2 or digit28.shape[0] != 28 or digit28.shape[1] < 28:
        raise ValueError(f"digit must be [28, 28] or a strip [28, S >= 28], got {digit28.shape}")
    picture = _MAKERS[condition](digit28, rng)  # [H, W, 3] float in [0, 1]
    return np.rint(np.clip(picture, 0.0, 1.0) * 255.0).astype(np.uint8)


def wild_test_set(per_condition: int = 500,
                  seed: int = 0) -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    """Per condition: pictures of the bundled test split's first `per_condition` digits
    and their labels (int64 [N]). Each condition draws from its own seeded stream.

    The split is stored sorted by label, so "first" is taken in a class-balanced order
    (one of each digit, then the next of each, ...): a small set still has all ten.
    """
    test = bundled_mnist().test
    order = balanced_order(test.labels)[:per_condition]  # [N] indices into the split
    out: dict[str, tuple[list[np.ndarray], np.ndarray]] = {}
    for index, condition in enumerate(CONDITIONS):
        rng = np.random.default_rng([seed, index])
        pictures = [wild_picture(test.images[i], condition, rng) for i in order]
        out[condition] = (pictures, test.labels[order].astype(np.int64))
    return out


def balanced_order(labels: np.ndarray) -> np.ndarray:
    """Int64 [N]: indices of `labels` [N], the first of each class, then the second, ..."""
    rank = np.zeros(len(labels), np.int64)  # [N] how many of its class come before it
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        rank[idx] = np.arange(len(idx))
    return np.lexsort((labels, rank)).astype(np.int64)  # by rank, then by label


# --- the ink: an MNIST digit as a pen stroke at picture size ---------------------------

def _ink(digit28: np.ndarray, side: int, rng: np.random.Generator,
         angle: float = 0.0) -> np.ndarray:
    """Float32 [side, side * S / 28] ink coverage in [0, 1] of a digit [28, 28] or strip
    [28, S]: upscaled smoothly, its edge sharpened like a pen's, its stroke a little
    thicker or thinner, maybe rotated (a strip grows to hold its turned ends)."""
    size = (_width(digit28, side), side)
    grey = Image.fromarray(digit28).resize(size, Image.Resampling.BICUBIC)
    if angle:
        strip = size[0] != size[1]
        grey = grey.rotate(angle, Image.Resampling.BILINEAR, expand=strip, fillcolor=0)
    if side >= 56:  # thickness: dilate or erode by one pixel, or leave it
        choice = rng.integers(3)
        if choice == 1:
            grey = grey.filter(ImageFilter.MaxFilter(3))
        elif choice == 2:
            grey = grey.filter(ImageFilter.MinFilter(3))
    g = np.asarray(grey, np.float32) / 255.0  # [side, side * S / 28], or turned
    threshold = rng.uniform(0.25, 0.5)  # lower: thicker stroke
    return np.clip((g - threshold) / 0.3 + 0.5, 0.0, 1.0)


def _width(digit28: np.ndarray, side: int) -> int:
    """Pixels wide of a digit [28, S] drawn `side` pixels tall: side for a square one."""
    return side if digit28.shape[1] == 28 else round(side * digit28.shape[1] / 28)


def _max_width(ink: np.ndarray) -> int:
    """The widest picture for ink [s, t]: MAX_SIDE, stretched by t / s for a strip."""
    return max(MAX_SIDE, round(MAX_SIDE * ink.shape[1] / ink.shape[0]))


def _place(ink: np.ndarray, rng: np.random.Generator,
           min_side: int = MIN_SIDE) -> np.ndarray:
    """Float32 [H, W]: `ink` [s, t] placed at a random spot with margins around it."""
    s, t = ink.shape
    h = int(np.clip(round(s * rng.uniform(1.05, 1.5)), min_side, MAX_SIDE))
    w = int(np.clip(round(t * rng.uniform(1.05, 1.8)), min_side, _max_width(ink)))
    h, w = max(h, s), max(w, t)
    top, left = rng.integers(0, h - s + 1), rng.integers(0, w - t + 1)
    field = np.zeros((h, w), np.float32)
    field[top:top + s, left:left + t] = ink
    return field


def _compose(paper: np.ndarray, ink: np.ndarray, colour: np.ndarray,
             strength: float) -> np.ndarray:
    """paper [H, W, 3], ink [H, W] coverage, colour [3] -> [H, W, 3]: ink laid on paper."""
    a = (strength * ink)[..., None]  # [H, W, 1]
    return paper * (1.0 - a) + colour * a


def _paper(h: int, w: int, tint: np.ndarray) -> np.ndarray:
    return np.broadcast_to(tint, (h, w, 3)).astype(np.float32)  # [H, W, 3]


def _cream(rng: np.random.Generator) -> np.ndarray:
    """A paper colour between white and a warm cream."""
    return (1.0 - rng.uniform(0.0, 1.0) * np.array([0.02, 0.05, 0.14])).astype(np.float32)


def _noise(picture: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    grain = rng.normal(0.0, sigma, picture.shape[:2]).astype(np.float32)[..., None]
    return picture + grain  # [H, W, 3], the same grain on every channel


def _pil(picture: np.ndarray) -> Image.Image:
    return Image.fromarray(np.rint(np.clip(picture, 0.0, 1.0) * 255.0).astype(np.uint8))


def _floats(image: Image.Image) -> np.ndarray:
    return np.asarray(image, np.float32) / 255.0  # [H, W, 3]


# --- the conditions ----------------------------------------------------------------------

def _clean(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = _place(_ink(digit28, int(rng.integers(56, 141)), rng), rng)
    return _compose(_paper(*ink.shape, _WHITE), ink, np.full(3, 0.05, np.float32), 1.0)


def _photo(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    angle = rng.uniform(-8.0, 8.0)
    ink = _place(_ink(digit28, int(rng.integers(60, 141)), rng, angle), rng)
    h, w = ink.shape
    grey_paper = _cream(rng) * rng.uniform(0.8, 0.95)
    picture = _compose(_paper(h, w, grey_paper), ink, np.full(3, rng.uniform(0.05, 0.25)), 1.0)
    picture = picture * _lighting(h, w, rng)[..., None]
    picture = _noise(picture, rng.uniform(0.01, 0.03), rng)
    blurred = _pil(picture).filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.0)))
    return _floats(_jpeg(blurred, int(rng.integers(50, 86))))


def _lighting(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Float32 [H, W] light falling on the paper: a gradient, a vignette, maybe a shadow."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = x / (w - 1) - 0.5, y / (h - 1) - 0.5  # [H, W] each, -0.5..0.5
    theta = rng.uniform(0.0, 2.0 * np.pi)
    along = np.cos(theta) * u + np.sin(theta) * v  # [H, W], about -0.7..0.7
    light = 1.0 + rng.uniform(0.25, 0.45) * along
    light -= rng.uniform(0.1, 0.3) * (u * u + v * v)  # vignette
    if rng.random() < 0.5:  # a soft shadow band across the page
        phi = rng.uniform(0.0, 2.0 * np.pi)
        across = np.cos(phi) * u + np.sin(phi) * v - rng.uniform(-0.3, 0.3)
        light -= rng.uniform(0.1, 0.2) / (1.0 + np.exp(-across / 0.05))
    return np.clip(light, 0.3, 1.2) / max(float(light.max()), 1.0)


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _ruled(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = _place(_ink(digit28, int(rng.integers(60, 141)), rng), rng)
    h, w = ink.shape
    paper = _paper(h, w, _cream(rng) * 0.5 + 0.5).copy()
    spacing = int(rng.integers(12, 25))
    thickness = int(rng.integers(1, 3))
    for row in range(int(rng.integers(0, spacing)), h, spacing):  # blue rules, full width
        paper[row:row + thickness] = _RULE_BLUE
    if rng.random() < 0.4:  # the red margin line
        col = int(rng.integers(4, max(5, w // 3)))
        paper[:, col:col + 2] = _MARGIN_RED
    pen = np.array([0.08, 0.08, rng.uniform(0.08, 0.3)], np.float32)  # black or dark blue
    return _noise(_compose(paper, ink, pen, 1.0), 0.01, rng)


def _coloured_ink(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = _place(_ink(digit28, int(rng.integers(56, 141)), rng), rng)
    colour = list(_INKS.values())[int(rng.integers(len(_INKS)))]
    picture = _compose(_paper(*ink.shape, _cream(rng)), ink, colour, rng.uniform(0.65, 0.9))
    return _noise(picture, 0.01, rng)


def _low_resolution(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    tall = int(rng.integers(8, 17))  # the digit's ink, pixels tall in the scan
    side = round(tall * 28 / 20)  # the 28x28 field around that ink
    big = _ink(digit28, 112, rng)  # [112, 112 * S / 28], thickness varied at a pen's scale
    size = (_width(digit28, side), side)
    small = np.asarray(Image.fromarray(big).resize(size, Image.Resampling.BOX))
    ink = _place(small.astype(np.float32), rng, min_side=side)  # [h, w], a tiny scan
    scan = _noise(_compose(_paper(*ink.shape, _cream(rng)), ink, np.full(3, 0.1), 1.0),
                  0.015, rng)
    factor = max(3.0, rng.uniform(64, 128) / ink.shape[0])  # screen pixels per scan pixel
    size = (int(np.clip(round(ink.shape[1] * factor), MIN_SIDE, _max_width(small))),
            int(np.clip(round(ink.shape[0] * factor), MIN_SIDE, MAX_SIDE)))
    resample = Image.Resampling.NEAREST if rng.random() < 0.5 else Image.Resampling.BILINEAR
    return _floats(_pil(scan).resize(size, resample))


def _blur(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ink = _place(_ink(digit28, int(rng.integers(64, 97)), rng), rng, min_side=90)
    picture = _compose(_paper(*ink.shape, _cream(rng)), ink, np.full(3, 0.08), 1.0)
    blurred = _floats(_pil(picture).filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.0))))
    return _noise(blurred, rng.uniform(0.01, 0.025), rng)


_MAKERS = {
    "clean": _clean,
    "photo": _photo,
    "ruled": _ruled,
    "coloured_ink": _coloured_ink,
    "low_resolution": _low_resolution,
    "blur": _blur,
}
