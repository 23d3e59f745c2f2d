"""How good the derived stroke data is: time, size, and what the recognizer reads back.

Derives all 5,000 bundled digits again (timing it), checks the result equals the
shipped resources/data/mnist_strokes.npz, then rasterizes every shipped digit's
strokes with `rasterize_strokes` and reads it with the bundled recognizer: the share
read as its own label says whether the strokes still carry the digit. Also prints
strokes and points per digit by class. The last line is JSON.

    .venv/bin/python benchmarks/stroke_quality.py
"""

from __future__ import annotations

import json
import time
from importlib import resources
from pathlib import Path

import numpy as np
import torch

from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.models.default_models import load_model
from studio.ml.recognition.recognize import recognize
from studio.ml.strokes.stroke_dataset import bundled_strokes, derive_stroke_set
from studio.ml.strokes.stroke_raster import rasterize_strokes


def main() -> None:
    torch.set_num_threads(1)
    splits = bundled_mnist()
    start = time.perf_counter()
    derived = derive_stroke_set(splits.train), derive_stroke_set(splits.test)
    seconds = time.perf_counter() - start
    shipped = bundled_strokes()
    same = all(np.array_equal(a.rows, b.rows) and np.array_equal(a.offsets, b.offsets)
               for a, b in zip(derived, shipped, strict=True))
    path = Path(str(resources.files("studio.resources"))) / "data" / "mnist_strokes.npz"
    classifier = load_model("cnn").model
    classifier.eval()
    figures: dict[str, object] = {
        "derive_s": round(seconds, 2), "derive_ms_per_digit": round(1000 * seconds / 5000, 2),
        "matches_shipped": same, "file_bytes": path.stat().st_size}
    for name, split in zip(("train", "test"), shipped, strict=True):
        read = np.array([recognize(classifier, rasterize_strokes(split.strokes(i))).digit
                         for i in range(len(split))])
        strokes = np.array([int(split.stroke3(i)[:, 2].sum()) for i in range(len(split))])
        points = split.lengths()
        figures[f"{name}_read_back"] = round(float(np.mean(read == split.labels)), 4)
        print(f"{name}: {len(split)} digits, read back as their label "
              f"{np.mean(read == split.labels):.1%}")
        if name == "train":
            print("class  read   strokes  points")
            per_class = {}
            for c in range(10):
                m = split.labels == c
                per_class[c] = round(float(strokes[m].mean()), 2)
                print(f"  {c}   {np.mean(read[m] == c):6.1%}  {strokes[m].mean():5.2f}  "
                      f"{points[m].mean():6.1f}")
            figures["strokes_per_digit_by_class"] = per_class
            figures["mean_strokes"] = round(float(strokes.mean()), 2)
            figures["mean_points"] = round(float(points.mean()), 1)
    print(f"derived 5,000 digits in {seconds:.1f} s; matches the shipped file: {same}; "
          f"file {figures['file_bytes'] / 1e6:.2f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
