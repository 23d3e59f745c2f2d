"""The window's menus and canvas toolbar, laid out from the actions each part owns.

Each feature's controller owns its actions (the explorer's, training's, export's, the
canvas tools); the window owns the rest (`WindowActions`). This module only decides
where each one appears, so it is handed those parts, never the window itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QMessageBox, QToolBar, QWidget

from studio.qt.explore.explorer_controller import ExplorerController
from studio.qt.media.media_controller import MediaController
from studio.qt.project.project_controller import ProjectController
from studio.qt.sketch.canvas_tools import CanvasTools
from studio.qt.train.training_controller import TrainingController


@dataclass(frozen=True)
class WindowActions:
    """The window's own actions, by what they do; the menus and toolbar place them."""

    open_image: QAction
    paste: QAction
    open_classifier: QAction
    quit: QAction
    undo: QAction
    redo: QAction
    clear: QAction
    saliency: QAction
    digit_boxes: QAction
    sketch_tab: QAction
    explore_tab: QAction
    train_tab: QAction
    shortcuts: QAction


def build_menus_and_toolbar(window: QMainWindow, project: ProjectController,
                            own: WindowActions, tools: CanvasTools,
                            explorer: ExplorerController, training: TrainingController,
                            media: MediaController, pen: dict[str, QAction],
                            docks: Sequence[QDockWidget]) -> QMenu:
    """Menus list every action (with its shortcut); the toolbar holds the canvas tools.

    `docks` get a show/hide entry each in the View menu, which is returned so the
    window can add to it later.
    """
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    file_menu.addActions([project.new_action, project.open_action])
    file_menu.addMenu(project.recent_menu)
    file_menu.addActions([project.save_action, project.save_as_action])
    file_menu.addSeparator()
    file_menu.addActions([own.open_image, own.paste])
    file_menu.addSeparator()
    file_menu.addActions([own.open_classifier, explorer.open_action])
    file_menu.addSeparator()
    file_menu.addActions(media.actions())
    file_menu.addSeparator()
    file_menu.addAction(own.quit)
    edit = bar.addMenu("&Edit")
    edit.addActions([own.undo, own.redo])
    edit.addSeparator()
    edit.addActions(tools.actions())
    edit.addSeparator()
    edit.addAction(own.clear)
    explore = bar.addMenu("E&xplore")
    explore.addActions(explorer.canvas_actions())
    explore.addSeparator()
    explore.addActions(explorer.workspace.explore_actions()[:5])
    digits = explore.addMenu("&Digit")
    digits.addActions(explorer.workspace.digit_actions)
    explore.addSeparator()
    explore.addAction(explorer.open_action)
    train = bar.addMenu("&Train")
    train.addActions(training.trainer.actions())
    train.addSeparator()
    keep = train.addMenu("&Keep Drawing As")
    keep.addActions(training.teacher.keep_actions)
    train.addAction(training.teacher.teach_action)
    pen_menu = bar.addMenu("&Pen")
    pen_menu.addActions([pen["draw"], pen["finish"], pen["keep"], pen["dismiss"]])
    pen_menu.addSeparator()
    pen_menu.addActions([pen["write"], pen["compare"]])
    sound = bar.addMenu("&Sound")
    sound.addActions(media.listen_actions())
    view_menu = bar.addMenu("&View")
    view_menu.addActions([own.sketch_tab, own.explore_tab, own.train_tab])
    view_menu.addSeparator()
    view_menu.addActions([own.saliency, own.digit_boxes])
    view_menu.addSeparator()
    view_menu.addActions([dock.toggleViewAction() for dock in docks])
    bar.addMenu("&Help").addAction(own.shortcuts)

    toolbar = QToolBar("Canvas tools")
    toolbar.setObjectName("CanvasTools")
    tools.add_to_toolbar(toolbar)
    toolbar.addSeparator()
    toolbar.addActions([own.undo, own.redo, own.clear])
    toolbar.addSeparator()
    toolbar.addAction(own.open_image)
    toolbar.addAction(own.saliency)
    toolbar.addSeparator()
    toolbar.addActions([explorer.repair_action, explorer.encode_action])
    window.addToolBar(toolbar)
    view_menu.addAction(toolbar.toggleViewAction())
    return view_menu


def show_shortcuts(actions: Sequence[QAction], parent: QWidget) -> None:
    """Every shortcut in one table; the ten digit keys are one row per meaning."""
    rows, digit_rows = [], {}
    for action in actions:
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
                      QMessageBox.StandardButton.Close, parent)
    box.setModal(False)
    box.show()
