"""The project manifest: what an artist made, declared once as msgspec Structs.

`manifest.json` inside a `.lstudio` file is one ProjectManifest. Its declaration is
the check (ml/records.py): every number bounded (NaN and Infinity refused), every
list limited, so a hand-edited or hostile manifest is refused at parse time with the
JSON path of the bad value, and the window restores only what passed. Binary parts
(the base image, the picture it came from, the thumbnail) live beside it in the zip
and are named here.

Version: PROJECT_VERSION counts incompatible changes of this declaration. A file
with a higher version was made by a newer studio and is refused with that reason,
never half-read. Adding an optional field does not need a new version.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from studio.core.latent_points import LatentPoint
from studio.core.settings import MAX_BRUSH, MIN_BRUSH
from studio.ml.records import Sha256, bounded, text, whole

FORMAT = "latent-studio-project"
PROJECT_VERSION = 1
SIDE = 512  # the canvas document's side in pixels (qt/sketch/sketch_document.py)
MAX_STROKES = 100_000
MAX_POINTS = 100_000  # per stroke
MAX_KEYFRAMES = 1_000
MAX_DIM = 4096
MAX_ABS_COORD = 1e3  # as for favorites and provenance: sigmas of an N(0, 1) prior
MAX_PATH = 4096

COORDINATE_RANGE = (-4.0 * SIDE, 5.0 * SIDE)  # a stroke may leave the paper, not this far
MIN_WIDTH = 0.1
Coordinate = bounded(*COORDINATE_RANGE)
Point = tuple[Coordinate, Coordinate, bounded(0.0, 1.0)]  # (x, y, pressure)


class StrokeRecord(msgspec.Struct, array_like=True, gc=False):
    """A stroke as the canvas keeps it; written as [width, erase, points] to stay small."""

    width: bounded(MIN_WIDTH, MAX_BRUSH)  # brush diameter at full pressure, document pixels
    erase: bool
    points: Annotated[list[Point], msgspec.Meta(min_length=1, max_length=MAX_POINTS)]


class BaseRecord(msgspec.Struct, kw_only=True):
    """An opened picture under the strokes: the ink the canvas shows and the original."""

    name: text(1000, 1)  # what the user opened, e.g. "scan.jpg"
    coverage: Literal["base.png"] = "base.png"  # uint8 [SIDE, SIDE] ink coverage, lossless
    # the picture as opened, at full resolution: a part named like "source.jpg"
    source: Annotated[str, msgspec.Meta(pattern=r"^source\.[a-z0-9]{1,8}$")] | None = None


class CanvasRecord(msgspec.Struct, kw_only=True):
    strokes: Annotated[list[StrokeRecord], msgspec.Meta(max_length=MAX_STROKES)] = \
        msgspec.field(default_factory=list)
    base: BaseRecord | None = None
    brush_size: bounded(MIN_BRUSH, MAX_BRUSH) = 44.0
    erasing: bool = False
    # (x, y, width, height) in document pixels, inside the paper
    selection: tuple[bounded(0, SIDE), bounded(0, SIDE), bounded(0, SIDE),
                     bounded(0, SIDE)] | None = None
    # The document's raster as it was (uint8 [SIDE, SIDE], derived from the above): opening
    # shows it at once instead of painting every stroke again.
    raster: Literal["raster.png"] | None = None


class GeneratorRef(msgspec.Struct, kw_only=True):
    """Which generator: a bundled one by name, any other by its weights and last path."""

    kind: Literal["gan", "vae"]
    name: text(1000, 1)
    sha256: Sha256
    bundled: Literal["gan", "vae"] | None = None
    path: text(MAX_PATH) = ""


class MapRecord(msgspec.Struct, kw_only=True):
    across: whole(0, MAX_DIM - 1) = 0
    down: whole(0, MAX_DIM - 1) = 1
    span: bounded(0.5, 3.0) = 2.0


class ExplorerRecord(msgspec.Struct, kw_only=True):
    generator: GeneratorRef
    digit: whole(0, MAX_DIM - 1) = 0
    coords: Annotated[tuple[bounded(-MAX_ABS_COORD, MAX_ABS_COORD), ...],
                      msgspec.Meta(max_length=MAX_DIM)] = ()
    locks: Annotated[list[whole(0, MAX_DIM - 1)], msgspec.Meta(max_length=MAX_DIM)] = \
        msgspec.field(default_factory=list)
    seed: whole(0, 2**31 - 1) = 0
    truncation: bounded(0.1, 2.0) = 0.8  # the GAN's psi
    temperature: bounded(0.1, 2.0) = 1.0  # the VAE's
    keyframes: Annotated[list[LatentPoint], msgspec.Meta(max_length=MAX_KEYFRAMES)] = \
        msgspec.field(default_factory=list)
    seconds_per_segment: bounded(0.2, 10.0) = 1.5
    loop: bool = False
    map: MapRecord = msgspec.field(default_factory=MapRecord)


class SoundRecord(msgspec.Struct, kw_only=True):
    """The Sound panel's settings (audio/sonify.py's SonifySettings, checked again there)."""

    mode: Literal["additive", "griffinlim"] = "additive"
    duration_s: bounded(0.1, 600.0) = 5.0
    low_hz: bounded(20.0, 24_000.0) = 55.0
    high_hz: bounded(20.0, 24_000.0) = 7040.0
    rate: Literal[44100, 48000] = 44100
    scale: Literal["chromatic", "major", "minor", "pentatonic"] | None = None
    dynamic_range_db: bounded(1.0, 200.0) = 60.0

    def __post_init__(self) -> None:
        """The combination must make a sound (high below half the rate, say)."""
        from studio.audio.audio_errors import AudioError
        from studio.audio.sonify import SonifySettings

        try:
            SonifySettings(**msgspec.structs.asdict(self)).check()
        except AudioError as e:
            raise ValueError(str(e)) from e


class TrainRecord(msgspec.Struct, kw_only=True):
    """The Train form as the artist left it."""

    kind: Literal["cnn", "vae", "gan"] = "cnn"
    data: text(MAX_PATH, 1) = "bundled"
    epochs: whole(1, 100_000) = 20
    batch_size: whole(1, 65_536) = 128
    lr: bounded(1e-7, 10.0) = 4e-3
    seed: whole(0, 2**31 - 1) = 0
    latent_dim: whole(1, MAX_DIM) | None = None


Colour = tuple[whole(0, 255), whole(0, 255), whole(0, 255)]


class ImageExportRecord(msgspec.Struct, kw_only=True):
    """Export Image's choices (the source is picked afresh: it depends on the moment)."""

    format: Literal["PNG", "SVG"] = "PNG"
    size: whole(16, 8192) = 1024
    smooth: bool = True
    transparent: bool = False
    crop: bool = False
    ink: Colour | None = None  # None: the dialog's default
    paper: Colour | None = None


