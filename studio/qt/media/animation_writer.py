"""Writing an animation on the pool: its frames, the file, and its sound muxed or beside.

The dialog gathers every choice on the GUI thread into an `AnimationJob`; this runs it
off the GUI thread, so a long video never stalls the window. A video (MP4, WebM)
carries its sound; a GIF, APNG or WebP gets a WAV of the same name beside it. Videos
report progress per frame and stop at the next frame when cancelled (ExportError
`Cancelled`), leaving nothing behind; image animations are written in one piece, so a
cancel is honoured before the file is written (after it, the WAV follows).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from studio.export.animation import resample_frames, save_animation
from studio.export.images import Colour

VIDEO_SUFFIXES = (".mp4", ".webm")
Frames = np.ndarray | Callable[[int], np.ndarray]  # [F, H, W], or a function of the count
# frames [F, H, W] and their length in seconds -> (samples float32 [N] in [-1, 1], rate)
SoundMaker = Callable[[np.ndarray, float], tuple[np.ndarray, int]]


@dataclass(frozen=True)
class Sound:
    """How the animation's sound is made: the Sound panel's settings, read at export."""

    make: SoundMaker
    wav_format: str = "pcm16"  # for a WAV beside an image animation


@dataclass(frozen=True)
class AnimationJob:
    """Everything the pool needs to write one animation; plain values only."""

    path: Path
    count: int  # frames to write
    fps: float
    loop: bool = True
    size: int = 256
    smooth: bool = True
    ink: Colour = (20, 20, 30)
    background: Colour | None = (250, 249, 245)  # None: transparent (not for video)
    quality: int = 75  # video only: 0-100, see studio.export.video.crf
    sound: Sound | None = None
    provenance: Any = None  # a Provenance for formats that carry one (the provenance work)
    metadata: dict[str, str] | None = None  # a video's container tags

    @property
    def is_video(self) -> bool:
        return self.path.suffix.lower() in VIDEO_SUFFIXES


def sonified(settings: Any, wav_format: str = "pcm16") -> Sound:
    """The frames side by side (walk_image) sonified with `settings` (SonifySettings)
    over the animation's length, so each frame sounds while it is shown."""
    from dataclasses import replace

    from studio.audio.sonify import sonify, walk_image

    def make(frames: np.ndarray, seconds: float) -> tuple[np.ndarray, int]:
        timed = replace(settings, duration_s=seconds).check()
        return sonify(walk_image(frames), timed), timed.rate  # float32 [N], Hz

    return Sound(make, wav_format)


def write_animation(frames: Frames, job: AnimationJob,
                    progress: Callable[[int, int], None] | None = None,
                    cancelled: Callable[[], bool] | None = None
                    ) -> tuple[Path, Path | None, int]:
    """Runs on the pool: (the file written, the WAV beside it or None, frames written)."""
    from studio.export.video import Cancelled

    made = resample_frames(frames, job.count) if isinstance(frames, np.ndarray) \
        else frames(job.count)  # [count, H, W]
    seconds = job.count / job.fps
    if job.is_video:
        from studio.export.video import save_video

        samples, rate = job.sound.make(made, seconds) if job.sound else (None, 44100)
        save_video(job.path, made, job.fps, job.size, sound=samples, rate=rate,
                   quality=job.quality, smooth=job.smooth, ink=job.ink,
                   background=job.background, metadata=job.metadata, progress=progress,
                   cancelled=cancelled)
        return job.path, None, job.count

    def check() -> None:
        if cancelled is not None and cancelled():
            raise Cancelled(f"{job.path}: export cancelled")

    check()
    carried = {} if job.provenance is None else {"provenance": job.provenance}
    save_animation(job.path, made, job.fps, loop=job.loop, size=job.size, smooth=job.smooth,
                   ink=job.ink, background=job.background, **carried)
    if progress is not None:
        progress(job.count, job.count)
    wav = None
    if job.sound is not None:
        from studio.audio.wav import write_wav

        samples, rate = job.sound.make(made, seconds)
        wav = write_wav(job.path.with_suffix(".wav"), samples, rate, job.sound.wav_format)
    return job.path, wav, job.count
