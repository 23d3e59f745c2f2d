"""A generator with its slider directions, and the frames of its paths: morphs and walks.

The window (on its pool) and `studio animate` load generators and render animation
frames with these same functions, so a video made from the command line matches the
one the Export dialog writes. Torch is imported inside the functions: the window's
start path imports `LoadedGenerator` and must not pull torch in. Coordinates are
slider values in sigmas; the generator's basis turns them into latent vectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

GENERATOR_KINDS = ("gan", "vae")
WALK_RADIUS = 0.8  # sigmas each of the walk's directions swings
CHUNK = 256  # points decoded per batch: milliseconds per hundred frames


@dataclass(frozen=True)
class LoadedGenerator:
    name: str  # what the user sees: "Default GAN" or the file name
    path: Path
    kind: str  # "gan" or "vae"
    model: Any  # ConditionalGAN or ConditionalVAE, eval mode, CPU, parameters frozen
    basis: Any  # studio.ml.latent.latent_basis.LatentBasis
    sha256: str  # identity of the weights (favorites and exports refer to it)
    num_classes: int
    latent_dim: int
    directions: np.ndarray  # [d, d] float32, basis.directions for the GUI thread (z = D @ c)

    @property
    def is_vae(self) -> bool:
        return self.kind == "vae"


def load_generator(path: Path, name: str, cache_dir: Path | None) -> LoadedGenerator:
    """The checkpoint at `path` with its basis (kept beside it, cached, or computed).

    Raises CheckpointError for a file that is not a generator.
    """
    from studio.ml.errors import CheckpointError
    from studio.ml.latent.latent_basis import basis_for
    from studio.ml.models.checkpoints import load_checkpoint, read_info
    from studio.ml.models.model_kinds import KINDS

    info = read_info(path)
    if info.kind not in GENERATOR_KINDS:
        raise CheckpointError(f"{path}: this is a {KINDS[info.kind].title} checkpoint, not a "
                              f"generator: the explorer needs a GAN or VAE checkpoint")
    checkpoint = load_checkpoint(path, expected_kind=info.kind, device="cpu")
    model = checkpoint.model
    for p in model.parameters():  # shared by live rendering, maps and repairs on the pool
        p.requires_grad_(False)
    basis = basis_for(model, info.kind, info.sha256, Path(path), cache_dir)
    return LoadedGenerator(name, Path(path), info.kind, model, basis, info.sha256,
                           model.config.num_classes, model.config.latent_dim,
                           basis.directions.numpy().astype(np.float32))


def one_hot(digits: Any, num_classes: int) -> np.ndarray:
    """Digits [N] as label weights [N, num_classes] float32."""
    return np.eye(num_classes, dtype=np.float32)[np.asarray(digits, dtype=np.int64)]


def render_points(generator: LoadedGenerator, coords: np.ndarray,
                  labels: np.ndarray) -> np.ndarray:
    """coords [N, d], label weights [N, K] -> images float32 [N, 28, 28]."""
    import torch

    from studio.ml.latent.latent_render import render_numpy

    z = generator.basis.to_z(torch.from_numpy(np.ascontiguousarray(coords, np.float32)))
    return render_numpy(generator.model, z.numpy(), np.asarray(labels, np.float32))


def render_chunked(generator: LoadedGenerator, coords: np.ndarray,
                   labels: np.ndarray) -> np.ndarray:
    """render_points in batches of CHUNK, so a long path never holds one huge batch."""
    chunks = [render_points(generator, coords[i:i + CHUNK], labels[i:i + CHUNK])
              for i in range(0, len(coords), CHUNK)]
    return np.concatenate(chunks)  # [N, 28, 28]


def morph_frames(generator: LoadedGenerator, points: np.ndarray, digits: list[int],
                 frames_per_segment: int, loop: bool) -> np.ndarray:
    """Frames of the keyframe path: slerp between points, label blends between digits.

    points [K, d] -> frames float32 [F, 28, 28].
    """
    from studio.ml.latent.latent_paths import keyframe_path

    labels = one_hot(digits, generator.num_classes)  # [K, C]
    coords, weights = keyframe_path(np.asarray(points, np.float32), labels,
                                    frames_per_segment, loop)
    return render_chunked(generator, coords, weights)


def walk_frames(generator: LoadedGenerator, center: np.ndarray, digit: int, frames: int,
                seed: int) -> np.ndarray:
    """A closed walk around `center` [d] (it comes back to its first frame): [F, 28, 28]."""
    from studio.ml.latent.latent_paths import walk_coords

    coords = walk_coords(center, frames, seed, radius=WALK_RADIUS)  # [F, d]
    return render_chunked(generator, coords, one_hot([digit] * frames, generator.num_classes))
