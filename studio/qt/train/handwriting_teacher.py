"""Teach my handwriting: keep labelled drawings, fine-tune the recognizer on them.

The controller between the canvas's document, the examples on disk, the model store
and the "My Handwriting" panel. Keeping an example is quick, torch-free work on the
GUI thread (to_mnist and one small PNG); measuring and fine-tuning run as one
TrainingRun on the pool, and the result becomes the active recognizer only once the
store has loaded it, so a failure anywhere leaves the previous recognizer in place.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from studio.core.handwriting import (
    MIN_TO_TEACH,
    Example,
    HandwritingError,
    HandwritingExamples,
    stack,
)
from studio.core.model_library import ModelLibrary
from studio.ml.data.preprocess import fit_to_mnist, to_uint8
from studio.ml.training.progress import Progress, RunControl
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.sketch.recognizer_store import LoadedClassifier, RecognizerStore
from studio.qt.sketch.sketch_document import SketchDocument
from studio.qt.train.handwriting_panel import HandwritingPanel
from studio.qt.train.training_run import TrainingRun

# The metrics studio.ml.training.fine_tune adds to its "epoch" reports (it imports torch, so it is
# imported only inside the pool job; tests check these match fine_tune's constants).
BEFORE, AFTER, EVALUATED, HELD_OUT = ("own_accuracy_before", "own_accuracy",
                                      "own_evaluated", "own_held_out")


@dataclass(frozen=True)
class Taught:
    before: float  # accuracy of the previous recognizer on the evaluated examples, 0..1
    after: float  # accuracy of the taught one on the same examples
    evaluated: int  # how many of the artist's examples the two are measured on
    held_out: int  # how many of those were kept out of training (0: measured on all)
    path: Path  # the taught recognizer's checkpoint, now the active recognizer
    bundled_accuracy: float | None  # on the bundled test digits, to show nothing was lost


def fine_tune_job(model: Any, images: np.ndarray, labels: np.ndarray, out: Path,
                  control: RunControl) -> Iterator[Progress]:
    """Runs on the pool: torch is imported here, never on the GUI thread."""
    import torch

    from studio.ml.data.digit_datasets import ImageSet, bundled_mnist
    from studio.ml.training.fine_tune import fine_tune
    from studio.ml.training.train_settings import spare_one_core

    torch.set_num_threads(spare_one_core())
    yield from fine_tune(model, ImageSet(images, labels), bundled_mnist(), out, control)


class HandwritingTeacher(QObject):
    taught = Signal(object)  # Taught, once the taught recognizer is the active one
    writing_changed = Signal(object)  # the checkpoint a fine-tune writes; None once it ends

    def __init__(self, document: SketchDocument, store: RecognizerStore,
                 examples: HandwritingExamples, library_folder: Path | None,
                 notifier: Notifier, parent: QObject) -> None:
        super().__init__(parent)
        self.document = document
        self.store = store
        self.examples = examples
        self.library_folder = library_folder
        self.notifier = notifier
        self.run: TrainingRun | None = None
        self._examples: list[Example] = []
        self._reported: set[str] = set()  # skipped-file messages already shown
        self._pending: Taught | None = None  # taught, waiting for the store to load it
        self._out: Path | None = None  # the running fine-tune's checkpoint
        self._abandoned: Path | None = None  # cut short by closing the window

        self.panel = HandwritingPanel()
        self.panel.digit_clicked.connect(self._on_panel_digit_clicked)
        self.panel.examples_deleted.connect(self._on_panel_examples_deleted)
        self.panel.teach_clicked.connect(self._on_panel_teach_clicked)
        self.panel.stop_clicked.connect(self._on_panel_stop_clicked)
        self.keep_actions = [
            make_action(parent, f"Keep as {d}", [str(d)], self._keeper(d),
                        tip=f"Keep the drawing as an example of {d}") for d in range(10)]
        self.teach_action = make_action(
            parent, "&Teach Recognizer", ["Ctrl+Shift+T"], self._on_panel_teach_clicked,
            tip=f"Fine-tune the recognizer on your kept examples (at least {MIN_TO_TEACH})")
        if isinstance(parent, QWidget):
            parent.addActions([*self.keep_actions, self.teach_action])
        store.classifier_changed.connect(self._on_store_classifier_changed)
        store.classifier_failed.connect(self._on_store_classifier_failed)
        self.refresh()

    # ---- examples ------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read the examples from disk and show them; name each skipped file once."""
        scan = self.examples.scan()
        self._examples = scan.examples
        self.panel.show_examples(scan.examples)
        for problem in scan.problems:
            if problem not in self._reported:
                self._reported.add(problem)
                self.notifier.warning(problem)

    def keep_drawing(self, label: int) -> Path | None:
        """Save the drawing as an example of `label` and clear the canvas (undoably)."""
        fitted = None if self.document.is_blank() else fit_to_mnist(self.document.snapshot())
        if fitted is None:
            self.notifier.info(f"Draw a {label} first, then press {label} to keep it")
            return None
        try:
            path = self.examples.add(to_uint8(fitted.image), label, self._strokes(fitted))
        except HandwritingError as e:
            self.notifier.error(str(e))
            self.panel.show_error(str(e))
            return None
        self.document.clear()
        self.refresh()
        self.notifier.info(f"Kept as {label} ({len(self._examples)} examples)")
        return path

    def _strokes(self, fitted) -> list[np.ndarray] | None:
        """The drawing's strokes in the kept 28x28 (as `fitted` maps the canvas onto it);
        None when strokes alone do not make the picture (an eraser, an imported image)."""
        doc = self.document
        if doc.base is not None or not doc.strokes or any(s.erase for s in doc.strokes):
            return None
        return [np.array([fitted.to_field(x, y) for x, y, _ in s.points], np.float32)
                for s in doc.strokes if s.points]

    def set_actions_enabled(self, enabled: bool) -> None:
        for action in self.keep_actions:
            action.setEnabled(enabled)

    # ---- teaching ------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.run is not None and self.run.running

    def teach(self) -> None:
        """Measure the active recognizer and fine-tune it on the pool; see fine_tune.py."""
        if self.running:
            return
        if len(self._examples) < MIN_TO_TEACH:
            return self._refuse(f"Keep at least {MIN_TO_TEACH} examples first "
                                f"(you have {len(self._examples)})")
        loaded: LoadedClassifier | None = self.store.classifier
        if loaded is None:
            return self._refuse("The recognizer is still loading; teach it once it is ready")
        if self.library_folder is None:
            return self._refuse("There is no model library folder to keep the taught "
                                "recognizer in")
        out = ModelLibrary(self.library_folder).new_run_path("my-handwriting")
        images, labels = stack(self._examples)  # [N, 28, 28] uint8, [N] int64
        model = loaded.model

        def job(control: RunControl) -> Iterator[Progress]:
            yield from fine_tune_job(model, images, labels, out, control)

        self.run = TrainingRun(job, self)
        self.run.reported.connect(self._on_run_reported)
        self.run.ended.connect(self._on_run_ended)
        self.run.failed.connect(self._on_run_failed)
        self._out = out
        self.panel.set_running(True)
        self.run.start()
        self.writing_changed.emit(out)

    def stop(self) -> None:
        if self.running:
            self.run.stop()
            self.panel.show_stopping()

    def close(self) -> None:
        """The window is closing: abandon a running fine-tune; no signal follows.
        Call `discard_abandoned` once the pool is idle to remove what it saved."""
        self._abandoned = self._out if self.running else None
        if self.running:
            self.run.abandon()
        self._pending = None

    def discard_abandoned(self) -> None:
        """A fine-tune cut short by closing leaves no half-taught recognizer in the library
        (its worker has finished, so nothing writes the file any more)."""
        if self._abandoned is not None:
            self._out, self._abandoned = self._abandoned, None
            self._discard_output()

    def _refuse(self, message: str) -> None:
        self.panel.show_error(message)
        self.notifier.info(message)

    def _discard_output(self) -> None:
        """A stopped or failed run leaves no half-taught recognizer in the library."""
        if self._out is None:
            return
        for path in (self._out, self._out.with_suffix(".json")):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    # ---- slots ---------------------------------------------------------------------
    def _keeper(self, label: int) -> Callable[..., None]:
        return lambda *_: self.keep_drawing(label)

    def _on_panel_digit_clicked(self, label: int) -> None:
        self.keep_drawing(label)

    def _on_panel_examples_deleted(self, paths: list[Path]) -> None:
        try:
            self.examples.delete(paths)
        except HandwritingError as e:
            self.notifier.error(str(e))
        self.refresh()

    def _on_panel_teach_clicked(self) -> None:
        self.teach()

    def _on_panel_stop_clicked(self) -> None:
        self.stop()

    def _on_run_reported(self, progress: Progress) -> None:
        self.panel.show_progress(progress)

    def _on_run_ended(self, last: Progress | None) -> None:
        self.panel.set_running(False)
        self.writing_changed.emit(None)
        if last is None or last.event != "epoch" or last.epoch < last.epochs \
                or AFTER not in last.metrics:
            self._discard_output()
            self.panel.show_result("Stopped; the recognizer is unchanged")
            return
        m = last.metrics
        evaluated = int(m[EVALUATED])
        self._pending = Taught(before=m[BEFORE], after=m[AFTER], evaluated=evaluated,
                               held_out=evaluated if m[HELD_OUT] else 0, path=last.checkpoint,
                               bundled_accuracy=m.get("accuracy"))
        self.panel.show_result(f"{_measured_on(self._pending)}: {self._pending.before:.0%} "
                               f"before → {self._pending.after:.0%} after · loading…")
        self.store.load_classifier(last.checkpoint, last.checkpoint.stem)

    def _on_run_failed(self, message: str, details: str) -> None:
        self.panel.set_running(False)
        self.writing_changed.emit(None)
        self._discard_output()
        self.panel.show_error(f"{message}; the recognizer is unchanged")
        self.notifier.error(message, details)

    def _on_store_classifier_changed(self, loaded: LoadedClassifier) -> None:
        result, self._pending = self._pending, None
        if result is None or loaded.path != result.path:
            return
        kept = "" if result.bundled_accuracy is None else \
            f" (bundled digits: {result.bundled_accuracy:.0%})"
        self.panel.show_result(f"{_measured_on(result)}: {result.before:.0%} before → "
                               f"{result.after:.0%} after · now the active recognizer{kept}")
        self.taught.emit(result)

    def _on_store_classifier_failed(self, message: str) -> None:
        if self._pending is not None:
            self._pending = None
            self.panel.show_error(message)


def _measured_on(result: Taught) -> str:
    if result.held_out:
        return f"Your {result.held_out} held-out examples"
    return f"All your {result.evaluated} examples (too few to hold some out)"
