"""Skip-and-count for optimizer steps whose loss or gradient is not finite.

One NaN batch (an overflow under AMP, a corrupt frame) must not end a long run, nor corrupt it:
the step is dropped before `backward`/`optimizer.step`, and the buffers the forward pass moved
(BatchNorm running statistics) are put back, so the weights and buffers leave the step unchanged.
Every process takes the same decision (the flag is summed over processes), so DDP never hangs on a
backward that only some ranks run.
"""

from __future__ import annotations

import math
from typing import Any

import torch

MAX_CONSECUTIVE_SKIPS = 20  # that many dropped steps in a row is divergence, not a bad batch


class FiniteStepGuard:
    """Tracks one optimizer step (all its micro-batches) at a time; `skipped` counts dropped steps."""

    def __init__(self, model: torch.nn.Module, accelerator: Any, skipped: int = 0) -> None:
        self.accelerator = accelerator
        self.buffers = [b for b in model.buffers() if b is not None]
        self.snapshot: list[torch.Tensor] | None = None
        self.skipped = skipped
        self.consecutive = 0
        self.step_is_bad = False
        self.last_loss_finite = True
        self.last_step_skipped = False
        self._new_step = True

    def before_forward(self) -> None:
        """At the first micro-batch of a step, remember the buffers the forward pass will update."""
        if not self._new_step:
            return
        self._new_step = False
        self.step_is_bad = False
        if not self.buffers:
            return
        if self.snapshot is None:
            self.snapshot = [b.detach().clone() for b in self.buffers]
        else:
            torch._foreach_copy_(self.snapshot, [b.detach() for b in self.buffers])

    def loss_is_finite(self, loss: torch.Tensor) -> bool:
        """True when every process's loss is finite; False marks the whole step as dropped."""
        bad = (~torch.isfinite(loss.detach())).to(torch.float32).reshape(1)
        if self.accelerator.num_processes > 1:
            bad = self.accelerator.reduce(bad, reduction="sum")
        self.last_loss_finite = bool(bad.item() == 0)
        if not self.last_loss_finite:
            self.step_is_bad = True
        return self.last_loss_finite and not self.step_is_bad

    def commit(self, grad_norm: torch.Tensor | float | None, *, scaled: bool) -> bool:
        """At the step's last micro-batch: whether to call `optimizer.step()`.

        With an fp16 GradScaler a non-finite gradient is the scaler's job (it skips the update and
        lowers the scale, which must happen or the scale never recovers): counted, still stepped.
        """
        self._new_step = True
        grad_finite = grad_norm is None or math.isfinite(float(grad_norm))
        if not self.step_is_bad and grad_finite:
            self.consecutive = 0
            self.last_step_skipped = False
            return True
        self.skipped += 1
        self.consecutive += 1
        self.last_step_skipped = True
        if self.step_is_bad or not scaled:
            self._restore()
            return False
        return True

    def _restore(self) -> None:
        if self.snapshot is not None:
            with torch.no_grad():
                torch._foreach_copy_([b.data for b in self.buffers], self.snapshot)
