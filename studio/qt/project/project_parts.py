"""Everything a project holds, gathered from the parts that show it, and put back.

The window hands over only the parts a project reads and restores (the document and
canvas, the explorer, the Sound panel, the Train form), never itself. Capturing is
cheap enough for the GUI thread at every autosave (references and a 512 x 512 copy);
building the manifest and encoding happen on the pool (`ProjectCapture.write`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.project.project_file import Project, read_project, write_project
from studio.core.project.project_manifest import (
    ExplorerRecord,
    ExportRecord,
    ProjectManifest,
    SoundRecord,
    TrainRecord,
)
from studio.qt.base.notifier import Notifier
from studio.qt.explore.explorer_controller import ExplorerController
from studio.qt.explore.explorer_snapshot import capture_explorer, restore_explorer
from studio.qt.media.media_controller import MediaController
from studio.qt.media.media_snapshot import capture_sound, restore_sound
from studio.qt.sketch.canvas_snapshot import (
    CanvasCapture,
    capture_canvas,
    restore_canvas,
    strokes_of,
)
from studio.qt.sketch.canvas_strokes import Stroke
from studio.qt.sketch.sketch_canvas import SketchCanvas
from studio.qt.sketch.sketch_document import SketchDocument
from studio.qt.train.trainer import Trainer


@dataclass(frozen=True)
class ProjectCapture:
    """The work at one moment; `write` runs on the pool."""

    canvas: CanvasCapture
    raster: np.ndarray  # uint8 [SIDE, SIDE], white ink on black: the thumbnail's source
    settled: tuple[ExplorerRecord | None, SoundRecord, TrainRecord]  # see ProjectParts.settled
    export: ExportRecord

    def write(self, path: Path) -> Path:
        explorer, sound, train = self.settled
        manifest = ProjectManifest(canvas=self.canvas.record(), explorer=explorer,
                                   sound=sound, train=train, export=self.export)
        project = Project(manifest, base=self.canvas.base,
                          source=self.canvas.source.data if self.canvas.source else None,
                          raster=self.raster)
        return write_project(path, project)


def read_for_window(path: Path) -> tuple[Project, list[Stroke]]:
    """Read a project and make its strokes (on the pool: 80,000 points are 50 ms)."""
    project = read_project(path)
    return project, strokes_of(project.manifest.canvas)


@dataclass
class ProjectParts:
    document: SketchDocument
    canvas: SketchCanvas
    explorer: ExplorerController
    media: MediaController  # the Sound panel, the point restorer, the export choices
    trainer: Trainer  # its Train form, or the form a project left until it is built

    def settled(self) -> tuple[ExplorerRecord | None, SoundRecord, TrainRecord]:
        """The small records, compared with the saved ones for the modified mark."""
        return capture_explorer(self.explorer), capture_sound(self.media.sound), \
            self.trainer.train_record()

    def capture(self) -> ProjectCapture:
        return ProjectCapture(capture_canvas(self.document, self.canvas),
                              self.document.snapshot(), self.settled(),
                              self.media.export_choices)

    def restore(self, project: Project, name: str, notifier: Notifier,
                on_explorer: Callable[[], None] | None = None,
                strokes: list[Stroke] | None = None) -> None:
        """Put `project` back; a missing generator is reported, the rest still opens.
        `on_explorer` runs once the explorer's point is back (its generator loads first);
        `strokes`: the canvas's strokes when the pool already made them (read_for_window)."""
        manifest = project.manifest
        restore_canvas(self.document, self.canvas, manifest.canvas, project.base,
                       project.source, project.raster, strokes)
        restore_sound(self.media.sound, manifest.sound)
        self.trainer.show_train_record(manifest.train)
        self.media.export_choices = manifest.export
        if manifest.explorer is not None:
            restore_explorer(self.explorer, self.media.restorer, manifest.explorer, name, notifier,
                             on_explorer)

    def clear(self) -> None:
        """File > New: an empty canvas, no keyframes, default settings."""
        manifest = ProjectManifest()
        restore_canvas(self.document, self.canvas, manifest.canvas, None, None, None)
        restore_sound(self.media.sound, manifest.sound)
        self.trainer.show_train_record(manifest.train)
        self.media.export_choices = manifest.export
        state = self.explorer.state
        generator = state.generator
        if generator is not None:
            self.explorer.workspace.set_keyframes(generator.sha256, [])
            state.undo_stack.clear()
