"""Provenance through the window, in every format: export the generated digit (PNG,
SVG), a morph and a walk (APNG, WebP, GIF, MP4, WebM) from the window's dialogs, open
each file with the opener, and find the explorer's point or the keyframes as they were
exported; damaged records open as plain pictures with a warning naming the file, a
video with one is refused with the reason, and an SVG bomb is refused at once.

Dialogs are answered through `MediaController.choose_path`, as in test_export_window.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image, PngImagePlugin

from studio.export.provenance_places import read_provenance

WAIT_MS = 30_000
BAD_JSON = '{"format": "latent-studio-provenance/1", "digit": NaN, "latent": [1e999]}'


def answer(window, path: Path) -> None:
    window.media.choose_path = lambda title, file_filter: path


def open_dialog(qtbot, window, action):
    window.media.dialog = None
    action.trigger()
    qtbot.waitUntil(lambda: window.media.dialog is not None, timeout=WAIT_MS)
    return window.media.dialog


def export(qtbot, dialog) -> None:
    with qtbot.waitSignal(dialog.export_finished, timeout=60_000) as finished:
        dialog.export()
    assert finished.args == [True]


def restore(qtbot, window, path: Path) -> None:
    with qtbot.waitSignal(window.media.restorer.restored, timeout=WAIT_MS):
        window.opener.open_file(path)


def show_point(qtbot, window, seed: int, digit: int) -> np.ndarray:
    state = window.explorer.state
    state.randomize(seed)
    state.set_digit(digit)
    qtbot.waitUntil(lambda: window.media._generated.digit == digit
                    and np.allclose(window.media._generated.coords, state.coords),
                    timeout=WAIT_MS)
    return state.coords.copy()


@pytest.mark.parametrize("fmt", ["PNG", "SVG"])
def test_a_still_goes_back_to_its_point(qtbot, window, tmp_path, fmt):
    wanted = show_point(qtbot, window, 1234, 7)
    out = tmp_path / f"seven.{fmt.lower()}"
    answer(window, out)
    dialog = open_dialog(qtbot, window, window.media.export_image_action)
    assert dialog.source.currentText() == "Generated digit"
    dialog.format.setCurrentText(fmt)
    export(qtbot, dialog)
    assert read_provenance(out).digit == 7

    show_point(qtbot, window, 99, 2)
    window.show_canvas()
    restore(qtbot, window, out)
    state = window.explorer.state
    assert state.digit == 7 and np.allclose(state.coords, wanted, atol=1e-5)
    assert window.document.is_blank(), "a studio export goes to its point, not the canvas"


def test_a_morph_goes_back_to_its_keyframes_from_every_animation_format(
        qtbot, window, tmp_path):
    workspace, strip = window.explorer.workspace, window.explorer.workspace.keyframes
    for seed, digit in ((1, 3), (2, 5), (3, 8)):
        show_point(qtbot, window, seed, digit)
        workspace.keyframe_action.trigger()
    strip.speed.setValue(2.0)
    strip.looping.setChecked(True)
    wanted = [(np.asarray(p.coords), p.digit) for p in strip.keyframes()]
    for fmt, suffix in (("APNG", ".png"), ("WebP", ".webp"), ("GIF", ".gif"),
                        ("MP4", ".mp4"), ("WebM", ".webm")):
        out = tmp_path / f"morph{suffix}"
        answer(window, out)
        dialog = open_dialog(qtbot, window, window.media.export_morph_action)
        dialog.format.setCurrentText(fmt)
        dialog.fps.setValue(10)
        dialog.seconds.setValue(0.5)
        dialog.size.setValue(64)
        export(qtbot, dialog)
        assert read_provenance(out).animation.kind == "morph", fmt

        strip.list.clear_all()
        strip.speed.setValue(0.5)
        strip.looping.setChecked(False)
        show_point(qtbot, window, 42, 1)
        window.show_canvas()
        restore(qtbot, window, out)
        got = strip.keyframes()
        assert [p.digit for p in got] == [d for _, d in wanted], fmt
        for point, (coords, _) in zip(got, wanted, strict=True):
            assert np.allclose(point.coords, coords, atol=1e-4), fmt
        assert strip.speed.value() == 2.0 and strip.loop(), fmt
        state = window.explorer.state
        assert state.digit == 3 and np.allclose(state.coords, wanted[0][0], atol=1e-4), fmt
        assert window.document.is_blank(), f"{fmt}: an animation only restores"


def test_a_walk_goes_back_to_the_point_it_walks_around(qtbot, window, tmp_path):
    wanted = show_point(qtbot, window, 77, 4)
    out = tmp_path / "walk.webp"
    answer(window, out)
    dialog = open_dialog(qtbot, window, window.media.export_walk_action)
    dialog.format.setCurrentText("WebP")
    dialog.fps.setValue(10)
    dialog.seconds.setValue(0.5)
    dialog.size.setValue(64)
    export(qtbot, dialog)
    record = read_provenance(out)
    assert record.animation.kind == "walk" and record.animation.seed == 77

    show_point(qtbot, window, 5, 9)
    restore(qtbot, window, out)
    state = window.explorer.state
    assert state.digit == 4 and np.allclose(state.coords, wanted, atol=1e-5)


def damaged_files(folder: Path) -> dict[str, Path]:
    """A picture with a damaged record in each image format's own place."""
    from studio.export.provenance_xml import NS, XMP_BEGIN, XMP_END

    digit = np.zeros((64, 64), np.uint8)
    digit[16:48, 28:36] = 255
    frames = [Image.fromarray(digit).convert("RGB")] * 2
    files = {name: folder / name for name in ("bad.png", "bad.webp", "bad.gif", "bad.svg")}
    info = PngImagePlugin.PngInfo()
    info.add_itxt("latent-studio", BAD_JSON)
    frames[0].save(files["bad.png"], save_all=True, append_images=frames[1:], pnginfo=info)
    xmp = (f'{XMP_BEGIN}<x:xmpmeta xmlns:x="adobe:ns:meta/"><p:provenance xmlns:p="{NS}">'
           f"{BAD_JSON}</p:provenance></x:xmpmeta>{XMP_END}")
    frames[0].save(files["bad.webp"], save_all=True, append_images=frames[1:],
                   xmp=xmp.encode(), lossless=True)
    frames[0].save(files["bad.gif"], save_all=True, append_images=frames[1:],
                   comment=BAD_JSON.encode())
    huge = '{"format": "latent-studio-provenance/1", "latent": [' + "1," * 9000 + "1]}"
    files["bad.svg"].write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        f'<metadata><p:provenance xmlns:p="{NS}">{huge}</p:provenance></metadata>'
        '<rect x="28" y="16" width="8" height="32" fill="#000"/></svg>')
    return files


