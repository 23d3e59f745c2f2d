"""Writes benchmarks/data/strokes.json: pen-like strokes that recognition.py replays.

Each stroke follows its waypoints with a minimum-jerk speed profile (how hands move
between targets: slow, fast, slow) and is sampled every 8 ms, the rate at which a
125 Hz mouse reports. Coordinates are in paper units (0..1 across the canvas).
Written once and committed, so every replay sends exactly the same events.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

PERIOD_MS = 8.0
SPEED = 1.2  # paper widths per second at the peak of a segment

DIGITS = {
    "2": [[(0.3, 0.3), (0.4, 0.2), (0.58, 0.19), (0.68, 0.3), (0.62, 0.46), (0.3, 0.8),
           (0.72, 0.8)]],
    "7": [[(0.28, 0.2), (0.72, 0.2), (0.6, 0.42), (0.46, 0.82)]],
    "0": [[(0.5 + 0.19 * math.sin(2 * math.pi * i / 16), 0.5 - 0.3 * math.cos(
        2 * math.pi * i / 16)) for i in range(17)]],
}


def min_jerk(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    length = math.dist(a, b)
    duration_ms = max(1.875 * length / SPEED * 1000, PERIOD_MS)  # peak speed = 1.875 L / T
    n = max(1, round(duration_ms / PERIOD_MS))
    out = []
    for i in range(1, n + 1):
        s = i / n
        k = 10 * s ** 3 - 15 * s ** 4 + 6 * s ** 5
        out.append((a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k))
    return out


def main() -> None:
    strokes = []
    for digit, polylines in DIGITS.items():
        for line in polylines:
            points = [line[0]]
            for a, b in zip(line, line[1:], strict=False):
                points += min_jerk(a, b)
            strokes.append({"digit": digit, "period_ms": PERIOD_MS,
                            "points": [[round(x, 5), round(y, 5)] for x, y in points]})
    out = Path(__file__).parent / "data" / "strokes.json"
    out.write_text(json.dumps({"strokes": strokes}, indent=1) + "\n")
    print(f"{out}: {len(strokes)} strokes, {sum(len(s['points']) for s in strokes)} points")


if __name__ == "__main__":
    main()
