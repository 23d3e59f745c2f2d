"""Points and paths in slider coordinates: random draws, morphs between keyframes, 2-D maps.

Plain numpy (float32) on slider coordinates. The sliders are an orthonormal rotation of
z (see latent_basis), so a standard normal in coordinates is a standard normal in z,
and everything here that respects the Gaussian (truncation, slerp) means the same in
either space.
"""

from __future__ import annotations

import numpy as np

MAX_REDRAWS = 10_000  # truncation rounds before the stragglers are clipped instead


def random_coords(dim: int, seed: int, spread: float = 1.0, truncate: bool = False) -> np.ndarray:
    """[dim] float32 draws from np.random.default_rng(seed).

    truncate=False: N(0, spread^2), the VAE's temperature. truncate=True: the GAN's
    truncation trick (Brock et al., 2019): N(0, 1) values outside [-spread, spread] are
    redrawn until inside, trading variety for cleaner samples (spread = psi, e.g. 0.7).
    """
    if dim < 0:
        raise ValueError(f"dim must be >= 0, got {dim}")
    if not spread > 0:
        raise ValueError(f"spread must be > 0, got {spread}")
    rng = np.random.default_rng(seed)
    if not truncate:
        return (spread * rng.standard_normal(dim)).astype(np.float32)
    v = rng.standard_normal(dim)
    for _ in range(MAX_REDRAWS):  # a tiny psi accepts rarely; don't loop forever
        outside = np.abs(v) > spread
        if not outside.any():
            break
        v[outside] = rng.standard_normal(int(outside.sum()))
    return np.clip(v, -spread, spread).astype(np.float32)


