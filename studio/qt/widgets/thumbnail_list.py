"""A one-row strip of small digit thumbnails, each standing for an opaque payload.

The payloads (latent points, keyframes, anything) stay in a Python dict keyed by a
small integer id kept in each item's UserRole: Qt never holds the Python object, so
nothing is converted through QVariant and drag-and-drop moves only the id.
"""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QContextMenuEvent,
    QIcon,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from studio.qt.base.qimage_arrays import array_to_gray
from studio.qt.widgets.digit_view import smooth_upscale

ICON = 64  # logical pixels
ID_ROLE = Qt.ItemDataRole.UserRole


class _CaptionBelow(QStyledItemDelegate):
    """Draws each item as icon mode would: the thumbnail above its centred caption."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        option.decorationPosition = QStyleOptionViewItem.Position.Top
        option.decorationAlignment = Qt.AlignmentFlag.AlignHCenter
        option.displayAlignment = Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop


class ThumbnailList(QListWidget):
    """Thumbnails left to right in one row; Delete removes, a click activates.

    `items_changed` follows every change of the payload list, whether the user made
    it (drag, Delete, the context menu) or the program (`add`, `clear_all`), so a
    listener can simply re-read `payloads()`.
    """

    items_changed = Signal()
    payload_activated = Signal(object)  # the payload of the clicked (or Enter'd) item

    def __init__(self, reorderable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._payloads: dict[int, object] = {}
        self._ids = itertools.count(1)
        self._placeholder = ""
        # List mode laid out left to right, not icon mode: icon mode drags items to
        # free positions and refuses drops on other items, list mode reorders rows.
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setItemDelegate(_CaptionBelow(self))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(QSize(ICON, ICON))
        self.setGridSize(QSize(ICON + 24, ICON + self.fontMetrics().height() + 12))
        self.setUniformItemSizes(True)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scrollbar = self.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
        self.setFixedHeight(self.gridSize().height() + scrollbar + 2 * self.frameWidth() + 4)
        self.set_reorderable(reorderable)

        self._remove_action = QAction("Remove", self)
        self._remove_action.setShortcut(QKeySequence(Qt.Key.Key_Delete))
        self._remove_action.setToolTip("Remove the selected thumbnail (Delete)")
        self._remove_action.triggered.connect(self.remove_selected)

        self.itemClicked.connect(self._on_list_item_clicked)
        self.model().rowsMoved.connect(self._on_model_rows_moved)

    # ---- contents --------------------------------------------------------------
    def add(self, payload: object, thumbnail: np.ndarray, title: str) -> None:
        """Append `payload`, shown as `thumbnail` ([28, 28], white ink on black)."""
        key = next(self._ids)
        self._payloads[key] = payload
        item = QListWidgetItem(self._icon(thumbnail), title)
        item.setData(ID_ROLE, key)
        item.setToolTip(title)
        item.setFlags(self._item_flags())
        self.addItem(item)
        self.scrollToItem(item)
        self.items_changed.emit()

    def payloads(self) -> list[object]:
        """The payloads in the order they are shown, left to right."""
        return [self._payloads[self.item(row).data(ID_ROLE)] for row in range(self.count())]

    def remove_selected(self) -> None:
        """Remove the selected thumbnail, if any, and select its neighbour."""
        rows = sorted((self.row(item) for item in self.selectedItems()), reverse=True)
        if not rows:
            return
        for row in rows:
            item = self.takeItem(row)
            self._payloads.pop(item.data(ID_ROLE), None)
        if self.count():
            self.setCurrentRow(min(rows[-1], self.count() - 1))
        self.items_changed.emit()

    def clear_all(self) -> None:
        """Remove every thumbnail."""
        had_items = self.count() > 0
        self.clear()
        self._payloads.clear()
        if had_items:
            self.items_changed.emit()

    def set_reorderable(self, reorderable: bool) -> None:
        """Let the user drag thumbnails to new places in the row (or not)."""
        self.setDragEnabled(reorderable)
        self.setAcceptDrops(reorderable)
        self.setDropIndicatorShown(reorderable)
        self.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove if reorderable
                             else QAbstractItemView.DragDropMode.NoDragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        for row in range(self.count()):
            self.item(row).setFlags(self._item_flags())

    def _item_flags(self) -> Qt.ItemFlag:
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.dragEnabled():
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags  # never ItemIsDropEnabled: a drop lands between items, not on one

    def set_placeholder(self, text: str) -> None:
        """What the empty strip says, e.g. how to add the first item."""
        self._placeholder = text
        self.viewport().update()

    # ---- input -----------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        """Delete and Enter belong to the strip while it has focus: the window's own
        Delete (Clear Canvas) would otherwise take the key first."""
        if event.type() == QEvent.Type.ShortcutOverride and event.key() in (
                Qt.Key.Key_Delete, Qt.Key.Key_Backspace, Qt.Key.Key_Return,
                Qt.Key.Key_Enter) and self.currentItem() is not None:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self.selectedItems():
            self.remove_selected()
            event.accept()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._on_list_item_clicked(self.currentItem())
            event.accept()
        else:
            super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item = self.itemAt(event.pos())
        if item is None:
            return
        self.setCurrentItem(item)
        self.context_menu().exec(event.globalPos())

    def context_menu(self) -> QMenu:
        """The right-click menu for the selected thumbnail (built fresh each time)."""
        menu = QMenu(self)
        menu.addAction(self._remove_action)
        return menu

    def _on_list_item_clicked(self, item: QListWidgetItem) -> None:
        self.payload_activated.emit(self._payloads[item.data(ID_ROLE)])

    def _on_model_rows_moved(self, parent: QModelIndex, start: int, end: int,
                             destination: QModelIndex, row: int) -> None:
        self.items_changed.emit()

    # ---- painting --------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.count() or not self._placeholder:
            return
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().placeholderText().color())
        painter.drawText(self.viewport().rect().adjusted(8, 0, -8, 0),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                         self._placeholder)
        painter.end()

    def _icon(self, thumbnail: np.ndarray) -> QIcon:
        dpr = self.devicePixelRatioF()
        side = round(ICON * dpr)
        pixmap = QPixmap.fromImage(smooth_upscale(array_to_gray(thumbnail), side))
        pixmap.setDevicePixelRatio(dpr)
        icon = QIcon(pixmap)
        icon.addPixmap(pixmap, QIcon.Mode.Selected)  # the digit stays readable, untinted
        return icon
