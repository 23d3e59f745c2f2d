"""Which recognizer the sketch uses, and what it says about the drawing.

The window owns one of these: it loads the recognizer the settings name (or the
bundled one), follows the model list and Open Classifier, keeps its status-bar label
and the Recognizer panel in step with the store, and shows the answers and "where it
looks" as they arrive from live recognition. It is handed only those parts (the store,
the settings, live recognition, the panel, the canvas and its document), so the
sketch layer never needs the window; whoever else wants the classifier (the explorer)
listens to the store itself.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF
from PySide6.QtWidgets import QFileDialog, QLabel, QWidget

from studio.core.settings import Settings
from studio.qt.base.qimage_arrays import heatmap
from studio.qt.sketch.live_recognition import LiveRecognition
from studio.qt.sketch.recognizer_panel import RecognizerPanel
from studio.qt.sketch.recognizer_store import LoadedClassifier, RecognizerStore
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SketchDocument

CHECKPOINT_FILTER = "Studio checkpoints (*.safetensors);;All files (*)"


class RecognizerController(QObject):
    """Keeps the store, the Recognizer panel, the status label and the canvas overlay in step.

    `parent` is the widget its file dialog opens over. `status_label` is its own; the
    window puts it in the status bar.
    """

    def __init__(self, store: RecognizerStore, settings: Settings, recognition: LiveRecognition,
                 panel: RecognizerPanel, canvas: SketchCanvas, document: SketchDocument,
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._store = store
        self._settings = settings
        self._recognition = recognition
        self._panel = panel
        self._canvas = canvas
        self._document = document
        self._parent = parent
        self._saliency = False  # "where it looks" is on (the window's W action)
        self._recognized = None  # the newest Recognition of the drawing
        self.status_label = QLabel("Recognizer: loading…")

    def connect(self) -> None:
        """Follow recognition, the panel and the store (once the window is built)."""
        self._recognition.recognized.connect(self._on_recognition_recognized)
        self._recognition.looked.connect(self._on_recognition_looked)
        self._panel.classifier_chosen.connect(self._on_panel_classifier_chosen)
        self._panel.open_classifier_requested.connect(self.open_classifier)
        self._store.classifier_loading.connect(self._on_store_classifier_loading)
        self._store.classifier_changed.connect(self._on_store_classifier_changed)
        self._store.classifier_failed.connect(self._on_store_classifier_failed)

    def load_initial(self) -> None:
        """The recognizer the settings name if its file is still there, else the bundled one."""
        active = self._settings.active_classifier
        if active and Path(active).exists():
            self._store.load_classifier(Path(active))
        else:
            self._store.load_default_classifier()

    def recognized_digit(self) -> int | None:
        """The recognizer's confident answer for the drawing, if it has one."""
        r = self._recognized
        return None if r is None or r.digit is None or r.unsure else int(r.digit)

    def open_classifier(self) -> None:
        """Ask for a checkpoint; cancelling puts the model list back on the active model."""
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open Classifier Checkpoint",
                                              self._settings.last_open_dir, CHECKPOINT_FILTER)
        if path:
            self._settings.last_open_dir = str(Path(path).parent)
            self._store.load_classifier(Path(path))
        else:
            self._sync_model_choice()

    def set_saliency(self, on: bool) -> None:
        """Show or hide where the network looks; the panel's checkbox follows quietly."""
        self._saliency = on
        self._settings.show_saliency = on
        self._panel.where.blockSignals(True)
        self._panel.where.setChecked(on)
        self._panel.where.blockSignals(False)
        if not on:
            self._canvas.set_overlay(None)
        self._recognition.set_saliency_enabled(on)

    # ---- slots ---------------------------------------------------------------------
    def _on_panel_classifier_chosen(self, path: Path | None) -> None:
        if path is None:
            self._store.load_default_classifier()
        else:
            self._store.load_classifier(path)

    def _on_store_classifier_loading(self, name: str) -> None:
        self.status_label.setText(f"Recognizer: loading {name}…")
        if self._store.classifier is None:
            self._panel.show_loading(name)

    def _on_store_classifier_changed(self, loaded: LoadedClassifier) -> None:
        is_default = loaded.path == self._store.default_paths["cnn"]
        if not is_default:
            self._settings.remember_classifier(str(loaded.path))
        self._settings.active_classifier = "" if is_default else str(loaded.path)
        self._sync_model_choice()
        self.status_label.setText(f"Recognizer: {loaded.name}")
        self._panel.show_model(loaded)
        self._recognition.set_classifier(loaded)

    def _on_store_classifier_failed(self, message: str) -> None:
        current = self._store.classifier
        self.status_label.setText(f"Recognizer: {current.name}" if current
                                  else "Recognizer: none")
        self._panel.show_failure(message, current is not None)
        self._sync_model_choice()

    def _sync_model_choice(self) -> None:
        active = self._settings.active_classifier
        self._panel.set_choices(self._settings.recent_classifiers,
                                Path(active) if active else None)

    def _on_recognition_recognized(self, number: int, reading) -> None:
        single = reading.single if reading is not None else None
        self._recognized = single
        several = reading is not None and len(reading.digits) > 1
        if several:
            self._panel.show_number(number, reading)
        else:
            self._panel.show_recognition(number, single)
        self._canvas.digit_boxes.set_boxes([(QRectF(QPointF(x0, y0), QPointF(x1, y1)),
                                       _label(d.recognition))
                                      for d in reading.digits for x0, y0, x1, y1 in [d.box]]
                                     if several else [])
        if single is None or single.digit is None:
            self._canvas.set_overlay(None)

    def _on_recognition_looked(self, recognition, saliency) -> None:
        fitted = recognition.fitted
        if fitted is None or not self._saliency or self._document.is_blank():
            return
        left, top = fitted.from_field(0, 0)  # the 28x28 field in document coordinates
        right, bottom = fitted.from_field(28, 28)
        self._canvas.set_overlay(heatmap(saliency),
                                 QRectF(left, top, right - left, bottom - top))


def _label(recognition) -> str:
    """What a digit's box says: the digit and how sure, "?" when unsure."""
    if recognition.unsure:
        return f"{recognition.digit}?"
    return f"{recognition.digit} {100 * recognition.confidence:.0f}%"
