"""What each `studio` subcommand does; cli.py only parses arguments and reports errors."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def launch_gui(project: Path | None = None) -> int:
    """The window. STUDIO_QUIT_AFTER ("first-paint" or "models") quits at that point,
    so start-up can be timed from outside, also from the app bundle's binary."""
    import os

    from studio.qt.shell.app import run

    quit_after = os.environ.get("STUDIO_QUIT_AFTER") or None
    return run(project=project, quit_after=quit_after if quit_after in (
        "first-paint", "models") else None)


def train(args: argparse.Namespace) -> int:
    from studio.train_command import train as run

    return run(args)


def recognize(args: argparse.Namespace) -> int:
    from studio.ml.data.image_files import open_image
    from studio.ml.errors import StudioError
    from studio.ml.models.default_models import load_model
    from studio.ml.recognition.number_reading import read_number

    checkpoint = load_model("cnn", args.model)
    model, likeness = checkpoint.model, _likeness(checkpoint)
    failed = 0
    for path in args.images:
        try:
            reading = read_number(model, open_image(path), likeness)
        except StudioError as e:
            print(f"studio: error: {e}", file=sys.stderr)
            failed += 1
            continue
        single = reading.single
        if args.json:
            def probabilities(p) -> list[float]:
                return [round(float(v), 6) for v in p]
            if not reading.digits:  # as before numbers: no digit, zero probabilities
                digit, probs = None, [0.0] * model.config.num_classes
            elif single is not None:
                digit, probs = single.digit, probabilities(single.probabilities)
            else:
                digit, probs = None, None
            print(json.dumps({
                "file": str(path), "digit": digit, "probabilities": probs,
                "number": reading.number,
                "digits": [{"box": list(d.box), "digit": d.recognition.digit,
                            "probabilities": probabilities(d.recognition.probabilities)}
                           for d in reading.digits]}), flush=True)
        elif not reading.digits:
            print(f"{path}: nothing to recognize (no ink)")
        elif single is not None:
            flag = " (unsure)" if single.unsure else ""
            print(f"{path}: {single.digit} ({single.confidence:.1%}){flag}")
        else:
            parts = ", ".join(f"{d.recognition.digit} {d.recognition.confidence:.0%}"
                              + (" unsure" if d.recognition.unsure else "")
                              for d in reading.digits)
            print(f"{path}: number {reading.number} (digits {parts})")
    return 1 if failed else 0


def generate(args: argparse.Namespace) -> int:
    import math

    from PIL import Image

    from studio.export.images import save_png
    from studio.export.provenance import Provenance
    from studio.ml.errors import StudioError
    from studio.ml.latent.sampling import image_grid, sample, sample_latents
    from studio.ml.models.default_models import load_model

    if args.output.suffix.lower() != ".png":
        raise StudioError(f"{args.output}: the output must be a .png file")
    if args.n > 1024:
        raise StudioError(f"-n {args.n}: at most 1024 samples in one grid")
    checkpoint = load_model(args.kind, args.model)
    model = checkpoint.model
    if args.digit >= model.config.num_classes:
        raise StudioError(f"--digit {args.digit}: this model knows only "
                          f"{model.config.num_classes} classes")
    images = sample(model, [args.digit], args.seed, per_digit=args.n)
    grid = image_grid(images, cols=math.ceil(math.sqrt(args.n)))
    # The first sample's own latent: opening the PNG in the studio goes to that digit.
    name = f"Default {args.kind.upper()}" if args.model is None else checkpoint.path.stem
    provenance = Provenance(
        model_name=name, model_kind=args.kind,
        weights_sha256=checkpoint.info.sha256, digit=args.digit, seed=args.seed,
        latent=tuple(float(v) for v in sample_latents(model, 1, args.seed)[0]))
    save_png(args.output, Image.fromarray(grid), provenance)
    print(f"wrote {args.output} ({args.n} samples of digit {args.digit}, seed {args.seed}; "
          f"opening it in the studio goes to the first one)")
    return 0


