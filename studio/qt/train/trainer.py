"""Training from the window: one run at a time, its controls, and the model library.

The Trainer owns the Train workspace's actions (they exist from start-up, for the
menus and shortcuts) and builds the workspace itself the first time it is shown,
since pyqtgraph costs a quarter of a second to import. Every run checkpoints into
the library after each epoch; the newest checkpoint can be explored or made the
recognizer while the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from studio.core.model_library import LibraryEntry, ModelLibrary
from studio.core.project.project_manifest import TrainRecord
from studio.ml.errors import StudioError
from studio.ml.models.sidecar import read_sidecar
from studio.ml.training.progress import Progress
from studio.ml.training.train_settings import TrainingPlan
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.train.train_snapshot import capture_train, restore_train
from studio.qt.train.training_form import KIND_LABELS, TrainingForm
from studio.qt.train.training_run import TrainingRun, describe_end


def _run(plan: TrainingPlan, control):
    """The run's generator; its body, and so torch's import, starts on the pool."""
    from studio.ml.training.training_plan import run_plan

    yield from run_plan(plan, control)


def _devices() -> list[tuple[str, str]]:
    from studio.ml.torch_device import available_devices

    return available_devices()


class Trainer(QObject):
    recognizer_chosen = Signal(object)  # Path of a CNN checkpoint to recognize with
    generator_chosen = Signal(object)  # Path of a GAN/VAE checkpoint to explore
    checkpoint_saved = Signal(object)  # Path, after every epoch of a run
    run_started = Signal()
    run_finished = Signal()  # ended, stopped or failed
    form_changed = Signal()  # a field of the Train form (a project keeps them)

    def __init__(self, window: QWidget, library: ModelLibrary, notifier: Notifier,
                 my_drawings: Path | None = None,
                 dialogs: dict[str, Callable] | None = None) -> None:
        super().__init__(window)
        self._window = window
        self.library = library
        self._notifier = notifier
        self._my_drawings = my_drawings
        self._dialogs = dialogs or {}  # tests replace the modal dialogs with callables
        self.run: TrainingRun | None = None
        self.newest: Path | None = None  # the running (or last) run's checkpoint
        self._kind = "cnn"
        self._panel = None
        self.form: TrainingForm | None = None
        self.pending_form: TrainRecord | None = None  # a project's form, until it is built
        self.library_panel = None
        self._writing: dict[str, Path | None] = {}  # see set_writing
        self._build_actions()

    # ---- actions -------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, keys: list[str], slot, tip: str) -> QAction:
            made = make_action(self._window, text, keys, slot, tip)
            self._window.addAction(made)
            return made

        self.start_action = action("&Start Training", ["Ctrl+Return"], self.start,
                                   "Train the chosen model on the chosen data (Ctrl+Enter)")
        self.pause_action = action("&Pause", ["Ctrl+P"], self.toggle_pause,
                                   "Hold the run between two steps; Resume continues (Ctrl+P)")
        self.stop_action = action("S&top", ["Ctrl+."], self.stop,
                                  "Stop the run; the last finished epoch stays in the library "
                                  "(Ctrl+.)")
        self.explore_action = action("&Explore Newest", ["Ctrl+Shift+E"], self.explore_newest,
                                     "Open the newest checkpoint of this run in the explorer "
                                     "while training goes on (Ctrl+Shift+E)")
        self.recognize_action = action("&Recognize With Newest", [], self.recognize_newest,
                                       "Make the newest checkpoint of this CNN run the "
                                       "recognizer while training goes on")
        self._sync_actions()

    def actions(self) -> list[QAction]:
        return [self.start_action, self.pause_action, self.stop_action, self.explore_action,
                self.recognize_action]

    def _sync_actions(self) -> None:
        running = self.run is not None and self.run.running
        self.start_action.setEnabled(not running)
        self.pause_action.setEnabled(running and not self.run.stopping)
        self.pause_action.setText("&Resume" if running and self.run.paused else "&Pause")
        self.stop_action.setEnabled(running and not self.run.stopping)
        have = self.newest is not None and self.newest.exists()
        self.explore_action.setEnabled(have and self._kind in ("gan", "vae"))
        self.recognize_action.setEnabled(have and self._kind == "cnn")

    # ---- the workspace, built on first show ----------------------------------------
    @property
    def panel(self):
        if self._panel is None:
            self._build_panel()
        return self._panel

    def _build_panel(self) -> None:
        from studio.qt.train.library_panel import LibraryPanel
        from studio.qt.train.training_panel import TrainingPanel

        self.form = TrainingForm(self._my_drawings, self._dialogs.get("choose_folder"))
        self.library_panel = LibraryPanel(
            self.library, self._notifier, ask_text=self._dialogs.get("ask_text"),
            confirm=self._dialogs.get("confirm"), choose_file=self._dialogs.get("choose_file"))
        self._panel = TrainingPanel(self.form, self.library_panel)
        for name, act in (("start", self.start_action), ("pause", self.pause_action),
                          ("stop", self.stop_action)):
            self._panel.add_button(name, act)
        self._panel.add_button("explore", self.explore_action, explore_row=True)
        self._panel.add_button("recognize", self.recognize_action, explore_row=True)
        self.library_panel.recognizer_chosen.connect(self.recognizer_chosen)
        self.library_panel.generator_chosen.connect(self.generator_chosen)
        self.library_panel.resume_requested.connect(self._on_library_resume_requested)
        self.form.resume_cancelled.connect(self._on_form_resume_cancelled)
        if self.pending_form is not None:
            restore_train(self.form, self.pending_form)
        self.form.changed.connect(self.form_changed)
        for writer, path in self._writing.items():
            self.library_panel.set_writing(writer, path)
        run_in_pool(_devices, on_returned=self.form.set_devices,
                    what="Listing the training devices")  # errors: the notifier

    def train_record(self) -> TrainRecord:
        """The Train form as a project keeps it (the form is built when the tab is first
        shown; until then a project's form waits in `pending_form`)."""
        if self.form is None:
            return self.pending_form or TrainRecord()
        return capture_train(self.form)

    def show_train_record(self, record: TrainRecord) -> None:
        if self.form is None:
            self.pending_form = record
        else:
            restore_train(self.form, record)

    def set_writing(self, writer: str, path: Path | None) -> None:
        """`writer`'s run writes `path` (None: it ended); the library marks it, now or
        once it is built."""
        self._writing[writer] = path
        if self.library_panel is not None:
            self.library_panel.set_writing(writer, path)

    # ---- controls ------------------------------------------------------------------
    def start(self) -> None:
        if self.run is not None and self.run.running:
            return
        panel, form = self.panel, self.form
        problem = self.library.check_writable()
        if problem:
            self._fail(f"Cannot train: {problem}")
            return
        settings = form.settings()
        resume = form.resume_from
        out = resume if resume is not None else self.library.new_run_path(settings.kind)
        plan = TrainingPlan(settings, form.data_spec(), out, resume_from=resume)
        self._kind = settings.kind
        self.newest = resume
        run = TrainingRun(partial(_run, plan), self)
        run.reported.connect(self._on_run_reported)
        run.epoch_ended.connect(self._on_run_epoch_ended)
        run.paused_changed.connect(self._on_run_paused_changed)
        run.ended.connect(self._on_run_ended)
        run.failed.connect(self._on_run_failed)
        self.run = run
        what = KIND_LABELS[settings.kind]
        verb = f"Continuing {resume.stem}" if resume else f"Training a new {what}"
        panel.start_run(f"{verb} on {form.data_label()}: loading the data…",
                        "Samples appear here after each epoch." if settings.kind != "cnn"
                        else "A recognizer makes no samples; watch its accuracy in the table.")
        panel.show_message(panel.status.text())
        form.set_running(True)
        self.set_writing("train", out)  # not to be deleted or renamed under the run
        run.start()
        self._sync_actions()
        self.run_started.emit()
        self._notifier.info(f"{verb} → {out.name}")

    def toggle_pause(self) -> None:
        if self.run is None or not self.run.running:
            return
        if self.run.paused:
            self.run.resume()
        else:
            self.run.pause()
            self.panel.show_message("Pausing after this step…")
        self._sync_actions()

    def stop(self) -> None:
        if self.run is not None and self.run.running:
            self.run.stop()
            self.panel.show_message("Stopping after this step…")
            self._sync_actions()

    def explore_newest(self) -> None:
        if self.newest is not None and self._kind in ("gan", "vae"):
            self.generator_chosen.emit(self.newest)

    def recognize_newest(self) -> None:
        if self.newest is not None and self._kind == "cnn":
            self.recognizer_chosen.emit(self.newest)

    @property
    def running(self) -> bool:
        return self.run is not None and self.run.running

    def close(self) -> None:
        """The window is closing: the run stops at its next step; its last finished
        epoch is already a complete checkpoint (saves are atomic)."""
        if self.run is not None and self.run.running:
            self.run.abandon()

    def set_active(self, recognizer: Path | None, generator: Path | None) -> None:
        if self.library_panel is not None:
            self.library_panel.set_active(recognizer, generator)

    # ---- run signals ---------------------------------------------------------------
    def _on_run_reported(self, progress: Progress) -> None:
        self.panel.show_progress(progress)

    def _on_run_epoch_ended(self, progress: Progress) -> None:
        self.panel.show_epoch(progress)
        if progress.checkpoint is not None:
            self.newest = progress.checkpoint
            self.library_panel.refresh()
            self.library_panel.select(progress.checkpoint)
            self.checkpoint_saved.emit(progress.checkpoint)
        self._sync_actions()

    def _on_run_paused_changed(self, paused: bool) -> None:
        if paused:
            self.panel.show_message(self.panel.status.text())
        self._sync_actions()

    def _on_run_ended(self, last: Progress | None) -> None:
        self._finish()
        saved = self.newest if self.newest is not None and self.newest.exists() else None
        text = describe_end(last, saved)
        self.panel.show_message(text)
        self._notifier.info(text)

    def _on_run_failed(self, message: str, details: str) -> None:
        self._finish()
        self._fail(message, details)

    def _fail(self, message: str, details: str = "") -> None:
        self.panel.show_message(message, error=True)
        self._notifier.error(message, details)

    def _finish(self) -> None:
        self.form.set_running(False)
        self._sync_actions()
        if self.library_panel is not None:
            self.set_writing("train", None)
            self.library_panel.refresh()
        self.run_finished.emit()

    # ---- resuming ------------------------------------------------------------------
    def _on_library_resume_requested(self, entry: LibraryEntry) -> None:
        if self.running:
            self._notifier.warning("A run is going: stop it before resuming another model.")
            return
        self.form.set_resume(entry.path, entry.kind, entry.epoch, _latent_dim(entry.path))
        if entry.dataset == "bundled" or Path(entry.dataset).is_dir():
            self.form.set_data(entry.dataset)
        self.panel.show_message(f"Ready to continue {entry.name} (epoch {entry.epoch}): "
                                f"choose how many more epochs, then Start.")

    def _on_form_resume_cancelled(self) -> None:
        self.panel.show_message("Start trains a new model.")


def _latent_dim(path: Path) -> int | None:
    """The latent size in a checkpoint's sidecar (plain JSON; no torch needed)."""
    try:
        return read_sidecar(path).config.get("latent_dim")
    except StudioError:
        return None