class AnimationExportRecord(msgspec.Struct, kw_only=True):
    """Export Morph's and Walk's choices (the length follows the frames)."""

    format: Literal["GIF", "APNG", "WebP", "MP4", "WebM"] = "GIF"
    fps: bounded(1.0, 60.0) = 24.0
    loop: bool = True
    size: whole(16, 2048) = 256
    smooth: bool = True
    transparent: bool = False
    with_sound: bool = False
    ink: Colour | None = None
    paper: Colour | None = None
    quality: whole(0, 100) = 75  # video only (studio.export.video.crf)


class ExportRecord(msgspec.Struct, kw_only=True):
    """The export dialogs' last choices, so the next export starts where this one ended."""

    image: ImageExportRecord = msgspec.field(default_factory=ImageExportRecord)
    animation: AnimationExportRecord = msgspec.field(default_factory=AnimationExportRecord)


class ProjectManifest(msgspec.Struct, kw_only=True):
    format: Literal["latent-studio-project"] = FORMAT
    version: whole(1, PROJECT_VERSION) = PROJECT_VERSION
    studio_version: text(64) = ""
    saved: text(64) = ""  # ISO time
    canvas: CanvasRecord = msgspec.field(default_factory=CanvasRecord)
    explorer: ExplorerRecord | None = None
    sound: SoundRecord = msgspec.field(default_factory=SoundRecord)
    train: TrainRecord = msgspec.field(default_factory=TrainRecord)
    export: ExportRecord = msgspec.field(default_factory=ExportRecord)
    thumbnail: Literal["thumbnail.png"] | None = "thumbnail.png"
