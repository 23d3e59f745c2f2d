"""Lazy readers (memory-mapped IDX, image folders decoded per batch) against in-memory ones.

The same folder read both ways must give the same arrays, the same split, the same
DatasetError messages, and the same training run.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch
from idx_writing import idx_bytes, write_idx, write_idx_folder
from PIL import Image

from studio.ml.data.dataset_loader import load_data
from studio.ml.data.digit_datasets import ImageSet, Splits, bundled_mnist
from studio.ml.data.lazy_images import LazyImages
from studio.ml.errors import DatasetError
from studio.ml.training.training_loop import default_settings, train


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STUDIO_DATA_CACHE", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def small(take_subset) -> Splits:
    return take_subset(bundled_mnist(), 200, 50)


def same(a: Splits, b: Splits) -> None:
    for part in ("train", "test"):
        x, y = getattr(a, part), getattr(b, part)
        np.testing.assert_array_equal(np.asarray(x.images), np.asarray(y.images))
        np.testing.assert_array_equal(x.labels, y.labels)
    assert a.num_classes == b.num_classes and a.name == b.name


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("with_test", [True, False])
def test_mapped_idx_equals_read_idx(tmp_path: Path, small: Splits, gz: bool,
                                    with_test: bool) -> None:
    folder = write_idx_folder(tmp_path / "idx", small, gz=gz)
    if not with_test:  # the stratified split must pick the same rows from the lazy view
        for f in folder.glob("t10k-*"):
            f.unlink()
    lazy, eager = load_data(folder, lazy=True), load_data(folder, lazy=False)
    assert isinstance(lazy.train.images, LazyImages)
    assert isinstance(eager.train.images, np.ndarray)
    same(lazy, eager)
    if gz:  # decompressed once into the cache, then mapped from there
        assert len(list((tmp_path / "cache").iterdir())) >= 1


def test_emnist_is_transposed_lazily_too(tmp_path: Path, small: Splits) -> None:
    folder = tmp_path / "emnist"
    folder.mkdir()
    write_idx(folder / "emnist-digits-train-images-idx3-ubyte", small.train.images)
    write_idx(folder / "emnist-digits-train-labels-idx1-ubyte", small.train.labels.astype(np.uint8))
    same(load_data(folder, lazy=True), load_data(folder, lazy=False))


BAD = {
    "truncated": lambda raw: raw[:-10],
    "extra bytes": lambda raw: raw + b"\0" * 7,
    "wrong magic": lambda raw: b"\x01\x02" + raw[2:],
    "bad type": lambda raw: raw[:2] + b"\x07" + raw[3:],
    "no header": lambda raw: raw[:3],
}


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("damage", sorted(BAD))
def test_bad_idx_files_give_the_same_message(tmp_path: Path, small: Splits, damage: str,
                                             gz: bool) -> None:
    folder = write_idx_folder(tmp_path / "idx", small)
    images = folder / "train-images-idx3-ubyte"
    raw = BAD[damage](idx_bytes(small.train.images))
    if gz:
        images.unlink()
        images = images.with_name(images.name + ".gz")
        raw = gzip.compress(raw)
    images.write_bytes(raw)
    messages = []
    for lazy in (False, True):
        with pytest.raises(DatasetError) as e:
            load_data(folder, lazy=lazy)
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_damaged_gzip_gives_the_same_message(tmp_path: Path, small: Splits) -> None:
    folder = write_idx_folder(tmp_path / "idx", small, gz=True)
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:200])
    messages = []
    for lazy in (False, True):
        with pytest.raises(DatasetError, match="unreadable gzip") as e:
            load_data(folder, lazy=lazy)
        messages.append(str(e.value).split(" (")[0])
    assert messages[0] == messages[1]
    cache = tmp_path / "cache"
    assert not cache.exists() or not list(cache.iterdir())  # no half-decompressed copy left


def image_folder(root: Path, images: ImageSet, per_class: int = 4) -> Path:
    for digit in range(10):
        (root / str(digit)).mkdir(parents=True)
        for i, row in enumerate(np.flatnonzero(images.labels == digit)[:per_class]):
            Image.fromarray(255 - images.images[row]).save(root / str(digit) / f"{i}.png")
    return root


def test_lazy_image_folder_equals_the_in_memory_one(tmp_path: Path, small: Splits) -> None:
    folder = image_folder(tmp_path / "digits", small.train)
    lazy, eager = load_data(folder, lazy=True), load_data(folder, lazy=False)
    assert isinstance(lazy.train.images, LazyImages) and lazy.train.images.decodes
    same(lazy, eager)


def test_lazy_image_folder_reports_a_bad_image_like_today(tmp_path: Path, small: Splits) -> None:
    folder = image_folder(tmp_path / "digits", small.train)
    (folder / "3" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DatasetError) as eager:
        load_data(folder, lazy=False)
    lazy = load_data(folder, lazy=True)  # listed now, decoded when its batch is read
    with pytest.raises(DatasetError) as late:
        np.asarray(lazy.train.images)
    assert str(late.value) == str(eager.value)
    (folder / "3" / "broken.png").unlink()
    for f in (folder / "5").iterdir():
        f.unlink()
    messages = []
    for mode in (False, True):
        with pytest.raises(DatasetError) as e:
            load_data(folder, lazy=mode)
        messages.append(str(e.value))
    assert messages[0] == messages[1]


def test_training_from_a_memory_map_matches_training_from_memory(tmp_path: Path,
                                                                 small: Splits) -> None:
    folder = write_idx_folder(tmp_path / "idx", small)
    settings = default_settings("cnn", epochs=1, batch_size=50, device="cpu")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        runs = [list(train(settings, load_data(folder, lazy=lazy))) for lazy in (False, True)]
    finally:
        torch.set_num_threads(before)
    assert runs[0][-1].metrics == runs[1][-1].metrics  # the same batches, the same steps
