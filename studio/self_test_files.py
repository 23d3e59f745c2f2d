"""The self-test's checks of what the studio writes and reads back: sound, projects, PNG, MP4.

Each writes a real file through the studio's own export code into the scratch folder and
reads it back with another reader (wave, Pillow, PyAV), so a codec or library the bundle
left out fails here, by name.
"""

from __future__ import annotations

import sys
from typing import Any

from studio.self_test_context import Context, expect


def _bundled_digit() -> Any:
    from studio.ml.data.digit_datasets import bundled_mnist

    return bundled_mnist().test.images[0]


def check_sonify(ctx: Context) -> str:
    """A picture becomes a second of sound, written as a WAV and read back."""
    import wave

    import numpy as np

    from studio.audio.sonify import SonifySettings, sonify
    from studio.audio.wav import write_wav

    settings = SonifySettings(duration_s=1.0)
    sound = sonify(np.asarray(_bundled_digit()), settings)
    expect(sound.shape == (settings.rate,), f"{sound.shape[0]} samples, not {settings.rate}")
    expect(bool(np.isfinite(sound).all()) and float(np.abs(sound).max()) > 0.01,
            "the sound is silent or not finite")
    path = ctx.folder / "digit.wav"
    write_wav(path, sound, settings.rate, "pcm16")
    with wave.open(str(path)) as wav:
        expect(wav.getnframes() == settings.rate, "the WAV holds the wrong number of frames")
    return f"1 s at {settings.rate} Hz"


def check_project(ctx: Context) -> str:
    """A project with strokes and a raster is saved and reopened unchanged."""
    import numpy as np
    from PIL import Image

    from studio.core.project.project_file import Project, read_project, write_project
    from studio.core.project.project_manifest import (
        SIDE,
        CanvasRecord,
        ProjectManifest,
        StrokeRecord,
    )

    raster = np.asarray(Image.fromarray(np.asarray(_bundled_digit(), np.uint8)).resize(
        (SIDE, SIDE)))
    stroke = StrokeRecord(width=20.0, erase=False, points=[(10.0, 10.0, 1.0), (200.0, 300.0, 1.0)])
    manifest = ProjectManifest(canvas=CanvasRecord(strokes=[stroke]))
    path = write_project(ctx.folder / "self-test.lstudio", Project(manifest, raster=raster))
    back = read_project(path)
    expect(len(back.manifest.canvas.strokes) == 1, "the stroke did not come back")
    expect(back.raster is not None and np.array_equal(back.raster, raster),
            "the canvas came back different")
    return f"{path.stat().st_size:,} bytes"


def _provenance() -> Any:
    from studio.export.provenance import Provenance

    return Provenance(model_name="Self-test", model_kind="gan", weights_sha256="0" * 64,
                      digit=7, seed=0, latent=(0.0,) * 8)


def check_png(ctx: Context) -> str:
    """A PNG export is written with its provenance and both read back."""
    import numpy as np
    from PIL import Image

    from studio.export.images import render, save_png
    from studio.export.provenance_places import read_provenance

    picture = render(np.asarray(_bundled_digit()), 256)
    path = save_png(ctx.folder / "digit.png", picture, _provenance())
    with Image.open(path) as image:
        expect(image.size == picture.size, f"the PNG is {image.size}, not {picture.size}")
    expect(read_provenance(path) == _provenance(), "the provenance did not come back")
    return f"{picture.size[0]}x{picture.size[1]} with provenance"


def check_mp4(ctx: Context) -> str:
    """A short MP4 with sound is encoded through PyAV and decoded back."""
    import importlib.util

    if importlib.util.find_spec("av") is None and not getattr(sys, "frozen", False):
        return "skipped: PyAV is not installed"
    import av
    import numpy as np

    from studio.export.video import save_video

    frames = np.stack([np.roll(np.asarray(_bundled_digit()), i, axis=1) for i in range(12)])
    path = save_video(ctx.folder / "walk.mp4", frames.astype(np.float32) / 255, fps=12,
                      size=128, sound=np.zeros(44100, np.float32))
    with av.open(str(path)) as video:
        count = sum(1 for _ in video.decode(video=0))
    expect(count == 12, f"{count} frames decoded, not 12")
    return "12 frames with sound"
