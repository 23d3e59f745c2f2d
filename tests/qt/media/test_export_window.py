"""Export and sound from the window: provenance that brings a PNG back to its explorer
point, the morph as an animation with its sound, listening, and `studio sonify`.

The window is built as the app builds it, with the bundled models handed over; file
dialogs are answered by the test through `MediaController.choose_path`.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image

from studio.audio import read_wav
from studio.cli import main as cli
from studio.export.provenance_places import read_provenance
from studio.qt.base.simulated_hand import draw_digit

WAIT_MS = 20_000


def answer(window, path: Path) -> None:
    window.media.choose_path = lambda title, file_filter: path


def open_dialog(qtbot, window, action) -> None:
    window.media.dialog = None
    action.trigger()
    qtbot.waitUntil(lambda: window.media.dialog is not None, timeout=WAIT_MS)


def test_an_exported_png_carries_the_point_and_opening_it_restores_it(qtbot, window, tmp_path):
    state = window.explorer.state
    state.randomize(1234)
    state.set_digit(7)
    qtbot.waitUntil(lambda: window.media._generated.digit == 7
                    and np.allclose(window.media._generated.coords, state.coords),
                    timeout=WAIT_MS)
    wanted = state.coords.copy()
    out = tmp_path / "seven.png"
    answer(window, out)
    open_dialog(qtbot, window, window.media.export_image_action)
    dialog = window.media.dialog
    assert dialog.source.currentText() == "Generated digit"  # the Explore tab was shown
    assert any(dialog.source.itemText(i).startswith("Sample sheet")
               for i in range(dialog.source.count()))
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS):
        dialog.export()
    provenance = read_provenance(out)
    gan = window.explorer.store.generator
    assert provenance.weights_sha256 == gan.sha256 and provenance.digit == 7
    assert provenance.seed == 1234 and provenance.model_name == "Default GAN"
    z = np.asarray(gan.basis.directions) @ wanted  # what the generator was fed
    assert np.allclose(provenance.latent, z, atol=1e-5)

    state.randomize(99)
    state.set_digit(2)
    window.show_canvas()
    with qtbot.waitSignal(window.media.restorer.restored, timeout=WAIT_MS):
        window.opener.open_file(out)
    assert state.digit == 7 and np.allclose(state.coords, wanted, atol=1e-5)
    assert window.workspaces.currentWidget() is window.explorer.workspace
    assert window.document.is_blank(), "a studio PNG goes to its point, not onto the canvas"
    qtbot.waitUntil(lambda: np.allclose(window.media._generated.coords, wanted, atol=1e-5),
                    timeout=WAIT_MS)


def test_a_sheet_that_fails_to_render_is_reported_and_the_dialog_still_opens(
        qtbot, window, monkeypatch):
    from studio.qt.media import media_controller

    def broken(*args):
        raise MemoryError("no room for the sheet")

    monkeypatch.setattr(media_controller, "render_sheet", broken)
    notices = []
    window.notifier.posted.connect(notices.append)
    open_dialog(qtbot, window, window.media.export_image_action)
    dialog = window.media.dialog
    assert not any(dialog.source.itemText(i).startswith("Sample sheet")
                   for i in range(dialog.source.count()))
    assert dialog.source.findText("Canvas") >= 0
    assert any("sample sheet could not be rendered: no room for the sheet" in n.message
               for n in notices)
    dialog.close()


def test_closed_export_dialogs_are_freed(qtbot, window):
    """Every dialog holds its pictures: one left behind per export adds up all day."""
    from PySide6.QtWidgets import QDialog

    for _ in range(3):
        open_dialog(qtbot, window, window.media.export_image_action)
        window.media.dialog.close()
    qtbot.waitUntil(lambda: not window.findChildren(QDialog), timeout=WAIT_MS)


def test_a_png_from_studio_generate_switches_to_its_generator(qtbot, window, tmp_path):
    out = tmp_path / "vae3.png"
    assert cli(["generate", "vae", "--digit", "3", "-n", "4", "--seed", "5", "-o",
                str(out)]) == 0
    provenance = read_provenance(out)
    with qtbot.waitSignal(window.media.restorer.restored, timeout=60_000):
        window.opener.open_file(out)
    explorer = window.explorer
    assert explorer.store.generator.kind == "vae"
    assert explorer.store.generator.sha256 == provenance.weights_sha256
    assert explorer.state.digit == 3
    directions = np.asarray(explorer.store.generator.basis.directions)
    assert np.allclose(directions @ explorer.state.coords, provenance.latent, atol=1e-5)


def test_a_png_from_unknown_weights_or_damaged_metadata_is_named_and_nothing_is_lost(
        qtbot, window, tmp_path):
    from PIL.PngImagePlugin import PngInfo

    from studio.export.provenance import Provenance, png_info

    stranger = tmp_path / "stranger.png"
    picture = Image.fromarray(np.zeros((28, 28), np.uint8))
    picture.save(stranger, pnginfo=png_info(Provenance(
        "Somebody's GAN", "gan", "ab" * 32, 4, None, tuple([0.0] * 32))))
    window.show_canvas()
    draw_digit(window.canvas, "7")
    before = window.document.snapshot()
    window.opener.open_file(stranger)
    qtbot.waitUntil(lambda: any("stranger.png" in n.message for n in window.notifier.notices),
                    timeout=WAIT_MS)
    message = window.notifier.notices[-1].message
    assert "Somebody's GAN" in message and "abababababab" in message
    assert np.array_equal(window.document.snapshot(), before)

    damaged = tmp_path / "damaged.png"
    info = PngInfo()
    info.add_itxt("latent-studio", '{"format": "latent-studio-provenance/1", "digit": "x"}')
    digit = np.zeros((64, 64), np.uint8)
    digit[16:48, 28:36] = 255
    Image.fromarray(digit).save(damaged, pnginfo=info)
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.opener.open_file(damaged)
    warnings = [n.message for n in window.notifier.notices if "damaged.png" in n.message]
    assert any("opened as a plain image" in m for m in warnings)
    assert not np.array_equal(window.document.snapshot(), before)  # it is on the canvas now


def test_the_morph_exports_as_a_gif_with_its_sound_in_step(qtbot, window, tmp_path):
    workspace, state = window.explorer.workspace, window.explorer.state
    for seed in (1, 2, 3):
        state.randomize(seed)
        workspace.keyframe_action.trigger()
    out = tmp_path / "morph.gif"
    answer(window, out)
    open_dialog(qtbot, window, window.media.export_morph_action)
    dialog = window.media.dialog
    dialog.format.setCurrentText("GIF")
    dialog.fps.setValue(20)
    dialog.seconds.setValue(2.0)
    dialog.with_sound.setChecked(True)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS) as finished:
        dialog.export()
    assert finished.args == [True]
    with Image.open(out) as gif:
        assert gif.n_frames == 40
    samples, rate = read_wav(out.with_suffix(".wav"))
    assert rate == 44100 and len(samples) == 2 * 44100  # as long as the animation
    assert 0.1 < np.abs(samples).max() <= 1.0


def test_listening_to_the_canvas_renders_its_sound(qtbot, window):
    window.show_canvas()
    draw_digit(window.canvas, "1")
    window.media.listen_canvas_action.trigger()
    sound = window.media.sound
    assert window.sound_dock.isVisible()
    qtbot.waitUntil(lambda: not sound.busy and sound.samples is not None, timeout=WAIT_MS)
    settings = sound.settings()
    assert len(sound.samples) == round(settings.duration_s * settings.rate)
    assert np.abs(sound.samples).max() > 0.1


def test_cli_sonify_writes_a_wav_and_refuses_absurd_durations(tmp_path, capsys):
    image = np.zeros((28, 28), np.uint8)
    image[5] = 255  # one bright row: one tone
    Image.fromarray(image).save(tmp_path / "row.png")
    out = tmp_path / "row.wav"
    assert cli(["sonify", str(tmp_path / "row.png"), "-o", str(out), "--duration", "1",
                "--rate", "48000"]) == 0
    with wave.open(str(out)) as w:
        assert w.getframerate() == 48000 and w.getnframes() == 48000 and w.getsampwidth() == 2
    bad = tmp_path / "bad.wav"
    assert cli(["sonify", str(tmp_path / "row.png"), "-o", str(bad), "--duration", "9999"]) == 1
    err = capsys.readouterr().err
    assert "Duration 9999 s" in err and not bad.exists()


def test_a_latent_walk_loops_back_and_exports_as_webp_with_its_sound(qtbot, window, tmp_path):
    from studio.ml.latent.latent_paths import walk_coords

    center = np.linspace(-1, 1, 32, dtype=np.float32)
    walk = walk_coords(center, 120, seed=4)
    steps = np.linalg.norm(np.diff(np.vstack([walk, walk[:1]]), axis=0), axis=1)  # [F]
    assert np.array_equal(walk[0], center)  # it starts at the artist's point
    assert steps.max() < 3 * np.median(steps)  # smooth, and no seam where it loops
    assert np.linalg.norm(walk - center, axis=1).max() > 0.5  # and it goes somewhere

    out = tmp_path / "walk.webp"
    answer(window, out)
    open_dialog(qtbot, window, window.media.export_walk_action)
    dialog = window.media.dialog
    assert dialog.windowTitle() and dialog.seconds.value() == pytest.approx(4.0)
    dialog.format.setCurrentText("WebP")
    dialog.fps.setValue(15)
    dialog.seconds.setValue(2.0)
    dialog.size.setValue(64)
    dialog.with_sound.setChecked(True)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS):
        dialog.export()
    with Image.open(out) as webp:
        assert webp.n_frames == 30
    samples, rate = read_wav(out.with_suffix(".wav"))
    assert len(samples) == 2 * rate

    window.media.listen_walk_action.trigger()
    sound = window.media.sound
    qtbot.waitUntil(lambda: not sound.busy and sound.samples is not None
                    and sound.settings().duration_s == pytest.approx(4.0), timeout=WAIT_MS)
    assert sound.image.shape == (28, 28 * 120)  # every frame's columns, in order


def test_a_dragged_selection_exports_that_part_and_leaves_the_drawing_alone(
        qtbot, window, tmp_path):
    from PySide6.QtCore import QEvent, QPointF

    from studio.qt.base.simulated_hand import send_mouse

    window.show_canvas()
    draw_digit(window.canvas, "7")
    before, strokes = window.document.snapshot(), window.document.undo_stack.count()
    window.tools.select_action.trigger()
    paper = window.canvas.paper_rect()

    def at(u: float, v: float) -> QPointF:
        return QPointF(paper.x() + u * paper.width(), paper.y() + v * paper.height())

    send_mouse(window.canvas, QEvent.Type.MouseButtonPress, at(0.2, 0.1), True)
    for k in range(1, 11):
        send_mouse(window.canvas, QEvent.Type.MouseMove, at(0.2 + 0.04 * k, 0.1 + 0.06 * k), True)
    send_mouse(window.canvas, QEvent.Type.MouseButtonRelease, at(0.6, 0.7), False)
    rect = window.canvas.selection.rect
    assert rect is not None
    assert abs(rect.width() - 0.4 * 512) < 3 and abs(rect.height() - 0.6 * 512) < 3
    assert np.array_equal(window.document.snapshot(), before), "selecting draws nothing"
    assert window.document.undo_stack.count() == strokes

    out = tmp_path / "part.png"
    answer(window, out)
    open_dialog(qtbot, window, window.media.export_image_action)
    dialog = window.media.dialog
    assert dialog.source.currentText() == "Selection"
    dialog.size.setValue(300)
    with qtbot.waitSignal(dialog.export_finished, timeout=WAIT_MS):
        dialog.export()
    with Image.open(out) as png:
        assert png.size[1] == 300 and abs(png.size[0] - 200) <= 2  # the selection's shape
    window.tools.deselect_action.trigger()
    assert window.canvas.selection.rect is None
    window.tools.brush_action.trigger()
    draw_digit(window.canvas, "1")
    assert window.document.undo_stack.count() > strokes  # drawing again
