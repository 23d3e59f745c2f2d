"""The .lstudio container: round trips, atomic writes, and one clear error for every hostile file.

Hostile archives are built by hand with zipfile (and patched with struct where zipfile
will not write the lie), because a project comes from anywhere; each refusal must name
the file and the problem, raise nothing but ProjectFileError, and leave no file behind.
"""

from __future__ import annotations

import random
import struct
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reader_strategies import trying

from studio.core.project import project_container as pc
from studio.core.project.project_container import (
    MANIFEST,
    MAX_ENTRIES,
    ProjectFileError,
    read_container,
    write_container,
)
from studio.ml import atomic_files
from studio.ml.errors import StudioError

MANIFEST_BYTES = b'{"version": 1, "strokes": []}'
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(255, -1, -1)) * 4
PARTS = {"thumbnail.png": PNG, "source.jpg": JPEG, "strokes.bin": b"\x00\x01" * 3000}
CENTRAL = b"PK\x01\x02"
LOCAL = b"PK\x03\x04"


def good_project(folder: Path) -> Path:
    path = folder / "good.lstudio"
    write_container(path, MANIFEST_BYTES, PARTS)
    return path


def hostile(path: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]],
            compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """A zip holding exactly `entries`, in order, duplicates and all."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns on a duplicate name
        with zipfile.ZipFile(path, "w", compression) as zf:
            for name, data in entries:
                zf.writestr(name, data)
    return path


def patch_header_field(path: Path, central_offset: int, local_offset: int, fmt: str,
                       value: int) -> None:
    """Overwrite one field of every local header and central directory record."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((CENTRAL, central_offset), (LOCAL, local_offset)):
        if offset < 0:
            continue
        at = data.find(signature)
        while at >= 0:
            struct.pack_into(fmt, data, at + offset, value)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def refused(path: Path, *phrases: str) -> str:
    """Read `path`, expecting one ProjectFileError naming it and the phrases; no new files."""
    before = set(path.parent.iterdir())
    with pytest.raises(ProjectFileError) as caught:
        read_container(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    for phrase in phrases:
        assert phrase in message, message
    assert set(path.parent.iterdir()) == before
    return message


# -- round trip and layout ---------------------------------------------------------------


def test_round_trip_gives_back_the_same_bytes(tmp_path):
    path = good_project(tmp_path)
    manifest, parts = read_container(path)
    assert manifest == MANIFEST_BYTES
    assert parts == PARTS


def test_a_project_with_no_parts_round_trips(tmp_path):
    path = tmp_path / "empty.lstudio"
    write_container(path, b"{}", {})
    assert read_container(path) == (b"{}", {})


def test_manifest_first_and_deflated_images_stored(tmp_path):
    with zipfile.ZipFile(good_project(tmp_path)) as zf:
        infos = zf.infolist()
    assert infos[0].filename == MANIFEST
    assert infos[0].compress_type == zipfile.ZIP_DEFLATED
    kinds = {info.filename: info.compress_type for info in infos[1:]}
    assert kinds == {"thumbnail.png": zipfile.ZIP_STORED, "source.jpg": zipfile.ZIP_STORED,
                     "strokes.bin": zipfile.ZIP_DEFLATED}


def test_the_error_is_a_studio_error():
    assert issubclass(ProjectFileError, StudioError)


# -- writing -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../evil.png", "/evil.png", "a/b.png", "a\\b.png",
                                  "C:evil.png", "Base.PNG", "noext", "", MANIFEST, "x.png/"])
def test_write_refuses_a_name_that_is_not_plain(tmp_path, name):
    with pytest.raises(ValueError, match="not a plain part name"):
        write_container(tmp_path / "p.lstudio", b"{}", {name: b"x"})
    assert list(tmp_path.iterdir()) == []


def test_write_refuses_what_read_would_refuse(tmp_path, monkeypatch):
    monkeypatch.setattr(pc, "MAX_PART_BYTES", 10)
    with pytest.raises(ProjectFileError, match="too large to save"):
        write_container(tmp_path / "p.lstudio", b"{}", {"base.png": b"x" * 11})
    assert list(tmp_path.iterdir()) == []


def _fail_fsync(fd: int) -> None:
    raise OSError(28, "No space left on device")


def _fail_replace(src: str, dst: str) -> None:
    raise OSError(28, "No space left on device")


@pytest.mark.parametrize("target, failure", [("fsync", _fail_fsync),
                                             ("replace", _fail_replace)])
