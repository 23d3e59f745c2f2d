"""`studio train KIND`: one training run with a progress bar, alone or as a torchrun rank.

Launched plainly it trains in this process; launched by torchrun it joins the process
group first (studio.ml.training.distributed) and only rank 0 prints, shows the bar and
writes the checkpoint, so N processes look like one run. Kept out of commands.py for
its size: the resume, the judge and the three ways a run ends (done, Ctrl-C, a lost rank).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported inside train(), for a fast `studio --help`
    import torch

    from studio.ml.training.distributed import DistContext


def train(args: argparse.Namespace) -> int:
    """Train with a progress bar; under torchrun, one rank of a DDP run (see README)."""
    from studio.ml.training.distributed import start, stop

    ctx, device = start(args.device)  # joins torchrun's group; a bad --device fails here
    try:
        return _train(args, ctx, device)
    finally:
        stop()


def _train(args: argparse.Namespace, ctx: DistContext, device: torch.device) -> int:
    from tqdm import tqdm

    from studio.ml.data.dataset_loader import load_data
    from studio.ml.errors import StudioError
    from studio.ml.models.default_models import load_model
    from studio.ml.training.training_loop import default_settings
    from studio.ml.training.training_loop import train as run
    from studio.ml.training.training_plan import resume_state

    say = ctx.is_main  # other ranks stay silent: one bar, one log, one checkpoint
    settings = default_settings(args.kind, epochs=args.epochs, batch_size=args.batch_size,
                                lr=args.lr, latent_dim=args.latent_dim, seed=args.seed,
                                device=args.device)
    data = load_data(args.data)
    init, start_epoch, init_optimizer = None, 0, None
    if args.resume is not None:
        settings, init, start_epoch, init_optimizer = resume_state(args.resume, settings, data)
    out_dir = args.out or Path("runs") / f"{args.kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    out = out_dir / f"{args.kind}.safetensors"
    judge = None
    if args.kind != "cnn" and data.num_classes == 10:
        try:
            judge = load_model("cnn", device=device).model
        except StudioError as e:
            if say:
                print(f"studio: note: class fidelity not measured ({e})", file=sys.stderr)
    if say:
        ranks = f" on {ctx.world_size} processes" if ctx.active else ""
        print(f"training {args.kind} on {data.name} ({len(data.train)} train / "
              f"{len(data.test)} test images) for {settings.epochs} epochs{ranks} -> {out}",
              file=sys.stderr)
    last = None
    with tqdm(total=settings.epochs * (len(data.train) // settings.batch_size), unit="step",
              dynamic_ncols=True, file=sys.stderr, disable=not say) as bar:
        try:
            for p in run(settings, data, out=out, judge=judge, init=init,
                         start_epoch=start_epoch, init_optimizer=init_optimizer):
                bar.update(p.step - bar.n)
                shown = {**p.losses, **p.metrics}
                bar.set_postfix_str(f"epoch {p.epoch}/{p.epochs} " + " ".join(
                    f"{k}={v:.4g}" for k, v in shown.items()), refresh=False)
                if p.event == "epoch":
                    last = p.checkpoint
                    if say:
                        bar.write(f"epoch {p.epoch}: " + ", ".join(
                            f"{k} {v:.4f}" for k, v in p.metrics.items()), file=sys.stderr)
        except KeyboardInterrupt:
            bar.close()
            if say:
                kept = f"last checkpoint: {last}" if last else \
                    "no epoch had finished, nothing saved"
                print(f"studio: training stopped; {kept}", file=sys.stderr)
            return 130
        except RuntimeError as e:  # a collective failed: another rank died or timed out
            if not ctx.active:
                raise
            bar.close()
            kept = f"last checkpoint: {last}" if last else "no epoch had finished"
            print(f"studio: rank {ctx.rank}: lost the other processes "
                  f"({str(e).splitlines()[0][:200]}); {kept}", file=sys.stderr)
            return 1
    if not say:
        return 0
    if last is not None:  # the studio then loads this model without computing these
        kept = None
        if args.kind == "cnn":
            from studio.ml.recognition.likeness_cache import keep_beside

            kept = keep_beside(last)
        elif args.kind in ("vae", "gan"):
            from studio.ml.latent.latent_basis import keep_basis_beside

            kept = keep_basis_beside(last)
        if kept is not None:
            print(f"kept what the studio derives from it in {kept}", file=sys.stderr)
    print(f"saved {last}")
    return 0

