"""How fast the pen draws: milliseconds to sample one whole digit, per stroke model.

Each shipped stroke model (resources/models/strokes-*.safetensors) draws digits 0-9
over and over with `sample_strokes` (one row at a time with cached state, one torch
thread, as the window's pool jobs run); prints p50 and p95 per model and a completion
(the first half of a digit given as a prefix) beside it. The goal is a whole digit in
<= 50 ms on a 2-core CPU. The last line is JSON.

    .venv/bin/python benchmarks/pen.py [REPEATS]
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch

from studio.ml.models.default_models import load_model
from studio.ml.pen.pen_sampler import sample_strokes
from studio.ml.strokes.stroke_dataset import bundled_strokes

GOAL_MS = 50.0


def timed(fn, *args, **kwargs) -> float:
    start = time.perf_counter()
    fn(*args, **kwargs)
    return 1000 * (time.perf_counter() - start)


def main() -> None:
    torch.set_num_threads(1)
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    test = bundled_strokes()[1]
    results: dict[str, dict[str, float]] = {}
    for kind in ("strokes-lstm", "strokes-transformer"):
        model = load_model(kind).model
        sample_strokes(model, 0, seed=0)  # warm up
        draw = [timed(sample_strokes, model, i % 10, seed=i) for i in range(repeats)]
        points = [sum(len(s) for s in sample_strokes(model, i % 10, seed=i))
                  for i in range(min(repeats, 50))]
        complete = []
        for i in range(min(repeats, 50)):
            strokes = test.strokes(i)
            prefix = strokes[:max(1, len(strokes) // 2)]
            complete.append(timed(sample_strokes, model, int(test.labels[i]), seed=i,
                                  prefix=prefix, continue_last=False))
        row = {"p50_ms": float(np.percentile(draw, 50)), "p95_ms": float(np.percentile(draw, 95)),
               "complete_p50_ms": float(np.percentile(complete, 50)),
               "points_mean": float(np.mean(points))}
        results[kind] = row
        print(f"{kind:<20} digit p50 {row['p50_ms']:6.1f} ms  p95 {row['p95_ms']:6.1f} ms  "
              f"completion p50 {row['complete_p50_ms']:6.1f} ms  "
              f"({row['points_mean']:.1f} points a digit; goal <= {GOAL_MS:g} ms)")
    print(json.dumps({"repeats": repeats, "goal_ms": GOAL_MS, **results}))


if __name__ == "__main__":
    main()
