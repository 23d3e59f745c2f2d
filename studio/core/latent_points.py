"""Saved latent points (favorites): small JSON records, validated on the way in.

A point is meaningful only with the weights it was found in, so it names them by
their sha256. The file is the artist's own, but it is still input: a damaged or
hand-edited file is set aside as `.bad` with a message, and nothing in it can make
the studio allocate more than a few kilobytes per point.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from studio.core.set_aside import set_aside
from studio.ml.atomic_files import write_atomically

MAX_DIM = 4096
MAX_ABS_COORD = 1e3  # slider values are in sigmas of an N(0, 1) prior; beyond is an edit
THUMBNAIL_BYTES = 28 * 28
FORMAT = "latent-studio-points/1"


@dataclass(frozen=True)
class LatentPoint:
    generator: str  # sha256 of the generator's weights
    generator_name: str  # what the user saw, e.g. "Default GAN"
    kind: str  # "gan" or "vae"
    digit: int
    coords: tuple[float, ...]  # slider values, in sigmas
    thumbnail: bytes  # 784 bytes: uint8 [28, 28], row-major
    created: str = ""  # ISO time


def save_points(points: Sequence[LatentPoint], path: Path) -> None:
    records = [{"generator": p.generator, "generator_name": p.generator_name, "kind": p.kind,
                "digit": p.digit, "coords": list(p.coords), "thumbnail": p.thumbnail.hex(),
                "created": p.created} for p in points]
    # allow_nan=False: NaN or Infinity raise ValueError here instead of being written
    # as tokens that make the whole file unreadable as a favorites file next time.
    data = json.dumps({"format": FORMAT, "points": records}, indent=1, allow_nan=False)
    write_atomically(Path(path), data.encode("utf-8"))


def load_points(path: Path) -> tuple[list[LatentPoint], str | None]:
    """The points in `path` ([] when missing), and a message when the file was bad.

    A file that is not a favorites file is set aside whole. Bad entries in a good file
    cost only themselves: the original is kept as `.bad`, the good points are written
    back (so the next start finds them) and returned, and the message counts both.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as e:
        return [], _set_aside(path, f"not readable JSON ({e})")
    try:
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"not a favorites file (expected format {FORMAT!r})")
        records = raw.get("points")
        if not isinstance(records, list):
            raise ValueError("'points' should be a list")
    except ValueError as e:
        return [], _set_aside(path, str(e))
    points, problems = [], []
    for i, record in enumerate(records):
        try:
            points.append(_point(record, i))
        except ValueError as e:
            problems.append(str(e))
    if not problems:
        return points, None
    if not points:
        return [], _set_aside(path, "; ".join(problems[:3]))
    return points, _keep_good(path, points, problems)


def _keep_good(path: Path, points: list[LatentPoint], problems: list[str]) -> str:
    kept = set_aside(path)
    try:
        save_points(points, path)
    except OSError as e:
        kept += f"; the good ones could not be written back ({e})"
    shown = "; ".join(problems[:3]) + ("; …" if len(problems) > 3 else "")
    return (f"{path}: {len(problems)} favorite{'s' if len(problems) > 1 else ''} discarded "
            f"({shown}); kept the other {len(points)}{kept}")


def _point(r: object, i: int) -> LatentPoint:
    def field(name: str, kind: type) -> object:
        value = r.get(name) if isinstance(r, dict) else None
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"point {i}: '{name}' should be {kind.__name__}, got {value!r:.60}")
        return value

    coords = field("coords", list)
    if not 0 < len(coords) <= MAX_DIM or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            and abs(v) <= MAX_ABS_COORD for v in coords):
        raise ValueError(f"point {i}: 'coords' should be 1 to {MAX_DIM} finite numbers "
                         f"within ±{MAX_ABS_COORD:g}")
    try:
        thumbnail = bytes.fromhex(field("thumbnail", str))
    except ValueError as e:
        raise ValueError(f"point {i}: 'thumbnail' is not hex ({e})") from e
    if len(thumbnail) != THUMBNAIL_BYTES:
        raise ValueError(f"point {i}: 'thumbnail' should hold {THUMBNAIL_BYTES} bytes")
    kind = field("kind", str)
    digit = field("digit", int)
    if kind not in ("gan", "vae") or not 0 <= digit < MAX_DIM:
        raise ValueError(f"point {i}: kind {kind!r} or digit {digit!r} is not valid")
    created = r.get("created", "")
    return LatentPoint(field("generator", str), field("generator_name", str), kind, digit,
                       tuple(float(v) for v in coords), thumbnail,
                       created if isinstance(created, str) else "")



def _set_aside(path: Path, problem: str) -> str:
    return f"{path}: {problem}; starting with no favorites{set_aside(path)}"
