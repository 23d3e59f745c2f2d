"""Checkpoints: safetensors + JSON sidecar round trips, refusals and atomic writes."""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import json
import os
import pickle
import re
from datetime import datetime
from pathlib import Path

import pytest
import torch

import studio
from studio.ml.errors import CheckpointError, StudioError
from studio.ml.models.checkpoints import load_checkpoint, read_info, save_checkpoint
from studio.ml.models.model_kinds import KINDS, build_model

KIND_NAMES = ["cnn", "vae", "gan"]
# Tiny models on a busy 2-core machine: two OpenMP threads only contend.
pytestmark = pytest.mark.usefixtures("one_torch_thread")

SIDECAR_FIELDS = {"kind", "config", "dataset", "metrics", "seed", "created", "version", "sha256"}


# --- helpers -----------------------------------------------------------------------


def trained_looking(kind: str, seed: int = 0) -> torch.nn.Module:
    """A model whose buffers (BatchNorm statistics, spectral-norm vectors) are no longer
    at their initial values, so that a round trip has to carry buffers as well as
    parameters to reproduce the outputs."""
    torch.manual_seed(seed)
    model = build_model(kind)
    x = torch.rand(16, 1, 28, 28)
    y = torch.arange(16) % 10
    model.train()
    with torch.no_grad():
        for _ in range(3):
            if kind == "cnn":
                model(x)
            elif kind == "vae":
                model(x, y)
            else:
                model.generator(torch.randn(16, model.config.latent_dim), y)
                model.discriminator(x, y)
    return model.eval()


@torch.no_grad()
def outputs(kind: str, model: torch.nn.Module) -> list[torch.Tensor]:
    """Deterministic outputs of an eval-mode model on fixed inputs."""
    g = torch.Generator().manual_seed(123)
    x = torch.rand(6, 1, 28, 28, generator=g)
    y = torch.tensor([0, 1, 2, 7, 8, 9])
    if kind == "cnn":
        return [model(x), model.features(x)]
    z = torch.randn(6, model.config.latent_dim, generator=g)
    if kind == "vae":
        return [*model.encode(x, y), model.decode(z, y)]
    return [model.generator(z, y), model.discriminator(x, y)]


def save(tmp_path: Path, kind: str = "cnn", name: str = "model.safetensors", seed: int = 0,
         **kwargs: object) -> tuple[Path, torch.nn.Module]:
    model = trained_looking(kind, seed)
    args = {"dataset": "bundled", "seed": seed, "epoch": 3, "metrics": {"accuracy": 0.5}}
    args.update(kwargs)
    path = save_checkpoint(tmp_path / name, model, kind=kind, **args)
    return path, model


def edit_sidecar(path: Path, **changes: object) -> dict:
    sidecar = path.with_suffix(".json")
    raw = json.loads(sidecar.read_text())
    raw.update(changes)
    sidecar.write_text(json.dumps(raw))
    return raw


