"""AdamW parameter groups and learning-rate schedules of detector.md §2.9."""

from __future__ import annotations

import math
from typing import Callable

import torch
from torch import nn


def param_groups(model: nn.Module, lr: float, weight_decay: float = 1e-4,
                 backbone_lr_scale: float = 0.1) -> list[dict]:
    """Four groups: (backbone or not) × (decayed or not). Norms and biases get no weight decay."""
    norm_params = {id(p) for m in model.modules()
                   if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm))
                   for p in m.parameters(recurse=False)}
    groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        backbone = ".backbone." in f".{name}"
        decay = param.ndim > 1 and id(param) not in norm_params
        groups.setdefault((backbone, decay), []).append(param)
    out = []
    for (backbone, decay), params in sorted(groups.items()):
        out.append({"params": params, "lr": lr * (backbone_lr_scale if backbone else 1.0),
                    "weight_decay": weight_decay if decay else 0.0,
                    "name": f"{'backbone' if backbone else 'rest'}_{'decay' if decay else 'no_decay'}"})
    return out


def lr_multiplier(schedule: str, warmup: int, total: int, min_ratio: float = 0.1) -> Callable[[int], float]:
    """`step`: ×0.1 at 50 % and 75 % of training (the reference's 40k/60k of 80k);
    `cosine`: cosine from 1 to `min_ratio`; both after a linear warm-up."""
    if schedule not in ("step", "cosine", "constant"):
        raise ValueError(f"unknown schedule '{schedule}'")

    def factor(step: int) -> float:
        if warmup > 0 and step < warmup:
            return (step + 1) / warmup
        if schedule == "constant":
            return 1.0
        if schedule == "step":
            return 1.0 if step < 0.5 * total else (0.1 if step < 0.75 * total else 0.01)
        progress = min(1.0, (step - warmup) / max(1, total - warmup))
        return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


def build_optimizer(model: nn.Module, lr: float, weight_decay: float, backbone_lr_scale: float) -> torch.optim.Optimizer:
    return torch.optim.AdamW(param_groups(model, lr, weight_decay, backbone_lr_scale), lr=lr, betas=(0.9, 0.999))


class ModelEMA:
    """Exponential moving average of the weights (decay ramps up as in RT-DETR's recipe).

    Checkpointed by the trainer as `ema.safetensors` + `updates` in trainer_state.json, not
    registered with accelerate: its custom-object checkpoints would run code from a file on resume."""

    def __init__(self, model: nn.Module, decay: float = 0.9999, warmups: int = 2000) -> None:
        import copy

        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self.decay, self.warmups, self.updates = decay, warmups, 0

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = self.decay * (1 - math.exp(-self.updates / self.warmups))
        source = model.state_dict()
        for key, value in self.module.state_dict().items():
            if value.dtype.is_floating_point:
                value.mul_(d).add_(source[key].detach(), alpha=1 - d)
            else:
                value.copy_(source[key])
