"""What the GUI benchmarks share: the window, recorded strokes, timers, latencies.

Benchmarks import this beside them (they run as scripts from benchmarks/).
"""

from __future__ import annotations

import functools
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, QPointF, QRectF, Qt, QTimer
from PySide6.QtWidgets import QApplication


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def stroke_events(paper: QRectF, strokes: list[dict]) -> list[tuple[float, object, object]]:
    """(t_ms, kind, position or the digit) to draw every stroke once, as a hand would:
    a "clear" before each digit, 300 ms to reach the paper, moves at the recorded rate."""
    events, t = [], 0.0
    for stroke in strokes:
        pts = [QPointF(paper.x() + x * paper.width(), paper.y() + y * paper.height())
               for x, y in stroke["points"]]
        events.append((t, "clear", stroke["digit"]))
        t += 300
        events.append((t, QEvent.Type.MouseButtonPress, pts[0]))
        for p in pts[1:]:
            t += stroke["period_ms"]
            events.append((t, QEvent.Type.MouseMove, p))
        events.append((t, QEvent.Type.MouseButtonRelease, pts[-1]))
        t += 300  # the hand moves to the next stroke
    return events


def latencies(sent: dict[int, float], painted: list[tuple[float, int]]) -> list[float]:
    """For each request (number -> time sent), the time until a paint tagged with it or
    a later request (latest wins: a newer answer also answers it)."""
    result = []
    for number, t_event in sent.items():
        later = [tp for tp, tag in painted if tag >= number and tp >= t_event]
        if later:
            result.append(min(later) - t_event)
    return result


@contextmanager
def timing_calls(module: ModuleType, name: str) -> Iterator[list[float]]:
    """Times every call of `module.name` (the job a live path submits: preprocessing and
    model, as it runs on the pool beside the GUI) into the list yielded, in ms.

    The job is looked up by name when a request is made, so the wrapper is what runs.
    """
    original = getattr(module, name)
    samples: list[float] = []

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            samples.append((time.perf_counter() - start) * 1000)  # list.append is atomic

    setattr(module, name, timed)
    try:
        yield samples
    finally:
        setattr(module, name, original)


def recorded_strokes() -> list[dict]:
    """benchmarks/data/strokes.json (made by make_strokes.py)."""
    return json.loads((Path(__file__).parent / "data" / "strokes.json").read_text())["strokes"]


@contextmanager
def studio_window(width: int = 1100, height: int = 720) -> Iterator[object]:
    """The studio window as the app builds it, shown, with the bundled recognizer, in a
    throwaway data folder; closed (workers ended) on the way out."""
    from studio.ml.models.default_models import default_model_path
    from studio.qt.shell.app import build_window
    from studio.qt.sketch.recognizer_store import load_classifier

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as data_dir:
        window = build_window(Path(data_dir), dialogs=False, load_models=False)
        window.resize(width, height)
        window.show()
        app.processEvents()
        window.store.set_classifier(load_classifier(default_model_path("cnn"), "Default"))
        try:
            yield window
        finally:
            window.close()


class Ticker:
    """A heartbeat on the GUI thread (its longest gap is the stall) and a 1 ms timer that
    replays input, in a local event loop that runs until `finish()`."""

    def __init__(self, heartbeat_ms: float, now: Callable[[], float],
                 on_tick: Callable[[], None]) -> None:
        self.heartbeat_ms = heartbeat_ms
        self.ticks: list[float] = []
        self._loop = QEventLoop()
        self._heartbeat = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=heartbeat_ms)
        self._heartbeat.timeout.connect(lambda: self.ticks.append(now()))
        self._replay = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=1)
        self._replay.timeout.connect(on_tick)

    def run(self) -> None:
        self._heartbeat.start()
        self._replay.start()
        self._loop.exec()
        self._heartbeat.stop()

    def finish(self) -> None:
        """Stop replaying; the loop ends 200 ms later (the last answers arrive)."""
        self._replay.stop()
        QTimer.singleShot(200, self._loop.quit)

    @property
    def stall_ms(self) -> float:
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        return max(gaps) - self.heartbeat_ms


def wait_for(condition: Callable[[], bool], timeout_ms: float = 20_000,
             what: str = "benchmark") -> None:
    """Run the event loop until `condition()` holds; SystemExit when the window stops
    answering (a benchmark must end, never hang)."""
    clock = QElapsedTimer()
    clock.start()
    while not condition():
        if clock.elapsed() > timeout_ms:
            raise SystemExit(f"{what}: the window stopped answering")
        QApplication.processEvents()
        time.sleep(0.001)
