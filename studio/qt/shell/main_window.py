"""The studio's main window: the workspaces in tabs, panels in docks around them.

The window is the one place that knows every part: it builds them, hands each
feature's controller only the parts it uses, and wires what the controllers report.
The View menu lists every dock, and every message goes through the one Notifier.
"""

from __future__ import annotations

import gc
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QTabWidget, QWidget

from studio.core.settings import Settings, save_settings
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import wait_for_workers
from studio.qt.explore.explorer_controller import ExplorerController
from studio.qt.explore.generator_store import LoadedGenerator
from studio.qt.media.media_controller import MediaController
from studio.qt.media.recording_link import RECORDING_FILTER, RecordingLink
from studio.qt.pen.pen_controller import PenController
from studio.qt.project.project_controller import ProjectController
from studio.qt.project.project_parts import ProjectParts
from studio.qt.shell.menus_and_toolbar import WindowActions, build_menus_and_toolbar, show_shortcuts
from studio.qt.shell.messages_view import MessagesList, StatusLine
from studio.qt.sketch.canvas_tools import CanvasTools
from studio.qt.sketch.image_opener import IMAGE_FILTER, ImageOpener
from studio.qt.sketch.live_recognition import LiveRecognition
from studio.qt.sketch.recognizer_controller import RecognizerController
from studio.qt.sketch.recognizer_panel import RecognizerPanel
from studio.qt.sketch.recognizer_store import RecognizerStore
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SketchDocument
from studio.qt.train.training_controller import TrainingController
from studio.qt.widgets.scroll_area import scrolling


