"""Teach my handwriting: the examples on disk, the held-out choice, the fine-tune, the panel."""

from __future__ import annotations

import errno
import logging
import time

import numpy as np
import pytest
from PIL import Image

from studio.core.handwriting import HandwritingError, HandwritingExamples


def digit_image(bundled, label: int, k: int = 0) -> np.ndarray:
    """The k-th bundled test digit of `label`: [28, 28] uint8."""
    return bundled.test.images[np.flatnonzero(bundled.test.labels == label)[k]]


# ---- the examples on disk --------------------------------------------------------------
def test_examples_round_trip_and_load_as_an_image_folder(tmp_path, bundled):
    from studio.ml.datasets import load_data

    store = HandwritingExamples(tmp_path / "hand")
    kept = [(7, digit_image(bundled, 7, 0)), (2, digit_image(bundled, 2, 0)),
            (7, digit_image(bundled, 7, 1)), (2, digit_image(bundled, 2, 1))]
    paths = [store.add(image, label) for label, image in kept]
    assert all(p.parent == tmp_path / "hand" / str(lab) for p, (lab, _) in zip(paths, kept,
                                                                                 strict=True))
    examples = store.examples()
    assert [e.label for e in examples] == [2, 2, 7, 7]  # by label, then in the order kept
    assert [e.path for e in examples] == [paths[1], paths[3], paths[0], paths[2]]
    assert np.array_equal(examples[0].image, kept[1][1])  # lossless
    assert store.counts() == {**dict.fromkeys(range(10), 0), 2: 2, 7: 2}
    images, labels = store.arrays()
    assert images.shape == (4, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.int64 and list(labels) == [2, 2, 7, 7]
    splits = load_data(tmp_path / "hand")  # the same folder is a training source
    assert len(splits.train) + len(splits.test) == 4
    with Image.open(paths[0]) as im:
        assert im.mode == "L" and im.size == (28, 28)


def test_delete_removes_files_and_empty_digit_folders(tmp_path, bundled):
    store = HandwritingExamples(tmp_path)
    a = store.add(digit_image(bundled, 3), 3)
    b = store.add(digit_image(bundled, 5), 5)
    c = store.add(digit_image(bundled, 5, 1), 5)
    store.delete([a, b])
    assert not a.exists() and not b.exists() and c.exists()
    assert not (tmp_path / "3").exists(), "an empty class folder would break load_data"
    assert [e.path for e in store.examples()] == [c]
    assert store.arrays()[0].shape == (1, 28, 28)
    store.delete([c])
    assert store.examples() == [] and store.arrays()[0].shape == (0, 28, 28)


def test_bad_files_are_named_and_skipped(tmp_path, bundled):
    store = HandwritingExamples(tmp_path)
    good = store.add(digit_image(bundled, 4), 4)
    (tmp_path / "4" / "broken.png").write_bytes(b"not a png")
    Image.new("L", (28, 28)).save(tmp_path / "4" / "blank.png")
    big = np.zeros((100, 80, 3), np.uint8)
    big[20:80, 35:45] = 255  # a big RGB "1" a user dropped in
    (tmp_path / "1").mkdir()
    Image.fromarray(big).save(tmp_path / "1" / "dropped.png")
    (tmp_path / "notes").mkdir()  # not a digit: ignored
    scan = store.scan()
    assert [e.path for e in scan.examples] == [tmp_path / "1" / "dropped.png", good]
    assert scan.examples[0].image.shape == (28, 28)  # fitted like any image
    assert len(scan.problems) == 2
    assert any("broken.png" in p and "not a readable image" in p for p in scan.problems)
    assert any("blank.png" in p and "no ink" in p for p in scan.problems)


def test_an_unwritable_folder_or_full_disk_is_a_clear_error(tmp_path, bundled, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    with pytest.raises(HandwritingError, match=str(blocker)):
        HandwritingExamples(blocker / "hand").add(digit_image(bundled, 1), 1)

    import os

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    store = HandwritingExamples(tmp_path / "hand")
    monkeypatch.setattr("studio.ml.writing.os.fsync", full)
    with pytest.raises(HandwritingError, match="No space left") as error:
        store.add(digit_image(bundled, 1), 1)
    assert str(tmp_path / "hand") in str(error.value)
    assert list((tmp_path / "hand").rglob("*")) == [tmp_path / "hand" / "1"], "no half file"
    with pytest.raises(ValueError):
        store.add(digit_image(bundled, 1), 10)


# ---- held-out choice and the mix ---------------------------------------------------------
def test_held_out_only_when_there_are_enough():
    from studio.ml.fine_tune import choose_held_out

    assert not choose_held_out(np.array([0, 0, 1, 1, 2, 2, 3, 3, 4])).any()  # 9 < 10
    labels = np.array([0] * 8 + [1] * 4 + [2] * 2 + [3])
    held = choose_held_out(labels)
    assert [int(held[labels == d].sum()) for d in range(4)] == [2, 1, 1, 0]
    for d in range(4):
        assert (~held[labels == d]).any(), "every digit keeps an example to learn from"
    assert np.array_equal(held, choose_held_out(labels)), "the same examples each time"


def test_the_mix_keeps_bundled_digits_and_evaluates_on_held_out(bundled):
    from studio.ml.datasets import ImageSet
    from studio.ml.fine_tune import BUNDLED_PER_EPOCH, OWN_PER_EPOCH, plan

    labels = np.repeat(np.arange(10), 3)  # 30 examples, 3 of each digit
    own = ImageSet(np.full((30, 28, 28), 7, np.uint8), labels)
    chosen = plan(own, bundled)
    assert chosen.held_out and len(chosen.evaluate) == 10
    assert (chosen.evaluate.images == 7).all()
    train = chosen.data.train
    assert len(train) == OWN_PER_EPOCH + BUNDLED_PER_EPOCH
    assert (train.images == 7).all(axis=(1, 2)).sum() == OWN_PER_EPOCH  # own, repeated
    assert "bundled" in chosen.data.name and chosen.data.test is bundled.test
    few = plan(ImageSet(own.images[:6], labels[:6]), bundled)
    assert not few.held_out and len(few.evaluate) == 6  # measured on all, and says so


# ---- a real fine-tune --------------------------------------------------------------------
def test_fine_tune_learns_a_consistent_hand(tmp_path, bundled, one_torch_thread):
    """Bundled test digits from many writers, all mirrored: one odd but consistent hand."""
    import torch

    from studio.ml.checkpoints import load_checkpoint
    from studio.ml.datasets import ImageSet
    from studio.ml.defaults import load_model
    from studio.ml.fine_tune import AFTER, BEFORE, EVALUATED, HELD_OUT, accuracy, fine_tune

    rng = np.random.default_rng(1)
    idx = np.concatenate([rng.choice(np.flatnonzero(bundled.test.labels == d), 8,
                                     replace=False) for d in range(10)])
    mirrored = ImageSet(np.ascontiguousarray(bundled.test.images[idx][:, :, ::-1]),
                        bundled.test.labels[idx])
    model = load_model("cnn").model
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    out = tmp_path / "mine.safetensors"
    start = time.perf_counter()
    reports = list(fine_tune(model, mirrored, bundled, out))
    seconds = time.perf_counter() - start
    last = reports[-1]
    assert last.event == "epoch" and last.epoch == last.epochs
    m = last.metrics
    assert m[HELD_OUT] == 1.0 and m[EVALUATED] == 20  # 2 of each digit's 8
    assert m[BEFORE] <= 0.6 and m[AFTER] >= m[BEFORE] + 0.3, m
    assert m["accuracy"] > 0.94, "still reads everyone else's digits"
    assert seconds < 20
    tuned = load_checkpoint(out, expected_kind="cnn")
    assert "bundled" in tuned.info.dataset
    assert accuracy(tuned.model, mirrored.images, mirrored.labels) > m[BEFORE]
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k]), "the active recognizer itself is not changed"


