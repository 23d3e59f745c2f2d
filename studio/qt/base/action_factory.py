"""Building QActions the one way the studio does: shortcut in the tooltip, status tip set."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence


def make_action(parent: QObject, text: str, shortcuts: list, slot: Callable, tip: str = "",
                checkable: bool = False) -> QAction:
    """An action whose tooltip names its first shortcut, so every button teaches its key."""
    action = QAction(text, parent)
    keys = [QKeySequence(s) for s in shortcuts]
    action.setShortcuts(keys)
    hint = f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})" if keys else ""
    action.setToolTip((tip or text.replace("…", "").replace("&", "")) + hint)
    action.setStatusTip(tip)
    action.setCheckable(checkable)
    (action.toggled if checkable else action.triggered).connect(slot)
    return action
