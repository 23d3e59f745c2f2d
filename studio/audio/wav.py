"""WAV files: 16-bit PCM (through the standard library's `wave`) or 32-bit IEEE float.

`wave` writes only integer PCM, so 32-bit float files get their small RIFF header here
(fmt chunk with WAVE_FORMAT_IEEE_FLOAT plus the `fact` chunk that non-PCM files carry).
Files are built in memory and written with write_atomically: a full disk, an unwritable
folder or Ctrl-C leaves no half-written WAV, only the old file or nothing.
"""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np

from studio.audio.audio_errors import AudioError
from studio.ml.atomic_files import write_atomically

FORMATS = ("pcm16", "float32")
PCM, IEEE_FLOAT = 1, 3
MIN_RATE, MAX_RATE = 8000, 192000
MAX_SAMPLES = 600 * MAX_RATE  # ten minutes at the highest rate (about 460 MB as float32)


def write_wav(path: Path, samples: np.ndarray, rate: int, sample_format: str = "pcm16") -> Path:
    """Write mono `samples` (float in [-1, 1]) to `path` and return it; nothing on failure.

    Values outside [-1, 1] are clipped for 16-bit (integers cannot hold them) and kept
    in float files, which is what float WAV readers expect.
    """
    path = Path(path)
    data = np.asarray(samples)
    if sample_format not in FORMATS:
        raise AudioError(f"{path}: WAV sample format {sample_format!r} is unknown: "
                         f"use one of {FORMATS}")
    if not isinstance(rate, int | np.integer) or not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"{path}: sample rate {rate} Hz is out of range "
                         f"({MIN_RATE}-{MAX_RATE} Hz)")
    if data.ndim != 1 or len(data) == 0 or len(data) > MAX_SAMPLES:
        raise AudioError(f"{path}: cannot write {data.shape} samples: a WAV takes 1 to "
                         f"{MAX_SAMPLES} mono samples")
    data = data.astype(np.float32)
    if not np.isfinite(data).all():
        raise AudioError(f"{path}: the sound contains NaN or infinite samples")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not a file name")
    body = _pcm16_bytes(data, rate) if sample_format == "pcm16" else _float32_bytes(data, rate)
    write_atomically(path, body, AudioError)
    return path


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Samples (float32 [N], first channel) and rate of a 16-bit PCM or 32-bit float WAV."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise AudioError(f"{path}: cannot be read ({e.strerror or e})") from e
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise AudioError(f"{path}: is not a WAV file")
    fmt, data, pos = None, None, 12
    while pos + 8 <= len(raw):
        tag, size = raw[pos:pos + 4], struct.unpack("<I", raw[pos + 4:pos + 8])[0]
        chunk = raw[pos + 8:pos + 8 + size]
        if tag == b"fmt ":
            fmt = struct.unpack("<HHIIHH", chunk[:16])
        elif tag == b"data":
            data = chunk
        pos += 8 + size + (size & 1)  # chunks are padded to even lengths
    if fmt is None or data is None:
        raise AudioError(f"{path}: WAV file has no fmt or data chunk (truncated?)")
    tag, channels, rate, _, _, bits = fmt
    if tag == PCM and bits == 16:
        samples = np.frombuffer(data[:len(data) // 2 * 2], "<i2").astype(np.float32) / 32768
    elif tag == IEEE_FLOAT and bits == 32:
        samples = np.frombuffer(data[:len(data) // 4 * 4], "<f4").astype(np.float32)
    else:
        raise AudioError(f"{path}: WAV format {tag} with {bits}-bit samples is not supported "
                         "(16-bit PCM or 32-bit float only)")
    return samples[::max(channels, 1)].copy(), rate


def _pcm16_bytes(data: np.ndarray, rate: int) -> bytes:
    ints = np.rint(np.clip(data, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(ints.tobytes())
    return buffer.getvalue()


def _float32_bytes(data: np.ndarray, rate: int) -> bytes:
    payload = data.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHHH", IEEE_FLOAT, 1, rate, rate * 4, 4, 32, 0)  # cbSize 0
    fact = struct.pack("<I", len(data))
    chunks = (b"fmt " + struct.pack("<I", len(fmt)) + fmt
              + b"fact" + struct.pack("<I", len(fact)) + fact
              + b"data" + struct.pack("<I", len(payload)) + payload)
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks
