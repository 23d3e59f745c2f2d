"""What drew a drawing, and its strokes, stored inside the PNG and read back from it.

A picture of a number the pen wrote is only pixels; keeping the strokes in the file
lets the studio open it back as strokes the artist can erase and redraw, and the model,
its weights, the seed and the temperature say how to draw it again. The record travels
in its own compressed iTXt chunk, keyed "latent-studio-drawing", beside (never instead
of) the generator's "latent-studio" provenance, as JSON declared once below.

On the way back in the record is user input: msgspec checks every field where it is
parsed (finite, bounded coordinates; at most MAX_POINTS points in all; digits only),
so a damaged record is refused with the file's name and the field, and the picture
still opens as a plain picture.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Annotated, Literal

import msgspec
import numpy as np
from PIL import PngImagePlugin

from studio import __version__
from studio.export.images import INK, PAPER, Colour, write
from studio.export.pen_paths import (
    MAX_COORD,
    MAX_DIGITS,
    MAX_POINTS,
    Drawing,
    check_drawing,
    pen_svg,
    render_drawing,
)
from studio.export.provenance import ExportError, read_text_chunk
from studio.export.svg import save_svg
from studio.ml.records import Sha256, bounded, read_record, text, whole, write_record

KEY = "latent-studio-drawing"
FORMAT = "latent-studio-drawing/1"
MAX_TEXT = 1_000_000  # bytes of JSON: Pillow reads no longer text chunk (MAX_TEXT_CHUNK)
MAX_TEMPERATURE = 2.0
DECIMALS = 3  # field pixels to 0.001: invisible at any size, a short record

Coordinate = bounded(-MAX_COORD, MAX_COORD)
Point = tuple[Coordinate, Coordinate]
Polyline = Annotated[tuple[Point, ...], msgspec.Meta(min_length=1, max_length=MAX_POINTS)]
FieldStrokes = Annotated[tuple[Polyline, ...], msgspec.Meta(max_length=MAX_POINTS)]
Digits = Annotated[str, msgspec.Meta(pattern=f"^[0-9]{{1,{MAX_DIGITS}}}$")]
Temperature = Annotated[float, msgspec.Meta(gt=0.0, le=MAX_TEMPERATURE)]


class DrawingRecord(msgspec.Struct, frozen=True):
    """The record; its declaration is also the check every file's record goes through."""

    model_name: text(200, 1)  # what the user saw, e.g. "Default LSTM"
    model_kind: Literal["strokes-lstm", "strokes-transformer"]
    weights_sha256: Sha256  # 64 lowercase hex digits of the stroke model's weights
    digits: Digits  # what was written, e.g. "2026"
    seed: whole(-(2**63), 2**63 - 1)  # the style seed (qt's Write a number, write_number)
    temperature: Temperature
    strokes: Annotated[tuple[FieldStrokes, ...], msgspec.Meta(min_length=1,
                                                             max_length=MAX_DIGITS)]
    studio_version: text(64, 1) = __version__
    format: Literal["latent-studio-drawing/1"] = FORMAT

    def __post_init__(self) -> None:
        """What one field's bound cannot say: a field per digit, MAX_POINTS in all."""
        if len(self.strokes) != len(self.digits):
            raise ValueError(f"'strokes': {len(self.strokes)} fields of strokes for "
                             f"{len(self.digits)} digits")
        total = sum(len(line) for field in self.strokes for line in field)
        if total > MAX_POINTS:
            raise ValueError(f"'strokes': {total:,} points, at most {MAX_POINTS:,}")

    @classmethod
    def of(cls, drawing: Drawing, **fields: object) -> DrawingRecord:
        """A record of `drawing` (per digit, float [n, 2] polylines in field pixels),
        rounded to DECIMALS; ExportError when the strokes or a field are out of bounds."""
        checked = check_drawing(drawing, "the drawing")
        strokes = tuple(tuple(tuple((round(float(x), DECIMALS), round(float(y), DECIMALS))
                                    for x, y in line) for line in field) for field in checked)
        try:
            record = cls(strokes=strokes, **fields)  # type: ignore[arg-type]
        except (TypeError, ValueError) as e:  # __post_init__'s checks, a missing field
            raise ExportError(f"drawing record {e}") from e
        record.to_json()  # refuse now what the reader would refuse later
        return record

    def drawing(self) -> Drawing:
        """The strokes as arrays: per digit, float32 [n, 2] polylines in field pixels."""
        return [[np.asarray(line, np.float32).reshape(-1, 2) for line in field]
                for field in self.strokes]

    def to_json(self) -> str:
        """Compact JSON; ExportError names a field the reader would refuse, or the size."""
        try:
            data = write_record(self, indent=0)
        except ValueError as e:
            raise ExportError(f"drawing record {e}") from e
        if len(data) > MAX_TEXT:
            raise ExportError(f"drawing record: {len(data):,} bytes of strokes, at most "
                              f"{MAX_TEXT:,}; draw fewer points")
        return data.decode("utf-8")

    @classmethod
    def from_json(cls, data: str, source: str) -> DrawingRecord:
        """Parse and validate; any problem is an ExportError naming `source`."""
        if len(data.encode("utf-8", "replace")) > MAX_TEXT:
            raise ExportError(f"{source}: drawing record longer than {MAX_TEXT:,} bytes")
        try:
            return read_record(data, cls)
        except ValueError as e:
            raise ExportError(f"{source}: drawing record {e}") from e

    def describe(self) -> str:
        """One human line: what a file browser shows, and the SVG's description."""
        strokes = sum(len(field) for field in self.strokes)
        return (f'"{self.digits}" written by {self.model_name} ({self.model_kind}, weights '
                f"{self.weights_sha256[:12]}), seed {self.seed}, temperature "
                f"{self.temperature:g}, {strokes} strokes; made with Latent Studio "
                f"{self.studio_version}")


