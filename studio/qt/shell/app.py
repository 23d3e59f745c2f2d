"""Starting the studio window: paths, log, settings, models, then the event loop.

Nothing here imports torch: the window paints first and the models load on the
thread pool afterwards (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import signal
import sys
import time
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QStandardPaths, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from studio.core.settings import load_settings
from studio.ml.models.default_models import default_model_path
from studio.qt.base.notifier import Notifier
from studio.qt.base.worker_errors import report_worker_errors_to
from studio.qt.shell.main_window import MainWindow
from studio.qt.sketch.recognizer_store import RecognizerStore

APP_NAME = "Latent Studio"
KINDS = ("cnn", "vae", "gan", "strokes-lstm", "strokes-transformer")


def studio_logger(data_dir: Path | None) -> tuple[logging.Logger, str | None]:
    """A logger writing to <data dir>/studio.log; with a reason when the file cannot be made."""
    log = logging.getLogger("studio")
    log.setLevel(logging.INFO)
    log.propagate = False  # the terminal stays quiet; the Messages dock shows notices
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()
    if data_dir is None:
        log.addHandler(logging.NullHandler())
        return log, None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            data_dir / "studio.log", maxBytes=1_000_000, backupCount=2, encoding="utf-8")
    except OSError as e:
        log.addHandler(logging.NullHandler())
        return log, f"{data_dir}: cannot write the log file here ({e.strerror or e})"
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    return log, None


def route_qt_messages(log: logging.Logger) -> None:
    """Qt's own debug/warning chatter goes to the log file, not the user's terminal."""
    levels = {QtMsgType.QtDebugMsg: logging.DEBUG, QtMsgType.QtInfoMsg: logging.INFO,
              QtMsgType.QtWarningMsg: logging.WARNING}

    def handler(kind: QtMsgType, context, message: str) -> None:
        if kind in levels:
            log.log(levels[kind], "Qt: %s", message)
        else:  # critical and fatal still reach stderr
            print(f"Qt: {message}", file=sys.stderr)

    qInstallMessageHandler(handler)


def build_window(data_dir: Path | None, default_paths: dict[str, Path] | None = None,
                 dialogs: bool = True, load_models: bool = True) -> MainWindow:
    """The main window with its notifier, settings and model store (a QApplication must exist)."""
    log, log_problem = studio_logger(data_dir)
    notifier = Notifier(log)
    report_worker_errors_to(notifier)  # a worker error nobody handles is shown, not lost
    settings_path = data_dir / "settings.json" if data_dir is not None else None
    if settings_path is not None:
        settings, problem = load_settings(settings_path)
    else:
        from studio.core.settings import Settings
        settings, problem = Settings(), None
    paths = default_paths or {kind: default_model_path(kind) for kind in KINDS}
    likeness_cache = data_dir / "digit_likeness" if data_dir is not None else None
    store = RecognizerStore(paths, notifier, cache_dir=likeness_cache)
    window = MainWindow(settings, settings_path, notifier, store, dialogs=dialogs,
                        load_models=load_models, data_dir=data_dir)
    store.setParent(window)
    for message in (log_problem, problem):
        if message:
            notifier.warning(message)
    return window


def qt_platform(default: str = "offscreen") -> str:
    """The Qt platform the app runs (or will run) on: the running application's, or
    `default` set for the one to come when none runs yet (the self-test paints
    offscreen unless it was started inside a running app)."""
    app = QApplication.instance()
    if app is None:
        os.environ["QT_QPA_PLATFORM"] = default
        return default
    return app.platformName()


def run(argv: Sequence[str] | None = None, data_dir: Path | None = None,
        quit_after: str | None = None, project: Path | None = None) -> int:
    """Open the studio and run until the window closes; `project` (.lstudio) opens in it.

    `quit_after` is for benchmarks and start-up tests: "first-paint" prints the
    wall-clock time of the first paint and quits before any model loads; "models"
    quits once the recognizer has loaded (or failed to).
    """
    app = QApplication.instance() or QApplication(list(argv or sys.argv[:1]))
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("LatentStudio")
    app.setApplicationDisplayName(APP_NAME)
    app.setDesktopFileName("io.github.latentstudio.LatentStudio")  # Wayland: icon from the entry
    app.setWindowIcon(QIcon(str(resources.files("studio.resources") / "desktop"
                                / "latent-studio-256.png")))
    if data_dir is None:
        data_dir = Path(QStandardPaths.writableLocation(
            QStandardPaths.StandardLocation.AppDataLocation))
    log, _ = studio_logger(data_dir)
    route_qt_messages(log)
    window = build_window(data_dir, load_models=quit_after != "first-paint")
    if quit_after is not None:
        def report() -> None:
            print(f"first_paint {time.time():.6f} torch_imported={'torch' in sys.modules}",
                  flush=True)
            if quit_after == "first-paint":
                window.close()
        window.canvas.first_painted.connect(report)
    if quit_after == "models":
        window.store.classifier_changed.connect(window.close)
        window.store.classifier_failed.connect(window.close)
    window.show()
    if quit_after is None:  # after the first paint: work a crashed window left, then `project`
        def after_first_paint() -> None:
            window.project.recovery.look()
            if project is not None:
                window.project.open(project, ask=False)
        window.canvas.first_painted.connect(lambda: QTimer.singleShot(0, after_first_paint))
    # Ctrl-C or SIGTERM in the terminal: no prompt can be answered, so the work goes to
    # a recovery copy (offered at the next start), then the window closes the normal way
    # (settings saved, workers ended); the idle timer lets Python run the handler.
    signal.signal(signal.SIGINT, lambda *_: window.close_keeping_recovery())
    signal.signal(signal.SIGTERM, lambda *_: window.close_keeping_recovery())
    wake = QTimer(interval=200)
    wake.timeout.connect(lambda: None)
    wake.start()
    return app.exec()