def test_the_teacher_reads_fine_tunes_metric_keys():
    from studio.ml import fine_tune
    from studio.qt import handwriting_teacher

    for key in ("BEFORE", "AFTER", "EVALUATED", "HELD_OUT"):
        assert getattr(handwriting_teacher, key) == getattr(fine_tune, key)


# ---- the panel and the teacher, with real mouse events --------------------------------
@pytest.fixture(scope="module")
def recognizer():
    from studio.ml.defaults import default_model_path
    from studio.qt.model_store import load_classifier

    return load_classifier(default_model_path("cnn"), "Default")


@pytest.fixture
def teaching(qtbot, tmp_path, recognizer):
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from studio.ml.defaults import default_model_path
    from studio.qt.handwriting_teacher import HandwritingTeacher
    from studio.qt.model_store import ModelStore
    from studio.qt.notifier import Notifier
    from studio.qt.sketch_canvas import SketchCanvas
    from studio.qt.sketch_document import SketchDocument

    host = QWidget()
    qtbot.addWidget(host)
    notifier = Notifier(logging.getLogger("test_handwriting"), host)
    store = ModelStore({"cnn": default_model_path("cnn")}, notifier, host)
    store.set_classifier(recognizer)
    document = SketchDocument(host)
    canvas = SketchCanvas(document)
    teacher = HandwritingTeacher(document, store, HandwritingExamples(tmp_path / "hand"),
                                 tmp_path / "library", notifier, host)
    layout = QHBoxLayout(host)
    layout.addWidget(canvas, 1)
    layout.addWidget(teacher.panel)
    host.resize(900, 420)
    host.show()
    qtbot.waitExposed(host)
    yield teacher, canvas
    teacher.close()


