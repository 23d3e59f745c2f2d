"""Keyframe morphs and latent walks as GIF, APNG or WebP, looping or played once.

Timing: each frame lasts 1000/fps ms on average. The formats store whole time units
(GIF centiseconds, APNG and WebP milliseconds), so durations are distributed so that
frame k starts at round(k * 1000 / fps) in those units: 30 fps in a GIF becomes
30, 30, 40, 30, 30, 40 ms... and the total length is exact rather than drifting.
Browsers play GIF delays under 20 ms at 100 ms, so a GIF is limited to 50 fps.

Pillow folds a frame identical to the one before it into that one's duration; a held
keyframe therefore becomes one longer frame with the same total timing.

Everything is rendered before the file is written, so the frame count times the frame
size is limited (MAX_PIXELS) to keep memory within a few hundred megabytes.

A provenance record, when given, goes into each format's own metadata place (an APNG's
iTXt chunk, a WebP's XMP, a GIF's comment: export/provenance_places), so opening the
file in the studio goes back to the point or the morph's keyframes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from studio.export.images import (
    INK,
    PAPER,
    Colour,
    check_colour,
    check_size,
    coverage,
    enlarge,
    output_shape,
    paint,
    write,
)
from studio.export.provenance import ExportError, Provenance, png_info
from studio.export.provenance_places import gif_comment
from studio.export.provenance_xml import xmp_packet

MAX_FRAMES = 2000
MIN_FPS, MAX_FPS, MAX_GIF_FPS = 1.0, 60.0, 50.0
MAX_ANIMATION_SIZE = 2048
MAX_PIXELS = 200_000_000  # frames x width x height, about 600 MB of RGB
FORMATS = {".gif": "GIF", ".png": "PNG", ".apng": "PNG", ".webp": "WEBP"}


def frame_durations(count: int, fps: float, unit_ms: int) -> list[int]:
    """Per-frame durations in ms, multiples of `unit_ms`, summing to count*1000/fps."""
    starts = np.rint(np.arange(count + 1) * (1000.0 / fps) / unit_ms).astype(np.int64)
    return [int(d) * unit_ms for d in np.diff(starts)]


def resample_frames(frames: np.ndarray, count: int) -> np.ndarray:
    """`frames` [F, H, W] stretched or squeezed to `count` frames, blending neighbours.

    Lets the artist choose an animation's length independently of how many frames the
    morph was computed with; the first and last frames are kept exactly.
    """
    if not 1 <= count <= MAX_FRAMES:
        raise ExportError(f"length of {count!r} frames: choose 1 to {MAX_FRAMES}")
    a = np.asarray(frames)
    if a.ndim != 3 or 0 in a.shape:
        raise ExportError(f"animation: expected frames [count, H, W], got {a.shape}")
    cov = np.stack([coverage(f, "animation frame") for f in a])
    if len(cov) == 1 or count == 1:
        return np.repeat(cov[:1], count, axis=0)
    at = np.linspace(0.0, len(cov) - 1, count)
    lo = np.minimum(np.floor(at).astype(int), len(cov) - 2)
    w = (at - lo)[:, None, None].astype(np.float32)
    return cov[lo] * (1 - w) + cov[lo + 1] * w


def save_animation(path: Path, frames: np.ndarray, fps: float, loop: bool = True,
                   size: int = 256, smooth: bool = True, ink: Colour = INK,
                   background: Colour | None = PAPER,
                   provenance: Provenance | None = None) -> Path:
    """Write coverage frames [F, H, W] as an animation; the suffix picks the format.

    .gif, .png or .apng (animated PNG) and .webp. Transparent GIFs have 1-bit alpha,
    so their ink is cut at half coverage; APNG and WebP keep soft edges. `provenance`
    is written into the file's metadata (ExportError when it cannot be).
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ExportError(f"{path}: choose a .gif, .png, .apng or .webp file name")
    a = np.asarray(frames)
    if a.ndim != 3 or 0 in a.shape[1:]:
        raise ExportError(f"{path}: expected frames [count, H, W], got shape {a.shape}")
    if not 1 <= len(a) <= MAX_FRAMES:
        raise ExportError(f"{path}: {len(a)} frames; an animation holds 1 to {MAX_FRAMES}")
    if isinstance(fps, bool) or not isinstance(fps, int | float) or not MIN_FPS <= fps <= MAX_FPS:
        raise ExportError(f"frame rate {fps!r}: choose {MIN_FPS:g} to {MAX_FPS:g} per second")
    if fmt == "GIF" and fps > MAX_GIF_FPS:
        raise ExportError(f"{path}: GIF plays at most {MAX_GIF_FPS:g} frames per second "
                          f"(viewers slow down shorter delays); lower it or use APNG or WebP")
    size = check_size(size, high=MAX_ANIMATION_SIZE, what="animation size")
    ink = check_colour(ink, "ink")
    background = None if background is None else check_colour(background, "background")
    width, height = output_shape(a.shape[1:], size)
    if len(a) * width * height > MAX_PIXELS:
        raise ExportError(f"{path}: {len(a)} frames of {width}x{height} is too much to hold; "
                          f"choose a smaller size or fewer frames")
    covs = [enlarge(coverage(f, f"{path} frame {i}"), width, height, smooth)
            for i, f in enumerate(a)]
    durations = frame_durations(len(a), float(fps), 10 if fmt == "GIF" else 1)
    if fmt == "GIF":
        pictures, options = _gif_frames(covs, ink, background)
        if loop:
            options["loop"] = 0  # forever; without the loop extension it plays once
    else:
        pictures = [paint(c, ink, background) for c in covs]
        options = {"loop": 0 if loop else 1}
        if fmt == "WEBP":
            options.update(lossless=True, quality=80, method=4)
        else:
            options.update(disposal=1 if background is None else 0)  # clear under alpha
    try:
        options.update(_metadata(fmt, provenance))
    except ValueError as e:
        raise ExportError(f"{path}: its provenance cannot be written ({e})") from e
    buffer = io.BytesIO()
    try:
        pictures[0].save(buffer, format=fmt, save_all=True, append_images=pictures[1:],
                         duration=durations, **options)
    except (OSError, ValueError, KeyError) as e:
        raise ExportError(f"{path}: could not encode the {fmt} animation ({e})") from e
    write(path, buffer.getvalue())
    return path


