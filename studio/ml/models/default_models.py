"""The default models that ship in resources/models, used until the user trains their own.

torch is imported only when a model is loaded, so the window can ask where the
defaults are before torch is imported.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

    from studio.ml.models.checkpoints import Checkpoint


def default_model_path(kind: str) -> Path:
    """resources/models/<kind>.safetensors (kind: cnn, vae or gan)."""
    return Path(str(resources.files("studio.resources") / "models" / f"{kind}.safetensors"))


def load_model(kind: str, path: Path | str | None = None,
               device: torch.device | str = "cpu") -> Checkpoint:
    """The checkpoint at `path`, or the default one of this kind when path is None."""
    from studio.ml.models.checkpoints import load_checkpoint

    return load_checkpoint(path if path is not None else default_model_path(kind),
                           expected_kind=kind, device=device)
