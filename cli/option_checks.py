"""Typer callbacks for option values that a type alone does not check: a bad value is a usage error
naming the option, not a traceback from deep inside a library."""

from __future__ import annotations

from typing import Callable, Optional

import typer


def one_of(*choices: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in choices:
            raise typer.BadParameter(f"'{value}' is not one of {', '.join(choices)}")
        return value

    return check


def available_device(value: Optional[str]) -> Optional[str]:
    """`cpu`, `cuda`, `cuda:N`, `mps` — and present on this machine."""
    if value is None:
        return None
    import torch

    try:
        device = torch.device(value)
    except (RuntimeError, ValueError):
        raise typer.BadParameter(f"'{value}' is not a device (cpu, cuda, cuda:1, mps)") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise typer.BadParameter(f"'{value}': this machine has no usable CUDA GPU (torch {torch.__version__})")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise typer.BadParameter(f"'{value}': only {torch.cuda.device_count()} CUDA device(s) here")
    elif device.type == "mps" and not torch.backends.mps.is_available():
        raise typer.BadParameter(f"'{value}': MPS is not available on this machine")
    elif device.type not in ("cpu", "cuda", "mps"):
        raise typer.BadParameter(f"'{value}' is not a device (cpu, cuda, cuda:1, mps)")
    return value
