"""Optimizer state as flat tensors, so a checkpoint can carry it in safetensors.

Resuming a run should continue the optimizer too: Adam's moment estimates take
hundreds of steps to rebuild, and the VAE's Adam (beta2 = 0.999) takes thousands.
torch's optimizer state_dict is nested Python objects (pickle-only); the tensors in
it are flattened under "optimizer.<name>.<param index>.<key>", and the rest (learning
rates, betas) comes back from the recipe that builds the optimizer anyway.
"""

from __future__ import annotations

import logging

import torch

PREFIX = "optimizer."
log = logging.getLogger(__name__)


def flatten(optimizers: dict[str, torch.optim.Optimizer]) -> dict[str, torch.Tensor]:
    """Every tensor of every optimizer's state, on the CPU, under a dotted name."""
    flat = {}
    for name, opt in optimizers.items():
        for index, state in opt.state_dict()["state"].items():
            for key, value in state.items():
                if isinstance(value, torch.Tensor):
                    flat[f"{PREFIX}{name}.{index}.{key}"] = value.detach().cpu().contiguous()
    return flat


def restore(optimizers: dict[str, torch.optim.Optimizer],
            tensors: dict[str, torch.Tensor]) -> bool:
    """Load `tensors` (from `flatten`) into freshly built optimizers of the same recipe.

    Returns False, leaving every optimizer fresh, when the state does not fit (another
    recipe, a hand-edited file): a resumed run then restarts its optimizer, as before.
    """
    loaded = {}
    for name, opt in optimizers.items():
        fresh = opt.state_dict()
        params = [p for group in opt.param_groups for p in group["params"]]
        indices = [i for group in fresh["param_groups"] for i in group["params"]]
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in tensors.items():
            parts = key[len(PREFIX):].split(".") if key.startswith(PREFIX) else []
            if len(parts) != 3 or parts[0] != name or not parts[1].isdigit():
                continue
            state.setdefault(int(parts[1]), {})[parts[2]] = value
        for index, entry in state.items():
            if index not in indices:
                return _fresh(f"{name}: no parameter {index}")
            param = params[indices.index(index)]
            for key, value in entry.items():
                if value.dim() > 0 and value.shape != param.shape:
                    return _fresh(f"{name}.{index}.{key} has shape {tuple(value.shape)}, "
                                  f"the parameter {tuple(param.shape)}")
        loaded[name] = {"state": state, "param_groups": fresh["param_groups"]}
    for name, opt in optimizers.items():
        opt.load_state_dict(loaded[name])  # torch moves the moments to the params' device
    return True


def _fresh(problem: str) -> bool:
    log.warning("optimizer state not restored (%s); the optimizer starts fresh", problem)
    return False
