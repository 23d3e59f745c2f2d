"""My handwriting examples on disk: kept, listed, deleted, loaded as a data set, bad files named."""

from __future__ import annotations

import errno

import numpy as np
import pytest
from PIL import Image

from studio.core.handwriting import HandwritingError, HandwritingExamples


def digit_image(bundled, label: int, k: int = 0) -> np.ndarray:
    """The k-th bundled test digit of `label`: [28, 28] uint8."""
    return bundled.test.images[np.flatnonzero(bundled.test.labels == label)[k]]


# ---- the examples on disk --------------------------------------------------------------
def test_examples_round_trip_and_load_as_an_image_folder(tmp_path, bundled):
    from studio.ml.data.dataset_loader import load_data

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
    monkeypatch.setattr("studio.ml.atomic_files.os.fsync", full)
    with pytest.raises(HandwritingError, match="No space left") as error:
        store.add(digit_image(bundled, 1), 1)
    assert str(tmp_path / "hand") in str(error.value)
    assert list((tmp_path / "hand").rglob("*")) == [tmp_path / "hand" / "1"], "no half file"
    with pytest.raises(ValueError):
        store.add(digit_image(bundled, 1), 10)


# ---- strokes kept with an example -------------------------------------------------------
def test_strokes_round_trip_in_the_png_and_damage_costs_only_them(tmp_path, bundled):
    from PIL import PngImagePlugin

    from studio.core.handwriting import STROKES_KEY

    store = HandwritingExamples(tmp_path / "hand")
    strokes = [np.array([[8.0, 6.0], [20.0, 6.0], [12.5, 22.25]], np.float32)]
    path = store.add(digit_image(bundled, 7), 7, strokes)
    plain = store.add(digit_image(bundled, 2), 2)
    with Image.open(path) as im:  # another reader sees the strokes' chunk
        assert STROKES_KEY in im.info
    examples = {e.path: e for e in store.examples()}
    assert examples[plain].strokes is None
    kept = examples[path].strokes
    assert len(kept) == 1 and np.allclose(kept[0], strokes[0], atol=1e-3)
    for bad in ("[[[1, NaN]]]", "[[[1e30, 2]]]", "not json", "[[" * 50_000,
                json_of_points(100_001)):
        info = PngImagePlugin.PngInfo()
        info.add_text(STROKES_KEY, bad, zip=True)
        Image.fromarray(digit_image(bundled, 7)).save(path, pnginfo=info)
        scan = store.scan()
        again = {e.path: e for e in scan.examples}
        assert path in again, scan.problems
        assert again[path].strokes is None  # the picture is still kept
        assert any(str(path) in p and "strokes" in p for p in scan.problems), bad[:20]
    with pytest.raises(Exception, match="NaN|finite"):
        store.add(digit_image(bundled, 7), 7, [np.array([[1.0, np.nan]])])


def json_of_points(n: int) -> str:
    return "[[" + ",".join(["[1,2]"] * n) + "]]"
