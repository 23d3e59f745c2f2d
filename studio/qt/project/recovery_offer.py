"""After a crash or a kill: find the work a dead window left, offer it, restore or discard.

The copies whose lock this window can take belong to no running window (QLockFile
knows a dead owner by its process id). Their thumbnails and the chosen copy are
read on the pool; the offer itself is a dialog (or, in tests, the `choose` hook).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtWidgets import QWidget

from studio.core.project.project_file import Project, read_project, read_thumbnail
from studio.core.project.recovery_files import Recovery, remove_recovery
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.project.autosave import Autosaver, find_orphans
from studio.qt.project.recovery_dialog import DISCARD, LATER, RESTORE, RecoveryDialog

Choice = tuple[str, Recovery | None]
# show(project, its path or None, modified): the controller puts a project in the window
Show = Callable[[Project, Path | None, bool], None]
# when_discardable(what, go_on): go_on once nothing unsaved would be lost
WhenDiscardable = Callable[[str, Callable[[], None]], None]


class RecoveryOffer(QObject):
    offered = Signal(list)  # the Recovery copies found
    restored = Signal(object)  # the Recovery brought back

    def __init__(self, autosaver: Autosaver, show: Show, when_discardable: WhenDiscardable,
                 notifier: Notifier, window: QWidget, dialogs: bool,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._autosaver = autosaver
        self._show = show
        self._when_discardable = when_discardable
        self._notifier = notifier
        self._window = window
        self._locks: dict[str, QLockFile] = {}
        # What a person chose for the copies (with their thumbnails); tests replace it.
        self.choose: Callable[[list[tuple[Recovery, bytes | None]]], Choice] = \
            self._choose_in_dialog if dialogs else (lambda _found: (LATER, None))

    def look(self) -> None:
        """Find orphaned copies and their thumbnails on the pool, then offer them."""
        run_in_pool(_orphans_with_thumbnails, self._autosaver.folder, self._autosaver.session,
                    what="Looking at recovered work", on_returned=self._on_orphans_returned)

    def _on_orphans_returned(self, orphans: list[tuple[Recovery, QLockFile, bytes | None]]
                             ) -> None:
        if not orphans:
            return
        self._locks = {recovery.session: lock for recovery, lock, _ in orphans}
        found = [(recovery, thumbnail) for recovery, _, thumbnail in orphans]
        self.offered.emit([recovery for recovery, _ in found])
        answer, chosen = self.choose(found)
        if answer == RESTORE and chosen is not None:
            self._when_discardable("restore the recovered work", lambda: self._restore(chosen))
        elif answer == DISCARD and chosen is not None:
            self._forget(chosen)
            self._release_all()
        else:
            self._release_all()

    def _restore(self, recovery: Recovery) -> None:
        run_in_pool(read_project, recovery.project_file, what="Restoring recovered work",
                    on_returned=lambda project: self._on_read_returned(recovery, project),
                    on_errored=lambda error: self._on_read_errored(recovery, error))

    def _on_read_returned(self, recovery: Recovery, project: Project) -> None:
        path = Path(recovery.info.project) if recovery.info.project else None
        self._show(project, path, True)
        self._forget(recovery)  # this window's own copy takes over from now on
        self._release_all()
        self._notifier.info(f"Restored “{recovery.info.title}” from its recovery "
                            f"copy; save it to keep it")
        self.restored.emit(recovery)

    def _on_read_errored(self, recovery: Recovery, error: Exception) -> None:
        self._release_all()
        self._notifier.error(f"The recovered work could not be read: {error}; its "
                             f"copy is kept in {recovery.project_file.parent}")

    def _forget(self, recovery: Recovery) -> None:
        remove_recovery(recovery.project_file.parent, recovery.session)
        lock = self._locks.pop(recovery.session, None)
        if lock is not None:
            lock.unlock()  # also removes the lock file

    def _release_all(self) -> None:
        for lock in self._locks.values():
            lock.unlock()
        self._locks.clear()

    def _choose_in_dialog(self, found: list[tuple[Recovery, bytes | None]]) -> Choice:
        dialog = RecoveryDialog(found, self._window)
        dialog.exec()
        return dialog.choice


def _orphans_with_thumbnails(folder: Path | None, session: str
                             ) -> list[tuple[Recovery, QLockFile, bytes | None]]:
    """Runs on the pool: the orphaned copies, their locks taken, and their thumbnails."""
    return [(recovery, lock, read_thumbnail(recovery.project_file))
            for recovery, lock in find_orphans(folder, session)]
