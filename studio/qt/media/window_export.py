"""Exporting and listening from the main window: images, morphs, sound, provenance.

The window owns one of these. It gathers what can be exported (the canvas, the
generated digit with its provenance, a sample sheet, the keyframe morph), renders
what needs the models on the pool first, then hands plain arrays to the export
dialogs and the Sound panel. Opening a PNG the studio exported goes back to the
explorer point it was made at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QDialog

from studio.core.model_library import ModelLibrary
from studio.export.provenance import Provenance
from studio.qt.base.action_factory import make_action
from studio.qt.base.workers import run_in_pool
from studio.qt.explore.generator_store import LoadedGenerator
from studio.qt.explore.points.point_restorer import PointRestorer
from studio.qt.media.sound_panel import SoundPanel

if TYPE_CHECKING:
    from studio.qt.shell.main_window import MainWindow

SHEET_PER_DIGIT = 8
MORPH_FPS = 30
WALK_SECONDS = 4.0  # a latent walk's length before the dialog resamples it
WALK_RADIUS = 0.8  # sigmas each of the walk's directions swings


def _sheet(generator: LoadedGenerator, seed: int) -> np.ndarray:
    """Runs in the pool: SHEET_PER_DIGIT samples of every digit, [D, N, 28, 28] in [0, 1]."""
    from studio.ml.latent.sampling import sample

    images = sample(generator.model, list(range(generator.num_classes)), seed,
                    per_digit=SHEET_PER_DIGIT).numpy()  # [D*N, 1, 28, 28]
    return images.reshape(generator.num_classes, SHEET_PER_DIGIT, 28, 28)


def _morph(generator: LoadedGenerator, points: np.ndarray, digits: list[int],
           frames_per_segment: int, loop: bool) -> np.ndarray:
    from studio.qt.explore.latent_jobs import morph_frames

    return morph_frames(generator, points, digits, frames_per_segment, loop)


def _walk(generator: LoadedGenerator, center: np.ndarray, digit: int, frames: int,
          seed: int) -> np.ndarray:
    """Runs in the pool: a closed walk around the explorer's point, [F, 28, 28]."""
    from studio.ml.latent.latent_paths import walk_coords
    from studio.qt.explore.latent_jobs import one_hot, render_points

    coords = walk_coords(center, frames, seed, radius=WALK_RADIUS)  # [F, d]
    return render_points(generator, coords, one_hot([digit] * frames, generator.num_classes))


