"""The pen drawing in the window: the longest GUI-thread stall while it animates.

Builds the studio window offscreen (unless a display is set) with the default
recognizer and the LSTM pen handed over, then has the pen draw: Draw for Me for digits
0-9 (one after another, each animated to the end) and Write a Number "2026" and
"31415926". A 2 ms heartbeat timer on the GUI thread measures stalls while the pen
draws: the longest gap between its ticks, minus its period (clearing the canvas between
drawings is not the pen's). Live recognition runs all the while, as it does
for the artist. The goal: no stall over 16 ms (one frame). Also prints how long each
drawing took to appear. Last line: {"gui_stall_ms_max", "gui_stall_ms_p99",
"draw_seconds_mean", "write_seconds": {...}}.

    .venv/bin/python benchmarks/pen_animation.py
"""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in os.environ else "xcb")

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

HEARTBEAT_MS = 2
GOAL_MS = 16.0


def wait_until(app: QApplication, done, timeout_s: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout_s
    while not done():
        if time.perf_counter() > deadline:
            raise TimeoutError("the pen did not finish")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def main() -> None:
    from studio.ml.models.default_models import default_model_path
    from studio.qt.pen.pen_store import load_pen
    from studio.qt.shell.app import build_window
    from studio.qt.sketch.recognizer_store import load_classifier

    app = QApplication.instance() or QApplication([])
    window = build_window(None, dialogs=False, load_models=False)
    window.resize(1100, 760)
    window.show()
    window.store.set_classifier(load_classifier(default_model_path("cnn"), "Default"))
    window.pen.store.set_pen(load_pen(default_model_path("strokes-lstm"), "LSTM"))
    pen = window.pen
    ticks: list[tuple[float, bool]] = []  # (ms, the pen was drawing)
    heartbeat = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append((time.perf_counter() * 1000,
                                                    pen.animator.playing)))

    def play(trigger) -> float:
        start = time.perf_counter()
        trigger()
        wait_until(app, lambda: pen.animator.playing)
        wait_until(app, lambda: not pen.animator.playing and not window.recognition.busy)
        return time.perf_counter() - start

    heartbeat.start()
    drawn = []
    for digit in range(10):
        window.document.clear()
        pen.panel.digit.setCurrentIndex(pen.panel.digit.findData(digit))
        drawn.append(play(pen.actions["draw"].trigger))
        print(f"Draw for Me {digit}: {drawn[-1]:.2f} s, read as {window.recognizer.shown_digit}")
    written = {}
    for number in ("2026", "31415926"):
        window.document.clear()
        pen.panel.number.setText(number)
        written[number] = play(pen.actions["write"].trigger)
        print(f"Write {number}: {written[number]:.2f} s, read as "
              f"{window.recognizer.shown_digit}")
    heartbeat.stop()
    gaps = sorted(b - a - HEARTBEAT_MS for (a, drawing), (b, _) in zip(ticks, ticks[1:],
                                                                       strict=False) if drawing)
    worst, p99 = gaps[-1], gaps[int(0.99 * (len(gaps) - 1))]
    print(f"GUI stall: max {worst:.1f} ms, p99 {p99:.1f} ms over {len(ticks)} heartbeats "
          f"(goal: none over {GOAL_MS:.0f} ms)")
    window.close()
    print(json.dumps({"gui_stall_ms_max": round(worst, 2), "gui_stall_ms_p99": round(p99, 2),
                      "draw_seconds_mean": round(sum(drawn) / len(drawn), 2),
                      "write_seconds": {k: round(v, 2) for k, v in written.items()}}))


if __name__ == "__main__":
    main()
