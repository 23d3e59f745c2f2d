"""Recordings in: WAV, FLAC and OGG (Vorbis, Opus) decoded to float32 mono at a chosen rate.

PyAV carries FFmpeg's decoders in its wheels, so every format reads the same way with no
system library; `av` is imported only when a file is opened, so neither the window nor
the CLI pays for it at start. Every problem is named with the file: not audio, cut
short, too long (refused from the header's duration before anything is decoded, so a
header claiming ten hours costs nothing), too many channels or too high a rate. Channels
are averaged to mono in numpy and the sound resampled by FFmpeg's resampler; nothing
is written.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from studio.audio.audio_errors import AudioError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus")
MAX_SECONDS = 600.0  # ten minutes: 106 MB of float32 at 44.1 kHz, and its spectrogram
MAX_CHANNELS = 64  # mixed down to mono; more is not a recording but a data file
MAX_RATE = 384_000
TRUNCATED = 0.98  # decoded less than this share of what the header promised: cut short


def is_audio_path(path: Path) -> bool:
    """True for the suffixes the studio opens as recordings."""
    return Path(path).suffix.lower() in AUDIO_SUFFIXES


def read_audio(path: Path, rate: int) -> np.ndarray:
    """The recording at `path` as float32 mono samples at `rate` Hz (AudioError if not)."""
    path = Path(path)
    import av  # FFmpeg's demuxers and decoders (~0.2 s to import)

    if not path.is_file():
        raise AudioError(f"{path}: no such file")
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, ValueError) as e:
        raise AudioError(f"{path}: is not an audio file the studio can read ({_why(e)})") from e
    with container:
        if not container.streams.audio:
            raise AudioError(f"{path}: holds no sound (no audio stream)")
        stream = container.streams.audio[0]
        expected_s = _check_header(path, container, stream)
        samples = _decode(path, container, stream, rate)
    got_s = len(samples) / rate
    if expected_s is not None and got_s < TRUNCATED * expected_s - 0.05:
        raise AudioError(f"{path}: is truncated: its header promises {expected_s:.2f} s of "
                         f"sound but only {got_s:.2f} s could be decoded")
    if len(samples) == 0:
        raise AudioError(f"{path}: holds no sound (no samples could be decoded)")
    if not np.isfinite(samples).all():
        raise AudioError(f"{path}: contains NaN or infinite samples")
    return samples


def _check_header(path: Path, container, stream) -> float | None:
    """Refuse what the header already rules out; return the promised duration (s)."""
    channels = stream.codec_context.channels
    source_rate = stream.codec_context.sample_rate or stream.rate or 0
    if channels > MAX_CHANNELS:
        raise AudioError(f"{path}: has {channels} channels: at most {MAX_CHANNELS} are mixed "
                         "down to mono")
    if not 0 < source_rate <= MAX_RATE:
        raise AudioError(f"{path}: sample rate {source_rate} Hz is not supported (up to "
                         f"{MAX_RATE // 1000} kHz)")
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / 1_000_000  # AV_TIME_BASE
    promised = _wav_promise(path)  # FFmpeg clips a WAV's data size to the file's size
    if promised is not None:
        duration = promised
    if duration is not None and duration > MAX_SECONDS:
        raise AudioError(f"{path}: is {_minutes(duration)} long: recordings of at most "
                         f"{_minutes(MAX_SECONDS)} can be opened")
    return duration


def _decode(path: Path, container, stream, rate: int) -> np.ndarray:
    """Every frame averaged to mono in numpy (any channel count, any layout), then
    resampled to `rate` by FFmpeg's resampler where the file's rate differs."""
    import av

    source_rate = stream.codec_context.sample_rate
    resampler = None if source_rate == rate else av.AudioResampler("flt", "mono", rate)
    limit = int(MAX_SECONDS * rate) + rate
    parts: list[np.ndarray] = []
    total = 0
    try:
        for frame in container.decode(stream):
            mono = _mono(frame)
            if resampler is not None:
                part = av.AudioFrame.from_ndarray(mono[None], format="flt", layout="mono")
                part.rate = source_rate
                mono = _joined(resampler.resample(part))
            parts.append(mono)
            total += len(mono)
            if total > limit:  # the header said less (or nothing): stop, do not fill memory
                raise AudioError(f"{path}: is longer than {_minutes(MAX_SECONDS)}, the "
                                 "longest recording that can be opened")
        if resampler is not None:
            parts.append(_joined(resampler.resample(None)))
    except av.error.FFmpegError as e:
        if total == 0:
            raise AudioError(f"{path}: cannot be decoded ({_why(e)})") from e
        raise AudioError(f"{path}: is damaged or truncated after {total / rate:.2f} s "
                         f"({_why(e)})") from e
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def _mono(frame) -> np.ndarray:
    """A decoded frame as float32 mono in [-1, 1]: its channels averaged."""
    name = frame.format.name
    data = frame.to_ndarray()
    channels = len(frame.layout.channels)
    if not frame.format.is_planar:  # interleaved: [1, samples * channels]
        data = data.reshape(-1, channels).T
    scale = {"u8": 128.0, "s16": 32768.0, "s32": 2.0**31, "s64": 2.0**63}.get(
        name.rstrip("p"))
    mono = data.mean(axis=0, dtype=np.float64)
    if name.startswith("u8"):
        mono -= 128.0
    return (mono / scale if scale else mono).astype(np.float32)


def _joined(frames) -> np.ndarray:
    if not frames:
        return np.zeros(0, np.float32)
    return np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)


def _wav_promise(path: Path) -> float | None:
    """The seconds a WAV's header promises (its data chunk's size), read from the first
    64 KB; None for other formats, streamed WAVs (size 0 or 0xFFFFFFFF) or odd headers."""
    with open(path, "rb") as f:
        head = f.read(65536)
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    pos, block, rate = 12, 0, 0
    while pos + 8 <= len(head):
        tag, size = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if tag == b"fmt " and pos + 24 <= len(head):
            _, _, rate, _, block = struct.unpack("<HHIIH", head[pos + 8:pos + 22])
        elif tag == b"data":
            if block and rate and 0 < size < 0xFFFFFFFF:
                return size / block / rate
            return None
        pos += 8 + size + (size & 1)
    return None


def _why(error: Exception) -> str:
    text = getattr(error, "strerror", None) or str(error)
    return text.split(":")[-1].strip() if ": '" in text else text


def _minutes(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.1f} minutes" if seconds >= 60 else f"{seconds:.1f} s"
