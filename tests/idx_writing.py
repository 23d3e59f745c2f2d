"""Writing IDX files (MNIST's format) for tests that need a data folder on disk.

On the test path (pyproject's pytest `pythonpath`), so any test imports it by name.
"""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np


def idx_bytes(array: np.ndarray, code: int = 0x08) -> bytes:
    header = struct.pack(">BBBB", 0, 0, code, array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write_idx(path: Path, array: np.ndarray, gz: bool = False) -> Path:
    data = idx_bytes(array)
    if gz:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)
    return path


def write_idx_folder(folder: Path, splits, gz: bool = False) -> Path:  # splits: Splits
    """`splits` as MNIST's four files (train-/t10k-, images and labels) in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, part in (("train", splits.train), ("t10k", splits.test)):
        write_idx(folder / f"{prefix}-images-idx3-ubyte", part.images, gz)
        write_idx(folder / f"{prefix}-labels-idx1-ubyte", part.labels.astype(np.uint8), gz)
    return folder
