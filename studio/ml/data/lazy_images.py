"""Images that stay on disk until a batch asks for them, for data sets larger than memory.

A `LazyImages` stands where an `ImageSet` holds its uint8 array: it has the array's
shape, indexing it with a slice, mask or index array gives another lazy view (so
`stratified_split` works unchanged), and only `take` reads pixels, one batch at a time,
from a memory-mapped IDX file or by decoding image files. Small sets never use it: below
`LAZY_BYTES` of pixels the readers return plain arrays, as before, and train as fast.
"""

from __future__ import annotations

import os
from collections.abc import Callable

import numpy as np

# Decoded training pixels above which the readers stay lazy (STUDIO_LAZY_BYTES overrides):
# 512 MiB is 680,000 digits, past full EMNIST digits but not EMNIST byclass.
LAZY_BYTES = int(os.environ.get("STUDIO_LAZY_BYTES", 512 * 2**20))

Reader = Callable[[np.ndarray], np.ndarray]  # row numbers [B] -> images [B, 28, 28] uint8


class LazyImages:
    """[N, 28, 28] uint8 images read by `reader` on demand; `decodes` says whether reading
    costs CPU (image files: worth DataLoader workers) or only I/O (a memory map)."""

    ndim = 3
    dtype = np.dtype(np.uint8)

    def __init__(self, reader: Reader, rows: np.ndarray, decodes: bool = False) -> None:
        self.reader, self.rows, self.decodes = reader, rows, decodes  # rows [N] int64

    @property
    def shape(self) -> tuple[int, int, int]:
        return (len(self.rows), 28, 28)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, key: object) -> LazyImages | np.ndarray:
        """An int gives one image [28, 28]; anything else a lazy view of those rows."""
        if isinstance(key, int | np.integer):
            return self.take(np.array([key]))[0]
        return LazyImages(self.reader, self.rows[key], self.decodes)

    def take(self, index: np.ndarray) -> np.ndarray:
        """Pixels of the images at positions `index` [B] -> [B, 28, 28] uint8."""
        return np.ascontiguousarray(self.reader(self.rows[np.asarray(index, np.int64)]))

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        """Every image in memory at once (test sets, small subsets)."""
        images = self.take(np.arange(len(self)))
        return images if dtype is None else images.astype(dtype)


def want_lazy(count: int, lazy: bool | None) -> bool:
    """The caller's choice, or by size when it has none."""
    return bool(lazy) if lazy is not None else count * 28 * 28 > LAZY_BYTES
