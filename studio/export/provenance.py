"""Where an exported image came from, stored inside the PNG and read back from it.

A generated digit is reproducible only with the exact weights, digit, seed and latent
vector, so every exported PNG carries them; opening or dropping it in the studio
restores that point in the explorer. The record travels in an iTXt chunk keyed
"latent-studio" as JSON. Field names follow studio.core.latent_points where they
can (kind, digit, coords); `weights_sha256` is LatentPoint's `generator`.

On the way back in the record is user input (anyone can edit a PNG's text), so it is
validated field by field and nothing in it can make the studio allocate much.
"""

from __future__ import annotations

import json
import math
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, PngImagePlugin

from studio import __version__
from studio.ml.errors import StudioError

KEY = "latent-studio"
FORMAT = "latent-studio-provenance/1"
MAX_DIM = 4096  # longest latent or coordinate vector accepted (as for saved points)
# Both priors are N(0, 1): |z| > 40 has probability below e^-800, so 1e3 is far
# outside any point a generator was trained or explored at, yet a vector of 4096 such
# values stays finite in float32 through `z @ directions` (no overflow to inf/NaN).
MAX_ABS_VALUE = 1e3
MAX_TEXT = 512 * 1024  # bytes of JSON; 2 x 4096 floats fit with room to spare
MAX_NAME = 200
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SEED_LIMIT = 2**64


class ExportError(StudioError):
    """An export that cannot be done, or a file whose provenance cannot be read."""


@dataclass(frozen=True)
class Provenance:
    model_name: str  # what the user saw, e.g. "Default GAN"
    model_kind: str  # "gan" or "vae"
    weights_sha256: str  # 64 lowercase hex digits of the generator's weights
    digit: int
    seed: int | None  # None when the point was dragged, encoded or walked to
    latent: tuple[float, ...]  # z itself, what the generator was fed
    studio_version: str = __version__
    coords: tuple[float, ...] | None = None  # slider values in sigmas, when known

    def to_json(self) -> str:
        record = {"format": FORMAT, "model_name": self.model_name,
                  "model_kind": self.model_kind, "weights_sha256": self.weights_sha256,
                  "digit": self.digit, "seed": self.seed, "latent": list(self.latent),
                  "studio_version": self.studio_version,
                  "coords": None if self.coords is None else list(self.coords)}
        return json.dumps(record, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str, source: str) -> Provenance:
        """Parse and validate; any problem is an ExportError naming `source`."""
        if not isinstance(text, str) or len(text.encode("utf-8", "replace")) > MAX_TEXT:
            raise ExportError(f"{source}: provenance is not text or longer than {MAX_TEXT} bytes")
        try:
            raw = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as e:
            raise ExportError(f"{source}: provenance is not valid JSON ({e})") from e
        try:
            return _parse(raw)
        except ValueError as e:
            raise ExportError(f"{source}: provenance {e}") from e

    def describe(self) -> str:
        """One human line for the PNG's Description (what a file browser shows)."""
        seed = "no seed" if self.seed is None else f"seed {self.seed}"
        return (f"Digit {self.digit} from {self.model_name} ({self.model_kind.upper()}, "
                f"weights {self.weights_sha256[:12]}), {seed}, {len(self.latent)}-d latent; "
                f"made with Latent Studio {self.studio_version}")


def _parse(raw: object) -> Provenance:
    if not isinstance(raw, dict):
        raise ValueError("should be a JSON object")
    if raw.get("format") != FORMAT:
        raise ValueError(f"has format {raw.get('format')!r:.40}, expected {FORMAT!r}")

    def text(name: str, limit: int = MAX_NAME) -> str:
        value = raw.get(name)
        if not isinstance(value, str) or not 0 < len(value) <= limit:
            raise ValueError(f"'{name}' should be text of 1 to {limit} characters")
        return value

    def integer(name: str, low: int, high: int) -> int:
        value = raw.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value < high:
            raise ValueError(f"'{name}' should be a whole number in [{low}, {high}), "
                             f"got {value!r:.40}")
        return value

    def vector(name: str) -> tuple[float, ...]:
        value = raw.get(name)
        if not isinstance(value, list) or not 0 < len(value) <= MAX_DIM or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                and abs(v) <= MAX_ABS_VALUE for v in value):
            raise ValueError(f"'{name}' should be 1 to {MAX_DIM} finite numbers "
                             f"within ±{MAX_ABS_VALUE:g}")
        return tuple(float(v) for v in value)

    kind = text("model_kind")
    if kind not in ("gan", "vae"):
        raise ValueError(f"'model_kind' should be 'gan' or 'vae', got {kind!r:.40}")
    sha = text("weights_sha256", 64)
    if not _SHA256.fullmatch(sha):
        raise ValueError("'weights_sha256' should be 64 lowercase hex digits")
    seed = None if raw.get("seed") is None else integer("seed", -_SEED_LIMIT, _SEED_LIMIT)
    coords = None if raw.get("coords") is None else vector("coords")
    return Provenance(text("model_name"), kind, sha, integer("digit", 0, MAX_DIM), seed,
                      vector("latent"), text("studio_version", 64), coords)


def png_info(provenance: Provenance | None) -> PngImagePlugin.PngInfo:
    """The text chunks for an exported PNG: Software always, our record when known."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Latent Studio {__version__}")
    if provenance is not None:
        info.add_text("Description", provenance.describe())
        info.add_itxt(KEY, provenance.to_json(), zip=True)
    return info


def read_provenance(path: Path) -> Provenance | None:
    """The record in the image at `path`, None when it has none (any ordinary picture).

    ExportError names the file when it cannot be read as an image or its record is
    damaged: a half-restored point would be worse than a clear refusal.
    """
    path = Path(path)
    try:
        with Image.open(path) as im:
            chunks = dict(im.info)
            if KEY not in chunks and im.format == "PNG":
                chunks.update(im.text)  # text after the pixels: read the whole file
    except FileNotFoundError as e:
        raise ExportError(f"{path}: no such file") from e
    except Image.DecompressionBombError as e:
        raise ExportError(f"{path}: image is too large to read ({e})") from e
    except (OSError, SyntaxError, ValueError, EOFError, zlib.error, struct.error) as e:
        raise ExportError(f"{path}: not a readable image ({e})") from e
    text = chunks.get(KEY)
    if text is None:
        return None
    return Provenance.from_json(str(text), str(path))
