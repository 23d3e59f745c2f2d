"""A project's manifest and pictures are checked where they are read: a bad project is
refused whole, with a message naming the file, and nothing of it reaches the window."""

from __future__ import annotations

import dataclasses
import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image

from studio.core.project.project_container import ProjectFileError
from studio.core.project.project_file import Project, read_project, write_project
from studio.core.project.project_manifest import (
    BaseRecord,
    CanvasRecord,
    ProjectManifest,
    StrokeRecord,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from reader_strategies import ANY_JSON, trying  # noqa: E402


def a_project(base: bool = True) -> Project:
    strokes = [StrokeRecord(20.0, False, [(10.0, 20.0, 1.0), (30.0, 40.0, 0.5)]),
               StrokeRecord(44.0, True, [(100.0, 100.0, 1.0)])]
    coverage = np.zeros((512, 512), np.uint8)
    coverage[100:400, 250:260] = 255
    canvas = CanvasRecord(strokes=strokes, base=BaseRecord(name="scan.jpg",
                                                           source="source.jpg")
                          if base else None)
    jpeg = io.BytesIO()
    Image.new("RGB", (640, 480), "white").save(jpeg, "JPEG")
    return Project(ProjectManifest(canvas=canvas), coverage if base else None,
                   jpeg.getvalue() if base else None)


def manifest_of(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def rewrite(path, manifest: dict | None = None, **parts: bytes) -> None:
    """The project at `path` with its manifest and some parts replaced, as an editor might."""
    with zipfile.ZipFile(path) as zf:
        entries = {name: zf.read(name) for name in zf.namelist()}
    if manifest is not None:
        entries["manifest.json"] = json.dumps(manifest).encode()
    entries.update(parts)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def test_a_project_round_trips_with_its_pictures(tmp_path):
    raster = np.full((512, 512), 7, np.uint8)
    project = dataclasses.replace(a_project(), raster=raster)
    write_project(tmp_path / "p.lstudio", project)
    back = read_project(tmp_path / "p.lstudio")
    assert back.manifest.canvas.strokes == project.manifest.canvas.strokes
    assert np.array_equal(back.raster, raster) and back.manifest.canvas.raster == "raster.png"
    assert np.array_equal(back.base, project.base) and back.source == project.source
    assert Image.open(io.BytesIO(back.thumbnail)).size == (256, 256)
    assert manifest_of(tmp_path / "p.lstudio")["version"] == 1


def _huge_png(width: int, height: int) -> bytes:
    """A PNG whose header says width x height (the pixels are never read)."""
    out = io.BytesIO()
    Image.new("L", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = 8 + 8  # signature, then length and type of the IHDR chunk
    data[ihdr:ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4:ihdr + 13]))
    data[ihdr + 13:ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


@pytest.mark.parametrize(("change", "problem"), [
    (lambda m: m.update(version=2), "newer Latent Studio (project version 2"),
    (lambda m: m.update(format="other"), "not a Latent Studio project"),
    (lambda m: m["canvas"].update(brush_size=float("nan")), "'canvas.brush_size'"),
    (lambda m: m["canvas"]["strokes"][0][2][0].__setitem__(0, 1e308),
     "'canvas.strokes[0][2][0][0]'"),  # [width, erase, points]
    (lambda m: m["canvas"]["strokes"][0].__setitem__(1, "yes"), "expected `bool`"),
    (lambda m: m["sound"].update(high_hz=23000.0), "half the sample rate"),
    (lambda m: m["canvas"]["base"].update(source="../../etc/passwd"), "'canvas.base.source'"),
])
def test_a_bad_manifest_is_refused_naming_the_file(tmp_path, change, problem):
    path = write_project(tmp_path / "p.lstudio", a_project())
    manifest = manifest_of(path)
    change(manifest)
    rewrite(path, manifest)
    with pytest.raises(ProjectFileError, match="p.lstudio") as caught:
        read_project(path)
    assert problem in str(caught.value)


@pytest.mark.parametrize(("part", "data", "problem"), [
    ("base.png", _huge_png(20_000, 20_000), "expected a PNG of 512 x 512"),
    ("base.png", b"not a picture", "base.png is not a readable image"),
    ("source.jpg", _huge_png(20_000, 20_000), "too large to open"),
    ("source.jpg", b"\xff\xd8 truncated", "source.jpg is not a readable image"),
])
def test_bad_pictures_are_refused_before_they_are_decoded(tmp_path, part, data, problem):
    path = write_project(tmp_path / "p.lstudio", a_project())
    rewrite(path, **{part: data})
    with pytest.raises(ProjectFileError, match=problem) as caught:
        read_project(path)
    assert "p.lstudio" in str(caught.value)


def test_a_missing_base_png_is_named(tmp_path):
    path = write_project(tmp_path / "p.lstudio", a_project(base=False))
    manifest = manifest_of(path)
    manifest["canvas"]["base"] = {"name": "scan.jpg"}
    rewrite(path, manifest)
    with pytest.raises(ProjectFileError, match="base.png is missing"):
        read_project(path)


def test_the_writer_refuses_what_the_reader_would(tmp_path):
    from studio.ml.errors import StudioError

    bad = Project(ProjectManifest(canvas=CanvasRecord(brush_size=float("nan"))))
    with pytest.raises(StudioError, match="'canvas.brush_size'"):
        write_project(tmp_path / "p.lstudio", bad)
    assert list(tmp_path.iterdir()) == [], "nothing written"


SECTIONS = st.sampled_from(["canvas", "explorer", "sound", "train", "export", "version",
                            "thumbnail", "saved"])


@trying(100)
@given(section=SECTIONS, value=ANY_JSON)
def test_any_section_replaced_gives_a_project_or_its_own_error(tmp_path, section, value):
    path = write_project(tmp_path / "p.lstudio", a_project())
    manifest = manifest_of(path)
    manifest[section] = value
    rewrite(path, manifest)
    try:
        project = read_project(path)
    except ProjectFileError as e:
        assert "p.lstudio" in str(e)
        return
    assert isinstance(project.manifest, ProjectManifest)


def test_strokes_are_checked_in_chunks_and_the_bad_one_is_named(tmp_path):
    from studio.ml.errors import StudioError

    strokes = [StrokeRecord(20.0, False, [(1.0, 2.0, 1.0)]) for _ in range(450)]
    strokes[321] = StrokeRecord(20.0, False, [(1.0, 2.0, 1.0), (float("nan"), 2.0, 1.0)])
    bad = Project(ProjectManifest(canvas=CanvasRecord(strokes=strokes)))
    with pytest.raises(StudioError, match=r"'canvas.strokes\[321\]\[2\]\[1\]\[0\]'.*got nan"):
        write_project(tmp_path / "p.lstudio", bad)
    strokes[321] = strokes[0]
    path = write_project(tmp_path / "p.lstudio", bad.__class__(
        ProjectManifest(canvas=CanvasRecord(strokes=strokes))))
    assert read_project(path).manifest.canvas.strokes == strokes
