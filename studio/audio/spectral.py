"""The image as a magnitude spectrogram, turned into sound by (fast) Griffin-Lim.

Griffin & Lim (1984) find a signal whose STFT magnitude matches a target by alternating
between the signal and the spectrogram, keeping the target magnitude and the phase the
last signal had. The fast variant (Perraudin, Balazs & Sondergaard 2013, as torchaudio
implements it) adds momentum and converges in far fewer iterations.

Speed (benchmarks/sonify.py, 2 cores): the image's frequencies end at high_hz, far below
half the sample rate, so the iterations run at rate / 2 or rate / 4 with an FFT as many
times shorter (same 21.5 Hz bins, same frames), and only the finished sound is brought
back to the full rate with one FFT. Half the samples, half the bins: a bit over twice as
fast as at the full rate, with the same spectral convergence. numpy's pocketfft is kept
(no scipy, and torch may not be imported here): rfft in float64 and irfft in complex64,
the fastest pair of numpy 2.x's kernels. The STFT helpers are also what the recording's
own spectrogram (studio.audio.recording_sound) is taken with, so pictures line up.
"""

from __future__ import annotations

import numpy as np

N_FFT = 2048  # 21.5 Hz bins at 44.1 kHz: low enough for the default 55 Hz bottom row
HOP = N_FFT // 4  # 75 % overlap: periodic Hann windows sum to a constant
ITERATIONS = 24  # spectral error 0.18 (32: 0.17, 48: 0.16): the knee
MOMENTUM = 0.99
HEADROOM = 0.9  # iterate at rate / d only while high_hz stays below 0.9 of its Nyquist


