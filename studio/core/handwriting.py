"""The artist's own labelled drawings, kept on disk as an ordinary image-folder dataset.

Examples live as `<folder>/<digit>/<timestamp>-<n>.png`: 28x28 grayscale, white ink on
black, the MNIST convention the recognizer reads. That layout is exactly what
`studio.ml.data.dataset_loader.load_data` accepts as "a folder with one subfolder per
class", so the same examples can be trained on from the Train panel or the CLI, copied,
backed up or inspected in a file manager. A drawing kept from the canvas also carries
its strokes (in the same 28x28) in a text chunk of its PNG, so the stroke models can
learn the artist's hand while the folder stays a plain image dataset. Every write is
atomic (a full disk never leaves a half PNG), and a scan never crashes on a stray or
damaged file: it says which one and carries on, because losing the whole collection to
one bad file would lose work. Plain Python, numpy and Pillow only: the GUI thread reads
and writes examples.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from studio.ml.atomic_files import write_atomically
from studio.ml.data.preprocess import to_mnist, to_uint8
from studio.ml.errors import DatasetError, StudioError
from studio.ml.strokes.stroke_pngs import STROKES_KEY, parse_strokes_text, strokes_text

DIGITS = range(10)
MIN_TO_TEACH = 5  # fewer examples than this teach the recognizer nothing it can show
SUFFIX = ".png"


class HandwritingError(StudioError):
    """An example that could not be kept or removed; the message names the folder."""


@dataclass(frozen=True)
class Example:
    path: Path
    label: int
    image: np.ndarray = field(repr=False)  # [28, 28] uint8, white ink on black
    strokes: list[np.ndarray] | None = field(default=None, repr=False)  # [n, 2] in the 28x28


@dataclass(frozen=True)
class Scan:
    examples: list[Example]  # sorted by label, then by when they were kept
    problems: list[str]  # one line per file that was skipped, naming it and why


class HandwritingExamples:
    """The examples in one folder; every read goes to the disk, which is the truth."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self._serial = itertools.count(1)

    # ---- writing -------------------------------------------------------------------
    def add(self, image: np.ndarray, label: int,
            strokes: list[np.ndarray] | None = None) -> Path:
        """Keep `image` ([28, 28] uint8, MNIST convention) as an example of `label`, with
        the `strokes` it was drawn with (polylines [n, 2] in the same 28x28) when known."""
        if int(label) not in DIGITS:
            raise ValueError(f"label must be a digit 0-9, got {label!r}")
        image = np.asarray(image)
        if image.shape != (28, 28) or image.dtype != np.uint8:
            raise ValueError(f"expected a uint8 [28, 28] image, got {image.dtype} {image.shape}")
        info = PngImagePlugin.PngInfo()
        text = strokes_text(strokes) if strokes else None  # None: too long to be a digit's
        if text is not None:
            info.add_text(STROKES_KEY, text, zip=True)
        buffer = io.BytesIO()
        Image.fromarray(image, mode="L").save(buffer, format="PNG", pnginfo=info)
        digit_folder = self.folder / str(int(label))
        try:
            digit_folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise HandwritingError(f"{self.folder}: cannot keep examples there "
                                   f"({e.strerror or e})") from e
        path = self._new_path(digit_folder)
        try:
            write_atomically(path, buffer.getvalue())
        except StudioError as e:
            cause = e.__cause__
            reason = getattr(cause, "strerror", None) or cause or e
            raise HandwritingError(f"{self.folder}: cannot keep examples there "
                                   f"({reason})") from e
        return path

    def delete(self, paths: list[Path]) -> None:
        """Remove these examples' files; a digit folder left empty goes too, since an
        empty class folder is an error to load_data."""
        failed: list[str] = []
        for path in paths:
            path = Path(path)
            try:
                path.unlink(missing_ok=True)
            except OSError as e:
                failed.append(f"{path.name} ({e.strerror or e})")
                continue
            with contextlib.suppress(OSError):  # rmdir only succeeds when it is empty
                path.parent.rmdir()
        if failed:
            raise HandwritingError(f"{self.folder}: could not delete {', '.join(failed)}")

    # ---- reading -------------------------------------------------------------------
    def scan(self) -> Scan:
        """Every readable example, and a line for each file that was skipped."""
        examples: list[Example] = []
        problems: list[str] = []
        for label in DIGITS:
            digit_folder = self.folder / str(label)
            try:
                files = sorted(p for p in digit_folder.iterdir()
                               if p.is_file() and not p.name.startswith("."))
            except FileNotFoundError:
                continue
            except OSError as e:
                problems.append(f"{digit_folder}: cannot list the folder ({e.strerror or e})")
                continue
            for path in files:
                image, strokes, problem = _read(path)
                if problem:
                    problems.append(problem)
                if image is not None:
                    examples.append(Example(path, label, image, strokes))
        return Scan(examples, problems)

    def examples(self) -> list[Example]:
        return self.scan().examples

    def counts(self) -> dict[int, int]:
        """Examples per digit, all ten digits present (0 for none)."""
        counts = dict.fromkeys(DIGITS, 0)
        for example in self.examples():
            counts[example.label] += 1
        return counts

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """images [N, 28, 28] uint8 and labels [N] int64, in `examples()` order."""
        return stack(self.examples())

    def _new_path(self, digit_folder: Path) -> Path:
        """`<time to the millisecond>-<n>.png`: names sort in the order they were kept."""
        now = time.time()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now)) + f"{now % 1:.3f}"[1:]
        while True:
            path = digit_folder / f"{stamp}-{next(self._serial):04d}{SUFFIX}"
            if not path.exists():
                return path


def stack(examples: list[Example]) -> tuple[np.ndarray, np.ndarray]:
    """images [N, 28, 28] uint8 and labels [N] int64 of `examples`."""
    if not examples:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    return (np.stack([e.image for e in examples]),
            np.array([e.label for e in examples], dtype=np.int64))


def _read(path: Path) -> tuple[np.ndarray | None, list[np.ndarray] | None, str]:
    """The example's [28, 28] uint8 image and strokes (None when it has none), and what
    went wrong ("" when nothing did): no image, or an image whose strokes are damaged.

    Files the studio wrote are 28x28 grayscale, white on black, and come back as they
    are (to_mnist again would shift them slightly); anything else an artist put in
    the folder goes through to_mnist, as load_data would do.
    """
    try:
        with Image.open(path) as im:
            im.load()
            if im.mode == "L" and im.size == (28, 28):
                image = np.array(im, dtype=np.uint8)  # [28, 28]
                if _is_mnist(image):
                    strokes, problem = _strokes(path, im.info.get(STROKES_KEY))
                    return image, strokes, problem
            x = to_mnist(im)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError) as e:
        return None, None, f"{path}: skipped, not a readable image ({e})"
    if x is None:
        return None, None, f"{path}: skipped, the image has no ink in it"
    return to_uint8(x), None, ""


def _strokes(path: Path, text: object) -> tuple[list[np.ndarray] | None, str]:
    """An example's strokes from its text chunk, checked; a damaged record costs only
    the strokes (the picture is still an example), and says so."""
    if text is None:
        return None, ""
    try:
        return parse_strokes_text(text, "its strokes"), ""
    except DatasetError as e:
        return None, f"{path}: its strokes are damaged and were left out ({e})"


def _is_mnist(image: np.ndarray) -> bool:
    """[28, 28] uint8 with ink on a dark border: already in the MNIST convention."""
    border = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])
    return bool(image.max() >= 26 and border.mean() < 64)  # 26: preprocess.MIN_INK of 255