def draw(args: argparse.Namespace) -> int:
    """DIGITS written by a stroke model (one hand: write_number's style seed) into an SVG of
    single-line pen paths or a PNG that keeps the strokes and what drew them."""
    from studio.export.drawing_record import DrawingRecord, check_drawing_path, save_drawing

    check_drawing_path(args.output)  # before the model loads
    kind, name, path = _pen(args.model)
    from studio.ml.models.default_models import load_model
    from studio.ml.pen.pen_sampler import DEFAULT_TEMPERATURE, write_number

    checkpoint = load_model(kind, path)
    temperature = DEFAULT_TEMPERATURE if args.temperature is None else args.temperature
    drawing = write_number(checkpoint.model, args.digits, style_seed=args.seed,
                           temperature=temperature)
    record = DrawingRecord.of(drawing, model_name=name, model_kind=kind, digits=args.digits,
                              weights_sha256=checkpoint.info.sha256, seed=args.seed,
                              temperature=temperature)
    what = save_drawing(args.output, record, args.size)
    print(f"wrote {args.output} ({args.digits} by {name}, seed {args.seed}, temperature "
          f"{temperature:g}: {sum(map(len, drawing))} strokes as {what})")
    return 0


def _pen(model: str) -> tuple[str, str, Path | None]:
    """--model as (kind, name, path): lstm, transformer (the defaults) or a stroke checkpoint."""
    from studio.ml.errors import CheckpointError
    from studio.ml.models.checkpoints import read_info
    from studio.ml.models.model_kinds import KINDS

    names = {"lstm": "Default LSTM", "transformer": "Default Transformer"}
    if model.lower() in names:
        return f"strokes-{model.lower()}", names[model.lower()], None
    kind = read_info(model).kind
    if not kind.startswith("strokes-"):
        raise CheckpointError(f"{model}: this is a {KINDS[kind].title} checkpoint, not a stroke "
                              "model: --model needs lstm, transformer or a stroke checkpoint")
    return kind, Path(model).stem, Path(model)


def _likeness(checkpoint):
    """The recognizer's digit-likeness fit, as the window uses it to say "unsure" of
    what looks like no digit: kept beside a shipped model, fitted in seconds otherwise."""
    from studio.ml.recognition.likeness_cache import likeness_for

    return likeness_for(checkpoint.model, checkpoint.path, checkpoint.info.sha256, None)


def evaluate(args: argparse.Namespace) -> int:
    from studio.ml.data.digit_datasets import bundled_mnist
    from studio.ml.models.default_models import load_model
    from studio.ml.training.evaluate import evaluate_models, evaluate_wild, evaluate_wild_numbers

    checkpoint = load_model("cnn", args.cnn)
    cnn = checkpoint.model
    report = evaluate_models(cnn, load_model("vae", args.vae).model,
                             load_model("gan", args.gan).model, bundled_mnist())
    numbers = min(args.wild, 200) if args.wild_numbers is None else args.wild_numbers
    likeness = _likeness(checkpoint) if args.wild > 0 or numbers > 0 else None
    if args.wild > 0:  # the recognizer on photos, scans and notebook pages (wild_digits)
        report["wild"] = evaluate_wild(cnn, per_condition=args.wild, likeness=likeness)
    if numbers > 0:  # ...and on pictures of whole numbers (wild_numbers)
        report["wild_numbers"] = evaluate_wild_numbers(cnn, per_condition=numbers,
                                                       likeness=likeness)
    if args.strokes > 0:  # the pen: both stroke models, drawn and read by the CNN
        from studio.ml.strokes.stroke_dataset import bundled_strokes
        from studio.ml.training.evaluate_strokes import evaluate_stroke_model

        test = bundled_strokes()[1]
        report["strokes"] = {
            kind: evaluate_stroke_model(load_model(kind, getattr(args, kind.replace("-", "_")))
                                        .model, cnn, test, per_digit=args.strokes,
                                        completions=10 * args.strokes)
            for kind in ("strokes-lstm", "strokes-transformer")}
    if args.json:
        print(json.dumps(report))
        return 0
    c, v, g = report["classifier"], report["vae"], report["gan"]
    print(f"CNN accuracy          {c['accuracy']:.2%}   (500 test digits)")
    print(f"VAE negative ELBO     {v['neg_elbo']:.1f} nats per image")
    print(f"VAE class fidelity    {v['class_fidelity']:.1%}  (1,000 samples read by the CNN)")
    print(f"GAN class fidelity    {g['class_fidelity']:.1%}")
    print(f"GAN FID (CNN feats)   {g['fid']:.2f}   (floor, train vs test: {g['fid_floor']:.2f})")
    if "strokes" in report:
        _print_strokes_table(report["strokes"], args.strokes)
    if "wild" in report:
        _print_wild_table(report["wild"])
    if "wild_numbers" in report:
        _print_wild_numbers_table(report["wild_numbers"], numbers)
    return 0


