"""Slider moved to generated image shown, while dragging, on the real explorer widgets.

Builds the studio window offscreen (unless a display is set), loads the default GAN
and VAE with their slider directions and the default recognizer, and drags sliders
with real mouse events (press on the handle, a move every 8 ms, release) along a
smooth back-and-forth path. For every move that changes the point, the latency is
the time until the generated view has painted an image that includes it (with
latest-wins, a later one counts); each frame includes decoding and the recognizer's
score. The model work of every request (the job LiveGeneration submits: decode, then
the recognizer's preprocessing and forward pass, timed around the call on the pool)
is measured in the same run; frame_over_compute_p95 is the frame latency's p95 over
the median model work: what the way to the screen costs on top of the model. A 2 ms
heartbeat on the GUI thread measures stalls.
Last line: {"slider_frame_ms_p50": x, "slider_frame_ms_p95": y, "model_work_ms_p50": w,
"frame_over_compute_p95": y / w, ...}.
"""

from __future__ import annotations

import json
import math
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in os.environ else "xcb")

from _replay import Ticker, latencies, percentile, studio_window, timing_calls
from PySide6.QtCore import QElapsedTimer, QEvent, QPointF
from PySide6.QtWidgets import QApplication

from studio.ml.models.default_models import default_model_path
from studio.qt.base.simulated_hand import send_mouse, slider_handle_center
from studio.qt.explore import live_generation
from studio.qt.explore.generator_store import load_generator

HEARTBEAT_MS = 2
MOVE_MS = 8  # a 125 Hz mouse
DRAG_S = 2.0  # per slider
SLIDERS = (0, 1, 4)  # the most effective directions, and a weaker one


def drag(window, slider_indices, now, painted) -> dict:
    """Drag each slider out and back twice; returns latencies and the longest stall."""
    workspace = window.explorer.workspace
    live = window.explorer.live
    events = []  # (t_ms, slider index, kind, x offset in px)
    t = 0.0
    for index in slider_indices:
        width = workspace.sliders.slider(index).width()
        steps = int(DRAG_S * 1000 / MOVE_MS)
        events.append((t, index, QEvent.Type.MouseButtonPress, 0.0))
        for k in range(1, steps + 1):
            t += MOVE_MS
            events.append((t, index, QEvent.Type.MouseMove,
                           0.4 * width * math.sin(2 * math.pi * 2 * k / steps)))
        events.append((t, index, QEvent.Type.MouseButtonRelease, 0.0))
        t += 300
    sent: dict[int, float] = {}
    state = {"i": 0, "start": now(), "grab": QPointF()}

    def on_tick() -> None:
        elapsed = now() - state["start"]
        while state["i"] < len(events) and events[state["i"]][0] <= elapsed:
            _, index, kind, dx = events[state["i"]]
            state["i"] += 1
            slider = workspace.sliders.slider(index)
            if kind == QEvent.Type.MouseButtonPress:
                state["grab"] = slider_handle_center(slider)
            pos = state["grab"] + QPointF(dx, 0)
            before = live.last_request
            t_event = now()
            send_mouse(slider, kind, pos, kind != QEvent.Type.MouseButtonRelease)
            if live.last_request != before:
                sent[live.last_request] = t_event
        if state["i"] == len(events) and not live.busy:
            ticker.finish()

    ticker = Ticker(HEARTBEAT_MS, now, on_tick)
    painted.clear()
    ticker.run()
    measured = latencies(sent, painted)
    return {"moves": len(sent), "measured": len(measured), "latencies": measured,
            "stall": ticker.stall_ms}


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with studio_window(1280, 800) as window:
        clock = QElapsedTimer()
        clock.start()
        now = lambda: clock.nsecsElapsed() / 1e6  # noqa: E731
        painted: list[tuple[float, int]] = []
        window.explorer.workspace.view.painted.connect(lambda tag: painted.append((now(), tag)))
        window.show_explorer()
        all_latencies: list[float] = []
        all_work: list[float] = []
        results = {}
        for kind in ("gan", "vae"):
            start = time.perf_counter()
            generator = load_generator(default_model_path(kind), f"Default {kind.upper()}", None)
            basis_s = time.perf_counter() - start
            window.explorer.store.set_generator(generator)
            app.processEvents()
            time.sleep(0.3)
            app.processEvents()
            with timing_calls(live_generation, "generate") as work:
                r = drag(window, SLIDERS, now, painted)
            r["work"] = work
            all_latencies += r["latencies"]
            all_work += work
            results[kind] = r
            p95, work_p50 = percentile(r["latencies"], 0.95), percentile(work, 0.5)
            print(f"{kind}: load + directions {basis_s:.2f} s; {r['moves']} slider changes, "
                  f"{r['measured']} measured, frame p50 {percentile(r['latencies'], 0.5):.1f} ms, "
                  f"p95 {p95:.1f} ms; model work p50 {work_p50:.2f} ms "
                  f"({len(work)} jobs), frame p95 / work {p95 / work_p50:.2f}; "
                  f"GUI stall max {r['stall']:.1f} ms")
    p95, work_p50 = percentile(all_latencies, 0.95), percentile(all_work, 0.5)
    print(json.dumps({
        "slider_frame_ms_p50": round(percentile(all_latencies, 0.5), 2),
        "slider_frame_ms_p95": round(p95, 2),
        "gui_stall_ms_max": round(max(r["stall"] for r in results.values()), 2),
        **{f"{k}_frame_ms_p95": round(percentile(r["latencies"], 0.95), 2)
           for k, r in results.items()},
        "model_work_ms_p50": round(work_p50, 2),
        **{f"{k}_model_work_ms_p50": round(percentile(r["work"], 0.5), 2)
           for k, r in results.items()},
        "frame_over_compute_p95": round(p95 / work_p50, 2)}))


if __name__ == "__main__":
    main()
