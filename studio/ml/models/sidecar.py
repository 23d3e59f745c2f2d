"""A checkpoint's JSON sidecar, declared once (CheckpointInfo) and read without torch.

The model library lists checkpoints on the GUI thread, where torch must not be
imported, and checkpoints.read_info checks the same file before loading weights:
both start here, so a sidecar is judged the same way everywhere, and save_checkpoint
writes it through the same declaration. Every field is checked where it is parsed (a
hostile sidecar once showed "epoch 10^30" and "nan% acc" in the library), and the
config's bounds live here, torch-free, for model_kinds.config_from_dict to share.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import msgspec

import studio
from studio.ml.errors import StudioError
from studio.ml.records import Sha256, convert, parse_json, text, whole

FORMAT = "latent-studio-checkpoint/1"
KIND_NAMES = ("cnn", "vae", "gan", "strokes-lstm", "strokes-transformer")
# The config dataclasses' fields (classifier.py, vae.py, gan.py import torch, so they are
# named again here; tests/ml/models/test_sidecar.py keeps the two lists the same).
CONFIG_FIELDS: dict[str, dict[str, type]] = {
    "cnn": {"num_classes": int, "width": int, "dropout": float},
    "vae": {"latent_dim": int, "num_classes": int, "width": int, "hidden": int},
    "gan": {"latent_dim": int, "num_classes": int, "width": int},
    "strokes-lstm": {"num_classes": int, "hidden": int, "layers": int, "embed": int,
                     "mixtures": int, "max_points": int, "offset_scale": float, "dropout": float},
    "strokes-transformer": {"num_classes": int, "width": int, "layers": int, "heads": int,
                            "mixtures": int, "max_points": int, "offset_scale": float,
                            "dropout": float},
}
# Real-valued config fields are rates in 0..0.99 (dropout), except these, in pixels.
FLOAT_BOUNDS = {"offset_scale": (0.01, 100.0)}
MAX_SIZE = 4096  # no config field of ours is near this; larger ones are typos or attacks
MAX_EPOCH = 1_000_000
FRACTIONS = ("accuracy", "class_fidelity")  # metrics that are shares, shown as percents
MAX_METRIC = 1e12  # losses, NELBO and FID are far below; larger is not a measurement
MAX_SIDECAR_BYTES = 1 << 20  # ours are under 1 KB


class CheckpointInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the weights beside it are; constructing or parsing one checks every field."""

    kind: Literal["cnn", "vae", "gan", "strokes-lstm", "strokes-transformer"]
    config: dict[text(64, 1), Any]  # checked against CONFIG_FIELDS[kind], naming the key
    dataset: text(4096) = ""
    seed: whole(-(2**63), 2**63 - 1) = 0
    epoch: whole(0, MAX_EPOCH) = 0
    metrics: dict[text(64, 1), Any] = msgspec.field(default_factory=dict)  # name -> number
    created: text(64) = ""
    version: text(64) = studio.__version__
    sha256: Sha256  # of the weights file
    format: Literal["latent-studio-checkpoint/1"] = FORMAT

    def __post_init__(self) -> None:
        # Checked here rather than by the annotation so that the message names the key
        # (msgspec's path for a dict value reads "metrics[...]").
        check_config(self.kind, self.config, CONFIG_FIELDS[self.kind])
        for name, value in self.metrics.items():
            low, high = (0, 1) if name in FRACTIONS else (-MAX_METRIC, MAX_METRIC)
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or not low <= value <= high:  # NaN fails this too
                raise ValueError(f"metric {name!r} must be a finite number from {low:g} to "
                                 f"{high:g}, got {value!r:.40}")


def check_config(kind: str, values: dict[str, Any], fields: dict[str, type]) -> None:
    """Whole numbers stay whole and sizes sane, so a bad config is refused before any
    tensor is allocated; ValueError names the offending field."""
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown {kind} config field {unknown[0]!r}")
    for key, value in values.items():
        whole_number = fields[key] is int
        if isinstance(value, bool) or not isinstance(value, int if whole_number else int | float):
            wanted = "a whole number" if whole_number else "a number"
            raise ValueError(f"{kind} config field {key!r} must be {wanted}, got {value!r}")
        low, high = (1, MAX_SIZE) if whole_number else FLOAT_BOUNDS.get(key, (0.0, 0.99))
        if not low <= value <= high:  # NaN fails this too
            raise ValueError(f"{kind} config field {key!r} must be between {low} and {high}, "
                             f"got {value!r}")


def read_sidecar(weights: Path, error: type[StudioError] = StudioError) -> CheckpointInfo:
    """The sidecar of `weights` (.safetensors), every field checked; `error` (naming the
    file and the problem) otherwise."""
    sidecar = weights.with_suffix(".json")
    if not weights.exists():
        raise error(f"{weights}: no such checkpoint file")
    if not sidecar.exists():
        raise error(f"{weights}: its sidecar {sidecar.name} is missing, so the studio "
                    f"cannot tell what model these weights belong to")
    try:
        if sidecar.stat().st_size > MAX_SIDECAR_BYTES:
            raise ValueError(f"larger than {MAX_SIDECAR_BYTES} bytes")
        return read_sidecar_text(sidecar.read_bytes())
    except OSError as e:
        raise error(f"{sidecar}: cannot read ({e.strerror or e})") from e
    except ValueError as e:
        raise error(f"{sidecar}: {e}") from e


def read_sidecar_text(data: bytes | str) -> CheckpointInfo:
    """Parse a sidecar's text; ValueError says what is wrong and where."""
    raw = parse_json(data)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ValueError(f"not a Latent Studio checkpoint sidecar (its format is not {FORMAT!r})")
    if raw.get("kind") not in KIND_NAMES:
        raise ValueError(f"unknown model kind {raw.get('kind')!r:.40}; expected one of "
                         f"{', '.join(KIND_NAMES)}")
    return convert(raw, CheckpointInfo)
