"""Stroke event to bars updated, and the longest GUI-thread stall, on the real widgets.

Builds the studio window offscreen (unless a display is set), loads the default
recognizer, and replays benchmarks/data/strokes.json as real mouse events at the
rate they were recorded (8 ms apart) from a timer on the GUI thread. For every event
that changes the drawing, the latency is the time until the probability bars have
painted an answer that includes it (with latest-wins, a later answer counts). A 2 ms
heartbeat timer on the GUI thread measures stalls: the longest gap between its
ticks, minus its period. The model work of every request (the job LiveRecognition
submits: preprocessing, forward pass and likeness, timed around the call on the pool)
is measured in the same run; frame_over_compute_p95 is the latency's p95 over the
median model work. Runs once with "where it looks" off and once on.
Then the recorded digits are written side by side as one 6-digit number (each in its own
slot, a smaller brush), timed the same way: each digit is read on its own then.
Last line: {"stroke_to_bars_ms_p50", "stroke_to_bars_ms_p95", "gui_stall_ms_max",
"model_work_ms_p50", "frame_over_compute_p95", "with_saliency": {...},
"six_digits": {"stroke_to_bars_ms_p50", ..., "p50_over_one_digit"}}.
"""

from __future__ import annotations

import json
import os
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if "DISPLAY" not in os.environ else "xcb")

from _replay import (
    Ticker,
    latencies,
    percentile,
    recorded_strokes,
    stroke_events,
    studio_window,
    timing_calls,
)
from PySide6.QtCore import QElapsedTimer, QEvent
from PySide6.QtWidgets import QApplication

from studio.qt.base.simulated_hand import send_mouse
from studio.qt.sketch import live_recognition

HEARTBEAT_MS = 2


def as_number(strokes: list[dict], digits: int = 6) -> list[dict]:
    """The recorded digits written side by side as one number of `digits` digits, each in
    its own slot: one "stroke" list entry whose points continue across the digits would
    draw a line between them, so each digit stays its own stroke and only the first
    clears the canvas (stroke_events clears before each entry: see number_events)."""
    scale = 1.25 / digits
    out = []
    for i in range(digits):
        source = strokes[i % len(strokes)]
        left = (i + 0.5) / digits - scale / 2
        out.append(dict(source, points=[[left + x * scale, 0.5 + (y - 0.5) * scale]
                                        for x, y in source["points"]]))
    return out


def number_events(paper, strokes: list[dict]) -> list:
    """stroke_events for the digits of one number: the clear only before the first."""
    events = stroke_events(paper, strokes)
    number = "".join(s["digit"] for s in strokes)
    first = True
    kept = []
    for event in events:
        if event[1] == "clear":
            if first:
                kept.append((event[0], "clear", number))
            first = False
            continue
        kept.append(event)
    return kept


def replay(app: QApplication, window, strokes: list[dict], now,
           painted: list[tuple[float, int]], as_one_number: bool = False) -> dict:
    """Replay `strokes`; `painted` collects (time, tag) of every paint of the bars."""
    painted.clear()
    paper = window.canvas.paper_rect()
    events = number_events(paper, strokes) if as_one_number else stroke_events(paper, strokes)
    sent: dict[int, float] = {}  # request number -> time its event was sent
    state = {"i": 0, "start": now()}
    shown: list[tuple[str, str]] = []  # (digit drawn, digit shown before the next clear)

    def on_replay_tick() -> None:
        elapsed = now() - state["start"]
        while state["i"] < len(events) and events[state["i"]][0] <= elapsed:
            _, kind, pos = events[state["i"]]
            state["i"] += 1
            if kind == "clear":
                if shown:
                    shown[-1] = (shown[-1][0], window.recognizer.shown_digit)
                shown.append((pos, ""))
                window.clear_action.trigger()
                continue
            before = window.recognition.last_request
            t_event = now()
            send_mouse(window.canvas, kind, pos, kind != QEvent.Type.MouseButtonRelease)
            if window.recognition.last_request != before:
                sent[window.recognition.last_request] = t_event
        if state["i"] == len(events) and not window.recognition.busy:
            ticker.finish()

    ticker = Ticker(HEARTBEAT_MS, now, on_replay_tick)
    ticker.run()
    measured = latencies(sent, painted)
    shown[-1] = (shown[-1][0], window.recognizer.shown_digit)
    return {"events": len(events), "answers_wanted": len(sent), "measured": len(measured),
            "shown": shown,
            "p50": percentile(measured, 0.5), "p95": percentile(measured, 0.95),
            "stall": ticker.stall_ms}


