"""`studio --self-test`: every path an artist relies on, run headless, one line per check.

Why it exists: the app bundle leaves files out to stay small, and a missing Qt plugin,
torch library or data file shows only when the code that needs it runs. So this runs
that code for real (the window's first paint offscreen, every default model, recognizing,
generating, drawing, sonifying, a project saved and reopened, a PNG and an MP4 written
and read back) and checks what comes out, not just that nothing raised. The bundle's
build script and CI run it; a user can run it to tell "broken install" from "my file".
Exit 0 only when every check passes. Imports are inside the checks, so `studio --help`
stays light and one missing piece fails its own check rather than the whole command.
"""

from __future__ import annotations

import contextlib
import io
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KINDS = ("cnn", "vae", "gan", "strokes-lstm", "strokes-transformer")


class CheckFailed(Exception):
    """A check ran but what it produced is wrong."""


@dataclass
class Context:
    """What the checks share: a scratch folder and the models the first checks load."""

    folder: Path
    models: dict[str, Any] = field(default_factory=dict)

    def model(self, kind: str) -> Any:
        if kind not in self.models:
            raise CheckFailed(f"the {kind} model did not load (see the models check)")
        return self.models[kind]


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def check_window(ctx: Context) -> str:
    """The window paints offscreen: Qt, its platform plugin and the start path work."""
    from studio.qt.shell.app import qt_platform, run, studio_logger

    qt_platform()  # offscreen, unless an app is already running

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            code = run([sys.argv[0]], data_dir=ctx.folder / "data", quit_after="first-paint")
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        studio_logger(None)  # close the log file in the scratch folder
    _expect(code == 0, f"the window exited with code {code}")
    _expect("first_paint" in out.getvalue(), "the window closed without painting")
    return f"painted offscreen ({qt_platform()})"


def check_models(ctx: Context) -> str:
    """Every default model loads from the installed resources."""
    from studio.ml.models.default_models import load_model

    for kind in KINDS:
        ctx.models[kind] = load_model(kind).model
    return ", ".join(KINDS)


def _read(ctx: Context, images: Any) -> list[int | None]:
    """What the default recognizer reads in each 28x28 image."""
    from studio.ml.recognition.recognize import recognize

    cnn = ctx.model("cnn")
    return [recognize(cnn, image).digit for image in images]


def check_recognize(ctx: Context) -> str:
    """The recognizer reads one bundled test digit of each class correctly."""
    import numpy as np

    from studio.ml.data.digit_datasets import bundled_mnist

    test = bundled_mnist().test
    labels = np.asarray(test.labels)
    picks = [int(np.flatnonzero(labels == d)[0]) for d in range(10)]
    read = _read(ctx, [np.asarray(test.images[i]) for i in picks])
    wrong = [f"{d} read as {r}" for d, r in zip(range(10), read, strict=True) if r != d]
    _expect(not wrong, "bundled test digits misread: " + ", ".join(wrong))
    return "10 of 10 bundled test digits"


def _generate(ctx: Context, kind: str) -> str:
    import numpy as np

    from studio.ml.latent.sampling import sample

    digits = list(range(10))
    images = sample(ctx.model(kind), digits, seed=0, per_digit=2).detach().cpu().numpy()
    _expect(images.shape == (20, 1, 28, 28), f"unexpected image shape {images.shape}")
    _expect(bool(np.isfinite(images).all()), "the images hold NaN or infinity")
    right = sum(r == d for r, d in zip(_read(ctx, images[:, 0]), np.repeat(digits, 2),
                                       strict=True))
    _expect(right >= 16, f"only {right} of 20 generated digits read as the digit asked for")
    return f"{right} of 20 read as the digit asked for"


def check_generate_gan(ctx: Context) -> str:
    """The default GAN draws each digit recognizably."""
    return _generate(ctx, "gan")


def check_generate_vae(ctx: Context) -> str:
    """The default VAE draws each digit recognizably."""
    return _generate(ctx, "vae")


def _draw(ctx: Context, kind: str) -> str:
    from studio.ml.pen.pen_sampler import write_number
    from studio.ml.strokes.stroke_raster import rasterize_strokes

    digits = "0123456789"
    drawn = write_number(ctx.model(kind), digits, style_seed=0)
    _expect(all(any(len(s) for s in strokes) for strokes in drawn), "a digit has no strokes")
    right = sum(r == int(d) for r, d in zip(
        _read(ctx, [rasterize_strokes(s) for s in drawn]), digits, strict=True))
    _expect(right >= 7, f"only {right} of 10 drawn digits read as the digit asked for")
    return f"{right} of 10 read as the digit asked for"


def check_draw_lstm(ctx: Context) -> str:
    """The default LSTM pen writes the ten digits recognizably."""
    return _draw(ctx, "strokes-lstm")


def check_draw_transformer(ctx: Context) -> str:
    """The default Transformer pen writes the ten digits recognizably."""
    return _draw(ctx, "strokes-transformer")


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
    _expect(sound.shape == (settings.rate,), f"{sound.shape[0]} samples, not {settings.rate}")
    _expect(bool(np.isfinite(sound).all()) and float(np.abs(sound).max()) > 0.01,
            "the sound is silent or not finite")
    path = ctx.folder / "digit.wav"
    write_wav(path, sound, settings.rate, "pcm16")
    with wave.open(str(path)) as wav:
        _expect(wav.getnframes() == settings.rate, "the WAV holds the wrong number of frames")
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
    _expect(len(back.manifest.canvas.strokes) == 1, "the stroke did not come back")
    _expect(back.raster is not None and np.array_equal(back.raster, raster),
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
        _expect(image.size == picture.size, f"the PNG is {image.size}, not {picture.size}")
    _expect(read_provenance(path) == _provenance(), "the provenance did not come back")
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
    _expect(count == 12, f"{count} frames decoded, not 12")
    return "12 frames with sound"


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("window", check_window), ("models", check_models), ("recognize", check_recognize),
    ("generate gan", check_generate_gan), ("generate vae", check_generate_vae),
    ("draw strokes-lstm", check_draw_lstm), ("draw strokes-transformer", check_draw_transformer),
    ("sonify", check_sonify), ("project", check_project), ("png", check_png),
    ("mp4", check_mp4),
]


def run_self_test(out: Callable[[str], None] = print) -> int:
    """Run every check, report one line each, return 0 only if all passed."""
    failed = 0
    with tempfile.TemporaryDirectory(prefix="studio-self-test-") as folder:
        ctx = Context(Path(folder))
        for name, check in CHECKS:
            start = time.perf_counter()
            try:
                detail = check(ctx)
            except Exception as e:  # every failure becomes its line
                failed += 1
                reason = str(e).strip().splitlines()[0] if str(e).strip() else ""
                out(f"{name}: FAILED: {type(e).__name__}: {reason}" if not isinstance(
                    e, CheckFailed) else f"{name}: FAILED: {reason}")
                continue
            out(f"{name}: ok ({detail}; {time.perf_counter() - start:.1f} s)")
    total = len(CHECKS)
    out(f"self-test: {total - failed} of {total} checks passed"
        + ("" if not failed else f", {failed} FAILED"))
    return 0 if failed == 0 else 1
