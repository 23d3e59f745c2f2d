"""Fixtures for every test: the bundled MNIST subset, class-balanced slices of it, one torch thread.

The window's fixtures (the recognizer, open_studio, no worker left running) live in
qt/conftest.py, beside the tests that use them.
"""

from __future__ import annotations

import os

# Widgets and signals in tests (and in the subprocesses they start) never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pytest


@pytest.fixture(scope="session")
def bundled():
    from studio.ml.data.digit_datasets import bundled_mnist

    return bundled_mnist()


def _take_subset(splits, n_train: int, n_test: int, seed: int = 0):
    """A random (hence roughly class-balanced) slice of `splits`, in random order.

    The bundled arrays are sorted by label, so a head slice would hold only zeros and
    ones; a permutation keeps all ten digits, and so does any head slice of the result.
    """
    from studio.ml.data.digit_datasets import ImageSet, Splits

    rng = np.random.default_rng(seed)
    tr = rng.permutation(len(splits.train))[:n_train]
    te = rng.permutation(len(splits.test))[:n_test]
    return Splits(ImageSet(splits.train.images[tr], splits.train.labels[tr]),
                  ImageSet(splits.test.images[te], splits.test.labels[te]),
                  name=f"{splits.name}[{n_train}/{n_test}]", num_classes=splits.num_classes)


@pytest.fixture(scope="session")
def take_subset():
    """`take_subset(splits, n_train, n_test, seed=0)`: a random, class-balanced slice."""
    return _take_subset


@pytest.fixture(scope="session")
def small_splits(bundled):
    """512 training and 200 test digits, all ten classes."""
    return _take_subset(bundled, 512, 200)


@pytest.fixture(scope="session")
def medium_splits(bundled):
    """1,024 training and 200 test digits: enough for the CNN to pass chance clearly."""
    return _take_subset(bundled, 1024, 200)


@pytest.fixture(scope="module")
def one_torch_thread():
    """Run torch on one intra-op thread for one test module, then restore the setting.

    On a 2-core machine shared with other work, two OpenMP threads contend and tiny
    training steps get 10-30x slower; one thread keeps the training tests fast.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
