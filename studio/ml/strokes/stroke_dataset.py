"""The bundled digits as pen strokes: derived once, shipped, and checked when read.

Deriving all 5,000 bundled digits takes seconds, not milliseconds, and the stroke
models must see exactly the same data on every machine, so the result ships as
resources/data/mnist_strokes.npz, digit for digit aligned with mnist_5k.npz (same
splits, same order). The file is a plain npz of numeric arrays, read with
allow_pickle=False and validated like any other file (shapes, dtypes, counts,
finite in-range values, every digit ending with a pen lift), so a damaged copy gets
one clear message instead of a crash inside a model.

Each split is stored flat: float32 [P, 3] stroke-3 rows of all its digits, int64
[N + 1] offsets (digit i is rows offsets[i]:offsets[i + 1]) and int64 [N] labels.
Regenerate it with `python -m studio.ml.strokes.stroke_dataset` after changing the
derivation; tests check that a sample re-derived from code matches the file exactly.
"""

from __future__ import annotations

import io
import sys
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from studio.ml.atomic_files import write_atomically
from studio.ml.data.digit_datasets import ImageSet, bundled_mnist
from studio.ml.errors import DatasetError
from studio.ml.strokes.digit_strokes import derive_strokes
from studio.ml.strokes.stroke_format import MAX_COORD, ORIGIN, Strokes, from_stroke3, to_stroke3

FORMAT_VERSION = 1
MAX_ROWS = 5_000_000  # rows in one split's file; the bundled set has ~50,000
MAX_DIGIT_ROWS = 1_000  # rows of one digit; derived digits have tens
NUM_CLASSES = 10
SPLITS = ("train", "test")


@dataclass(frozen=True)
class StrokeSet:
    """Labelled digits as stroke-3 sequences, stored flat."""

    rows: np.ndarray  # [P, 3] float32 (dx, dy, pen_lifted_after), all digits end to end
    offsets: np.ndarray  # [N + 1] int64, digit i is rows[offsets[i]:offsets[i + 1]]
    labels: np.ndarray  # [N] int64, 0..9

    def __len__(self) -> int:
        return len(self.labels)

    def stroke3(self, i: int) -> np.ndarray:
        """Digit i as float32 [n_i, 3] stroke-3 rows (a view; copy before changing it)."""
        return self.rows[self.offsets[i]:self.offsets[i + 1]]

    def strokes(self, i: int) -> Strokes:
        """Digit i as polylines in field pixels."""
        return from_stroke3(self.stroke3(i))

    def lengths(self) -> np.ndarray:
        """[N] int64 rows per digit."""
        return np.diff(self.offsets)


def derive_stroke_set(images: ImageSet) -> StrokeSet:
    """Derive every digit of `images`; a digit with no ink is a DatasetError naming it."""
    parts: list[np.ndarray] = []
    for i, image in enumerate(images.images):
        strokes = derive_strokes(image)
        if not strokes:
            raise DatasetError(f"digit {i} (label {images.labels[i]}) has no ink to draw")
        parts.append(to_stroke3(strokes))
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    return StrokeSet(np.concatenate(parts), offsets, images.labels.astype(np.int64))


def bundled_strokes() -> tuple[StrokeSet, StrokeSet]:
    """The shipped strokes of the 4,500 train and 500 test bundled digits, validated."""
    path = resources.files("studio.resources") / "data" / "mnist_strokes.npz"
    with resources.as_file(path) as file:
        return read_stroke_file(file)


