"""Animations as video with their sound: MP4 (H.264 + AAC) and WebM (VP9 + Opus).

Video goes through PyAV, whose wheels carry FFmpeg's libraries, so no system ffmpeg is
needed. PyAV is imported inside `save_video` only: the window and the CLI start without
it. The frames are the same ink coverage [F, H, W] as the GIF/APNG/WebP writer takes,
painted the same way (export/images.py), at an even size because 4:2:0 colour needs it.

Timing: frame k is shown from k / fps (the stream's time base is 1 / fps), so F frames
last exactly F / fps. The sound (float32 mono in [-1, 1]) is cut or padded with silence
to that length before encoding, so picture and sound end together; AAC and Opus add
their usual priming, which players (and PyAV's reader) hide.

Quality 0-100 maps linearly to the encoders' constant-quality scale (CRF): H.264
40 (q 0) to 12 (q 100), VP9 50 to 10; the default 75 gives CRF 19 and 20, which
keeps a digit's soft edges without visible blocks at a few hundred kB per 10 s.

The file is written to a temporary name in the same folder and renamed into place, so
a failure or a cancel (`cancelled()` polled before each frame; ExportError
"cancelled", see `Cancelled`) leaves nothing behind and an existing file untouched.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import numpy as np

from studio.export.images import (
    INK,
    PAPER,
    Colour,
    check_colour,
    check_size,
    coverage,
    enlarge,
    output_shape,
    paint,
)
from studio.export.provenance import ExportError
from studio.ml.atomic_files import commit

# suffix -> (container, video encoder, audio encoder, audio rate or None for any)
FORMATS = {".mp4": ("mp4", "libx264", "aac", None),
           ".webm": ("webm", "libvpx-vp9", "libopus", 48000)}
DEFAULT_QUALITY = 75
MIN_FPS, MAX_FPS = 1.0, 60.0
MAX_FRAMES = 20_000  # ten minutes at 30 fps; frames are painted one at a time
MAX_VIDEO_SIZE = 4096
MIN_RATE, MAX_RATE = 8000, 192_000
Frames = np.ndarray | Callable[[int], np.ndarray]


class Cancelled(ExportError):
    """The export was cancelled by `cancelled()`; nothing was written."""


def crf(encoder: str, quality: int) -> int:
    """The constant-quality setting for `quality` 0 (smallest) to 100 (best)."""
    if isinstance(quality, bool) or not isinstance(quality, int | np.integer) \
            or not 0 <= quality <= 100:
        raise ExportError(f"video quality {quality!r}: choose a whole number from 0 to 100")
    worst, best = (40, 12) if encoder == "libx264" else (50, 10)
    return round(worst + (best - worst) * int(quality) / 100)


def video_shape(shape: tuple[int, ...], size: int) -> tuple[int, int]:
    """(width, height) as output_shape, each rounded up to even (yuv420p halves colour)."""
    width, height = output_shape(shape, size)
    return width + width % 2, height + height % 2


def save_video(path: Path, frames: Frames, fps: float, size: int = 512, *,
               count: int | None = None, sound: np.ndarray | None = None, rate: int = 44100,
               quality: int = DEFAULT_QUALITY, smooth: bool = True, ink: Colour = INK,
               background: Colour = PAPER, metadata: dict[str, str] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancelled: Callable[[], bool] | None = None) -> Path:
    """Write coverage frames [F, H, W] (or `frames(count)`) as .mp4 or .webm with `sound`.

    An array with a `count` other than its length is resampled to it, as for GIFs.

    `metadata`: container tags (e.g. "title", "comment"); MP4 keeps the well-known keys
    only, WebM any (read back with `read_metadata`, which folds Matroska's upper case).
    `progress(done, total)` is called after each frame is encoded.
    """
    path = Path(path)
    container, vcodec, acodec, fixed_rate = _format(path)
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not MIN_FPS <= fps <= MAX_FPS:
        raise ExportError(f"frame rate {fps!r}: choose {MIN_FPS:g} to {MAX_FPS:g} per second")
    size = check_size(size, high=MAX_VIDEO_SIZE, what="video size")
    ink = check_colour(ink, "ink")
    if background is None:
        raise ExportError(f"{path}: a video has no transparency: choose a background colour")
    background = check_colour(background, "background")
    constant = crf(vcodec, quality)
    if callable(frames):
        if count is None or not 1 <= count <= MAX_FRAMES:
            raise ExportError(f"{path}: {count!r} frames; a video holds 1 to {MAX_FRAMES}")
        frames = frames(count)
    elif count is not None and count != len(frames):  # the artist's length, not the path's
        from studio.export.animation import resample_frames

        frames = resample_frames(frames, count)
    a = np.asarray(frames)  # [F, H, W]
    if a.ndim != 3 or 0 in a.shape:
        raise ExportError(f"{path}: expected frames [count, H, W], got shape {a.shape}")
    if not 1 <= len(a) <= MAX_FRAMES:
        raise ExportError(f"{path}: {len(a)} frames; a video holds 1 to {MAX_FRAMES}")
    samples = None if sound is None else _sound(path, sound, rate, len(a) / fps)

    import av  # only when a video is written: it loads FFmpeg's libraries

    for codec in (vcodec, acodec if samples is not None else vcodec):
        if codec not in av.codecs_available:
            raise ExportError(f"{path}: this PyAV build has no {codec} encoder; reinstall "
                              f"PyAV from its wheels (pip install --force-reinstall av)")
    width, height = video_shape(a.shape[1:], size)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
    except OSError as e:
        raise ExportError(f"{path}: cannot write here ({e.strerror or e})") from e
    staged = Path(name)
    try:
        with av.open(str(staged), "w", format=container) as out:
            for key, value in (metadata or {}).items():
                out.metadata[str(key)] = str(value)
            video = out.add_stream(vcodec, rate=Fraction(fps).limit_denominator(1001))
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.options = _video_options(vcodec, constant)
            audio = None
            if samples is not None:
                audio = out.add_stream(acodec, rate=fixed_rate or rate)
                audio.layout = "mono"
            for k, frame in enumerate(a):
                if cancelled is not None and cancelled():
                    raise Cancelled(f"{path}: export cancelled; nothing was written")
                cov = enlarge(coverage(frame, f"{path} frame {k}"), width, height, smooth)
                picture = av.VideoFrame.from_ndarray(
                    np.asarray(paint(cov, ink, background)), format="rgb24")  # [H, W, 3]
                picture.pts = k
                out.mux(video.encode(picture))
                if progress is not None:
                    progress(k + 1, len(a))
            out.mux(video.encode(None))
            if audio is not None:
                chunk = av.AudioFrame.from_ndarray(samples[None, :], format="flt",
                                                   layout="mono")  # [1, N] packed float
                chunk.sample_rate, chunk.pts = rate, 0
                out.mux(audio.encode(chunk))  # PyAV resamples to the encoder's rate and frames
                out.mux(audio.encode(None))
        with open(staged, "rb+") as f:
            os.fsync(f.fileno())
    except BaseException as e:
        staged.unlink(missing_ok=True)
        if isinstance(e, ExportError):
            raise
        if isinstance(e, OSError | ValueError | av.FFmpegError):
            raise ExportError(f"{path}: could not encode the video ({e})") from e
        raise
    os.chmod(staged, 0o644)  # mkstemp makes 0600; these are ordinary user files
    commit(staged, path, ExportError)
    return path


def read_metadata(path: Path) -> dict[str, str]:
    """A video's container tags with lower-case keys (Matroska writes most in upper case)."""
    import av

    try:
        with av.open(str(path)) as c:
            return {k.lower(): v for k, v in c.metadata.items()}
    except (OSError, av.FFmpegError) as e:
        raise ExportError(f"{path}: not a video the studio can read ({e})") from e


def _format(path: Path) -> tuple[str, str, str, int | None]:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        raise ExportError(f"{path}: choose a .mp4 or .webm file name for a video") from None


def _video_options(encoder: str, constant: int) -> dict[str, str]:
    """Constant quality; VP9 needs its bit rate at 0 for CRF alone to rule, and `good`
    with cpu-used 4 and row threads is several times faster than its default."""
    if encoder == "libx264":
        return {"crf": str(constant), "preset": "medium"}
    return {"crf": str(constant), "b": "0", "deadline": "good", "cpu-used": "4", "row-mt": "1"}


def _sound(path: Path, sound: np.ndarray, rate: int, seconds: float) -> np.ndarray:
    """Mono float32 [round(seconds * rate)] in [-1, 1]: cut or padded with silence."""
    if isinstance(rate, bool) or not isinstance(rate, int | np.integer) \
            or not MIN_RATE <= rate <= MAX_RATE:
        raise ExportError(f"{path}: sound rate {rate!r} Hz: choose {MIN_RATE} to {MAX_RATE}")
    s = np.asarray(sound)
    if s.ndim != 1 or not np.issubdtype(s.dtype, np.floating) or not np.isfinite(s).all():
        raise ExportError(f"{path}: the sound must be finite mono float samples, got "
                          f"{s.dtype} {s.shape}")
    n = round(seconds * rate)
    out = np.zeros(n, np.float32)  # [n]
    out[:min(n, len(s))] = np.clip(s[:n], -1.0, 1.0)
    return out
