"""Does the window stay fluid while the GAN trains? And what does that cost training?

Trains the GAN on the bundled digits in the app's real worker (studio.qt.train.trainer's
run on a TrainingRun, torch threads set by the app) three times for the same wall
time: alone, then while the GUI thread runs a precise 10 ms heartbeat timer and
replays benchmarks/data/strokes.json as real mouse events on the canvas (live
recognition included), then alone again. Heartbeat lateness is each gap between
ticks minus 10 ms. Training speed is optimizer steps per second between the first
and the last progress report of each phase (epoch-end evaluation included in both).
Last line: {"heartbeat_late_ms_p99", "heartbeat_late_ms_max", "train_steps_per_s",
"train_steps_per_s_alone"}.
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in os.environ else "xcb")

from _replay import percentile, recorded_strokes, stroke_events, studio_window
from PySide6.QtCore import QElapsedTimer, QEvent, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from studio.ml.training.train_settings import TrainingPlan, default_settings
from studio.qt.base.simulated_hand import send_mouse
from studio.qt.train.trainer import _run
from studio.qt.train.training_run import TrainingRun

HEARTBEAT_MS = 10


def phase(app: QApplication, window, plan: TrainingPlan, seconds: float,
          events: list | None) -> dict:
    """Train for `seconds` of wall time; with `events`, beat and draw on the GUI thread."""
    clock = QElapsedTimer()
    clock.start()
    now = lambda: clock.nsecsElapsed() / 1e6  # noqa: E731
    reports: list[tuple[float, int]] = []
    ticks: list[float] = []
    run = TrainingRun(partial(_run, plan))
    run.reported.connect(lambda p: reports.append((now(), p.step)))
    loop = QEventLoop()
    run.ended.connect(lambda _: loop.quit())
    run.failed.connect(lambda m, _: (print("failed:", m), loop.quit()))
    state = {"i": 0, "start": None}

    def on_replay_tick() -> None:
        if not reports:
            return  # draw once training is under way, as the measurement is
        if state["start"] is None:
            state["start"] = now()
        elapsed = (now() - state["start"]) % (events[-1][0] + 300)
        if elapsed < state.get("last", 0):
            state["i"] = 0  # start the strokes again
        state["last"] = elapsed
        while state["i"] < len(events) and events[state["i"]][0] <= elapsed:
            _, kind, pos = events[state["i"]]
            state["i"] += 1
            if kind == "clear":
                window.clear_action.trigger()
            else:
                send_mouse(window.canvas, kind, pos, kind != QEvent.Type.MouseButtonRelease)

    heartbeat = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=HEARTBEAT_MS)
    heartbeat.timeout.connect(lambda: ticks.append(now()) if reports else None)
    replay = QTimer(timerType=Qt.TimerType.PreciseTimer, interval=1)
    replay.timeout.connect(on_replay_tick)
    if events is not None:
        heartbeat.start()
        replay.start()
    QTimer.singleShot(int(seconds * 1000), run.stop)
    run.start()
    loop.exec()
    heartbeat.stop()
    replay.stop()
    window.clear_action.trigger()
    first, last = reports[1], reports[-1]  # [0] may include start-up work
    rate = (last[1] - first[1]) / ((last[0] - first[0]) / 1000)
    late = [b - a - HEARTBEAT_MS for a, b in zip(ticks, ticks[1:], strict=False)]
    return {"steps_per_s": rate, "late": late, "steps": last[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=25.0, help="wall time of each phase")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for training (default: the app's, all cores but "
                             "one); give the core count to see what sparing one buys")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    with studio_window() as window:
        settings = default_settings("gan", epochs=1000, device="cpu")
        plan = TrainingPlan(settings, "bundled", window.training.library.new_run_path("gan"),
                            threads=args.threads)
        events = stroke_events(window.canvas.paper_rect(), recorded_strokes())
        alone1 = phase(app, window, plan, args.seconds, None)
        print(f"alone:        {alone1['steps_per_s']:.1f} steps/s", flush=True)
        loaded = phase(app, window, plan, args.seconds, events)
        late = loaded["late"]
        print(f"drawing:      {loaded['steps_per_s']:.1f} steps/s, {len(late)} heartbeats, "
              f"late p50 {percentile(late, 0.5):.2f} ms, p99 {percentile(late, 0.99):.2f} ms, "
              f"max {max(late):.2f} ms", flush=True)
        alone2 = phase(app, window, plan, args.seconds, None)
        print(f"alone again:  {alone2['steps_per_s']:.1f} steps/s", flush=True)
    alone = (alone1["steps_per_s"] + alone2["steps_per_s"]) / 2
    print(f"training while drawing runs at {loaded['steps_per_s'] / alone:.0%} of alone "
          f"(cpus: {os.cpu_count()})")
    print(json.dumps({"heartbeat_late_ms_p99": round(percentile(late, 0.99), 2),
                      "heartbeat_late_ms_max": round(max(late), 2),
                      "train_steps_per_s": round(loaded["steps_per_s"], 2),
                      "train_steps_per_s_alone": round(alone, 2)}))


if __name__ == "__main__":
    main()