class Frames:
    """The STFT grid of an n-sample sound: frame t is centred on sample t * hop.

    The signal is padded by n_fft / 2 on both sides, so `analyze` and `synthesize` work
    on the padded signal (length `length`) and the first frame's centre is sample 0.
    """

    def __init__(self, n: int, n_fft: int = N_FFT) -> None:
        self.n, self.n_fft, self.hop = n, n_fft, n_fft // 4
        self.count = -(-n // self.hop) + 1
        self.length = (self.count - 1) * self.hop + n_fft
        self.window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(
            np.float32)
        self._window64 = self.window.astype(np.float64)
        wsum = self._overlap_add(np.broadcast_to(self.window**2, (self.count, n_fft)))
        self._wsum = np.maximum(wsum, 1e-3 * wsum.max())  # edges: avoid dividing by ~0

    def analyze(self, padded: np.ndarray) -> np.ndarray:
        """complex64 [count, n_fft / 2 + 1] of a padded signal [length]."""
        view = np.lib.stride_tricks.sliding_window_view(padded, self.n_fft)[::self.hop]
        # float64 in: numpy's float32 rfft is ~2x slower than its float64 one (numpy 2.x)
        return np.fft.rfft(view * self._window64, axis=-1).astype(np.complex64)

    def synthesize(self, spec: np.ndarray) -> np.ndarray:
        """The padded signal [length] (float32) whose STFT is closest to `spec`."""
        frames = np.fft.irfft(spec.astype(np.complex64, copy=False), n=self.n_fft, axis=-1)
        frames *= self.window
        return self._overlap_add(frames) / self._wsum

    def pad(self, x: np.ndarray) -> np.ndarray:
        out = np.zeros(self.length, np.float64)
        half = self.n_fft // 2
        out[half:half + self.n] = x
        return out

    def unpad(self, padded: np.ndarray) -> np.ndarray:
        half = self.n_fft // 2
        return padded[half:half + self.n]

    def _overlap_add(self, frames: np.ndarray) -> np.ndarray:
        """Sum frames [count, n_fft] placed hop apart into [length] (four strided adds)."""
        t, hop = frames.shape[0], self.hop
        out = np.zeros(self.length, np.float32)
        for k in range(self.n_fft // hop):
            out[k * hop:k * hop + t * hop] += frames[:, k * hop:(k + 1) * hop].reshape(-1)
        return out


def stft(x: np.ndarray) -> np.ndarray:
    """complex64 [frames, N_FFT / 2 + 1] of a sound: frame t centred on sample t * HOP."""
    frames = Frames(len(x))
    return frames.analyze(frames.pad(x))


def istft(spec: np.ndarray, n: int) -> np.ndarray:
    """The float32 sound [n] whose STFT (as `stft` takes it) is closest to `spec`."""
    frames = Frames(n)
    return frames.unpad(frames.synthesize(spec)).copy()


def griffin_lim(amp: np.ndarray, low_hz: float, high_hz: float, n: int, rate: int,
                iterations: int = ITERATIONS, seed: int = 0) -> np.ndarray:
    """A float64 signal [n] whose spectrogram looks like `amp` [H, W] (top row = high_hz).

    Rows are log-spaced from high_hz down to low_hz and are spread over the linear FFT
    bins between them (bins outside the range stay silent); columns are spread over the
    STFT frames in time, frame t sounding around sample t * HOP.
    """
    d = 4 if high_hz < HEADROOM * rate / 8 else 2 if high_hz < HEADROOM * rate / 4 else 1
    small = -(-n // d)  # samples at rate / d
    grid = Frames(small, N_FFT // d)
    mag = target_magnitude(amp, low_hz, high_hz, grid.count, n, rate)[:, :N_FFT // d // 2 + 1]
    rng = np.random.default_rng(seed)
    phase = rng.random(mag.shape, dtype=np.float32) * np.float32(2 * np.pi)
    angles = np.cos(phase) + 1j * np.sin(phase)  # complex64: seeded random start
    previous = np.zeros_like(angles)
    size = np.empty(mag.shape, np.float32)
    alpha = np.float32(MOMENTUM / (1 + MOMENTUM))
    for _ in range(iterations):  # in-place arithmetic: the FFTs should be the only cost
        np.multiply(angles, mag, out=angles)
        rebuilt = grid.analyze(grid.synthesize(angles))
        np.multiply(previous, -alpha, out=angles)
        angles += rebuilt
        np.abs(angles, out=size)
        size += np.float32(1e-16)
        angles /= size
        previous = rebuilt
    x = grid.unpad(grid.synthesize(mag * angles)).astype(np.float64)
    return _upsample(x, d, n) if d > 1 else x


def _upsample(x: np.ndarray, d: int, n: int) -> np.ndarray:
    """`x` at d times its rate, [n] samples: its spectrum zero-padded (band-limited)."""
    spec = np.fft.rfft(x)
    return np.fft.irfft(spec, n=len(x) * d)[:n] * d


def target_magnitude(amp: np.ndarray, low_hz: float, high_hz: float, frames: int, n: int,
                     rate: int, inside_only: bool = True) -> np.ndarray:
    """`amp` [H, W] resampled to STFT magnitudes [frames, N_FFT // 2 + 1].

    With inside_only False, bins below low_hz and above high_hz take the bottom and top
    rows' values instead of silence (a recording's edits reach its whole spectrum).
    """
    h, w = amp.shape
    bins = np.arange(N_FFT // 2 + 1) * rate / N_FFT
    inside = (bins >= low_hz) & (bins <= high_hz)
    if h == 1:
        row = np.zeros_like(bins)
    else:  # fractional row of each bin: 0 at the top (high_hz), h - 1 at the bottom
        log_pos = np.log(np.clip(bins, low_hz, high_hz) / low_hz) / np.log(high_hz / low_hz)
        row = (1.0 - log_pos) * (h - 1)
    freq_map = interpolation(row, h)  # [K, H]
    if inside_only:
        freq_map *= inside[:, None]
    col = np.arange(frames) * HOP * w / n - 0.5
    time_map = interpolation(col, w)  # [T, W]
    return (time_map @ amp.T @ freq_map.T).astype(np.float32)


def interpolation(pos: np.ndarray, size: int) -> np.ndarray:
    """Linear-interpolation weights [len(pos), size] at fractional positions (clamped)."""
    pos = np.clip(pos, 0, size - 1)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, size - 1)
    frac = pos - lo
    weights = np.zeros((len(pos), size))
    rows = np.arange(len(pos))
    weights[rows, lo] += 1 - frac
    weights[rows, hi] += frac
    return weights
