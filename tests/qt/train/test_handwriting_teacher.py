"""Teaching my handwriting from the window: the panel and the teacher, with real mouse events."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from studio.core.handwriting import HandwritingExamples


def digit_image(bundled, label: int, k: int = 0) -> np.ndarray:
    """The k-th bundled test digit of `label`: [28, 28] uint8."""
    return bundled.test.images[np.flatnonzero(bundled.test.labels == label)[k]]


def test_the_teacher_reads_fine_tunes_metric_keys():
    from studio.ml.training import fine_tune
    from studio.qt.train import handwriting_teacher

    for key in ("BEFORE", "AFTER", "EVALUATED", "HELD_OUT"):
        assert getattr(handwriting_teacher, key) == getattr(fine_tune, key)


# ---- the panel and the teacher, with real mouse events --------------------------------
@pytest.fixture
def teaching(qtbot, tmp_path, recognizer):
    from PySide6.QtWidgets import QHBoxLayout, QWidget

    from studio.ml.models.default_models import default_model_path
    from studio.qt.base.notifier import Notifier
    from studio.qt.sketch.recognizer_store import RecognizerStore
    from studio.qt.sketch.sketch_canvas import SketchCanvas
    from studio.qt.sketch.sketch_document import SketchDocument
    from studio.qt.train.handwriting_teacher import HandwritingTeacher

    host = QWidget()
    qtbot.addWidget(host)
    notifier = Notifier(logging.getLogger("test_handwriting"), host)
    store = RecognizerStore({"cnn": default_model_path("cnn")}, notifier, host)
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

    from studio.ml.models.checkpoints import load_checkpoint
    from studio.qt.base.simulated_hand import draw_digit

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
    import numpy as np

    from studio.ml.strokes.stroke_raster import rasterize_strokes

    for example in teacher.examples.examples():  # each keeps the strokes it was drawn with
        assert example.strokes, example.path
        redrawn = rasterize_strokes(example.strokes)  # [28, 28] in the kept image's field
        kept = example.image.astype(np.float32) / 255
        assert np.corrcoef(redrawn.ravel(), kept.ravel())[0, 1] > 0.6, example.path

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
    writing = []  # the library marks this checkpoint busy (no Delete, no Rename) meanwhile
    teacher.writing_changed.connect(writing.append)
    teacher.teach()
    with qtbot.waitSignal(teacher.run.ended, timeout=30_000) as ended:
        teacher.panel.stop.click()
    assert ended.args[0] is None or ended.args[0].event == "stopped"
    assert len(writing) == 2 and writing[1] is None
    assert writing[0].parent == tmp_path / "library" and writing[0].name.startswith("my-hand")
    assert teacher.panel.result.text() == "Stopped; the recognizer is unchanged"
    assert list((tmp_path / "library").glob("my-handwriting-*")) == []
    assert teacher.store.classifier is before and not teacher.running
