"""The `studio` command end to end, through subprocesses, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from idx_writing import write_idx_folder
from PIL import Image

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.recognition.likeness_cache import load_likeness

STUDIO = str(Path(sys.executable).parent / "studio")


def studio(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([STUDIO, *args], capture_output=True, text=True, timeout=timeout)


def assert_one_line_error(result: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def digit_png(path: Path, index: int, dark_on_light: bool = True) -> int:
    """Write bundled test digit `index` as a 280x280 PNG (ink on paper); return its label."""
    test = bundled_mnist().test
    img = test.images[index]
    if dark_on_light:
        img = 255 - img
    Image.fromarray(img).resize((280, 280), Image.Resampling.BICUBIC).save(path)
    return int(test.labels[index])


def test_help_and_version() -> None:
    assert studio("--help").returncode == 0
    result = studio("--version")
    assert result.returncode == 0 and "studio" in result.stdout


@pytest.mark.parametrize("args, needle", [
    (["train", "rnn"], "invalid choice"),
    (["train", "cnn", "--epochs", "0"], "greater than 0"),
    (["train", "cnn", "--lr", "fast"], "expected a number"),
    (["generate", "gan", "--digit", "12", "-o", "x.png"], "digit must be 0-9"),
    (["generate", "gan", "-o", "x.png"], "--digit"),
    (["recognize"], "IMAGE"),
    (["paint"], "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(args: list[str], needle: str) -> None:
    assert_one_line_error(studio(*args), 2, needle)


def test_recognize_json_reads_digits_and_nothing_on_blank(tmp_path: Path) -> None:
    files, labels = [], []
    for i in (0, 7, 123, 260, 499):
        path = tmp_path / f"digit{i}.png"
        labels.append(digit_png(path, i, dark_on_light=i % 2 == 0))
        files.append(path)
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    result = studio("recognize", "--json", *map(str, files), str(blank))
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(p) for p in [*files, blank]]
    assert [r["digit"] for r in rows[:-1]] == labels
    for row in rows[:-1]:
        assert len(row["probabilities"]) == 10
        assert sum(row["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert max(row["probabilities"]) == row["probabilities"][row["digit"]]
    assert rows[-1]["digit"] is None


def test_recognize_bad_files_name_the_file(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.png"
    corrupt.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    good = tmp_path / "good.png"
    label = digit_png(good, 3)
    result = studio("recognize", str(corrupt), str(good), str(tmp_path / "missing.png"))
    assert result.returncode == 1
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in result.stderr
    assert "corrupt.png" in errors[0] and "missing.png" in errors[1]
    assert f"good.png: {label}" in result.stdout  # the good file is still recognized


def test_recognize_refuses_pickle_models(tmp_path: Path) -> None:
    model = tmp_path / "model.pt"
    model.write_bytes(b"\x80\x04not really a pickle")
    image = tmp_path / "d.png"
    digit_png(image, 0)
    assert_one_line_error(studio("recognize", "--model", str(model), str(image)), 1,
                          "model.pt", "pickle")


def test_generate_writes_a_grid_of_the_digit(tmp_path: Path) -> None:
    out = tmp_path / "threes.png"
    result = studio("generate", "gan", "--digit", "3", "-n", "9", "--seed", "5", "-o", str(out))
    assert result.returncode == 0, result.stderr
    grid = np.asarray(Image.open(out))
    assert grid.shape == (3 * 30 - 2, 3 * 30 - 2)
    cells = [grid[r * 30:r * 30 + 28, c * 30:c * 30 + 28] for r in range(3) for c in range(3)]
    assert all(cell.max() > 128 for cell in cells)  # every cell holds ink
    again = tmp_path / "again.png"
    studio("generate", "gan", "--digit", "3", "-n", "9", "--seed", "5", "-o", str(again))
    assert again.read_bytes() == out.read_bytes()  # the seed fixes the samples
    read = studio("recognize", "--json", str(out))
    assert read.returncode == 0


def test_generate_into_missing_folder_fails_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "dir" / "x.png"
    assert_one_line_error(studio("generate", "vae", "--digit", "1", "-o", str(out)), 1, "x.png")
    assert not out.parent.exists()


def test_train_on_idx_folder_writes_loadable_checkpoint(tmp_path: Path, take_subset) -> None:
    data = write_idx_folder(tmp_path / "mnist", take_subset(bundled_mnist(), 512, 128), gz=True)
    out = tmp_path / "run"
    result = studio("train", "cnn", "--data", str(data), "--epochs", "2",
                    "--batch-size", "64", "--device", "cpu", "--out", str(out), timeout=300)
    assert result.returncode == 0, result.stderr
    ckpt = load_checkpoint(out / "cnn.safetensors", expected_kind="cnn")
    assert ckpt.info.epoch == 2 and ckpt.info.dataset == str(data)
    assert 0.0 <= ckpt.info.metrics["accuracy"] <= 1.0
    assert "epoch 2" in result.stderr  # per-epoch metrics on the progress output
    # MNIST digits: the digit-likeness fit is kept beside it, bound to these weights.
    likeness = load_likeness(out / "cnn.likeness.safetensors", ckpt.info.sha256, 192)
    assert likeness.means.shape == (10, 192) and likeness.threshold > 0


def test_train_bad_data_is_one_line(tmp_path: Path) -> None:
    out = str(tmp_path / "run")
    assert_one_line_error(studio("train", "cnn", "--data", str(tmp_path / "nope")), 1, "nope")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "train-images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + b"\x00" * 7)
    (bad / "train-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x00")
    assert_one_line_error(studio("train", "cnn", "--data", str(bad), "--out", out), 1,
                          "train-images")
    assert_one_line_error(studio("train", "cnn", "--device", "cuda:7", "--out", out), 1,
                          "cuda:7")
    assert not Path(out).exists()


def test_ctrl_c_keeps_the_last_complete_checkpoint(tmp_path: Path, take_subset) -> None:
    write_idx_folder(tmp_path / "idx", take_subset(bundled_mnist(), 256, 64), gz=True)
    out = tmp_path / "run"
    # As from a terminal: a suite run in the background (`cmd &` in a script) ignores
    # SIGINT, and that would be inherited; the child starts with the default instead.
    default_sigint = ("import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
                      "os.execv(sys.argv[1], sys.argv[1:])")
    proc = subprocess.Popen(
        [sys.executable, "-c", default_sigint, STUDIO, "train", "cnn",
         "--data", str(tmp_path / "idx"), "--epochs", "200", "--batch-size", "64",
         "--device", "cpu", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "cnn.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (out / "cnn.json").exists(), "no checkpoint within 120 s"
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stderr
    assert "last checkpoint" in stderr and "Traceback" not in stderr
    assert load_checkpoint(out / "cnn.safetensors").info.epoch >= 1
    assert sorted(os.listdir(out)) == ["cnn.json", "cnn.safetensors"]  # no temp files


def test_evaluate_json_reports_every_figure() -> None:
    result = studio("evaluate", "--json", "--wild", "60", "--wild-numbers", "12", "--strokes", "2",
                    timeout=300)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["classifier"]["accuracy"] >= 0.985
    wild = report["wild"]  # 60 per condition here; the closing notes give the full 500
    assert set(wild) == {"clean", "photo", "ruled", "coloured_ink", "low_resolution", "blur"}
    assert all(w["n"] == 60 and w["accuracy"] >= 0.9 for w in wild.values()), wild
    numbers = report["wild_numbers"]  # 12 per condition here; the closing notes give 200
    assert set(numbers) == set(wild)
    assert all(0.0 <= v <= 1.0 for row in numbers.values() for v in row.values()), numbers
    assert report["vae"]["class_fidelity"] >= 0.9
    assert report["gan"]["class_fidelity"] >= 0.9
    assert report["vae"]["neg_elbo"] > 0
    assert report["gan"]["fid"] > report["gan"]["fid_floor"] > 0
    assert set(report["strokes"]) == {"strokes-lstm", "strokes-transformer"}  # 2 per digit here


def test_a_project_path_alone_opens_the_window_with_it(monkeypatch, tmp_path):
    from pathlib import Path

    from studio import cli, commands

    opened = []
    monkeypatch.setattr(commands, "launch_gui", lambda project=None: opened.append(project) or 0)
    assert cli.main([str(tmp_path / "work.lstudio")]) == 0
    assert cli.main([]) == 0
    assert opened == [Path(tmp_path / "work.lstudio"), None]


def test_start_up_can_be_timed_from_outside_through_the_environment(monkeypatch):
    from studio import commands
    from studio.qt.shell import app

    asked = []
    monkeypatch.setattr(app, "run", lambda project=None, quit_after=None:
                        asked.append(quit_after) or 0)
    for value in ("first-paint", "models", "rm -rf", ""):
        monkeypatch.setenv("STUDIO_QUIT_AFTER", value)
        assert commands.launch_gui() == 0
    assert asked == ["first-paint", "models", None, None]
