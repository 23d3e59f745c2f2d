"""Where a data set comes from: the bundled subset, a folder of IDX files or of images.

The one entry point for every `--data` value and every folder the Train tab is given;
it picks the reader by looking at the folder, so users never name the format.
"""

from __future__ import annotations

from pathlib import Path

from studio.ml.data.digit_datasets import BUNDLED, Splits, bundled_mnist
from studio.ml.data.idx_files import load_idx_folder, looks_like_idx
from studio.ml.data.image_folder import load_image_folder
from studio.ml.errors import DatasetError


def load_data(spec: str | Path, lazy: bool | None = None) -> Splits:
    """`"bundled"`, a folder of IDX files, or a folder of images with one subfolder per class.

    lazy: keep the training images on disk (memory-mapped or decoded per batch); None
    decides by size (lazy_images.LAZY_BYTES), so the bundled set is always in memory.
    """
    if str(spec) == BUNDLED:
        return bundled_mnist()
    path = Path(spec).expanduser()
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    if looks_like_idx(path):
        return load_idx_folder(path, lazy)
    if path.is_dir():
        return load_image_folder(path, lazy)
    raise DatasetError(f"{path}: not a folder of IDX files or of class subfolders with images")
