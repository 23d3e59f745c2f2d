"""The explorer as a project keeps it, and back: generator, point, keyframes, map.

A generator is kept by its weights' sha256 (and by name when it is a bundled one,
with the path it was loaded from as a hint), because a point means something only
in the weights it was found in. Restoring loads that generator first, through the
same search an exported PNG's point uses (PointRestorer), and says how to bring it
back when it is nowhere; the rest of the project opens regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from studio.core.project.project_manifest import ExplorerRecord, GeneratorRef, MapRecord
from studio.qt.base.notifier import Notifier
from studio.qt.explore.explorer_controller import ExplorerController
from studio.qt.explore.generator_store import LoadedGenerator
from studio.qt.explore.points.point_restorer import PointRestorer


def capture_explorer(explorer: ExplorerController) -> ExplorerRecord | None:
    """The explorer's state (small: a point, some keyframes); None before any generator."""
    state, workspace = explorer.state, explorer.workspace
    generator = state.generator
    if generator is None:
        return None
    strip, view = workspace.keyframes, workspace.map
    return ExplorerRecord(
        generator=GeneratorRef(kind=generator.kind, name=generator.name[:1000],
                               sha256=generator.sha256,
                               bundled=explorer.store.default_kind(generator.path),
                               path=str(generator.path)[:4096]),
        digit=state.digit, coords=tuple(float(v) for v in state.coords),
        locks=sorted(state.locks), seed=state.seed,
        truncation=state.spread["gan"], temperature=state.spread["vae"],
        keyframes=list(strip.keyframes()), seconds_per_segment=strip.seconds_per_segment(),
        loop=strip.loop(), map=MapRecord(across=view.across(), down=view.down(),
                                         span=view.span()))


def restore_explorer(explorer: ExplorerController, restorer: PointRestorer,
                     record: ExplorerRecord, name: str, notifier: Notifier,
                     done: Callable[[], None] | None = None) -> bool:
    """Load the record's generator, then put its point, keyframes and map back.

    False (with a message) when the generator cannot be found; the keyframes are kept
    for it all the same, so opening that checkpoint later shows them.
    """
    ref = record.generator
    workspace = explorer.workspace
    workspace.set_keyframes(ref.sha256, record.keyframes)
    workspace.keyframes.speed.setValue(record.seconds_per_segment)
    workspace.keyframes.looping.setChecked(record.loop)

    def apply(generator: LoadedGenerator) -> None:
        if len(record.coords) != generator.latent_dim:
            notifier.error(f"{name}: its point has {len(record.coords)} values but "
                           f"{generator.name} has {generator.latent_dim} sliders")
            return
        explorer.state.restore(record.digit, np.asarray(record.coords, np.float32),
                               set(record.locks), record.seed,
                               {"gan": record.truncation, "vae": record.temperature})
        workspace.sampling.set_spread(generator.kind, explorer.state.spread[generator.kind])
        workspace.map.set_view(record.map.across, record.map.down, record.map.span)
        if done is not None:
            done()

    hint = Path(ref.path) if ref.path else None
    if ref.bundled is not None and ref.bundled in explorer.store.default_paths:
        hint = explorer.store.default_paths[ref.bundled]
    return restorer.when_ready(ref.sha256, ref.name, name, apply, hint)
