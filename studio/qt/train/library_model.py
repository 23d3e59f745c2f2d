"""The model library as a table: one row per checkpoint, one column per thing users compare.

A plain QAbstractTableModel over a list of LibraryEntry; the entries stay Python
objects and the view reaches them with `entry(row)`, so nothing goes through QVariant.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from studio.core.model_library import LibraryEntry, format_metric

COLUMNS = ("Name", "Kind", "Epoch", "Data", "Metrics", "Created", "Active")
NAME, KIND, EPOCH, DATA, METRICS, CREATED, ACTIVE = range(len(COLUMNS))
SORT_ROLE = Qt.ItemDataRole.UserRole  # numbers and ISO dates sort as such, not as text

Index = QModelIndex | QPersistentModelIndex


def _key(path: Path | None) -> Path | None:
    """Paths compared as the file they name: the app may hold a relative or linked one."""
    if path is None:
        return None
    try:
        return Path(path).expanduser().resolve()
    except OSError:
        return Path(path)


class LibraryModel(QAbstractTableModel):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._entries: list[LibraryEntry] = []
        self._keys: list[Path | None] = []
        self._recognizer: Path | None = None
        self._generator: Path | None = None
        self._writing: dict[str, object] = {}  # who ("train", "teach") writes which checkpoint

    def set_entries(self, entries: list[LibraryEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self._keys = [_key(e.path) for e in self._entries]
        self.endResetModel()

    def set_active(self, recognizer: Path | None, generator: Path | None) -> None:
        """Mark the checkpoints the recognizer and the explorer use now."""
        self._recognizer, self._generator = _key(recognizer), _key(generator)
        if self._entries:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._entries) - 1, ACTIVE))

    def set_writing(self, writer: str, path: Path | None) -> None:
        """Mark the checkpoint `writer`'s run is writing (None: its run ended), so the
        table says so; a training and a fine-tune can each be writing one."""
        if path is None:
            self._writing.pop(writer, None)
        else:
            self._writing[writer] = _key(path)
        if self._entries:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._entries) - 1, ACTIVE))

    def is_training(self, path: Path) -> bool:
        return _key(path) in self._writing.values()

    def entries(self) -> list[LibraryEntry]:
        return list(self._entries)

    def entry(self, row: int) -> LibraryEntry | None:
        return self._entries[row] if 0 <= row < len(self._entries) else None

    def row_of(self, path: Path) -> int:
        """The row holding `path`, or -1."""
        key = _key(path)
        return self._keys.index(key) if key in self._keys else -1

    def active_roles(self, row: int) -> list[str]:
        key = self._keys[row]
        roles = ["training…"] if key is not None and key in self._writing.values() else []
        return roles + [role for role, active in (("recognizer", self._recognizer),
                                                  ("explorer", self._generator))
                        if key is not None and key == active]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row()) if index.isValid() else None
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(index.row(), column, entry)
        if role == SORT_ROLE:
            if column == EPOCH:
                return entry.epoch
            if column == CREATED:
                moment = entry.created_at
                return moment.timestamp() if moment else 0.0
            return self._text(index.row(), column, entry).lower()
        if role == Qt.ItemDataRole.ToolTipRole:
            training = ("\nA training run is writing this checkpoint after each epoch; "
                        "it cannot be renamed or deleted until the run ends."
                        if self.is_training(entry.path) else "")
            return self._tooltip(entry) + training
        if role == Qt.ItemDataRole.TextAlignmentRole and column == EPOCH:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and self.active_roles(index.row()):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _text(self, row: int, column: int, entry: LibraryEntry) -> str:
        if column == NAME:
            return entry.name
        if column == KIND:
            return entry.kind_title
        if column == EPOCH:
            return str(entry.epoch)
        if column == DATA:
            return entry.data_name
        if column == METRICS:
            return entry.summary
        if column == CREATED:
            return entry.created_local
        return ", ".join(self.active_roles(row))

    @staticmethod
    def _tooltip(entry: LibraryEntry) -> str:
        lines = [str(entry.path), f"{entry.kind_title}, epoch {entry.epoch}, "
                 f"data: {entry.dataset or 'unknown'}",
                 f"sha256 {entry.sha256[:12] or 'unknown'}"]
        lines += [format_metric(k, v) + f"  ({k} = {v:.6g})" for k, v in entry.metrics.items()]
        return "\n".join(lines)
