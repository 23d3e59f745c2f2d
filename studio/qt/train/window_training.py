"""The training side of the main window: the Train tab, the library, my handwriting.

The window owns one of these, as it owns a LatentExplorer. It decides what a
checkpoint from the library or a running training is used for (the recognizer or
the explorer), keeps the library's "active" column true, and stops work when the
window closes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QVBoxLayout, QWidget

from studio.core.handwriting import HandwritingExamples
from studio.core.model_library import ModelLibrary
from studio.qt.train.handwriting_teacher import HandwritingTeacher
from studio.qt.train.trainer import Trainer

if TYPE_CHECKING:
    from studio.qt.shell.main_window import MainWindow


class WindowTraining(QObject):
    def __init__(self, window: MainWindow, data_dir: Path | None) -> None:
        super().__init__(window)
        self._window = window
        data_dir = data_dir or Path(tempfile.mkdtemp(prefix="latent-studio-"))
        self.library = ModelLibrary(data_dir / "models")
        self.examples = HandwritingExamples(data_dir / "my_drawings")
        self.trainer = Trainer(window, self.library, window.notifier,
                               my_drawings=self.examples.folder,
                               dialogs=None if window.dialogs else _quiet_dialogs())
        self.teacher = HandwritingTeacher(window.document, window.store, self.examples,
                                          self.library.folder, window.notifier, window)
        self.tab = QWidget()  # the Train workspace goes in here on first show
        QVBoxLayout(self.tab).setContentsMargins(0, 0, 0, 0)
        self.trainer.recognizer_chosen.connect(self._on_trainer_recognizer_chosen)
        self.trainer.generator_chosen.connect(self._on_trainer_generator_chosen)
        window.store.classifier_changed.connect(self._sync_active)
        window.explorer.store.generator_changed.connect(self._sync_active)
        self.teacher.taught.connect(self._on_teacher_taught)

    def on_shown(self) -> None:
        """Build the workspace the first time its tab is shown (pyqtgraph loads then)."""
        if self.tab.layout().count() == 0:
            self.tab.layout().addWidget(self.trainer.panel)
            self._sync_active()
        self.trainer.form.set_my_drawings_count(sum(self.examples.counts().values()))

    def close(self) -> None:
        self.trainer.close()
        self.teacher.close()

    def after_workers(self) -> None:
        """The pool is idle after closing: tidy what the abandoned work left."""
        self.teacher.discard_abandoned()

    def _on_trainer_recognizer_chosen(self, path: Path) -> None:
        self._window.store.load_classifier(Path(path))

    def _on_trainer_generator_chosen(self, path: Path) -> None:
        self._window.explorer.store.load(Path(path))
        self._window.show_explorer()

    def _on_teacher_taught(self, result) -> None:
        if self.trainer.library_panel is not None:
            self.trainer.library_panel.refresh()

    def _sync_active(self, *_: object) -> None:
        classifier = self._window.store.classifier
        generator = self._window.explorer.store.generator
        self.trainer.set_active(classifier.path if classifier else None,
                                generator.path if generator else None)


def _quiet_dialogs() -> dict:
    """Tests build the window with dialogs=False: no modal dialog may block them."""
    return {"confirm": lambda *_: True, "ask_text": lambda *_: None,
            "choose_file": lambda *_: None, "choose_folder": lambda *_: None}
