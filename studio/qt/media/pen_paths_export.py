"""The canvas's strokes as single-line pen paths in an SVG, for pen plotters.

The image export traces the ink's outline (a plotter would draw each stroke's edge
twice); a drawing made of strokes, the pen's or the artist's, is better sent as the
paths the pen took. Each stroke becomes one open path at the drawing's brush width.
Eraser strokes are no pen path, so they are left out and the artist is told; an
imported picture has no paths at all. Written atomically on the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from statistics import median

import numpy as np

from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.sketch.sketch_document import SIDE, SketchDocument

FIELD = 28.0  # the pen's field (export/pen_paths.FIELD): the canvas is one field
SVG_SIZE = 512  # units on the SVG's side; a plotter scales it to its paper


def write_pen_svg(path: Path, strokes: list[np.ndarray], pen_width: float) -> Path:
    """Runs in the pool: `strokes` (field pixels) as one field's pen paths, atomically."""
    from studio.export.pen_paths import pen_svg
    from studio.export.svg import save_svg

    return save_svg(path, pen_svg([strokes], SVG_SIZE, pen_width=pen_width,
                                  title="Drawing", description="Pen paths from Latent Studio"))


def export_pen_paths(document: SketchDocument, notifier: Notifier,
                     choose_path: Callable[[str, str], Path | None]) -> None:
    """Ask where, then write the canvas's strokes as pen paths; says how it went."""
    drawn = [s for s in document.strokes if s.points and not s.erase]
    if not drawn:
        notifier.info("Draw something first (or let the pen draw: Ctrl+D): the SVG holds "
                      "the canvas's strokes as pen paths")
        return
    path = choose_path("Export Pen Paths", "SVG (*.svg)")
    if path is None:
        return
    path = path if path.suffix.lower() == ".svg" else path.with_suffix(".svg")
    k = FIELD / SIDE
    strokes = [np.array([(x * k, y * k) for x, y, _ in s.points], np.float32) for s in drawn]
    width = min(max(median(s.width for s in drawn) * k, 0.05), FIELD)
    erased = len([s for s in document.strokes if s.erase])
    left_out = f"; {erased} eraser strokes are not pen paths and were left out" if erased else ""
    base = "; the imported picture is not included" if document.base is not None else ""
    run_in_pool(write_pen_svg, path, strokes, width, what="Exporting pen paths",
                on_returned=lambda written: notifier.info(
                    f"Exported {written}: {len(strokes)} pen paths{left_out}{base}"),
                on_errored=lambda e: notifier.error(f"{path}: could not export pen paths: {e}"))
