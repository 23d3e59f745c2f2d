"""The window's menus and canvas toolbar, built from the actions MainWindow owns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMessageBox,
    QSlider,
    QToolBar,
)

from studio.qt.sketch.sketch_canvas import MAX_BRUSH, MIN_BRUSH

if TYPE_CHECKING:
    from studio.qt.shell.main_window import MainWindow


def build_menus_and_toolbar(window: MainWindow) -> None:
    """Menus list every action (with its shortcut); the toolbar holds the canvas tools."""
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([window.open_image_action, window.paste_action])
    file_menu.addSeparator()
    file_menu.addActions([window.open_classifier_action, window.explorer.open_action])
    file_menu.addSeparator()
    file_menu.addActions(window.exporting.actions())
    file_menu.addSeparator()
    file_menu.addAction(window.quit_action)
    edit = bar.addMenu("&Edit")
    edit.addActions([window.undo_action, window.redo_action])
    edit.addSeparator()
    edit.addActions([window.brush_action, window.eraser_action, window.select_action,
                     window.deselect_action, window.bigger_action, window.smaller_action])
    edit.addSeparator()
    edit.addAction(window.clear_action)
    explore = bar.addMenu("E&xplore")
    explorer = window.explorer
    explore.addActions(explorer.canvas_actions())
    explore.addSeparator()
    explore.addActions(explorer.workspace.explore_actions()[:5])
    digits = explore.addMenu("&Digit")
    digits.addActions(explorer.workspace.digit_actions)
    explore.addSeparator()
    explore.addAction(explorer.open_action)
    train = bar.addMenu("&Train")
    train.addActions(window.training.trainer.actions())
    train.addSeparator()
    keep = train.addMenu("&Keep Drawing As")
    keep.addActions(window.training.teacher.keep_actions)
    train.addAction(window.training.teacher.teach_action)
    sound = bar.addMenu("&Sound")
    sound.addActions(window.exporting.listen_actions())
    window.view_menu = bar.addMenu("&View")
    window.view_menu.addActions([window.sketch_tab_action, window.explore_tab_action,
                                 window.train_tab_action])
    window.view_menu.addSeparator()
    window.view_menu.addAction(window.saliency_action)
    window.view_menu.addSeparator()
    window.view_menu.addActions([window.recognizer_dock.toggleViewAction(),
                                 window.handwriting_dock.toggleViewAction(),
                                 window.sound_dock.toggleViewAction(),
                                 window.messages_dock.toggleViewAction()])
    bar.addMenu("&Help").addAction(window.shortcuts_action)

    tools = QToolBar("Canvas tools")
    tools.setObjectName("CanvasTools")
    tools.addActions([window.brush_action, window.eraser_action, window.select_action])
    window.brush_slider = QSlider(Qt.Orientation.Horizontal)
    window.brush_slider.setRange(int(MIN_BRUSH), int(MAX_BRUSH))
    window.brush_slider.setValue(round(window.canvas.brush_size))
    window.brush_slider.setMaximumWidth(160)
    window.brush_slider.setToolTip("Brush size ([ and ])")
    window.brush_label = QLabel()
    tools.addWidget(QLabel(" Size "))
    tools.addWidget(window.brush_slider)
    tools.addWidget(window.brush_label)
    tools.addSeparator()
    tools.addActions([window.undo_action, window.redo_action, window.clear_action])
    tools.addSeparator()
    tools.addAction(window.open_image_action)
    tools.addAction(window.saliency_action)
    tools.addSeparator()
    tools.addActions([window.explorer.repair_action, window.explorer.encode_action])
    window.addToolBar(tools)
    window.view_menu.addAction(tools.toggleViewAction())


def show_shortcuts(window: MainWindow) -> None:
    """Every shortcut in one table; the ten digit keys are one row per meaning."""
    rows, digit_rows = [], {}
    for action in window.actions():
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        text = action.text().replace("&", "")
        if not keys:
            continue
        if keys.isdigit() and text.endswith(keys):  # "Digit 7", "Keep as 7"
            digit_rows.setdefault(text[:-1].strip(), None)
            continue
        rows.append((keys, text))
    rows += [("0 … 9", f"{what} 0 … 9") for what in digit_rows]
    table = "".join(f"<tr><td><b>{k}</b></td><td>{t}</td></tr>" for k, t in rows)
    box = QMessageBox(QMessageBox.Icon.Information, "Keyboard Shortcuts",
                      f"<table cellspacing=4>{table}</table>",
                      QMessageBox.StandardButton.Close, window)
    box.setModal(False)
    box.show()
