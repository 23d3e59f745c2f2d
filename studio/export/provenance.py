"""Where an exported picture or animation came from: one record, declared once.

A generated digit is reproducible only with the exact weights, digit, seed and latent
vector, so every export of one carries them; opening or dropping it in the studio
restores that point in the explorer. An animation's record also says what it is (a
morph through keyframes, with its speed and loop, or a walk around the point), so
opening a morph's file restores its keyframes. In a PNG or APNG the record travels in
an iTXt chunk keyed "latent-studio" as JSON; export/provenance_places keeps it in the
other formats' own metadata places. Field names follow studio.core.latent_points where
they can (kind, digit, coords); `weights_sha256` is LatentPoint's `generator`. The
animation part is optional, so records written before it existed still read.

On the way back in the record is user input (anyone can edit a PNG's text), so it is
validated field by field and nothing in it can make the studio allocate much.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal, Protocol

import msgspec
import numpy as np
from PIL import Image, PngImagePlugin

from studio import __version__
from studio.ml.errors import StudioError
from studio.ml.records import Sha256, bounded, read_record, text, whole, write_record

KEY = "latent-studio"
FORMAT = "latent-studio-provenance/1"
MAX_DIM = 4096  # longest latent or coordinate vector accepted (as for saved points)
# Both priors are N(0, 1): |z| > 40 has probability below e^-800, so 1e3 is far
# outside any point a generator was trained or explored at, yet a vector of 4096 such
# values stays finite in float32 through `z @ directions` (no overflow to inf/NaN).
MAX_ABS_VALUE = 1e3
MAX_TEXT = 512 * 1024  # bytes of JSON; 2 x 4096 floats fit with room to spare
MAX_NAME = 200
MAX_KEYFRAMES = 256  # far more than a morph anyone plays; MAX_TEXT bounds them anyway
MIN_SPEED, MAX_SPEED = 0.05, 60.0  # seconds per morph segment (the strip offers 0.2-10)
Vector = Annotated[tuple[bounded(-MAX_ABS_VALUE, MAX_ABS_VALUE), ...],
                   msgspec.Meta(min_length=1, max_length=MAX_DIM)]
Seed = whole(-(2**63), 2**63 - 1)


class ExportError(StudioError):
    """An export that cannot be done, or a file whose provenance cannot be read."""


class Keyframe(msgspec.Struct, frozen=True):
    """One keyframe of a morph: its digit and z, and its slider values when known."""

    digit: whole(0, MAX_DIM - 1)
    latent: Vector
    coords: Vector | None = None


class Animation(msgspec.Struct, frozen=True):
    """What an animation shows: a morph through `keyframes` or a walk around the point.

    The walk's path is drawn from `seed` around the record's own point; a morph plays
    `seconds_per_segment` from one keyframe to the next and back to the first when it
    loops. `fps` and `frames` describe the file as written, for the curious.
    """

    kind: Literal["morph", "walk"]
    keyframes: Annotated[tuple[Keyframe, ...], msgspec.Meta(max_length=MAX_KEYFRAMES)] = ()
    seconds_per_segment: bounded(MIN_SPEED, MAX_SPEED) | None = None
    loop: bool = True
    seed: Seed | None = None
    fps: bounded(0.0, 1000.0) | None = None
    frames: whole(0, 1_000_000) | None = None

    def __post_init__(self) -> None:
        """What one field's bound cannot say: a morph has two keyframes or more."""
        if self.kind == "morph" and len(self.keyframes) < 2:
            raise ValueError(f"'keyframes': a morph needs two or more, got "
                             f"{len(self.keyframes)}")


