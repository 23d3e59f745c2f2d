"""File > New, Open, Save, Save As, Open Recent; the title's modified mark; the prompts.

Reading and writing run on the pool; the window's work is replaced only by a project
that was read whole. Nothing is discarded silently: New, Open and closing ask Save /
Discard / Cancel when the work has changed since it was saved, and Save there waits
for the write to finish before going on. The modified mark compares the work with
what was saved (the canvas by its undo stack's clean state, the rest by value), so
undoing back to the saved state clears it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from msgspec.structs import replace
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from studio.core.project.project_file import SUFFIX, Project
from studio.core.project.project_manifest import ExplorerRecord
from studio.core.project.recovery_files import RecoveryInfo
from studio.core.settings import Settings
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.project.autosave import Autosaver
from studio.qt.project.project_parts import ProjectCapture, ProjectParts, read_for_window
from studio.qt.project.recovery_offer import RecoveryOffer

FILTER = f"Latent Studio projects (*{SUFFIX});;All files (*)"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class ProjectController(QObject):
    opened = Signal(Path)
    saved = Signal(Path)
    title_changed = Signal(str, bool)  # (title, modified)

    def __init__(self, parts: ProjectParts, settings: Settings, notifier: Notifier,
                 data_dir: Path | None, parent: QWidget, dialogs: bool = True) -> None:
        super().__init__(parent)
        self.parts = parts
        self.path: Path | None = None
        self._parent = parent
        self._settings = settings
        self.notifier = notifier
        self._saved = parts.settled()
        self._saving: tuple[Path, int] | None = None  # (path, canvas undo index) in flight
        self._then: Callable[[], None] | None = None  # what waits for a save to finish
        self._closed = False
        self._recovered = False  # the work came from a recovery copy and is saved nowhere
        self.autosaver = Autosaver(data_dir / "recovery" if data_dir else None,
                                   parts.capture, self._recovery_info, self)
        self.autosaver.failed.connect(notifier.warning)
        self.recovery = RecoveryOffer(self.autosaver, self.show_project, self.when_discardable,
                                      notifier, parent, dialogs, self)
        # Hooks the tests replace: each returns what a person would have chosen.
        self.ask_unsaved: Callable[[str], str] = \
            self._ask_unsaved if dialogs else (lambda _what: DISCARD)
        self.ask_open_path: Callable[[], Path | None] = \
            self._ask_open_path if dialogs else (lambda: None)
        self.ask_save_path: Callable[[], Path | None] = \
            self._ask_save_path if dialogs else (lambda: None)
        self._build_actions(parent)
        self._connect()

    # ---- actions ---------------------------------------------------------------------
    def _build_actions(self, parent: QWidget) -> None:
        def action(text: str, keys: list, slot: Callable, tip: str) -> QAction:
            made = make_action(parent, text, keys, slot, tip)
            parent.addAction(made)
            return made

        self.new_action = action("&New", [QKeySequence.StandardKey.New], lambda: self.new(),
                                 "Start a new project (asks to save changes first)")
        self.open_action = action("&Open…", [QKeySequence.StandardKey.Open],
                                  self._on_open_triggered, "Open a Latent Studio project")
        self.save_action = action("&Save", [QKeySequence.StandardKey.Save],
                                  lambda: self.save(), "Save the project")
        self.save_as_action = action("Save &As…", ["Ctrl+Shift+S"], lambda: self.save_as(),
                                     "Save the project under a new name")
        self.recent_menu = QMenu("Open &Recent", parent)
        self.recent_menu.aboutToShow.connect(self._on_recent_menu_about_to_show)

    def actions(self) -> list[QAction]:
        return [self.new_action, self.open_action, self.save_action, self.save_as_action]

    def _connect(self) -> None:
        p = self.parts
        marked = [p.document.undo_stack.indexChanged, p.explorer.state.point_changed,
                  p.explorer.state.locks_changed, p.explorer.state.seed_changed,
                  p.explorer.workspace.keyframes.keyframes_changed,
                  p.explorer.workspace.keyframes.speed_changed,
                  p.explorer.workspace.keyframes.loop_toggled,
                  p.explorer.workspace.map.settings_changed, p.media.sound.settings_changed,
                  p.trainer.form_changed]
        for signal in marked:
            signal.connect(self._on_work_changed)
        for signal in (p.canvas.brush_changed, p.canvas.selection.changed):
            signal.connect(self.autosaver.changed)  # kept in the copy, not a modification

    # ---- state -----------------------------------------------------------------------
    @property
    def title(self) -> str:
        return self.path.stem if self.path is not None else "Untitled"

    def is_modified(self) -> bool:
        if self._recovered or not self.parts.document.undo_stack.isClean():
            return True
        explorer, sound, train = self.parts.settled()
        saved_explorer, saved_sound, saved_train = self._saved
        if (sound, train) != (saved_sound, saved_train):
            return True
        if saved_explorer is None:  # a generator loading is not a change the artist made
            return explorer is not None and (not self.parts.explorer.state.undo_stack.isClean()
                                             or bool(explorer.keyframes))
        return _comparable(explorer) != _comparable(saved_explorer)

    def _on_work_changed(self, *_: object) -> None:
        if self._closed:  # the window's parts are going: their last signals mean nothing
            return
        self._update_title()
        if self.is_modified():
            self.autosaver.changed()
        else:  # undone back to what is saved: an older copy would only mislead
            self.autosaver.discard()

    def _update_title(self) -> None:
        self.title_changed.emit(self.title, self.is_modified())

    def _mark_saved(self, capture: ProjectCapture | None, undo_index: int | None) -> None:
        """The work as `capture` holds it is what is on disk now."""
        stack = self.parts.document.undo_stack
        if undo_index is None or stack.index() == undo_index:
            stack.setClean()
        self._saved = capture.settled if capture is not None else self.parts.settled()
        self._recovered = False
        self.autosaver.discard()
        self._update_title()

    def _recovery_info(self) -> RecoveryInfo:
        return RecoveryInfo(title=self.title, project=str(self.path or ""),
                            saved=datetime.now(UTC).isoformat(timespec="seconds"))

    # ---- New and Open ----------------------------------------------------------------
    def new(self) -> None:
        self.when_discardable("start a new project", self._start_new)

    def _start_new(self) -> None:
        self.parts.clear()
        self.path = None
        self._mark_saved(None, None)

    def _on_open_triggered(self) -> None:
        self.when_discardable("open another project", self._ask_and_open)

    def _ask_and_open(self) -> None:
        path = self.ask_open_path()
        if path is not None:
            self.open(path, ask=False)

    def open(self, path: Path, ask: bool = True) -> None:
        """Read `path` on the pool; the work is replaced only once it was read whole."""
        if ask:
            self.when_discardable(f"open {Path(path).name}", lambda: self.open(path, ask=False))
            return
        run_in_pool(read_for_window, Path(path), what=f"Opening {Path(path).name}",
                    on_returned=lambda read: self._on_read_returned(Path(path), *read),
                    on_errored=self._on_read_errored)

    def _on_read_returned(self, path: Path, project: Project, strokes: list) -> None:
        self.show_project(project, path, strokes=strokes)
        self._settings.remember_project(str(path))
        self.notifier.info(f"Opened {path}")
        self.opened.emit(path)

    def show_project(self, project: Project, path: Path | None, modified: bool = False,
                     strokes: list | None = None) -> None:
        """Put `project` in the window as the work saved at `path` (or a recovered copy)."""
        name = path.name if path is not None else "the recovered work"
        self.parts.restore(project, name, self.notifier, on_explorer=self._on_explorer_restored,
                           strokes=strokes)
        self.path = path
        self._mark_saved(None, None)
        if modified:  # recovered: what is on screen is not what is in the file
            self._recovered = True
            self.autosaver.changed()
        self._update_title()

    def _on_explorer_restored(self) -> None:
        """The explorer's generator arrived after the rest: it is part of what was saved."""
        explorer, _, _ = self.parts.settled()
        self._saved = (explorer, *self._saved[1:])
        self._update_title()

    def _on_read_errored(self, error: Exception) -> None:
        self.notifier.error(f"{error}; the current work is unchanged")

    def _on_recent_menu_about_to_show(self) -> None:
        self.recent_menu.clear()
        for path in self._settings.recent_projects:
            self.recent_menu.addAction(path, lambda p=path: self.open(Path(p)))
        if not self._settings.recent_projects:
            self.recent_menu.addAction("No recent projects").setEnabled(False)

    # ---- Save --------------------------------------------------------------------------
    def save(self, then: Callable[[], None] | None = None) -> None:
        if self.path is None:
            self.save_as(then)
        else:
            self.save_to(self.path, then)

    def save_as(self, then: Callable[[], None] | None = None) -> None:
        path = self.ask_save_path()
        if path is not None:
            self.save_to(path if path.suffix == SUFFIX else path.with_name(path.name + SUFFIX),
                         then)

    def save_to(self, path: Path, then: Callable[[], None] | None = None) -> None:
        """Capture now, write on the pool; `then` runs once the file is complete."""
        if self._saving is not None:
            self.notifier.info("Still saving the project; try again in a moment")
            return
        capture = self.parts.capture()
        self._saving = (path, self.parts.document.undo_stack.index())
        self._then = then
        run_in_pool(capture.write, path, what=f"Saving {path.name}",
                    on_returned=lambda _: self._on_write_returned(capture),
                    on_errored=self._on_write_errored)

    def _on_write_returned(self, capture: ProjectCapture) -> None:
        (path, index), self._saving = self._saving, None
        self.path = path
        self._mark_saved(capture, index)
        self._settings.remember_project(str(path))
        self.notifier.info(f"Saved {path}")
        self.saved.emit(path)
        then, self._then = self._then, None
        if then is not None:
            then()

    def _on_write_errored(self, error: Exception) -> None:
        self._saving, self._then = None, None
        self.notifier.error(f"The project was not saved: {error}")

    def close(self, keep_recovery: bool = False) -> None:
        """The window closes: its recovery copy goes unless kept (a signal quit the app)."""
        self._closed = True
        self.autosaver.close(keep=keep_recovery)

    @property
    def saving(self) -> bool:
        return self._saving is not None

    # ---- never discard silently ---------------------------------------------------
    def when_discardable(self, what: str, go_on: Callable[[], None]) -> None:
        """Run `go_on` now if nothing unsaved would be lost, after saving if asked to, or
        never if the artist cancels."""
        if not self.is_modified():
            go_on()
            return
        answer = self.ask_unsaved(what)
        if answer == DISCARD:
            go_on()
        elif answer == SAVE:
            self.save(then=go_on)

    def _ask_unsaved(self, what: str) -> str:
        box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved Changes",
                          f"“{self.title}” has changes that are not saved. Save them before "
                          f"you {what}?",
                          QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                          | QMessageBox.StandardButton.Cancel, self._parent)
        box.setDefaultButton(QMessageBox.StandardButton.Save)
        answer = box.exec()
        return {QMessageBox.StandardButton.Save: SAVE,
                QMessageBox.StandardButton.Discard: DISCARD}.get(answer, CANCEL)

    def _ask_open_path(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Open Project",
                                              self._settings.last_open_dir, FILTER)
        return Path(path) if path else None

    def _ask_save_path(self) -> Path | None:
        start = str(self.path) if self.path else str(Path(self._settings.last_open_dir
                                                          or ".") / f"Untitled{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self._parent, "Save Project", start, FILTER)
        return Path(path) if path else None


def _comparable(record: ExplorerRecord | None) -> ExplorerRecord | None:
    """The explorer record without where its generator was loaded from (the same weights
    found at another path are the same generator)."""
    if record is None:
        return None
    return replace(record, generator=replace(record.generator, path=""))
