"""Datasets: the bundled MNIST subset, IDX folders and image folders, good and broken."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np
import pytest
from idx_writing import idx_bytes, write_idx
from PIL import Image, ImageDraw

from studio.ml.data import idx_files as idx
from studio.ml.data.dataset_loader import load_data
from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.data.image_folder import load_image_folder
from studio.ml.errors import DatasetError

# --- helpers -----------------------------------------------------------------------


def fake_digits(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random uint8 images whose label is written into pixel (0, 0), to check pairing."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n, dtype=np.uint8) % 10
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    images[:, 0, 0] = labels
    return images, labels


def write_mnist(folder: Path, gz: bool = False, n_train: int = 40, n_test: int = 20,
                prefix: str = "", test_name: str = "t10k") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = fake_digits(n_train)
    write_idx(folder / f"{prefix}train-images-idx3-ubyte", images, gz)
    write_idx(folder / f"{prefix}train-labels-idx1-ubyte", labels, gz)
    if n_test:
        images, labels = fake_digits(n_test, seed=1)
        write_idx(folder / f"{prefix}{test_name}-images-idx3-ubyte", images, gz)
        write_idx(folder / f"{prefix}{test_name}-labels-idx1-ubyte", labels, gz)


def digit_png(path: Path, digit: int, size: int = 64, dark_on_light: bool = True,
              shift: int = 0) -> Path:
    """A crude but recognisable stroke shape per class, drawn as a real image file."""
    bg, ink = (255, 0) if dark_on_light else (0, 255)
    im = Image.new("L", (size, size), bg)
    draw = ImageDraw.Draw(im)
    s, o = size, shift
    shapes = {
        0: lambda: draw.ellipse((s * .3 + o, s * .15, s * .7 + o, s * .85), outline=ink, width=5),
        1: lambda: draw.line((s * .5 + o, s * .15, s * .5 + o, s * .85), fill=ink, width=5),
        2: lambda: draw.line((s * .3 + o, s * .2, s * .7 + o, s * .2, s * .3 + o, s * .8,
                              s * .7 + o, s * .8), fill=ink, width=5),
    }
    shapes[digit % 3]()
    im.save(path)
    return path


def write_image_folder(root: Path, classes: list[str], per_class: int = 10) -> None:
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            digit_png(root / name / f"{i}.png", c, shift=i - per_class // 2,
                      dark_on_light=i % 2 == 0)


def raises(path: Path, problem: str):
    """DatasetError whose message starts with the file's path and states the problem."""
    return pytest.raises(DatasetError, match=f"^{re.escape(str(path))}: .*{problem}")


# --- bundled -------------------------------------------------------------------------


def test_bundled_mnist_is_balanced_white_on_black() -> None:
    data = bundled_mnist()
    assert (len(data.train), len(data.test)) == (4500, 500)
    assert data.name == "bundled" and data.num_classes == 10
    assert np.bincount(data.train.labels).tolist() == [450] * 10
    assert np.bincount(data.test.labels).tolist() == [50] * 10
    for part in (data.train, data.test):
        assert part.images.dtype == np.uint8 and part.labels.dtype == np.int64
        border = np.concatenate([part.images[:, 0], part.images[:, -1],
                                 part.images[:, :, 0], part.images[:, :, -1]], axis=1)
        assert border.mean() < 1.0  # black background
        assert part.images.max() == 255  # white ink


def test_load_data_bundled() -> None:
    assert len(load_data("bundled").train) == 4500


# --- IDX: good files ---------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_idx_folder_with_test_pair(tmp_path: Path, gz: bool) -> None:
    write_mnist(tmp_path, gz=gz)
    assert idx.looks_like_idx(tmp_path)
    data = load_data(tmp_path)
    images, labels = fake_digits(40)
    assert np.array_equal(data.train.images, images)
    assert np.array_equal(data.train.labels, labels)
    assert data.train.labels.dtype == np.int64
    assert len(data.test) == 20
    assert np.array_equal(data.test.images[:, 0, 0], data.test.labels)
    assert data.name == str(tmp_path) and data.num_classes == 10


