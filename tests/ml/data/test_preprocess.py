"""to_mnist: whatever the user draws or opens should reach the CNN in the MNIST convention.

fit_to_mnist also returns the map from input coordinates to the 28x28; the blob tests
check it by where separate blobs of ink land, so an error of half a pixel in the
crop, the window, the centring shift or the internal reduction of large images shows.

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

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.data.preprocess import Fitted, fit_to_mnist, ink_coverage, to_mnist, to_uint8

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


# --- the map from input coordinates to the 28x28 -------------------------------------------


def blob_image(height: int, width: int, blobs: list[tuple[float, float, float]]) -> np.ndarray:
    """uint8 white discs (x, y, radius) on black, in continuous pixel coordinates."""
    a = np.zeros((height, width), np.uint8)
    for x, y, r in blobs:
        y0, y1, x0, x1 = int(y - r) - 1, int(y + r) + 2, int(x - r) - 1, int(x + r) + 2
        ys, xs = np.mgrid[y0:y1, x0:x1]
        a[y0:y1, x0:x1][(xs + 0.5 - x) ** 2 + (ys + 0.5 - y) ** 2 <= r * r] = 255
    return a


def blob_centres_land_where_the_map_says(image: np.ndarray | Image.Image,
                                         blobs: list[tuple[float, float, float]]) -> None:
    fitted = fit_to_mnist(image)
    assert fitted is not None
    assert np.array_equal(fitted.image, to_mnist(image))
    for x, y, r in blobs:
        # The drawn disc's own centre of mass (pixel centres at +0.5), in input pixels.
        ys, xs = np.mgrid[int(y - r) - 1:int(y + r) + 2, int(x - r) - 1:int(x + r) + 2]
        disc = ((xs + 0.5 - x) ** 2 + (ys + 0.5 - y) ** 2 <= r * r).astype(np.float64)
        cx, cy = (disc * (xs + 0.5)).sum() / disc.sum(), (disc * (ys + 0.5)).sum() / disc.sum()
        u, v = fitted.to_field(cx, cy)
        assert 0 < u < 28 and 0 < v < 28
        # The blob's ink in the 28x28, within a window around the predicted place.
        near = (XS + 0.5 - u) ** 2 + (YS + 0.5 - v) ** 2 <= (r * fitted.scale + 1.5) ** 2
        ink = fitted.image * near
        assert ink.sum() > 0.5
        got_u, got_v = (ink * (XS + 0.5)).sum() / ink.sum(), (ink * (YS + 0.5)).sum() / ink.sum()
        assert abs(got_u - u) < 0.5 and abs(got_v - v) < 0.5, ((x, y), (u, v), (got_u, got_v))


@pytest.mark.parametrize("blobs", [
    [(60.5, 80.5, 9), (220, 200, 9), (90, 230, 9)],  # a spread-out triangle
    [(100, 100, 20), (250, 30, 6)],  # lopsided: the window shifts so the small blob stays in
])
def test_fitted_map_sends_input_points_to_the_28x28(blobs: list) -> None:
    blob_centres_land_where_the_map_says(blob_image(280, 280, blobs), blobs)


def test_fitted_map_of_a_large_image_uses_its_own_pixels() -> None:
    """A 3000x3000 PIL image is reduced internally; the map must still take its pixels."""
    blobs = [(600, 900, 110), (2500, 2100, 110), (900, 2400, 110)]
    big = Image.fromarray(blob_image(3000, 3000, blobs))
    fitted = fit_to_mnist(big)
    assert fitted is not None and fitted.scale < 0.011  # about 20 / 2000
    blob_centres_land_where_the_map_says(big, blobs)
    wide = [(x, y * 0.6, r) for x, y, r in blobs]  # and a non-square one, 3000x1800
    blob_centres_land_where_the_map_says(Image.fromarray(blob_image(1800, 3000, wide)), wide)


def test_fitted_map_of_a_small_image_and_its_inverse() -> None:
    blobs = [(3, 3, 1.5), (9, 11, 1.5)]  # 12x14 input: scaled up, by 2
    fitted = fit_to_mnist(blob_image(14, 12, blobs))
    assert fitted.scale == pytest.approx(2.0)
    blob_centres_land_where_the_map_says(blob_image(14, 12, blobs), blobs)
    u, v = fitted.to_field(5.25, 7.5)
    assert fitted.from_field(u, v) == pytest.approx((5.25, 7.5))


def test_fit_to_mnist_is_to_mnist_plus_the_map(digits: list[np.ndarray]) -> None:
    assert fit_to_mnist(np.zeros((64, 64), np.uint8)) is None
    for digit in digits[::5]:
        photo = Image.fromarray(255 - mnist_canvas(digit, dy=20, dx=-30)).convert("RGB")
        fitted = fit_to_mnist(photo)
        assert isinstance(fitted, Fitted)
        assert all(type(v) is float for v in (fitted.scale, fitted.offset_x, fitted.offset_y))
        assert np.array_equal(fitted.image, to_mnist(photo))


def test_ink_coverage_is_the_ink_to_mnist_reads(digits: list[np.ndarray]) -> None:
    assert ink_coverage(np.full((50, 60), 255, np.uint8)) is None
    speck = np.zeros((280, 280), np.uint8)
    speck[140, 140] = 255
    assert ink_coverage(speck) is None
    for digit in digits[::5]:
        canvas = mnist_canvas(digit, dx=40)
        paper = Image.fromarray(255 - canvas).convert("RGB")  # dark ink on white
        ink = ink_coverage(paper)
        assert ink.shape == canvas.shape and ink.dtype == np.float32
        assert ink.min() == 0.0 and ink.max() == pytest.approx(1.0)
        assert corr(ink, canvas.astype(np.float32)) > 0.99  # inverted back, paper dropped
        assert corr(to_mnist(ink), to_mnist(paper)) > 0.99
