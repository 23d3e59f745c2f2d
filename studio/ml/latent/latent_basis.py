"""Slider directions for the latent explorer: GANSpace for the GAN, ranked axes for the VAE.

A GAN's latent axes are entangled: nudging z[7] changes slant, width and stroke at once,
and most of the 32 axes do next to nothing. GANSpace (Härkönen et al., 2020) finds the
directions that matter by PCA of an early activation over many samples and regresses
them back into z. We then order them by how much they visibly change the image and
orthonormalize, so the sliders are a rotation of z: every z has slider coordinates and
back exactly, and N(0, I) latents have N(0, I) coordinates, so +-3 on any slider is
+-3 sigma. The VAE's KL term already pushes its axes towards independent factors, so
its sliders are its own axes, ranked by effect (unused dims sink to the end).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from studio.ml.atomic_files import write_atomically
from studio.ml.errors import StudioError
from studio.ml.latent.latent_render import evaluating
from studio.ml.latent.sampling import decode
from studio.ml.models.gan import ConditionalGAN
from studio.ml.models.vae import ConditionalVAE

FORMAT = "latent-studio-basis/1"
log = logging.getLogger("studio")
EFFECT_POINTS = 24  # sampled latents at which each direction's effect is measured
EFFECT_CHUNK = 2048  # images decoded per batch while measuring effects


@dataclass(frozen=True)
class LatentBasis:
    directions: torch.Tensor  # [d, d] float32, orthonormal columns: column k is slider k in z
    effect: torch.Tensor  # [d] float32, mean |pixel change| per unit step, descending
    labels: tuple[str, ...]  # slider names: "PC1".. (GAN), "z5" (VAE, original axis)

    def to_z(self, coords: torch.Tensor) -> torch.Tensor:
        """[..., d] slider coordinates -> [..., d] latent."""
        return coords @ self.directions.T.to(coords.device, coords.dtype)

    def to_coords(self, z: torch.Tensor) -> torch.Tensor:
        """[..., d] latent -> [..., d] slider coordinates (exact inverse: D is orthogonal)."""
        return z @ self.directions.to(z.device, z.dtype)


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


def _draws(model: ConditionalGAN | ConditionalVAE, n: int, seed: int
           ) -> tuple[torch.Tensor, torch.Tensor]:
    """n latents z ~ N(0, I) [n, d] and uniform labels [n], from a seeded CPU generator."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    z = torch.randn(n, model.config.latent_dim, generator=g)
    y = torch.randint(model.config.num_classes, (n,), generator=g)
    return z.to(_device(model)), y.to(_device(model))