def test_idx_without_test_pair_is_split_per_class(tmp_path: Path) -> None:
    write_mnist(tmp_path, n_train=200, n_test=0)
    data = idx.load_idx_folder(tmp_path)
    assert (len(data.train), len(data.test)) == (180, 20)
    assert np.bincount(data.test.labels).tolist() == [2] * 10
    assert np.array_equal(data.train.images[:, 0, 0], data.train.labels)
    again = idx.load_idx_folder(tmp_path)
    assert np.array_equal(again.test.images, data.test.images)  # fixed seed


def test_idx_num_classes_is_max_label_plus_one(tmp_path: Path) -> None:
    images, _ = fake_digits(6)
    write_idx(tmp_path / "train-images-idx3-ubyte", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.array([0, 1, 2, 0, 1, 2], np.uint8))
    assert idx.load_idx_folder(tmp_path).num_classes == 3


def test_emnist_images_are_transposed(tmp_path: Path) -> None:
    images, labels = fake_digits(30)
    images[:, 5:20, 12:15] = 255  # an upright bar, asymmetric under transposition
    write_idx(tmp_path / "emnist-digits-train-images-idx3-ubyte", images.transpose(0, 2, 1),
              gz=True)
    write_idx(tmp_path / "emnist-digits-train-labels-idx1-ubyte", labels, gz=True)
    write_idx(tmp_path / "emnist-digits-test-images-idx3-ubyte", images.transpose(0, 2, 1))
    write_idx(tmp_path / "emnist-digits-test-labels-idx1-ubyte", labels)
    data = load_data(tmp_path)
    assert np.array_equal(data.train.images, images)
    assert np.array_equal(data.test.images, images)


def test_idx_file_path_loads_its_folder_and_dataset(tmp_path: Path) -> None:
    write_mnist(tmp_path, prefix="emnist-digits-", test_name="test")
    write_mnist(tmp_path, prefix="emnist-mnist-", test_name="test", n_train=30)
    with raises(tmp_path, "several IDX datasets"):
        idx.load_idx_folder(tmp_path)
    file = tmp_path / "emnist-mnist-train-labels-idx1-ubyte"
    assert idx.looks_like_idx(file)
    data = load_data(file)
    assert len(data.train) == 30 and data.name == str(tmp_path)


def test_gzipped_and_plain_copies_count_once(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=False)
    write_mnist(tmp_path, gz=True)
    assert len(idx.load_idx_folder(tmp_path).train) == 40


def test_read_idx_other_dtypes(tmp_path: Path) -> None:
    values = np.arange(12, dtype=np.int32).reshape(3, 4) - 5
    (tmp_path / "x.idx").write_bytes(idx_bytes(values, code=0x0C))
    out = idx.read_idx(tmp_path / "x.idx")
    assert np.array_equal(out, values) and out.dtype == np.int32


def test_looks_like_idx_false_for_other_things(tmp_path: Path) -> None:
    assert not idx.looks_like_idx(tmp_path)
    (tmp_path / "0").mkdir()
    assert not idx.looks_like_idx(tmp_path)
    (tmp_path / "notes.txt").write_text("hi")
    assert not idx.looks_like_idx(tmp_path / "notes.txt")


# --- IDX: bad files ----------------------------------------------------------------


def test_wrong_magic_number(tmp_path: Path) -> None:
    write_mnist(tmp_path, n_test=0)
    file = tmp_path / "train-images-idx3-ubyte"
    file.write_bytes(b"\x12\x34" + file.read_bytes()[2:])
    with raises(file, "wrong magic number"):
        load_data(tmp_path)


def test_unsupported_dtype_code(tmp_path: Path) -> None:
    file = tmp_path / "x-idx3-ubyte"
    file.write_bytes(b"\x00\x00\x07\x01" + struct.pack(">I", 1) + b"\x00")
    with raises(file, "unsupported IDX data type 0x07"):
        idx.read_idx(file)