class Provenance(msgspec.Struct, frozen=True):
    """The record; its declaration is also the check every file's record goes through.

    For an animation, the point (digit, latent, coords) is its first keyframe (a
    morph) or the centre it walks around (a walk).
    """

    model_name: text(MAX_NAME, 1)  # what the user saw, e.g. "Default GAN"
    model_kind: Literal["gan", "vae"]
    weights_sha256: Sha256  # 64 lowercase hex digits of the generator's weights
    digit: whole(0, MAX_DIM - 1)
    seed: Seed | None  # None when dragged, encoded or walked to
    latent: Vector  # z itself, what the generator was fed
    studio_version: text(64, 1) = __version__
    coords: Vector | None = None  # slider values in sigmas, when known
    animation: Animation | None = None  # what an animation shows; None for a still
    format: Literal["latent-studio-provenance/1"] = FORMAT

    def to_json(self) -> str:
        """Compact JSON; ValueError names a field the reader would refuse (NaN, say), or
        says the record is longer than any reader takes."""
        text = write_record(self, indent=0).decode("utf-8")
        if len(text.encode("utf-8")) > MAX_TEXT:
            raise ValueError(f"provenance of {len(text):,} bytes is longer than the "
                             f"{MAX_TEXT:,} a reader takes (fewer keyframes)")
        return text

    @classmethod
    def from_json(cls, text: str, source: str) -> Provenance:
        """Parse and validate; any problem is an ExportError naming `source`."""
        if not isinstance(text, str) or len(text.encode("utf-8", "replace")) > MAX_TEXT:
            raise ExportError(f"{source}: provenance is not text or longer than {MAX_TEXT} bytes")
        try:
            return read_record(text, cls)
        except ValueError as e:
            raise ExportError(f"{source}: provenance {e}") from e

    def describe(self) -> str:
        """One human line for the PNG's Description (what a file browser shows)."""
        seed = "no seed" if self.seed is None else f"seed {self.seed}"
        what = ""
        if self.animation is not None and self.animation.kind == "morph":
            what = f"Morph through {len(self.animation.keyframes)} keyframes from "
        elif self.animation is not None:
            what = "Latent walk around "
        return (f"{what}Digit {self.digit} from {self.model_name} ({self.model_kind.upper()}, "
                f"weights {self.weights_sha256[:12]}), {seed}, {len(self.latent)}-d latent; "
                f"made with Latent Studio {self.studio_version}")


class Generator(Protocol):
    """What a record needs of a loaded generator (ml/latent's LoadedGenerator has it)."""

    name: str
    kind: str
    sha256: str
    directions: np.ndarray  # [d, d]: z = directions @ coords


def _floats(values: np.ndarray) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, np.float64).ravel())


def point_record(generator: Generator, coords: np.ndarray, digit: int, seed: int | None,
                 animation: Animation | None = None) -> Provenance:
    """The record of the point at slider values `coords`: z itself, not just the seed."""
    coords = np.asarray(coords, np.float32)  # [d]
    z = generator.directions @ coords  # [d]: what the generator is fed
    return Provenance(model_name=generator.name, model_kind=generator.kind,
                      weights_sha256=generator.sha256, digit=int(digit), seed=seed,
                      latent=_floats(z), coords=_floats(coords), animation=animation)


def morph_record(generator: Generator, keyframes: Sequence[tuple[np.ndarray, int]],
                 seconds_per_segment: float, loop: bool, fps: float | None = None,
                 frames: int | None = None) -> Provenance:
    """A morph through `keyframes` (slider values and digit each): the first is its point."""
    kept = tuple(Keyframe(int(digit), _floats(generator.directions @ np.asarray(c, np.float32)),
                          _floats(c)) for c, digit in keyframes)
    animation = Animation("morph", kept, float(seconds_per_segment), bool(loop), fps=fps,
                          frames=frames)
    first, digit = keyframes[0]
    return point_record(generator, first, digit, None, animation)


def walk_record(generator: Generator, coords: np.ndarray, digit: int, seed: int | None,
                fps: float | None = None, frames: int | None = None) -> Provenance:
    """A walk around the point at `coords`, its path drawn from `seed`."""
    return point_record(generator, coords, digit, seed,
                        Animation("walk", seed=seed, fps=fps, frames=frames))


def png_info(provenance: Provenance | None) -> PngImagePlugin.PngInfo:
    """The text chunks for an exported PNG: Software always, our record when known."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Latent Studio {__version__}")
    if provenance is not None:
        info.add_text("Description", provenance.describe())
        info.add_itxt(KEY, provenance.to_json(), zip=True)
    return info


def read_text_chunk(path: Path, key: str) -> str | None:
    """The text stored under `key` in the image at `path` (None when there is none);
    ExportError names the file when it cannot be read as an image."""
    text = image_info(path, key)[1].get(key)
    return None if text is None else str(text)


def image_info(path: Path, key: str = KEY) -> tuple[str | None, dict]:
    """(Pillow's format name, the image's info with a PNG's late text chunks when `key`
    is not among the early ones); ExportError names the file when it is no image."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            fmt, info = im.format, dict(im.info)
            if key not in info and fmt == "PNG":
                info.update(im.text)  # text after the pixels: read the whole file
    except FileNotFoundError as e:
        raise ExportError(f"{path}: no such file") from e
    except Image.DecompressionBombError as e:
        raise ExportError(f"{path}: image is too large to read ({e})") from e
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, struct.error) as e:
        raise ExportError(f"{path}: not a readable image ({e})") from e
    return fmt, info
