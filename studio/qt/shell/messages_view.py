"""Where notices appear: the status bar line, the Messages list, and dialogs for failures."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMessageBox, QStatusBar, QWidget

from studio.qt.base.notifier import Level, Notice, Notifier

STATUS_MS = {Level.INFO: 4000, Level.WARNING: 10000, Level.ERROR: 15000}
ICON = {Level.INFO: "", Level.WARNING: "⚠ ", Level.ERROR: "✖ "}


class MessagesList(QListWidget):
    """Every notice of this session, newest last; tooltips carry the details."""

    def __init__(self, notifier: Notifier, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        for notice in notifier.notices:
            self._on_notifier_posted(notice)
        notifier.posted.connect(self._on_notifier_posted)

    def _on_notifier_posted(self, notice: Notice) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(notice.created))
        item = QListWidgetItem(f"{stamp}  {ICON[notice.level]}{notice.message}")
        if notice.details:
            item.setToolTip(notice.details)
        self.addItem(item)
        self.scrollToBottom()


class StatusLine:
    """Shows each notice in the status bar; failures with details also get a dialog."""

    def __init__(self, notifier: Notifier, status_bar: QStatusBar, dialog_parent: QWidget,
                 dialogs: bool = True) -> None:
        self._bar = status_bar
        self._parent = dialog_parent
        self._dialogs = dialogs
        self.dialog: QMessageBox | None = None
        self._held: tuple[Level, float] | None = None  # a problem shown, until (monotonic s)
        # Panels built before the status bar (the favorites shelf, say) may already have
        # warned; the newest such warning is shown now instead of only being logged.
        earlier = [n for n in notifier.notices if n.level is not Level.INFO]
        if earlier:
            self._show(earlier[-1])
        notifier.posted.connect(self._on_notifier_posted)

    def _show(self, notice: Notice) -> None:
        """Into the status bar, unless a problem is still showing and this is only news:
        "Recognizer ready" a second later once hid why a project did not open."""
        now = time.monotonic()
        if self._held is not None and now < self._held[1] and notice.level is Level.INFO:
            return  # the Messages list has it
        self._bar.showMessage(f"{ICON[notice.level]}{notice.message}", STATUS_MS[notice.level])
        self._held = None if notice.level is Level.INFO else \
            (notice.level, now + STATUS_MS[notice.level] / 1000)

    def _on_notifier_posted(self, notice: Notice) -> None:
        self._show(notice)
        if notice.level is Level.ERROR and notice.details and self._dialogs:
            self._show_dialog(notice)

    def _show_dialog(self, notice: Notice) -> None:
        if self.dialog is not None:  # the newest failure replaces the last one's box
            self.dialog.close()
            self.dialog.deleteLater()
        box = QMessageBox(QMessageBox.Icon.Critical, "Latent Studio", notice.message,
                          QMessageBox.StandardButton.Close, self._parent)
        box.setDetailedText(notice.details)
        box.setModal(False)
        box.show()  # never exec(): the studio keeps running behind it
        self.dialog = box