def main() -> None:
    strokes = recorded_strokes()
    app = QApplication.instance() or QApplication([])
    with studio_window() as window:
        clock = QElapsedTimer()
        clock.start()
        now = lambda: clock.nsecsElapsed() / 1e6  # noqa: E731
        painted: list[tuple[float, int]] = []
        window.recognizer.bars.painted.connect(lambda tag: painted.append((now(), tag)))
        results = {}
        for saliency in (False, True):
            window.saliency_action.setChecked(saliency)
            app.processEvents()
            time.sleep(0.2)
            with (timing_calls(live_recognition, "recognize_snapshot") as work,
                  timing_calls(live_recognition, "saliency_of") as looks):
                r = replay(app, window, strokes, now, painted)
            r["work_p50"] = percentile(work, 0.5)
            r["ratio"] = r["p95"] / r["work_p50"]
            results[saliency] = r
            looked = f", saliency work p50 {percentile(looks, 0.5):.2f} ms" if looks else ""
            print(f"where-it-looks {'on ' if saliency else 'off'}: {r['events']} events, "
                  f"{r['answers_wanted']} canvas changes, stroke->bars p50 {r['p50']:.1f} ms, "
                  f"p95 {r['p95']:.1f} ms; model work p50 {r['work_p50']:.2f} ms "
                  f"({len(work)} jobs){looked}, p95 / work {r['ratio']:.2f}; "
                  f"GUI stall max {r['stall']:.1f} ms; drawn/recognized: {r['shown']}")
            if looks:
                r["saliency_work_p50"] = percentile(looks, 0.5)
        window.saliency_action.setChecked(False)
        window.canvas.set_brush_size(12)
        with timing_calls(live_recognition, "recognize_snapshot") as work:
            number = replay(app, window, as_number(strokes), now, painted, as_one_number=True)
        number["work_p50"] = percentile(work, 0.5)
        print(f"a 6-digit number: stroke->answer p50 {number['p50']:.1f} ms, p95 "
              f"{number['p95']:.1f} ms; model work p50 {number['work_p50']:.2f} ms; read as "
              f"{number['shown']}")
    off, on = results[False], results[True]
    print(json.dumps({"stroke_to_bars_ms_p50": round(off["p50"], 2),
                      "stroke_to_bars_ms_p95": round(off["p95"], 2),
                      "gui_stall_ms_max": round(off["stall"], 2),
                      "model_work_ms_p50": round(off["work_p50"], 2),
                      "frame_over_compute_p95": round(off["ratio"], 2),
                      "with_saliency": {"stroke_to_bars_ms_p50": round(on["p50"], 2),
                                        "stroke_to_bars_ms_p95": round(on["p95"], 2),
                                        "gui_stall_ms_max": round(on["stall"], 2),
                                        "model_work_ms_p50": round(on["work_p50"], 2),
                                        "saliency_work_ms_p50": round(
                                            on.get("saliency_work_p50", 0.0), 2),
                                        "frame_over_compute_p95": round(on["ratio"], 2)},
                      "six_digits": {"stroke_to_bars_ms_p50": round(number["p50"], 2),
                                     "stroke_to_bars_ms_p95": round(number["p95"], 2),
                                     "model_work_ms_p50": round(number["work_p50"], 2),
                                     "p50_over_one_digit": round(number["p50"] / off["p50"],
                                                                 2)}}))


if __name__ == "__main__":
    main()
