"""The EHOI heads: small modules, one per task, so each can be frozen on its own (§2.3, §2.8)."""

from __future__ import annotations

import torch
from torch import nn


class EhoiBatchNorm2d(nn.BatchNorm2d):
    """A BatchNorm of an EHOI head: initialised γ = 1, β = 0 (transformers draws γ ~ N(0, 0.01))."""


class QueryMLP(nn.Module):
    """d → d → out on decoder query states."""

    def __init__(self, d_model: int, out_features: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(d_model, d_model), nn.ReLU(), nn.Linear(d_model, out_features))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.layers(hidden)


class ContactCropCNN(nn.Module):
    """4 stride-2 conv stages (32, 64, 96, 128), BN, ReLU, global pooling, linear → 1 logit (§2.5)."""

    def __init__(self, in_channels: int) -> None:
        super().__init__()
        stages: list[nn.Module] = []
        channels = in_channels
        for width in (32, 64, 96, 128):
            stages += [nn.Conv2d(channels, width, 3, stride=2, padding=1, bias=False), EhoiBatchNorm2d(width), nn.ReLU()]
            channels = width
        self.stages = nn.Sequential(*stages)
        self.classifier = nn.Linear(channels, 1)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.stages(crops).mean(dim=(2, 3))).squeeze(-1)


def dense_branch(channels: int, out_channels: int, width: int = 64) -> nn.Sequential:
    """1×1 squeeze, one 3×3 conv, 1×1 projection: dense heads stay cheap at stride 8."""
    return nn.Sequential(
        nn.Conv2d(channels, width, 1), nn.ReLU(), nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
        nn.Conv2d(width, out_channels, 1),
    )


class DepthHead(nn.Module):
    """Dense depth at stride 8 from the encoder's finest map: sigmoid → depth ÷ range."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.layers = dense_branch(channels, 1)

    def forward(self, feature: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.layers(feature))


class MaskHead(nn.Module):
    """Per-query masks as `query_embed · pixel_embed` on the stride-8 map."""

    def __init__(self, channels: int, d_model: int, mask_dim: int) -> None:
        super().__init__()
        self.pixel_embed = dense_branch(channels, mask_dim)
        self.query_embed = QueryMLP(d_model, mask_dim)

    def forward(self, hidden: torch.Tensor, feature: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bqc,bchw->bqhw", self.query_embed(hidden), self.pixel_embed(feature))


class KeypointHead(nn.Module):
    """21 × (x, y) inside the detached predicted box grown by `pad` per side, plus visibility logits."""

    def __init__(self, d_model: int, num_keypoints: int, pad: float) -> None:
        super().__init__()
        self.num_keypoints = num_keypoints
        self.pad = pad
        self.mlp = QueryMLP(d_model, num_keypoints * 3)

    def forward(self, hidden: torch.Tensor, boxes: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw = self.mlp(hidden).unflatten(-1, (self.num_keypoints, 3))
        frame = boxes.detach()
        wh = frame[..., 2:] * (1.0 + 2.0 * self.pad)
        origin = frame[..., :2] - wh / 2.0
        xy = origin.unsqueeze(-2) + torch.sigmoid(raw[..., :2]) * wh.unsqueeze(-2)
        return xy, raw[..., 2]
