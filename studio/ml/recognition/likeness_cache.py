"""The digit-likeness fit, made once per recognizer and kept, so loading one is quick.

Fitting `DigitLikeness` runs the classifier over the 5,000 bundled digits: 1.5 to 5 s
on a 2-core CPU, which every start of the studio used to pay before the recognizer
could answer. The fit depends only on the classifier's weights (and on the fitting
rule), so it is kept in a small safetensors file keyed by the weights' sha256: beside
the checkpoint for the models that ship (`cnn.likeness.safetensors`, written by
`studio train cnn`), and in the data folder's cache for every other recognizer.

A kept fit is checked where it is read (format, rule, weights, shapes, finite values,
a symmetric precision); anything off is ignored and the fit is made again, so a
damaged cache costs a few seconds, never a wrong answer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.numpy import save

from studio.ml.atomic_files import write_atomically
from studio.ml.data.digit_datasets import bundled_mnist
from studio.ml.errors import StudioError
from studio.ml.models.classifier import Classifier
from studio.ml.recognition.novelty import QUANTILE, RIDGE, DigitLikeness, body_features

log = logging.getLogger("studio")

FORMAT = "studio-digit-likeness"
# The fitting rule: a kept fit made under another rule is refitted, never reused.
RULE = f"tied-gaussians quantile={QUANTILE} ridge={RIDGE} features=last-block+penultimate"


def beside(checkpoint: Path) -> Path:
    """Where a shipped checkpoint keeps its fit: cnn.safetensors -> cnn.likeness.safetensors."""
    return checkpoint.with_name(f"{checkpoint.stem}.likeness.safetensors")


def cached(cache_dir: Path, sha256: str) -> Path:
    """Where the data folder keeps the fit of the weights with this sha256."""
    return cache_dir / f"cnn-{sha256[:24]}.safetensors"


def save_likeness(likeness: DigitLikeness, path: Path, sha256: str) -> None:
    """Write `likeness` (fitted to the weights with `sha256`) atomically."""
    data = save({"means": np.ascontiguousarray(likeness.means, np.float64),
                 "precision": np.ascontiguousarray(likeness.precision, np.float64),
                 "threshold": np.array([likeness.threshold], np.float64)},
                metadata={"format": FORMAT, "rule": RULE, "sha256": sha256})
    write_atomically(Path(path), data)


def load_likeness(path: Path, sha256: str, dim: int) -> DigitLikeness:
    """The fit kept at `path` for the weights `sha256` with `dim` features.

    StudioError naming the file when it is unusable."""
    path = Path(path)
    try:
        with safe_open(str(path), framework="numpy") as f:
            meta = f.metadata() or {}
            names = list(f.keys())
            tensors = {name: f.get_tensor(name) for name in names}
    except FileNotFoundError as e:
        raise StudioError(f"{path}: no such file") from e
    except (OSError, SafetensorError, ValueError) as e:
        raise StudioError(f"{path}: not a readable digit-likeness fit ({e})") from e
    if meta.get("format") != FORMAT:
        raise StudioError(f"{path}: not a digit-likeness fit (format {meta.get('format')!r})")
    if meta.get("rule") != RULE:
        raise StudioError(f"{path}: made under another fitting rule ({meta.get('rule')!r})")
    if meta.get("sha256") != sha256:
        raise StudioError(f"{path}: fitted to other weights")
    if set(tensors) != {"means", "precision", "threshold"}:
        raise StudioError(f"{path}: expected means, precision and threshold, "
                          f"found {sorted(tensors)}")
    means, precision, threshold = tensors["means"], tensors["precision"], tensors["threshold"]
    if any(a.dtype != np.float64 for a in (means, precision, threshold)):
        raise StudioError(f"{path}: expected float64 arrays")
    if means.ndim != 2 or not 1 <= means.shape[0] <= 1000 or means.shape[1] != dim:
        raise StudioError(f"{path}: means are {means.shape}, expected (classes, {dim})")
    if precision.shape != (dim, dim) or threshold.shape != (1,):
        raise StudioError(f"{path}: precision {precision.shape} or threshold "
                          f"{threshold.shape} do not fit {dim} features")
    if not all(np.isfinite(a).all() for a in (means, precision, threshold)):
        raise StudioError(f"{path}: holds non-finite values")
    if threshold[0] <= 0 or not np.allclose(precision, precision.T, rtol=0, atol=1e-9 * (
            np.abs(precision).max() + 1e-300)):
        raise StudioError(f"{path}: the threshold is not positive or the precision "
                          f"is not symmetric")
    return DigitLikeness(means, precision, float(threshold[0]))


def applies_to(num_classes: int, dataset: str) -> bool:
    """Whether the likeness fit means anything for a classifier: ten digits, MNIST-like data.

    The fit is made on the bundled MNIST digits, so it judges a classifier of other
    classes (letters, fashion) against the wrong examples.
    """
    dataset = dataset.lower()
    return num_classes == 10 and ("bundled" in dataset or "mnist" in dataset)


def keep_beside(checkpoint: Path) -> Path | None:
    """Fit the likeness of the classifier at `checkpoint` and write it beside the file.

    For checkpoints that ship (`studio train cnn --out resources/models`), so the
    studio's first start needs no fit; None when the fit does not apply.
    """
    from studio.ml.models.checkpoints import load_checkpoint

    loaded = load_checkpoint(checkpoint, expected_kind="cnn", device="cpu")
    if not applies_to(loaded.model.config.num_classes, loaded.info.dataset):
        return None
    data = bundled_mnist()
    likeness = DigitLikeness.fit(loaded.model, data.train, data.test)
    save_likeness(likeness, beside(Path(checkpoint)), loaded.info.sha256)
    return beside(Path(checkpoint))


def likeness_for(classifier: Classifier, checkpoint: Path, sha256: str,
                 cache_dir: Path | None) -> DigitLikeness:
    """The classifier's fit: kept beside the checkpoint or in the cache, else fitted now.

    A new fit is written to `cache_dir` (when given) for the next load; failing to
    write it only costs the next load the same few seconds.
    """
    dim = _feature_dim(classifier)
    places = [beside(Path(checkpoint))] + ([cached(cache_dir, sha256)] if cache_dir else [])
    for place in places:
        if place.exists():
            try:
                return load_likeness(place, sha256, dim)
            except StudioError as e:
                log.warning("refitting the digit likeness: %s", e)
    data = bundled_mnist()
    likeness = DigitLikeness.fit(classifier, data.train, data.test)
    if cache_dir is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            save_likeness(likeness, cached(cache_dir, sha256), sha256)
        except (OSError, StudioError) as e:
            log.warning("could not keep the digit-likeness fit: %s", e)
    return likeness


@torch.no_grad()
def _feature_dim(classifier: Classifier) -> int:
    """How many likeness features this classifier gives (6 x its width for the default body)."""
    device = next(classifier.parameters()).device
    was_training = classifier.training
    classifier.eval()
    try:
        x = torch.zeros(1, 1, 28, 28, device=device)
        return int(body_features(classifier, x)[1].shape[1])
    finally:
        classifier.train(was_training)
