"""Exporting and listening: images, morphs, walks, sound, provenance.

The window owns one of these. It gathers what can be exported (the canvas, the
generated digit with its provenance, a sample sheet, the keyframe morph), renders
what needs the models on the pool first, then hands plain arrays to the export
dialogs and the Sound panel. Opening a PNG the studio exported goes back to the
explorer point it was made at.

It is handed the explorer's and the sketch's parts it reads, not the window, and
says through signals when the window should show the Sound dock or the explorer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import msgspec
import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QWidget

from studio.core.model_library import ModelLibrary
from studio.core.project.project_manifest import ExportRecord
from studio.core.settings import Settings
from studio.export.provenance import Provenance, morph_record, point_record, walk_record
from studio.qt.base.action_factory import make_action
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool
from studio.qt.explore.explorer_state import ExplorerState
from studio.qt.explore.generator_store import GeneratorStore
from studio.qt.explore.live_generation import LiveGeneration
from studio.qt.explore.points.keyframe_strip import KeyframeStrip
from studio.qt.explore.points.point_restorer import PointRestorer
from studio.qt.media.media_jobs import SHEET_PER_DIGIT, render_morph, render_sheet, render_walk
from studio.qt.media.sound_panel import SoundPanel
from studio.qt.sketch.canvas_selection import CanvasSelection
from studio.qt.sketch.image_opener import ImageOpener
from studio.qt.sketch.sketch_document import SketchDocument

MORPH_FPS = 30
WALK_SECONDS = 4.0  # a latent walk's length before the dialog resamples it


class MediaController(QObject):
    """The Export and Sound actions, the Sound panel, and restoring exported points.

    `explorer_shown` says whether the Explore workspace is the one on screen (the
    image dialog then starts on the generated digit); `parent` gets the actions (so
    their keys work anywhere in it) and the dialogs.
    """

    listen_started = Signal()  # something is going into the Sound panel: show it
    point_restored = Signal(str)  # an opened PNG's explorer point is shown (its file name)

    def __init__(self, *, store: GeneratorStore, state: ExplorerState, live: LiveGeneration,
                 keyframes: KeyframeStrip, document: SketchDocument,
                 selection: CanvasSelection, opener: ImageOpener, library: ModelLibrary,
                 settings: Settings, notifier: Notifier, explorer_shown: Callable[[], bool],
                 parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._store = store
        self._state = state
        self._keyframes = keyframes
        self._document = document
        self._selection = selection
        self._library = library
        self._settings = settings
        self._notifier = notifier
        self._explorer_shown = explorer_shown
        self._generated = None  # the newest latent_jobs.Generated shown in the explorer
        self.dialog: QDialog | None = None  # the export dialog open now (tests reach it)
        self.export_choices = ExportRecord()  # the dialogs' last choices (a project keeps them)
        # (title, filter) -> Path | None; None: a file dialog. Tests answer it themselves.
        self.choose_path: Callable[[str, str], Path | None] | None = None
        self.sound = SoundPanel(notifier)
        self.restorer = PointRestorer(store, state, notifier, self._checkpoints, self,
                                      keyframes=keyframes)
        opener.point_found.connect(self._on_opener_point_found)
        self.restorer.restored.connect(self._on_restorer_restored)
        live.generated.connect(self._on_live_generated)

        def action(text: str, keys: list[str], slot: Callable, tip: str) -> QAction:
            made = make_action(parent, text, keys, slot, tip)
            parent.addAction(made)
            return made

        self.export_image_action = action(
            "Export &Image…", ["Ctrl+Alt+E"], self.export_image,
            "Export the canvas, the generated digit or a sample sheet as PNG or SVG")
        self.export_pen_paths_action = action(
            "Export &Pen Paths (SVG)…", ["Ctrl+Alt+P"], self.export_pen_paths,
            "Export the canvas's strokes as single-line SVG paths, for pen plotters")
        self.export_morph_action = action(
            "Export &Morph…", ["Ctrl+Shift+M"], self.export_morph,
            "Export the keyframe morph as GIF, APNG, WebP, MP4 or WebM, with its sound if you "
            "like")
        self.export_walk_action = action(
            "Export Latent &Walk…", ["Ctrl+Shift+W"], self.export_walk,
            "Export a looping walk around the explorer's point as GIF, APNG, WebP, MP4 or "
            "WebM, with its sound if you like")
        self.export_drawing_action = action(
            "Export &Drawing Animation…", ["Ctrl+Alt+A"], self.export_drawing,
            "Export the drawing being drawn, stroke by stroke, as GIF, APNG, WebP, MP4 or WebM")
        self.listen_canvas_action = action(
            "Listen to the &Canvas", ["Ctrl+Alt+1"], self.listen_to_canvas,
            "Turn the drawing into sound in the Sound panel")
        self.listen_generated_action = action(
            "Listen to the &Generated Digit", ["Ctrl+Alt+2"], self.listen_to_generated,
            "Turn the explorer's digit into sound in the Sound panel")
        self.listen_morph_action = action(
            "Listen to the M&orph", ["Ctrl+Alt+3"], self.listen_to_morph,
            "Turn the keyframe morph into sound, in step with its animation")
        self.listen_walk_action = action(
            "Listen to a Latent &Walk", ["Ctrl+Alt+4"], self.listen_to_walk,
            "Turn a looping walk around the explorer's point into sound")

    def actions(self) -> list[QAction]:
        """The File menu's Export actions."""
        return [self.export_image_action, self.export_pen_paths_action,
                self.export_drawing_action, self.export_morph_action, self.export_walk_action]

    def listen_actions(self) -> list[QAction]:
        """The Sound menu's Listen actions."""
        return [self.listen_canvas_action, self.listen_generated_action,
                self.listen_morph_action, self.listen_walk_action]

    # ---- what there is to export ---------------------------------------------------
    def canvas_image(self) -> np.ndarray:
        """The drawing as ink in [0, 1], the way the exporters and the sonifier take it."""
        return self._document.snapshot().astype(np.float32) / 255  # [512, 512] ink

    def generated_provenance(self) -> Provenance | None:
        """The explorer's point, exactly: the latent z itself, not just the seed."""
        generated, generator = self._generated, self._state.generator
        if generated is None or generator is None:
            return None
        return point_record(generator, generated.coords, generated.digit, self._state.seed)

    def morph_provenance(self) -> Provenance | None:
        """The keyframes as they are now, with the strip's speed and loop."""
        points, generator = self._keyframes.keyframes(), self._state.generator
        if generator is None or len(points) < 2:
            return None
        return morph_record(generator, [(p.coords, p.digit) for p in points],
                            self._keyframes.seconds_per_segment(), self._keyframes.loop())

    def _checkpoints(self) -> Iterator[Path]:
        """Where a provenance's generator may be: bundled, recent, the library."""
        yield from self._store.default_paths.values()
        yield from (Path(p) for p in self._settings.recent_generators)
        entries, _ = self._library.entries()
        yield from (e.path for e in entries if e.kind in ("gan", "vae"))

    # ---- images --------------------------------------------------------------------
    def export_image(self) -> None:
        """The image dialog, with a sample sheet rendered first when a generator is loaded."""
        generator = self._state.generator
        if generator is None:
            self._open_image_dialog(None)
            return
        run_in_pool(render_sheet, generator, self._state.seed,
                    on_returned=self._open_image_dialog,
                    on_errored=self._on_sheet_errored)

    def _on_sheet_errored(self, error: Exception) -> None:
        """The dialog still opens, without the sheet, and the artist is told why."""
        self._notifier.warning(f"The sample sheet could not be rendered: {error}")
        self._open_image_dialog(None)

    def _open_image_dialog(self, sheet: np.ndarray | None) -> None:
        from studio.export.images import sample_sheet
        from studio.qt.media.export_dialog import ExportDialog

        canvas = self.canvas_image()
        sources: dict[str, np.ndarray] = {"Canvas": canvas}
        provenance: dict[str, Provenance | None] = {"Canvas": None}
        selected = self._selection.crop(canvas)
        if selected is not None:
            sources["Selection"] = selected
        if self._generated is not None:
            sources["Generated digit"] = np.asarray(self._generated.image)
            provenance["Generated digit"] = self.generated_provenance()
        if sheet is not None:
            sources[f"Sample sheet ({SHEET_PER_DIGIT} per digit)"] = sample_sheet(sheet)
        self.dialog = ExportDialog(sources, provenance, self._notifier, self._parent,
                                   **self._choosers())
        # Each dialog holds its pictures (the canvas, a sample sheet, previews): it goes
        # when it closes, or every export would keep one more in the window.
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        from studio.qt.media.export_choices import show_image_choices

        show_image_choices(self.dialog, self.export_choices.image)
        self.dialog.export_finished.connect(partial(self._on_image_export_finished,
                                                    self.dialog))
        if self._explorer_shown() and "Generated digit" in sources:
            self.dialog.source.setCurrentText("Generated digit")
        elif "Selection" in sources:
            self.dialog.source.setCurrentText("Selection")
        self.dialog.show()

    # ---- morphs and sound ----------------------------------------------------------
    def export_pen_paths(self) -> None:
        from studio.qt.media.export_dialog import save_file_chooser
        from studio.qt.media.pen_paths_export import export_pen_paths

        choose = self.choose_path or save_file_chooser(self._parent, lambda: Path.home())
        export_pen_paths(self._document, self._notifier, choose)

    def export_drawing(self) -> None:
        """The canvas's strokes replayed into frames (on the pool), into the dialog."""
        from studio.qt.media.drawing_frames import drawing_frames, drawing_seconds

        strokes = list(self._document.strokes)  # finished strokes are never changed
        if not strokes:
            self._notifier.info("Draw something first (or let the pen draw: Ctrl+D): the "
                                "animation replays the canvas's strokes")
            return
        base = None if self._document.base is None else self._document.base.copy()
        seconds = max(drawing_seconds(strokes), 0.5)
        self._open_animation_dialog(lambda count: drawing_frames(strokes, base, count),
                                    "Drawing", seconds=seconds)

    def export_morph(self) -> None:
        """The keyframe morph, rendered on the pool, into the animation dialog."""
        record = self.morph_provenance()  # the keyframes now, not when the frames are ready
        self._with_morph(lambda frames: self._open_animation_dialog(frames, "Morph",
                                                                    provenance=record))

    def listen_to_morph(self) -> None:
        """The keyframe morph, rendered on the pool, into the Sound panel."""
        self._with_morph(self._listen_to_frames)

    def _with_morph(self, then) -> None:
        keyframes, state = self._keyframes, self._state
        points = keyframes.keyframes()
        if state.generator is None or len(points) < 2:
            self._notifier.warning("Add two keyframes or more (K) in the explorer "
                                   "first: the morph goes through them")
            return
        per_segment = max(2, round(keyframes.seconds_per_segment() * MORPH_FPS))
        run_in_pool(render_morph, state.generator, np.array([p.coords for p in points], np.float32),
                    [p.digit for p in points], per_segment, keyframes.loop(),
                    on_returned=then,
                    on_errored=lambda e: self._notifier.error(f"Morph failed: {e}"))

    def export_walk(self) -> None:
        """A loop around the explorer's point, rendered on the pool, into the dialog."""
        state = self._state
        record = None if state.generator is None else walk_record(
            state.generator, state.coords, state.digit, state.seed)
        self._with_walk(lambda frames: self._open_animation_dialog(frames, "Latent walk",
                                                                   provenance=record))

    def listen_to_walk(self) -> None:
        """A loop around the explorer's point, rendered on the pool, into the Sound panel."""
        self._with_walk(lambda frames: self._listen_to_frames(frames, "Latent walk"))

    def _with_walk(self, then) -> None:
        state = self._state
        if state.generator is None:
            self._notifier.warning("Open the Explore tab first: the walk goes around "
                                   "the explorer's point")
            return
        run_in_pool(render_walk, state.generator, state.coords.copy(), state.digit,
                    round(WALK_SECONDS * MORPH_FPS), state.seed, on_returned=then,
                    on_errored=lambda e: self._notifier.error(f"Walk failed: {e}"))

    def _open_animation_dialog(self, frames, title: str, seconds: float | None = None,
                               provenance: Provenance | None = None) -> None:
        """`frames`: an array [F, H, W], or a function making that many frames (then
        `seconds` is the animation's natural length); `provenance` goes into the file
        (an image's own place, a video's container tags)."""
        from studio.export.provenance_places import video_metadata
        from studio.qt.media.animation_dialog import AnimationExportDialog

        self.dialog = AnimationExportDialog(frames, self._notifier, self._parent,
                                            title=title, sound_writer=self._walk_sound_writer,
                                            provenance=provenance,
                                            metadata=video_metadata(provenance),
                                            **self._choosers())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # its frames go with it
        self.dialog.fps.setValue(MORPH_FPS)
        from studio.qt.media.export_choices import show_animation_choices

        show_animation_choices(self.dialog, self.export_choices.animation)
        self.dialog.seconds.setValue(len(frames) / MORPH_FPS if seconds is None else seconds)
        self.dialog.export_finished.connect(partial(self._on_animation_export_finished,
                                                    self.dialog))
        self.dialog.show()

    def _on_image_export_finished(self, dialog, written: bool) -> None:
        if written:
            from studio.qt.media.export_choices import image_choices

            self.export_choices = msgspec.structs.replace(self.export_choices,
                                                          image=image_choices(dialog))

    def _on_animation_export_finished(self, dialog, written: bool) -> None:
        if written:
            from studio.qt.media.export_choices import animation_choices

            self.export_choices = msgspec.structs.replace(self.export_choices,
                                                          animation=animation_choices(dialog))

    def _walk_sound_writer(self):
        """The Sound panel's settings, read now on the GUI thread; the sound is made on
        the pool, over the animation's own length."""
        from studio.qt.media.animation_writer import sonified

        return sonified(self.sound.settings(), self.sound.wav_format.currentData())

    def _listen_to_frames(self, frames: np.ndarray, title: str = "Morph") -> None:
        from studio.audio.sonify import walk_image

        self.listen_started.emit()
        self.sound.set_image(walk_image(frames), title, duration_s=len(frames) / MORPH_FPS)

    def listen_to_canvas(self) -> None:
        """The drawing into the Sound panel."""
        if self._document.is_blank():
            self._notifier.info("Draw something first: the canvas is empty")
            return
        self.listen_started.emit()
        self.sound.set_image(self.canvas_image(), "Canvas")

    def listen_to_generated(self) -> None:
        """The explorer's newest digit into the Sound panel."""
        if self._generated is None:
            self._notifier.info("Open the Explore tab first: no digit is generated yet")
            return
        self.listen_started.emit()
        self.sound.set_image(np.asarray(self._generated.image), "Generated digit")

    def _choosers(self) -> dict:
        return {} if self.choose_path is None else {"choose_path": self.choose_path}

    # ---- slots ---------------------------------------------------------------------
    def _on_live_generated(self, number: int, generated) -> None:
        self._generated = generated

    def _on_opener_point_found(self, provenance: Provenance, name: str) -> None:
        self.restorer.restore(provenance, name)

    def _on_restorer_restored(self, name: str) -> None:
        self.point_restored.emit(name)

    def close(self) -> None:
        """The window is closing: silence playback, stop a video being written."""
        self.sound.close_panel()
        cancel = getattr(self.dialog, "cancel_export", None)
        with contextlib.suppress(RuntimeError):  # the dialog was closed and deleted already
            if cancel is not None:
                cancel()
