"""`studio train` under torchrun: 2 CPU processes on gloo, as a user starts them.

Each run is a few steps on a tiny IDX subset (the CNN and the VAE/GAN) or one large batch
of the bundled strokes; the CNN tests run in every suite, the other kinds are marked slow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from idx_writing import write_idx_folder

from studio.ml.data.dataset_loader import load_data
from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.models.checkpoints import load_checkpoint
from studio.ml.training.training_loop import default_settings, train

BIN = Path(sys.executable).parent
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "STUDIO_DIST_TIMEOUT_S": "60"}


def torchrun(nproc: int, *args: str) -> list[str]:
    return [str(BIN / "torchrun"), "--nproc-per-node", str(nproc), "--standalone",
            str(BIN / "studio"), "train", *args, "--device", "cpu"]


def run(cmd: list[str], timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=ENV)


@pytest.fixture(scope="module")
def idx(tmp_path_factory, take_subset) -> Path:
    return write_idx_folder(tmp_path_factory.mktemp("idx"), take_subset(bundled_mnist(), 512, 128))


def single_process(kind: str, idx: Path, epochs: int, batch: int) -> dict[str, float]:
    """The same recipe in one process, in this one: the reference the metrics must match."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        settings = default_settings(kind, epochs=epochs, batch_size=batch, device="cpu")
        *_, last = train(settings, load_data(idx))
    finally:
        torch.set_num_threads(before)
    return last.metrics


def test_cnn_on_two_processes_matches_one_and_resumes_on_one(tmp_path: Path, idx: Path) -> None:
    out = tmp_path / "run"
    result = run(torchrun(2, "cnn", "--data", str(idx), "--epochs", "1", "--batch-size", "64",
                          "--out", str(out)))
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("training cnn on") == 1  # rank 1 is silent
    assert "on 2 processes" in result.stderr
    ckpt = load_checkpoint(out / "cnn.safetensors", expected_kind="cnn")
    assert ckpt.info.epoch == 1 and ckpt.optimizer  # the unwrapped model's state
    assert not any(k.startswith("module.") for k in ckpt.model.state_dict())
    ref = single_process("cnn", idx, 1, 64)  # same global batch: 8 steps either way
    assert abs(ckpt.info.metrics["test_loss"] - ref["test_loss"]) < 0.1, (ckpt.info, ref)
    assert abs(ckpt.info.metrics["accuracy"] - ref["accuracy"]) < 0.15, (ckpt.info, ref)

    again = run([str(BIN / "studio"), "train", "cnn", "--data", str(idx), "--epochs", "1",
                 "--batch-size", "64", "--device", "cpu", "--resume", str(out / "cnn.safetensors"),
                 "--out", str(tmp_path / "resumed")])
    assert again.returncode == 0, again.stderr
    resumed = load_checkpoint(tmp_path / "resumed" / "cnn.safetensors", expected_kind="cnn")
    assert resumed.info.epoch == 2  # the global epoch count carries on


def test_batch_that_does_not_split_is_one_line(tmp_path: Path, idx: Path) -> None:
    result = run(torchrun(2, "cnn", "--data", str(idx), "--epochs", "1", "--batch-size", "63",
                          "--out", str(tmp_path / "run")))
    assert result.returncode != 0
    assert "does not split evenly over 2 processes" in result.stderr


def _rank_pid(parent: int, rank: int, deadline: float) -> int:
    """The pid of torchrun's worker with RANK=rank (Linux: read from /proc)."""
    while time.monotonic() < deadline:
        for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
            try:
                environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"RANK={rank}".encode() in environ:
                return int(child)
        time.sleep(0.1)
    raise AssertionError(f"no worker with RANK={rank}")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds ranks through /proc")
@pytest.mark.parametrize("how", ["dead rank", "ctrl-c"])
def test_a_dead_rank_or_ctrl_c_keeps_the_last_checkpoint(tmp_path: Path, idx: Path,
                                                         how: str) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen(torchrun(2, "cnn", "--data", str(idx), "--epochs", "200",
                                     "--batch-size", "128", "--out", str(out)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while not (out / "cnn.json").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (out / "cnn.json").exists(), "no checkpoint within 120 s"
        time.sleep(0.3)
        if how == "dead rank":
            os.kill(_rank_pid(proc.pid, 1, deadline), signal.SIGKILL)
        else:
            os.killpg(proc.pid, signal.SIGINT)  # what the terminal sends to the whole group
        _, stderr = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode != 0
    assert load_checkpoint(out / "cnn.safetensors", expected_kind="cnn").info.epoch >= 1
    assert sorted(os.listdir(out)) == ["cnn.json", "cnn.safetensors"], stderr  # no staged files


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["vae", "gan", "strokes-lstm", "strokes-transformer"])
def test_every_kind_trains_on_two_processes(tmp_path: Path, idx: Path, kind: str) -> None:
    strokes = kind.startswith("strokes")  # they read the bundled strokes: one big batch
    data, batch = ("bundled", "2048") if strokes else (str(idx), "64")
    out = tmp_path / "run"
    result = run(torchrun(2, kind, "--data", data, "--epochs", "1", "--batch-size", batch,
                          "--out", str(out)), timeout=600)
    assert result.returncode == 0, result.stderr
    ckpt = load_checkpoint(out / f"{kind}.safetensors", expected_kind=kind)
    assert ckpt.info.epoch == 1
    if kind == "vae":  # within noise of one process with the same global batch
        ref = single_process(kind, idx, 1, 64)
        assert abs(ckpt.info.metrics["neg_elbo"] - ref["neg_elbo"]) < 0.1 * ref["neg_elbo"]
    if strokes:
        ref = single_process(kind, Path("bundled"), 1, 2048)
        got, want = ckpt.info.metrics["nll_per_point"], ref["nll_per_point"]
        assert abs(got - want) < 0.1 * abs(want) + 0.2, (got, want)
