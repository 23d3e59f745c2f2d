"""Reading and writing a whole project: the manifest, the base image, the thumbnail.

Both directions run on the thread pool (a project with a 40-megapixel source picture
is tens of megabytes). Writing goes through project_container's atomic write, so a
crash never leaves half a project; reading checks everything before returning, so
the window replaces the artist's current work only with a project that is whole.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import numpy as np
from PIL import Image

import studio
from studio.core.project.project_container import ProjectFileError, read_container, write_container
from studio.core.project.project_manifest import (
    COORDINATE_RANGE,
    FORMAT,
    MAX_POINTS,
    MIN_WIDTH,
    PROJECT_VERSION,
    SIDE,
    ProjectManifest,
    StrokeRecord,
)
from studio.core.settings import MAX_BRUSH
from studio.ml.data.image_files import check_size
from studio.ml.errors import StudioError
from studio.ml.records import convert, parse_json, write_record

SUFFIX = ".lstudio"
STROKES_AT_ONCE = 200
THUMBNAIL_SIDE = 256


@dataclass(frozen=True)
class Project:
    """A project as the window restores it; every part already checked."""

    manifest: ProjectManifest
    base: np.ndarray | None = None  # uint8 [SIDE, SIDE] ink coverage under the strokes
    source: bytes | None = None  # the opened picture's file, full resolution
    thumbnail: bytes | None = None  # PNG
    raster: np.ndarray | None = None  # uint8 [SIDE, SIDE]: the document's raster as it was


def write_project(path: Path, project: Project) -> Path:
    """Write `project` to `path` atomically (its raster, uint8 [SIDE, SIDE] white ink on
    black, also makes the thumbnail when it has none). StudioError names the file."""
    path = Path(path)
    manifest = msgspec.structs.replace(
        project.manifest, studio_version=studio.__version__,
        saved=datetime.now(UTC).isoformat(timespec="seconds"))
    parts: dict[str, bytes] = {}
    canvas = project.raster
    if canvas is not None:
        parts["raster.png"] = _png(canvas)
        manifest = msgspec.structs.replace(
            manifest, canvas=msgspec.structs.replace(manifest.canvas, raster="raster.png"))
    thumbnail = project.thumbnail or (None if canvas is None else thumbnail_png(canvas))
    if thumbnail is not None:
        parts["thumbnail.png"] = thumbnail
    else:
        manifest = msgspec.structs.replace(manifest, thumbnail=None)
    base = manifest.canvas.base
    if base is not None:
        if project.base is None:
            raise StudioError(f"{path}: the manifest names a base image but none was given")
        parts[base.coverage] = _png(project.base)
        if base.source is not None and project.source is not None:
            parts[base.source] = project.source
    try:
        data = _manifest_json(manifest)
    except ValueError as e:
        raise StudioError(f"{path}: not saved, the project would be invalid ({e})") from e
    try:
        write_container(path, data, parts)
    except OSError as e:
        raise StudioError(f"{path}: could not be written ({e.strerror or e})") from e
    return path


def read_project(path: Path) -> Project:
    """The project at `path`, whole and checked; ProjectFileError names the file."""
    path = Path(path)
    data, parts = read_container(path)
    manifest = read_manifest(data, str(path))
    base = source = None
    if manifest.canvas.base is not None:
        record = manifest.canvas.base
        base = _coverage(path, parts.get(record.coverage))
        if record.source is not None:
            source = parts.get(record.source)
            if source is not None:
                _check_picture(path, record.source, source)
    thumbnail = parts.get(manifest.thumbnail) if manifest.thumbnail else None
    raster = None
    if manifest.canvas.raster is not None:
        raster = _coverage(path, parts.get(manifest.canvas.raster), manifest.canvas.raster)
    return Project(manifest, base, source, thumbnail, raster)


def read_manifest(data: bytes, source: str) -> ProjectManifest:
    """Parse and check a manifest; a newer version is refused with that reason.

    msgspec reads a good manifest in one pass (2,000 strokes: 20 ms, where the standard
    library's parser took 100 ms holding the GIL against the window); a bad one is read
    again the tolerant way, for the message that names the field.
    """
    try:
        return msgspec.json.decode(data, type=ProjectManifest)
    except (msgspec.DecodeError, msgspec.ValidationError):
        pass
    try:
        raw = parse_json(data)
    except ValueError as e:
        raise ProjectFileError(f"{source}: the manifest is {e}") from e
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise ProjectFileError(f"{source}: not a Latent Studio project (its manifest's format "
                               f"is not {FORMAT!r})")
    version = raw.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > PROJECT_VERSION:
        raise ProjectFileError(f"{source}: made by a newer Latent Studio (project version "
                               f"{version}; this one reads up to {PROJECT_VERSION}); update "
                               f"the studio to open it")
    try:
        return convert(raw, ProjectManifest)
    except ValueError as e:
        raise ProjectFileError(f"{source}: the manifest is not valid: {e}") from e


def _plainly_valid(strokes: list[StrokeRecord]) -> bool:
    """True when every value is within StrokeRecord's bounds, checked as arrays.

    Validating 80,000 points through msgspec makes as many tuples, and the garbage
    collector then held the GIL against the window for 10-60 ms; this makes none. A
    False sends the chunk through the declaration itself, for the message.
    """
    if any(not isinstance(s.erase, bool) or not 1 <= len(s.points) <= MAX_POINTS
           for s in strokes):
        return False
    widths = np.fromiter((s.width for s in strokes), np.float64, len(strokes))
    values = np.fromiter(itertools.chain.from_iterable(
        itertools.chain.from_iterable(s.points for s in strokes)), np.float64)
    if values.size % 3:
        return False
    points = values.reshape(-1, 3)  # [n, 3]: x, y, pressure
    low, high = COORDINATE_RANGE
    return bool(np.all((widths >= MIN_WIDTH) & (widths <= MAX_BRUSH))
                and np.all((points[:, :2] >= low) & (points[:, :2] <= high))
                and np.all((points[:, 2] >= 0) & (points[:, 2] <= 1)))


def read_thumbnail(path: Path) -> bytes | None:
    """Only the thumbnail (for the recovery offer); None when it cannot be read."""
    try:
        _, parts = read_container(Path(path))
    except StudioError:
        return None
    return parts.get("thumbnail.png")


def thumbnail_png(canvas: np.ndarray) -> bytes:
    """A THUMBNAIL_SIDE square PNG of the canvas as the artist sees it (dark ink on paper)."""
    image = Image.fromarray(255 - np.asarray(canvas, np.uint8), "L")
    return _encoded(image.resize((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS))


def _png(gray: np.ndarray) -> bytes:
    return _encoded(Image.fromarray(np.ascontiguousarray(gray, np.uint8), "L"))


def _encoded(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)  # speed over a few kilobytes
    return out.getvalue()


def _coverage(path: Path, data: bytes | None, name: str = "base.png") -> np.ndarray:
    """A SIDE x SIDE grayscale PNG part as uint8 [SIDE, SIDE], checked before decoding."""
    if data is None:
        raise ProjectFileError(f"{path}: the image {name} is missing")
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.size != (SIDE, SIDE) or im.format != "PNG":
                raise ProjectFileError(f"{path}: {name} is a {im.format} of {im.width} x "
                                       f"{im.height}; expected a PNG of {SIDE} x {SIDE}")
            return np.array(im.convert("L"), np.uint8)
    except ProjectFileError:
        raise
    except Image.DecompressionBombError as e:
        raise ProjectFileError(f"{path}: {name} is too large to open; expected a PNG of "
                               f"{SIDE} x {SIDE} ({e})") from e
    except (OSError, ValueError, SyntaxError) as e:
        raise ProjectFileError(f"{path}: {name} is not a readable image ({e})") from e


def _manifest_json(manifest: ProjectManifest) -> bytes:
    """The manifest as JSON, checked against its declaration (ValueError names the field).

    The strokes are checked and encoded STROKES_AT_ONCE at a time: one call over 2,000
    strokes held the GIL for 30 ms, long enough for the window to miss two frames.
    """
    strokes = manifest.canvas.strokes
    shell = msgspec.structs.replace(
        manifest, canvas=msgspec.structs.replace(manifest.canvas, strokes=[]))
    head = write_record(shell, indent=0)
    if not strokes:
        return head
    chunks = []
    for i in range(0, len(strokes), STROKES_AT_ONCE):
        part = strokes[i:i + STROKES_AT_ONCE]
        if _plainly_valid(part):  # checked by numpy: no objects made, no GC pause
            chunks.append(msgspec.json.encode(part)[1:-1])
            continue
        try:  # the declaration says which value is wrong
            chunk = write_record(part, 0, list[StrokeRecord])
        except ValueError as e:  # "'[3][2][0][0]': ..." -> "'canvas.strokes[i + 3]...'"
            where, _, problem = str(e).partition("': ")
            index, _, rest = where.lstrip("'[").partition("]")
            if not index.isdigit():
                raise
            raise ValueError(f"'canvas.strokes[{i + int(index)}]{rest}': {problem}") from e
        chunks.append(chunk[1:-1])  # without the list's brackets
    marker = b'"strokes":[]'
    if head.count(marker) != 1:
        raise ValueError("the manifest's strokes could not be placed")
    return head.replace(marker, b'"strokes":[' + b",".join(chunks) + b"]")


def _check_picture(path: Path, name: str, data: bytes) -> None:
    """The source picture: a readable image of at most the studio's picture size."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            check_size(f"{path}: {name}", im.width, im.height)
    except StudioError as e:
        raise ProjectFileError(str(e)) from e
    except Image.DecompressionBombError as e:
        raise ProjectFileError(f"{path}: {name} is too large to open ({e})") from e
    except (OSError, ValueError, SyntaxError) as e:
        raise ProjectFileError(f"{path}: {name} is not a readable image ({e})") from e
