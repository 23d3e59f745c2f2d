"""Which models the studio is using, loaded on the thread pool, never on the GUI thread.

The store starts empty (the window paints first), loads the default recognizer in
the pool, and swaps models only when the new one loaded: a bad checkpoint leaves
the previous model in place and says why through the notifier.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from studio.ml.training.train_settings import spare_one_core
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool


@dataclass(frozen=True)
class LoadedClassifier:
    name: str  # what the user sees: "Default" or the file name
    path: Path
    model: Any  # studio.ml.models.classifier.Classifier, eval mode, on the CPU
    likeness: Any  # ml.recognition.novelty.DigitLikeness, or None when not fitted for this model
    accuracy: float | None  # from the checkpoint's metrics, when recorded
    memo: Any = field(default=None, compare=False)  # ml.recognition.recognize.ReadingMemo


def load_classifier(path: Path, name: str, cache_dir: Path | None = None) -> LoadedClassifier:
    """Runs in the pool: torch is imported here, on first use, never on the GUI thread.

    The digit-likeness fit comes from beside the checkpoint or from `cache_dir` when
    it was made before; otherwise it is fitted (seconds) and kept in `cache_dir`.
    """
    import torch

    from studio.ml.models.checkpoints import load_checkpoint

    torch.set_num_threads(spare_one_core())
    checkpoint = load_checkpoint(path, expected_kind="cnn", device="cpu")
    from studio.ml.recognition.likeness_cache import applies_to, likeness_for

    likeness = None
    if applies_to(checkpoint.model.config.num_classes, checkpoint.info.dataset):
        likeness = likeness_for(checkpoint.model, Path(path), checkpoint.info.sha256, cache_dir)
    from studio.ml.recognition.recognize import ReadingMemo

    accuracy = checkpoint.info.metrics.get("accuracy")
    return LoadedClassifier(name, Path(path), checkpoint.model, likeness,
                            float(accuracy) if accuracy is not None else None, ReadingMemo())


class RecognizerStore(QObject):
    classifier_loading = Signal(str)  # name
    classifier_changed = Signal(object)  # LoadedClassifier
    classifier_failed = Signal(str)  # message naming the file and the problem

    def __init__(self, default_paths: dict[str, Path], notifier: Notifier,
                 parent: QObject | None = None, *, cache_dir: Path | None = None) -> None:
        """cache_dir: where digit-likeness fits are kept between runs (None: nowhere)."""
        super().__init__(parent)
        self.default_paths = dict(default_paths)
        self.cache_dir = cache_dir
        self.classifier: LoadedClassifier | None = None
        self._notifier = notifier
        self._pending: str | None = None
        self._pending_path: Path | None = None

    @property
    def loading(self) -> bool:
        return self._pending is not None

    def load_default_classifier(self) -> None:
        self.load_classifier(self.default_paths["cnn"], "Default")

    def load_classifier(self, path: Path, name: str | None = None) -> None:
        name = name or Path(path).stem
        self._pending = name
        self._pending_path = Path(path)
        self.classifier_loading.emit(name)
        run_in_pool(load_classifier, Path(path), name, self.cache_dir,
                    on_returned=self._on_loader_returned, on_errored=self._on_loader_errored)

    def set_classifier(self, loaded: LoadedClassifier) -> None:
        """Make an already loaded classifier active (a model trained in this session)."""
        self._pending = None
        self.classifier = loaded
        self.classifier_changed.emit(loaded)

    def _on_loader_returned(self, loaded: LoadedClassifier) -> None:
        if self._pending != loaded.name:
            return  # a newer choice is on its way
        self._pending = None
        self.classifier = loaded
        self.classifier_changed.emit(loaded)
        self._notifier.info(f"Recognizer ready: {loaded.name} ({loaded.path.name})")

    def _on_loader_errored(self, error: Exception) -> None:
        failed, self._pending, self._pending_path = self._pending_path, None, None
        message = f"Could not load the recognizer: {error}"
        details = "".join(traceback.format_exception(error))
        from_user = type(error).__module__.startswith("studio.")
        if self.classifier is None and failed != Path(self.default_paths["cnn"]):
            # Never left without a recognizer while the bundled one is there: a broken
            # file named in the settings falls back to it, and says so.
            self._notifier.warning(f"{message}. Using the bundled recognizer instead.",
                                   "" if from_user else details)
            self.load_default_classifier()
            return
        self._notifier.error(message, "" if from_user else details)
        self.classifier_failed.emit(message)
