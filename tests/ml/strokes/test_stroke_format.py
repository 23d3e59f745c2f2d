"""The stroke format: stroke-3 and stroke-5 round trips, and what check_strokes refuses."""

from __future__ import annotations

import time

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from studio.ml.errors import DatasetError  # noqa: E402
from studio.ml.strokes.stroke_format import (  # noqa: E402
    MAX_POINTS,
    check_stroke3,
    check_strokes,
    from_stroke3,
    from_stroke5,
    stroke5_to_stroke3,
    to_stroke3,
    to_stroke5,
)

COORD = st.floats(-100.0, 100.0, allow_nan=False, width=32)
STROKE = st.integers(1, 12).flatmap(
    lambda n: hnp.arrays(np.float32, (n, 2), elements=COORD))
DRAWING = st.lists(STROKE, min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(DRAWING, st.integers(0, 3))
def test_stroke5_round_trip_gives_the_strokes_back(strokes, padding):
    total = sum(len(s) for s in strokes)
    rows = to_stroke5(strokes, max_len=total + 1 + padding)
    assert rows.shape == (total + 1 + padding, 5)
    assert np.all(rows[:, 2:].sum(axis=1) == 1), "one pen state per row"
    back = from_stroke5(rows)
    assert len(back) == len(strokes)
    for a, b in zip(back, strokes, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-3)  # float32 sums of offsets


def test_stroke3_marks_the_last_point_of_each_stroke():
    strokes = [np.array([[10, 5], [10, 20]], np.float32), np.array([[4, 8]], np.float32)]
    rows = to_stroke3(strokes)
    np.testing.assert_array_equal(rows, [[-4, -9, 0], [0, 15, 1], [-6, -12, 1]])
    assert [s.tolist() for s in from_stroke3(rows)] == [[[10, 5], [10, 20]], [[4, 8]]]


def test_a_model_output_reads_by_its_largest_pen_state():
    soft = np.array([[1, 2, 0.7, 0.2, 0.1], [3, 0, 0.2, 0.6, 0.2], [0, 0, 0.1, 0.1, 0.8],
                     [9, 9, 0.9, 0.1, 0.0]], np.float32)  # rows after the end are ignored
    np.testing.assert_array_equal(stroke5_to_stroke3(soft), [[1, 2, 0], [3, 0, 1]])


@pytest.mark.parametrize(("strokes", "problem"), [
    ([np.array([[1.0, np.nan]])], "NaN"),
    ([np.array([[1.0, 2.0], [np.inf, 0.0]])], "infinite"),
    ([np.array([[1e30, 2.0]])], "too large"),
    ([np.zeros((0, 2))], "empty"),
    ([], "no strokes"),
    ([np.zeros((3, 3))], "shape"),
    ([[["a", "b"]]], "not numeric"),
    (np.zeros((3, 2)), "list of strokes"),
])
def test_bad_strokes_are_refused_with_the_problem_named(strokes, problem):
    with pytest.raises(DatasetError, match=problem):
        check_strokes(strokes, "test drawing")


def test_two_million_points_are_refused_quickly():
    huge = [np.zeros((2_000_000, 2), np.float32)]
    start = time.perf_counter()
    with pytest.raises(DatasetError, match="too many points"):
        check_strokes(huge)
    many = [[(0.0, 0.0)]] * 2_000_000  # a list of tiny strokes, never converted
    with pytest.raises(DatasetError, match=f"more than {MAX_POINTS:,}"):
        check_strokes(many)
    with pytest.raises(DatasetError, match="too many points"):
        check_stroke3(np.zeros((2_000_000, 3), np.float32))
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(("rows", "problem"), [
    ([[1, 2, 0.5]], "pen column"),
    ([[1, 2, 0]], "does not lift"),
    ([[np.nan, 2, 1]], "NaN"),
    ([[1e30, 2, 1]], "too large"),
    ([[6e3, 0, 0]] * 3 + [[0, 0, 1]], r"summed offsets\): coordinate"),
    (np.zeros((0, 3)), "no points"),
    (np.zeros((4, 2)), "expected"),
])
def test_bad_stroke3_is_refused(rows, problem):
    with pytest.raises(DatasetError, match=problem):
        check_stroke3(np.array(rows, np.float32))


def test_good_strokes_pass_as_float32():
    out = check_strokes([[(1, 2), (3, 4)], np.array([[5.0, 6.0]])])
    assert [s.dtype for s in out] == [np.float32, np.float32]
    assert out[0].tolist() == [[1, 2], [3, 4]]
