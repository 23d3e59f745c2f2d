"""Labelled images in a folder with one subfolder per class, as people collect them.

Scans, photos and exports arrive in any size, format and polarity; each one goes
through `preprocess.to_mnist`, the same path a canvas drawing takes, so a model
trained on the folder sees its images the way it will see the user's sketches.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from studio.ml.data.digit_datasets import ImageSet, Splits, stratified_split
from studio.ml.data.image_files import ImageFileError, open_image
from studio.ml.data.lazy_images import LazyImages, want_lazy
from studio.ml.data.preprocess import to_mnist, to_uint8
from studio.ml.errors import DatasetError

_DIGITS = {str(d) for d in range(10)}
_SYSTEM_FILES = {"thumbs.db", "desktop.ini"}  # written by file managers, never images


def load_image_folder(path: Path, lazy: bool | None = None) -> Splits:
    """Train and test sets from class subfolders, or from train/ and test/ holding them.

    lazy: list and check the training files now but decode them batch by batch
    (LazyImages); None decides by the file count. Test images are always decoded now.
    """
    path = Path(path)
    train_dir, test_dir = path / "train", path / "test"
    if test_dir.is_dir() and not train_dir.is_dir():
        raise DatasetError(f"{path}: has a test/ folder but no train/ folder")
    root = train_dir if train_dir.is_dir() else path
    classes = _class_folders(root)
    names = [c.name for c in classes]
    labels_of = _label_map(names)

    files = [(folder, _image_files(folder)) for folder in classes]
    if want_lazy(sum(len(f) for _, f in files), lazy):
        train = _lazy_classes(files, labels_of)
    else:
        train = _load_classes(classes, labels_of)
    if test_dir.is_dir():
        test_classes = _class_folders(test_dir)
        for folder in test_classes:
            if folder.name not in labels_of:
                raise DatasetError(f"{folder}: class not in {train_dir}")
        test = _load_classes(test_classes, labels_of)
    else:
        train, test = stratified_split(train.images, train.labels, 0.1, seed=0)
        test = ImageSet(np.asarray(test.images), test.labels)  # evaluated whole
    num_classes = 10 if set(names) <= _DIGITS else len(names)
    return Splits(train, test, str(path), num_classes=num_classes)


def _class_folders(root: Path) -> list[Path]:
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError as e:
        raise DatasetError(f"{root}: cannot list the folder ({e.strerror or e})") from e
    if not folders:
        raise DatasetError(f"{root}: no class subfolders (expected one folder of images per "
                           "class, e.g. 0/ 1/ ... 9/)")
    return folders


def _label_map(names: list[str]) -> dict[str, int]:
    """Folders 0..9 keep their digit; any other names are numbered in sorted order."""
    if set(names) <= _DIGITS:
        return {name: int(name) for name in names}
    return {name: i for i, name in enumerate(sorted(names))}


def _load_classes(folders: list[Path], labels_of: dict[str, int]) -> ImageSet:
    images: list[np.ndarray] = []
    labels: list[int] = []
    for folder in folders:
        found = [img for file in _image_files(folder) if (img := _load_image(file)) is not None]
        if not found:
            raise DatasetError(f"{folder}: empty class folder (no image with ink in it)")
        images += found
        labels += [labels_of[folder.name]] * len(found)
    return ImageSet(np.stack(images), np.array(labels, dtype=np.int64))


def _lazy_classes(files: list[tuple[Path, list[Path]]], labels_of: dict[str, int]) -> ImageSet:
    """The files' paths and labels only; pixels come from `_decode_rows` per batch.

    What can be checked without decoding is checked now, with today's messages; an
    unreadable image raises its message when its batch is read, and an image with no ink
    (skipped by the in-memory path, which must decode to know) trains as a blank page.
    """
    paths: list[Path] = []
    labels: list[int] = []
    for folder, found in files:
        if not found:
            raise DatasetError(f"{folder}: empty class folder (no image with ink in it)")
        paths += found
        labels += [labels_of[folder.name]] * len(found)
    rows = np.arange(len(paths), dtype=np.int64)
    reader = functools.partial(_decode_rows, tuple(paths))
    return ImageSet(LazyImages(reader, rows, decodes=True), np.array(labels, dtype=np.int64))


def _decode_rows(paths: tuple[Path, ...], rows: np.ndarray) -> np.ndarray:
    """Images at `rows` [B] decoded now -> [B, 28, 28] uint8 (a blank one where no ink)."""
    out = np.zeros((len(rows), 28, 28), np.uint8)
    for i, row in enumerate(rows):
        image = _load_image(paths[int(row)])
        if image is not None:
            out[i] = image
    return out


def _image_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.is_file()
                      and not p.name.startswith(".") and p.name.lower() not in _SYSTEM_FILES)
    except OSError as e:
        raise DatasetError(f"{folder}: cannot list the folder ({e.strerror or e})") from e


def _load_image(file: Path) -> np.ndarray | None:
    """The image as MNIST uint8, or None when it holds no ink."""
    try:
        image = open_image(file)
    except ImageFileError as e:
        raise DatasetError(str(e)) from e
    try:
        x = to_mnist(image)
    except ValueError as e:  # an image mode with no grayscale meaning
        raise DatasetError(f"{file}: cannot turn this image into grayscale ({e})") from e
    return None if x is None else to_uint8(x)
