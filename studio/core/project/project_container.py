"""The .lstudio file: a ZIP of manifest.json and image parts, read as hostile input.

A ZIP because it is one file to mail or back up, any archive tool can open it, and the
parts (thumbnail, base and source images) need no encoding of our own. A project comes
from anywhere (a download, a damaged disk), so reading it trusts nothing: only plain
part names (nothing that could become a path), no duplicates, and sizes bounded before
and while anything is decompressed, so a zip bomb costs a message, not the machine.
Nothing is ever extracted to disk. Every failure is one ProjectFileError naming the file.
Writing stages the whole archive beside the old file and renames it over, so a crash or
full disk never leaves half a project and the old one stays intact until the new is done.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from studio.ml.atomic_files import write_atomically
from studio.ml.errors import StudioError

MANIFEST = "manifest.json"
MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # a manifest with 2,000 strokes is a few MB
MAX_PART_BYTES = 256 * 1024 * 1024  # a 40-megapixel source image fits
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_ENTRIES = 64
PART_NAME = re.compile(r"[a-z0-9_-]{1,40}\.[a-z0-9]{1,8}")  # plain names only

ALREADY_COMPRESSED = {"png", "jpg", "jpeg", "webp", "gif"}  # deflating these gains nothing
CHUNK = 1 << 20
# What zipfile and zlib raise on a damaged, truncated or hostile archive.
_DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError,
            ValueError, struct.error, OverflowError, RuntimeError)


class ProjectFileError(StudioError):
    """A project file that cannot be read or written; the message starts with its path."""


def write_container(path: Path, manifest: bytes, parts: dict[str, bytes]) -> None:
    """Write `manifest` and `parts` as the project at `path`, all of it or nothing.

    ValueError for a part name that is not a plain PART_NAME (or is MANIFEST);
    ProjectFileError for a project too large to read back, or a failed write."""
    path = Path(path)
    _check_parts_to_write(path, manifest, parts)
    write_atomically(path, _archive(manifest, parts), ProjectFileError)


def read_container(path: Path) -> tuple[bytes, dict[str, bytes]]:
    """(manifest bytes, {part name: bytes}) of the project at `path`.

    ProjectFileError naming the file and the problem for anything but a sound project."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            _check_entries(path, infos)
            contents = {info.filename: _read_entry(path, zf, info) for info in infos}
    except ProjectFileError:
        raise
    except FileNotFoundError as e:
        raise ProjectFileError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise ProjectFileError(f"{path}: is a folder, not a project file") from e
    except PermissionError as e:
        raise ProjectFileError(f"{path}: cannot be read (permission denied)") from e
    except zipfile.BadZipFile as e:
        raise ProjectFileError(f"{path}: not a Latent Studio project or damaged ({e})") from e
    except _DAMAGED as e:
        raise ProjectFileError(f"{path}: damaged or unreadable ({e})") from e
    manifest = contents.pop(MANIFEST)
    return manifest, contents


def _check_parts_to_write(path: Path, manifest: bytes, parts: dict[str, bytes]) -> None:
    """Refuse now what read_container would refuse later: saving it would lose the work."""
    for name in parts:
        if name == MANIFEST or not PART_NAME.fullmatch(name):
            raise ValueError(f"not a plain part name: {name!r}")
    if len(parts) + 1 > MAX_ENTRIES:
        raise ValueError(f"{len(parts)} parts; a project holds at most {MAX_ENTRIES - 1}")
    if len(manifest) > MAX_MANIFEST_BYTES:
        raise ProjectFileError(f"{path}: the manifest is too large to save "
                               f"({len(manifest)} bytes, at most {MAX_MANIFEST_BYTES})")
    for name, data in parts.items():
        if len(data) > MAX_PART_BYTES:
            raise ProjectFileError(f"{path}: part {name!r} is too large to save "
                                   f"({len(data)} bytes, at most {MAX_PART_BYTES})")
    total = len(manifest) + sum(len(data) for data in parts.values())
    if total > MAX_TOTAL_BYTES:
        raise ProjectFileError(f"{path}: the project is too large to save "
                               f"({total} bytes, at most {MAX_TOTAL_BYTES})")


def _archive(manifest: bytes, parts: dict[str, bytes]) -> bytes:
    """The whole ZIP in memory: manifest.json first (deflated), then each part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(MANIFEST, manifest, compress_type=zipfile.ZIP_DEFLATED)
        for name, data in parts.items():
            zf.writestr(name, data, compress_type=_compression(name))
    return buffer.getvalue()


def _compression(name: str) -> int:
    suffix = name.rsplit(".", 1)[-1]
    return zipfile.ZIP_STORED if suffix in ALREADY_COMPRESSED else zipfile.ZIP_DEFLATED


def _check_entries(path: Path, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse the whole file on any unsafe or oversized entry, before reading any of them."""
    if len(infos) > MAX_ENTRIES:
        raise ProjectFileError(f"{path}: too many entries ({len(infos)}, at most {MAX_ENTRIES})")
    seen: set[str] = set()
    for info in infos:
        _check_entry(path, info)
        if info.filename in seen:
            raise ProjectFileError(f"{path}: duplicate entry {info.filename!r}")
        seen.add(info.filename)
    if MANIFEST not in seen:
        raise ProjectFileError(f"{path}: not a Latent Studio project: no {MANIFEST}")
    total = sum(info.file_size for info in infos)
    if total > MAX_TOTAL_BYTES:
        raise ProjectFileError(f"{path}: too large when unpacked "
                               f"({total} bytes, at most {MAX_TOTAL_BYTES})")


def _check_entry(path: Path, info: zipfile.ZipInfo) -> None:
    name = info.filename
    # zipfile cuts a name at a NUL byte; the name as stored must be the name we check.
    plain = name == info.orig_filename and (name == MANIFEST or PART_NAME.fullmatch(name))
    if not plain:
        raise ProjectFileError(f"{path}: unsafe entry name {info.orig_filename!r}")
    if info.flag_bits & 0x1:
        raise ProjectFileError(f"{path}: entry {name!r} is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise ProjectFileError(f"{path}: entry {name!r} uses an unsupported compression "
                               f"(method {info.compress_type})")
    limit = _limit(name)
    if info.file_size > limit:
        raise ProjectFileError(f"{path}: entry {name!r} is too large "
                               f"({info.file_size} bytes, at most {limit})")


def _limit(name: str) -> int:
    return MAX_MANIFEST_BYTES if name == MANIFEST else MAX_PART_BYTES


def _read_entry(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, read in chunks and never past its declared size (which may lie)."""
    bound = min(info.file_size, _limit(info.filename))
    chunks: list[bytes] = []
    size = 0
    with zf.open(info) as stream:
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > bound:
                raise ProjectFileError(f"{path}: entry {info.filename!r} unpacks to more than "
                                       f"it declares ({info.file_size} bytes)")
            chunks.append(chunk)
    return b"".join(chunks)
