"""The training generator: learning, progress events, checkpoints, control and failures.

Runs use a few hundred bundled digits, batches of 32 and one or two epochs, so each
kind trains for a few dozen steps in about a second on one CPU thread.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import threading
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from studio.ml.data.digit_datasets import ImageSet, Splits
from studio.ml.errors import TrainingError
from studio.ml.latent.sampling import sample
from studio.ml.models.checkpoints import load_checkpoint, read_info
from studio.ml.models.classifier import Classifier, ClassifierConfig
from studio.ml.models.model_kinds import build_model
from studio.ml.training import train_vae
from studio.ml.training.evaluate import accuracy, frechet_distance
from studio.ml.training.progress import Progress, RunControl
from studio.ml.training.training_loop import TrainSettings, default_settings, to_tensors, train

pytestmark = pytest.mark.usefixtures("one_torch_thread")

KIND_NAMES = ["cnn", "vae", "gan"]
MAIN_LOSS = {"cnn": "loss", "vae": "neg_elbo", "gan": "d_loss"}
EXPECTED_METRICS = {"cnn": {"accuracy", "test_loss"}, "vae": {"neg_elbo", "class_fidelity"},
                    "gan": {"class_fidelity"}}


def settings(kind: str, **overrides: object) -> TrainSettings:
    args = {"epochs": 2, "batch_size": 32, "device": "cpu", "report_every_s": 0} | overrides
    return default_settings(kind, **args)


def steps(events: list[Progress]) -> list[Progress]:
    return [e for e in events if e.event == "step"]


def epochs(events: list[Progress]) -> list[Progress]:
    return [e for e in events if e.event == "epoch"]


def tiny(splits: Splits, n_train: int) -> Splits:
    """The first n_train training images (splits from take_subset are shuffled)."""
    return dataclasses.replace(splits, train=ImageSet(splits.train.images[:n_train],
                                                      splits.train.labels[:n_train]))


@dataclasses.dataclass
class Run:
    settings: TrainSettings
    data: Splits
    events: list[Progress]
    out: object  # Path of the checkpoint
    epoch_on_disk: list[int]  # read_info(out).epoch seen at each epoch event
    sha_on_disk: list[str]


@pytest.fixture(scope="module")
def runs(one_torch_thread, small_splits, medium_splits, tmp_path_factory):
    """runs(kind): one short training run of `kind` with a checkpoint, done once per module."""
    cache: dict[str, Run] = {}

    def get(kind: str) -> Run:
        if kind not in cache:
            data = medium_splits if kind == "cnn" else small_splits
            s = settings(kind)
            out = tmp_path_factory.mktemp(f"run-{kind}") / f"{kind}.safetensors"
            torch.manual_seed(99)
            # a small untrained judge: only the plumbing of class_fidelity is under test here
            judge = None if kind == "cnn" else Classifier(ClassifierConfig(width=8)).eval()
            events, on_disk, shas = [], [], []
            for p in train(s, data, out=out, judge=judge):
                events.append(p)
                if p.event == "epoch":
                    on_disk.append(read_info(out).epoch)
                    shas.append(hashlib.sha256(out.read_bytes()).hexdigest())
            cache[kind] = Run(s, data, events, out, on_disk, shas)
        return cache[kind]

    return get


# --- it learns -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cnn", "vae"])
def test_training_loss_falls(runs, kind):
    losses = [e.losses[MAIN_LOSS[kind]] for e in steps(runs(kind).events)]
    assert len(losses) >= 30
    assert all(math.isfinite(v) for v in losses)
    first, last = np.mean(losses[:4]), np.mean(losses[-4:])
    assert last < 0.8 * first, (first, last)


def test_cnn_test_accuracy_is_well_above_chance(runs):
    run = runs("cnn")
    final = epochs(run.events)[-1].metrics
    assert final["accuracy"] > 0.5, final
    # the checkpoint holds the weights that scored it
    model = load_checkpoint(run.out, expected_kind="cnn").model
    x, y = to_tensors(run.data.test, torch.device("cpu"))
    assert accuracy(model, x, y) == pytest.approx(final["accuracy"], abs=1e-6)


def test_gan_discriminator_and_generator_learn(runs):
    run = runs("gan")
    d_loss = [e.losses["d_loss"] for e in steps(run.events)]
    g_loss = [e.losses["g_loss"] for e in steps(run.events)]
    assert all(math.isfinite(v) for v in d_loss + g_loss)
    # hinge loss of an untrained D (scores ~0 for real and fake) is ~2; it learns to separate
    assert 1.5 < d_loss[0] < 2.5, d_loss[:3]
    assert np.mean(d_loss[-8:]) < 1.0, d_loss[-8:]

    # the generator's samples move towards the data: the Frechet distance between 4x4
    # pooled pixels of samples and real test digits shrinks well below that of an
    # untrained generator
    def pooled(x: torch.Tensor) -> torch.Tensor:
        return F.avg_pool2d(x, 4).flatten(1).double()  # [N, 49]

    real = pooled(to_tensors(run.data.test, torch.device("cpu"))[0])
    torch.manual_seed(run.settings.seed)
    untrained = build_model("gan").eval()
    trained = load_checkpoint(run.out, expected_kind="gan").model
    before = frechet_distance(pooled(sample(untrained, list(range(10)), 5, 30)), real)
    after = frechet_distance(pooled(sample(trained, list(range(10)), 5, 30)), real)
    assert after < 0.75 * before, (before, after)

    first, second = (e.preview for e in epochs(run.events))
    assert not np.array_equal(first, second), "the preview did not change between epochs"


# --- what it reports ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_epoch_events_carry_metrics_previews_and_checkpoints(runs, kind):
    run = runs(kind)
    per_epoch = len(run.data.train) // run.settings.batch_size
    ends = epochs(run.events)
    assert [e.epoch for e in ends] == [1, 2]
    assert [e.step for e in ends] == [per_epoch, 2 * per_epoch]
    assert all(e.total_steps == 2 * per_epoch and e.epochs == 2 for e in run.events)
    for e in ends:
        assert set(e.metrics) == EXPECTED_METRICS[kind]
        assert all(math.isfinite(v) for v in e.metrics.values())
        assert e.checkpoint == run.out
        if kind == "cnn":
            assert e.preview is None
            assert 0 <= e.metrics["accuracy"] <= 1
        else:
            assert 0 <= e.metrics["class_fidelity"] <= 1
            grid = e.preview
            assert isinstance(grid, np.ndarray) and grid.dtype == np.uint8 and grid.ndim == 2
            assert (grid.shape[0] + 2) % 30 == 0 and (grid.shape[0] + 2) // 30 == 10, grid.shape
            assert grid.max() > 0, "the preview is blank"
    assert ends[-1].fraction == 1.0
    assert ends[-1].eta_s == 0.0
    assert run.events[-1] is ends[-1], "the run ends with the last epoch's report"

    step_events = steps(run.events)
    assert [e.step for e in step_events] == list(range(1, 2 * per_epoch + 1))
    assert all(set(e.losses) >= {MAIN_LOSS[kind]} for e in step_events)
    assert all(e.checkpoint is None and e.preview is None for e in step_events)
    elapsed = [e.elapsed_s for e in run.events]
    assert elapsed == sorted(elapsed)


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_a_checkpoint_is_written_every_epoch(runs, kind):
    run = runs(kind)
    assert run.epoch_on_disk == [1, 2]
    assert run.sha_on_disk[0] != run.sha_on_disk[1]
    loaded = load_checkpoint(run.out, expected_kind=kind)
    assert loaded.info.epoch == 2
    assert loaded.info.dataset == run.data.name
    assert loaded.info.seed == run.settings.seed
    assert loaded.info.metrics == epochs(run.events)[-1].metrics
    assert [p.name for p in run.out.parent.iterdir() if p.name.startswith(".")] == []


def test_progress_fraction_and_eta():
    p = Progress(event="step", epoch=1, epochs=4, step=0, total_steps=100, elapsed_s=0.0)
    assert p.fraction == 0.0 and p.eta_s is None
    p = dataclasses.replace(p, step=25, elapsed_s=10.0)
    assert p.fraction == 0.25
    assert p.eta_s == pytest.approx(30.0)
    p = dataclasses.replace(p, step=100, elapsed_s=40.0)
    assert p.fraction == 1.0 and p.eta_s == 0.0
    empty = Progress(event="stopped", epoch=1, epochs=1, step=0, total_steps=0, elapsed_s=0.0)
    assert empty.fraction == 0.0


# --- same seed, same run -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_same_seed_gives_identical_losses(small_splits, kind):
    data = tiny(small_splits, 128)

    def losses(seed: int) -> list[dict[str, float]]:
        s = settings(kind, epochs=1, seed=seed)
        return [e.losses for e in steps(list(train(s, data)))]

    first, again, other = losses(3), losses(3), losses(4)
    assert len(first) == 4
    assert first == again
    assert first != other


def test_init_starts_from_given_weights(runs, small_splits):
    trained = load_checkpoint(runs("vae").out).model
    s = settings("vae", epochs=1)
    fresh = steps(list(train(s, tiny(small_splits, 64))))[0].losses["neg_elbo"]
    warm = steps(list(train(s, tiny(small_splits, 64), init=trained)))[0].losses["neg_elbo"]
    assert warm < 0.7 * fresh, (fresh, warm)


def test_a_resumed_run_numbers_its_epochs_on(runs, small_splits, tmp_path):
    trained = load_checkpoint(runs("cnn").out)
    out = tmp_path / "more.safetensors"
    events = list(train(settings("cnn", epochs=2), tiny(small_splits, 64), out=out,
                        init=trained.model, start_epoch=trained.info.epoch))
    first = trained.info.epoch
    assert [(e.epoch, e.epochs) for e in epochs(events)] == [(first + 1, first + 2),
                                                             (first + 2, first + 2)]
    assert load_checkpoint(out).info.epoch == first + 2


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_checkpoints_carry_the_optimizer_state_and_resuming_restores_it(runs, kind):
    import torch

    from studio.ml.models.optimizer_state import restore
    from studio.ml.training.training_loop import make_recipe

    run = runs(kind)
    saved = load_checkpoint(run.out)
    assert saved.optimizer and all(k.startswith("optimizer.") for k in saved.optimizer)
    fresh = make_recipe(run.settings, run.data, torch.device("cpu"), 10, None)
    assert all(not opt.state for opt in fresh.optimizers.values())
    assert restore(fresh.optimizers, saved.optimizer)
    for name, opt in fresh.optimizers.items():
        for index, state in opt.state_dict()["state"].items():
            for key, value in state.items():
                assert torch.equal(value.cpu(), saved.optimizer[f"optimizer.{name}.{index}.{key}"])


def test_optimizer_state_of_another_model_is_refused_and_the_optimizer_starts_fresh(runs):
    import torch

    from studio.ml.models.optimizer_state import restore
    from studio.ml.training.training_loop import make_recipe

    cnn_state = load_checkpoint(runs("cnn").out).optimizer
    vae = runs("vae")
    recipe = make_recipe(vae.settings, vae.data, torch.device("cpu"), 10, None)
    assert not restore(recipe.optimizers, cnn_state)  # same names, other shapes
    assert not recipe.opt.state


def test_a_resumed_vae_skips_its_kl_warm_up(runs):
    import torch

    from studio.ml.training.training_loop import make_recipe

    run = runs("vae")
    recipe = make_recipe(run.settings, run.data, torch.device("cpu"), 10, None)
    assert recipe.kl_weight() > 1  # a new run starts with the warm-up weight
    recipe.resumed()
    assert recipe.kl_weight() == 1.0


# --- control ---------------------------------------------------------------------------------


def test_cancel_between_steps_stops_with_a_report(small_splits, tmp_path):
    out = tmp_path / "vae.safetensors"
    control = RunControl()
    gen = train(settings("vae", epochs=5), small_splits, out=out, control=control)
    per_epoch = len(small_splits.train) // 32
    seen = []
    for p in gen:
        seen.append(p)
        if p.event == "step" and p.step == per_epoch + 2:
            control.cancel()
            break
    stopped = next(gen)
    assert stopped.event == "stopped"
    assert stopped.step == per_epoch + 2
    assert stopped.epoch == 2
    assert stopped.checkpoint == out, "the stop report names the last checkpoint"
    with pytest.raises(StopIteration):
        next(gen)
    assert control.cancelled
    assert load_checkpoint(out).info.epoch == 1


def test_cancel_before_the_first_step(small_splits):
    control = RunControl()
    control.cancel()
    events = list(train(settings("cnn"), small_splits, control=control))
    assert [(e.event, e.step, e.checkpoint) for e in events] == [("stopped", 0, None)]


def test_pause_holds_the_step_count_and_resume_continues(small_splits):
    control = RunControl()
    gen = train(settings("vae", epochs=50), small_splits, control=control)
    pause_at = 3
    events: list[Progress] = []
    errors: list[BaseException] = []
    paused = threading.Event()

    def consume() -> None:
        try:
            for p in gen:
                events.append(p)
                if p.event == "step" and p.step == pause_at:
                    control.pause()  # before asking for the next step
                    paused.set()
        except BaseException as e:  # reported by the test thread
            errors.append(e)

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    try:
        assert paused.wait(30), "the run never reached the pause point"
        assert control.paused
        time.sleep(0.6)
        assert thread.is_alive()
        assert [(e.event, e.step) for e in events[-2:]] == [("step", pause_at),
                                                              ("paused", pause_at)]
        assert len(events) == pause_at + 1, "one paused report, then nothing"

        control.resume()
        deadline = time.monotonic() + 30
        while len(steps(events)) < pause_at + 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(steps(events)) >= pause_at + 3, "the run did not continue after resume"
        done = steps(events)
        resumed_step_s = done[pause_at].elapsed_s - done[pause_at - 1].elapsed_s
        assert resumed_step_s < 0.4, "the 0.6 s pause was counted as training time (ETA)"
    finally:
        control.cancel()
        thread.join(30)
    assert not thread.is_alive()
    assert errors == []
    assert events[-1].event == "stopped"
    step_numbers = [e.step for e in steps(events)]
    assert step_numbers == list(range(1, len(step_numbers) + 1)), "no step lost or repeated"


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_loss_stops_and_keeps_the_last_good_checkpoint(small_splits, tmp_path,
                                                                   monkeypatch, bad):
    per_epoch = len(small_splits.train) // 32
    calls = {"n": 0}
    real_step = train_vae.VAERecipe.train_step

    def poisoned(self, x, y):
        losses = real_step(self, x, y)
        calls["n"] += 1
        if calls["n"] > per_epoch + 2:
            losses["neg_elbo"] = torch.tensor(bad)
        return losses

    monkeypatch.setattr(train_vae.VAERecipe, "train_step", poisoned)
    out = tmp_path / "vae.safetensors"
    events = []
    with pytest.raises(TrainingError) as excinfo:
        for p in train(settings("vae", epochs=3), small_splits, out=out):
            events.append(p)
    message = str(excinfo.value)
    assert ("nan" if math.isnan(bad) else "inf") in message.lower()
    assert str(out) in message
    assert "epoch 2" in message
    assert epochs(events)[-1].epoch == 1
    loaded = load_checkpoint(out, expected_kind="vae")
    assert loaded.info.epoch == 1
    assert all(torch.isfinite(t).all() for t in loaded.model.state_dict().values())


def test_diverging_learning_rate_raises_training_error(small_splits):
    with pytest.raises(TrainingError, match=r"(?i)nan|inf") as excinfo:
        list(train(settings("vae", lr=1e6), small_splits))
    assert "no checkpoint" in str(excinfo.value)


@pytest.mark.parametrize("below", [(), ("sub",)])
def test_unwritable_output_folder(small_splits, tmp_path, below):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker.joinpath(*below, "model.safetensors")
    with pytest.raises(TrainingError) as excinfo:
        list(train(settings("vae", epochs=1), tiny(small_splits, 64), out=out))
    assert str(blocker) in str(excinfo.value)
    assert blocker.read_text() == "not a folder"


def test_batch_larger_than_the_dataset(small_splits):
    data = tiny(small_splits, 40)
    with pytest.raises(TrainingError) as excinfo:
        next(train(settings("cnn", batch_size=41), data))
    assert data.name in str(excinfo.value)
    assert "41" in str(excinfo.value) and "40" in str(excinfo.value)
    # exactly one batch is fine: one step per epoch
    events = list(train(settings("cnn", batch_size=40, epochs=1), data))
    assert [e.step for e in steps(events)] == [1]


def test_unknown_kind(small_splits):
    s = dataclasses.replace(settings("cnn"), kind="transformer")
    with pytest.raises(TrainingError, match="transformer"):
        next(train(s, small_splits))
