"""`studio recognize` on images of whole numbers, through a subprocess as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from studio.ml.data.digit_datasets import bundled_mnist

STUDIO = str(Path(sys.executable).parent / "studio")


def number_png(path: Path, indices: list[int]) -> str:
    """Bundled test digits side by side, 10x, dark on white; return the number they make."""
    test = bundled_mnist().test
    strip = np.concatenate([np.pad(test.images[i][:, 4:24], ((4, 4), (4, 4)))
                            for i in indices], axis=1)
    Image.fromarray(255 - strip).resize((strip.shape[1] * 10, strip.shape[0] * 10),
                                        Image.Resampling.BICUBIC).save(path)
    return "".join(str(int(test.labels[i])) for i in indices)


def test_recognize_json_reads_numbers_single_digits_and_blanks(tmp_path: Path) -> None:
    number = tmp_path / "number.png"
    label = number_png(number, [0, 1, 2])
    single = tmp_path / "single.png"
    digit = int(number_png(single, [7]))
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    result = subprocess.run([STUDIO, "recognize", "--json", str(number), str(single), str(blank)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    many, one, none = (json.loads(line) for line in result.stdout.splitlines())
    assert many["number"] == label and many["digit"] is None and many["probabilities"] is None
    assert [d["digit"] for d in many["digits"]] == [int(c) for c in label]
    boxes = [d["box"] for d in many["digits"]]
    assert all(len(b) == 4 and b[0] < b[2] and b[1] < b[3] for b in boxes)
    assert [b[0] for b in boxes] == sorted(b[0] for b in boxes)
    assert one["digit"] == digit and one["number"] == str(digit) and len(one["digits"]) == 1
    assert one["digits"][0]["probabilities"] == one["probabilities"]
    assert none["digit"] is None and none["number"] is None and none["digits"] == []
    assert none["probabilities"] == [0.0] * 10

    text = subprocess.run([STUDIO, "recognize", str(number)], capture_output=True, text=True,
                          timeout=120)
    assert f"number.png: number {label} (digits {label[0]} " in text.stdout
