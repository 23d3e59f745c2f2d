"""Strokes kept inside a digit's PNG: how they are written, read back and gathered.

An example the artist keeps in My Handwriting is a 28x28 PNG (an image-folder dataset
any tool reads); its strokes ride along in a compressed text chunk, so the picture and
the pen path that made it never part. A folder of such examples is then stroke data
too: the stroke models can learn the artist's own hand from it. What is read from a
chunk is checked as all stroke data is (finite, bounded, not too many points).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from studio.ml.errors import DatasetError
from studio.ml.strokes.stroke_dataset import StrokeSet
from studio.ml.strokes.stroke_format import Strokes, check_strokes, to_stroke3

STROKES_KEY = "latent-studio-strokes"  # the PNG text chunk holding a digit's strokes
MAX_STROKES_TEXT = 1_000_000  # bytes of JSON (Pillow reads no longer text); a digit needs kBs
DIGITS = range(10)


def strokes_text(strokes: Strokes) -> str | None:
    """The chunk's JSON for `strokes` (checked), or None when it would be too long to read."""
    checked = check_strokes(list(strokes), "the strokes to keep")
    text = json.dumps([np.round(s.astype(np.float64), 3).tolist() for s in checked])
    return text if len(text) <= MAX_STROKES_TEXT else None


def parse_strokes_text(text: object, what: str) -> Strokes:
    """Strokes from a chunk's text; DatasetError naming `what` and the problem."""
    if not isinstance(text, str) or len(text) > MAX_STROKES_TEXT:
        raise DatasetError(f"{what}: not text or longer than {MAX_STROKES_TEXT:,} bytes")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise DatasetError(f"{what}: not JSON ({e})") from e
    return check_strokes(data, what)


def folder_stroke_set(folder: Path) -> tuple[StrokeSet, list[str]]:
    """The examples in `folder`/<digit>/*.png that carry strokes, as a stroke set; and a
    line for each file whose strokes could not be read (the rest are used)."""
    parts, labels, problems = [], [], []
    for label in DIGITS:
        digit_folder = Path(folder) / str(label)
        if not digit_folder.is_dir():
            continue
        for path in sorted(digit_folder.glob("*.png")):
            try:
                with Image.open(path) as im:
                    text = im.info.get(STROKES_KEY)
                if text is None:
                    continue
                strokes = parse_strokes_text(text, f"{path}: strokes")
            except (OSError, UnidentifiedImageError, ValueError, DatasetError) as e:
                problems.append(f"{path}: skipped ({e})")
                continue
            parts.append(to_stroke3(strokes))
            labels.append(label)
    if not parts:
        return StrokeSet(np.zeros((0, 3), np.float32), np.zeros(1, np.int64),
                         np.zeros(0, np.int64)), problems
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    return StrokeSet(np.concatenate(parts).astype(np.float32), offsets,
                     np.array(labels, np.int64)), problems
