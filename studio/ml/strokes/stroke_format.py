"""Strokes as data: polylines, stroke-3 and stroke-5 offsets, checked where they enter.

A drawing is a list of strokes, each a polyline the pen draws without lifting:
float32 [n, 2] points (x, y), x to the right and y down, in the pixel units of the
28x28 digit field with pixel edges at integers (pixel (row r, column c) covers
[c, c + 1] x [r, r + 1]), the convention `studio.ml.data.preprocess` uses, so a
polyline drawn over the field lands on the ink it came from. Nothing is normalized:
a model that wants unit-variance offsets scales them itself.

The sequence models read offsets, as Sketch-RNN does:

- stroke-3: float32 [n, 3] rows (dx, dy, pen_lifted_after). Row i moves the pen from
  point i - 1 to point i; the first row moves it from ORIGIN, the field's centre, so
  the drawing keeps its place in the field. pen_lifted_after is 1 on the last point of
  each stroke, so the last row of a drawing always has it.
- stroke-5: float32 [n + 1, 5] rows (dx, dy, p_down, p_up, p_end), one-hot pen states:
  p_down (the pen stays down to the next point), p_up (it lifts after this point),
  and a closing (0, 0, 0, 0, 1) row; padding to a fixed length repeats that row.

Stroke data also comes from files and, later, from models and users, so
`check_strokes` and `check_stroke3` refuse what would poison training or drawing
(NaN, infinity, coordinates far outside any canvas, absurd point counts, empty
strokes) with one message naming the problem, before anything large is allocated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from studio.ml.errors import DatasetError

FIELD = 28.0  # the digit field's side, in its own pixels
ORIGIN = np.array([FIELD / 2, FIELD / 2], dtype=np.float32)  # where stroke-3 starts the pen
MAX_POINTS = 100_000  # points in one drawing; a digit needs tens
MAX_COORD = 10_000.0  # |x|, |y| beyond this is no drawing on any canvas

Strokes = list[np.ndarray]  # each float32 [n_i, 2], n_i >= 1, (x, y) in field pixels


def check_strokes(strokes: Sequence[object], what: str = "strokes") -> Strokes:
    """`strokes` as float32 polylines, or DatasetError naming what is wrong with them.

    Counts are checked before any array is built, so a million points are refused
    without converting them. `what` names the source in the message (a file, a model).
    """
    if isinstance(strokes, np.ndarray | str | bytes) or not isinstance(strokes, Sequence):
        raise DatasetError(f"{what}: expected a list of strokes, got {type(strokes).__name__}")
    if len(strokes) == 0:
        raise DatasetError(f"{what}: no strokes")
    total = 0
    for i, stroke in enumerate(strokes):
        n = len(stroke) if hasattr(stroke, "__len__") else -1  # type: ignore[arg-type]
        if n == 0:
            raise DatasetError(f"{what}: stroke {i} is empty (a stroke needs at least one point)")
        if n < 0:
            raise DatasetError(f"{what}: stroke {i} is a {type(stroke).__name__}, "
                               "not a list of points")
        total += n
        if total > MAX_POINTS:
            raise DatasetError(f"{what}: too many points (more than {MAX_POINTS:,} in "
                               f"{i + 1} of {len(strokes)} strokes)")
    out: Strokes = []
    for i, stroke in enumerate(strokes):
        try:
            points = np.asarray(stroke, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise DatasetError(f"{what}: stroke {i} is not numeric points ({e})") from e
        if points.ndim != 2 or points.shape[1] != 2:
            raise DatasetError(f"{what}: stroke {i} has shape {points.shape}, "
                               "expected [n, 2] points (x, y)")
        _check_values(points, f"{what}: stroke {i}")
        out.append(points.astype(np.float32))
    return out


def check_stroke3(rows: np.ndarray, what: str = "stroke-3 data") -> np.ndarray:
    """`rows` as float32 [n, 3] stroke-3, or DatasetError naming the problem."""
    rows = np.asarray(rows)
    if rows.ndim != 2 or rows.shape[1] != 3:
        raise DatasetError(f"{what}: shape {rows.shape}, expected [n, 3] rows (dx, dy, pen)")
    if len(rows) == 0:
        raise DatasetError(f"{what}: no points")
    if len(rows) > MAX_POINTS:
        raise DatasetError(f"{what}: too many points ({len(rows):,}, at most {MAX_POINTS:,})")
    if not np.issubdtype(rows.dtype, np.floating) and not np.issubdtype(rows.dtype, np.integer):
        raise DatasetError(f"{what}: {rows.dtype} values, expected numbers")
    rows = rows.astype(np.float32)
    _check_values(rows[:, :2], what)
    pen = rows[:, 2]
    if not np.all((pen == 0) | (pen == 1)):
        raise DatasetError(f"{what}: pen column holds values other than 0 and 1")
    if pen[-1] != 1:
        raise DatasetError(f"{what}: the last point does not lift the pen (unfinished drawing)")
    positions = ORIGIN + np.cumsum(rows[:, :2], axis=0, dtype=np.float64)  # [n, 2]
    _check_values(positions, f"{what}: (summed offsets)")
    return rows


def to_stroke3(strokes: Strokes) -> np.ndarray:
    """Polylines -> float32 [total_points, 3] rows (dx, dy, pen_lifted_after)."""
    points = np.concatenate(strokes).astype(np.float32)  # [n, 2]
    rows = np.zeros((len(points), 3), dtype=np.float32)
    rows[:, :2] = np.diff(points, axis=0, prepend=ORIGIN[None])
    rows[np.cumsum([len(s) for s in strokes]) - 1, 2] = 1.0
    return rows


def from_stroke3(rows: np.ndarray) -> Strokes:
    """float32 [n, 3] stroke-3 rows -> polylines; trailing points with no lift end a stroke."""
    points = (ORIGIN + np.cumsum(rows[:, :2], axis=0, dtype=np.float64)).astype(np.float32)
    ends = np.flatnonzero(rows[:, 2] > 0.5) + 1
    if len(ends) == 0 or ends[-1] != len(rows):
        ends = np.append(ends, len(rows))
    return [s for s in np.split(points, ends[:-1]) if len(s)]


def stroke3_to_stroke5(rows: np.ndarray, max_len: int | None = None) -> np.ndarray:
    """[n, 3] stroke-3 -> float32 [n + 1, 5] (or [max_len, 5], padded) stroke-5 rows."""
    n = len(rows)
    length = n + 1 if max_len is None else max_len
    if length < n + 1:
        raise DatasetError(f"stroke-5: {n} points do not fit in {max_len} rows "
                           "(one more is needed for the end row)")
    out = np.zeros((length, 5), dtype=np.float32)
    out[:n, :2] = rows[:, :2]
    lifted = rows[:, 2] > 0.5
    out[:n, 2] = ~lifted
    out[:n, 3] = lifted
    out[n:, 4] = 1.0
    return out


def stroke5_to_stroke3(rows: np.ndarray) -> np.ndarray:
    """[m, 5] stroke-5 -> [n, 3] stroke-3, up to the first end row.

    The pen state is the largest of the three pen columns, so a model's (soft or
    sampled) output reads the same as one-hot data; the last point always lifts.
    """
    state = np.argmax(rows[:, 2:5], axis=1)  # 0 down, 1 up, 2 end
    ends = np.flatnonzero(state == 2)
    n = int(ends[0]) if len(ends) else len(rows)
    out = np.zeros((n, 3), dtype=np.float32)
    out[:, :2] = rows[:n, :2]
    out[:, 2] = state[:n] == 1
    if n:
        out[-1, 2] = 1.0
    return out


def to_stroke5(strokes: Strokes, max_len: int | None = None) -> np.ndarray:
    """Polylines -> float32 stroke-5 rows (see `stroke3_to_stroke5`)."""
    return stroke3_to_stroke5(to_stroke3(strokes), max_len)


def from_stroke5(rows: np.ndarray) -> Strokes:
    """float32 [m, 5] stroke-5 rows -> polylines."""
    return from_stroke3(stroke5_to_stroke3(rows))


def _check_values(values: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(values)):
        bad = "NaN" if np.isnan(values).any() else "infinite"
        raise DatasetError(f"{what}: {bad} coordinates")
    biggest = float(np.abs(values).max()) if values.size else 0.0
    if biggest > MAX_COORD:
        raise DatasetError(f"{what}: coordinate {biggest:.3g} is too large "
                           f"(at most {MAX_COORD:,.0f} in magnitude)")
