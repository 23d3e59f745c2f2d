"""Image, SVG and animation export: provenance round trips, shapes, timing, bad input."""

from __future__ import annotations

import errno
import logging
import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageDraw, PngImagePlugin

from studio.export import (
    ExportError,
    Provenance,
    crop_to_ink,
    read_provenance,
    render,
    resample_frames,
    sample_sheet,
    save_animation,
    save_png,
    save_svg,
    trace_svg,
)
from studio.export.animation import frame_durations

SHA = "ab" * 32


def provenance(**changes) -> Provenance:
    fields = dict(model_name="Default GAN", model_kind="gan", weights_sha256=SHA, digit=7,
                  seed=1234, latent=(0.25, -1.5, 3e-8, 2.0), coords=(0.1, 0.2))
    fields.update(changes)
    return Provenance(**fields)


def ring(n: int = 28) -> np.ndarray:
    """A "0": an anti-aliased annulus, so the trace must keep a hole."""
    y, x = np.mgrid[0:n, 0:n] + 0.5
    r = np.hypot(x - n / 2, y - n / 2)
    return np.clip(np.minimum(r - n * 0.18, n * 0.36 - r) + 0.5, 0, 1).astype(np.float32)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- provenance ---------------------------------------------------------------------------

@pytest.mark.parametrize("prov", [provenance(), provenance(seed=None, coords=None, model_kind="vae",
                                                           latent=tuple(np.linspace(-3, 3, 64)))])
def test_png_provenance_round_trips(tmp_path, prov):
    path = save_png(tmp_path / "seven.png", render(ring(), 64), prov)
    assert read_provenance(path) == prov
    with Image.open(path) as im:
        assert "Digit 7" in im.info["Description"] and "Latent Studio" in im.info["Software"]
    assert leftovers(tmp_path) == ["seven.png"]


