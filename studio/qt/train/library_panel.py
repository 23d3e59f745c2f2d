"""The model library panel: every checkpoint in a table, and what the user can do with one.

Rename, delete and listing are quick file operations, so they run here on the GUI
thread; the panel never imports torch: it tells the window which checkpoint was chosen
through its signals, and the window loads it in the pool. Add File is the exception
that proves it: a file from elsewhere is loaded for real (header, names, shapes) and
copied on the pool, since a sidecar and a hash can both be forged to match. Dialogs come in
as callables so that tests (and other front ends) answer them without a modal loop.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, QSortFilterProxyModel, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.model_library import LibraryEntry, LibraryError, ModelLibrary
from studio.ml.errors import StudioError
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.train.library_model import CREATED, METRICS, NAME, SORT_ROLE, LibraryModel

AskText = Callable[[str, str, str], "str | None"]
Confirm = Callable[[str, str], bool]
ChooseFile = Callable[[str], "Path | None"]
TRAINING_TIP = ("A training run is writing this checkpoint after each epoch: stop the run "
                "(or let it finish) to rename or delete it")


class LibraryPanel(QWidget):
    recognizer_chosen = Signal(object)  # Path of a cnn checkpoint
    generator_chosen = Signal(object)  # Path of a vae or gan checkpoint
    resume_requested = Signal(object)  # LibraryEntry
    entry_renamed = Signal(object, object)  # old Path, new Path
    entry_deleted = Signal(object)  # Path

    def __init__(self, library: ModelLibrary, notifier: Notifier,
                 ask_text: AskText | None = None, confirm: Confirm | None = None,
                 choose_file: ChooseFile | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self._notifier = notifier
        self._ask_text = ask_text or self._ask_text_dialog
        self._confirm = confirm or self._confirm_dialog
        self._choose_file = choose_file or self._choose_file_dialog

        self.where = QLabel()
        self.where.setWordWrap(True)
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #b35c00")
        self.problems.hide()
        self.model = LibraryModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(SORT_ROLE)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(CREATED, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)  # one line per checkpoint; tooltips have the rest
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(METRICS, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Interactive)  # names run long
        header.resizeSection(NAME, 190)
        self.table.doubleClicked.connect(self._on_table_double_clicked)
        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)

        def button(text: str, keys: list[str], slot: Callable, tip: str) -> QToolButton:
            widget = QToolButton()
            widget.setDefaultAction(make_action(self, text, keys, slot, tip))
            self.addAction(widget.defaultAction())  # shortcuts work anywhere in the panel
            widget.defaultAction().setShortcutContext(
                Qt.ShortcutContext.WidgetWithChildrenShortcut)
            return widget

        self.use_button = button("Use as Recognizer", [], self._on_use_button_clicked,
                                 "Recognize drawings with the selected CNN checkpoint")
        self.explore_button = button("Explore", [], self._on_explore_button_clicked,
                                     "Explore the latent space of the selected VAE or GAN")
        self.resume_button = button("Resume Training…", [], self._on_resume_button_clicked,
                                    "Train the selected checkpoint for more epochs")
        self.rename_button = button("Rename…", ["F2"], self._on_rename_button_clicked,
                                    "Rename the selected checkpoint")
        self.delete_button = button("Delete…", ["Delete"], self._on_delete_button_clicked,
                                    "Delete the selected checkpoint from the library")
        self._tips = {w: w.defaultAction().toolTip()  # with the shortcut, as made
                      for w in (self.rename_button, self.delete_button)}
        self.add_button = button("Add File…", [], self._on_add_button_clicked,
                                 "Copy a checkpoint (.safetensors with its .json) into the library")
        self.refresh_button = button("Refresh", ["F5"], self._on_refresh_button_clicked,
                                     "Read the library folder again")
        self.folder_button = button("Show Folder", [], self._on_folder_button_clicked,
                                    "Open the library folder in the file manager")
        self._use_action = make_action(self, "Use", ["Return", "Enter"],
                                       self._on_use_action_triggered,
                                       "Use the selected checkpoint where it belongs")
        self._use_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.addAction(self._use_action)

        buttons = QHBoxLayout()
        for widget in (self.use_button, self.explore_button, self.resume_button,
                       self.rename_button, self.delete_button, self.add_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.where)
        layout.addWidget(self.problems)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    # --- public -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the folder again, keeping the selected checkpoint selected."""
        selected = self.selected_entry()
        entries, problems = self.library.entries()
        self.model.set_entries(entries)
        count = f"{len(entries)} checkpoint{'' if len(entries) == 1 else 's'}"
        self.where.setText(f"{count} in {self.library.folder}" if entries else
                           f"No checkpoints yet in {self.library.folder}: training saves "
                           f"one there each epoch")
        self.problems.setVisible(bool(problems))
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.problems.setText(f"⚠ Skipped: {problems[0]}{more}")
            self.problems.setToolTip("\n".join(problems))
        if selected is None or not self.select(selected.path):
            self._update_buttons()

    def select(self, path: Path) -> bool:
        """Select the row of `path`; False (and nothing selected) when it is not listed."""
        row = self.model.row_of(path)
        if row < 0:
            self.table.clearSelection()
            return False
        self._select_proxy_row(self.proxy.mapFromSource(self.model.index(row, NAME)).row())
        return True

    def selected_entry(self) -> LibraryEntry | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.entry(self.proxy.mapToSource(rows[0]).row())

    def set_active(self, recognizer: Path | None, generator: Path | None) -> None:
        self.model.set_active(recognizer, generator)

    def set_writing(self, writer: str, path: Path | None) -> None:
        """`writer`'s run ("train", "teach") writes `path` (None: its run ended): deleting
        it would only bring it back at the next epoch and renaming it would fork it, so
        both wait."""
        self.model.set_writing(writer, path)
        self._update_buttons()

    # --- slots --------------------------------------------------------------------------

    def _on_table_selection_changed(self, _selected: QItemSelection,
                                    _deselected: QItemSelection) -> None:
        self._update_buttons()

    def _on_table_double_clicked(self, _index: QModelIndex) -> None:
        self._on_use_action_triggered()

    def _on_use_action_triggered(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            (self.use_button if entry.kind == "cnn" else self.explore_button).click()

    def _on_use_button_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.kind == "cnn":
            self.recognizer_chosen.emit(entry.path)

    def _on_explore_button_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.kind in ("vae", "gan"):
            self.generator_chosen.emit(entry.path)

    def _on_resume_button_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is not None:
            self.resume_requested.emit(entry)

    def _on_rename_button_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is None or self.model.is_training(entry.path):
            return
        name = self._ask_text("Rename Checkpoint", f"New name for {entry.name}:", entry.name)
        if not name or name.strip() == entry.name:
            return
        try:
            new_path = self.library.rename(entry.path, name)
        except LibraryError as e:
            self._notifier.error(str(e))
            return
        self.refresh()
        self.select(new_path)
        self.entry_renamed.emit(entry.path, new_path)
        self._notifier.info(f"Renamed {entry.name} to {new_path.stem}")

    def _on_delete_button_clicked(self) -> None:
        entry = self.selected_entry()
        if entry is None or self.model.is_training(entry.path):
            return
        question = (f"Delete the checkpoint {entry.name} ({entry.kind_title}, epoch "
                    f"{entry.epoch})? Its weights and sidecar are removed from "
                    f"{self.library.folder}; this cannot be undone.")
        if not self._confirm("Delete Checkpoint", question):
            return
        row = self.table.selectionModel().selectedRows()[0].row()
        try:
            self.library.delete(entry.path)
        except LibraryError as e:
            self._notifier.error(str(e))
            return
        self.refresh()
        if self.proxy.rowCount():
            self._select_proxy_row(min(row, self.proxy.rowCount() - 1))
        self.entry_deleted.emit(entry.path)
        self._notifier.info(f"Deleted the checkpoint {entry.name}")

    def _on_add_button_clicked(self) -> None:
        source = self._choose_file("Add a Checkpoint to the Library")
        if source is None:
            return
        self.add_button.defaultAction().setEnabled(False)  # one copy at a time
        run_in_pool(_load_and_add, self.library, Path(source),
                    on_returned=self._on_add_job_returned, on_errored=self._on_add_job_errored)

    def _on_add_job_returned(self, path: Path) -> None:
        self.add_button.defaultAction().setEnabled(True)
        self.refresh()
        self.select(path)
        self._notifier.info(f"Added {path.stem} to the model library")

    def _on_add_job_errored(self, error: Exception) -> None:
        self.add_button.defaultAction().setEnabled(True)
        if isinstance(error, StudioError):
            self._notifier.error(str(error))
        else:
            details = "".join(traceback.format_exception(error))
            self._notifier.error(f"Adding a checkpoint failed: {error}", details)

    def _on_refresh_button_clicked(self) -> None:
        self.refresh()

    def _on_folder_button_clicked(self) -> None:
        problem = self.library.check_writable()  # also creates the folder on first use
        if problem:
            self._notifier.error(problem)
        elif not QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.library.folder))):
            self._notifier.warning(f"{self.library.folder}: no file manager could open it")

    # --- helpers ------------------------------------------------------------------------

    def _select_proxy_row(self, row: int) -> None:
        self.table.selectRow(row)
        self.table.scrollTo(self.proxy.index(row, NAME))

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        kind = entry.kind if entry else None
        self.use_button.defaultAction().setEnabled(kind == "cnn")
        self.explore_button.defaultAction().setEnabled(kind in ("vae", "gan"))
        self.resume_button.defaultAction().setEnabled(entry is not None)
        training = entry is not None and self.model.is_training(entry.path)
        for widget, tip in self._tips.items():
            widget.defaultAction().setEnabled(entry is not None and not training)
            widget.defaultAction().setToolTip(TRAINING_TIP if training else tip)

    def _ask_text_dialog(self, title: str, label: str, default: str) -> str | None:
        text, ok = QInputDialog.getText(self, title, label, text=default)
        return text if ok else None

    def _confirm_dialog(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text, QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.Cancel,
                                      QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def _choose_file_dialog(self, title: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, title, str(Path.home()),
                                              "Checkpoints (*.safetensors *.json)")
        return Path(name) if name else None


def _load_and_add(library: ModelLibrary, source: Path) -> Path:
    """On the pool: load the checkpoint as the studio would use it, then copy it in.

    Only a checkpoint that loads is copied: a pickle renamed .safetensors, a header
    claiming exabytes or weights that do not fit the sidecar's config all have a
    sidecar and sha256 that match, and would sit in the library never loading."""
    from studio.ml.models.checkpoints import load_checkpoint

    if source.suffix.lower() in (".safetensors", ".json"):
        try:
            load_checkpoint(source)
        except StudioError as e:
            raise LibraryError(f"{e}; it was not added to the library") from e
    return library.add_file(source)
