"""Shared fixtures: small, class-balanced slices of the bundled MNIST subset."""

from __future__ import annotations

import os

# Widgets and signals in tests (and in the subprocesses they start) never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def bundled():
    from studio.ml.datasets import bundled_mnist

    return bundled_mnist()


def take_subset(splits, n_train: int, n_test: int, seed: int = 0):
    """A random (hence roughly class-balanced) slice of `splits`, in random order.

    The bundled arrays are sorted by label, so a head slice would hold only zeros and
    ones; a permutation keeps all ten digits, and so does any head slice of the result.
    """
    from studio.ml.datasets import ImageSet, Splits

    rng = np.random.default_rng(seed)
    tr = rng.permutation(len(splits.train))[:n_train]
    te = rng.permutation(len(splits.test))[:n_test]
    return Splits(ImageSet(splits.train.images[tr], splits.train.labels[tr]),
                  ImageSet(splits.test.images[te], splits.test.labels[te]),
                  name=f"{splits.name}[{n_train}/{n_test}]", num_classes=splits.num_classes)


@pytest.fixture(scope="session")
def small_splits(bundled):
    """512 training and 200 test digits, all ten classes."""
    return take_subset(bundled, 512, 200)


@pytest.fixture(scope="session")
def medium_splits(bundled):
    """1,024 training and 200 test digits: enough for the CNN to pass chance clearly."""
    return take_subset(bundled, 1024, 200)


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


@pytest.fixture(autouse=True)
def no_worker_left_running():
    """Every test must end its pool work: a worker still running 3 s later fails the test."""
    yield
    import sys

    if "PySide6.QtCore" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QThreadPool

    finished = QThreadPool.globalInstance().waitForDone(3000)
    if QCoreApplication.instance() is not None:
        QCoreApplication.processEvents()  # deliver the workers' last queued signals
    assert finished, "a worker was still running on the thread pool after the test"


@pytest.fixture(scope="session")
def recognizer():
    """The bundled recognizer, loaded once (windows in tests get it handed over)."""
    from studio.ml.defaults import default_model_path
    from studio.qt.model_store import load_classifier

    return load_classifier(default_model_path("cnn"), "Default")


def open_studio(qtbot, data_dir, recognizer, generators=(), size=None):  # noqa: ANN001, ANN201
    """The studio window as the app builds it, shown, with models handed over instead of
    loaded (the last generator becomes the active one)."""
    from studio.qt.app import build_window

    window = build_window(data_dir, dialogs=False, load_models=False)
    qtbot.addWidget(window)
    if size is not None:
        window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.store.set_classifier(recognizer)
    for generator in generators:
        window.explorer.store.set_generator(generator)
    return window