def test_drawn_examples_teach_the_recognizer(teaching, qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from sketching import draw_digit

    from studio.ml.checkpoints import load_checkpoint

    teacher, canvas = teaching
    panel = teacher.panel
    assert not panel.teach.isEnabled() and "at least 5" in panel.teach.toolTip()
    assert panel.digit_buttons[7].toolTip() == "Keep the drawing as an example of 7 (key 7)"
    assert [a.shortcut().toString() for a in teacher.keep_actions] == [str(d) for d in range(10)]
    teacher.keep_actions[3].trigger()  # nothing drawn: nothing kept
    assert not (tmp_path / "hand").exists() and "Draw a 3" in teacher.notifier.notices[-1].message
    for n, digit in enumerate(["0", "1", "7", "4", "2", "7"]):
        draw_digit(canvas, digit)
        if n % 2:
            qtbot.mouseClick(panel.digit_buttons[int(digit)], Qt.MouseButton.LeftButton)
        else:
            teacher.keep_actions[int(digit)].trigger()
        assert canvas.document.is_blank(), "kept drawings leave a clean canvas"
    canvas.document.undo_stack.undo()  # the clear is undoable: the last 7 comes back
    assert not canvas.document.is_blank()
    assert teacher.notifier.notices[-1].message == "Kept as 7 (6 examples)"
    assert [panel.count_labels[d].text() for d in (0, 1, 2, 4, 7)] == ["1", "1", "1", "1", "2"]
    assert panel.examples.count() == 6 and len(list((tmp_path / "hand").rglob("*.png"))) == 6

    panel.examples.setCurrentRow(0)  # review: delete the 0 with the Delete key
    qtbot.keyClick(panel.examples, Qt.Key.Key_Delete)
    assert not (tmp_path / "hand" / "0").exists() and panel.examples.count() == 5
    assert panel.teach.isEnabled()

    with qtbot.waitSignal(teacher.taught, timeout=60_000) as taught:
        qtbot.mouseClick(panel.teach, Qt.MouseButton.LeftButton)
        assert teacher.running and panel.progress.isVisible()
    result = taught.args[0]
    assert 0.0 <= result.before <= 1.0 and 0.0 <= result.after <= 1.0
    assert result.held_out == 0 and result.evaluated == 5  # too few to hold some out
    assert result.path.parent == tmp_path / "library"
    assert result.path.name.startswith("my-handwriting-") and result.path.exists()
    assert load_checkpoint(result.path, expected_kind="cnn").info.epoch >= 1
    assert teacher.store.classifier.path == result.path
    assert "All your 5 examples" in panel.result.text()
    assert "now the active recognizer" in panel.result.text()
    assert not panel.progress.isVisible() and not teacher.running


def test_a_failed_fine_tune_keeps_the_recognizer(teaching, qtbot, tmp_path, bundled):
    teacher, _ = teaching
    for label in range(5):
        teacher.examples.add(digit_image(bundled, label), label)
    teacher.refresh()
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the library folder should be")
    teacher.library_folder = blocker / "library"
    before = teacher.store.classifier
    teacher.panel.teach.click()
    assert teacher.running
    with qtbot.waitSignal(teacher.run.failed, timeout=30_000):
        pass
    assert "cannot write checkpoints" in teacher.panel.result.text()
    assert "recognizer is unchanged" in teacher.panel.result.text()
    assert teacher.store.classifier is before
    assert teacher.panel.teach.isEnabled(), "the user can try again"


def test_stopping_a_fine_tune_leaves_nothing_behind(teaching, qtbot, tmp_path, bundled):
    teacher, _ = teaching
    for label in range(6):
        teacher.examples.add(digit_image(bundled, label), label)
    teacher.refresh()
    before = teacher.store.classifier
    teacher.teach()
    with qtbot.waitSignal(teacher.run.ended, timeout=30_000) as ended:
        teacher.panel.stop.click()
    assert ended.args[0] is None or ended.args[0].event == "stopped"
    assert teacher.panel.result.text() == "Stopped; the recognizer is unchanged"
    assert list((tmp_path / "library").glob("my-handwriting-*")) == []
    assert teacher.store.classifier is before and not teacher.running
