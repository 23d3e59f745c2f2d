"""Reading a checkpoint's JSON sidecar without torch.

The model library lists checkpoints on the GUI thread, where torch must not be
imported, and checkpoints.read_info checks the same file before loading weights:
both start here, so a sidecar is judged the same way everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from studio.ml.errors import StudioError

FORMAT = "latent-studio-checkpoint/1"
KIND_NAMES = ("cnn", "vae", "gan")


def read_sidecar(weights: Path, error: type[StudioError] = StudioError) -> dict[str, Any]:
    """The sidecar of `weights` (.safetensors) as a dict whose format, kind, config and
    metrics have the right types; `error` (naming the file and problem) otherwise."""
    sidecar = weights.with_suffix(".json")
    if not weights.exists():
        raise error(f"{weights}: no such checkpoint file")
    if not sidecar.exists():
        raise error(f"{weights}: its sidecar {sidecar.name} is missing, so the studio "
                    f"cannot tell what model these weights belong to")
    try:
        raw = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise error(f"{sidecar}: not a readable JSON sidecar ({e})") from e
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise error(f"{sidecar}: not a Latent Studio checkpoint sidecar")
    if not isinstance(raw.get("kind"), str) or raw["kind"] not in KIND_NAMES:
        raise error(f"{sidecar}: unknown model kind {raw.get('kind')!r}; "
                    f"expected one of {', '.join(KIND_NAMES)}")
    if not isinstance(raw.get("config"), dict) or not isinstance(raw.get("metrics", {}), dict):
        raise error(f"{sidecar}: 'config' and 'metrics' must be JSON objects")
    epoch = raw.get("epoch", 0)
    if isinstance(epoch, bool) or not isinstance(epoch, int):
        raise error(f"{sidecar}: 'epoch' must be a whole number")
    return raw
