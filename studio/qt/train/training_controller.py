"""The training side of the studio: the Train tab, the library, my handwriting.

The window owns one of these, as it owns an ExplorerController. It decides what a
checkpoint from the library or a running training is used for, keeps the library's
"active" column true, and stops work when the window closes.

It is handed the parts it uses: the recognizer store (a chosen recognizer loads
straight into it), the sketch's document (for teaching my handwriting), the notifier
and a parent widget. The explorer is another feature, so a chosen generator leaves as
`generator_chosen` and the window tells it which generator is active.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from studio.core.handwriting import HandwritingExamples
from studio.core.model_library import ModelLibrary
from studio.qt.base.notifier import Notifier
from studio.qt.sketch.recognizer_store import RecognizerStore
from studio.qt.sketch.sketch_document import SketchDocument
from studio.qt.train.handwriting_teacher import HandwritingTeacher
from studio.qt.train.trainer import Trainer


class TrainingController(QObject):
    """The trainer, the handwriting teacher and the model library behind the Train tab.

    `data_dir` holds the library and my drawings (a temporary folder without one);
    `parent` owns the dialogs; `show_dialogs` False answers them without asking (tests).
    """

    generator_chosen = Signal(object)  # Path of a GAN or VAE (library or run) to explore

    def __init__(self, store: RecognizerStore, document: SketchDocument, notifier: Notifier,
                 data_dir: Path | None, parent: QWidget, show_dialogs: bool = True) -> None:
        super().__init__(parent)
        self._store = store
        self._generator_path: Path | None = None  # the explorer's active generator
        data_dir = data_dir or Path(tempfile.mkdtemp(prefix="latent-studio-"))
        self.library = ModelLibrary(data_dir / "models")
        self.examples = HandwritingExamples(data_dir / "my_drawings")
        self.trainer = Trainer(parent, self.library, notifier,
                               my_drawings=self.examples.folder,
                               dialogs=None if show_dialogs else _quiet_dialogs())
        self.teacher = HandwritingTeacher(document, store, self.examples,
                                          self.library.folder, notifier, parent)
        self.tab = QWidget()  # the Train workspace goes in here on first show
        QVBoxLayout(self.tab).setContentsMargins(0, 0, 0, 0)
        self.trainer.recognizer_chosen.connect(self._on_trainer_recognizer_chosen)
        self.trainer.generator_chosen.connect(self._on_trainer_generator_chosen)
        store.classifier_changed.connect(self._sync_active)
        self.teacher.taught.connect(self._on_teacher_taught)
        self.teacher.writing_changed.connect(self._on_teacher_writing_changed)

    def _on_teacher_writing_changed(self, path: Path | None) -> None:
        self.trainer.set_writing("teach", path)

    def on_shown(self) -> None:
        """Build the workspace the first time its tab is shown (pyqtgraph loads then)."""
        if self.tab.layout().count() == 0:
            self.tab.layout().addWidget(self.trainer.panel)
            self._sync_active()
        self.trainer.form.set_my_drawings_count(sum(self.examples.counts().values()))

    def set_active_generator(self, path: Path | None) -> None:
        """The explorer now uses the generator at `path`: the library marks it active."""
        self._generator_path = path
        self._sync_active()

    def close(self) -> None:
        """The window is closing: a run stops at its next step, its last epoch kept."""
        self.trainer.close()
        self.teacher.close()

    def after_workers(self) -> None:
        """The pool is idle after closing: tidy what the abandoned work left."""
        self.teacher.discard_abandoned()

    def _on_trainer_recognizer_chosen(self, path: Path) -> None:
        self._store.load_classifier(Path(path))

    def _on_trainer_generator_chosen(self, path: Path) -> None:
        self.generator_chosen.emit(Path(path))

    def _on_teacher_taught(self, result) -> None:
        if self.trainer.library_panel is not None:
            self.trainer.library_panel.refresh()

    def _sync_active(self, *_: object) -> None:
        classifier = self._store.classifier
        self.trainer.set_active(classifier.path if classifier else None, self._generator_path)


def _quiet_dialogs() -> dict:
    """Tests build the window with dialogs=False: no modal dialog may block them."""
    return {"confirm": lambda *_: True, "ask_text": lambda *_: None,
            "choose_file": lambda *_: None, "choose_folder": lambda *_: None}
