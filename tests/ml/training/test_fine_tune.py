"""Fine-tuning the recognizer on the artist's hand: the held-out choice, the mix, the learning."""

from __future__ import annotations

import numpy as np


def digit_image(bundled, label: int, k: int = 0) -> np.ndarray:
    """The k-th bundled test digit of `label`: [28, 28] uint8."""
    return bundled.test.images[np.flatnonzero(bundled.test.labels == label)[k]]


# ---- held-out choice and the mix ---------------------------------------------------------
def test_held_out_only_when_there_are_enough():
    from studio.ml.training.fine_tune import choose_held_out

    assert not choose_held_out(np.array([0, 0, 1, 1, 2, 2, 3, 3, 4])).any()  # 9 < 10
    labels = np.array([0] * 8 + [1] * 4 + [2] * 2 + [3])
    held = choose_held_out(labels)
    assert [int(held[labels == d].sum()) for d in range(4)] == [2, 1, 1, 0]
    for d in range(4):
        assert (~held[labels == d]).any(), "every digit keeps an example to learn from"
    assert np.array_equal(held, choose_held_out(labels)), "the same examples each time"


def test_the_mix_keeps_bundled_digits_and_evaluates_on_held_out(bundled):
    from studio.ml.data.digit_datasets import ImageSet
    from studio.ml.training.fine_tune import BUNDLED_PER_EPOCH, OWN_PER_EPOCH, plan

    labels = np.repeat(np.arange(10), 3)  # 30 examples, 3 of each digit
    own = ImageSet(np.full((30, 28, 28), 7, np.uint8), labels)
    chosen = plan(own, bundled)
    assert chosen.held_out and len(chosen.evaluate) == 10
    assert (chosen.evaluate.images == 7).all()
    train = chosen.data.train
    assert len(train) == OWN_PER_EPOCH + BUNDLED_PER_EPOCH
    assert (train.images == 7).all(axis=(1, 2)).sum() == OWN_PER_EPOCH  # own, repeated
    assert "bundled" in chosen.data.name and chosen.data.test is bundled.test
    few = plan(ImageSet(own.images[:6], labels[:6]), bundled)
    assert not few.held_out and len(few.evaluate) == 6  # measured on all, and says so


# ---- a real fine-tune --------------------------------------------------------------------
def test_fine_tune_learns_a_consistent_hand(tmp_path, bundled, one_torch_thread):
    """Bundled test digits from many writers, all mirrored: one odd but consistent hand."""
    import torch

    from studio.ml.data.digit_datasets import ImageSet
    from studio.ml.models.checkpoints import load_checkpoint
    from studio.ml.models.default_models import load_model
    from studio.ml.training.fine_tune import AFTER, BEFORE, EVALUATED, HELD_OUT, accuracy, fine_tune

    rng = np.random.default_rng(1)
    idx = np.concatenate([rng.choice(np.flatnonzero(bundled.test.labels == d), 8,
                                     replace=False) for d in range(10)])
    mirrored = ImageSet(np.ascontiguousarray(bundled.test.images[idx][:, :, ::-1]),
                        bundled.test.labels[idx])
    model = load_model("cnn").model
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    out = tmp_path / "mine.safetensors"
    reports = list(fine_tune(model, mirrored, bundled, out))  # its time: benchmarks/fine_tune.py
    last = reports[-1]
    assert last.event == "epoch" and last.epoch == last.epochs
    m = last.metrics
    assert m[HELD_OUT] == 1.0 and m[EVALUATED] == 20  # 2 of each digit's 8
    assert m[BEFORE] <= 0.6 and m[AFTER] >= m[BEFORE] + 0.3, m
    assert m["accuracy"] > 0.94, "still reads everyone else's digits"
    tuned = load_checkpoint(out, expected_kind="cnn")
    assert "bundled" in tuned.info.dataset
    assert accuracy(tuned.model, mirrored.images, mirrored.labels) > m[BEFORE]
    for k, v in model.state_dict().items():
        assert torch.equal(v, weights[k]), "the active recognizer itself is not changed"
