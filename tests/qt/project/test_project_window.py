"""Projects through the window: draw, explore, save, New, open, and get it all back.

Strokes are drawn with real mouse events; the project is saved and opened through the
File actions (the file dialogs replaced by hooks); the raster and the explorer point
must come back exactly.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PIL import Image
from PySide6.QtWidgets import QApplication

from studio.core.project.project_manifest import (
    ExportRecord,
    ImageExportRecord,
    ProjectManifest,
    TrainRecord,
)
from studio.ml.records import read_record
from studio.qt.base.simulated_hand import draw_digit
from studio.qt.project.project_controller import CANCEL, DISCARD, SAVE

WAIT_MS = 20_000


@pytest.fixture
def window(qtbot, tmp_path, gan, open_studio):
    w = open_studio(tmp_path / "data", [gan], size=(1200, 800))
    yield w
    w.project.ask_unsaved = lambda _what: DISCARD
    w.close()


def settle(qtbot, window) -> None:
    ex = window.explorer
    qtbot.waitUntil(lambda: not ex.live.busy and not ex.store.loading
                    and not window.opener.busy and not window.project.saving, timeout=WAIT_MS)
    QApplication.processEvents()


def save_as(qtbot, window, path) -> None:
    window.project.ask_save_path = lambda: path
    with qtbot.waitSignal(window.project.saved, timeout=WAIT_MS):
        window.project.save_as_action.trigger()


def open_project(qtbot, window, path) -> None:
    window.project.ask_open_path = lambda: path
    with qtbot.waitSignal(window.project.opened, timeout=WAIT_MS):
        window.project.open_action.trigger()
    settle(qtbot, window)


def test_everything_made_comes_back_exactly_after_new_and_open(qtbot, tmp_path, window):
    picture = tmp_path / "scan.png"
    ink = np.zeros((300, 200), np.uint8)
    ink[40:260, 90:110] = 255  # a "1", bigger than the canvas needs
    Image.fromarray(255 - ink).save(picture)
    with qtbot.waitSignal(window.opener.opened, timeout=WAIT_MS):
        window.opener.open_file(picture)
    draw_digit(window.canvas, "4")  # real mouse strokes over the imported picture
    window.canvas.set_brush_size(30)
    window.media.sound.duration.setValue(7.5)
    window.show_explorer()
    settle(qtbot, window)
    state, workspace = window.explorer.state, window.explorer.workspace
    state.set_digit(7)
    state.set_coord(0, 1.25)
    state.set_lock(2, True)
    settle(qtbot, window)
    workspace.keyframe_action.trigger()
    state.set_coord(1, -2.0)
    settle(qtbot, window)
    workspace.keyframe_action.trigger()
    workspace.keyframes.speed.setValue(2.5)
    workspace.keyframes.looping.setChecked(True)
    trainer = window.training.trainer
    train = TrainRecord(kind="vae", epochs=7, batch_size=32, lr=5e-4, seed=3, latent_dim=16)
    trainer.show_train_record(train)  # the Train tab was never shown: the form waits
    choices = ExportRecord(image=ImageExportRecord(format="SVG", size=2048, crop=True))
    window.media.export_choices = choices
    assert window.isWindowModified() and window.windowTitle().startswith("Untitled")

    path = tmp_path / "my work.lstudio"
    save_as(qtbot, window, tmp_path / "my work")  # the suffix is added
    assert path.exists() and not window.isWindowModified()
    assert window.windowTitle().startswith("my work")
    with zipfile.ZipFile(path) as zf:  # read back with another library: the manifest is ours
        manifest = read_record(zf.read("manifest.json"), ProjectManifest)
        assert Image.open(zf.open("thumbnail.png")).size == (256, 256)
        assert zf.read("source.png") == picture.read_bytes(), "the picture at full size"
    assert len(manifest.canvas.strokes) == len(window.document.strokes) >= 2
    raster = window.document.snapshot()
    point = (state.digit, state.coords.copy(), set(state.locks), state.seed)
    keyframes = [(k.digit, k.coords) for k in workspace.keyframes.keyframes()]

    window.project.new_action.trigger()  # saved: nothing to ask
    assert window.document.is_blank() and workspace.keyframes.keyframes() == []
    assert window.media.sound.duration.value() == 5.0
    state.set_coord(0, -1.0)

    window.project.ask_unsaved = lambda _what: DISCARD  # the explorer moved since New
    open_project(qtbot, window, path)
    assert np.array_equal(window.document.snapshot(), raster)
    assert window.document.base_source.data == picture.read_bytes()
    assert (state.digit, set(state.locks), state.seed) == (point[0], point[2], point[3])
    assert np.array_equal(state.coords, point[1])
    assert [(k.digit, k.coords) for k in workspace.keyframes.keyframes()] == keyframes
    assert workspace.keyframes.seconds_per_segment() == 2.5 and workspace.keyframes.loop()
    assert window.canvas.brush_size == 30 and window.media.sound.duration.value() == 7.5
    assert trainer.train_record() == train and window.media.export_choices == choices
    window.show_trainer()  # the form is built now, from what the project held
    assert trainer.form.kind == "vae" and trainer.train_record() == train
    assert window.windowTitle().startswith("my work") and not window.isWindowModified()
    assert str(path) in window.settings.recent_projects

    window.show_canvas()
    draw_digit(window.canvas, "1")
    assert window.isWindowModified()
    window.undo_action.trigger()  # back to the saved state: the mark goes
    assert not window.isWindowModified()


def test_closing_with_unsaved_work_asks_and_cancel_keeps_the_window(qtbot, tmp_path, window):
    draw_digit(window.canvas, "7")
    asked = []
    window.project.ask_unsaved = lambda what: asked.append(what) or CANCEL
    window.close()
    assert asked == ["close the studio"] and window.isVisible()
    window.project.ask_save_path = lambda: tmp_path / "kept.lstudio"
    window.project.ask_unsaved = lambda _what: SAVE
    with qtbot.waitSignal(window.closed, timeout=WAIT_MS):
        window.close()  # saves first, closes once the file is complete
    assert (tmp_path / "kept.lstudio").exists() and not window.isVisible()
    assert not list((tmp_path / "data" / "recovery").glob("*.lstudio")), "saved: no copy left"


@pytest.mark.parametrize("damage", ["truncated", "newer", "nan"])
def test_a_bad_project_is_refused_and_the_work_kept(qtbot, tmp_path, window, damage):
    draw_digit(window.canvas, "2")
    good = tmp_path / "good.lstudio"
    save_as(qtbot, window, good)
    draw_digit(window.canvas, "1")
    before = window.document.snapshot()
    bad = tmp_path / "bad.lstudio"
    if damage == "truncated":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    else:
        with zipfile.ZipFile(good) as zf:
            text = zf.read("manifest.json").decode()
        text = text.replace('"version":1', '"version":7') if damage == "newer" else \
            text.replace('"brush_size":44.0', '"brush_size":NaN')
        with zipfile.ZipFile(bad, "w") as zf:
            zf.writestr("manifest.json", text)
    window.project.ask_open_path = lambda: bad
    window.project.ask_unsaved = lambda _what: DISCARD
    window.project.open_action.trigger()
    qtbot.waitUntil(lambda: any("bad.lstudio" in n.message for n in window.notifier.notices),
                    timeout=WAIT_MS)
    message = next(n.message for n in window.notifier.notices if "bad.lstudio" in n.message)
    assert {"truncated": "not", "newer": "newer Latent Studio",
            "nan": "'canvas.brush_size'"}[damage] in message
    assert np.array_equal(window.document.snapshot(), before), "the current work is untouched"
    assert window.windowTitle().startswith("good") and window.isWindowModified()


def test_a_project_dropped_on_the_canvas_opens(qtbot, tmp_path, window):
    draw_digit(window.canvas, "0")
    save_as(qtbot, window, tmp_path / "dropped.lstudio")
    raster = window.document.snapshot()
    window.project.new_action.trigger()
    with qtbot.waitSignal(window.project.opened, timeout=WAIT_MS):
        window.canvas.file_dropped.emit(tmp_path / "dropped.lstudio")
    assert np.array_equal(window.document.snapshot(), raster)


def test_a_missing_generator_is_named_and_the_rest_still_opens(qtbot, tmp_path, window):
    from msgspec.structs import replace

    from studio.core.project.project_file import read_project, write_project

    draw_digit(window.canvas, "7")
    window.show_explorer()
    settle(qtbot, window)
    path = tmp_path / "elsewhere.lstudio"
    save_as(qtbot, window, path)
    project = read_project(path)
    explorer = project.manifest.explorer
    gone = replace(explorer, generator=replace(explorer.generator, sha256="0" * 64,
                                               bundled=None, path="/nowhere/gan.safetensors",
                                               name="Lost GAN"))
    write_project(path, dataclasses_replace(project, manifest=replace(project.manifest,
                                                                      explorer=gone)))
    raster = window.document.snapshot()
    window.project.new_action.trigger()
    open_project(qtbot, window, path)
    assert np.array_equal(window.document.snapshot(), raster), "the canvas opens regardless"
    message = next(n.message for n in window.notifier.notices if "Lost GAN" in n.message)
    assert "elsewhere.lstudio" in message and "Ctrl+Shift+O" in message


def dataclasses_replace(obj, **changes):
    import dataclasses

    return dataclasses.replace(obj, **changes)
