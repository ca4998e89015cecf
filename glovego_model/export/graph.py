"""The exported graph: detector, EHOI heads and `select_topk` as one module with fixed outputs."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from glovego_model.inference.postprocess import MASK_NAME, MAX_DETECTIONS, TOPK_NAMES, select_topk

INPUT_NAME = "pixel_values"


def output_names(config: Any) -> list[str]:
    """The graph's outputs in order; `mask_logits` only for models with a mask head."""
    return list(TOPK_NAMES) + ([MASK_NAME] if getattr(config, "ehoi_use_mask", False) else [])


class DetectorGraph(nn.Module):
    """`pixel_values` [B, 3, H, W] (RGB / 255, already resized to H × W) → the top-k outputs.

    Outputs are a tuple in `output_names` order, every floating output float32 whatever the
    weights' precision, so an fp16 file keeps the fp32 file's contract.
    """

    def __init__(self, model: nn.Module, image_size: tuple[int, int], max_detections: int = MAX_DETECTIONS) -> None:
        super().__init__()
        self.model = model.eval()
        self.config = model.config
        self.height, self.width = int(image_size[0]), int(image_size[1])
        self.max_detections = max_detections
        self.names = output_names(self.config)
        self.eval()

    def forward(self, pixel_values: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outputs = self.model(pixel_values)
        topk = select_topk(self.config, outputs, (self.width, self.height), self.max_detections,
                           with_masks=MASK_NAME in self.names)
        return tuple(topk[name] for name in self.names)
