"""Sonification speed: real-time factor of each mode for a 28x28 image to 5 s at 44.1 kHz.

The real-time factor is seconds of sound made per second of compute (median of several
runs after a warm-up); above 1 a sound renders faster than it plays. The GUI renders on
the pool whenever a setting changes, so the aims are additive >= 100 and Griffin-Lim >= 20.
Then a recording's round trip (studio.audio.recording_sound): a 5 s tone-and-noise mix
made into its 512x512 picture and played back unedited (spectral convergence, SNR), and
a click erased from a tone (dB down where erased). Prints one line per figure, then a
JSON object on the last line: {"additive_realtime_factor": x,
"griffinlim_realtime_factor": y, "round_trip_sc": ..., "round_trip_snr_db": ...,
"erased_click_db": ...}.
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
    results.update(round_trip())
    print(json.dumps(results))


def round_trip() -> dict[str, float]:
    """The recording figures: unedited round trip and an erased click (as the tests)."""
    from dataclasses import replace

    from studio.audio.recording_sound import Recording, resynthesize, spectrogram_picture
    from studio.audio.spectral import stft

    t = np.arange(int(DURATION_S * RATE)) / RATE
    rng = np.random.default_rng(0)
    x = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 660 * t + 1)
         + 0.02 * rng.standard_normal(len(t))).astype(np.float32)
    settings = replace(SonifySettings(), duration_s=DURATION_S)
    picture, reference = spectrogram_picture(x, settings, 512, 512)
    recording = Recording("mix", x, picture, reference, settings)
    y = resynthesize(np.rint(picture * 255) / 255, recording)
    sx, sy = np.abs(stft(x)), np.abs(stft(y))
    sc = float(np.linalg.norm(sx - sy) / np.linalg.norm(sx))
    snr = float(10 * np.log10((x.astype(np.float64) ** 2).sum() / ((x - y) ** 2).sum()))
    print(f"recording  unedited round trip: spectral convergence {sc:.1e}, SNR {snr:.1f} dB")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "audio"))
    from test_recordings import erased_click_db

    erased, overall = erased_click_db()
    print(f"recording  erased click: {erased:.1f} dB down where erased, {overall:.1f} dB "
          "over all frequencies")
    return {"round_trip_sc": sc, "round_trip_snr_db": round(snr, 1),
            "erased_click_db": round(erased, 1)}


if __name__ == "__main__":
    main()
