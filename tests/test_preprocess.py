"""to_mnist: whatever the user draws or opens should reach the CNN in the MNIST convention.

The thresholds were checked against deliberately broken versions of `to_mnist`: a
fixed scale, bounding-box instead of centre-of-mass centring, no centring at all, or a
plain resize of the whole canvas each fail several of these tests (the scale test, the
centre-of-mass test, the MNIST round trip, the shift test), while the real function
passes them with a margin.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from studio.ml.datasets import bundled_mnist
from studio.ml.preprocess import to_mnist, to_uint8

YS, XS = np.mgrid[:28, :28]

# Digit-like polylines in a unit square, drawn as a user would with a round pen.
STROKES = {
    "seven": [[(0.15, 0.05), (0.85, 0.05), (0.35, 0.95)]],
    "four": [[(0.6, 0.95), (0.6, 0.05), (0.1, 0.65), (0.9, 0.65)]],
    "two": [[(0.2, 0.25), (0.5, 0.05), (0.8, 0.25), (0.15, 0.95), (0.85, 0.95)]],
    "one": [[(0.5, 0.05), (0.5, 0.95)]],
}


@pytest.fixture(scope="module")
def digits() -> list[np.ndarray]:
    """Two real test digits per class, uint8 28x28."""
    test = bundled_mnist().test
    return [test.images[test.labels == d][i] for d in range(10) for i in (0, 1)]


def mnist_canvas(digit: np.ndarray, side: int = 140, dy: int = 0, dx: int = 0,
                 size: int = 400) -> np.ndarray:
    """An MNIST digit blown up as if drawn on a size x size canvas, uint8 white on black."""
    big = Image.fromarray(digit).resize((side, side), Image.Resampling.BILINEAR)
    canvas = Image.new("L", (size, size), 0)
    canvas.paste(big, ((size - side) // 2 + dx, (size - side) // 2 + dy))
    return np.asarray(canvas)


def stroke_canvas(name: str, scale: float = 1.0, width: float = 14, dy: int = 0, dx: int = 0,
                  size: int = 400) -> np.ndarray:
    """A synthetic digit 200 px tall at scale 1, pen width scaled with it."""
    canvas = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(canvas)
    extent = 200 * scale
    for line in STROKES[name]:
        points = [(size / 2 + dx + (x - 0.5) * extent * 0.7, size / 2 + dy + (y - 0.5) * extent)
                  for x, y in line]
        draw.line(points, fill=255, width=max(1, round(width * scale)), joint="curve")
    return np.asarray(canvas)


def mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def centre_of_mass(x: np.ndarray) -> tuple[float, float]:
    total = x.sum()
    return float((x * YS).sum() / total), float((x * XS).sum() / total)


def ink_box(x: np.ndarray, threshold: float = 0.0) -> tuple[int, int]:
    rows = np.flatnonzero((x > threshold).any(axis=1))
    cols = np.flatnonzero((x > threshold).any(axis=0))
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def all_samples(digits: list[np.ndarray]) -> list[np.ndarray]:
    samples = [mnist_canvas(d, side=s) for d in digits[::3] for s in (70, 140, 300)]
    samples += [stroke_canvas(n, scale=s) for n in STROKES for s in (0.5, 1.0, 1.5)]
    return samples


# --- form ----------------------------------------------------------------------------


def test_output_form_for_every_input_kind(digits: list[np.ndarray]) -> None:
    gray = mnist_canvas(digits[0])
    rgb = np.repeat(gray[..., None], 3, axis=2)
    rgba = np.dstack([rgb, np.full_like(gray, 255)])
    inputs = [
        gray, gray.astype(np.float32) / 255, gray.astype(np.float64) / 255, gray > 127,
        rgb, rgba, gray[..., None], Image.fromarray(gray), Image.fromarray(rgb),
        Image.fromarray(rgba), Image.fromarray(gray).convert("1"),
        Image.fromarray(gray).convert("P"), Image.fromarray(gray.astype(np.uint16) * 257),
        Image.fromarray(gray.astype(np.float32) / 255),
    ]
    reference = to_mnist(gray)
    for image in inputs:
        out = to_mnist(image)
        assert out is not None and out.shape == (28, 28) and out.dtype == np.float32
        assert out.min() >= 0.0 and out.max() == pytest.approx(1.0)
        assert corr(out, reference) > 0.95


def test_rejects_arrays_that_are_not_images() -> None:
    with pytest.raises(ValueError, match="shape"):
        to_mnist(np.zeros((4, 4, 4, 4)))


def test_to_uint8_rounds_and_clips() -> None:
    out = to_uint8(np.array([-0.5, 0.0, 0.5, 0.999, 1.0, 2.0]))
    assert out.dtype == np.uint8 and out.tolist() == [0, 0, 128, 255, 255, 255]


# --- nothing to read -------------------------------------------------------------------


@pytest.mark.parametrize("fill", [0, 255, 128])
def test_blank_canvas_is_none(fill: int) -> None:
    assert to_mnist(np.full((280, 280), fill, np.uint8)) is None
    assert to_mnist(Image.new("RGB", (300, 200), (fill, fill, fill))) is None
    assert to_mnist(Image.new("RGBA", (64, 64), (0, 0, 0, 0))) is None


def test_stray_pixels_are_none() -> None:
    faint = np.zeros((280, 280), np.float32)
    faint[100, 37] = 0.05
    assert to_mnist(faint) is None
    paper = np.full((280, 280), 255, np.uint8)
    paper[5, 200] = 240  # a faint mark on white paper
    assert to_mnist(paper) is None
    speck = np.zeros((280, 280), np.uint8)
    speck[140, 140] = 255  # one bright pixel: a speck, not a digit
    assert to_mnist(speck) is None
    noise = np.random.default_rng(0).uniform(0, 0.06, (280, 280)).astype(np.float32)
    assert to_mnist(noise) is None


# --- polarity and colour ---------------------------------------------------------------


def test_dark_ink_on_paper_matches_white_on_black(digits: list[np.ndarray]) -> None:
    for digit in digits[::4]:
        white_on_black = mnist_canvas(digit)
        expected = to_mnist(white_on_black)
        assert np.allclose(to_mnist(255 - white_on_black), expected, atol=1e-4)
        # Blue ballpoint on off-white paper, as a PIL RGB image.
        ink = white_on_black[..., None].astype(np.float32) / 255
        paper, pen = np.array([240, 235, 220]), np.array([20, 40, 120])
        photo = (paper * (1 - ink) + pen * ink).round().astype(np.uint8)
        assert corr(to_mnist(Image.fromarray(photo)), expected) > 0.98


def test_transparent_layer_uses_alpha_as_ink(digits: list[np.ndarray]) -> None:
    coverage = mnist_canvas(digits[5])
    expected = to_mnist(coverage)
    for colour in (0, 255):  # black or white pen on a transparent layer
        rgba = np.zeros((*coverage.shape, 4), np.uint8)
        rgba[..., :3] = colour
        rgba[..., 3] = coverage
        assert np.allclose(to_mnist(rgba), expected, atol=1e-4)
        assert np.allclose(to_mnist(Image.fromarray(rgba)), expected, atol=1e-4)


# --- invariance --------------------------------------------------------------------------


def test_shifted_drawing_gives_the_same_digit(digits: list[np.ndarray]) -> None:
    for dy, dx in [(60, -80), (-90, 30), (7, 3)]:
        for digit in digits[::2]:
            assert mad(to_mnist(mnist_canvas(digit, dy=dy, dx=dx)),
                       to_mnist(mnist_canvas(digit))) < 1e-3
        for name in STROKES:
            assert mad(to_mnist(stroke_canvas(name, dy=dy, dx=dx)),
                       to_mnist(stroke_canvas(name))) < 1e-3


@pytest.mark.parametrize("scale", [0.5, 1.5])
def test_smaller_or_larger_drawing_gives_the_same_digit(digits: list[np.ndarray],
                                                        scale: float) -> None:
    for digit in digits:
        reference = to_mnist(mnist_canvas(digit, side=140))
        out = to_mnist(mnist_canvas(digit, side=round(140 * scale)))
        assert mad(out, reference) < 0.025 and corr(out, reference) > 0.96
    for name in STROKES:
        reference = to_mnist(stroke_canvas(name))
        out = to_mnist(stroke_canvas(name, scale=scale))
        assert mad(out, reference) < 0.025 and corr(out, reference) > 0.96


def test_thicker_pen_gives_nearly_the_same_digit(digits: list[np.ndarray]) -> None:
    for digit in digits[::2]:
        canvas = mnist_canvas(digit)
        thick = np.asarray(Image.fromarray(canvas).filter(ImageFilter.MaxFilter(7)))
        assert corr(to_mnist(thick), to_mnist(canvas)) > 0.85
    for name in STROKES:
        assert corr(to_mnist(stroke_canvas(name, width=16)),
                    to_mnist(stroke_canvas(name, width=10))) > 0.85


# --- the MNIST convention ------------------------------------------------------------------


def test_centre_of_mass_at_14_14(digits: list[np.ndarray]) -> None:
    for sample in all_samples(digits):
        cy, cx = centre_of_mass(to_mnist(sample))
        assert abs(cy - 14) < 0.5 and abs(cx - 14) < 0.5


def test_ink_fills_a_20x20_box(digits: list[np.ndarray]) -> None:
    for sample in all_samples(digits):
        out = to_mnist(sample)
        # Anti-aliasing may spill into one more pixel; the longer side must reach 20.
        assert max(ink_box(out)) <= 21
        assert max(ink_box(out, threshold=0.1)) >= 19


def test_mnist_digits_stay_themselves() -> None:
    test = bundled_mnist().test
    images = test.images[::5].astype(np.float32) / 255
    for x in images:
        out = to_mnist(x)
        # MNIST's own rounding of the centre may differ from ours by one pixel.
        best = min(mad(np.roll(out, (dy, dx), axis=(0, 1)), x)
                   for dy in (-1, 0, 1) for dx in (-1, 0, 1))
        assert best < 0.01
    outputs = np.stack([to_mnist(x) for x in images])
    assert float(np.abs(outputs - images).mean()) < 0.005
