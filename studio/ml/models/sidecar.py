"""Reading a checkpoint's JSON sidecar without torch.

The model library lists checkpoints on the GUI thread, where torch must not be
imported, and checkpoints.read_info checks the same file before loading weights:
both start here, so a sidecar is judged the same way everywhere. Every field is
checked where it is parsed (a hostile sidecar once showed "epoch 10^30" and "nan%
acc" in the library), and the config's bounds live here, torch-free, for
model_kinds.config_from_dict to share.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from studio.ml.errors import StudioError

FORMAT = "latent-studio-checkpoint/1"
KIND_NAMES = ("cnn", "vae", "gan")
# The config dataclasses' fields (classifier.py, vae.py, gan.py import torch, so they are
# named again here; tests/ml/models/test_sidecar.py keeps the two lists the same).
CONFIG_FIELDS: dict[str, dict[str, type]] = {
    "cnn": {"num_classes": int, "width": int, "dropout": float},
    "vae": {"latent_dim": int, "num_classes": int, "width": int, "hidden": int},
    "gan": {"latent_dim": int, "num_classes": int, "width": int},
}
MAX_SIZE = 4096  # no config field of ours is near this; larger ones are typos or attacks
MAX_EPOCH = 1_000_000
MAX_SEED = 2**64
FRACTIONS = ("accuracy", "class_fidelity")  # metrics that are shares, shown as percents
MAX_METRIC = 1e12  # losses, NELBO and FID are far below; larger is not a measurement
SHA256 = re.compile(r"[0-9a-f]{64}")


def check_config(kind: str, values: dict[str, Any], fields: dict[str, type]) -> None:
    """Whole numbers stay whole and sizes sane, so a bad config is refused before any
    tensor is allocated; ValueError names the offending field."""
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown {kind} config field {unknown[0]!r}")
    for key, value in values.items():
        whole = fields[key] is int
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            wanted = "a whole number" if whole else "a number"
            raise ValueError(f"{kind} config field {key!r} must be {wanted}, got {value!r}")
        low, high = (1, MAX_SIZE) if whole else (0.0, 0.99)
        if not low <= value <= high:  # NaN fails this too
            raise ValueError(f"{kind} config field {key!r} must be between {low} and {high}, "
                             f"got {value!r}")


def read_sidecar(weights: Path, error: type[StudioError] = StudioError) -> dict[str, Any]:
    """The sidecar of `weights` (.safetensors) as a dict whose every field has the right
    type and a sane value; `error` (naming the file and problem) otherwise."""
    sidecar = weights.with_suffix(".json")
    if not weights.exists():
        raise error(f"{weights}: no such checkpoint file")
    if not sidecar.exists():
        raise error(f"{weights}: its sidecar {sidecar.name} is missing, so the studio "
                    f"cannot tell what model these weights belong to")
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        raise error(f"{sidecar}: not a readable JSON sidecar ({e})") from e
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise error(f"{sidecar}: not a Latent Studio checkpoint sidecar")
    try:
        check_fields(raw)
    except ValueError as e:
        raise error(f"{sidecar}: {e}") from e
    return raw


def check_fields(raw: dict[str, Any]) -> None:
    """Every field of a parsed sidecar, or ValueError naming the first bad one."""
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KIND_NAMES:
        raise ValueError(f"unknown model kind {kind!r}; expected one of {', '.join(KIND_NAMES)}")
    if not isinstance(raw.get("config"), dict) or not isinstance(raw.get("metrics", {}), dict):
        raise ValueError("'config' and 'metrics' must be JSON objects")
    check_config(kind, raw["config"], CONFIG_FIELDS[kind])
    _whole(raw, "epoch", 0, MAX_EPOCH)
    _whole(raw, "seed", -MAX_SEED, MAX_SEED)
    for key in ("dataset", "created", "version"):
        if not isinstance(raw.get(key, ""), str):
            raise ValueError(f"{key!r} must be text, got {raw[key]!r}")
    sha = raw.get("sha256", "")
    if not isinstance(sha, str) or not SHA256.fullmatch(sha):
        raise ValueError(f"'sha256' must be 64 hexadecimal digits, got {sha!r}")
    for name, value in (raw.get("metrics") or {}).items():
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or abs(value) > MAX_METRIC):
            raise ValueError(f"metric {name!r} must be a finite number, got {value!r}")
        if name in FRACTIONS and not 0 <= value <= 1:
            raise ValueError(f"metric {name!r} must be between 0 and 1, got {value!r}")


def _whole(raw: dict[str, Any], key: str, low: int, high: int) -> None:
    value = raw.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key!r} must be a whole number between {low} and {high}, "
                         f"got {value!r}")