class WindowExport(QObject):
    def __init__(self, window: MainWindow, library: ModelLibrary) -> None:
        super().__init__(window)
        self._window = window
        self._library = library
        self._generated = None  # the newest latent_jobs.Generated shown in the explorer
        self.dialog: QDialog | None = None  # the export dialog open now (tests reach it)
        # (title, filter) -> Path | None; None: a file dialog. Tests answer it themselves.
        self.choose_path: Callable[[str, str], Path | None] | None = None
        explorer = window.explorer
        self.sound = SoundPanel(window.notifier)
        self.restorer = PointRestorer(explorer.store, explorer.state, window.notifier,
                                      self._checkpoints, self)
        window.opener.point_found.connect(self._on_opener_point_found)
        self.restorer.restored.connect(self._on_restorer_restored)
        explorer.live.generated.connect(self._on_live_generated)

        def action(text: str, keys: list[str], slot, tip: str):
            made = make_action(window, text, keys, slot, tip)
            window.addAction(made)
            return made

        self.export_image_action = action(
            "Export &Image…", ["Ctrl+Shift+S"], self.export_image,
            "Export the canvas, the generated digit or a sample sheet as PNG or SVG")
        self.export_morph_action = action(
            "Export &Morph…", ["Ctrl+Shift+M"], self.export_morph,
            "Export the keyframe morph as GIF, APNG or WebP, with its sound if you like")
        self.export_walk_action = action(
            "Export Latent &Walk…", ["Ctrl+Shift+W"], self.export_walk,
            "Export a looping walk around the explorer's point as GIF, APNG or WebP, with its "
            "sound if you like")
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

    def actions(self) -> list:
        return [self.export_image_action, self.export_morph_action, self.export_walk_action]

    def listen_actions(self) -> list:
        return [self.listen_canvas_action, self.listen_generated_action,
                self.listen_morph_action, self.listen_walk_action]

    # ---- what there is to export ---------------------------------------------------
    def canvas_image(self) -> np.ndarray:
        return self._window.document.snapshot().astype(np.float32) / 255  # [512, 512] ink

    def generated_provenance(self) -> Provenance | None:
        """The explorer's point, exactly: the latent z itself, not just the seed."""
        generated, state = self._generated, self._window.explorer.state
        generator = state.generator
        if generated is None or generator is None:
            return None
        z = np.asarray(generated.coords, np.float32) @ generator.directions.T  # [d]
        return Provenance(model_name=generator.name, model_kind=generator.kind,
                          weights_sha256=generator.sha256, digit=int(generated.digit),
                          seed=state.seed, latent=tuple(float(v) for v in z),
                          coords=tuple(float(v) for v in generated.coords))

    def _checkpoints(self) -> Iterator[Path]:
        """Where a provenance's generator may be: bundled, recent, the library."""
        yield from self._window.explorer.store.default_paths.values()
        yield from (Path(p) for p in self._window.settings.recent_generators)
        entries, _ = self._library.entries()
        yield from (e.path for e in entries if e.kind in ("gan", "vae"))

    # ---- images --------------------------------------------------------------------
    def export_image(self) -> None:
        generator = self._window.explorer.state.generator
        if generator is None:
            self._open_image_dialog(None)
            return
        run_in_pool(_sheet, generator, self._window.explorer.state.seed,
                    on_returned=self._open_image_dialog,
                    on_errored=lambda e: self._open_image_dialog(None))

    def _open_image_dialog(self, sheet: np.ndarray | None) -> None:
        from studio.export.images import sample_sheet
        from studio.qt.media.export_dialog import ExportDialog

        canvas = self.canvas_image()
        sources: dict[str, np.ndarray] = {"Canvas": canvas}
        provenance: dict[str, Provenance | None] = {"Canvas": None}
        selected = self._window.canvas.selection.crop(canvas)
        if selected is not None:
            sources["Selection"] = selected
        if self._generated is not None:
            sources["Generated digit"] = np.asarray(self._generated.image)
            provenance["Generated digit"] = self.generated_provenance()
        if sheet is not None:
            sources[f"Sample sheet ({SHEET_PER_DIGIT} per digit)"] = sample_sheet(sheet)
        self.dialog = ExportDialog(sources, provenance, self._window.notifier, self._window,
                                   **self._choosers())
        if self._window.workspaces.currentWidget() is self._window.explorer.workspace \
                and "Generated digit" in sources:
            self.dialog.source.setCurrentText("Generated digit")
        elif "Selection" in sources:
            self.dialog.source.setCurrentText("Selection")
        self.dialog.show()

    # ---- morphs and sound ----------------------------------------------------------
    def export_morph(self) -> None:
        self._with_morph(self._open_morph_dialog)

    def listen_to_morph(self) -> None:
        self._with_morph(self._listen_to_frames)

    def _with_morph(self, then) -> None:
        workspace, state = self._window.explorer.workspace, self._window.explorer.state
        points = workspace.keyframes.keyframes()
        if state.generator is None or len(points) < 2:
            self._window.notifier.warning("Add two keyframes or more (K) in the explorer "
                                          "first: the morph goes through them")
            return
        per_segment = max(2, round(workspace.keyframes.seconds_per_segment() * MORPH_FPS))
        run_in_pool(_morph, state.generator, np.array([p.coords for p in points], np.float32),
                    [p.digit for p in points], per_segment, workspace.keyframes.loop(),
                    on_returned=then,
                    on_errored=lambda e: self._window.notifier.error(f"Morph failed: {e}"))

    def export_walk(self) -> None:
        self._with_walk(lambda frames: self._open_animation_dialog(frames, "Latent walk"))

    def listen_to_walk(self) -> None:
        self._with_walk(lambda frames: self._listen_to_frames(frames, "Latent walk"))

    def _with_walk(self, then) -> None:
        state = self._window.explorer.state
        if state.generator is None:
            self._window.notifier.warning("Open the Explore tab first: the walk goes around "
                                          "the explorer's point")
            return
        run_in_pool(_walk, state.generator, state.coords.copy(), state.digit,
                    round(WALK_SECONDS * MORPH_FPS), state.seed, on_returned=then,
                    on_errored=lambda e: self._window.notifier.error(f"Walk failed: {e}"))

    def _open_morph_dialog(self, frames: np.ndarray) -> None:
        self._open_animation_dialog(frames, "Morph")

    def _open_animation_dialog(self, frames: np.ndarray, title: str) -> None:
        from studio.qt.media.animation_dialog import AnimationExportDialog

        self.dialog = AnimationExportDialog(frames, self._window.notifier, self._window,
                                            title=title, sound_writer=self._walk_sound_writer,
                                            **self._choosers())
        self.dialog.fps.setValue(MORPH_FPS)
        self.dialog.seconds.setValue(len(frames) / MORPH_FPS)
        self.dialog.show()

    def _walk_sound_writer(self):
        """Reads the Sound panel's settings now, on the GUI thread; the writer it returns
        runs on the pool: the frames sonified over the animation's own length."""
        from studio.audio.sonify import sonify, walk_image
        from studio.audio.wav import write_wav

        settings, sample_format = self.sound.settings(), self.sound.wav_format.currentData()

        def write(path: Path, frames: np.ndarray, seconds: float) -> Path:
            timed = replace(settings, duration_s=seconds).check()
            return write_wav(path, sonify(walk_image(frames), timed), timed.rate, sample_format)

        return write

    def _listen_to_frames(self, frames: np.ndarray, title: str = "Morph") -> None:
        from studio.audio.sonify import walk_image

        self._show_sound()
        self.sound.set_image(walk_image(frames), title, duration_s=len(frames) / MORPH_FPS)

    def listen_to_canvas(self) -> None:
        if self._window.document.is_blank():
            self._window.notifier.info("Draw something first: the canvas is empty")
            return
        self._show_sound()
        self.sound.set_image(self.canvas_image(), "Canvas")

    def listen_to_generated(self) -> None:
        if self._generated is None:
            self._window.notifier.info("Open the Explore tab first: no digit is generated yet")
            return
        self._show_sound()
        self.sound.set_image(np.asarray(self._generated.image), "Generated digit")

    def _show_sound(self) -> None:
        dock = self._window.sound_dock
        dock.show()
        dock.raise_()

    def _choosers(self) -> dict:
        return {} if self.choose_path is None else {"choose_path": self.choose_path}

    # ---- slots ---------------------------------------------------------------------
    def _on_live_generated(self, number: int, generated) -> None:
        self._generated = generated

    def _on_opener_point_found(self, provenance: Provenance, name: str) -> None:
        self.restorer.restore(provenance, name)

    def _on_restorer_restored(self, name: str) -> None:
        self._window.show_explorer()

    def close(self) -> None:
        """The window is closing: silence playback."""
        self.sound.close_panel()
