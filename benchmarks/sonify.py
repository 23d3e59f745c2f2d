"""Sonification speed: real-time factor of each mode for a 28x28 image to 5 s at 44.1 kHz.

The real-time factor is seconds of sound made per second of compute (median of several
runs after a warm-up); above 1 a sound renders faster than it plays. The GUI renders on
the pool whenever a setting changes, so the aims are additive >= 100 and Griffin-Lim >= 20.
Prints one line per mode, then a JSON object on the last line:
{"additive_realtime_factor": x, "griffinlim_realtime_factor": y}.
"""

from __future__ import annotations

import json
import os
import statistics
import time

import numpy as np

from studio.audio import SonifySettings, sonify

RUNS = {"additive": 30, "griffinlim": 9}
DURATION_S, RATE = 5.0, 44100


def a_digit() -> np.ndarray:
    """A 28x28 image with MNIST's look (a bright ring on black) without loading data."""
    y, x = np.mgrid[:28, :28]
    r = np.hypot(y - 13.5, x - 13.5)
    return np.clip(1.0 - np.abs(r - 8) / 2.5, 0.0, 1.0)


def realtime_factor(image: np.ndarray, settings: SonifySettings, runs: int) -> tuple[float, float]:
    sonify(image, settings)  # warm-up: FFT plans, BLAS threads
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        sonify(image, settings)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    return settings.duration_s / median, median * 1000


def main() -> None:
    image = a_digit()
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, 28x28 image -> {DURATION_S:g} s "
          f"at {RATE} Hz")
    results = {}
    for mode, runs in RUNS.items():
        settings = SonifySettings(mode=mode, duration_s=DURATION_S, rate=RATE)
        factor, ms = realtime_factor(image, settings, runs)
        results[f"{mode}_realtime_factor"] = round(factor, 1)
        print(f"{mode:11s} median {ms:7.1f} ms over {runs} runs: {factor:7.1f}x real time")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
