"""Mixed-precision guards for the DETR detectors: an fp16 overflow clamp, and the detection loss
(Hungarian matching, focal/L1/GIoU terms) computed in fp32 from finite predictions only.

Under fp16 autocast a decoder's feed-forward or attention output can pass 65504 and become inf;
the residual sum and the LayerNorm after it then turn the whole query into NaN (lyuwenyu/RT-DETR
PR #464 clamps the decoder's `tgt` for this; transformers clamps only the encoder layer's output).
A forward hook clamps each such sub-block's fp16 output back into the finite range before it is
added to the residual. bf16 and fp32 outputs are returned untouched (their range is fp32's).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import torch
from torch import nn

FP16_MAX = float(torch.finfo(torch.float16).max)
GUARDED_BLOCKS = ("self_attn", "encoder_attn", "mlp")  # each output is added to a residual


def _clamp_fp16(module: nn.Module, inputs: Any, output: Any) -> Any:
    if isinstance(output, torch.Tensor):
        return output.clamp(-FP16_MAX, FP16_MAX) if output.dtype == torch.float16 else output
    if isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor) and output[0].dtype == torch.float16:
        return (output[0].clamp(-FP16_MAX, FP16_MAX), *output[1:])
    return output


def guard_fp16_overflow(model: nn.Module) -> int:
    """Hook every encoder/decoder layer's attention and feed-forward blocks; returns how many."""
    hooked = 0
    for name, module in model.named_modules():
        kind = type(module).__name__
        if not (kind.endswith("DecoderLayer") or kind.endswith("EncoderLayer")):
            continue
        for block_name in GUARDED_BLOCKS:
            block = getattr(module, block_name, None)
            if isinstance(block, nn.Module) and not getattr(block, "_glovego_fp16_guard", False):
                block.register_forward_hook(_clamp_fp16)
                block._glovego_fp16_guard = True
                hooked += 1
    return hooked


def nan_when_not_finite(loss_function: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a transformers DETR loss: run it in fp32 outside autocast, and give a NaN loss instead
    of an error for non-finite predictions.

    Matching costs and box IoUs in bf16 carry 3 significant digits; in fp32 they match a full-
    precision run. The Hungarian matcher raises `ValueError: boxes1 must be in [x0, y0, x1, y1]`
    on NaN boxes, so one overflowing batch would end the run; with a NaN loss the trainer drops
    and counts the step.
    """

    def guarded(logits: torch.Tensor, labels: Any, device: Any, pred_boxes: torch.Tensor, *args: Any, **kwargs: Any):
        if not predictions_are_finite(logits, pred_boxes, *args, *kwargs.values()):
            return logits.float().sum() * math.nan, {}, None
        with torch.autocast(logits.device.type, enabled=False):
            return loss_function(_fp32(logits), labels, device, _fp32(pred_boxes), *map(_fp32, args),
                                 **{k: _fp32(v) for k, v in kwargs.items()})

    return guarded


def _fp32(value: Any) -> Any:
    if isinstance(value, torch.Tensor) and value.is_floating_point() and value.dtype != torch.float32:
        return value.float()
    return value


def predictions_are_finite(*values: Any) -> bool:
    """True when every floating-point tensor among `values` is finite (one device sync)."""
    checks = [torch.isfinite(v).all() for v in values if isinstance(v, torch.Tensor) and v.is_floating_point()]
    return bool(torch.stack(checks).all()) if checks else True
