"""One training run on the thread pool: start, pause, resume, stop, and its reports.

The loop is a plain generator from studio.ml (see DESIGN.md, Threads); this object
only runs it in a superqt GeneratorWorker and forwards what it yields. Pause and
stop go through the loop's RunControl, which it checks between optimizer steps, so
a run never stops half-way through a step or a checkpoint write.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from superqt.utils import GeneratorWorker, create_worker

from studio.ml.training.progress import Progress, RunControl
from studio.qt.base.workers import log_worker_warning

Job = Callable[[RunControl], Iterator[Progress]]


class TrainingRun(QObject):
    """Signals arrive on the GUI thread; exactly one of `ended` / `failed` ends a run."""

    reported = Signal(object)  # Progress: every report ("step", "paused", "epoch", "stopped")
    epoch_ended = Signal(object)  # Progress of an "epoch" report (metrics, preview, checkpoint)
    paused_changed = Signal(bool)  # True once the loop holds between steps, False on resume
    ended = Signal(object)  # the last Progress (or None): ran to the end or was stopped
    failed = Signal(str, str)  # message for the user, details (a traceback for real bugs)

    def __init__(self, job: Job, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job = job
        self.control = RunControl()
        self.last: Progress | None = None
        self._worker: GeneratorWorker | None = None
        self._error: Exception | None = None
        self.finished = False

    @property
    def running(self) -> bool:
        return self._worker is not None and not self.finished

    @property
    def paused(self) -> bool:
        return self.control.paused

    @property
    def stopping(self) -> bool:
        return self.control.cancelled and self.running

    def start(self) -> None:
        worker = create_worker(self._job, self.control, _start_thread=False,
                               _ignore_errors=True)
        worker.yielded.connect(self._on_worker_yielded)
        worker.errored.connect(self._on_worker_errored)
        worker.warned.connect(log_worker_warning)  # torch's and numpy's warnings, to the log
        worker.finished.connect(self._on_worker_finished)
        self._worker = worker
        worker.start()

    def pause(self) -> None:
        if self.running and not self.control.paused:
            self.control.pause()

    def resume(self) -> None:
        if self.control.paused:
            self.control.resume()
            self.paused_changed.emit(False)

    def stop(self) -> None:
        """Ask the loop to stop before its next step; `ended` follows (with the last
        complete checkpoint in its Progress)."""
        self.control.cancel()

    def abandon(self) -> None:
        """Stop and stop listening (the window is closing): no signal follows."""
        self.control.cancel()
        if self._worker is not None:
            self._worker.quit()  # superqt ends the generator at its next yield
        self.blockSignals(True)

    def _on_worker_yielded(self, progress: Progress) -> None:
        self.last = progress
        self.reported.emit(progress)
        if progress.event == "epoch":
            self.epoch_ended.emit(progress)
        elif progress.event == "paused":
            self.paused_changed.emit(True)

    def _on_worker_errored(self, error: Exception) -> None:
        self._error = error

    def _on_worker_finished(self) -> None:
        self.finished = True
        error, self._error = self._error, None
        if error is None:
            self.ended.emit(self.last)
            return
        from_user = type(error).__module__.startswith("studio.")
        details = "" if from_user else "".join(traceback.format_exception(error))
        self.failed.emit(str(error) if from_user else f"Training failed: {error!r}", details)


def describe(progress: Any) -> str:
    """"Epoch 3/10 · step 420/1,400 · 1:23 left", the line beside the progress bar."""
    text = (f"Epoch {progress.epoch}/{progress.epochs} · step {progress.step:,}/"
            f"{progress.total_steps:,}")
    eta = progress.eta_s
    if progress.event == "paused":
        return text + " · paused"
    if eta is not None and progress.step < progress.total_steps:
        text += f" · {format_duration(eta)} left"
    return text


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


METRIC_WORDS = {"accuracy": "accuracy {:.1%}", "neg_elbo": "negative ELBO {:.1f}",
                "class_fidelity": "class fidelity {:.0%}"}


def describe_end(last: Any, saved: Path | None) -> str:
    """What a run that ended says: how far it got, what it measured, and what was kept.

    last: the run's final Progress (None when it stopped before its first step);
    saved: the checkpoint on disk, or None when no epoch finished.
    """
    kept = f"saved as {saved.stem}" if saved is not None else ""
    if last is None:
        return f"Stopped before the first step; {kept or 'nothing was saved'}."
    if last.event == "stopped":
        where = f"Stopped at epoch {last.epoch}, step {last.step:,}"
        if saved is None:
            return f"{where}, before any epoch finished; nothing was saved."
        return f"{where}; the last finished epoch is {kept}."
    measured = "".join(f", {METRIC_WORDS[k].format(v)}" for k, v in last.metrics.items()
                       if k in METRIC_WORDS)
    return (f"Finished {last.epochs} epochs in {format_duration(last.elapsed_s)}{measured}; "
            f"{kept or 'nothing was saved'}.")