def _print_strokes_table(strokes: dict[str, dict], k: int) -> None:
    """The two stroke models side by side."""
    print(f"\nStroke models ({k} drawings per digit; {10 * k} test digits completed from "
          "their first 40%)")
    print(f"{'model':<22}{'fidelity':>9}{'completion':>12}{'NLL/point':>11}{'ms/digit':>10}")
    for kind, row in strokes.items():
        print(f"{kind:<22}{row['class_fidelity']:>9.1%}{row['completion']:>12.1%}"
              f"{row['nll_per_point']:>11.3f}{row['sample_ms']:>10.1f}")


def _print_wild_table(wild: dict[str, dict]) -> None:
    """The wild test set, one row per condition: how often right, how often unsure."""
    n = max(row["n"] for row in wild.values())
    print(f"\nWild test set ({n} test digits per condition, made by code)")
    print(f"{'condition':<16}{'accuracy':>9}{'unsure among wrong':>20}{'unsure among right':>20}")
    for condition, row in wild.items():
        print(f"{condition:<16}{row['accuracy']:>9.1%}{row['unsure_among_wrong']:>20.1%}"
              f"{row['unsure_among_right']:>20.1%}")


def _print_wild_numbers_table(wild: dict[str, dict], n: int) -> None:
    """Wild numbers, one row per condition: read exactly, digits counted right, unsure."""
    print(f"\nWild numbers ({n} numbers of 2 to 6 test digits per condition, made by code)")
    print(f"{'condition':<16}{'exact':>9}{'right count':>13}{'unsure among wrong':>20}"
          f"{'unsure among right':>20}")
    for condition, row in wild.items():
        print(f"{condition:<16}{row['exact']:>9.1%}{row['count']:>13.1%}"
              f"{row['unsure_wrong']:>20.1%}{row['unsure_right']:>20.1%}")


def sonify(args: argparse.Namespace) -> int:
    import numpy as np

    from studio.audio.sonify import SonifySettings
    from studio.audio.sonify import sonify as run
    from studio.audio.wav import write_wav
    from studio.ml.data.image_files import open_image

    settings = SonifySettings(mode=args.mode, duration_s=args.duration, low_hz=args.low,
                              high_hz=args.high, rate=args.rate, scale=args.scale)
    settings.check()  # bad numbers fail before the image is read
    if args.scale and args.mode == "griffinlim":
        print("studio: note: --scale applies to the additive mode only; ignored",
              file=sys.stderr)
    image = open_image(args.image)  # PIL image, any format the studio opens
    brightness = np.asarray(image.convert("L"))  # uint8 [H, W]: white is loud
    samples = run(brightness, settings)
    write_wav(args.output, samples, settings.rate, "float32" if args.float else "pcm16")
    print(f"wrote {args.output} ({settings.duration_s:g} s, {settings.mode}, "
          f"{settings.rate} Hz, {settings.low_hz:g}-{settings.high_hz:g} Hz)")
    return 0