def _metadata(fmt: str, provenance: Provenance | None) -> dict:
    """Pillow's save options that carry the record in format `fmt`."""
    if fmt == "GIF":
        comment = gif_comment(provenance)
        return {} if comment is None else {"comment": comment}
    if fmt == "WEBP":
        xmp = xmp_packet(provenance)
        return {} if xmp is None else {"xmp": xmp}
    return {"pnginfo": png_info(provenance)}


def _gif_frames(covs: list[np.ndarray], ink: Colour,
                background: Colour | None) -> tuple[list[Image.Image], dict]:
    """Palette frames that are exact: index i is i/255 of the way from paper to ink.

    Painting through a fixed palette avoids quantizing each frame (slow, and it makes
    the paper flicker between frames). Without paper, index 0 is transparent and the
    ink is cut at half coverage, and each frame is cleared before the next (disposal 2)
    so earlier frames never show through.
    """
    ramp = np.linspace(0.0, 1.0, 256)[:, None]
    paper = np.array(ink if background is None else background, np.float64)
    palette = np.rint(paper + (np.array(ink, np.float64) - paper) * ramp).astype(np.uint8)
    pictures = []
    for c in covs:
        index = np.rint(c * 255.0).astype(np.uint8)
        if background is None:
            index = np.where(c >= 0.5, 255, 0).astype(np.uint8)
        picture = Image.fromarray(index)  # mode L; putpalette turns it into P as is
        picture.putpalette(palette.tobytes(), "RGB")
        pictures.append(picture)
    options: dict = {"optimize": False}
    if background is None:
        options.update(transparency=0, disposal=2)
    return pictures, options
