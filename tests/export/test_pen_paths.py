"""The pen's strokes as files: SVG single-line paths a plotter draws, and pictures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from studio.export.pen_paths import (
    FIELD,
    PEN_WIDTH,
    file_layout,
    number_boxes,
    open_path,
    pen_svg,
    render_drawing,
    smooth_points,
)
from studio.export.provenance import ExportError

SVG = "{http://www.w3.org/2000/svg}"


def two_digits() -> list[list[np.ndarray]]:
    """A '1' (one vertical stroke) and a '7' (a bar, then a diagonal), in field pixels."""
    one = [np.array([[14, 4], [14, 14], [14, 24]], np.float32)]
    seven = [np.array([[6, 5], [22, 5]], np.float32),
             np.array([[22, 5], [16, 14], [11, 24]], np.float32)]
    return [one, seven]


def test_svg_has_one_open_round_path_per_stroke_starting_at_its_first_point() -> None:
    drawing = two_digits()
    text = pen_svg(drawing, 400, title="17 by a test", description="what drew it")
    root = ET.fromstring(text)
    assert root.findtext(f"{SVG}title") == "17 by a test"
    assert root.findtext(f"{SVG}desc") == "what drew it"
    width, height, boxes = file_layout(2, 400)
    assert (root.get("width"), root.get("height")) == (str(width), str(height))
    group = root.find(f"{SVG}g")
    assert group.get("stroke-linecap") == "round" and group.get("stroke-linejoin") == "round"
    assert group.get("fill") == "none"
    assert float(group.get("stroke-width")) == pytest.approx(PEN_WIDTH * boxes[0][2] / FIELD,
                                                              abs=0.01)
    paths = root.iter(f"{SVG}path")
    firsts = [(s[0], box) for field, box in zip(drawing, boxes, strict=True) for s in field]
    paths = list(paths)
    assert len(paths) == 3  # one per stroke: lines, not outlines
    for path, (first, (left, top, side)) in zip(paths, firsts, strict=True):
        assert path.get("fill") == "none"
        d = path.get("d")
        assert d.startswith("M") and "Z" not in d  # open
        x, y = (float(v) for v in d[1:].split("C")[0].split())
        k = side / FIELD
        assert x == pytest.approx(first[0] * k + left, abs=0.006)
        assert y == pytest.approx(first[1] * k + top, abs=0.006)
    assert sum(p.get("d").count("C") for p in paths) == 2 + 1 + 2  # a Bézier per segment


def test_coordinates_are_rounded_to_a_hundredth() -> None:
    d = open_path(np.array([[1.23456, 2.0], [3.0, 4.98765]]))
    numbers = d.replace("M", " ").replace("C", " ").split()
    assert all(len(n.split(".")[1]) == 2 for n in numbers), d


def test_the_curve_passes_through_every_point_and_a_dot_is_a_path() -> None:
    points = np.array([[0, 0], [10, 5], [20, 0], [25, 10]], np.float64)
    curve = smooth_points(points, 0.5)
    for p in points:
        assert np.min(np.hypot(*(curve - p).T)) < 1e-9
    assert np.all(np.hypot(*np.diff(curve, axis=0).T) < 0.6)
    assert open_path(np.array([[3.0, 4.0]])) == "M3.00 4.00L3.00 4.00"


def test_the_files_layout_is_the_windows() -> None:
    """Digits sit as the pen writes a number in the window (qt/pen/pen_motion)."""
    pytest.importorskip("PySide6")
    from studio.qt.pen import pen_motion

    assert PEN_WIDTH == pen_motion.PEN_WIDTH and FIELD == pen_motion.FIELD
    for count in (1, 4, 64):
        window = [(f.left, f.top, f.side) for f in pen_motion.number_fields(count, 512.0)]
        np.testing.assert_allclose(number_boxes(count, 512.0), window)
        width, height, boxes = file_layout(count, 512)
        assert width == 512 and boxes[-1][0] + boxes[-1][2] == pytest.approx(512)
        assert height == round(boxes[0][2])


def test_picture_has_ink_on_the_strokes_and_paper_elsewhere() -> None:
    picture = render_drawing(two_digits(), 320)
    width, height, boxes = file_layout(2, 320)
    assert picture.size == (width, height) and picture.mode == "RGB"
    gray = np.asarray(picture.convert("L"), np.float32)
    k = boxes[0][2] / FIELD
    assert gray[round(14 * k), round(14 * k)] < 60  # on the 1's stroke: dark ink
    left, _, _ = boxes[1]
    assert gray[round(5 * k), round(left + 14 * k)] < 60  # on the 7's bar
    assert gray[2, 2] > 240 and gray[round(20 * k), round(left + 22 * k)] > 240  # paper
    across = gray[round(14 * k), :round(28 * k)]  # a row across the 1's stroke
    ink = across < 128
    assert abs(ink.sum() - PEN_WIDTH * k) <= 1.5  # the pen's width
    assert ((gray > 30) & (gray < 230)).sum() > 100  # anti-aliased edges, not hard steps


@pytest.mark.parametrize("strokes, needle", [
    ([[np.array([[np.nan, 1.0]])]], "NaN"),
    ([[np.array([[1e6, 1.0]])]], "beyond"),
    ([[np.zeros((100_001, 2))]], "100,001 points"),
    ([[np.zeros((3, 3))]], "shape"),
    ([], "0 digits"),
])
def test_bad_strokes_are_refused_by_name(strokes, needle) -> None:
    for make in (pen_svg, render_drawing):
        with pytest.raises(ExportError, match=needle):
            make(strokes, 256)
