"""IDX files, the format MNIST, Fashion-MNIST, KMNIST and EMNIST are distributed in.

Users download these from many mirrors, gzipped or not, renamed, half-finished or
mixed with other files, so every way a folder can be wrong ends in a `DatasetError`
that names the file and the problem instead of a numpy traceback.
"""

from __future__ import annotations

import gzip
import math
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.ml.data.digit_datasets import ImageSet, Splits, stratified_split
from studio.ml.data.idx_cache import cached_plain
from studio.ml.data.lazy_images import LazyImages, want_lazy
from studio.ml.errors import DatasetError

# IDX type codes (third byte of the magic number); all big-endian on disk.
_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_NAME = re.compile(r"idx[13]-ubyte(\.gz)?$", re.IGNORECASE)
_SPLIT = re.compile(r"(train|t10k|test)", re.IGNORECASE)


# Bytes a header may announce, counting empty dimensions as 1 (numpy cannot even shape
# an empty array beyond this): 256 TiB, far beyond EMNIST's 1 GB.
MAX_ANNOUNCED = 2**48


def looks_like_idx(path: Path) -> bool:
    """Whether `load_data` should read this as IDX rather than as a folder of images."""
    path = Path(path)
    if path.is_file():
        return bool(_NAME.search(path.name))
    return path.is_dir() and bool(_idx_files(path))


