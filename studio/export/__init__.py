"""PNG, SVG and animation writers with provenance (Pillow + numpy only, never Qt or torch).

Everything here runs headless (CLI, tests, a GPU box without a display), writes to a
temporary name and renames, and answers bad input with ExportError naming the file or
setting and the problem.
"""

from __future__ import annotations

from studio.export.animation import resample_frames, save_animation
from studio.export.images import crop_to_ink, render, sample_sheet, save_png
from studio.export.provenance import ExportError, Provenance
from studio.export.provenance_places import read_provenance
from studio.export.svg import save_svg, trace_svg

__all__ = [
    "ExportError",
    "Provenance",
    "crop_to_ink",
    "read_provenance",
    "render",
    "resample_frames",
    "sample_sheet",
    "save_animation",
    "save_png",
    "save_svg",
    "trace_svg",
]