def hidden_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# --- round trips ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_round_trip_gives_identical_outputs(tmp_path, kind):
    path, model = save(tmp_path, kind)
    assert path == tmp_path / "model.safetensors"
    loaded = load_checkpoint(path, expected_kind=kind)
    assert loaded.path == path
    assert not loaded.model.training, "loaded models come back in eval mode"
    assert type(loaded.model) is type(model)
    assert loaded.model.config == model.config

    before, after = model.state_dict(), loaded.model.state_dict()
    assert before.keys() == after.keys()
    for name in before:
        assert torch.equal(before[name], after[name]), name
    for a, b in zip(outputs(kind, model), outputs(kind, loaded.model), strict=True):
        assert torch.equal(a, b)
    # ...and the outputs are not those of a freshly initialised model
    fresh = build_model(kind).eval()
    assert not torch.equal(outputs(kind, fresh)[0], outputs(kind, model)[0])


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_sidecar_describes_the_weights(tmp_path, kind):
    path, model = save(tmp_path, kind, dataset="/data/my-digits", seed=7, epoch=5,
                       metrics={"neg_elbo": 101.5})
    sidecar = path.with_suffix(".json")
    raw = json.loads(sidecar.read_text(encoding="utf-8"))
    assert raw.keys() >= SIDECAR_FIELDS
    assert raw["kind"] == kind
    assert raw["config"] == dataclasses.asdict(model.config)
    assert raw["dataset"] == "/data/my-digits"
    assert raw["seed"] == 7
    assert raw["epoch"] == 5
    assert raw["metrics"] == {"neg_elbo": 101.5}
    assert raw["version"] == studio.__version__
    assert raw["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    created = datetime.fromisoformat(raw["created"])
    assert created.tzinfo is not None, "created carries its time zone"

    info = read_info(path)
    assert (info.kind, info.dataset, info.seed, info.epoch) == (kind, "/data/my-digits", 7, 5)
    assert info.sha256 == raw["sha256"]


def test_loading_through_the_sidecar_path(tmp_path):
    path, model = save(tmp_path, "vae")
    loaded = load_checkpoint(path.with_suffix(".json"))
    assert loaded.path == path
    assert loaded.info.kind == "vae"
    for a, b in zip(outputs("vae", model), outputs("vae", loaded.model), strict=True):
        assert torch.equal(a, b)


def test_a_later_save_replaces_the_pair(tmp_path):
    path, _ = save(tmp_path, "cnn", seed=0)
    _, second = save(tmp_path, "cnn", seed=1, epoch=4)
    loaded = load_checkpoint(path)
    assert loaded.info.epoch == 4
    assert torch.equal(outputs("cnn", loaded.model)[0], outputs("cnn", second)[0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.safetensors"]


def test_saved_files_are_world_readable(tmp_path):
    path, _ = save(tmp_path)
    for file in (path, path.with_suffix(".json")):
        assert file.stat().st_mode & 0o044 == 0o044, oct(file.stat().st_mode)


# --- never pickle ----------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".pkl", ".ckpt"])
def test_refuses_pickle_based_files(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    torch.save(build_model("cnn").state_dict(), path)  # a real pickle-based checkpoint
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert "pickle" in message.lower()
    with pytest.raises(CheckpointError, match="pickle"):
        read_info(path)


def test_loading_never_unpickles(tmp_path, monkeypatch):
    path, model = save(tmp_path, "gan")
    bad = tmp_path / "other.pt"
    torch.save({"x": torch.zeros(1)}, bad)

    def forbidden(*args, **kwargs):
        raise AssertionError("unpickling was attempted")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    monkeypatch.setattr(torch.serialization, "load", forbidden)

    loaded = load_checkpoint(path, expected_kind="gan")
    assert torch.equal(outputs("gan", model)[0], outputs("gan", loaded.model)[0])
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(bad)


# --- broken pairs -----------------------------------------------------------------------


def test_missing_sidecar(tmp_path):
    path, _ = save(tmp_path)
    path.with_suffix(".json").unlink()
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    assert str(path) in str(excinfo.value)
    assert "sidecar" in str(excinfo.value)
    assert "model.json" in str(excinfo.value)


def test_missing_weights(tmp_path):
    path, _ = save(tmp_path)
    path.unlink()
    with pytest.raises(CheckpointError, match=re.escape(str(path))):
        load_checkpoint(path.with_suffix(".json"))


@pytest.mark.parametrize("text", ["{not json", "", "\xff\xfe", "[1, 2]", '"a string"'])
def test_corrupt_sidecar(tmp_path, text):
    path, _ = save(tmp_path)
    sidecar = path.with_suffix(".json")
    sidecar.write_bytes(text.encode("latin-1"))
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    assert str(sidecar) in str(excinfo.value)


def test_sidecar_of_another_program(tmp_path):
    path, _ = save(tmp_path)
    path.with_suffix(".json").write_text(json.dumps({"name": "something else"}))
    with pytest.raises(CheckpointError, match="not a Latent Studio checkpoint"):
        load_checkpoint(path)


def test_sidecar_of_unknown_kind(tmp_path):
    path, _ = save(tmp_path)
    edit_sidecar(path, kind="transformer")
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    message = str(excinfo.value)
    assert "transformer" in message
    assert str(path.with_suffix(".json")) in message
    assert all(kind in message for kind in KIND_NAMES), "the message lists the known kinds"


def test_sha256_mismatch(tmp_path):
    path, _ = save(tmp_path)
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 0xFF  # one flipped byte in the last tensor's data
    path.write_bytes(bytes(blob))
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    assert "sha256" in str(excinfo.value)
    assert str(path) in str(excinfo.value)


@pytest.mark.parametrize("how", ["empty", "garbage", "truncated", "header only"])
def test_invalid_safetensors_with_matching_sha(tmp_path, how):
    path, _ = save(tmp_path)
    good = path.read_bytes()
    bad = {
        "empty": b"",
        "garbage": b"\x00garbage!" * 50,
        "truncated": good[: len(good) // 2],
        "header only": good[:200],
    }[how]
    path.write_bytes(bad)
    edit_sidecar(path, sha256=hashlib.sha256(bad).hexdigest())
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    assert str(path) in str(excinfo.value)
    assert "safetensors" in str(excinfo.value)


def test_wrong_expected_kind(tmp_path):
    path, _ = save(tmp_path, "cnn")
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path, expected_kind="vae")
    message = str(excinfo.value)
    assert str(path) in message
    assert KINDS["cnn"].title in message and KINDS["vae"].title in message
    assert load_checkpoint(path, expected_kind="cnn").info.kind == "cnn"


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("cnn", "width", 16),
    ("cnn", "num_classes", 26),
    ("vae", "hidden", 128),
    ("gan", "latent_dim", 8),
])
def test_config_that_does_not_fit_the_tensors(tmp_path, kind, field, value):
    path, model = save(tmp_path, kind)
    config = dataclasses.asdict(model.config) | {field: value}
    edit_sidecar(path, config=config)
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    message = str(excinfo.value)
    assert str(path) in message
    m = re.search(r"tensor '([^']+)' has shape \(([\d, ]*)\).* needs \(([\d, ]*)\)", message)
    assert m, message
    name, saved_shape, wanted_shape = m.groups()
    assert f"({saved_shape})" == str(tuple(model.state_dict()[name].shape))
    rebuilt = build_model(kind, type(model.config)(**config))
    assert f"({wanted_shape})" == str(tuple(rebuilt.state_dict()[name].shape))


def test_unknown_config_field(tmp_path):
    path, model = save(tmp_path, "vae")
    edit_sidecar(path, config=dataclasses.asdict(model.config) | {"depth": 3})
    with pytest.raises(CheckpointError) as excinfo:
        load_checkpoint(path)
    assert "depth" in str(excinfo.value)
    assert str(path.with_suffix(".json")) in str(excinfo.value)


@pytest.mark.parametrize("value", ["wide", -4, True, None])
def test_config_value_that_is_not_a_count(tmp_path, value):
    path, model = save(tmp_path, "cnn")
    edit_sidecar(path, config=dataclasses.asdict(model.config) | {"width": value})
    with pytest.raises(CheckpointError, match="width"):
        load_checkpoint(path)


@pytest.mark.parametrize("edit", [
    {"config": {"num_classes": 10, "width": 32.5, "dropout": 0.2}},
    {"config": {"num_classes": 10, "width": 32, "dropout": 5.0}},
    {"config": []},
    {"kind": ["cnn"]},
])
def test_sidecar_values_that_cannot_build_a_model(tmp_path, edit):
    path, _ = save(tmp_path, "cnn")
    edit_sidecar(path, **edit)
    with pytest.raises(CheckpointError):
        load_checkpoint(path)


# --- atomic writes ------------------------------------------------------------------------


def test_failed_weights_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path, first = save(tmp_path, "cnn", seed=0, epoch=1)

    def disk_full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises((OSError, StudioError)):
        save(tmp_path, "cnn", seed=1, epoch=2)
    monkeypatch.undo()

    assert hidden_files(tmp_path) == [], "temporary files were left behind"
    loaded = load_checkpoint(path)
    assert loaded.info.epoch == 1
    assert torch.equal(outputs("cnn", loaded.model)[0], outputs("cnn", first)[0])


def _fail_sidecar_replace(monkeypatch):
    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(".json"):
            raise OSError(errno.EIO, "Input/output error")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


def test_failed_sidecar_write_leaves_no_temporary_files(tmp_path, monkeypatch):
    save(tmp_path, "cnn", seed=0, epoch=1)
    _fail_sidecar_replace(monkeypatch)
    with pytest.raises((OSError, StudioError)):
        save(tmp_path, "cnn", seed=1, epoch=2)
    monkeypatch.undo()
    assert hidden_files(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.safetensors"]


def test_failed_sidecar_write_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    path, first = save(tmp_path, "cnn", seed=0, epoch=1)
    _fail_sidecar_replace(monkeypatch)
    with pytest.raises((OSError, StudioError)):
        save(tmp_path, "cnn", seed=1, epoch=2)
    monkeypatch.undo()
    loaded = load_checkpoint(path)
    assert loaded.info.epoch == 1
    assert torch.equal(outputs("cnn", loaded.model)[0], outputs("cnn", first)[0])


def test_crash_between_the_two_renames_still_loads_the_previous_checkpoint(tmp_path,
                                                                          monkeypatch):
    """A process that dies after the weights rename but before the sidecar rename leaves
    new weights beside the old sidecar, plus the kept link to the old weights."""
    path, first = save(tmp_path, "cnn", seed=0, epoch=1)

    class Died(BaseException):
        pass

    real_replace = os.replace

    def replace(src, dst, *args, **kwargs):
        if str(dst).endswith(".json") or str(src).endswith(".previous"):
            raise Died  # like SIGKILL: neither the sidecar rename nor the rollback happens
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(Path, "unlink", lambda self, missing_ok=False: None)
    with pytest.raises(Died):
        save(tmp_path, "cnn", seed=1, epoch=2)
    monkeypatch.undo()
    loaded = load_checkpoint(path)
    assert loaded.info.epoch == 1
    assert torch.equal(outputs("cnn", loaded.model)[0], outputs("cnn", first)[0])


def test_save_without_hard_links_still_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    """On file systems without hard links (FAT, some network shares) the old weights are
    kept by copying, and a failed sidecar write still rolls back to them."""
    path, first = save(tmp_path, "cnn", seed=0, epoch=1)

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    _fail_sidecar_replace(monkeypatch)
    with pytest.raises(StudioError):
        save(tmp_path, "cnn", seed=1, epoch=2)
    monkeypatch.undo()
    assert hidden_files(tmp_path) == []
    loaded = load_checkpoint(path)
    assert loaded.info.epoch == 1
    assert torch.equal(outputs("cnn", loaded.model)[0], outputs("cnn", first)[0])
