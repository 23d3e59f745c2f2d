"""A recording as an editable spectrogram picture, and the edited picture back as sound.

The picture uses the sonifier's own mapping (rows log-spaced from high_hz at the top to
low_hz, columns the recording's duration, brightness the inverse of
sonify.brightness_to_amplitude), so the Sound panel and `studio sonify` read it the way
it was made. A picture has far fewer pixels than the recording has STFT bins, and no
phase, so inverting the picture alone would sound smeared. Instead the recording stays
linked: where the picture is unchanged its own STFT (magnitude and phase) is used as it
is, so an unedited round trip gives the recording back (SNR above 90 dB), and only the
frames under edited columns get a new magnitude (the original scaled down where the
picture was darkened, plus what was painted brighter) and a few Griffin-Lim iterations
that start from the recording's phase and keep every unedited frame pinned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from studio.audio.audio_errors import AudioError
from studio.audio.audio_files import read_audio
from studio.audio.sonify import (
    PEAK,
    SILENT,
    SonifySettings,
    brightness_to_amplitude,
    row_frequencies,
    sonify,
)
from studio.audio.spectral import HOP, N_FFT, Frames, interpolation, istft, stft, target_magnitude

REFINE_ITERATIONS = 16  # Griffin-Lim passes over the edited frames only
CONTEXT = N_FFT // HOP - 1  # frames either side that overlap an edited frame
UNCHANGED = 0.5 / 255  # brightness differences below half a uint8 step are no edit
MIN_SECONDS = 0.1


@dataclass(frozen=True, eq=False)
class Recording:
    """A decoded recording and the picture made of it, which edits are measured against."""

    name: str
    samples: np.ndarray  # float32 [n] at settings.rate
    picture: np.ndarray  # float32 [H, W] brightness, as first made
    reference: float  # the STFT magnitude that brightness 1 stands for
    settings: SonifySettings  # rate, range, duration and dynamic range of the picture


def open_recording(path: Path, settings: SonifySettings, height: int,
                   width: int) -> Recording:
    """Decode `path` at settings.rate and make its picture [height, width]."""
    path = Path(path)
    samples = read_audio(path, settings.rate)
    if len(samples) < MIN_SECONDS * settings.rate:
        raise AudioError(f"{path}: is {len(samples) / settings.rate:.3f} s long: a recording "
                         f"must last at least {MIN_SECONDS:g} s")
    settings = replace(settings, duration_s=len(samples) / settings.rate, scale=None).check()
    picture, reference = spectrogram_picture(samples, settings, height, width)
    return Recording(path.name, samples, picture, reference, settings)


def spectrogram_picture(samples: np.ndarray, settings: SonifySettings, height: int,
                        width: int) -> tuple[np.ndarray, float]:
    """The magnitude STFT on the picture's rows and columns as brightness [H, W] in [0, 1],
    and the magnitude that brightness 1 stands for (the loudest pixel's).

    Each row takes the loudest bin between it and its neighbours (or, where rows are
    closer than bins, the value interpolated at its frequency); each column the loudest
    frame centred inside its time slot, so a click narrower than a column still shows.
    """
    if not (1 <= height <= 4096 and 1 <= width <= 20000):
        raise AudioError(f"Spectrogram size {width}x{height} is out of range: 1-20000 wide, "
                         "1-4096 high")
    mag = np.abs(stft(np.asarray(samples, np.float32)))  # [T, K]
    bin_hz = settings.rate / N_FFT
    freqs = row_frequencies(height, replace(settings, scale=None)) / bin_hz  # in bins
    by_row = _pooled(mag, freqs, axis=1)  # [T, H]
    n = len(samples)
    centres = (np.arange(width) + 0.5) * n / width / HOP  # column centres, in frames
    by_column = _pooled(by_row, centres, axis=0)  # [W, H]
    reference = float(by_column.max())
    if reference <= 0:
        return np.zeros((height, width), np.float32), 1.0
    with np.errstate(divide="ignore"):
        db = 20 * np.log10(by_column.T / reference)
    bright = np.clip(1 + db / settings.dynamic_range_db, 0.0, 1.0)
    bright[bright < SILENT] = 0.0
    return bright.astype(np.float32), reference


def _pooled(values: np.ndarray, positions: np.ndarray, axis: int) -> np.ndarray:
    """`values` along `axis` at fractional `positions`: the max over each position's
    share (halfway to its neighbours), or linear interpolation where that holds none."""
    size = values.shape[axis]
    moved = np.moveaxis(values, axis, -1)  # [..., size]
    interpolated = moved @ interpolation(positions, size).T  # [..., P]
    order = np.argsort(positions)
    pos = positions[order]
    mids = (pos[1:] + pos[:-1]) / 2
    lo = np.ceil(np.concatenate([[pos[0] - (mids[0] - pos[0]) if len(pos) > 1 else 0], mids]))
    hi = np.floor(np.concatenate([mids, [pos[-1] + (pos[-1] - mids[-1]) if len(pos) > 1
                                         else size - 1]]))
    lo, hi = np.clip(lo, 0, size - 1).astype(int), np.clip(hi, 0, size - 1).astype(int)
    pooled = np.maximum.reduceat(moved, lo, axis=-1)[..., :len(pos)]  # max over [lo_i, lo_i+1)
    hi_cut = np.minimum(hi + 1, size)
    # reduceat spans up to the next start; take each share's own end instead
    for i in np.flatnonzero(hi_cut - lo > 1):
        pooled[..., i] = moved[..., lo[i]:hi_cut[i]].max(axis=-1)
    has = hi >= lo
    result = interpolated.copy()
    result[..., order[has]] = np.maximum(interpolated[..., order[has]], pooled[..., has])
    return np.moveaxis(result, -1, axis)


def resynthesize(picture: np.ndarray, recording: Recording,
                 iterations: int = REFINE_ITERATIONS) -> np.ndarray:
    """The sound of `picture` (an edited copy of recording.picture), float32 [n]."""
    picture = np.asarray(picture, np.float32)
    if picture.shape != recording.picture.shape:
        raise AudioError(f"The picture is {picture.shape[1]}x{picture.shape[0]}, not the "
                         f"{recording.picture.shape[1]}x{recording.picture.shape[0]} of "
                         f"{recording.name}'s spectrogram")
    n = len(recording.samples)
    spec = stft(recording.samples)  # [T, K]
    touched = _touched_frames(picture, recording.picture, len(spec), n)
    if len(touched):
        _edit(spec, touched, picture, recording, iterations)
    out = istft(spec, n)
    peak = float(np.abs(out).max()) if n else 0.0
    if peak > 1.0:  # painted louder than full scale: bring it down, do not clip
        out *= PEAK / peak
    return out


def sound_of(image: np.ndarray, settings: SonifySettings,
             recording: Recording | None = None) -> np.ndarray:
    """What the Sound panel plays: `image` sonified, or heard through `recording` when it
    is that recording's (edited) picture."""
    if recording is None:
        return sonify(image, settings)
    return resynthesize(image, recording)


def _touched_frames(picture: np.ndarray, original: np.ndarray, frames: int,
                    n: int) -> np.ndarray:
    """Indices of the STFT frames whose interpolated columns include an edited one."""
    columns = np.flatnonzero((np.abs(picture - original) > UNCHANGED).any(axis=0))
    if not len(columns):
        return columns
    w = picture.shape[1]
    pos = np.arange(frames) * HOP * w / n - 0.5  # each frame's fractional column
    lo, hi = np.floor(pos), np.ceil(pos)
    edited = np.zeros(w + 2, bool)
    edited[columns + 1] = True
    lo_i = np.clip(lo, -1, w).astype(int) + 1
    hi_i = np.clip(hi, -1, w).astype(int) + 1
    return np.flatnonzero(edited[lo_i] | edited[hi_i])


def _edit(spec: np.ndarray, touched: np.ndarray, picture: np.ndarray,
          recording: Recording, iterations: int) -> None:
    """New magnitudes on the touched frames of `spec` (in place), phase refined there."""
    s, n = recording.settings, len(recording.samples)
    amp = brightness_to_amplitude(picture.astype(np.float64), s.dynamic_range_db)
    amp0 = brightness_to_amplitude(recording.picture.astype(np.float64), s.dynamic_range_db)
    frames = len(spec)
    new = target_magnitude(amp, s.low_hz, s.high_hz, frames, n, s.rate, inside_only=False)
    old = target_magnitude(amp0, s.low_hz, s.high_hz, frames, n, s.rate, inside_only=False)
    new, old = new[touched], old[touched]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(old > 0, np.minimum(new / old, 1.0), 1.0)
    here = spec[touched]
    magnitude = np.abs(here) * ratio + recording.reference * np.maximum(new - old, 0.0)
    phase = here / np.maximum(np.abs(here), 1e-12)
    spec[touched] = magnitude * phase
    a, b = max(int(touched[0]) - CONTEXT, 0), min(int(touched[-1]) + CONTEXT + 1, frames)
    grid = Frames((b - a - 1) * HOP)  # exactly b - a frames, unpadded
    local = touched - a
    target = magnitude.astype(np.float32)
    for _ in range(iterations):
        rebuilt = grid.analyze(grid.synthesize(spec[a:b]).astype(np.float64))[local]
        spec[touched] = target * rebuilt / np.maximum(np.abs(rebuilt), 1e-12)
