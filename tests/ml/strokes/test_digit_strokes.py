"""Deriving strokes from known shapes drawn with Pillow: a bar, a ring, an 8, a T, an L."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from studio.ml.strokes.digit_strokes import derive_strokes, simplify, smooth
from studio.ml.strokes.stroke_raster import rasterize_strokes

K = 4  # draw 4x larger and average down, so edges are anti-aliased like MNIST's


def drawn(*shapes: tuple[str, list[float]]) -> np.ndarray:
    """uint8 [28, 28] white-on-black digit of lines and ellipses given in field pixels."""
    canvas = Image.new("L", (28 * K, 28 * K), 0)
    draw = ImageDraw.Draw(canvas)
    for kind, xy in shapes:
        big = [v * K for v in xy]
        if kind == "line":
            draw.line(big, fill=255, width=int(2.5 * K), joint="curve")
        else:
            draw.ellipse(big, outline=255, width=int(2.5 * K))
    return np.asarray(canvas.resize((28, 28), Image.Resampling.BOX))


def closes(stroke: np.ndarray) -> bool:
    return float(np.hypot(*(stroke[0] - stroke[-1]))) < 1.0


def test_a_vertical_bar_is_one_stroke_drawn_downward():
    strokes = derive_strokes(drawn(("line", [14, 5, 14, 23])))
    assert len(strokes) == 1
    (bar,) = strokes
    assert bar[0][1] < 8 and bar[-1][1] > 20, "from the top down"
    assert np.all(np.abs(bar[:, 0] - 14) < 1.0)
    assert len(bar) == 2, "RDP keeps only the ends of a straight line"


def test_a_ring_is_one_closed_stroke_started_at_its_top():
    strokes = derive_strokes(drawn(("ellipse", [8, 4, 20, 24])))
    assert len(strokes) == 1
    (ring,) = strokes
    assert closes(ring)
    assert ring[0][1] < 6, "a 0 starts at its top"
    assert ring[1][0] < ring[0][0], "and goes counter-clockwise (to the left first)"
    assert len(ring) >= 8, "round, not a triangle"


def test_an_eight_is_one_stroke_that_closes():
    strokes = derive_strokes(drawn(("ellipse", [9, 3, 19, 14]), ("ellipse", [8, 13, 20, 25])))
    assert len(strokes) == 1
    assert closes(strokes[0])


def test_a_t_is_two_strokes_the_top_bar_first():
    strokes = derive_strokes(drawn(("line", [6, 6, 22, 6]), ("line", [14, 6, 14, 23])))
    assert len(strokes) == 2
    first, second = strokes
    assert first[0][0] < 8 and first[0][1] < 8, "starts at the top left"
    assert second[-1][1] > 20 or second[0][1] > 20, "the stem reaches the bottom"


def test_an_l_is_one_stroke_from_the_top():
    strokes = derive_strokes(drawn(("line", [8, 5, 8, 22, 20, 22])))
    assert len(strokes) == 1
    assert strokes[0][0][1] < 8 and strokes[0][-1][0] > 17


def test_two_separate_bars_are_drawn_left_one_first():
    strokes = derive_strokes(drawn(("line", [20, 5, 20, 23]), ("line", [8, 5, 8, 23])))
    assert len(strokes) == 2
    assert strokes[0][0][0] < strokes[1][0][0]


def test_a_blank_image_has_no_strokes():
    assert derive_strokes(np.zeros((28, 28), np.uint8)) == []


def test_rdp_keeps_corners_and_drops_points_on_a_line():
    line = np.stack([np.linspace(0, 10, 21), np.zeros(21)], axis=1)
    assert simplify(line, 0.5).tolist() == [[0, 0], [10, 0]]
    corner = np.concatenate([line, np.stack([np.full(10, 10.0), np.arange(1, 11.0)], axis=1)])
    assert simplify(corner, 0.5).tolist() == [[0, 0], [10, 0], [10, 10]]
    loop = np.array([[0, 0], [5, 0], [5, 5], [0, 5], [0, 0]], float)
    assert simplify(loop, 0.5).tolist() == loop.tolist(), "a closed square keeps its corners"


def test_smoothing_keeps_ends_and_closed_loops_closed():
    zigzag = np.array([[0, 0], [1, 1], [2, 0], [3, 1], [4, 0]], float)
    out = smooth(zigzag, 2)
    assert out[0].tolist() == [0, 0] and out[-1].tolist() == [4, 0]
    assert np.ptp(out[1:-1, 1]) < np.ptp(zigzag[1:-1, 1])
    square = np.array([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], float)
    out = smooth(square, 1)
    assert out[0].tolist() == out[-1].tolist()


@pytest.mark.parametrize("width", [2.0, 2.6])
def test_rasterizing_puts_ink_under_the_stroke(width):
    image = rasterize_strokes([np.array([[14, 4], [14, 24]], np.float32)], width=width)
    assert image.shape == (28, 28) and image.dtype == np.float32
    assert image[14, 13:15].min() > 0.9 and image[14, 20] == 0 and image[1, 14] == 0
    assert 0.9 * width * 20 < image.sum() < 1.1 * (width * 20 + np.pi * width ** 2 / 4)
    assert rasterize_strokes([np.array([[7, 7]], np.float32)], size=56)[14, 14] > 0.9
