"""The shipped stroke file: it loads, it matches the code that derives it, and it reads well."""

from __future__ import annotations

import numpy as np
import pytest

from studio.ml.errors import DatasetError
from studio.ml.strokes.digit_strokes import derive_strokes
from studio.ml.strokes.stroke_dataset import (
    StrokeSet,
    bundled_strokes,
    read_stroke_file,
    write_stroke_file,
)
from studio.ml.strokes.stroke_format import check_stroke3, to_stroke3
from studio.ml.strokes.stroke_raster import rasterize_strokes


@pytest.fixture(scope="module")
def shipped():
    return bundled_strokes()


def test_the_shipped_file_has_every_bundled_digit_with_its_label(shipped, bundled):
    train, test = shipped
    assert (len(train), len(test)) == (4500, 500)
    np.testing.assert_array_equal(train.labels, bundled.train.labels)
    np.testing.assert_array_equal(test.labels, bundled.test.labels)
    assert train.rows.dtype == np.float32 and train.offsets.dtype == np.int64
    assert 3 <= train.lengths().mean() <= 30, "tens of points per digit, not hundreds"
    check_stroke3(train.stroke3(0))


def test_a_sample_rederived_from_code_matches_the_file_exactly(shipped, bundled):
    rng = np.random.default_rng(16)
    for split, images in zip(shipped, (bundled.train, bundled.test), strict=True):
        for i in rng.choice(len(split), 12, replace=False):
            derived = to_stroke3(derive_strokes(images.images[i]))
            np.testing.assert_array_equal(derived, split.stroke3(int(i)),
                                          err_msg=f"digit {i}: regenerate the stroke file")


def test_derived_strokes_read_back_as_their_digit(shipped):
    """The strokes, drawn back with an MNIST-like pen, still read as the digit they came from."""
    torch = pytest.importorskip("torch")
    from studio.ml.models.default_models import load_model
    from studio.ml.recognition.recognize import recognize

    torch.set_num_threads(1)
    classifier = load_model("cnn").model.eval()
    test = shipped[1]
    picks = np.random.default_rng(0).choice(len(test), 50, replace=False)
    read = [recognize(classifier, rasterize_strokes(test.strokes(int(i)))).digit for i in picks]
    assert np.mean(np.array(read) == test.labels[picks]) >= 0.9


def small_set() -> StrokeSet:
    rows = np.array([[0, -5, 0], [0, 10, 1], [3, 0, 1]], np.float32)
    return StrokeSet(rows, np.array([0, 2, 3], np.int64), np.array([1, 7], np.int64))


def test_a_written_file_reads_back(tmp_path):
    path = tmp_path / "s.npz"
    write_stroke_file(path, small_set(), small_set())
    train, test = read_stroke_file(path)
    np.testing.assert_array_equal(train.rows, small_set().rows)
    assert [s.tolist() for s in test.strokes(0)] == [[[14, 9], [14, 19]]]


@pytest.mark.parametrize(("change", "problem"), [
    (lambda a: a.update(train_rows=a["train_rows"] * np.nan), "NaN"),
    (lambda a: a.update(train_rows=a["train_rows"] * np.float32([1e30, 1, 1])), "beyond"),
    (lambda a: a.update(train_rows=a["train_rows"].astype(np.float64)), "expected float32"),
    (lambda a: a.update(train_offsets=np.array([0, 3, 3])), "non-empty digits"),
    (lambda a: a.update(train_labels=np.array([1, 12])), "labels outside"),
    (lambda a: a.update(test_rows=np.zeros((5_000_001, 3), np.float32)), "too many points"),
    (lambda a: a.pop("test_labels"), "expected"),
    (lambda a: a.update(format_version=np.array(2)), "format version"),
    (lambda a: a.update(train_rows=np.array([[0, 1, 0], [0, 1, 0], [0, 1, 1]], np.float32)),
     "does not end with a pen lift"),
])
def test_a_damaged_file_is_refused_with_its_name_and_problem(tmp_path, change, problem):
    s = small_set()
    arrays = {"format_version": np.array(1)}
    for name in ("train", "test"):
        arrays |= {f"{name}_rows": s.rows, f"{name}_offsets": s.offsets,
                   f"{name}_labels": s.labels}
    change(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(DatasetError, match=problem) as caught:
        read_stroke_file(path)
    assert str(path) in str(caught.value)


def test_a_pickle_or_garbage_is_not_a_stroke_file(tmp_path):
    path = tmp_path / "bad.npz"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(DatasetError, match="not a readable stroke file"):
        read_stroke_file(path)
    path.write_bytes(b"garbage")
    with pytest.raises(DatasetError, match="not a readable stroke file"):
        read_stroke_file(path)
