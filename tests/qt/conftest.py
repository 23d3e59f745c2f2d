"""Fixtures for the window's tests: models loaded once, studio windows, no worker left behind."""

from __future__ import annotations

import pytest


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


@pytest.fixture
def shown(qtbot):
    """`shown(widget, width, height)`: the widget kept by qtbot, resized, shown, exposed."""
    def show(widget, width: int, height: int):
        qtbot.addWidget(widget)
        widget.resize(width, height)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return show


@pytest.fixture(scope="session")
def recognizer():
    """The bundled recognizer, loaded once (windows in tests get it handed over)."""
    from studio.ml.models.default_models import default_model_path
    from studio.qt.sketch.recognizer_store import load_classifier

    return load_classifier(default_model_path("cnn"), "Default")


@pytest.fixture(scope="session")
def gan():
    """The bundled GAN with its slider directions, loaded once."""
    from studio.ml.models.default_models import default_model_path
    from studio.qt.explore.generator_store import load_generator

    return load_generator(default_model_path("gan"), "Default GAN", None)


@pytest.fixture(scope="session")
def vae():
    """The bundled VAE with its slider directions, loaded once."""
    from studio.ml.models.default_models import default_model_path
    from studio.qt.explore.generator_store import load_generator

    return load_generator(default_model_path("vae"), "Default VAE", None)


@pytest.fixture
def open_studio(qtbot, recognizer):
    """`open_studio(data_dir, generators=(), size=None)`: the studio window as the app
    builds it, shown, with models handed over instead of loaded (the last generator
    becomes the active one)."""
    from studio.qt.shell.app import build_window

    def open_window(data_dir, generators=(), size=None):
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

    return open_window