@pytest.mark.parametrize("cut", [2, 10, 4 + 12 + 28 * 28 * 5])
def test_truncated_file(tmp_path: Path, cut: int) -> None:
    write_mnist(tmp_path, n_test=0)
    file = tmp_path / "train-images-idx3-ubyte"
    file.write_bytes(file.read_bytes()[:cut])
    with raises(file, "truncated file"):
        load_data(tmp_path)


def test_trailing_bytes(tmp_path: Path) -> None:
    write_mnist(tmp_path, n_test=0)
    file = tmp_path / "train-labels-idx1-ubyte"
    file.write_bytes(file.read_bytes() + b"\x00\x00")
    with raises(file, "2 bytes more than its header"):
        load_data(tmp_path)


def test_count_mismatch(tmp_path: Path) -> None:
    write_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", np.zeros(19, np.uint8))
    with raises(tmp_path / "t10k-images-idx3-ubyte", "count mismatch, 20 images but 19 labels"):
        load_data(tmp_path)


def test_missing_labels_file(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=True)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with raises(tmp_path / "t10k-images-idx3-ubyte.gz", "missing labels file"):
        load_data(tmp_path)


def test_missing_images_file(tmp_path: Path) -> None:
    write_mnist(tmp_path, n_test=0)
    (tmp_path / "train-images-idx3-ubyte").unlink()
    with raises(tmp_path / "train-labels-idx1-ubyte", "missing images file"):
        load_data(tmp_path)


def test_only_test_files(tmp_path: Path) -> None:
    write_mnist(tmp_path, test_name="t10k")
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (tmp_path / name).unlink()
    with raises(tmp_path, "no training images"):
        load_data(tmp_path)


def test_images_not_28x28(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((4, 32, 32), np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with raises(tmp_path / "train-images-idx3-ubyte", "32x32, not 28x28"):
        load_data(tmp_path)


def test_images_not_3d(tmp_path: Path) -> None:
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros(4, np.uint8))
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(4, np.uint8))
    with raises(tmp_path / "train-images-idx3-ubyte", "not an images file"):
        load_data(tmp_path)


@pytest.mark.parametrize("content", [b"not gzip at all", b"garbage"])
def test_gz_name_but_not_gzip(tmp_path: Path, content: bytes) -> None:
    write_mnist(tmp_path, gz=True, n_test=0)
    file = tmp_path / "train-labels-idx1-ubyte.gz"
    file.write_bytes(content)
    with raises(file, "unreadable gzip"):
        load_data(tmp_path)


