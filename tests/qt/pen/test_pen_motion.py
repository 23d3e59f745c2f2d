"""Where the pen's strokes land on the canvas and when each point is drawn."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("PySide6")

from studio.qt.pen.pen_motion import (
    FIELD,
    LIFT_SECONDS,
    Field,
    canvas_field,
    number_fields,
    prefix_strokes,
    smooth_curve,
    timed_strokes,
)


def test_a_field_maps_strokes_there_and_back() -> None:
    field = Field(100.0, 50.0, 140.0)
    strokes = [np.array([[0, 0], [14, 14], [28, 28]], np.float32)]
    placed = field.to_document(strokes)
    np.testing.assert_allclose(placed[0][[0, -1]], [[100, 50], [240, 190]])
    np.testing.assert_allclose(field.to_field(placed)[0], strokes[0], atol=1e-4)
    assert field.pen_width == pytest.approx(140.0 / FIELD * 2.4)


def test_number_fields_fill_the_canvas_left_to_right() -> None:
    for count in (1, 2, 4, 12):
        fields = number_fields(count, 512.0)
        assert len(fields) == count
        assert fields[0].left == pytest.approx(0.0)
        assert fields[-1].left + fields[-1].side == pytest.approx(512.0)
        assert all(a.left < b.left for a, b in zip(fields, fields[1:], strict=False))
        assert all(f.top >= 0 and f.top + f.side <= 512.0 + 1e-6 for f in fields)
    assert number_fields(1, 512.0)[0] == canvas_field(512.0)


def test_the_smoothed_curve_passes_through_the_points() -> None:
    points = np.array([[2, 2], [10, 4], [14, 20], [6, 26]], np.float32)
    curve = smooth_curve(points, 0.25)
    for p in points:
        assert np.min(np.linalg.norm(curve - p, axis=1)) < 1e-4
    assert np.max(np.linalg.norm(np.diff(curve, axis=0), axis=1)) < 0.6  # dense


def test_points_are_timed_along_each_stroke_with_a_lift_between() -> None:
    strokes = [np.array([[4, 4], [24, 4]], np.float32), np.array([[4, 20], [24, 20]], np.float32)]
    timed = timed_strokes(strokes, canvas_field(512.0))
    first, second = timed
    assert np.all(np.diff(first.times) > 0) and np.all(np.diff(second.times) > 0)
    assert second.times[0] == pytest.approx(first.times[-1] + LIFT_SECONDS)
    assert 0.2 < first.times[-1] < 0.6  # 20 field pixels at a hand's pace
    np.testing.assert_allclose(first.points[0], [4 * 512 / 28, 4 * 512 / 28], rtol=1e-5)


def test_the_artists_dense_strokes_become_few_points_in_the_field() -> None:
    x = np.linspace(50, 450, 400, dtype=np.float32)
    dense = np.stack([x, 100 + 0.001 * x], axis=1)  # a mouse's straight line: 400 samples
    prefix = prefix_strokes([dense], canvas_field(512.0))
    assert len(prefix) == 1 and len(prefix[0]) == 2
    np.testing.assert_allclose(prefix[0][0], [50 * 28 / 512, 100 * 28 / 512], atol=0.05)
    assert np.all(prefix[0] * 64 == np.round(prefix[0] * 64))  # on the stroke data's grid
