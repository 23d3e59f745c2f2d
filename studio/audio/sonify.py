"""Images as sound: additive synthesis (ANS / MetaSynth style) or Griffin-Lim inversion.

An image is read like a spectrogram: rows are log-spaced frequencies (top row highest),
columns are time, brightness is loudness in decibels. Column j sounds around the centre
of its time slot [j, j+1) * duration / width, so an image made of animation frames laid
side by side (`walk_image`) sounds each frame while that frame is on screen.

Everything here is numpy only: it runs from the CLI, in tests and in a Qt pool worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.audio.audio_errors import AudioError
from studio.audio.spectral import griffin_lim

MODES = ("additive", "griffinlim")
SCALES: dict[str | None, tuple[int, ...] | None] = {  # semitones above A (A440 tuning)
    None: None,
    "chromatic": tuple(range(12)),
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
    "pentatonic": (0, 2, 4, 7, 9),
}
RATES = (44100, 48000)
MAX_GRIFFINLIM_S = 120  # its spectrograms take ~0.7 GB per minute of sound
MAX_ROWS, MAX_COLUMNS = 2048, 200_000
PEAK = 0.9  # normalized peak: -0.9 dBFS, so neither float nor 16-bit output ever clips
FADE_S = 0.01  # fade in/out of the whole sound: no click at start or end
BLOCK = 4096  # additive synthesis works on blocks of at most this many samples
SILENT = 0.5 / 255  # brightness below half a uint8 step is silence, not -dynamic_range dB


@dataclass(frozen=True)
class SonifySettings:
    """How an image becomes sound; `check()` names the setting that is out of range."""

    mode: str = "additive"  # "additive" | "griffinlim"
    duration_s: float = 5.0
    low_hz: float = 55.0  # bottom row
    high_hz: float = 7040.0  # top row
    rate: int = 44100  # 44100 or 48000
    scale: str | None = None  # None (free), "chromatic", "major", "minor", "pentatonic"
    dynamic_range_db: float = 60.0  # brightness 0..1 maps to -dynamic_range..0 dB

    def check(self) -> SonifySettings:
        """Raise AudioError for values no sound can be made from; return self."""
        if self.mode not in MODES:
            raise AudioError(f"Sound mode {self.mode!r} is unknown: use one of {MODES}")
        if self.rate not in RATES:
            raise AudioError(f"Sample rate {self.rate} Hz is not supported: use 44100 or 48000")
        if not 0.1 <= self.duration_s <= 600:
            raise AudioError(f"Duration {self.duration_s:g} s is out of range: 0.1 to 600 s")
        if not 20 <= self.low_hz < self.high_hz:
            raise AudioError(f"Frequency range {self.low_hz:g}-{self.high_hz:g} Hz is invalid: "
                             "the low frequency must be at least 20 Hz and below the high one")
        if self.high_hz >= self.rate / 2:
            raise AudioError(f"High frequency {self.high_hz:g} Hz must be below half the "
                             f"sample rate ({self.rate / 2:g} Hz)")
        if self.scale not in SCALES:
            raise AudioError(f"Scale {self.scale!r} is unknown: use one of "
                             f"{[s for s in SCALES if s]} or none")
        if self.mode == "griffinlim" and self.duration_s > MAX_GRIFFINLIM_S:
            raise AudioError(f"Duration {self.duration_s:g} s is too long for Griffin-Lim "
                             f"(at most {MAX_GRIFFINLIM_S} s): use additive for long sounds")
        if not 6 <= self.dynamic_range_db <= 140:
            raise AudioError(f"Dynamic range {self.dynamic_range_db:g} dB is out of range: "
                             "6 to 140 dB")
        return self

    @property
    def samples(self) -> int:
        return round(self.duration_s * self.rate)


def row_frequencies(height: int, settings: SonifySettings) -> np.ndarray:
    """The frequency of each image row, top row first: log-spaced, snapped to the scale."""
    if height == 1:
        freqs = np.array([math.sqrt(settings.low_hz * settings.high_hz)])
    else:
        freqs = np.geomspace(settings.high_hz, settings.low_hz, height)
    degrees = SCALES[settings.scale]
    if degrees is None:
        return freqs
    # Every note of the scale (as semitones from A440) across the audible range, then the
    # nearest one in pitch (log frequency) for each row.
    notes = np.array([o * 12 + d for o in range(-5, 6) for d in degrees], np.float64)
    semis = 12 * np.log2(freqs / 440.0)
    nearest = notes[np.abs(semis[:, None] - notes[None, :]).argmin(axis=1)]
    return 440.0 * 2.0 ** (nearest / 12)


def brightness_to_amplitude(image: np.ndarray, dynamic_range_db: float) -> np.ndarray:
    """Brightness 0..1 as linear amplitude: 1 is 0 dB, just above black -dynamic_range dB,
    black exactly 0 (a dark background is silence, not hiss)."""
    amp = 10.0 ** ((image - 1.0) * (dynamic_range_db / 20.0))
    return np.where(image < SILENT, 0.0, amp)


def as_brightness(image: np.ndarray) -> np.ndarray:
    """A [H, W] image (uint8, or float in [0, 1]) as float64 brightness, checked."""
    a = np.asarray(image)
    if a.ndim != 2 or a.shape[0] < 1 or a.shape[1] < 1:
        raise AudioError(f"Image to sonify must be a 2-D grayscale array, got shape {a.shape}")
    if a.shape[0] > MAX_ROWS or a.shape[1] > MAX_COLUMNS:
        raise AudioError(f"Image of {a.shape[1]}x{a.shape[0]} pixels is too large to "
                         f"sonify: at most {MAX_ROWS} rows and {MAX_COLUMNS} columns")
    if a.dtype == np.uint8:
        return a.astype(np.float64) / 255.0
    a = a.astype(np.float64)
    if not np.isfinite(a).all():
        raise AudioError("Image to sonify contains NaN or infinite values")
    return np.clip(a, 0.0, 1.0)


def sonify(image: np.ndarray, settings: SonifySettings) -> np.ndarray:
    """The sound of `image`: float32 [round(duration * rate)] in [-PEAK, PEAK]."""
    settings.check()
    bright = as_brightness(image)
    amp = brightness_to_amplitude(bright, settings.dynamic_range_db)  # [H, W]
    n = settings.samples
    if not amp.any():
        return np.zeros(n, np.float32)
    if settings.mode == "additive":
        out = _additive(amp, row_frequencies(amp.shape[0], settings), n, settings.rate)
    else:
        out = griffin_lim(amp, settings.low_hz, settings.high_hz, n, settings.rate)
    return _finish(out, settings.rate)


def walk_image(frames: np.ndarray) -> np.ndarray:
    """Animation frames [F, H, W] side by side as one image [H, F * W].

    Sonified with duration F / fps, column c sounds around time (c + 0.5) / (F * W) of the
    whole, so frame f's columns sound during [f / fps, (f + 1) / fps): exactly while that
    frame is shown. The sound stays in step with the animation.
    """
    f = np.asarray(frames)
    if f.ndim != 3 or 0 in f.shape:
        raise AudioError(f"Latent walk frames must be [frames, height, width], got {f.shape}")
    return f.transpose(1, 0, 2).reshape(f.shape[1], f.shape[0] * f.shape[2])


def _additive(amp: np.ndarray, freqs: np.ndarray, n: int, rate: int) -> np.ndarray:
    """Sum of one sinusoid per row whose amplitude follows the row across time.

    Between neighbouring column centres the amplitudes crossfade along a raised cosine
    (smooth, so no clicks); before the first and after the last centre they hold. Within a
    block starting at sample s, sin(w(s + m) + p) = sin(w s + p) cos(w m) + cos(w s + p)
    sin(w m), so each block is one small matrix product with tables made once: a 28-row
    image costs a few BLAS calls per column instead of millions of sines.
    """
    h, w = amp.shape
    omega = 2 * np.pi * freqs / rate  # [H] radians per sample
    phase0 = np.random.default_rng(0).uniform(0, 2 * np.pi, h)  # no in-phase peak at t=0
    block = min(BLOCK, n)
    m = np.arange(block, dtype=np.float64)
    tables = np.concatenate([np.cos(np.outer(omega, m)), np.sin(np.outer(omega, m))])  # [2H, B]
    centres = np.rint((np.arange(w) + 0.5) * n / w).astype(np.int64)
    # Segments: hold a_0 on [0, c_0), crossfade a_j -> a_j+1 on [c_j, c_j+1), hold a_W-1.
    edges = np.concatenate([[0], centres, [n]])
    start_amp = np.concatenate([amp[:, :1], amp], axis=1)  # [H, W + 1]
    end_amp = np.concatenate([amp, amp[:, -1:]], axis=1)
    out = np.zeros(n, np.float64)
    for j in range(w + 1):
        lo, hi = int(edges[j]), int(edges[j + 1])
        if hi <= lo:
            continue
        a, d = start_amp[:, j], end_amp[:, j] - start_amp[:, j]
        steady = not d.any()
        for s in range(lo, hi, block):
            e = min(s + block, hi)
            phi = np.mod(omega * s + phase0, 2 * np.pi)
            sin_p, cos_p = np.sin(phi), np.cos(phi)
            coef = np.concatenate([a * sin_p, a * cos_p])  # [2H]
            out[s:e] = coef @ tables[:, : e - s]
            if not steady:
                t = (np.arange(s, e) - lo) / (hi - lo)
                fade = 0.5 - 0.5 * np.cos(np.pi * t)
                out[s:e] += fade * (np.concatenate([d * sin_p, d * cos_p]) @ tables[:, : e - s])
    return out


def _finish(out: np.ndarray, rate: int) -> np.ndarray:
    """Fade in and out (raised cosine) and scale the peak to PEAK: no clicks, no clipping."""
    n = len(out)
    k = min(int(FADE_S * rate), n // 4)
    if k > 0:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(k) / k)  # starts at exactly 0
        out[:k] *= ramp
        out[n - k:] *= ramp[::-1]
    peak = float(np.abs(out).max())
    if peak == 0 or not math.isfinite(peak):
        return np.zeros(n, np.float32)
    out *= PEAK / peak  # in place: a 10-minute sound is 230 MB as float64
    return out.astype(np.float32)