def slerp(a: np.ndarray, b: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """Spherical interpolation from a (t=0) to b (t=1): [d] for scalar t, [F, d] for t [F].

    A straight line between two Gaussian latents cuts through the low-norm middle of
    the distribution, where samples look washed out; slerp follows the shell where
    high-dimensional Gaussian samples live (White, 2016). It falls back to a straight
    line when the two are (anti)parallel or one is ~0, where the arc is undefined.
    """
    a64 = np.asarray(a, dtype=np.float64)
    b64 = np.asarray(b, dtype=np.float64)
    ts = np.asarray(t, dtype=np.float64)
    tt = ts.reshape(-1, 1)  # [F, 1]
    na, nb = np.linalg.norm(a64), np.linalg.norm(b64)
    sin_omega = 0.0
    if na > 1e-8 and nb > 1e-8:
        cos_omega = float(np.clip(a64 @ b64 / (na * nb), -1.0, 1.0))
        omega = float(np.arccos(cos_omega))
        sin_omega = float(np.sin(omega))
    if sin_omega > 1e-6:
        out = (np.sin((1.0 - tt) * omega) * a64 + np.sin(tt * omega) * b64) / sin_omega
    else:
        out = (1.0 - tt) * a64 + tt * b64
    out = out.astype(np.float32)  # [F, d]
    # The ends are the given points exactly, not merely to rounding.
    out[tt[:, 0] == 0.0] = np.asarray(a, dtype=np.float32)
    out[tt[:, 0] == 1.0] = np.asarray(b, dtype=np.float32)
    return out[0] if ts.ndim == 0 else out


def _smoothstep(t: np.ndarray) -> np.ndarray:
    return t * t * (3.0 - 2.0 * t)


def keyframe_path(points: np.ndarray, labels: np.ndarray, frames_per_segment: int,
                  loop: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Frames through keyframes: coords [K, d] and label weights [K, C] -> [F, d], [F, C].

    Each segment has `frames_per_segment` frames, starting exactly on its keyframe;
    coordinates follow slerp, labels cross-fade with a smoothstep so a digit change
    eases in and out. Without loop the last frame is the last keyframe (F = (K-1)n + 1);
    with loop the path returns towards the first keyframe and stops one frame short of
    it (F = K n), so playing it on repeat has no doubled frame.
    """
    points = np.asarray(points, dtype=np.float32)
    labels = np.asarray(labels, dtype=np.float32)
    if points.ndim != 2 or labels.ndim != 2 or len(points) != len(labels) or len(points) == 0:
        raise ValueError(f"expected points [K, d] and labels [K, C] with K >= 1, got "
                         f"{points.shape} and {labels.shape}")
    if frames_per_segment < 1:
        raise ValueError(f"frames_per_segment must be >= 1, got {frames_per_segment}")
    k = len(points)
    if k == 1:
        return points.copy(), labels.copy()
    n = frames_per_segment
    t = np.arange(n, dtype=np.float64) / n  # [n], 0 included, 1 excluded
    s = _smoothstep(t)[:, None]  # [n, 1]
    ends = [(i, (i + 1) % k) for i in range(k if loop else k - 1)]
    coords = [slerp(points[i], points[j], t) for i, j in ends]  # each [n, d]
    blends = [((1.0 - s) * labels[i] + s * labels[j]).astype(np.float32) for i, j in ends]
    for blend, (i, _) in zip(blends, ends, strict=True):
        blend[0] = labels[i]  # exact keyframe labels, not (1 - 0) * l + 0 * l'
    if not loop:
        coords.append(points[-1:])
        blends.append(labels[-1:])
    return np.concatenate(coords), np.concatenate(blends)


def map_coords(center: np.ndarray, axis_a: int, axis_b: int, size: int = 7,
               span: float = 2.0) -> np.ndarray:
    """[size, size, d] grid around `center`: columns step axis_a, rows step axis_b.

    Both axes move by offsets from -span to +span around the centre's own values; all
    other coordinates stay as in `center`, and for odd `size` the middle cell is
    `center` exactly.
    """
    center = np.asarray(center, dtype=np.float32)
    d = center.shape[-1] if center.ndim == 1 else -1
    if d < 0 or not (0 <= axis_a < d and 0 <= axis_b < d) or axis_a == axis_b:
        raise ValueError(f"need two different axes of a [d] centre, got {axis_a}, {axis_b} "
                         f"for shape {center.shape}")
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    half = (size - 1) / 2
    offsets = span * (np.arange(size) - half) / half if size > 1 else np.zeros(1)  # [size]
    grid = np.tile(center.astype(np.float64), (size, size, 1))  # [size, size, d]
    grid[:, :, axis_a] += offsets[None, :]
    grid[:, :, axis_b] += offsets[:, None]
    return grid.astype(np.float32)


def walk_coords(center: np.ndarray, frames: int, seed: int, radius: float = 1.0,
                voices: int = 3) -> np.ndarray:
    """A smooth closed walk around `center`: [frames, d] float32, frame 0 at the center.

    Each of `voices` random orthonormal directions swings as sin(2*pi*k*t + phase) -
    sin(phase) with whole frequencies k = 1..voices, so the walk starts at the
    artist's point, wanders in a few directions at once like a slow Lissajous figure,
    and comes back exactly: the animation (and its sound) loops without a seam.
    """
    if frames < 2:
        raise ValueError(f"a walk needs at least 2 frames, got {frames}")
    center = np.asarray(center, np.float32)
    dim = center.shape[-1]
    voices = max(1, min(voices, dim))
    rng = np.random.default_rng(seed)
    directions, _ = np.linalg.qr(rng.standard_normal((dim, voices)))  # [d, voices]
    phases = rng.uniform(0, 2 * np.pi, voices)  # [voices]
    t = np.arange(frames) / frames  # [F] in [0, 1): the last frame leads back to the first
    k = np.arange(1, voices + 1)  # [voices]
    swing = np.sin(2 * np.pi * t[:, None] * k + phases) - np.sin(phases)  # [F, voices]
    return (center + radius * swing @ directions.T).astype(np.float32)  # [F, d]