def check_drawing_path(path: Path) -> str:
    """The suffix a drawing can be written to (".svg" or ".png"), or ExportError."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".svg", ".png"):
        raise ExportError(f"{path}: a drawing is written to a .svg (pen paths) or .png file")
    return suffix


def save_drawing(path: Path, record: DrawingRecord, size: int = 512) -> str:
    """The drawing as an SVG of pen paths or a PNG keeping its record (by `path`'s
    suffix), all or nothing; says what was written, for a message."""
    if check_drawing_path(path) == ".svg":
        save_svg(path, pen_svg(record.drawing(), size, title=f"{record.digits}, written by "
                               f"{record.model_name}", description=record.describe()))
        return "single-line pen paths"
    save_drawing_png(path, record, size)
    return "a picture that opens in the studio as strokes"


def save_drawing_png(path: Path, record: DrawingRecord, size: int = 512, ink: Colour = INK,
                     background: Colour | None = PAPER) -> Path:
    """The record's strokes painted `size` pixels on the longest side, with the record
    in the file; all or nothing."""
    path = Path(path)
    picture = render_drawing(record.drawing(), size, ink, background)
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", f"Latent Studio {__version__}")
    info.add_text("Description", record.describe())
    info.add_itxt(KEY, record.to_json(), zip=True)
    buffer = io.BytesIO()
    try:
        picture.save(buffer, format="PNG", pnginfo=info, optimize=False)
    except (OSError, ValueError) as e:
        raise ExportError(f"{path}: could not encode the PNG ({e})") from e
    write(path, buffer.getvalue())
    return path


def read_drawing(path: Path) -> DrawingRecord | None:
    """The drawing record in the image at `path`, None when it has none.

    ExportError names the file when it cannot be read or its record is damaged.
    """
    data = read_text_chunk(path, KEY)
    return None if data is None else DrawingRecord.from_json(data, str(path))
