"""Saved latent points (favorites): small JSON records, validated on the way in.

A point is meaningful only with the weights it was found in, so it names them by
their sha256. The file is the artist's own, but it is still input: a damaged or
hand-edited file is set aside as `.bad` with a message, and nothing in it can make
the studio allocate more than a few kilobytes per point.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from studio.core.set_aside import set_aside
from studio.ml.atomic_files import write_atomically
from studio.ml.records import Sha256, bounded, convert, parse_json, text, whole, write_record

MAX_DIM = 4096
MAX_ABS_COORD = 1e3  # slider values are in sigmas of an N(0, 1) prior; beyond is an edit
THUMBNAIL_BYTES = 28 * 28
FORMAT = "latent-studio-points/1"
Coords = Annotated[tuple[bounded(-MAX_ABS_COORD, MAX_ABS_COORD), ...],
                   msgspec.Meta(min_length=1, max_length=MAX_DIM)]
ThumbnailHex = Annotated[str, msgspec.Meta(pattern=f"^[0-9a-f]{{{2 * THUMBNAIL_BYTES}}}$")]


class LatentPoint(msgspec.Struct, frozen=True):
    """One saved point; its declaration is the favorites file's check, entry by entry."""

    generator: Sha256  # sha256 of the generator's weights
    generator_name: text(1000, 1)  # what the user saw, e.g. "Default GAN"
    kind: Literal["gan", "vae"]
    digit: whole(0, MAX_DIM - 1)
    coords: Coords  # slider values, in sigmas
    # 784 bytes as hex, uint8 [28, 28] row-major; "thumbnail" in the file
    thumbnail_hex: ThumbnailHex = msgspec.field(name="thumbnail")
    created: text(64) = ""  # ISO time

    @property
    def thumbnail(self) -> bytes:
        return bytes.fromhex(self.thumbnail_hex)


class _FavoritesFile(msgspec.Struct):
    points: list[LatentPoint]
    format: Literal["latent-studio-points/1"] = FORMAT


def save_points(points: Sequence[LatentPoint], path: Path) -> None:
    """Write atomically; ValueError (naming the field) for a point the reader would refuse."""
    write_atomically(Path(path), write_record(_FavoritesFile(list(points)), indent=1))


def load_points(path: Path) -> tuple[list[LatentPoint], str | None]:
    """The points in `path` ([] when missing), and a message when the file was bad.

    A file that is not a favorites file is set aside whole. Bad entries in a good file
    cost only themselves: the original is kept as `.bad`, the good points are written
    back (so the next start finds them) and returned, and the message counts both.
    """
    path = Path(path)
    try:
        raw = parse_json(path.read_bytes())
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise ValueError(f"not a favorites file (expected format {FORMAT!r})")
        records = raw.get("points")
        if not isinstance(records, list):
            raise ValueError("'points' should be a list")
    except FileNotFoundError:
        return [], None
    except (OSError, ValueError) as e:
        return [], _set_aside(path, str(e))
    points, problems = [], []
    for i, record in enumerate(records):
        try:
            points.append(convert(record, LatentPoint))
        except ValueError as e:
            problems.append(f"point {i}: {e}")
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


def _set_aside(path: Path, problem: str) -> str:
    return f"{path}: {problem}; starting with no favorites{set_aside(path)}"
