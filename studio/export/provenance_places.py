"""Where each export format keeps the provenance record, and reading it back from any.

One record (export/provenance), each format's own metadata place, so other programs
keep it and show it where they can:

- PNG and APNG: a compressed iTXt chunk keyed "latent-studio" (export/provenance).
- WebP: an XMP packet (Pillow writes `xmp=` and reads it back as `info["xmp"]`).
- SVG: a `<metadata>` element (export/provenance_xml holds both XML places).
- GIF: a comment extension holding the JSON (Pillow's `comment=`, `info["comment"]`).
- MP4 and WebM: the container's "comment" tag holds the JSON and "description" the
  human line; both are tags FFmpeg's MP4 and Matroska muxers write without options.

GIF and video comments are free text that other programs fill too, so a comment is
taken as ours only when it is a JSON object naming our format; anything else in it is
somebody else's and means "no record". Everything read here is hostile input: sizes
are checked before parsing and every failure is an ExportError naming the file.
"""

from __future__ import annotations

from pathlib import Path

from studio.export.provenance import (
    FORMAT,
    KEY,
    MAX_TEXT,
    ExportError,
    Provenance,
    image_info,
)
from studio.export.provenance_xml import read_svg_record, read_xmp_record

VIDEO_SUFFIXES = (".mp4", ".m4v", ".mov", ".webm", ".mkv")
COMMENT_TAG, DESCRIPTION_TAG = "comment", "description"
MAX_VIDEO_TAGS = 4096  # tags looked at in one container


def gif_comment(provenance: Provenance | None) -> bytes | None:
    """The GIF comment extension's text: the record's JSON (Pillow splits it in blocks)."""
    return None if provenance is None else provenance.to_json().encode("utf-8")


def video_metadata(provenance: Provenance | None) -> dict[str, str]:
    """Container tags for an MP4 or WebM: the writer's `metadata` parameter."""
    if provenance is None:
        return {}
    return {COMMENT_TAG: provenance.to_json(), DESCRIPTION_TAG: provenance.describe()}


def is_ours(text: str) -> bool:
    """Whether a free-text comment is a provenance record (perhaps a damaged one)."""
    head = text.lstrip()[:4096]
    return head.startswith("{") and FORMAT.rsplit("/", 1)[0] in text[:MAX_TEXT + 1]


def read_provenance(path: Path) -> Provenance | None:
    """The record in the file at `path`, None when it has none (any ordinary picture).

    ExportError names the file when it cannot be read or its record is damaged: a
    half-restored point would be worse than a clear refusal.
    """
    text = read_record_text(Path(path))
    return None if text is None else Provenance.from_json(text, str(path))


def read_record_text(path: Path) -> str | None:
    """The record's JSON in the file at `path`, not yet validated; None when it has none.

    SVG and video go by their suffix (Pillow reads neither); any other file is opened
    as an image and its own format (not its name) says where to look.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        return read_svg_record(path)
    if suffix in VIDEO_SUFFIXES:
        return read_video_record(path)
    return _image_record(path)


def _image_record(path: Path) -> str | None:
    fmt, info = image_info(path)
    if fmt == "PNG":
        text = info.get(KEY)
        return None if text is None else str(text)
    if fmt == "WEBP":
        xmp = info.get("xmp")
        return None if not xmp else read_xmp_record(xmp, str(path))
    if fmt == "GIF":
        return _ours(info.get("comment"), path)
    return None


def _ours(comment: object, path: Path) -> str | None:
    """A GIF or video comment as our record's text, None when it is somebody else's."""
    if isinstance(comment, bytes | bytearray):
        if len(comment) > MAX_TEXT:
            head = bytes(comment[:4096]).decode("utf-8", "replace")
            if head.lstrip().startswith("{") and FORMAT.rsplit("/", 1)[0] in head:
                raise ExportError(f"{path}: provenance is longer than {MAX_TEXT} bytes")
            return None
        try:
            comment = bytes(comment).decode("utf-8")
        except UnicodeDecodeError:
            return None  # not ours: we write UTF-8 JSON
    if not isinstance(comment, str) or not is_ours(comment):
        return None
    return comment


def read_video_record(path: Path) -> str | None:
    """The record in an MP4 or WebM's container tags (PyAV, imported only here)."""
    try:
        import av
    except ImportError as e:
        raise ExportError(f"{path}: reading video needs PyAV (pip install 'av>=12')") from e
    try:
        with av.open(str(path), "r") as container:
            tags = dict(list(container.metadata.items())[:MAX_VIDEO_TAGS])
    except FileNotFoundError as e:
        raise ExportError(f"{path}: no such file") from e
    except (av.FFmpegError, OSError, ValueError, UnicodeDecodeError) as e:
        raise ExportError(f"{path}: not a readable video ({e})") from e
    for key, value in tags.items():
        if str(key).lower() == COMMENT_TAG:  # Matroska keeps it upper case: COMMENT
            return _ours(value, path)
    return None
