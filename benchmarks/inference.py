"""Batch-1 CPU latency of the default models, as live recognition and sliders use them.

Each model runs in eval mode under torch.inference_mode with one input at a time, the
way the GUI calls it on every stroke or slider move. Prints one line per model, then a
JSON object on the last line: {"cnn": {"median_ms", "p95_ms"}, "vae_decoder": ...,
"gan_generator": ...}.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

import torch

from studio.ml.models.default_models import load_model

WARMUP, RUNS = 20, 300


def time_ms(fn: Callable[[], object]) -> dict[str, float]:
    for _ in range(WARMUP):
        fn()
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 3),
            "p95_ms": round(samples[int(0.95 * len(samples)) - 1], 3)}


def main() -> None:
    cnn = load_model("cnn").model
    vae = load_model("vae").model
    gan = load_model("gan").model
    x = torch.rand(1, 1, 28, 28)  # [1, 1, 28, 28]
    y = torch.tensor([3])
    z_vae = torch.randn(1, vae.config.latent_dim)
    z_gan = torch.randn(1, gan.config.latent_dim)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU, batch 1, "
          f"{RUNS} runs after {WARMUP} warm-up")
    results = {}
    with torch.inference_mode():
        for name, fn in (("cnn", lambda: cnn(x)),
                         ("vae_decoder", lambda: vae.decode(z_vae, y)),
                         ("gan_generator", lambda: gan.generator(z_gan, y))):
            results[name] = time_ms(fn)
            print(f"{name:14s} median {results[name]['median_ms']:.3f} ms, "
                  f"p95 {results[name]['p95_ms']:.3f} ms")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
