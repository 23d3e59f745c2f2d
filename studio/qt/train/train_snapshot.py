"""The Train form as a project keeps it, and back.

The device is left out: it names this machine's hardware, not the artist's work.
"""

from __future__ import annotations

from studio.core.project.project_manifest import TrainRecord
from studio.qt.train.training_form import TrainingForm


def capture_train(form: TrainingForm) -> TrainRecord:
    s = form.settings()
    return TrainRecord(kind=s.kind, data=form.data_spec() or "bundled", epochs=s.epochs,
                       batch_size=s.batch_size, lr=s.lr, seed=s.seed, latent_dim=s.latent_dim)


def restore_train(form: TrainingForm, record: TrainRecord) -> None:
    """Fill the form (the kind first: choosing a kind shows its defaults)."""
    form.set_kind(record.kind)
    form.set_data(record.data)
    form.epochs.setValue(record.epochs)
    form.batch.setValue(record.batch_size)
    form.lr.setValue(record.lr)
    form.seed.setValue(record.seed)
    if record.latent_dim is not None and record.kind != "cnn":
        form.latent.setValue(record.latent_dim)
