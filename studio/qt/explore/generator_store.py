"""Which generator the latent explorer uses, loaded with its slider directions on the pool.

A generator is only useful with its basis (GANSpace directions for a GAN, VAE dims
ordered by effect), so both arrive together: the explorer never shows sliders that
belong to another model. The defaults ship their bases beside them; others are
cached per weights hash in the data folder, so a checkpoint's directions are computed
once. A bad checkpoint, or one of the wrong kind, leaves the previous generator in
place and says why.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from studio.ml.latent.latent_frames import GENERATOR_KINDS, LoadedGenerator
from studio.ml.training.train_settings import spare_one_core
from studio.qt.base.notifier import Notifier
from studio.qt.base.workers import run_in_pool


def load_generator(path: Path, name: str, cache_dir: Path | None) -> LoadedGenerator:
    """Runs in the pool (one torch thread spared for the GUI). Raises CheckpointError for
    a file that is not a generator."""
    import torch

    from studio.ml.latent.latent_frames import load_generator as load

    torch.set_num_threads(spare_one_core())
    return load(path, name, cache_dir)


def _stamp(path: Path) -> int | None:
    """When the sidecar was last written: a save renames it into place last."""
    try:
        return path.with_suffix(".json").stat().st_mtime_ns
    except OSError:
        return None


class GeneratorStore(QObject):
    generator_loading = Signal(str)  # name
    generator_changed = Signal(object)  # LoadedGenerator
    generator_failed = Signal(str)  # message naming the file and the problem

    def __init__(self, default_paths: dict[str, Path], cache_dir: Path | None,
                 notifier: Notifier, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.default_paths = dict(default_paths)
        self.cache_dir = cache_dir
        self.generator: LoadedGenerator | None = None
        self._notifier = notifier
        self._pending: Path | None = None
        self._loaded: dict[Path, LoadedGenerator] = {}  # switching back is instant
        self._stamps: dict[Path, int | None] = {}  # a training run rewrites its checkpoint
        self._vae_waiting: list[Callable[[LoadedGenerator], None]] = []

    @property
    def loading(self) -> bool:
        return self._pending is not None

    def default_name(self, kind: str) -> str:
        return f"Default {kind.upper()}"

    def load_default(self, kind: str) -> None:
        self.load(self.default_paths[kind], self.default_name(kind))

    def load(self, path: Path, name: str | None = None) -> None:
        path = Path(path)
        if path in self._loaded and self._stamps.get(path) == _stamp(path):
            self._pending = None
            self._activate(self._loaded[path])
            return
        name = name or (self.default_name(k) if (k := self.default_kind(path)) else path.stem)
        self._pending = path
        self._stamps[path] = _stamp(path)
        self.generator_loading.emit(name)
        run_in_pool(load_generator, path, name, self.cache_dir,
                    on_returned=self._on_loader_returned, on_errored=self._on_loader_errored)

    def loaded_vae(self) -> LoadedGenerator | None:
        """The VAE for encoding and repair: the active one if it is a VAE, else the default."""
        if self.generator is not None and self.generator.is_vae:
            return self.generator
        return self._loaded.get(self.default_paths.get("vae"))

    def with_vae(self, on_ready: Callable[[LoadedGenerator], None]) -> None:
        """Call `on_ready` with a VAE (loading the default one on the pool if needed)."""
        vae = self.loaded_vae()
        if vae is not None:
            on_ready(vae)
            return
        self._vae_waiting.append(on_ready)
        if len(self._vae_waiting) == 1:
            run_in_pool(load_generator, self.default_paths["vae"], self.default_name("vae"),
                        self.cache_dir, on_returned=self._on_vae_returned,
                        on_errored=self._on_vae_errored)

    def set_generator(self, loaded: LoadedGenerator) -> None:
        """Make an already loaded generator active (tests, a model trained in this session)."""
        self._loaded[loaded.path] = loaded
        self._stamps[loaded.path] = _stamp(loaded.path)
        self._pending = None
        self._activate(loaded)

    def loaded_with(self, sha256: str) -> LoadedGenerator | None:
        """A generator already in memory whose weights have this hash."""
        return next((g for g in self._loaded.values() if g.sha256 == sha256), None)

    def default_kind(self, path: Path) -> str | None:
        """The bundled default's kind ("gan" or "vae") for `path`, else None."""
        return next((k for k, p in self.default_paths.items()
                     if k in GENERATOR_KINDS and p == path), None)

    def _activate(self, loaded: LoadedGenerator) -> None:
        self.generator = loaded
        self.generator_changed.emit(loaded)

    def _on_loader_returned(self, loaded: LoadedGenerator) -> None:
        self._loaded[loaded.path] = loaded
        if self._pending != loaded.path:
            return  # a newer choice is on its way
        self._pending = None
        self._activate(loaded)
        self._notifier.info(f"Generator ready: {loaded.name} ({loaded.path.name})")

    def _on_vae_returned(self, loaded: LoadedGenerator) -> None:
        self._loaded[loaded.path] = loaded
        self._stamps.setdefault(loaded.path, _stamp(loaded.path))
        waiting, self._vae_waiting = self._vae_waiting, []
        for on_ready in waiting:
            on_ready(loaded)

    def _on_vae_errored(self, error: Exception) -> None:
        self._vae_waiting = []
        self._notifier.error(f"Could not load the VAE for encoding and repair: {error}")

    def _on_loader_errored(self, error: Exception) -> None:
        failed, self._pending = self._pending, None
        message = f"Could not load the generator: {error}"
        from_user = type(error).__module__.startswith("studio.")
        details = "" if from_user else "".join(traceback.format_exception(error))
        if self.generator is None and failed is not None and self.default_kind(failed) is None:
            # The explorer is never left empty while a bundled generator is there.
            self._notifier.warning(f"{message}. Using the bundled GAN instead.", details)
            self.load_default("gan")
            return
        self._notifier.error(message, details)
        self.generator_failed.emit(message)
