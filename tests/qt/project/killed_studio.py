"""The real studio in a given data folder: draws a 4 with mouse events, says so, runs on.

Not a test: tests/qt/project/test_recovery.py starts it as a process and kills it with
SIGKILL two seconds after its last stroke. Prints "drawn <strokes> <sha256 of raster>".
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from studio.qt.base.simulated_hand import draw_digit
from studio.qt.shell.app import run
from studio.qt.shell.main_window import MainWindow


def draw() -> None:
    window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
    draw_digit(window.canvas, "4")
    raster = window.document.snapshot()
    print("drawn", len(window.document.strokes), hashlib.sha256(raster.tobytes()).hexdigest(),
          flush=True)


if __name__ == "__main__":
    app = QApplication(sys.argv[:1])
    QTimer.singleShot(500, draw)
    sys.exit(run(data_dir=Path(sys.argv[1])))
