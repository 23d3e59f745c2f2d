"""Ink coverage arrays turned into pictures at print size, and PNGs written safely.

Images in the studio are ink coverage [H, W] (float in [0, 1] or uint8 0..255): a
generated 28x28 digit, the canvas, a sample sheet. Exports paint that coverage in the
artist's ink over their paper (or over nothing), enlarged smoothly like the app shows
it, or crisply to keep the pixel grid for pixel-art prints.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from studio.export.provenance import ExportError, Provenance, png_info
from studio.ml.atomic_files import write_atomically

MIN_SIZE, MAX_SIZE = 16, 8192
MAX_SOURCE_SIDE = 16384  # a source array larger than this is not a drawing
INK = (20, 20, 30)
PAPER = (250, 249, 245)
Colour = tuple[int, int, int]


def coverage(image: np.ndarray, what: str = "image") -> np.ndarray:
    """`image` as float32 coverage [H, W] in [0, 1]; ExportError for anything else."""
    a = np.asarray(image)
    if a.ndim != 2 or a.size == 0 or max(a.shape) > MAX_SOURCE_SIDE:
        raise ExportError(f"{what}: expected a 2-D image up to {MAX_SOURCE_SIDE} pixels a side, "
                          f"got shape {a.shape}")
    if a.dtype == np.uint8:
        return a.astype(np.float32) / 255.0
    if a.dtype == bool or np.issubdtype(a.dtype, np.number):
        a = a.astype(np.float32)
        if not np.isfinite(a).all():
            raise ExportError(f"{what}: holds NaN or infinite values")
        return np.clip(a, 0.0, 1.0)
    raise ExportError(f"{what}: pixels of type {a.dtype} are not ink coverage")


def check_size(size: int, low: int = MIN_SIZE, high: int = MAX_SIZE, what: str = "size") -> int:
    if isinstance(size, bool) or not isinstance(size, int | np.integer) or not low <= size <= high:
        raise ExportError(f"{what} {size!r}: choose a whole number of pixels from {low} to {high}")
    return int(size)


def check_colour(colour: object, what: str) -> Colour:
    if (not isinstance(colour, tuple | list) or len(colour) != 3 or not all(
            isinstance(c, int | np.integer) and not isinstance(c, bool) and 0 <= c <= 255
            for c in colour)):
        raise ExportError(f"{what} colour {colour!r:.60}: expected three numbers 0 to 255")
    return (int(colour[0]), int(colour[1]), int(colour[2]))


def output_shape(shape: tuple[int, ...], size: int) -> tuple[int, int]:
    """(width, height) with the longest side `size` and the source's aspect kept."""
    h, w = shape[0], shape[1]
    if w >= h:
        return size, max(1, round(size * h / w))
    return max(1, round(size * w / h)), size


def enlarge(cov: np.ndarray, width: int, height: int, smooth: bool) -> np.ndarray:
    """Coverage resampled to height x width, still float32 in [0, 1].

    Smooth uses bicubic when enlarging (what the app's generated view shows: round,
    soft strokes) and Lanczos when shrinking (a big canvas to a small file, without
    aliasing); crisp uses nearest so each source pixel stays a sharp square.
    """
    if (height, width) == cov.shape:
        return cov
    if not smooth:
        method = Image.Resampling.NEAREST
    elif width >= cov.shape[1]:
        method = Image.Resampling.BICUBIC
    else:
        method = Image.Resampling.LANCZOS
    big = Image.fromarray(cov, mode="F").resize((width, height), method)
    return np.clip(np.asarray(big, np.float32), 0.0, 1.0)  # bicubic overshoots a little


def paint(cov: np.ndarray, ink: Colour, background: Colour | None) -> Image.Image:
    """Coverage [H, W] as RGB ink over `background`, or RGBA ink over transparency."""
    a = cov[..., None]  # [H, W, 1]
    ink_rgb = np.array(ink, np.float32)
    if background is None:
        rgb = np.broadcast_to(ink_rgb, cov.shape + (3,))
        rgba = np.concatenate([rgb, a * 255.0], axis=-1)
        return Image.fromarray(np.rint(rgba).astype(np.uint8), mode="RGBA")
    paper = np.array(background, np.float32)
    rgb = paper + (ink_rgb - paper) * a
    return Image.fromarray(np.rint(rgb).astype(np.uint8), mode="RGB")


def render(image: np.ndarray, size: int, smooth: bool = True, ink: Colour = INK,
           background: Colour | None = PAPER) -> Image.Image:
    """Ink coverage painted at `size` pixels on its longest side (RGB, or RGBA if no paper)."""
    size = check_size(size)
    ink = check_colour(ink, "ink")
    background = None if background is None else check_colour(background, "background")
    cov = coverage(image)
    width, height = output_shape(cov.shape, size)
    return paint(enlarge(cov, width, height, smooth), ink, background)


def crop_to_ink(image: np.ndarray, margin: float = 0.1, threshold: float = 0.05) -> np.ndarray:
    """The ink's bounding box plus `margin` (a fraction of its longer side) on each side.

    This is the "selection" export: just the drawing, not the empty canvas around it.
    Faint specks below `threshold` do not count as ink; the margin may reach past the
    canvas edge, where it is blank paper. With no ink at all the image comes back whole.
    """
    if not 0.0 <= margin <= 10.0:
        raise ExportError(f"margin {margin!r}: choose a fraction from 0 to 10")
    cov = coverage(image)
    rows = np.flatnonzero((cov > threshold).any(axis=1))
    cols = np.flatnonzero((cov > threshold).any(axis=0))
    if rows.size == 0:
        return cov
    top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    pad = int(round(margin * max(bottom - top, right - left)))
    out = np.zeros((bottom - top + 2 * pad, right - left + 2 * pad), np.float32)
    out[pad:pad + bottom - top, pad:pad + right - left] = cov[top:bottom, left:right]
    return out


def sample_sheet(images: np.ndarray, gap: int = 2) -> np.ndarray:
    """[D, N, H, W] samples as one coverage grid: a row per digit, `gap` blank pixels apart."""
    a = np.asarray(images)
    if a.ndim != 4 or 0 in a.shape:
        raise ExportError(f"sample sheet: expected [digits, per digit, H, W], got {a.shape}")
    if not 0 <= gap <= 256:
        raise ExportError(f"sample sheet gap {gap!r}: choose 0 to 256 pixels")
    d, n, h, w = a.shape
    sheet = np.zeros((d * (h + gap) - gap, n * (w + gap) - gap), np.float32)
    if max(sheet.shape) > MAX_SOURCE_SIDE:
        raise ExportError(f"sample sheet of {d}x{n} images is too large ({sheet.shape})")
    for r in range(d):
        for c in range(n):
            sheet[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = \
                coverage(a[r, c], "sample sheet")
    return sheet


def save_png(path: Path, picture: Image.Image, provenance: Provenance | None = None) -> Path:
    """Write `picture` to `path` as PNG with its provenance; all or nothing."""
    path = Path(path)
    buffer = io.BytesIO()
    try:
        picture.save(buffer, format="PNG", pnginfo=png_info(provenance), optimize=False)
    except (OSError, ValueError) as e:
        raise ExportError(f"{path}: could not encode the PNG ({e})") from e
    write(path, buffer.getvalue())
    return path


def write(path: Path, data: bytes) -> None:
    """All of `data` or nothing, failures as ExportError (unwritable folder, full disk)."""
    write_atomically(path, data, ExportError)
