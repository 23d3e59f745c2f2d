"""`studio --self-test`: every path an artist relies on, run headless, one line per check.

Why it exists: the app bundle leaves files out to stay small, and a missing Qt plugin,
torch library or data file shows only when the code that needs it runs. So this runs
that code for real (the window's first paint offscreen, file-name sorting, every default
model, recognizing, generating, drawing, a few training steps; in studio/self_test_files.py
sonifying, a project saved and reopened, a PNG and an MP4 written and read back) and
checks what comes out, not just that nothing raised. The bundle's
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
from pathlib import Path
from typing import Any

from studio.self_test_context import CheckFailed, Context, expect
from studio.self_test_files import check_mp4, check_png, check_project, check_sonify

__all__ = ["CHECKS", "CheckFailed", "Context", "run_self_test"]

KINDS = ("cnn", "vae", "gan", "strokes-lstm", "strokes-transformer")


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
    expect(code == 0, f"the window exited with code {code}")
    expect("first_paint" in out.getvalue(), "the window closed without painting")
    return f"painted offscreen ({qt_platform()})"


def check_sorting(ctx: Context) -> str:
    """File names sort as people expect: numbers by value, case and accents aside.

    Qt's file dialogs sort with QCollator, which asks ICU's collation data; the bundle
    keeps only part of ICU's data, and without it Qt falls back to comparing code points.
    """
    from studio.qt.base.file_name_order import file_name_order

    want = ["apple.lstudio", "Ärger.wav", "sketch2.png", "Sketch10.png", "walk.mp4"]
    got = file_name_order(reversed(want))
    expect(got == want, f"file names sort as {got}")
    return "numbers by value, case and accents aside"


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
    expect(not wrong, "bundled test digits misread: " + ", ".join(wrong))
    return "10 of 10 bundled test digits"


def _generate(ctx: Context, kind: str) -> str:
    import numpy as np

    from studio.ml.latent.sampling import sample

    digits = list(range(10))
    images = sample(ctx.model(kind), digits, seed=0, per_digit=2).detach().cpu().numpy()
    expect(images.shape == (20, 1, 28, 28), f"unexpected image shape {images.shape}")
    expect(bool(np.isfinite(images).all()), "the images hold NaN or infinity")
    right = sum(r == d for r, d in zip(_read(ctx, images[:, 0]), np.repeat(digits, 2),
                                       strict=True))
    expect(right >= 16, f"only {right} of 20 generated digits read as the digit asked for")
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
    expect(all(any(len(s) for s in strokes) for strokes in drawn), "a digit has no strokes")
    right = sum(r == int(d) for r, d in zip(
        _read(ctx, [rasterize_strokes(s) for s in drawn]), digits, strict=True))
    expect(right >= 7, f"only {right} of 10 drawn digits read as the digit asked for")
    return f"{right} of 10 read as the digit asked for"


def check_draw_lstm(ctx: Context) -> str:
    """The default LSTM pen writes the ten digits recognizably."""
    return _draw(ctx, "strokes-lstm")


def check_draw_transformer(ctx: Context) -> str:
    """The default Transformer pen writes the ten digits recognizably."""
    return _draw(ctx, "strokes-transformer")


def check_train(ctx: Context) -> str:
    """A fresh recognizer learns: ten real steps of the app's recipe lower its loss.

    Training reaches parts of torch nothing else here does (autograd, the optimizers,
    and the torch._dynamo import the optimizer makes), and the bundle trims torch.
    """
    import torch

    from studio.ml.data.digit_datasets import bundled_mnist
    from studio.ml.training.train_cnn import CNNRecipe
    from studio.ml.training.train_settings import DEFAULTS

    torch.manual_seed(0)
    train = bundled_mnist().train
    x = torch.from_numpy(train.images[:64]).float().div(255).unsqueeze(1)  # [64, 1, 28, 28]
    y = torch.from_numpy(train.labels[:64])  # [64]
    recipe = CNNRecipe(DEFAULTS["cnn"], 10, torch.device("cpu"), total_steps=10)
    before = recipe.evaluate(x, y)["test_loss"]
    for _ in range(10):
        recipe.train_step(x, y)
    after = recipe.evaluate(x, y)["test_loss"]
    expect(after < 0.7 * before, f"the loss went from {before:.3f} to {after:.3f}")
    return f"loss {before:.2f} -> {after:.2f} in 10 steps"


CHECKS: list[tuple[str, Callable[[Context], str]]] = [
    ("window", check_window), ("sorting", check_sorting), ("models", check_models),
    ("recognize", check_recognize), ("generate gan", check_generate_gan),
    ("generate vae", check_generate_vae), ("draw strokes-lstm", check_draw_lstm),
    ("draw strokes-transformer", check_draw_transformer), ("train", check_train),
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