class MainWindow(QMainWindow):
    """The controllers report what happened (a sketch encoded, a generator chosen, a
    sound to listen to); which workspace or dock to show then is decided here."""

    closed = Signal()

    def __init__(self, settings: Settings, settings_path: Path | None, notifier: Notifier,
                 store: RecognizerStore, dialogs: bool = True, load_models: bool = True,
                 data_dir: Path | None = None) -> None:
        super().__init__()
        self._load_models = load_models
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
        self.recognizer = RecognizerPanel()
        self.recognizer.set_choices(settings.recent_classifiers,
                                    Path(settings.active_classifier)
                                    if settings.active_classifier else None)
        self.recognizing = RecognizerController(store, settings, self.recognition,
                                                self.recognizer, self.canvas, self.document,
                                                self)
        self.undo_group = QUndoGroup(self)  # Ctrl+Z undoes in the workspace on show
        self.undo_group.addStack(self.document.undo_stack)
        self.explorer = ExplorerController(settings, notifier, self.document,
                                           self.recognizing.recognized_digit,
                                           store.default_paths, data_dir, self, dialogs)
        self.undo_group.addStack(self.explorer.state.undo_stack)
        self.undo_group.setActiveStack(self.document.undo_stack)
        self.training = TrainingController(store, self.document, notifier, data_dir, self,
                                           dialogs)
        self.pen = PenController(self.document, self.canvas, self.recognizing.recognized_digit,
                                 store.default_paths, notifier, self)
        self.explorer.store.generator_changed.connect(self._on_explorer_generator_changed)
        self.workspaces = QTabWidget()
        self.workspaces.setDocumentMode(True)
        self.workspaces.addTab(self.canvas, "Sketch")
        self.workspaces.addTab(self.explorer.workspace, "Explore")
        self.workspaces.addTab(self.training.tab, "Train")
        self.workspaces.setTabToolTip(0, "Draw digits and watch them recognized (Ctrl+1)")
        self.workspaces.setTabToolTip(1, "Explore what the GAN and VAE can make (Ctrl+2)")
        self.workspaces.setTabToolTip(2, "Train models and manage the library (Ctrl+3)")
        self.setCentralWidget(self.workspaces)

        self.recognizer_dock = self._add_dock("Recognizer", scrolling(self.recognizer),
                                              Qt.DockWidgetArea.RightDockWidgetArea)
        self.handwriting_dock = self._add_dock("My Handwriting",
                                               scrolling(self.training.teacher.panel),
                                               Qt.DockWidgetArea.RightDockWidgetArea)
        self.media = MediaController(
            store=self.explorer.store, state=self.explorer.state, live=self.explorer.live,
            keyframes=self.explorer.workspace.keyframes, document=self.document,
            selection=self.canvas.selection, opener=self.opener,
            library=self.training.library, settings=settings, notifier=notifier,
            explorer_shown=self._explorer_shown, parent=self)
        self.recordings = RecordingLink(self.document, self.media.sound, notifier, self)
        self.sound_dock = self._add_dock("Sound", scrolling(self.media.sound),
                                         Qt.DockWidgetArea.RightDockWidgetArea)
        self.pen_dock = self._add_dock("Pen", scrolling(self.pen.panel),
                                       Qt.DockWidgetArea.RightDockWidgetArea)
        self.project = ProjectController(
            ProjectParts(self.document, self.canvas, self.explorer, self.media,
                         self.training.trainer),
            settings, notifier, data_dir, self, dialogs)
        self._may_close = False  # the artist agreed (or nothing unsaved would be lost)
        self._keep_recovery = False  # quitting on a signal: the recovery copy stays
        self.tabifyDockWidget(self.recognizer_dock, self.handwriting_dock)
        self.tabifyDockWidget(self.recognizer_dock, self.sound_dock)
        self.tabifyDockWidget(self.recognizer_dock, self.pen_dock)
        self.recognizer_dock.raise_()  # the recognizer keeps its full height while drawing
        self.messages = MessagesList(notifier)
        self.messages_dock = self._add_dock("Messages", self.messages,
                                            Qt.DockWidgetArea.BottomDockWidgetArea)
        self.messages_dock.hide()
        self.status_line = StatusLine(notifier, self.statusBar(), self, dialogs)
        self.statusBar().addPermanentWidget(self.recognizing.status_label)

        self._build_actions()
        self.view_menu = build_menus_and_toolbar(
            self, self.project, WindowActions(
                self.open_image_action, self.paste_action, self.open_classifier_action,
                self.quit_action, self.undo_action, self.redo_action, self.clear_action,
                self.saliency_action, self.boxes_action, self.sketch_tab_action,
                self.explore_tab_action, self.train_tab_action, self.shortcuts_action),
            self.tools, self.explorer, self.training, self.media, self.pen.actions,
            [self.recognizer_dock, self.handwriting_dock, self.sound_dock, self.pen_dock,
             self.messages_dock])
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
        self.open_image_action = self._action("&Import Image…", ["Ctrl+I"],
                                              self._on_open_image_triggered,
                                              "Import a picture of a digit into the canvas")
        self.paste_action = self._action("&Paste Image", [QKeySequence.StandardKey.Paste],
                                         self.opener.paste,
                                         "Paste an image from the clipboard into the canvas")
        self.open_classifier_action = self._action(
            "Open &Classifier…", [], self.recognizing.open_classifier,
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
                                         self.document.clear, "Clear the canvas")
        self.tools = CanvasTools(self.canvas, self.settings, self)
        self.saliency_action = self._action("&Where It Looks", ["W"],
                                            self.recognizing.set_saliency,
                                            "Overlay where the network looks", checkable=True)
        self.boxes_action = self._action("Digit &Boxes", ["Ctrl+B"],
                                         self.canvas.digit_boxes.set_visible,
                                         "Show where a number's digits were read, and as what",
                                         checkable=True)
        self.boxes_action.setChecked(True)
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
        self.canvas.file_dropped.connect(self._on_canvas_file_dropped)
        self.project.title_changed.connect(self._on_project_title_changed)
        self.project.autosaver.start()
        self._on_project_title_changed(self.project.title, False)
        self.canvas.image_dropped.connect(self.opener.open_qimage)
        self.canvas.first_painted.connect(self._on_canvas_first_painted)
        self.recognizing.connect()
        self.recognizer.saliency_toggled.connect(self.saliency_action.setChecked)
        self.store.classifier_changed.connect(self.explorer.set_classifier)
        self.store.classifier_changed.connect(self._freeze_heap)
        self.explorer.store.generator_changed.connect(self._freeze_heap)
        self.explorer.sketch_encoded.connect(self.show_explorer)
        self.explorer.sent_to_canvas.connect(self.show_canvas)
        self.explorer.repair_explored.connect(self.show_explorer)
        self.training.generator_chosen.connect(self._on_training_generator_chosen)
        self.media.listen_started.connect(self._on_media_listen_started)
        self.media.point_restored.connect(self.show_explorer)
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
            QTimer.singleShot(0, self.pen.start)

    # ---- slots ---------------------------------------------------------------------
    def _on_open_image_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import Image", self.settings.last_open_dir,
                                              f"{IMAGE_FILTER};;{RECORDING_FILTER}")
        if path:
            self.settings.last_open_dir = str(Path(path).parent)
            self._on_canvas_file_dropped(Path(path))

    def _on_canvas_file_dropped(self, path: Path) -> None:
        if path.suffix.lower() == ".lstudio":
            self.project.open(path)
        elif self.recordings.handles(path):
            self.recordings.open_file(path)
        else:
            self.opener.open_file(path)

    def _on_project_title_changed(self, title: str, modified: bool) -> None:
        self.setWindowTitle(f"{title}[*] — Latent Studio")
        self.setWindowModified(modified)

    # ---- workspaces ----------------------------------------------------------------
    def show_canvas(self) -> None:
        self.workspaces.setCurrentWidget(self.canvas)

    def show_explorer(self) -> None:
        self.workspaces.setCurrentWidget(self.explorer.workspace)

    def show_trainer(self) -> None:
        self.workspaces.setCurrentWidget(self.training.tab)

    def _explorer_shown(self) -> bool:
        return self.workspaces.currentWidget() is self.explorer.workspace

    def _on_workspaces_current_changed(self, index: int) -> None:
        shown = self.workspaces.currentWidget()
        exploring = shown is self.explorer.workspace
        sketching = shown is self.canvas
        self.undo_group.setActiveStack(self.explorer.state.undo_stack if exploring
                                       else self.document.undo_stack)
        self.explorer.workspace.set_actions_enabled(exploring)
        self.training.teacher.set_actions_enabled(sketching)  # digit keys label drawings
        self.tools.set_enabled(sketching)
        self.clear_action.setEnabled(sketching)
        if exploring:
            self.explorer.on_shown()
        elif shown is self.training.tab:
            self.training.on_shown()

    # ---- what the parts report -----------------------------------------------------
    def _on_explorer_generator_changed(self, generator: LoadedGenerator) -> None:
        self.training.set_active_generator(generator.path)

    def _on_training_generator_chosen(self, path: Path) -> None:
        self.explorer.store.load(path)
        self.show_explorer()

    def _on_media_listen_started(self) -> None:
        self.sound_dock.show()
        self.sound_dock.raise_()

    def _on_shortcuts_triggered(self) -> None:
        show_shortcuts(self.actions(), self)

    # ---- layout and closing --------------------------------------------------------
    def _restore_layout(self) -> None:
        for blob, restore in ((self.settings.window_geometry, self.restoreGeometry),
                              (self.settings.window_state, self.restoreState)):
            if blob and blob.isascii():  # a damaged value only costs the layout
                restore(QByteArray.fromHex(blob.encode("ascii")))

    def close_keeping_recovery(self) -> None:
        """Ctrl-C or SIGTERM in the terminal: write the recovery copy here and now (no
        prompt can be answered), then close; the next start offers the copy."""
        if self.project.is_modified():
            try:
                self.project.autosaver.write_blocking()
                self._keep_recovery = True
            except Exception as e:  # the exit goes on; say why nothing was kept
                self.notifier.error(f"The recovery copy could not be written: {e}")
        self._may_close = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close and self.project.is_modified():
            agreed, asking = [], True

            def go_on() -> None:  # now, or once the save the artist asked for is done
                if asking:
                    agreed.append(True)
                else:
                    self._may_close = True
                    self.close()

            self.project.when_discardable("close the studio", go_on)
            asking = False
            if not agreed:
                event.ignore()
                return
        self.training.close()  # a run stops at its next step, its last epoch kept
        self.media.close()
        self.pen.close()
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
        self.project.close(keep_recovery=self._keep_recovery)
        super().closeEvent(event)
        self.closed.emit()
