"""The offer after a crash: each unsaved piece of work found, with its thumbnail and time.

Restore is the default button, so Return brings the work back; Discard asks first,
since it deletes the only copy; Not Now keeps the copies for the next start.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.project.recovery_files import Recovery

RESTORE, DISCARD, LATER = "restore", "discard", "later"


class RecoveryDialog(QDialog):
    def __init__(self, found: list[tuple[Recovery, bytes | None]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recover Unsaved Work")
        self.choice: tuple[str, Recovery | None] = (LATER, None)
        self._found = [recovery for recovery, _ in found]
        self.list = QListWidget()
        self.list.setIconSize(QSize(96, 96))
        for recovery, thumbnail in found:
            item = QListWidgetItem(_describe(recovery))
            if thumbnail:
                pixmap = QPixmap()
                if pixmap.loadFromData(thumbnail, "PNG"):
                    item.setIcon(QIcon(pixmap))
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        buttons = QDialogButtonBox()
        restore = buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        discard = QPushButton("Discard…")
        buttons.addButton(discard, QDialogButtonBox.ButtonRole.DestructiveRole)
        later = buttons.addButton("Not Now", QDialogButtonBox.ButtonRole.RejectRole)
        restore.setDefault(True)
        restore.setToolTip("Open this work in the window (Return)")
        discard.setToolTip("Delete this recovered work for good")
        later.setToolTip("Keep it and ask again at the next start")
        restore.clicked.connect(self._on_restore_clicked)
        discard.clicked.connect(self._on_discard_clicked)
        later.clicked.connect(self.reject)
        self.list.itemDoubleClicked.connect(self._on_restore_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("The studio did not close normally last time. This work "
                                "was not saved:"))
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(460, 320)

    def _selected(self) -> Recovery | None:
        row = self.list.currentRow()
        return self._found[row] if 0 <= row < len(self._found) else None

    def _on_restore_clicked(self) -> None:
        self.choice = (RESTORE, self._selected())
        self.accept()

    def _on_discard_clicked(self) -> None:
        recovery = self._selected()
        if recovery is None:
            return
        sure = QMessageBox.question(
            self, "Discard Recovered Work", f"Delete “{recovery.info.title}” for good?",
            QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        if sure == QMessageBox.StandardButton.Discard:
            self.choice = (DISCARD, recovery)
            self.accept()


def _describe(recovery: Recovery) -> str:
    try:
        when = datetime.fromisoformat(recovery.info.saved).astimezone()
        stamp = when.strftime("%a %d %b, %H:%M:%S")
    except ValueError:
        stamp = "unknown time"
    where = recovery.info.project or "never saved"
    return f"{recovery.info.title}\n{stamp}\n{where}"

