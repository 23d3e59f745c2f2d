"""Labelled 28x28 digit images: the bundled MNIST subset and the user's own data.

Every dataset arrives in one form, `Splits` of `ImageSet`s holding uint8 arrays in the
MNIST convention (white ink on black, 28x28), so training and evaluation never care
where the images came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np

BUNDLED = "bundled"


@dataclass(frozen=True)
class ImageSet:
    images: np.ndarray  # [N, 28, 28] uint8, white ink on black
    labels: np.ndarray  # [N] int64, 0..num_classes-1

    def __post_init__(self) -> None:
        if self.images.ndim != 3 or self.images.shape[1:] != (28, 28):
            raise ValueError(f"images must be [N, 28, 28], got {self.images.shape}")
        if len(self.images) != len(self.labels):
            raise ValueError(f"{len(self.images)} images but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class Splits:
    train: ImageSet
    test: ImageSet
    name: str  # "bundled" or the path the user gave; recorded in checkpoints
    num_classes: int = 10


def bundled_mnist() -> Splits:
    """The 5,000 real MNIST digits that ship with the studio (4,500 train / 500 test)."""
    path = resources.files("studio.resources") / "data" / "mnist_5k.npz"
    with resources.as_file(path) as file, np.load(file, allow_pickle=False) as npz:
        train = ImageSet(npz["train_images"], npz["train_labels"].astype(np.int64))
        test = ImageSet(npz["test_images"], npz["test_labels"].astype(np.int64))
    return Splits(train, test, BUNDLED)


def stratified_split(images: np.ndarray, labels: np.ndarray, test_fraction: float = 0.1,
                     seed: int = 0) -> tuple[ImageSet, ImageSet]:
    """A fixed, per-class split for user data that comes without a test set."""
    rng = np.random.default_rng(seed)
    test = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        idx = np.flatnonzero(labels == label)
        n_test = int(round(len(idx) * test_fraction)) if len(idx) > 1 else 0
        test[rng.choice(idx, n_test, replace=False)] = True
    return ImageSet(images[~test], labels[~test]), ImageSet(images[test], labels[test])