def read_stroke_file(path: Path) -> tuple[StrokeSet, StrokeSet]:
    """(train, test) from a stroke npz, or DatasetError naming the file and the problem."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError, EOFError) as e:
        raise DatasetError(f"{path}: not a readable stroke file ({e})") from e
    expected = {"format_version"} | {f"{s}_{k}" for s in SPLITS
                                      for k in ("rows", "offsets", "labels")}
    if set(arrays) != expected:
        raise DatasetError(f"{path}: arrays {sorted(arrays)}, expected {sorted(expected)}")
    version = arrays["format_version"]
    if version.shape != () or version.dtype.kind not in "iu" or int(version) != FORMAT_VERSION:
        raise DatasetError(f"{path}: format version {version!r}, expected {FORMAT_VERSION}")
    train, test = (_checked(path, s, *(arrays[f"{s}_{k}"] for k in ("rows", "offsets", "labels")))
                   for s in SPLITS)
    return train, test


def write_stroke_file(path: Path, train: StrokeSet, test: StrokeSet) -> None:
    """Write (train, test) as a compressed npz, atomically; refuses what it could not read."""
    arrays: dict[str, np.ndarray] = {"format_version": np.array(FORMAT_VERSION, np.int64)}
    for name, split in zip(SPLITS, (train, test), strict=True):
        _checked(path, name, split.rows, split.offsets, split.labels)
        arrays |= {f"{name}_rows": split.rows.astype(np.float32),
                   f"{name}_offsets": split.offsets.astype(np.int64),
                   f"{name}_labels": split.labels.astype(np.int64)}
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    write_atomically(path, buffer.getvalue(), DatasetError)


def _checked(path: Path, split: str, rows: np.ndarray, offsets: np.ndarray,
             labels: np.ndarray) -> StrokeSet:
    """The arrays of one split as a StrokeSet, after every check a model relies on."""
    where = f"{path}: {split}"
    if rows.ndim != 2 or rows.shape[1] != 3 or rows.dtype != np.float32:
        raise DatasetError(f"{where} rows are {rows.dtype} {rows.shape}, expected float32 [P, 3]")
    if len(rows) > MAX_ROWS:
        raise DatasetError(f"{where}: too many points ({len(rows):,}, at most {MAX_ROWS:,})")
    if labels.ndim != 1 or labels.dtype != np.int64 or len(labels) == 0:
        raise DatasetError(f"{where} labels are {labels.dtype} {labels.shape}, "
                           "expected int64 [N], N >= 1")
    if offsets.shape != (len(labels) + 1,) or offsets.dtype != np.int64:
        raise DatasetError(f"{where} offsets are {offsets.dtype} {offsets.shape}, "
                           f"expected int64 [{len(labels) + 1}] for {len(labels)} labels")
    lengths = np.diff(offsets)
    if offsets[0] != 0 or offsets[-1] != len(rows) or np.any(lengths < 1):
        raise DatasetError(f"{where} offsets do not split its {len(rows)} points into "
                           "non-empty digits")
    if lengths.max() > MAX_DIGIT_ROWS:
        raise DatasetError(f"{where}: a digit has {lengths.max():,} points "
                           f"(at most {MAX_DIGIT_ROWS:,})")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise DatasetError(f"{where}: labels outside 0..{NUM_CLASSES - 1}")
    if not np.all(np.isfinite(rows)):
        raise DatasetError(f"{where}: NaN or infinite offsets")
    pen = rows[:, 2]
    if not np.all((pen == 0) | (pen == 1)):
        raise DatasetError(f"{where}: pen column holds values other than 0 and 1")
    if not np.all(pen[offsets[1:] - 1] == 1):
        raise DatasetError(f"{where}: a digit does not end with a pen lift")
    summed = np.cumsum(rows[:, :2], axis=0, dtype=np.float64)  # [P, 2], across digits
    before = np.concatenate([np.zeros((1, 2)), summed])[offsets[:-1]]  # [N, 2] at each start
    positions = ORIGIN + summed - np.repeat(before, lengths, axis=0)
    if np.abs(positions).max() > MAX_COORD:
        raise DatasetError(f"{where}: points beyond {MAX_COORD:,.0f} pixels")
    return StrokeSet(rows, offsets, labels)


def main(argv: list[str] | None = None) -> None:
    """Derive the bundled digits' strokes and write them (default: the shipped file)."""
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0]) if args else Path(str(resources.files("studio.resources"))) / "data" \
        / "mnist_strokes.npz"
    splits = bundled_mnist()
    start = time.perf_counter()
    train, test = derive_stroke_set(splits.train), derive_stroke_set(splits.test)
    seconds = time.perf_counter() - start
    write_stroke_file(out, train, test)
    n = len(train) + len(test)
    print(f"derived {n} digits in {seconds:.1f} s ({1000 * seconds / n:.1f} ms each), "
          f"{len(train.rows) + len(test.rows):,} points; wrote {out} "
          f"({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
