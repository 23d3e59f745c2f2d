"""Reading and writing a whole project: the manifest, the base image, the thumbnail.

Both directions run on the thread pool (a project with a 40-megapixel source picture
is tens of megabytes). Writing goes through project_container's atomic write, so a
crash never leaves half a project; reading checks everything before returning, so
the window replaces the artist's current work only with a project that is whole.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import numpy as np
from PIL import Image

import studio
from studio.core.project.project_container import ProjectFileError, read_container, write_container
from studio.core.project.project_manifest import (
    FORMAT,
    PROJECT_VERSION,
    SIDE,
    ProjectManifest,
)
from studio.ml.data.image_files import check_size
from studio.ml.errors import StudioError
from studio.ml.records import convert, parse_json, write_record

SUFFIX = ".lstudio"
THUMBNAIL_SIDE = 256


@dataclass(frozen=True)
class Project:
    """A project as the window restores it; every part already checked."""

    manifest: ProjectManifest
    base: np.ndarray | None = None  # uint8 [SIDE, SIDE] ink coverage under the strokes
    source: bytes | None = None  # the opened picture's file, full resolution
    thumbnail: bytes | None = None  # PNG


def write_project(path: Path, project: Project, canvas: np.ndarray | None = None) -> Path:
    """Write `project` to `path` atomically; `canvas` (uint8 [SIDE, SIDE], white ink on
    black) becomes the thumbnail when the project has none. StudioError names the file."""
    path = Path(path)
    manifest = msgspec.structs.replace(
        project.manifest, studio_version=studio.__version__,
        saved=datetime.now(UTC).isoformat(timespec="seconds"))
    parts: dict[str, bytes] = {}
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
        data = write_record(manifest, indent=0)
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
    return Project(manifest, base, source, thumbnail)


def read_manifest(data: bytes, source: str) -> ProjectManifest:
    """Parse and check a manifest; a newer version is refused with that reason."""
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


def _coverage(path: Path, data: bytes | None) -> np.ndarray:
    if data is None:
        raise ProjectFileError(f"{path}: the base image base.png is missing")
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.size != (SIDE, SIDE) or im.format != "PNG":
                raise ProjectFileError(f"{path}: base.png is a {im.format} of {im.width} x "
                                       f"{im.height}; expected a PNG of {SIDE} x {SIDE}")
            return np.array(im.convert("L"), np.uint8)
    except ProjectFileError:
        raise
    except Image.DecompressionBombError as e:
        raise ProjectFileError(f"{path}: base.png is too large to open; expected a PNG of "
                               f"{SIDE} x {SIDE} ({e})") from e
    except (OSError, ValueError, SyntaxError) as e:
        raise ProjectFileError(f"{path}: base.png is not a readable image ({e})") from e


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