@torch.no_grad()
def _effects(model: ConditionalGAN | ConditionalVAE, directions: torch.Tensor,
             seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean |pixel change| per unit step along each column [d], and the mean ink change [d].

    Every direction is measured at the same sampled points (common random numbers), so
    the ranking is not decided by which points a direction happened to get.
    """
    d = directions.shape[1]
    z, y = _draws(model, EFFECT_POINTS, seed)  # [P, d], [P]
    step = directions.T.to(z)  # [d, d], row k = direction k
    zs = torch.cat([z[:, None] + step[None], z[:, None] - step[None]])  # [2P, d, d]
    ys = y.repeat(2)[:, None].expand(-1, d)  # [2P, d]
    flat_z, flat_y = zs.reshape(-1, d), ys.reshape(-1)
    images = torch.cat([decode(model, flat_z[i:i + EFFECT_CHUNK], flat_y[i:i + EFFECT_CHUNK])
                        for i in range(0, len(flat_z), EFFECT_CHUNK)])  # [2P*d, 1, 28, 28]
    plus, minus = images.view(2, EFFECT_POINTS, d, -1).unbind(0)  # [P, d, 784] each
    change = (plus - minus).abs().mean(dim=(0, 2)) / 2  # [d], per unit step
    ink = (plus - minus).mean(dim=(0, 2))  # [d], > 0 when the + side has more ink
    return change.float().cpu(), ink.float().cpu()


def _ranked(model: ConditionalGAN | ConditionalVAE, directions: torch.Tensor,
            seed: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Columns sorted by effect, descending: (directions, effect, ink change), all permuted."""
    effect, ink = _effects(model, directions, seed)
    order = torch.argsort(effect, descending=True, stable=True)
    return directions[:, order], effect[order], ink[order]


def gan_basis(gan: ConditionalGAN, samples: int = 4096, seed: int = 0) -> LatentBasis:
    """GANSpace directions in z for `gan`'s generator, ranked by visible effect."""
    d, k = gan.config.latent_dim, gan.config.num_classes
    with torch.no_grad(), evaluating(gan):
        z, y = _draws(gan, samples, seed)  # [N, d], [N]
        h = gan.generator.hidden(z, y)  # [N, F], F = 2w*49
        # Per-class centring: PCA then sees how digits are written, not which digit it is.
        sums = torch.zeros(k, h.shape[1], dtype=h.dtype, device=h.device).index_add_(0, y, h)
        counts = torch.bincount(y, minlength=k).clamp(min=1).to(h)  # [K]
        h -= (sums / counts[:, None])[y]
        # Top-d principal axes V [F, d] by randomized SVD (Halko et al.): a fraction of the
        # cost of a full SVD of [N, F], and only d axes are wanted.
        _, _, v = torch.pca_lowrank(h, q=min(d + 8, *h.shape), center=False, niter=4)
        x = (h @ v[:, :d]).double()  # [N, d] PCA coordinates
        # Regress z on the coordinates: z ~ x @ U, row i of U [d, d] is component i in z.
        u = torch.linalg.lstsq(x, z.double()).solution  # [d, d]
        raw = (u / u.norm(dim=1, keepdim=True).clamp(min=1e-12)).T.float()  # [d, d], columns
        # Rank, then make orthonormal in that order (Gram-Schmidt via QR, diag(R) > 0) so
        # the strongest directions keep their exact shape and later ones give way.
        raw, _, _ = _ranked(gan, raw, seed + 1)
        q, r = torch.linalg.qr(raw.double())
        q = (q * torch.sign(torch.diagonal(r)).where(torch.diagonal(r) != 0, 1.0)).float()
        # Orthogonalizing moved the later columns: measure again and re-rank (a column
        # permutation keeps the basis orthonormal). Then a readable sign: + adds ink.
        q, effect, ink = _ranked(gan, q, seed + 1)
        q = q * torch.where(ink < 0, -1.0, 1.0)
    return LatentBasis(q.cpu().contiguous(), effect,
                       tuple(f"PC{i + 1}" for i in range(d)))


def vae_basis(vae: ConditionalVAE, samples: int = 512, seed: int = 0) -> LatentBasis:
    """The VAE's own axes, one slider each, ordered by decoder effect (labels keep the axis).

    `samples` is the number of sampled latents at which each axis is stepped.
    """
    d = vae.config.latent_dim
    eye = torch.eye(d)
    with torch.no_grad(), evaluating(vae):
        z, y = _draws(vae, samples, seed)  # [P, d], [P]
        change = torch.zeros(d)
        for i in range(d):  # one axis at a time keeps memory at 2P images
            step = eye[i].to(z)
            images = decode(vae, torch.cat([z + step, z - step]), y.repeat(2))  # [2P, 1, 28, 28]
            plus, minus = images.chunk(2)
            change[i] = (plus - minus).abs().mean().item() / 2
    order = torch.argsort(change, descending=True, stable=True)
    return LatentBasis(eye[:, order].contiguous(), change[order].contiguous(),
                       tuple(f"z{int(i)}" for i in order))


def save_basis(basis: LatentBasis, path: Path, sha256: str = "") -> None:
    """Write `basis` as safetensors (labels and the weights' sha256 in the metadata), atomically."""
    data = save({"directions": basis.directions.detach().float().cpu().contiguous(),
                 "effect": basis.effect.detach().float().cpu().contiguous()},
                metadata={"format": FORMAT, "labels": json.dumps(list(basis.labels)),
                          "sha256": sha256})
    write_atomically(Path(path), data)


def load_basis(path: Path, latent_dim: int, sha256: str | None = None) -> LatentBasis:
    """The basis at `path` for a `latent_dim` model; StudioError naming the file if unusable.

    With `sha256`, the basis must also say it was computed for the weights with that
    hash (a basis shipped beside a checkpoint is only its own if the hashes agree).
    """
    path = Path(path)
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            names = set(f.keys())
            if names != {"directions", "effect"}:
                raise ValueError(f"expected tensors 'directions' and 'effect', found "
                                 f"{sorted(names)}")
            directions = f.get_tensor("directions").clone()
            effect = f.get_tensor("effect").clone()
        if meta.get("format") != FORMAT:
            raise ValueError(f"not a latent basis (format {meta.get('format')!r})")
        if sha256 is not None and meta.get("sha256") != sha256:
            raise ValueError("computed for other weights")
        labels = json.loads(meta.get("labels", "null"))
    except FileNotFoundError as e:
        raise StudioError(f"{path}: no such file") from e
    except (OSError, SafetensorError, ValueError, RuntimeError) as e:
        raise StudioError(f"{path}: not a readable latent basis ({e})") from e
    d = latent_dim
    if directions.dtype != torch.float32 or tuple(directions.shape) != (d, d):
        raise StudioError(f"{path}: directions are {directions.dtype} "
                          f"{tuple(directions.shape)}, expected float32 ({d}, {d})")
    if effect.dtype != torch.float32 or tuple(effect.shape) != (d,):
        raise StudioError(f"{path}: effect is {effect.dtype} {tuple(effect.shape)}, "
                          f"expected float32 ({d},)")
    if not (isinstance(labels, list) and len(labels) == d
            and all(isinstance(s, str) and len(s) <= 100 for s in labels)):
        raise StudioError(f"{path}: expected {d} slider labels in the metadata")
    if not (torch.isfinite(directions).all() and torch.isfinite(effect).all()):
        raise StudioError(f"{path}: holds non-finite values")
    error = (directions.T.double() @ directions.double() - torch.eye(d, dtype=torch.float64))
    if error.abs().max() > 1e-4:
        raise StudioError(f"{path}: the directions are not orthonormal")
    return LatentBasis(directions, effect, tuple(labels))


def basis_beside(checkpoint: Path) -> Path:
    """Where a shipped generator keeps its basis: gan.safetensors -> gan.directions.safetensors."""
    return checkpoint.with_name(f"{checkpoint.stem}.directions.safetensors")


def keep_basis_beside(checkpoint: Path) -> Path:
    """Compute the basis of the generator at `checkpoint` and write it beside the file.

    For generators that ship (`studio train gan|vae --out resources/models`), so the
    explorer's first start computes nothing.
    """
    from studio.ml.models.checkpoints import load_checkpoint

    loaded = load_checkpoint(checkpoint, device="cpu")
    if loaded.info.kind not in ("gan", "vae"):
        raise StudioError(f"{checkpoint}: a {loaded.info.kind} checkpoint has no latent basis")
    basis = gan_basis(loaded.model) if loaded.info.kind == "gan" else vae_basis(loaded.model)
    save_basis(basis, basis_beside(Path(checkpoint)), loaded.info.sha256)
    return basis_beside(Path(checkpoint))


def basis_for(model: ConditionalGAN | ConditionalVAE, kind: str, sha256: str,
              checkpoint: Path, cache_dir: Path | None) -> LatentBasis:
    """The generator's basis: shipped beside its checkpoint, else cached in `cache_dir`
    by the weights' sha256, else computed now (seconds) and cached for the next load.

    A kept file that is damaged or made for other weights is logged and ignored: it
    costs a recomputation, never wrong sliders.
    """
    cached = cache_dir / f"{kind}-{sha256[:24]}.safetensors" if cache_dir else None
    for place, wanted in ((basis_beside(checkpoint), sha256), (cached, None)):
        if place is not None and place.exists():
            try:
                return load_basis(place, model.config.latent_dim, wanted)
            except StudioError as e:
                log.warning("ignoring the kept directions: %s", e)
    basis = gan_basis(model) if kind == "gan" else vae_basis(model)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            save_basis(basis, cached, sha256)
        except (OSError, StudioError) as e:
            log.warning("could not cache the directions: %s", e)
    return basis
