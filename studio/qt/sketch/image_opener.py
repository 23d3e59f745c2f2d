"""Opening images into the canvas from a file, a drop or the clipboard.

Decoding and conversion run on the pool (a 40-megapixel scan takes a while to
decode), and the document changes only once the ink is ready, so a bad or huge file
leaves the drawing exactly as it was and says why through the notifier.

A file the studio exported (PNG, APNG, WebP, GIF, SVG, MP4, WebM) carries the record
of the explorer point or morph it shows: that is restored instead (export/provenance);
a damaged record opens the picture as a plain picture with a warning naming the file,
and a video, which has no picture for the canvas, is then refused with that reason. An
SVG without a record opens as its rendering (QtSvg), once its XML passed the hostile
XML check (no entities, no DTD subset).

A PNG the pen wrote (`studio draw`, export/drawing_record) carries its strokes: they
come back as strokes, laid out in the canvas's fields as the pen writes a number and
at the pen's width, so the artist can erase and redraw them; a damaged record opens
the picture as pixels and says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPainter

from studio.ml.data.image_files import check_size
from studio.ml.errors import StudioError
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.sketch.sketch_document import SIDE, BaseSource, SketchDocument

SPACING = 0.25  # field pixels between a restored stroke's points (qt/pen/pen_motion.SPACING)
MAX_STEPS = 64  # restored points per segment of the pen's polyline at most...
MAX_RESTORED = 200_000  # ...and about this many in all
IMAGE_FILTER = "Images and studio exports (*.png *.apng *.jpg *.jpeg *.bmp *.gif *.webp " \
               "*.tif *.tiff *.pgm *.ppm *.svg *.mp4 *.webm);;All files (*)"
SVG_SIDE = 1024  # an SVG without a record is drawn this many pixels on its longest side


@dataclass(frozen=True)
class Opened:
    name: str
    ink: np.ndarray | None  # uint8 [SIDE, SIDE]; None for a studio export with provenance
    provenance: object = None  # studio.export.Provenance: the explorer point it was made at
    problem: str = ""  # damaged provenance: the image still opens, with this message
    source: BaseSource | None = None  # the picture at full resolution, for a project
    strokes: tuple[np.ndarray, ...] | None = None  # a pen drawing's, float [n, 2] document px
    pen_width: float = 0.0  # their width in document pixels
    drawn_by: str = ""  # the drawing's model, for the message


def _ink_from_file(path: Path) -> Opened:
    """Runs in the pool; every failure names the file. A file the studio exported carries
    the explorer point (or morph) it shows: that is restored instead of drawing the
    image; a drawing the pen wrote comes back as its strokes."""
    from studio.export.provenance_places import VIDEO_SUFFIXES, read_provenance
    from studio.export.provenance_xml import HostileXMLError

    problem, suffix = "", path.suffix.lower()
    try:
        provenance = read_provenance(path)
    except HostileXMLError as e:
        raise StudioError(f"{e}; not opened") from e
    except StudioError as e:
        if suffix in VIDEO_SUFFIXES:
            raise StudioError(f"{e}; a video has no picture for the canvas") from e
        provenance, problem = None, f"{e}; opened as a plain image"
    if provenance is not None:
        return Opened(path.name, None, provenance)
    if suffix in VIDEO_SUFFIXES:
        raise StudioError(f"{path.name}: this video holds no Latent Studio record to go back "
                          "to, and a video has no picture for the canvas")
    if suffix == ".png" and not problem:
        drawing = _drawing_from_file(path)
        if drawing.strokes is not None:
            return drawing
        problem = drawing.problem
    if suffix == ".svg":
        return _ink_from_svg(path, problem)
    return _ink_only(path, problem)


def _ink_from_svg(path: Path, problem: str) -> Opened:
    """An SVG drawn at SVG_SIDE pixels on its longest side, then opened as pixels."""
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(path))
    if not renderer.isValid():
        raise StudioError(f"{path.name}: not an SVG the studio can draw")
    box = renderer.viewBoxF()
    w, h = (box.width(), box.height()) if box.width() > 0 and box.height() > 0 else (1.0, 1.0)
    scale = SVG_SIDE / max(w, h)
    image = QImage(max(1, round(w * scale)), max(1, round(h * scale)),
                   QImage.Format.Format_RGBA8888)
    image.fill(0xFFFFFFFF)  # paper under a transparent drawing, as a viewer shows it
    painter = QPainter(image)
    renderer.render(painter)
    painter.end()
    stride = image.bytesPerLine()
    pixels = np.frombuffer(image.constBits(), np.uint8, count=image.height() * stride)
    rgba = pixels.reshape(image.height(), stride)[:, :4 * image.width()].reshape(
        image.height(), image.width(), 4).copy()
    opened = _ink_from_pixels(rgba, path.name)
    return Opened(path.name, opened.ink, problem=problem, source=opened.source)


def _ink_only(path: Path, problem: str) -> Opened:
    from studio.ml.data.canvas_ink import image_to_ink
    from studio.ml.data.image_files import open_image

    with _named_failures(str(path)):
        ink = image_to_ink(open_image(path), SIDE)
        source = BaseSource(path.name, path.read_bytes(), path.suffix.lower())
        return Opened(path.name, ink, problem=problem, source=source)


def _drawing_from_file(path: Path) -> Opened:
    """The strokes of a drawing PNG placed on the canvas, smoothed as the pen draws them
    (SPACING field pixels apart); no strokes (and perhaps a problem) for any other PNG."""
    from studio.export.drawing_record import read_drawing
    from studio.export.pen_paths import FIELD, PEN_WIDTH, number_boxes, smooth_points

    try:
        record = read_drawing(path)
    except StudioError as e:
        return Opened(path.name, None, problem=f"{e}; opened as a plain picture")
    if record is None:
        return Opened(path.name, None)
    drawing = record.drawing()
    points = sum(len(s) for field in drawing for s in field)
    steps = max(1, min(MAX_STEPS, MAX_RESTORED // points))  # a hostile record stays small
    strokes = []
    boxes = number_boxes(len(drawing), SIDE)
    for field, (left, top, side) in zip(drawing, boxes, strict=True):
        k = side / FIELD
        strokes += [smooth_points(s * k + (left, top), SPACING * k, steps) for s in field]
    return Opened(path.name, None, strokes=tuple(strokes), pen_width=PEN_WIDTH * boxes[0][2]
                  / FIELD, drawn_by=record.model_name)


def _ink_from_pixels(rgba: np.ndarray, name: str) -> Opened:
    import io

    from PIL import Image

    from studio.ml.data.canvas_ink import image_to_ink

    with _named_failures(name):
        ink = image_to_ink(rgba, SIDE)
        png = io.BytesIO()
        Image.fromarray(rgba, "RGBA").save(png, "PNG", compress_level=1)
        return Opened(name, ink, source=BaseSource(name, png.getvalue(), ".png"))


@contextmanager
def _named_failures(name: str) -> Iterator[None]:
    """Failures carry the name of what was opened, so replies need no bookkeeping of
    which job was which (two opens can finish in either order)."""
    from studio.ml.errors import StudioError

    try:
        yield
    except StudioError as e:
        message = str(e)
        raise StudioError(message if message.startswith(name) else f"{name}: {message}") from e
    except Exception as e:
        raise StudioError(f"{name}: could not be opened ({type(e).__name__}: {e})") from e


class ImageOpener(QObject):
    opened = Signal(str)  # name of what was placed on the canvas
    failed = Signal(str)  # message
    point_found = Signal(object, str)  # (Provenance, file name): an explorer point to restore

    def __init__(self, document: SketchDocument, notifier: Notifier,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._notifier = notifier
        self._in_flight = 0

    @property
    def busy(self) -> bool:
        return self._in_flight > 0

    def open_file(self, path: Path) -> None:
        self._start(_ink_from_file, Path(path))

    def open_qimage(self, image: QImage, name: str = "pasted image") -> None:
        if image.isNull():
            self._report(f"{name}: the clipboard or drop holds no readable image")
            return
        try:  # before the copy below: 49 megapixels are 196 MB of RGBA
            check_size(name, image.width(), image.height())
        except StudioError as e:
            self._report(str(e))
            return
        rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
        h, w, stride = rgba.height(), rgba.width(), rgba.bytesPerLine()
        pixels = np.frombuffer(rgba.constBits(), np.uint8, count=h * stride)
        pixels = pixels.reshape(h, stride)[:, :4 * w].reshape(h, w, 4).copy()  # [H, W, 4]
        self._start(_ink_from_pixels, pixels, name)

    def paste(self) -> None:
        """The clipboard's first file if it holds files, else its image (Edit > Paste)."""
        mime = QGuiApplication.clipboard().mimeData()
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()] if mime else []
        if files:
            self.open_file(files[0])
        elif mime is not None and mime.hasImage():
            self.open_qimage(QGuiApplication.clipboard().image())
        else:
            self._notifier.warning("Nothing to paste: the clipboard holds no image.")

    def _start(self, job, *args) -> None:
        self._in_flight += 1
        run_in_pool(job, *args, on_returned=self._on_job_returned,
                    on_errored=self._on_job_errored)

    def _on_job_returned(self, result: Opened) -> None:
        self._in_flight -= 1
        name, ink = result.name, result.ink
        if result.strokes is not None:
            self._place_strokes(result)
            return
        if ink is None:
            self.point_found.emit(result.provenance, name)
            return
        if result.problem:
            self._notifier.warning(result.problem)
        self._document.place_image(ink, name, source=result.source)
        self._notifier.info(f"Opened {name} into the canvas (Ctrl+Z to undo)")
        self.opened.emit(name)

    def _place_strokes(self, result: Opened) -> None:
        """The drawing's strokes replace the canvas's content as one undo step; each is
        given whole to the document, so it is painted once, not point by point."""
        document = self._document
        document.undo_stack.beginMacro(f"Open {result.name}")
        document.clear()
        for points in result.strokes or ():
            document.begin_stroke(float(points[0, 0]), float(points[0, 1]), 1.0,
                                  result.pen_width)
            stroke = document.live_stroke
            for x, y in points[1:]:
                stroke.add(float(x), float(y), 1.0)
            document.end_stroke()
        document.undo_stack.endMacro()
        self._notifier.info(f"Opened {result.name} into the canvas as "
                            f"{len(result.strokes or ())} strokes by {result.drawn_by} "
                            "(Ctrl+Z to undo)")
        self.opened.emit(result.name)

    def _on_job_errored(self, error: Exception) -> None:
        self._in_flight -= 1
        self._report(str(error))

    def _report(self, message: str) -> None:
        self._notifier.error(f"Could not open the image. {message}. The canvas is unchanged.")
        self.failed.emit(message)
