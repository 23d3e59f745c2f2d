"""The single place where the studio tells the user something went wrong (or right).

Panels and workers never open their own dialogs: they call the notifier, which shows
the message in the status bar, keeps it in the Messages list, writes it to the log
file and, for real failures that carry details, opens one non-blocking dialog.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import Enum

from PySide6.QtCore import QObject, Signal


class Level(Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    level: Level
    message: str  # one line, names the file and the problem
    details: str = ""  # e.g. a traceback, shown on request
    created: float = field(default_factory=time.time)


class Notifier(QObject):
    """Collects notices; views (status bar, Messages dock, dialogs) subscribe to `posted`."""

    posted = Signal(object)  # Notice

    def __init__(self, log: logging.Logger, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log = log
        self.notices: list[Notice] = []

    def info(self, message: str) -> None:
        self._post(Notice(Level.INFO, message))

    def warning(self, message: str, details: str = "") -> None:
        self._post(Notice(Level.WARNING, message, details))

    def error(self, message: str, details: str = "") -> None:
        self._post(Notice(Level.ERROR, message, details))

    def _post(self, notice: Notice) -> None:
        self.notices.append(notice)
        log_level = {Level.INFO: logging.INFO, Level.WARNING: logging.WARNING,
                     Level.ERROR: logging.ERROR}[notice.level]
        self._log.log(log_level, "%s%s", notice.message,
                      f"\n{notice.details}" if notice.details else "")
        self.posted.emit(notice)
