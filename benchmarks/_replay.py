"""What the GUI benchmarks share: percentiles, recorded strokes as events, latencies.

Benchmarks import this beside them (they run as scripts from benchmarks/).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF


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