def test_a_failed_write_leaves_the_old_project_untouched(tmp_path, monkeypatch, target, failure):
    path = good_project(tmp_path)
    old = path.read_bytes()
    monkeypatch.setattr(atomic_files.os, target, failure)
    with pytest.raises(ProjectFileError, match="No space left"):
        write_container(path, b'{"new": true}', {"base.png": PNG * 50})
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert list(tmp_path.iterdir()) == [path]
    assert read_container(path) == (MANIFEST_BYTES, PARTS)


def test_writing_into_a_missing_folder_is_a_project_error(tmp_path):
    path = tmp_path / "no such folder" / "p.lstudio"
    with pytest.raises(ProjectFileError, match="cannot write here"):
        write_container(path, b"{}", {})


# -- files that are not projects ---------------------------------------------------------


def test_a_missing_file(tmp_path):
    refused(tmp_path / "gone.lstudio", "no such file")


def test_a_folder(tmp_path):
    (tmp_path / "dir.lstudio").mkdir()
    refused(tmp_path / "dir.lstudio", "is a folder")


def test_an_unreadable_file(tmp_path, monkeypatch):
    path = good_project(tmp_path)

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(zipfile, "ZipFile", denied)  # chmod means nothing to root
    refused(path, "cannot be read", "permission denied")


def test_an_empty_file(tmp_path):
    path = tmp_path / "empty.lstudio"
    path.write_bytes(b"")
    refused(path, "not a Latent Studio project")


def test_random_bytes(tmp_path):
    path = tmp_path / "noise.lstudio"
    path.write_bytes(random.Random(7).randbytes(5000))
    refused(path, "not a Latent Studio project")


def test_a_truncated_project(tmp_path):
    path = good_project(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    refused(path, "not a Latent Studio project")


def test_a_crc_error(tmp_path):
    path = good_project(tmp_path)
    data = bytearray(path.read_bytes())
    at = data.find(PNG) + 100  # the PNG part is stored, so its bytes are in the file as is
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    refused(path, "damaged", "CRC")


def test_no_manifest(tmp_path):
    path = hostile(tmp_path / "p.lstudio", [("base.png", PNG)])
    refused(path, "not a Latent Studio project: no manifest.json")


# -- hostile entries ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../evil.png", "../../x", "/evil.png", "\\evil.png",
                                  "C:evil.png", "c:/evil.png", "parts\\evil.png",
                                  "parts/evil.png", "parts/", "Evil.PNG", "evil",
                                  "a" * 41 + ".png", "..png"])
def test_an_unsafe_entry_name_refuses_the_whole_file(tmp_path, name):
    path = hostile(tmp_path / "p.lstudio",
                   [(MANIFEST, MANIFEST_BYTES), ("base.png", PNG), (zipfile.ZipInfo(name), b"x")])
    refused(path, f"unsafe entry name {name!r}")


def test_a_name_cut_short_by_a_nul_byte(tmp_path):
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b"{}"), ("evil.pngXtxt", b"x")])
    path.write_bytes(path.read_bytes().replace(b"evil.pngXtxt", b"evil.png\x00txt"))
    refused(path, "unsafe entry name 'evil.png\\x00txt'")


def test_duplicate_entries(tmp_path):
    path = hostile(tmp_path / "p.lstudio",
                   [(MANIFEST, b"{}"), ("base.png", PNG), ("base.png", b"other")])
    refused(path, "duplicate entry 'base.png'")


def test_a_duplicate_manifest(tmp_path):
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b"{}"), (MANIFEST, b'{"x": 1}')])
    refused(path, "duplicate entry 'manifest.json'")


def test_too_many_entries(tmp_path):
    entries = [(MANIFEST, b"{}")] + [(f"p{i}.bin", b"x") for i in range(MAX_ENTRIES)]
    refused(hostile(tmp_path / "p.lstudio", entries), "too many entries (65, at most 64)")


def test_exactly_max_entries_is_fine(tmp_path):
    entries = [(MANIFEST, b"{}")] + [(f"p{i}.bin", b"x") for i in range(MAX_ENTRIES - 1)]
    _, parts = read_container(hostile(tmp_path / "p.lstudio", entries))
    assert len(parts) == MAX_ENTRIES - 1


def test_unsupported_compression(tmp_path):
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b"{}")], zipfile.ZIP_BZIP2)
    refused(path, "unsupported compression")


