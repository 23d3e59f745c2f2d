"""Autosave: a recovery copy of the work, written off the GUI thread, one per window.

A second after changes stop (and at least every MAX_WAIT_MS while they go on) the
work is captured on the GUI thread (references, microseconds) and written on the
pool, atomically, to `<data>/recovery/<session>.lstudio`. A QLockFile per session
tells a live window from a dead one, so two windows or two studios never touch each
other's copy, and the next start offers only the copies whose owner died.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

from studio.core.project.recovery_files import (
    Recovery,
    RecoveryInfo,
    list_recoveries,
    lock_path,
    new_session,
    project_path,
    remove_recovery,
    write_info,
)
from studio.qt.base.workers import run_in_pool
from studio.qt.project.project_parts import ProjectCapture

QUIET_MS = 1000  # after the last change
MAX_WAIT_MS = 10_000  # while changes go on


class Autosaver(QObject):
    written = Signal(float)  # seconds the write took on the pool
    failed = Signal(str)  # why a recovery copy could not be written

    def __init__(self, folder: Path | None, capture: Callable[[], ProjectCapture],
                 info: Callable[[], RecoveryInfo], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.session = new_session()
        self._capture = capture
        self._info = info
        self._lock: QLockFile | None = None
        self._first_change: float | None = None  # monotonic time of the oldest unsaved change
        self._writing = False
        self._again = False  # a change came while writing: write once more after
        self._on_disk = False  # a copy of this session's is in the folder
        self._drop_after = False  # discarded while a write was in flight
        self._quiet = QTimer(self, singleShot=True, interval=QUIET_MS)
        self._quiet.timeout.connect(self.write_now)

    @property
    def recovery_file(self) -> Path | None:
        return None if self.folder is None else project_path(self.folder, self.session)

    def start(self) -> None:
        """Take this window's lock (a new session name each start)."""
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            self.folder = None  # no recovery copies, the rest works
            return
        self._lock = QLockFile(str(lock_path(self.folder, self.session)))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone
        if not self._lock.tryLock(0):
            self.session = new_session()
            self._lock = QLockFile(str(lock_path(self.folder, self.session)))
            self._lock.setStaleLockTime(0)
            self._lock.tryLock(0)

    def changed(self) -> None:
        """The work changed: write after QUIET_MS of calm, or now if it has waited long."""
        if self.folder is None:
            return
        now = time.monotonic()
        if self._first_change is None:
            self._first_change = now
        if (now - self._first_change) * 1000 >= MAX_WAIT_MS:
            self.write_now()
        else:
            self._quiet.start()

    def write_now(self) -> None:
        """Capture now and write on the pool (once at a time; a later change writes again)."""
        self._quiet.stop()
        if self.folder is None:
            return
        if self._writing:
            self._again = True
            return
        self._writing, self._again, self._first_change = True, False, None
        self._drop_after = False
        capture, info, folder, session = self._capture(), self._info(), self.folder, self.session
        run_in_pool(_write_recovery, capture, info, folder, session,
                    on_returned=self._on_write_returned, on_errored=self._on_write_errored,
                    what="autosave")

    def write_blocking(self) -> None:
        """Write here and now on the calling thread: for Ctrl-C and SIGTERM at exit."""
        if self.folder is not None:
            _write_recovery(self._capture(), self._info(), self.folder, self.session)
            self._on_disk = True

    def discard(self) -> None:
        """The work is saved or was let go: no copy to offer next time."""
        self._quiet.stop()
        self._first_change, self._again = None, False
        if self._writing:
            self._drop_after = True  # the copy being written goes once it is complete
        elif self._on_disk and self.folder is not None:
            remove_recovery(self.folder, self.session)
            self._on_disk = False

    @property
    def busy(self) -> bool:
        """A copy is being written on the pool."""
        return self._writing

    def close(self, keep: bool = False) -> None:
        """The window is closing (its workers have ended): the copy goes unless `keep`
        (a signal quit the studio: the copy is offered at the next start); the lock goes."""
        self._quiet.stop()
        if not keep and self.folder is not None:
            remove_recovery(self.folder, self.session)  # also one a cut-short write left
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None

    def _on_write_returned(self, seconds: float) -> None:
        self._writing, self._on_disk = False, True
        if self._drop_after:
            self._drop_after = False
            self.discard()
            return
        self.written.emit(seconds)
        if self._again:
            self.changed()

    def _on_write_errored(self, error: Exception) -> None:
        self._writing = False
        self.failed.emit(f"The recovery copy could not be written: {error}")


def _write_recovery(capture: ProjectCapture, info: RecoveryInfo, folder: Path,
                    session: str) -> float:
    start = time.perf_counter()
    capture.write(project_path(folder, session))
    write_info(folder, session, info)
    return time.perf_counter() - start


def find_orphans(folder: Path | None, own_session: str) -> list[tuple[Recovery, QLockFile]]:
    """Copies in `folder` whose window is gone, each with its lock now held by the caller
    (runs on the pool: it reads the folder; a QLockFile is not tied to a thread)."""
    if folder is None:
        return []
    found = []
    for recovery in list_recoveries(folder):
        if recovery.session == own_session:
            continue
        lock = QLockFile(str(recovery.lock_file))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            found.append((recovery, lock))
    return found
