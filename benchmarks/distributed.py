"""Steps per second of `studio train`'s loop on 1 and 2 torchrun processes (gloo, CPU).

Each configuration is launched by torchrun, as a user launches `studio train`, and runs
one epoch of KIND on 2,048 bundled digits with a global batch of 64 (32 steps); the rate
is timed from the first step's report to the last, so process start, data loading and
the end-of-epoch evaluation are left out. Every configuration is measured twice.

    .venv/bin/python benchmarks/distributed.py [--kinds cnn vae] [--images 2048]

The last line is JSON: {kind: {config: [steps/s, steps/s]}}.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

CONFIGS = {  # name: (processes, torch threads per process)
    "1 process x 1 thread": (1, 1),
    "1 process x 2 threads": (1, 2),
    "2 processes x 1 thread": (2, 1),
}


def worker(kind: str, images: int) -> None:
    """One rank: train one epoch, print steps/s (rank 0 only) as JSON."""
    import numpy as np
    import torch

    from studio.ml.data.digit_datasets import ImageSet, Splits, bundled_mnist
    from studio.ml.training.training_loop import default_settings, train

    torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))
    data = bundled_mnist()
    pick = np.random.default_rng(0).permutation(len(data.train))[:images]
    data = Splits(ImageSet(data.train.images[pick], data.train.labels[pick]), data.test, "bench")
    settings = default_settings(kind, epochs=1, batch_size=64, device="cpu", report_every_s=0.0)
    steps = [(p.step, p.elapsed_s) for p in train(settings, data) if p.event == "step"]
    (s0, t0), (s1, t1) = steps[0], steps[-1]
    if os.environ.get("RANK", "0") == "0":
        print(json.dumps({"steps_per_s": (s1 - s0) / (t1 - t0)}))


def measure(kind: str, processes: int, threads: int, images: int) -> float:
    torchrun = Path(sys.executable).parent / "torchrun"
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    out = subprocess.run([str(torchrun), "--nproc-per-node", str(processes), "--standalone",
                          __file__, "--worker", kind, "--images", str(images)],
                         capture_output=True, text=True, env=env, check=True, timeout=600)
    return json.loads(out.stdout.strip().splitlines()[-1])["steps_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=["cnn", "vae"])
    parser.add_argument("--images", type=int, default=2048)
    parser.add_argument("--worker", metavar="KIND", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.images)
        return
    result: dict[str, dict[str, list[float]]] = {}
    for kind in args.kinds:
        result[kind] = {}
        for name, (processes, threads) in CONFIGS.items():
            rates = [measure(kind, processes, threads, args.images) for _ in range(2)]
            result[kind][name] = [round(r, 2) for r in rates]
            print(f"{kind:4} {name:24} " + "  ".join(f"{r:6.2f} steps/s" for r in rates),
                  flush=True)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
