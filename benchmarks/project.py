"""Saving, opening and autosaving a big project in the real window.

A project of 2,000 strokes (40 points each) over an imported picture, with the GAN's
point and 50 keyframes: Save writes it on the pool while a heartbeat on the GUI
thread measures the longest stall (aim <= 16 ms); Open reads it on the pool and is
timed until the canvas has painted it (aim <= 500 ms); the autosave's recovery copy
reports its own write time. Each is measured RUNS times; medians and maxima.
The same heartbeat over half a second with nothing saved gives the machine's own
stalls (idle_stall_ms_max), the baseline the save's are read against.
Last line: {"strokes", "keyframes", "file_mb", "save_s", "save_stall_ms_max",
"idle_stall_ms_max", "open_to_paint_s", "recovery_write_s", "capture_ms"}.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in os.environ else "xcb")

import numpy as np
from _replay import studio_window, wait_for
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from studio.core.latent_points import LatentPoint
from studio.qt.sketch.canvas_strokes import Stroke

RUNS = 3
STROKES, POINTS, KEYFRAMES = 2000, 40, 50


def fill(window, generator) -> None:
    """2,000 strokes as a hand would leave them, and 50 keyframes on the GAN."""
    rng = np.random.default_rng(0)
    strokes = []
    for i in range(STROKES):
        start = rng.uniform(40, 470, 2)
        steps = np.cumsum(rng.normal(0, 3, (POINTS, 2)), axis=0) + start
        points = [(float(x), float(y), float(p)) for (x, y), p
                  in zip(steps, rng.uniform(0.3, 1.0, POINTS), strict=True)]
        strokes.append(Stroke(width=float(rng.uniform(6, 40)), erase=i % 10 == 9,
                              points=points))
    window.document.restore(None, strokes)
    window.document.begin_stroke(10, 10, 1.0, 20)  # one real edit: the work is modified
    window.document.extend_stroke(60, 60)
    window.document.end_stroke()
    window.explorer.store.set_generator(generator)
    points = [LatentPoint(generator.sha256, generator.name, "gan", k % 10,
                          tuple(float(v) for v in rng.normal(0, 1, generator.latent_dim)),
                          bytes(784).hex()) for k in range(KEYFRAMES)]
    window.explorer.workspace.set_keyframes(generator.sha256, points)
    QApplication.processEvents()


def timed_save(window, path: Path | None) -> tuple[float, float]:
    """(seconds to a complete file, longest gap between 1 ms heartbeats in ms); with no
    path, the same wait with nothing saved: the machine's own stalls, the baseline."""
    ticks: list[float] = []
    heartbeat = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=1)
    heartbeat.timeout.connect(lambda: ticks.append(time.perf_counter()))
    done: list[float] = []
    window.project.saved.connect(lambda _p: done.append(time.perf_counter()))
    heartbeat.start()
    QApplication.processEvents()
    start = time.perf_counter()
    ticks.append(start)
    if path is None:
        wait_for(lambda: time.perf_counter() - start > 0.5)
        done.append(time.perf_counter())
    else:
        window.project.save_to(path)
        wait_for(lambda: bool(done))
    heartbeat.stop()
    window.project.saved.disconnect()
    gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False)]
    return done[0] - start, max(gaps) * 1000


def timed_open(window, path: Path) -> float:
    """Seconds from Open to the canvas painted with the project."""
    opened: list[bool] = []
    window.project.opened.connect(lambda _p: opened.append(True))
    start = time.perf_counter()
    window.project.open(path, ask=False)
    wait_for(lambda: bool(opened))
    window.canvas.repaint()  # the paint the next frame would do, now
    seconds = time.perf_counter() - start
    window.project.opened.disconnect()
    return seconds


def main() -> None:
    from studio.ml.models.default_models import default_model_path
    from studio.qt.explore.generator_store import load_generator

    generator = load_generator(default_model_path("gan"), "Default GAN", None)
    figures: dict[str, list[float]] = {k: [] for k in (
        "save_s", "save_stall_ms_max", "idle_stall_ms_max", "open_to_paint_s",
        "recovery_write_s", "capture_ms")}
    with studio_window() as window:
        fill(window, generator)
        folder = window.project.autosaver.folder
        path = folder.parent / "big.lstudio"
        for _ in range(RUNS):
            start = time.perf_counter()
            window.project.parts.capture()
            figures["capture_ms"].append((time.perf_counter() - start) * 1000)
            save_s, stall = timed_save(window, path)
            figures["save_s"].append(save_s)
            figures["save_stall_ms_max"].append(stall)
            figures["idle_stall_ms_max"].append(timed_save(window, None)[1])
            figures["open_to_paint_s"].append(timed_open(window, path))
            written: list[float] = []
            window.project.autosaver.written.connect(written.append)
            window.project.autosaver.write_now()
            wait_for(lambda written=written: bool(written))
            window.project.autosaver.written.disconnect()
            figures["recovery_write_s"].append(written[0])
        size = path.stat().st_size / 2**20
        print(f"{STROKES} strokes, {KEYFRAMES} keyframes: {size:.1f} MB")
        for name, values in figures.items():
            print(f"{name}: " + ", ".join(f"{v:.3f}" for v in values))
    result = {"strokes": STROKES, "keyframes": KEYFRAMES, "file_mb": round(size, 2)}
    for name, values in figures.items():
        result[name] = round(max(values) if name.endswith("max") else
                             statistics.median(values), 4)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
