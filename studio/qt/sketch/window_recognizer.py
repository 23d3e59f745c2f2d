"""Which recognizer the window uses, and what it says about the drawing.

The window owns one of these: it loads the recognizer the settings name (or the
bundled one), follows the model list and Open Classifier, keeps the status line and
the Recognizer panel in step with the store, and shows the answers and "where it
looks" as they arrive from live recognition.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRectF
from PySide6.QtWidgets import QFileDialog

from studio.qt.base.qimage_arrays import heatmap
from studio.qt.sketch.recognizer_store import LoadedClassifier

if TYPE_CHECKING:
    from studio.qt.shell.main_window import MainWindow

CHECKPOINT_FILTER = "Studio checkpoints (*.safetensors);;All files (*)"


class WindowRecognizer(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._recognized = None  # the newest Recognition of the drawing

    def connect(self) -> None:
        w = self._window
        w.recognition.recognized.connect(self._on_recognition_recognized)
        w.recognition.looked.connect(self._on_recognition_looked)
        w.recognizer.saliency_toggled.connect(w.saliency_action.setChecked)
        w.recognizer.classifier_chosen.connect(self._on_recognizer_classifier_chosen)
        w.recognizer.open_classifier_requested.connect(self.open_classifier)
        w.store.classifier_loading.connect(self._on_store_classifier_loading)
        w.store.classifier_changed.connect(self._on_store_classifier_changed)
        w.store.classifier_failed.connect(self._on_store_classifier_failed)

    def load_initial(self) -> None:
        active = self._window.settings.active_classifier
        if active and Path(active).exists():
            self._window.store.load_classifier(Path(active))
        else:
            self._window.store.load_default_classifier()

    def recognized_digit(self) -> int | None:
        r = self._recognized
        return None if r is None or r.digit is None or r.unsure else int(r.digit)

    def open_classifier(self) -> None:
        settings = self._window.settings
        path, _ = QFileDialog.getOpenFileName(self._window, "Open Classifier Checkpoint",
                                              settings.last_open_dir, CHECKPOINT_FILTER)
        if path:
            settings.last_open_dir = str(Path(path).parent)
            self._window.store.load_classifier(Path(path))
        else:
            self._sync_model_choice()

    def set_saliency(self, on: bool) -> None:
        w = self._window
        w.settings.show_saliency = on
        w.recognizer.where.blockSignals(True)
        w.recognizer.where.setChecked(on)
        w.recognizer.where.blockSignals(False)
        if not on:
            w.canvas.set_overlay(None)
        w.recognition.set_saliency_enabled(on)

    # ---- slots ---------------------------------------------------------------------
    def _on_recognizer_classifier_chosen(self, path: Path | None) -> None:
        if path is None:
            self._window.store.load_default_classifier()
        else:
            self._window.store.load_classifier(path)

    def _on_store_classifier_loading(self, name: str) -> None:
        w = self._window
        w.model_label.setText(f"Recognizer: loading {name}…")
        if w.store.classifier is None:
            w.recognizer.show_loading(name)

    def _on_store_classifier_changed(self, loaded: LoadedClassifier) -> None:
        w = self._window
        is_default = loaded.path == w.store.default_paths["cnn"]
        if not is_default:
            w.settings.remember_classifier(str(loaded.path))
        w.settings.active_classifier = "" if is_default else str(loaded.path)
        self._sync_model_choice()
        w.model_label.setText(f"Recognizer: {loaded.name}")
        w.recognizer.show_model(loaded)
        w.recognition.set_classifier(loaded)
        w.explorer.set_classifier(loaded)

    def _on_store_classifier_failed(self, message: str) -> None:
        w = self._window
        current = w.store.classifier
        w.model_label.setText(f"Recognizer: {current.name}" if current else "Recognizer: none")
        w.recognizer.show_failure(message, current is not None)
        self._sync_model_choice()

    def _sync_model_choice(self) -> None:
        active = self._window.settings.active_classifier
        self._window.recognizer.set_choices(self._window.settings.recent_classifiers,
                                            Path(active) if active else None)

    def _on_recognition_recognized(self, number: int, recognition) -> None:
        self._recognized = recognition
        self._window.recognizer.show_recognition(number, recognition)
        if recognition is None or recognition.digit is None:
            self._window.canvas.set_overlay(None)

    def _on_recognition_looked(self, recognition, saliency) -> None:
        w = self._window
        fitted = recognition.fitted
        if fitted is None or not w.saliency_action.isChecked() or w.document.is_blank():
            return
        left, top = fitted.from_field(0, 0)  # the 28x28 field in document coordinates
        right, bottom = fitted.from_field(28, 28)
        w.canvas.set_overlay(heatmap(saliency), QRectF(left, top, right - left, bottom - top))