def test_png_without_provenance_reads_as_none(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    assert read_provenance(tmp_path / "plain.png") is None
    assert read_provenance(save_png(tmp_path / "ours.png", render(ring(), 32))) is None
    (tmp_path / "text.png").write_text("not an image")
    with pytest.raises(ExportError, match="text.png"):
        read_provenance(tmp_path / "text.png")


@pytest.mark.parametrize("text, problem", [
    ("{not json", "not readable JSON"),
    ('{"format": "other"}', "format"),
    (provenance().to_json().replace(SHA, "xyz"), "weights_sha256"),
    (provenance().to_json().replace("0.25", "NaN"), "'latent\\[0\\]'.*got nan"),
    (provenance().to_json().replace('"gan"', '"rnn"'), "model_kind"),
    (provenance().to_json().replace('"digit":7', '"digit":-1'), "digit"),
    (provenance().to_json().replace('"seed":1234', '"seed":"x"'), "seed"),
    (provenance().to_json().replace("[0.25,", "[0.25," + "0.0," * 4097), "'latent'"),
])
def test_damaged_provenance_names_the_file(tmp_path, text, problem):
    info = PngImagePlugin.PngInfo()
    info.add_itxt("latent-studio", text)
    Image.new("L", (4, 4)).save(tmp_path / "damaged.png", pnginfo=info)
    with pytest.raises(ExportError, match=problem) as caught:
        read_provenance(tmp_path / "damaged.png")
    assert "damaged.png" in str(caught.value)


def test_export_imports_neither_qt_nor_torch():
    import subprocess
    import sys

    code = ("import sys, studio.export; "
            "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- pictures -----------------------------------------------------------------------------

def test_render_size_aspect_colours_and_transparency():
    wide = np.zeros((10, 20), np.float32)
    wide[:, :10] = 1.0
    assert render(wide, 200).size == (200, 100)
    assert render(wide.T, 200).size == (100, 200)
    opaque = np.asarray(render(wide, 40, ink=(255, 0, 0), background=(0, 0, 255)))
    assert tuple(opaque[10, 5]) == (255, 0, 0) and tuple(opaque[10, 35]) == (0, 0, 255)
    clear = render(wide, 40, ink=(0, 128, 0), background=None)
    assert clear.mode == "RGBA"
    pixels = np.asarray(clear)
    assert pixels[10, 35, 3] == 0 and tuple(pixels[10, 5]) == (0, 128, 0, 255)
    assert render(np.full((28, 28), 255, np.uint8), 16).getpixel((8, 8)) == (20, 20, 30)


def test_crisp_keeps_pixels_smooth_blends():
    checker = (np.indices((4, 4)).sum(axis=0) % 2).astype(np.float32)
    crisp = np.asarray(render(checker, 64, smooth=False, background=None))[..., 3]
    smooth = np.asarray(render(checker, 64, smooth=True, background=None))[..., 3]
    assert set(np.unique(crisp)) == {0, 255}
    assert crisp[8, 8] == 0 and crisp[8, 24] == 255  # each source pixel a 16x16 square
    assert len(np.unique(smooth)) > 20


@pytest.mark.parametrize("size", [0, 15, 8193, 2.5, True])
def test_render_refuses_absurd_sizes(size):
    with pytest.raises(ExportError, match="size"):
        render(ring(), size)


def test_render_refuses_non_images():
    with pytest.raises(ExportError, match="2-D"):
        render(np.zeros((3, 28, 28)), 64)
    with pytest.raises(ExportError, match="NaN"):
        render(np.full((4, 4), np.nan), 64)


def test_crop_to_ink_and_sample_sheet():
    canvas = np.zeros((100, 100), np.float32)
    canvas[30:50, 40:50] = 1.0
    crop = crop_to_ink(canvas, margin=0.1)
    assert crop.shape == (24, 14) and crop.sum() == 200 and crop[:2].sum() == 0
    assert crop_to_ink(np.zeros((5, 5))).shape == (5, 5)
    samples = np.zeros((3, 4, 28, 28), np.uint8)
    samples[2, 1] = 255
    sheet = sample_sheet(samples, gap=2)
    assert sheet.shape == (3 * 30 - 2, 4 * 30 - 2)
    assert sheet[60:88, 30:58].min() == 1.0 and sheet.sum() == 28 * 28


# -- SVG ----------------------------------------------------------------------------------

def rasterize_svg(text: str) -> tuple[np.ndarray, tuple[int, int]]:
    """Fill the SVG's paths (cubic Béziers, evenodd) with Pillow: a bool mask."""
    root = ET.fromstring(text)
    ns = "{http://www.w3.org/2000/svg}"
    assert root.tag == f"{ns}svg"
    w, h = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {w} {h}"
    mask = Image.new("1", (w, h), 0)
    for path in root.iter(f"{ns}path"):
        assert path.get("fill-rule") == "evenodd"
        for sub in re.findall(r"M[^M]*", path.get("d")):
            assert sub.rstrip().endswith("Z")
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", sub)]
            points, here = [], numbers[:2]
            for i in range(2, len(numbers), 6):
                p0, (c1, c2, p3) = np.array(here), np.reshape(numbers[i:i + 6], (3, 2))
                for t in np.linspace(0, 1, 9)[1:]:
                    points.append(tuple((1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * c1
                                        + 3 * (1 - t) * t ** 2 * c2 + t ** 3 * p3))
                here = numbers[i + 4:i + 6]
            layer = Image.new("1", (w, h), 0)
            ImageDraw.Draw(layer).polygon(points, fill=1)
            mask = ImageChops.logical_xor(mask, layer)
    return np.asarray(mask), (w, h)


@pytest.mark.parametrize("size", [280, 300])
def test_svg_outline_covers_the_ink_and_keeps_holes(size, bundled):
    for image in (ring(), bundled.train.images[0], bundled.train.images[-1]):
        text = trace_svg(image, size, background=(255, 255, 255))
        inside, (w, h) = rasterize_svg(text)
        assert (w, h) == (size, size)
        reference = np.asarray(render(image, size, background=None))[..., 3] / 255.0
        ink, paper = reference > 0.6, reference < 0.4
        assert ink.sum() > 1000
        assert inside[ink].mean() > 0.99 and inside[paper].mean() < 0.01
    text = trace_svg(ring(), 280)
    assert not rasterize_svg(text)[0][140, 140]  # the hole of the 0
    assert text.count("M") == 2 and text.count("C") < 200  # simplified: ~960 points traced


def test_svg_of_blank_image_and_saving(tmp_path):
    text = trace_svg(np.zeros((28, 28)), 100)
    assert ET.fromstring(text).find("{http://www.w3.org/2000/svg}path") is None
    path = save_svg(tmp_path / "blank.svg", text)
    assert path.read_text() == text
    with pytest.raises(ExportError, match="threshold"):
        trace_svg(ring(), 100, threshold=1.0)


# -- animations ---------------------------------------------------------------------------

def moving_bar(count: int = 7) -> np.ndarray:
    frames = np.zeros((count, 28, 28), np.float32)
    for i in range(count):
        frames[i, 4:24, 2 + 3 * i:6 + 3 * i] = 1.0
    return frames


def timings(path: Path) -> tuple[int, list[float], int | None, str]:
    with Image.open(path) as im:
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            im.load()
            durations.append(im.info["duration"])
        im.seek(0)
        return im.n_frames, durations, im.info.get("loop"), im.format


@pytest.mark.parametrize("name, unit", [("a.gif", 10), ("a.png", 1), ("a.apng", 1), ("a.webp", 1)])
@pytest.mark.parametrize("loop", [True, False])
def test_animation_frames_timing_and_loop(tmp_path, name, unit, loop):
    fps = 30.0
    path = save_animation(tmp_path / name, moving_bar(7), fps, loop=loop, size=64)
    count, durations, stored_loop, fmt = timings(path)
    assert count == 7 and fmt in ("GIF", "PNG", "WEBP")
    assert all(abs(d - 1000 / fps) <= unit for d in durations)
    assert abs(sum(durations) - 7 * 1000 / fps) <= unit / 2
    if loop:
        assert stored_loop == 0
    else:
        assert stored_loop in (None, 1)  # GIF: no loop extension; APNG/WebP: play once
    assert leftovers(tmp_path) == [name]


def test_transparent_gif_clears_between_frames(tmp_path):
    path = save_animation(tmp_path / "t.gif", moving_bar(3), 10, size=28, background=None)
    with Image.open(path) as im:
        im.seek(2)
        rgba = np.asarray(im.convert("RGBA"))
    assert rgba[12, 3, 3] == 0 and rgba[12, 10, 3] == 255  # the first bar is gone


def test_frame_durations_and_resampling():
    assert frame_durations(6, 30, 10) == [30, 40, 30, 30, 40, 30]
    assert sum(frame_durations(100, 7, 1)) == round(100 * 1000 / 7)
    out = resample_frames(moving_bar(3), 5)
    assert out.shape == (5, 28, 28)
    assert np.array_equal(out[0], moving_bar(3)[0]) and np.array_equal(out[4], moving_bar(3)[2])
    assert np.allclose(out[1], 0.5 * moving_bar(3)[0] + 0.5 * moving_bar(3)[1])


@pytest.mark.parametrize("name, change, problem", [
    ("a.gif", dict(fps=0), "frame rate"), ("a.gif", dict(fps=61), "frame rate"),
    ("a.gif", dict(fps=55), "GIF plays at most"), ("a.gif", dict(size=15), "size"),
    ("a.webp", dict(size=2049), "size"), ("a.mp4", {}, "choose a .gif"),
    ("a.gif", dict(frames=np.zeros((2001, 2, 2))), "2001 frames"),
    ("a.gif", dict(frames=np.zeros((0, 2, 2))), "0 frames"),
    ("a.png", dict(frames=np.zeros((2000, 28, 28)), size=2048), "too much"),
])
def test_animation_refuses_bad_settings(tmp_path, name, change, problem):
    args = dict(frames=moving_bar(3), fps=10) | change
    with pytest.raises(ExportError, match=problem):
        save_animation(tmp_path / name, args.pop("frames"), **args)
    assert leftovers(tmp_path) == []


# -- unwritable places and full disks -----------------------------------------------------

@pytest.mark.parametrize("write", [
    lambda p: save_png(p / "x.png", render(ring(), 32), provenance()),
    lambda p: save_svg(p / "x.svg", trace_svg(ring(), 32)),
    lambda p: save_animation(p / "x.gif", moving_bar(2), 10, size=32),
])
def test_unwritable_destination_is_a_clear_error(tmp_path, write):
    (tmp_path / "folder").write_text("a file where a folder should be")
    with pytest.raises(ExportError, match="folder"):
        write(tmp_path / "folder")
    assert leftovers(tmp_path) == ["folder"]


def test_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    old = save_png(tmp_path / "x.png", render(ring(), 32), provenance())
    before = old.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(ExportError, match="x.png.*No space left"):
        save_png(old, render(ring(), 64), provenance(digit=3))
    assert old.read_bytes() == before and leftovers(tmp_path) == ["x.png"]


# -- dialogs ------------------------------------------------------------------------------

@pytest.fixture
def notifier(qtbot):
    from studio.qt.base.notifier import Notifier

    return Notifier(logging.getLogger("test_export"))


def test_export_dialog_writes_png_and_svg(qtbot, tmp_path, notifier):
    from studio.qt.media.export_dialog import ExportDialog

    asked = []

    def choose(title, file_filter):
        asked.append(file_filter)
        return tmp_path / f"out{len(asked)}"

    dialog = ExportDialog({"Canvas": ring(64), "Generated digit": ring()},
                          {"Canvas": None, "Generated digit": provenance()}, notifier,
                          choose_path=choose)
    qtbot.addWidget(dialog)
    dialog.source.setCurrentText("Generated digit")
    dialog.size.setValue(128)
    dialog.transparent.setChecked(True)
    assert not dialog.preview.pixmap().isNull()
    with qtbot.waitSignal(dialog.export_finished, timeout=10_000):
        dialog.export()
    assert dialog.last_path == tmp_path / "out1.png"
    assert read_provenance(dialog.last_path) == provenance()
    with Image.open(dialog.last_path) as im:
        assert im.size == (128, 128) and im.mode == "RGBA"
    dialog.format.setCurrentText("SVG")
    dialog.source.setCurrentText("Canvas")
    dialog.crop.setChecked(True)
    with qtbot.waitSignal(dialog.export_finished, timeout=10_000):
        dialog.export()
    assert dialog.last_path == tmp_path / "out2.svg" and "*.svg" in asked[-1]
    assert rasterize_svg(dialog.last_path.read_text())[0].any()
    assert dialog.transparent.isChecked() and dialog.size.value() == 128  # remembered


def test_export_dialog_reports_errors_and_stays_open(qtbot, tmp_path, notifier):
    from studio.qt.media.export_dialog import ExportDialog

    (tmp_path / "folder").write_text("")
    dialog = ExportDialog({"Canvas": ring()}, {}, notifier,
                          choose_path=lambda title, f: tmp_path / "folder" / "x.png")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.export_finished, timeout=10_000) as finished:
        dialog.export()
    assert finished.args == [False]
    assert notifier.notices[-1].level.value == "error"
    assert "x.png" in notifier.notices[-1].message
    assert dialog.isVisible() and dialog.last_path is None
    dialog._choose = lambda title, f: None  # cancelled: nothing happens
    dialog.export()
    assert len(notifier.notices) == 1


@pytest.mark.parametrize("fmt, suffix", [("GIF", ".gif"), ("APNG", ".png"), ("WebP", ".webp")])
def test_animation_dialog_writes_requested_length(qtbot, tmp_path, notifier, fmt, suffix):
    from studio.qt.media.animation_dialog import AnimationExportDialog

    dialog = AnimationExportDialog(moving_bar(4), notifier,
                                   choose_path=lambda title, f: tmp_path / "walk")
    qtbot.addWidget(dialog)
    dialog.format.setCurrentText(fmt)
    dialog.fps.setValue(10)
    dialog.seconds.setValue(0.6)
    dialog.loop.setChecked(False)
    dialog.size.setValue(48)
    with qtbot.waitSignal(dialog.export_finished, timeout=10_000):
        dialog.export()
    assert dialog.last_path == tmp_path / f"walk{suffix}"
    count, durations, loop, _ = timings(dialog.last_path)
    assert count == 6 and durations == [100] * 6 and loop in (None, 1)


def test_animation_dialog_with_a_frame_function(qtbot, tmp_path, notifier):
    from studio.qt.media.animation_dialog import AnimationExportDialog

    asked = []
    dialog = AnimationExportDialog(lambda n: asked.append(n) or moving_bar(n), notifier,
                                   choose_path=lambda title, f: tmp_path / "walk.gif")
    qtbot.addWidget(dialog)
    dialog.fps.setValue(5)
    dialog.seconds.setValue(1.0)
    with qtbot.waitSignal(dialog.export_finished, timeout=10_000):
        dialog.export()
    assert asked == [5] and timings(tmp_path / "walk.gif")[0] == 5