def test_damaged_records_open_as_plain_pictures_with_a_warning(qtbot, window, tmp_path):
    window.show_canvas()
    for name, path in damaged_files(tmp_path).items():
        window.document.clear()
        with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
            window.opener.open_file(path)
        warnings = [n.message for n in window.notifier.notices if name in n.message]
        assert any("opened as a plain image" in m for m in warnings), (name, warnings)
        assert not window.document.is_blank(), f"{name} is on the canvas"


def test_a_video_with_a_damaged_record_is_refused_with_the_reason(qtbot, window, tmp_path):
    av = pytest.importorskip("av")
    out = tmp_path / "bad.webm"
    with av.open(str(out), "w") as container:
        container.metadata["comment"] = BAD_JSON
        stream = container.add_stream("libvpx-vp9", rate=10)
        stream.width = stream.height = 16
        stream.pix_fmt = "yuv420p"
        frame = av.VideoFrame.from_ndarray(np.zeros((16, 16, 3), np.uint8), format="rgb24")
        for packet in [*stream.encode(frame), *stream.encode()]:
            container.mux(packet)
    with qtbot.waitSignal(window.opener.failed, timeout=WAIT_MS) as failed:
        window.opener.open_file(out)
    assert "bad.webm" in failed.args[0] and "no picture for the canvas" in failed.args[0]


def test_an_svg_bomb_is_refused_at_once(qtbot, window, tmp_path):
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    bomb = tmp_path / "bomb.svg"
    bomb.write_text(f'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY l0 "lol">{levels}]>'
                    '<svg xmlns="http://www.w3.org/2000/svg">&l9;</svg>')
    window.show_canvas()
    started = time.perf_counter()
    with qtbot.waitSignal(window.opener.failed, timeout=WAIT_MS) as failed:
        window.opener.open_file(bomb)
    assert time.perf_counter() - started < 5.0
    assert "bomb.svg" in failed.args[0] and "entities are refused" in failed.args[0]
    assert window.document.is_blank()
