"""Training from the window: real short runs started, paused, stopped and resumed from
the Train tab, their checkpoints in the library, and the ways a run can go wrong.

Runs train on a small IDX folder of real bundled digits so that an epoch takes
about a second on one CPU thread; everything else is the app's own code path.
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from idx_writing import write_idx_folder
from PySide6.QtCore import Qt, QThreadPool

from studio.core.model_library import ModelLibrary
from studio.ml.models.checkpoints import load_checkpoint

RUN_MS = 90_000
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(scope="module")
def digits(bundled, take_subset, tmp_path_factory) -> Path:
    """512 training and 100 test digits from the bundled set, as an IDX folder."""
    folder = tmp_path_factory.mktemp("digits")
    small = take_subset(bundled, 512, 100, seed=3)
    return write_idx_folder(folder, small)


@pytest.fixture
def window(tmp_path, open_studio):
    w = open_studio(tmp_path / "data", size=(1280, 860))
    w.show_trainer()
    yield w
    w.training.trainer.close()


def configure(window, kind: str, data: Path, epochs: int, batch: int = 64) -> None:
    form = window.training.trainer.form
    form.set_kind(kind)
    form.set_data(str(data))
    form.epochs.setValue(epochs)
    form.batch.setValue(batch)
    form.device_box.setCurrentIndex(form.device_box.findData("cpu"))


def start(qtbot, window) -> None:
    qtbot.mouseClick(window.training.trainer.panel.buttons["start"], LEFT)


def run_to_end(qtbot, window) -> None:
    trainer = window.training.trainer
    with qtbot.waitSignal(trainer.run_finished, timeout=RUN_MS):
        start(qtbot, window)


def test_a_short_cnn_run_reports_checkpoints_and_becomes_the_recognizer(qtbot, window, digits):
    trainer = window.training.trainer
    configure(window, "cnn", digits, epochs=4, batch=32)
    epochs = []
    trainer.checkpoint_saved.connect(epochs.append)
    run_to_end(qtbot, window)
    panel = trainer.panel
    assert len(epochs) == 4 and epochs[0] == epochs[-1]  # one library file, rewritten
    assert panel.metrics.rowCount() == 4
    accuracy = float(panel.metrics.item(3, 1).text().rstrip("%")) / 100
    assert accuracy > 0.5  # real learning: chance is 0.1
    assert "Finished 4 epochs" in panel.status.text()
    entries, problems = trainer.library.entries()
    assert problems == [] and len(entries) == 1
    entry = entries[0]
    assert entry.kind == "cnn" and entry.epoch == 4 and entry.path == epochs[-1]
    assert abs(entry.metrics["accuracy"] - accuracy) < 0.001
    assert load_checkpoint(entry.path).info.epoch == 4

    trainer.library_panel.select(entry.path)
    qtbot.mouseClick(trainer.library_panel.use_button, LEFT)
    qtbot.waitUntil(lambda: window.store.classifier.path == entry.path, timeout=10_000)
    model = trainer.library_panel.model
    row = model.row_of(entry.path)
    assert "recognizer" in model.index(row, model.columnCount() - 1).data()


def test_pause_holds_the_step_count_resume_continues_stop_keeps_a_checkpoint(
        qtbot, window, digits):
    trainer = window.training.trainer
    configure(window, "cnn", digits, epochs=200)
    start(qtbot, window)
    qtbot.waitUntil(lambda: trainer.newest is not None and trainer.run.last.step >= 10,
                    timeout=RUN_MS)
    with qtbot.waitSignal(trainer.run.paused_changed, timeout=10_000) as paused:
        qtbot.mouseClick(trainer.panel.buttons["pause"], LEFT)
    assert paused.args == [True]
    assert trainer.pause_action.text().replace("&", "") == "Resume"
    held = trainer.run.last.step
    assert trainer.run.last.event == "paused"
    library = trainer.library_panel  # the checkpoint the run writes cannot be deleted or renamed
    library.select(trainer.newest)
    row = library.model.row_of(trainer.newest)
    assert "training" in library.model.index(row, library.model.columnCount() - 1).data()
    for button in (library.delete_button, library.rename_button):
        assert not button.defaultAction().isEnabled()
        assert "training run is writing" in button.toolTip()
    qtbot.wait(800)
    assert trainer.run.last.step == held  # nothing trained while paused
    assert "paused" in trainer.panel.status.text()
    qtbot.mouseClick(trainer.panel.buttons["pause"], LEFT)
    qtbot.waitUntil(lambda: trainer.run.last.step > held, timeout=10_000)
    with qtbot.waitSignal(trainer.run_finished, timeout=10_000):
        qtbot.mouseClick(trainer.panel.buttons["stop"], LEFT)
    assert trainer.run.last.event == "stopped"
    assert "Stopped at epoch" in trainer.panel.status.text()
    kept = load_checkpoint(trainer.newest)
    assert 1 <= kept.info.epoch < 200
    assert trainer.start_action.isEnabled() and not trainer.stop_action.isEnabled()
    library.select(trainer.newest)
    assert library.delete_button.defaultAction().isEnabled()  # the run ended: free again
    assert "training" not in library.model.index(row, library.model.columnCount() - 1).data()


def test_a_gan_run_shows_samples_and_its_newest_checkpoint_is_explored_while_it_trains(
        qtbot, window, digits):
    trainer = window.training.trainer
    configure(window, "gan", digits, epochs=3)
    start(qtbot, window)
    qtbot.waitUntil(lambda: trainer.newest is not None, timeout=RUN_MS)
    assert trainer.running and trainer.explore_action.isEnabled()
    assert not trainer.recognize_action.isEnabled()
    first = trainer.newest
    qtbot.mouseClick(trainer.panel.buttons["explore"], LEFT)
    explorer = window.explorer.store
    qtbot.waitUntil(lambda: explorer.generator is not None
                    and explorer.generator.path == first, timeout=30_000)
    assert window.workspaces.currentWidget() is window.explorer.workspace
    assert explorer.generator.kind == "gan"
    qtbot.waitUntil(lambda: not trainer.running, timeout=RUN_MS)  # it went on meanwhile
    assert load_checkpoint(first).info.epoch == 3
    grid = trainer.panel.samples.grid
    assert grid is not None and grid.shape == (10 * 28 + 9 * 2, 8 * 28 + 7 * 2)  # 2 px gaps
    assert grid.std() > 1  # generated pixels, not a blank image
    window.show_trainer()
    shown, room = trainer.panel.samples.image.pixmap(), trainer.panel.samples.image.size()
    assert shown.width() <= room.width() and shown.height() <= room.height()  # all of it
    assert shown.width() >= grid.shape[1] * 0.75  # and big enough to see the digits
    header = [trainer.panel.metrics.horizontalHeaderItem(i).text()
              for i in range(trainer.panel.metrics.columnCount())]
    assert "Class fidelity" in header and trainer.panel.metrics.rowCount() == 3

    explorer.load(first)  # the run rewrote the file since: the explorer reloads it
    qtbot.waitUntil(lambda: not explorer.loading, timeout=30_000)
    assert explorer.generator.sha256 == load_checkpoint(first).info.sha256


def test_resume_from_the_library_continues_the_epoch_count(qtbot, window, digits):
    trainer = window.training.trainer
    configure(window, "cnn", digits, epochs=1)
    run_to_end(qtbot, window)
    first = trainer.library.entries()[0][0]
    trainer.library_panel.select(first.path)
    qtbot.mouseClick(trainer.library_panel.resume_button, LEFT)
    assert trainer.form.resume_from == first.path and not trainer.form.kind_box.isEnabled()
    trainer.form.epochs.setValue(1)
    run_to_end(qtbot, window)
    entries = trainer.library.entries()[0]
    assert [e.path for e in entries] == [first.path]  # the same model, continued
    assert entries[0].epoch == 2
    assert trainer.panel.metrics.item(0, 0).text() == "2"


def test_closing_the_window_mid_run_stops_within_a_second_and_keeps_the_checkpoint(
        qtbot, window, digits):
    trainer = window.training.trainer
    configure(window, "cnn", digits, epochs=200)
    start(qtbot, window)
    qtbot.waitUntil(lambda: trainer.newest is not None, timeout=RUN_MS)
    step = trainer.run.last.step
    qtbot.waitUntil(lambda: trainer.run.last.step > step, timeout=10_000)  # mid-epoch
    path = trainer.newest
    started = time.perf_counter()
    window.close()
    assert QThreadPool.globalInstance().waitForDone(1000)
    assert time.perf_counter() - started < 1.0
    assert load_checkpoint(path).info.epoch >= 1
    leftovers = sorted(p.name for p in path.parent.iterdir())
    assert leftovers == [path.with_suffix(".json").name, path.name]  # no temp, no backup


def test_an_unreadable_data_folder_stops_with_a_message(qtbot, window, tmp_path):
    empty = tmp_path / "nothing here"
    empty.mkdir()
    configure(window, "cnn", empty, epochs=1)
    run_to_end(qtbot, window)
    status = window.training.trainer.panel.status
    assert "nothing here" in status.text() and "b91c1c" in status.styleSheet()
    assert window.training.trainer.library.entries() == ([], [])
    assert window.training.trainer.start_action.isEnabled()


def test_a_nan_loss_stops_the_run_and_keeps_the_earlier_checkpoint(
        qtbot, window, digits, monkeypatch):
    import torch

    from studio.ml.training.train_cnn import CNNRecipe

    real_step = CNNRecipe.train_step
    calls = {"n": 0}

    def step_then_nan(self, x, y):
        calls["n"] += 1
        losses = real_step(self, x, y)
        return losses if calls["n"] <= 8 else {"loss": torch.tensor(float("nan"))}

    monkeypatch.setattr(CNNRecipe, "train_step", step_then_nan)
    configure(window, "cnn", digits, epochs=5)  # 8 steps per epoch: NaN in epoch 2
    run_to_end(qtbot, window)
    text = window.training.trainer.panel.status.text()
    assert "became nan" in text and "epoch 2" in text and "learning rate" in text
    entry = window.training.trainer.library.entries()[0][0]
    assert entry.epoch == 1 and load_checkpoint(entry.path).info.epoch == 1


def test_a_full_disk_stops_the_run_and_keeps_the_earlier_checkpoint(
        qtbot, window, digits, monkeypatch):
    real_fsync = os.fsync
    trainer = window.training.trainer
    saved = []
    trainer.checkpoint_saved.connect(saved.append)

    def fsync(fd: int) -> None:
        if saved:  # the first epoch's checkpoint got through
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    configure(window, "cnn", digits, epochs=3)
    run_to_end(qtbot, window)
    monkeypatch.setattr(os, "fsync", real_fsync)
    text = trainer.panel.status.text()
    assert "No space left on device" in text and "earlier checkpoints are intact" in text
    assert load_checkpoint(saved[0]).info.epoch == 1
    assert sorted(p.suffix for p in saved[0].parent.iterdir()) == [".json", ".safetensors"]


def test_an_unwritable_library_refuses_to_start_with_a_message(qtbot, window, digits, tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder")
    trainer = window.training.trainer
    trainer.library = ModelLibrary(blocker / "models")
    configure(window, "cnn", digits, epochs=1)
    start(qtbot, window)
    assert trainer.run is None
    assert "Cannot train" in trainer.panel.status.text()
    assert "a file" in trainer.panel.status.text()
    assert window.isVisible()


def test_digit_keys_keep_drawings_in_the_sketch_tab_only_and_delete_stays_in_the_list(
        qtbot, window):
    from studio.qt.base.simulated_hand import draw_digit

    teacher = window.training.teacher
    window.show_canvas()
    window.canvas.setFocus()
    draw_digit(window.canvas, "7")
    qtbot.keyClick(window.canvas, Qt.Key.Key_7)
    assert window.document.is_blank() and teacher.examples.counts()[7] == 1
    draw_digit(window.canvas, "1")  # a drawing in progress must survive the review below

    window.handwriting_dock.raise_()
    examples = teacher.panel.examples
    examples.setFocus()
    examples.setCurrentRow(0)
    qtbot.keyClick(examples, Qt.Key.Key_Delete)
    assert teacher.examples.counts()[7] == 0, "Delete in the list removes the example"
    assert not window.document.is_blank(), "and does not clear the canvas"

    window.show_explorer()
    qtbot.keyClick(window.explorer.workspace, Qt.Key.Key_3)
    assert sum(teacher.examples.counts().values()) == 0  # 3 is the explorer's digit key
    assert window.explorer.workspace.digit_actions[3].isEnabled()
    assert not teacher.keep_actions[3].isEnabled()


def test_closing_mid_fine_tune_leaves_no_half_taught_recognizer(qtbot, window, bundled):
    teacher = window.training.teacher
    for label in range(6):
        image = bundled.test.images[np.flatnonzero(bundled.test.labels == label)[0]]
        teacher.examples.add(image, label)
    teacher.refresh()
    teacher.teach()
    library = window.training.library.folder
    qtbot.waitUntil(lambda: any(library.glob("my-handwriting-*.safetensors")), timeout=RUN_MS)
    assert teacher.running  # an epoch is saved, the fine-tune goes on
    window.close()
    assert QThreadPool.globalInstance().waitForDone(1000)
    assert not any(library.glob("my-handwriting-*")), "no half-taught recognizer is left"
    assert window.store.classifier.name == "Default"  # the recognizer stayed as it was
