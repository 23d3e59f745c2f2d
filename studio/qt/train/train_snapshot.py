"""The Train form as a project keeps it, and back.

The form is built the first time the Train tab is shown (pyqtgraph loads then): until
then a project's form waits in `Trainer.pending_form` and is what a save keeps.
The device is left out: it names this machine's hardware, not the artist's work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.core.project.project_manifest import TrainRecord

if TYPE_CHECKING:
    from studio.qt.train.trainer import Trainer


def capture_train(trainer: Trainer) -> TrainRecord:
    form = trainer.form
    if form is None:
        return trainer.pending_form or TrainRecord()
    s = form.settings()
    return TrainRecord(kind=s.kind, data=form.data_spec() or "bundled", epochs=s.epochs,
                       batch_size=s.batch_size, lr=s.lr, seed=s.seed, latent_dim=s.latent_dim)


def restore_train(trainer: Trainer, record: TrainRecord) -> None:
    """Fill the form (the kind first: choosing a kind shows its defaults)."""
    form = trainer.form
    if form is None:
        trainer.pending_form = record
        return
    form.set_kind(record.kind)
    form.set_data(record.data)
    form.epochs.setValue(record.epochs)
    form.batch.setValue(record.batch_size)
    form.lr.setValue(record.lr)
    form.seed.setValue(record.seed)
    if record.latent_dim is not None and record.kind != "cnn":
        form.latent.setValue(record.latent_dim)
