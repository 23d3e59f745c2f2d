"""Opening image files the user gives us, with one clear error for every way it fails."""

from __future__ import annotations

import warnings
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from studio.ml.errors import StudioError

MAX_PIXELS = 40_000_000  # ~ a 6300x6300 scan; larger is a mistake or a decompression bomb


class ImageFileError(StudioError):
    """A file that cannot be opened as an image."""


def check_size(name: str, width: int, height: int, max_pixels: int = MAX_PIXELS) -> None:
    """ImageFileError naming `name` when width x height is beyond what the studio opens.

    One limit for every way a picture comes in (a file, a drop, the clipboard), so a
    picture refused from a file is not taken from the clipboard instead.
    """
    if width * height > max_pixels:
        raise ImageFileError(f"{name}: {width}x{height} pixels is too large to open "
                             f"(limit {max_pixels // 1_000_000} megapixels)")


def open_image(path: Path | str, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open and fully decode `path`, so that every failure surfaces here, not later."""
    path = Path(path).expanduser()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                check_size(str(path), im.width, im.height, max_pixels)
                im.load()
                return ImageOps.exif_transpose(im)  # phone photos: upright as shown
    except FileNotFoundError as e:
        raise ImageFileError(f"{path}: no such file") from e
    except IsADirectoryError as e:
        raise ImageFileError(f"{path}: is a folder, not an image file") from e
    except PermissionError as e:
        raise ImageFileError(f"{path}: permission denied") from e
    except (UnidentifiedImageError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as e:
        raise ImageFileError(f"{path}: not an image Pillow can read ({e})") from e
    except (OSError, ValueError, SyntaxError) as e:  # truncated or corrupt data
        raise ImageFileError(f"{path}: the image data is corrupt or truncated ({e})") from e
