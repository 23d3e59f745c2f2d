"""The canvas's drawing tools: brush, eraser, area selection and the brush size.

They are the sketch's own: each needs only the canvas and the settings that remember
the brush size, so the window creates one of these instead of holding six actions,
a slider and their slots itself. The window lists the actions in its menus and puts
`add_to_toolbar` in its canvas toolbar; clearing the canvas is an edit of the
document, next to undo and redo, and stays with the window.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QLabel, QSlider, QToolBar, QWidget

from studio.core.settings import MAX_BRUSH, MIN_BRUSH, Settings
from studio.qt.base.action_factory import make_action
from studio.qt.sketch.sketch_canvas import SketchCanvas

BRUSH_STEP = 1.25  # [ and ] scale the brush by this


class CanvasTools(QObject):
    """Which tool the mouse draws with, and how big the brush is.

    The actions are added to `parent` too, so their keys work with the menus and
    toolbars hidden. The slider and the actions follow the canvas (`brush_changed`),
    whoever changed the brush.
    """

    def __init__(self, canvas: SketchCanvas, settings: Settings, parent: QWidget) -> None:
        super().__init__(parent)
        self._canvas = canvas
        self._settings = settings

        def action(text: str, keys: list[str], slot: Callable, tip: str,
                   checkable: bool = False) -> QAction:
            made = make_action(parent, text, keys, slot, tip, checkable)
            parent.addAction(made)
            return made

        self.brush_action = action("&Brush", ["B"], self._on_brush_toggled, "Draw with ink",
                                   checkable=True)
        self.eraser_action = action("&Eraser", ["E"], self._on_eraser_toggled, "Erase ink",
                                    checkable=True)
        self.select_action = action("Se&lect Area", ["S"], self._on_select_toggled,
                                    "Drag a rectangle on the canvas to export part of "
                                    "the drawing (Export Image > Selection)", checkable=True)
        self.deselect_action = action("Select &None", ["Ctrl+Shift+A"], canvas.selection.clear,
                                      "Forget the selected area")
        tools = QActionGroup(parent)
        for tool in (self.brush_action, self.eraser_action, self.select_action):
            tools.addAction(tool)
        self.brush_action.setChecked(True)
        self.bigger_action = action("&Bigger Brush", ["]"], self._on_bigger_triggered,
                                    "Make the brush bigger")
        self.smaller_action = action("&Smaller Brush", ["["], self._on_smaller_triggered,
                                     "Make the brush smaller")

        self.brush_slider = QSlider(Qt.Orientation.Horizontal)
        self.brush_slider.setRange(int(MIN_BRUSH), int(MAX_BRUSH))
        self.brush_slider.setValue(round(canvas.brush_size))
        self.brush_slider.setMaximumWidth(160)
        self.brush_slider.setToolTip("Brush size ([ and ])")
        self.brush_label = QLabel()
        self._on_canvas_brush_changed()
        canvas.brush_changed.connect(self._on_canvas_brush_changed)
        self.brush_slider.valueChanged.connect(canvas.set_brush_size)

    def actions(self) -> list[QAction]:
        """Every tool action, in menu order."""
        return [self.brush_action, self.eraser_action, self.select_action,
                self.deselect_action, self.bigger_action, self.smaller_action]

    def add_to_toolbar(self, toolbar: QToolBar) -> None:
        """The three tools, then the brush size slider and its reading."""
        toolbar.addActions([self.brush_action, self.eraser_action, self.select_action])
        toolbar.addWidget(QLabel(" Size "))
        toolbar.addWidget(self.brush_slider)
        toolbar.addWidget(self.brush_label)

    def set_enabled(self, enabled: bool) -> None:
        """Off while another workspace is shown: its keys (B, E, S, [ and ]) are free."""
        for action in self.actions():
            action.setEnabled(enabled)

    # ---- slots ---------------------------------------------------------------------
    def _on_brush_toggled(self, on: bool) -> None:
        if on:
            self._canvas.set_selecting(False)
            self._canvas.set_erasing(False)

    def _on_eraser_toggled(self, on: bool) -> None:
        if on:
            self._canvas.set_selecting(False)
        self._canvas.set_erasing(on)

    def _on_select_toggled(self, on: bool) -> None:
        self._canvas.set_selecting(on)

    def _on_bigger_triggered(self) -> None:
        self._canvas.set_brush_size(self._canvas.brush_size * BRUSH_STEP)

    def _on_smaller_triggered(self) -> None:
        self._canvas.set_brush_size(self._canvas.brush_size / BRUSH_STEP)

    def _on_canvas_brush_changed(self) -> None:
        size = self._canvas.brush_size
        self._settings.brush_size = size
        self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(round(size))
        self.brush_slider.blockSignals(False)
        self.brush_label.setText(f" {size:.0f} px ")
        if not self._canvas.selecting:
            (self.eraser_action if self._canvas.erasing else self.brush_action).setChecked(True)