def test_an_encrypted_entry(tmp_path):
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b"{}"), ("base.png", PNG)])
    patch_header_field(path, 8, 6, "<H", 0x1)  # general purpose flags: encrypted
    refused(path, "encrypted")


# -- zip bombs: declared sizes checked first, actual sizes checked while reading ---------


@pytest.fixture
def no_reading(monkeypatch):
    """Fail the test if any entry is opened to read: size checks must come first."""
    original = zipfile.ZipFile.open

    def opened(self, name, mode="r", **kwargs):
        if mode == "r":
            raise AssertionError("an entry was read before the sizes were checked")
        return original(self, name, mode, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", opened)


def test_a_part_declared_too_large(tmp_path, monkeypatch, no_reading):
    monkeypatch.setattr(pc, "MAX_PART_BYTES", 1000)
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b"{}"), ("base.png", bytes(1001))])
    refused(path, "entry 'base.png' is too large (1001 bytes, at most 1000)")


def test_a_manifest_declared_too_large(tmp_path, monkeypatch, no_reading):
    monkeypatch.setattr(pc, "MAX_MANIFEST_BYTES", 100)
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b" " * 101)])
    refused(path, "entry 'manifest.json' is too large")


def test_parts_too_large_in_all(tmp_path, monkeypatch, no_reading):
    monkeypatch.setattr(pc, "MAX_TOTAL_BYTES", 3000)
    path = hostile(tmp_path / "p.lstudio",
                   [(MANIFEST, b"{}"), ("a.bin", bytes(2000)), ("b.bin", bytes(2000))])
    refused(path, "too large when unpacked (4002 bytes, at most 3000)")


def test_a_declared_size_that_lies(tmp_path, monkeypatch):
    """100 kB of zeros deflate to a few hundred bytes; the headers claim 1,000 unpacked."""
    monkeypatch.setattr(pc, "MAX_PART_BYTES", 5000)
    path = hostile(tmp_path / "p.lstudio", [("bomb.bin", bytes(100_000))])
    patch_header_field(path, 24, 22, "<I", 1000)  # uncompressed size
    with zipfile.ZipFile(path) as zf:
        assert zf.infolist()[0].file_size == 1000, "sanity: the lie is in place"
    # add the manifest after the bomb, so the bomb is read (and refused) first
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(MANIFEST, b"{}")
    refused(path, "damaged")


class OverflowingStream:
    """An entry stream that yields more than the entry declares, as a lying archive could
    if zipfile ever stopped capping reads at the declared size."""

    def __init__(self, total: int) -> None:
        self.left = total

    def read(self, n: int) -> bytes:
        chunk = bytes(min(n, self.left))
        self.left -= len(chunk)
        return chunk

    def __enter__(self) -> OverflowingStream:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def test_reading_stops_past_the_declared_size(tmp_path, monkeypatch):
    path = hostile(tmp_path / "p.lstudio", [(MANIFEST, b"{}"), ("base.png", bytes(10))])
    monkeypatch.setattr(pc, "CHUNK", 4)
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info: OverflowingStream(1000))
    refused(path, "unpacks to more than it declares")


# -- properties: whatever the bytes, a result or ProjectFileError ------------------------


def _read_or_refuse(path: Path) -> None:
    try:
        manifest, parts = read_container(path)
    except ProjectFileError as e:
        assert str(e).startswith(str(path))
    else:
        assert isinstance(manifest, bytes)
        assert all(isinstance(v, bytes) for v in parts.values())
    assert list(path.parent.iterdir()) == [path]


@trying(300)
@given(data=st.binary(max_size=3000) | st.binary(max_size=3000).map(lambda b: LOCAL + b))
def test_any_bytes_read_or_refuse(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("any") / "p.lstudio"
    path.write_bytes(data)
    _read_or_refuse(path)


@pytest.fixture(scope="module")
def good_bytes(tmp_path_factory) -> bytes:
    return good_project(tmp_path_factory.mktemp("good")).read_bytes()


@trying(400)
@given(where=st.floats(0, 1, exclude_max=True), flip=st.integers(1, 255))
def test_a_flipped_byte_reads_or_refuses(tmp_path_factory, good_bytes, where, flip):
    data = bytearray(good_bytes)
    data[int(where * len(data))] ^= flip
    path = tmp_path_factory.mktemp("flip") / "p.lstudio"
    path.write_bytes(bytes(data))
    _read_or_refuse(path)
