"""Model quality on the test split: accuracy, negative ELBO, class fidelity and FID.

`evaluate_wild` adds the recognizer's accuracy on the same test digits made into photos,
scans and notebook pages (`wild_digits`), one figure per condition, read through
`recognize` exactly as the window reads a picture the user opens.
`evaluate_wild_numbers` does the same for numbers of 2 to 6 digits (`wild_numbers`),
read through `read_number`: the whole number right, and the right count of digits.

FID here is computed on the recognizer's penultimate features (not Inception's): the
same Frechet distance between Gaussians fitted to real and generated features, in a
space that knows what digits look like. It is only meaningful next to its floor, the
distance between the train and test splits of real data, so both are reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import torch
import torch.nn as nn

from studio.ml.data.digit_datasets import Splits
from studio.ml.data.wild_digits import wild_test_set
from studio.ml.data.wild_numbers import wild_number_set
from studio.ml.latent.sampling import sample
from studio.ml.models.classifier import Classifier
from studio.ml.models.vae import ConditionalVAE, negative_elbo
from studio.ml.recognition.novelty import DigitLikeness
from studio.ml.recognition.number_reading import read_number
from studio.ml.recognition.recognize import recognize

_T = TypeVar("_T")


@torch.no_grad()
def accuracy(classifier: Classifier, x: torch.Tensor, y: torch.Tensor) -> float:
    """x [N, 1, 28, 28] in [0, 1], y [N] -> share classified correctly."""
    pred = torch.cat([classifier(b).argmax(1) for b in x.split(1000)])
    return (pred == y).float().mean().item()


@torch.no_grad()
def vae_negative_elbo(vae: ConditionalVAE, x: torch.Tensor, y: torch.Tensor,
                      seed: int = 0) -> float:
    """Mean over images of summed BCE + KL, nats per image; one posterior sample each
    (as pytorch/examples' VAE reports its test loss), drawn from a seeded generator."""
    g = torch.Generator(device="cpu").manual_seed(seed)
    total = 0.0
    for xb, yb in zip(x.split(500), y.split(500), strict=True):
        mu, logvar = vae.encode(xb, yb)
        eps = torch.randn(mu.shape, generator=g).to(mu.device)
        logits = vae.decode_logits(mu + eps * torch.exp(0.5 * logvar), yb)
        bce, kl = negative_elbo(logits, xb, mu, logvar)
        total += (bce + kl).sum().item()
    return total / len(x)


@torch.no_grad()
def class_fidelity(generator: nn.Module, judge: Classifier, per_digit: int = 100,
                   seed: int = 0) -> float:
    """Share of conditional samples (per_digit of each of 10 digits) the judge reads as
    the digit that was asked for."""
    was_training = generator.training
    generator.eval()
    images = sample(generator, list(range(10)), seed, per_digit)
    generator.train(was_training)
    wanted = torch.arange(10, device=images.device).repeat_interleave(per_digit)
    judge_device = next(judge.parameters()).device
    return accuracy(judge, images.to(judge_device), wanted.to(judge_device))


@torch.no_grad()
def features(classifier: Classifier, x: torch.Tensor) -> torch.Tensor:
    return torch.cat([classifier.features(b) for b in x.split(1000)]).double().cpu()


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """FID between feature sets a [N, D] and b [M, D] (float64)."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    # tr(sqrt(cov_a cov_b)) = tr(sqrt(S cov_b S)) with S = sqrt(cov_a), which is
    # symmetric PSD, so eigh is exact where a general sqrtm would be unstable.
    s = _sqrt_psd(cov_a)
    tr_sqrt = torch.linalg.eigvalsh(s @ cov_b @ s).clamp(min=0).sqrt().sum()
    fid = (mu_a - mu_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2 * tr_sqrt
    return float(fid)


def _sqrt_psd(m: torch.Tensor) -> torch.Tensor:
    vals, vecs = torch.linalg.eigh(m)
    return vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T


def fid(classifier: Classifier, real: torch.Tensor, fake: torch.Tensor) -> float:
    """FID on the classifier's penultimate features; real, fake [N, 1, 28, 28]."""
    return frechet_distance(features(classifier, real), features(classifier, fake))


def evaluate_models(cnn: Classifier, vae: ConditionalVAE, gan: nn.Module, data: Splits,
                    seed: int = 0) -> dict[str, dict[str, float]]:
    """The quality report of `studio evaluate`: every figure on the test split.

    FID compares 1,000 GAN samples (100 per digit) with the test split; its floor
    compares 1,000 training images with the same test split, so the two use the same
    sample sizes and the gap between them is what the GAN loses to real data.
    """
    device = next(cnn.parameters()).device
    x_test = torch.from_numpy(data.test.images).to(device).float().div(255).unsqueeze(1)
    y_test = torch.from_numpy(data.test.labels).to(device)
    pick = np.random.default_rng(seed).choice(len(data.train), 1000, replace=False)
    x_train = torch.from_numpy(data.train.images[pick]).to(device).float().div(255).unsqueeze(1)
    with torch.no_grad():
        fakes = sample(gan.eval(), list(range(10)), seed, per_digit=100)
    return {
        "classifier": {"accuracy": accuracy(cnn, x_test, y_test)},
        "vae": {
            "neg_elbo": vae_negative_elbo(vae, x_test, y_test, seed),
            "class_fidelity": class_fidelity(vae, cnn, seed=seed),
        },
        "gan": {
            "class_fidelity": class_fidelity(gan, cnn, seed=seed),
            "fid": fid(cnn, x_test, fakes.to(device)),
            "fid_floor": fid(cnn, x_test, x_train),
        },
    }


def evaluate_wild(classifier: Classifier, per_condition: int = 500, seed: int = 0,
                  likeness: DigitLikeness | None = None) -> dict[str, dict[str, float | int]]:
    """Per wild condition: {"accuracy", "n", "unsure_among_wrong", "unsure_among_right"}.

    With `likeness` (the recognizer's fit), "unsure" is what the window and the CLI
    say: a low top probability, or features that look like no digit.

    Shares are in 0..1 (0 where nothing falls in the group). An answer of no digit at all
    (`digit is None`: no ink found) counts as wrong and as not unsure.
    """
    return _one_thread_eval(classifier, lambda: _score_wild(classifier, per_condition, seed,
                                                            likeness))


def evaluate_wild_numbers(classifier: Classifier, per_condition: int = 200, seed: int = 0,
                          likeness: DigitLikeness | None = None) -> dict[str, dict[str, float]]:
    """Per wild condition, over pictures of numbers of 2 to 6 digits (`wild_number_set`):
    {"exact": share read exactly right, "count": share with the right number of digits,
    "unsure_wrong": share unsure among the wrong readings, "unsure_right": among the right}.

    A reading is `read_number(classifier, picture, likeness)`; it is unsure when any of
    its digits is. No digit found (`number is None`) is wrong, with no digits, not unsure.
    Shares are in 0..1 (0 where nothing falls in the group).
    """
    return _one_thread_eval(classifier, lambda: _score_numbers(classifier, per_condition, seed,
                                                               likeness))


def _one_thread_eval(classifier: Classifier, score: Callable[[], _T]) -> _T:
    """score() with the classifier in eval mode on one torch thread; both put back after."""
    was_training, threads = classifier.training, torch.get_num_threads()
    classifier.eval()
    # One picture at a time is too small a job to split: with more threads than idle
    # cores, intra-op threads spin against each other (measured 40x slower on 2 busy cores).
    torch.set_num_threads(1)
    try:
        return score()
    finally:
        torch.set_num_threads(threads)
        classifier.train(was_training)


def _score_wild(classifier: Classifier, per_condition: int, seed: int,
                likeness: DigitLikeness | None) -> dict[str, dict[str, float | int]]:
    report: dict[str, dict[str, float | int]] = {}
    for condition, (pictures, labels) in wild_test_set(per_condition, seed).items():
        answers = [recognize(classifier, picture, likeness) for picture in pictures]
        right = np.array([a.digit == label for a, label in zip(answers, labels, strict=True)],
                         dtype=bool)  # [N]
        unsure = np.array([a.unsure for a in answers], dtype=bool)  # [N]
        report[condition] = {
            "accuracy": _share(right),
            "n": len(labels),
            "unsure_among_wrong": _share(unsure[~right]),
            "unsure_among_right": _share(unsure[right]),
        }
    return report


def _score_numbers(classifier: Classifier, per_condition: int, seed: int,
                   likeness: DigitLikeness | None) -> dict[str, dict[str, float]]:
    report: dict[str, dict[str, float]] = {}
    for condition, (pictures, labels) in wild_number_set(per_condition, seed).items():
        readings = [read_number(classifier, picture, likeness) for picture in pictures]
        exact = np.array([r.number == label for r, label in zip(readings, labels, strict=True)],
                         dtype=bool)  # [N]
        count = np.array([len(r.digits) == len(label)
                          for r, label in zip(readings, labels, strict=True)], dtype=bool)  # [N]
        unsure = np.array([r.unsure for r in readings], dtype=bool)  # [N]
        report[condition] = {
            "exact": _share(exact),
            "count": _share(count),
            "unsure_wrong": _share(unsure[~exact]),
            "unsure_right": _share(unsure[exact]),
        }
    return report


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else 0.0
