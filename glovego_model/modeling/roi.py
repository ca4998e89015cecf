"""Our own RoIAlign on `grid_sample` and the keypoint heatmap drawn in the same crop frame (§2.5)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def padded_boxes_xyxy(boxes_cxcywh: torch.Tensor, pad: float) -> torch.Tensor:
    """Normalised cxcywh boxes grown by `pad` of their size on every side, as normalised xyxy."""
    half = boxes_cxcywh[..., 2:] * (0.5 + pad)
    return torch.cat([boxes_cxcywh[..., :2] - half, boxes_cxcywh[..., :2] + half], dim=-1)


def crop_grid(boxes_xyxy: torch.Tensor, size: int) -> torch.Tensor:
    """Sampling grid [N, size, size, 2] (grid_sample's −1..1 convention) of cell centres in each box."""
    steps = (torch.arange(size, device=boxes_xyxy.device, dtype=boxes_xyxy.dtype) + 0.5) / size
    x = boxes_xyxy[:, 0:1] + steps[None] * (boxes_xyxy[:, 2:3] - boxes_xyxy[:, 0:1])
    y = boxes_xyxy[:, 1:2] + steps[None] * (boxes_xyxy[:, 3:4] - boxes_xyxy[:, 1:2])
    grid = torch.stack([x[:, None, :].expand(-1, size, -1), y[:, :, None].expand(-1, -1, size)], dim=-1)
    return grid * 2.0 - 1.0


def roi_align(maps: torch.Tensor, boxes_xyxy: torch.Tensor, size: int) -> torch.Tensor:
    """Bilinear crops [N, C, size, size] of `maps` [N, C, H, W] (one map per box) in normalised boxes."""
    grid = crop_grid(boxes_xyxy, size).to(maps.dtype)
    return F.grid_sample(maps, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def keypoint_heatmap(
    keypoints: torch.Tensor, boxes_xyxy: torch.Tensor, size: int, sigma: float = 1.5
) -> torch.Tensor:
    """[N, 1, size, size]: max over points of a Gaussian (σ in crop pixels) at each normalised keypoint."""
    span = (boxes_xyxy[:, 2:] - boxes_xyxy[:, :2]).clamp(min=1e-6)
    local = (keypoints - boxes_xyxy[:, None, :2]) / span[:, None, :] * size - 0.5  # crop pixel index
    coords = torch.arange(size, device=keypoints.device, dtype=keypoints.dtype)
    dx = coords[None, None, None, :] - local[..., 0, None, None]
    dy = coords[None, None, :, None] - local[..., 1, None, None]
    gauss = torch.exp(-(dx**2 + dy**2) / (2.0 * sigma**2))
    return gauss.amax(dim=1, keepdim=True)