def read_idx(path: Path) -> np.ndarray:
    """The array stored in one IDX file (plain or gzipped), in native byte order."""
    path = Path(path)
    data = _read_bytes(path)
    dtype, dims, header = _check_layout(path, data, len(data))
    needed = math.prod(dims) * dtype.itemsize
    array = np.frombuffer(data, dtype, count=needed // dtype.itemsize, offset=header)
    return array.reshape(dims).astype(dtype.newbyteorder("="))


def _check_layout(path: Path, head: bytes, size: int) -> tuple[np.dtype, tuple[int, ...], int]:
    """(dtype, dims, header length) of an IDX file of `size` bytes starting with `head`,
    or the DatasetError naming what is wrong; shared by the in-memory and mapped reads."""
    if size < 4:
        raise DatasetError(f"{path}: truncated file ({size} bytes, not even an IDX header)")
    if head[0] != 0 or head[1] != 0:
        raise DatasetError(f"{path}: wrong magic number 0x{head[:4].hex()}, not an IDX file")
    code, ndim = head[2], head[3]
    if code not in _DTYPES:
        raise DatasetError(f"{path}: unsupported IDX data type 0x{code:02x} in the magic number")
    header = 4 + 4 * ndim
    if size < header:
        raise DatasetError(f"{path}: truncated file (header announces {ndim} dimensions "
                           f"but the file has only {size} bytes)")
    dims = tuple(int(d) for d in np.frombuffer(head, ">u4", count=ndim, offset=4))
    dtype = _DTYPES[code]
    if math.prod(max(d, 1) for d in dims) * dtype.itemsize > MAX_ANNOUNCED:
        raise DatasetError(f"{path}: header announces {'x'.join(map(str, dims))} values, "
                           f"far more than any data set; not a valid IDX file")
    needed = math.prod(dims) * dtype.itemsize  # Python ints: 4 x 2^31 would wrap in int64
    have = size - header
    if have < needed:
        raise DatasetError(f"{path}: truncated file (header says {'x'.join(map(str, dims))} "
                           f"needing {needed} bytes of data, found {have})")
    if have > needed:
        raise DatasetError(f"{path}: {have - needed} bytes more than its header "
                           f"({'x'.join(map(str, dims))}) describes; not a valid IDX file")
    return dtype, dims, header


def map_idx(path: Path) -> np.ndarray:
    """One IDX file memory-mapped instead of read: pages come from disk as rows are used.

    A gzipped file is first decompressed once, streamed, into the data cache
    (idx_cache.py); the same checks and messages as `read_idx` apply, naming `path`.
    Files of wider types than bytes are read whole (they are labels or not images).
    """
    path = Path(path)
    plain = cached_plain(path)
    try:
        size = plain.stat().st_size
        with plain.open("rb") as f:
            head = f.read(4 + 4 * 255)
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the file ({e.strerror or e})") from e
    dtype, dims, header = _check_layout(path, head, size)
    if dtype.itemsize != 1 or math.prod(dims) == 0:
        return read_idx(path)
    return np.memmap(plain, dtype=dtype.newbyteorder("="), mode="r", offset=header, shape=dims)


def load_idx_folder(path: Path, lazy: bool | None = None) -> Splits:
    """Train and test sets from the IDX files in a folder (or the folder of one IDX file).

    A folder holding one dataset needs no choice; given one file of a folder that holds
    several (the full EMNIST release), its dataset is the one loaded. lazy: memory-map
    the training images (LazyImages) instead of reading them; None decides by size.
    """
    path = Path(path)
    folder = path.parent if path.is_file() else path
    if not folder.is_dir():
        raise DatasetError(f"{path}: no such folder")
    files = _idx_files(folder)
    if not files:
        raise DatasetError(f"{folder}: empty folder, no IDX files "
                           "(train-images-idx3-ubyte, train-labels-idx1-ubyte, ...)")
    if path.is_file():
        if not _NAME.search(path.name):
            raise DatasetError(f"{path}: not an IDX file name (expected ...-idx3-ubyte[.gz])")
        prefix = _parse(path).prefix
        files = [f for f in files if f.prefix == prefix]
    prefixes = sorted({f.prefix for f in files})
    if len(prefixes) > 1:
        names = ", ".join(p.rstrip("-_.") or "(no prefix)" for p in prefixes)
        raise DatasetError(f"{folder}: several IDX datasets in one folder ({names}); "
                           "give the path of one of its files")

    train = _pair(folder, files, "train")
    test = _pair(folder, files, "test")
    if train is None:
        raise DatasetError(f"{folder}: no training images (a ...train-images-idx3-ubyte file)")
    train_set = _load_pair(*train, lazy=want_lazy(_announced_count(train[0]), lazy))
    if test is None:
        train_set, test_set = stratified_split(train_set.images, train_set.labels, 0.1, seed=0)
        test_set = ImageSet(np.asarray(test_set.images), test_set.labels)  # evaluated whole
    else:
        test_set = _load_pair(*test)
    labels = np.concatenate([train_set.labels, test_set.labels])
    return Splits(train_set, test_set, str(folder), num_classes=int(labels.max()) + 1)


@dataclass(frozen=True)
class _IdxName:
    path: Path
    prefix: str  # what comes before train/t10k/test: "emnist-digits-" or ""
    split: str  # "train" or "test"
    kind: str  # "images" or "labels"
    key: str  # the name without .gz, to spot a file present both plain and gzipped


def _idx_files(folder: Path) -> list[_IdxName]:
    """IDX files in a folder; a folder named like an IDX file stands for the file inside it.

    (Some downloads unpack train-images-idx3-ubyte/ holding train-images-idx3-ubyte.)
    """
    found: dict[str, _IdxName] = {}
    try:
        entries = sorted(folder.iterdir())
    except OSError as e:
        raise DatasetError(f"{folder}: cannot list the folder ({e.strerror or e})") from e
    for entry in entries:
        if entry.name.startswith(".") or not _NAME.search(entry.name):
            continue
        if entry.is_dir():
            entry = entry / entry.name
        if not entry.is_file():
            continue
        item = _parse(entry)
        # Keep one of name and name.gz (gunzip -k leaves both); the plain one reads faster.
        if item.key not in found or not entry.name.lower().endswith(".gz"):
            found[item.key] = item
    return list(found.values())


def _parse(path: Path) -> _IdxName:
    name = path.name
    match = _SPLIT.search(name)
    # A file naming no split (images-idx3-ubyte) is taken as training data.
    split = "test" if match and match.group(1).lower() != "train" else "train"
    prefix = name[: match.start()] if match else ""
    kind = "images" if "idx3" in name.lower() else "labels"
    key = re.sub(r"\.gz$", "", name.lower())
    return _IdxName(path, prefix.lower(), split, kind, key)


def _pair(folder: Path, files: list[_IdxName], split: str) -> tuple[Path, Path] | None:
    images = [f for f in files if f.split == split and f.kind == "images"]
    labels = [f for f in files if f.split == split and f.kind == "labels"]
    if not images and not labels:
        return None
    if len(images) > 1 or len(labels) > 1:
        names = ", ".join(f.path.name for f in images + labels)
        raise DatasetError(f"{folder}: more than one {split} images or labels file ({names})")
    if not labels:
        raise DatasetError(f"{images[0].path}: missing labels file (expected a "
                           f"...{split}-labels-idx1-ubyte file next to it)")
    if not images:
        raise DatasetError(f"{labels[0].path}: missing images file (expected a "
                           f"...{split}-images-idx3-ubyte file next to it)")
    return images[0].path, labels[0].path


def _announced_count(path: Path) -> int:
    """The image count an IDX header announces (0 when unreadable: read_idx will say why)."""
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as f:
            head = f.read(8)
    except (OSError, EOFError, zlib.error):
        return 0
    return int.from_bytes(head[4:8], "big") if len(head) == 8 and head[3] >= 1 else 0


def _load_pair(images_path: Path, labels_path: Path, lazy: bool = False) -> ImageSet:
    images = map_idx(images_path) if lazy else read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3:
        raise DatasetError(f"{images_path}: not an images file ({images.ndim} dimensions, "
                           "expected count x 28 x 28)")
    if images.shape[1:] != (28, 28):
        raise DatasetError(f"{images_path}: images are {images.shape[1]}x{images.shape[2]}, "
                           "not 28x28")
    if images.dtype != np.uint8:
        raise DatasetError(f"{images_path}: images are {images.dtype}, expected unsigned bytes")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise DatasetError(f"{labels_path}: not a labels file (expected one integer per image)")
    if len(images) != len(labels):
        raise DatasetError(f"{images_path}: image/label count mismatch, {len(images)} images "
                           f"but {len(labels)} labels in {labels_path.name}")
    if len(images) == 0:
        raise DatasetError(f"{images_path}: no images in the file")
    if labels.min() < 0:
        raise DatasetError(f"{labels_path}: negative labels")
    transposed = images_path.name.lower().startswith("emnist")  # EMNIST stores them so
    if isinstance(images, np.memmap):
        mapped = images
        rows = np.arange(len(images), dtype=np.int64)
        reader = (lambda i: mapped[i].transpose(0, 2, 1)) if transposed else mapped.__getitem__
        return ImageSet(LazyImages(reader, rows), labels.astype(np.int64))
    if transposed:
        images = images.transpose(0, 2, 1)
    return ImageSet(np.ascontiguousarray(images), labels.astype(np.int64))


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DatasetError(f"{path}: cannot read the file ({e.strerror or e})") from e
    gzipped = data[:2] == b"\x1f\x8b"
    if path.name.lower().endswith(".gz") and not gzipped:
        raise DatasetError(f"{path}: unreadable gzip, the file is not gzip-compressed")
    if not gzipped:
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:  # BadGzipFile is an OSError
        raise DatasetError(f"{path}: unreadable gzip, the file is damaged or incomplete "
                           f"({e})") from e
