"""The studio's main window: the canvas in the middle, panels in docks around it.

Later panels (latent explorer, training, export) join as further docks; the View
menu lists every dock, and every message goes through the one Notifier.
"""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QGuiApplication,
    QKeySequence,
    QUndoGroup,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QTabWidget,
    QWidget,
)

from studio.core.settings import Settings, save_settings
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import wait_for_workers
from studio.qt.explore.latent_explorer import LatentExplorer
from studio.qt.media.window_export import WindowExport
from studio.qt.shell.messages_view import MessagesList, StatusLine
from studio.qt.shell.window_menus import build_menus_and_toolbar, show_shortcuts
from studio.qt.sketch.image_opener import IMAGE_FILTER, ImageOpener
from studio.qt.sketch.live_recognition import LiveRecognition
from studio.qt.sketch.recognizer_panel import RecognizerPanel
from studio.qt.sketch.recognizer_store import RecognizerStore
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SketchDocument
from studio.qt.sketch.window_recognizer import WindowRecognizer
from studio.qt.train.window_training import WindowTraining
from studio.qt.widgets.scroll_area import scrolling

BRUSH_STEP = 1.25  # [ and ] scale the brush by this


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, settings: Settings, settings_path: Path | None, notifier: Notifier,
                 store: RecognizerStore, dialogs: bool = True, load_models: bool = True,
                 data_dir: Path | None = None) -> None:
        super().__init__()
        self._load_models = load_models
        self.dialogs = dialogs
        self.setWindowTitle("Latent Studio")
        self.settings = settings
        self._settings_path = settings_path
        self.notifier = notifier
        self.store = store
        self.document = SketchDocument(self)
        self.canvas = SketchCanvas(self.document)
        self.canvas.set_brush_size(settings.brush_size)
        self.recognition = LiveRecognition(self.document, notifier, self)
        self.opener = ImageOpener(self.document, notifier, self)
        self.undo_group = QUndoGroup(self)  # Ctrl+Z undoes in the workspace on show
        self.undo_group.addStack(self.document.undo_stack)
        self.explorer = LatentExplorer(self, store.default_paths, data_dir)
        self.undo_group.addStack(self.explorer.state.undo_stack)
        self.undo_group.setActiveStack(self.document.undo_stack)
        self.training = WindowTraining(self, data_dir)
        self.workspaces = QTabWidget()
        self.workspaces.setDocumentMode(True)
        self.workspaces.addTab(self.canvas, "Sketch")
        self.workspaces.addTab(self.explorer.workspace, "Explore")
        self.workspaces.addTab(self.training.tab, "Train")
        self.workspaces.setTabToolTip(0, "Draw digits and watch them recognized (Ctrl+1)")
        self.workspaces.setTabToolTip(1, "Explore what the GAN and VAE can make (Ctrl+2)")
        self.workspaces.setTabToolTip(2, "Train models and manage the library (Ctrl+3)")
        self.setCentralWidget(self.workspaces)

        self.recognizer = RecognizerPanel()
        self.recognizer.set_choices(settings.recent_classifiers,
                                    Path(settings.active_classifier)
                                    if settings.active_classifier else None)
        self.recognizer_dock = self._add_dock("Recognizer", scrolling(self.recognizer),
                                              Qt.DockWidgetArea.RightDockWidgetArea)
        self.handwriting_dock = self._add_dock("My Handwriting",
                                               scrolling(self.training.teacher.panel),
                                               Qt.DockWidgetArea.RightDockWidgetArea)
        self.exporting = WindowExport(self, self.training.library)
        self.sound_dock = self._add_dock("Sound", scrolling(self.exporting.sound),
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.tabifyDockWidget(self.recognizer_dock, self.handwriting_dock)
        self.tabifyDockWidget(self.recognizer_dock, self.sound_dock)
        self.recognizer_dock.raise_()  # the recognizer keeps its full height while drawing
        self.messages = MessagesList(notifier)
        self.messages_dock = self._add_dock("Messages", self.messages,
                                            Qt.DockWidgetArea.BottomDockWidgetArea)
        self.messages_dock.hide()
        self.status_line = StatusLine(notifier, self.statusBar(), self, dialogs)
        self.model_label = QLabel("Recognizer: loading…")
        self.statusBar().addPermanentWidget(self.model_label)
        self.recognizing = WindowRecognizer(self)

        self._build_actions()
        build_menus_and_toolbar(self)
        self._on_canvas_brush_changed()
        self._connect()
        if not settings.window_geometry:
            self.resize(1100, 720)
        self._restore_layout()

    # ---- construction --------------------------------------------------------------
    def _add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.replace(" ", "") + "Dock")  # for saveState
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, text: str, shortcuts: list, slot, tip: str = "",
                checkable: bool = False) -> QAction:
        action = make_action(self, text, shortcuts, slot, tip, checkable)
        self.addAction(action)  # shortcuts work even when menus and toolbars are hidden
        return action

    def _build_actions(self) -> None:
        stack = self.undo_group
        self.open_image_action = self._action("&Open Image…", [QKeySequence.StandardKey.Open],
                                              self._on_open_image_triggered,
                                              "Open a picture of a digit into the canvas")
        self.paste_action = self._action("&Paste Image", [QKeySequence.StandardKey.Paste],
                                         self._on_paste_triggered,
                                         "Paste an image from the clipboard into the canvas")
        self.open_classifier_action = self._action(
            "Open &Classifier…", [], self._on_open_classifier_triggered,
            "Use a classifier checkpoint (.safetensors) as the recognizer")
        self.quit_action = self._action("&Quit", [QKeySequence.StandardKey.Quit], self.close)
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_action.setIconText("Undo")  # the toolbar keeps its width as the text changes
        self.redo_action.setIconText("Redo")
        self.undo_action.setToolTip("Undo the last stroke (Ctrl+Z)")
        self.redo_action.setToolTip("Redo (Ctrl+Shift+Z)")
        self.addActions([self.undo_action, self.redo_action])
        self.clear_action = self._action("&Clear Canvas", [QKeySequence.StandardKey.Delete,
                                                           "Backspace"],
                                         self._on_clear_triggered, "Clear the canvas")
        self.brush_action = self._action("&Brush", ["B"], self._on_brush_toggled,
                                         "Draw with ink", checkable=True)
        self.eraser_action = self._action("&Eraser", ["E"], self._on_eraser_toggled,
                                          "Erase ink", checkable=True)
        self.select_action = self._action("Se&lect Area", ["S"], self._on_select_toggled,
                                          "Drag a rectangle on the canvas to export part of "
                                          "the drawing (Export Image > Selection)",
                                          checkable=True)
        self.deselect_action = self._action("Select &None", ["Ctrl+Shift+A"],
                                            self.canvas.selection.clear,
                                            "Forget the selected area")
        tools = QActionGroup(self)
        for tool in (self.brush_action, self.eraser_action, self.select_action):
            tools.addAction(tool)
        self.brush_action.setChecked(True)
        self.bigger_action = self._action("&Bigger Brush", ["]"], self._on_bigger_triggered,
                                          "Make the brush bigger")
        self.smaller_action = self._action("&Smaller Brush", ["["], self._on_smaller_triggered,
                                           "Make the brush smaller")
        self.saliency_action = self._action("&Where It Looks", ["W"], self._on_saliency_toggled,
                                            "Overlay where the network looks", checkable=True)
        self.sketch_tab_action = self._action("&Sketch", ["Ctrl+1"], self.show_canvas,
                                              "Show the sketch canvas")
        self.explore_tab_action = self._action("E&xplore", ["Ctrl+2"], self.show_explorer,
                                               "Show the latent explorer")
        self.train_tab_action = self._action("&Train", ["Ctrl+3"], self.show_trainer,
                                             "Show training and the model library")
        self.shortcuts_action = self._action("&Keyboard Shortcuts", [QKeySequence.StandardKey
                                                                     .HelpContents],
                                             self._on_shortcuts_triggered)

    def _connect(self) -> None:
        self.canvas.brush_changed.connect(self._on_canvas_brush_changed)
        self.canvas.file_dropped.connect(self.opener.open_file)
        self.canvas.image_dropped.connect(self.opener.open_qimage)
        self.canvas.first_painted.connect(self._on_canvas_first_painted)
        self.brush_slider.valueChanged.connect(self.canvas.set_brush_size)
        self.recognizing.connect()
        self.store.classifier_changed.connect(self._freeze_heap)
        self.explorer.store.generator_changed.connect(self._freeze_heap)
        self.workspaces.currentChanged.connect(self._on_workspaces_current_changed)
        if self.settings.show_saliency:
            self.saliency_action.setChecked(True)

    # ---- start-up ------------------------------------------------------------------
    def _freeze_heap(self, *_: object) -> None:
        """Move what exists now (widgets, models) out of the garbage collector's scans.

        Full collections otherwise walk every long-lived object: with the models loaded
        they paused all threads for 50-110 ms in the middle of slider drags
        (benchmarks/latent.py). Frozen objects are still freed by reference counting.
        """
        gc.freeze()

    def _on_canvas_first_painted(self) -> None:
        """Models load only after the window is on screen (torch takes seconds to import)."""
        self._freeze_heap()
        if self._load_models:
            QTimer.singleShot(0, self.recognizing.load_initial)

    # ---- slots ---------------------------------------------------------------------
    def _on_open_image_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open Image", self.settings.last_open_dir,
                                              IMAGE_FILTER)
        if path:
            self.settings.last_open_dir = str(Path(path).parent)
            self.opener.open_file(Path(path))

    def _on_paste_triggered(self) -> None:
        mime = QGuiApplication.clipboard().mimeData()
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime else []
        if files:
            self.opener.open_file(files[0])
        elif mime is not None and mime.hasImage():
            self.opener.open_qimage(QGuiApplication.clipboard().image())
        else:
            self.notifier.warning("Nothing to paste: the clipboard holds no image.")

    # ---- workspaces ----------------------------------------------------------------
    def show_canvas(self) -> None:
        self.workspaces.setCurrentWidget(self.canvas)

    def show_explorer(self) -> None:
        self.workspaces.setCurrentWidget(self.explorer.workspace)

    def show_trainer(self) -> None:
        self.workspaces.setCurrentWidget(self.training.tab)

    def recognized_digit(self) -> int | None:
        """The recognizer's confident answer for the drawing, if it has one."""
        return self.recognizing.recognized_digit()

    def _on_open_classifier_triggered(self) -> None:
        self.recognizing.open_classifier()

    def _on_saliency_toggled(self, on: bool) -> None:
        self.recognizing.set_saliency(on)

    def _on_workspaces_current_changed(self, index: int) -> None:
        shown = self.workspaces.currentWidget()
        exploring = shown is self.explorer.workspace
        sketching = shown is self.canvas
        self.undo_group.setActiveStack(self.explorer.state.undo_stack if exploring
                                       else self.document.undo_stack)
        self.explorer.workspace.set_actions_enabled(exploring)
        self.training.teacher.set_actions_enabled(sketching)  # digit keys label drawings
        for action in (self.brush_action, self.eraser_action, self.select_action,
                       self.deselect_action, self.clear_action, self.bigger_action,
                       self.smaller_action):
            action.setEnabled(sketching)
        if exploring:
            self.explorer.on_shown()
        elif shown is self.training.tab:
            self.training.on_shown()

    def _on_clear_triggered(self) -> None:
        self.document.clear()

    def _on_brush_toggled(self, on: bool) -> None:
        if on:
            self.canvas.set_selecting(False)
            self.canvas.set_erasing(False)

    def _on_eraser_toggled(self, on: bool) -> None:
        if on:
            self.canvas.set_selecting(False)
        self.canvas.set_erasing(on)

    def _on_select_toggled(self, on: bool) -> None:
        self.canvas.set_selecting(on)

    def _on_bigger_triggered(self) -> None:
        self.canvas.set_brush_size(self.canvas.brush_size * BRUSH_STEP)

    def _on_smaller_triggered(self) -> None:
        self.canvas.set_brush_size(self.canvas.brush_size / BRUSH_STEP)

    def _on_canvas_brush_changed(self) -> None:
        size = self.canvas.brush_size
        self.settings.brush_size = size
        self.brush_slider.blockSignals(True)
        self.brush_slider.setValue(round(size))
        self.brush_slider.blockSignals(False)
        self.brush_label.setText(f" {size:.0f} px ")
        if not self.canvas.selecting:
            (self.eraser_action if self.canvas.erasing else self.brush_action).setChecked(True)

    def _on_shortcuts_triggered(self) -> None:
        show_shortcuts(self)

    # ---- layout and closing --------------------------------------------------------
    def _restore_layout(self) -> None:
        for blob, restore in ((self.settings.window_geometry, self.restoreGeometry),
                              (self.settings.window_state, self.restoreState)):
            if blob and blob.isascii():  # a damaged value only costs the layout
                restore(QByteArray.fromHex(blob.encode("ascii")))

    def closeEvent(self, event: QCloseEvent) -> None:
        self.training.close()  # a run stops at its next step, its last epoch kept
        self.exporting.close()
        self.recognition.close()
        self.explorer.close()
        self.settings.window_geometry = bytes(self.saveGeometry().toHex()).decode("ascii")
        self.settings.window_state = bytes(self.saveState().toHex()).decode("ascii")
        if self._settings_path is not None:
            try:
                save_settings(self.settings, self._settings_path)
            except Exception as e:
                self.notifier.warning(f"Settings were not saved: {e}")
        if not wait_for_workers(5000):
            self.notifier.warning("A background task was still running at exit.")
        else:
            self.training.after_workers()
        super().closeEvent(event)
        self.closed.emit()