def test_damaged_gzip(tmp_path: Path) -> None:
    write_mnist(tmp_path, gz=True, n_test=0)
    file = tmp_path / "train-images-idx3-ubyte.gz"
    data = file.read_bytes()
    file.write_bytes(data[: len(data) // 2])  # incomplete download
    with raises(file, "unreadable gzip"):
        load_data(tmp_path)
    file.write_bytes(data[:20] + bytes(b ^ 0xFF for b in data[20:40]) + data[40:])
    with raises(file, "unreadable gzip"):
        load_data(tmp_path)


def test_empty_folder(tmp_path: Path) -> None:
    with raises(tmp_path, "empty folder"):
        idx.load_idx_folder(tmp_path)
    with raises(tmp_path, "no class subfolders"):
        load_data(tmp_path)


def test_missing_path_and_plain_file(tmp_path: Path) -> None:
    with raises(tmp_path / "nope", "no such file or folder"):
        load_data(tmp_path / "nope")
    (tmp_path / "notes.txt").write_text("hello")
    with raises(tmp_path / "notes.txt", "not a folder of IDX files"):
        load_data(tmp_path / "notes.txt")


# --- image folders -----------------------------------------------------------------


def test_digit_class_folders(tmp_path: Path) -> None:
    write_image_folder(tmp_path, ["0", "1", "2"], per_class=10)
    data = load_data(tmp_path)
    assert (len(data.train), len(data.test)) == (27, 3)
    assert sorted(data.test.labels.tolist()) == [0, 1, 2]
    assert data.num_classes == 10 and data.name == str(tmp_path)
    assert data.train.images.dtype == np.uint8 and data.train.labels.dtype == np.int64
    images = data.train.images
    assert images[:, 0].max() == 0 and images[:, :, 0].max() == 0  # MNIST-like margins
    assert images.max() == 255
    # Every "1" is a vertical bar: white down the middle whatever the source polarity.
    ones = images[data.train.labels == 1]
    assert (ones[:, 5:23, 12:16].max(axis=2) > 200).all()


def test_named_classes_are_sorted(tmp_path: Path) -> None:
    write_image_folder(tmp_path, ["zero", "one", "Two"], per_class=4)
    data = load_image_folder(tmp_path)
    assert data.num_classes == 3
    # sorted: "Two" < "one" < "zero"; the class drawn as shape c has 4 images each
    assert np.bincount(np.concatenate([data.train.labels, data.test.labels])).tolist() == [4] * 3
    mean_of = {c: data.train.images[data.train.labels == c].mean(axis=0) for c in range(3)}
    vertical = mean_of[1][:, 12:16].mean()  # "one" is label 1 and shape 1, the bar
    assert vertical > mean_of[0][:, 12:16].mean()


def test_train_and_test_subfolders(tmp_path: Path) -> None:
    write_image_folder(tmp_path / "train", ["0", "1", "2"], per_class=5)
    write_image_folder(tmp_path / "test", ["0", "2"], per_class=2)
    data = load_data(tmp_path)
    assert (len(data.train), len(data.test)) == (15, 4)
    assert sorted(set(data.test.labels.tolist())) == [0, 2]


def test_test_class_unknown_to_train(tmp_path: Path) -> None:
    write_image_folder(tmp_path / "train", ["0", "1"], per_class=2)
    write_image_folder(tmp_path / "test", ["7"], per_class=2)
    with raises(tmp_path / "test" / "7", "class not in"):
        load_data(tmp_path)


def test_test_without_train(tmp_path: Path) -> None:
    write_image_folder(tmp_path / "test", ["0"], per_class=2)
    with raises(tmp_path, "no train/ folder"):
        load_data(tmp_path)


def test_hidden_and_blank_files_skipped(tmp_path: Path) -> None:
    write_image_folder(tmp_path, ["0", "1"], per_class=3)
    (tmp_path / "0" / ".DS_Store").write_bytes(b"\x00\x01junk")
    (tmp_path / ".hidden_class").mkdir()
    Image.new("L", (40, 40), 255).save(tmp_path / "1" / "blank.png")
    data = load_data(tmp_path)
    assert len(data.train) + len(data.test) == 6


def test_empty_class_folder(tmp_path: Path) -> None:
    write_image_folder(tmp_path, ["0", "1"], per_class=3)
    (tmp_path / "2").mkdir()
    Image.new("L", (40, 40), 255).save(tmp_path / "2" / "blank.png")
    with raises(tmp_path / "2", "empty class folder"):
        load_data(tmp_path)


def test_file_pillow_cannot_read(tmp_path: Path) -> None:
    write_image_folder(tmp_path, ["0", "1"], per_class=3)
    bad = tmp_path / "1" / "notes.txt"
    bad.write_text("not a picture")
    with raises(bad, "not an image Pillow can read"):
        load_data(tmp_path)
    bad.unlink()
    broken = tmp_path / "1" / "broken.png"
    broken.write_bytes((tmp_path / "1" / "0.png").read_bytes()[:60])
    with raises(broken, "corrupt or truncated"):
        load_data(tmp_path)


def test_no_class_subfolders(tmp_path: Path) -> None:
    digit_png(tmp_path / "loose.png", 1)
    with raises(tmp_path, "no class subfolders"):
        load_data(tmp_path)


@pytest.mark.parametrize("side", [40, 60])  # 40*40 warns, 60*60 > 2 * limit errors
def test_decompression_bomb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, side: int) -> None:
    write_image_folder(tmp_path, ["0"], per_class=1)
    bomb = tmp_path / "0" / "bomb.png"
    Image.new("L", (side, side), 0).save(bomb)
    for file in (tmp_path / "0").iterdir():
        if file != bomb:
            file.unlink()
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with raises(bomb, "decompression bomb"):
        load_data(tmp_path)
