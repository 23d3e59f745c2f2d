"""`studio --self-test`: it passes on a working install, and each check fails when what it
checks is broken (a check that cannot fail proves nothing about a trimmed bundle)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio import self_test, self_test_files
from studio.self_test import CHECKS, CheckFailed, Context, run_self_test

ROOT = Path(__file__).resolve().parents[1]
torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def models() -> dict:
    ctx = Context(Path("."))
    self_test.check_models(ctx)
    return ctx.models


@pytest.fixture
def ctx(models, tmp_path) -> Context:
    return Context(tmp_path, dict(models))


def zeroed(model):
    """A copy of `model` with every weight zero: it loads and runs, and says nothing."""
    broken = copy.deepcopy(model)
    with torch.no_grad():
        for p in broken.parameters():
            p.zero_()
    return broken


def test_the_whole_self_test_passes_from_the_command_line(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "studio.cli", "--self-test"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=600)
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout + done.stderr
    assert [line.split(":")[0] for line in lines[:-1]] == [name for name, _ in CHECKS]
    assert all(": ok (" in line for line in lines[:-1])
    assert lines[-1] == f"self-test: {len(CHECKS)} of {len(CHECKS)} checks passed"


def test_one_failed_check_fails_the_run_and_says_why(monkeypatch):
    def broken(ctx):
        raise OSError("libQt6Gui.so.6: cannot open shared object file")

    def wrong(ctx):
        self_test.expect(False, "no")

    monkeypatch.setattr(self_test, "CHECKS", [("fine", lambda ctx: "yes"), ("gui", broken),
                                              ("wrong", wrong)])
    lines: list[str] = []
    assert run_self_test(lines.append) == 1
    assert lines[0].startswith("fine: ok (yes; ")
    assert lines[1] == "gui: FAILED: OSError: libQt6Gui.so.6: cannot open shared object file"
    assert lines[2] == "wrong: FAILED: no"
    assert lines[3] == "self-test: 1 of 3 checks passed, 2 FAILED"


def test_models_fails_on_a_damaged_model_file(monkeypatch, tmp_path):
    bad = tmp_path / "gan.safetensors"
    bad.write_bytes(b"not a checkpoint")
    monkeypatch.setattr("studio.ml.models.default_models.default_model_path",
                        lambda kind: bad)
    with pytest.raises(Exception, match="gan.safetensors"):
        self_test.check_models(Context(tmp_path))


def test_later_checks_fail_plainly_when_a_model_did_not_load(tmp_path):
    with pytest.raises(CheckFailed, match="cnn model did not load"):
        self_test.check_recognize(Context(tmp_path))


@pytest.mark.parametrize(("kind", "check"), [
    ("cnn", self_test.check_recognize), ("gan", self_test.check_generate_gan),
    ("vae", self_test.check_generate_vae), ("strokes-lstm", self_test.check_draw_lstm),
    ("strokes-transformer", self_test.check_draw_transformer)])
def test_model_checks_fail_on_a_model_that_loads_but_has_learned_nothing(ctx, kind, check):
    assert check(ctx)  # sanity: the real model passes
    ctx.models[kind] = zeroed(ctx.models[kind])
    with pytest.raises(CheckFailed):
        check(ctx)


def test_sonify_fails_on_silence(ctx, monkeypatch):
    import importlib

    import numpy as np

    module = importlib.import_module("studio.audio.sonify")  # the package re-exports sonify()
    monkeypatch.setattr(module, "sonify", lambda image, s: np.zeros(s.rate, "f4"))
    with pytest.raises(CheckFailed, match="silent"):
        self_test_files.check_sonify(ctx)


def test_project_fails_when_the_canvas_does_not_round_trip(ctx, monkeypatch):
    import numpy as np

    from studio.core.project import project_file

    real = project_file._png
    monkeypatch.setattr(project_file, "_png", lambda gray: real(np.zeros_like(gray)))
    with pytest.raises(CheckFailed, match="canvas came back different"):
        self_test_files.check_project(ctx)


def test_png_fails_when_the_provenance_is_lost(ctx, monkeypatch):
    from PIL import PngImagePlugin

    monkeypatch.setattr("studio.export.images.png_info",
                        lambda provenance: PngImagePlugin.PngInfo())
    with pytest.raises(CheckFailed, match="provenance"):
        self_test_files.check_png(ctx)


def test_mp4_fails_when_frames_go_missing(ctx, monkeypatch):
    from studio.export import video

    real = video.save_video
    monkeypatch.setattr(video, "save_video",
                        lambda path, frames, **kw: real(path, frames[:6], **kw))
    with pytest.raises(CheckFailed, match="6 frames decoded"):
        self_test_files.check_mp4(ctx)


def test_window_fails_when_it_never_paints(ctx, monkeypatch):
    monkeypatch.setattr("studio.qt.shell.app.run", lambda *a, **kw: 0)
    with pytest.raises(CheckFailed, match="without painting"):
        self_test.check_window(ctx)


def test_sorting_fails_when_qt_falls_back_to_code_points(ctx, monkeypatch):
    """Without ICU's collation data QCollator compares code points: "Sketch10" < "apple"."""
    class CodePoints:
        def __init__(self, locale):
            pass

        def setNumericMode(self, on):
            pass

        def compare(self, a, b):
            return (a > b) - (a < b)

    monkeypatch.setattr("studio.qt.base.file_name_order.QCollator", CodePoints)
    with pytest.raises(CheckFailed, match="file names sort as"):
        self_test.check_sorting(ctx)


def test_train_fails_when_the_steps_learn_nothing(ctx, monkeypatch):
    from studio.ml.training.train_cnn import CNNRecipe

    monkeypatch.setattr(CNNRecipe, "train_step", lambda self, x, y: {})
    with pytest.raises(CheckFailed, match="the loss went from"):
        self_test.check_train(ctx)
