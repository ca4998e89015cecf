"""From an augmented `Sample` to the model's input tensor and target dict (normalised coordinates)."""

from __future__ import annotations

import numpy as np
import torch

from glovego_model.data.transforms import Sample


def pixel_tensor(image: np.ndarray) -> torch.Tensor:
    """RGB / 255, no mean/std (the RT-DETR checkpoints' convention), [3, H, W] float32."""
    return torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float().div_(255.0)


def sample_targets(sample: Sample, depth_range_m: float) -> dict[str, torch.Tensor]:
    """Target dict with the keys the detector's losses read (detector.md §2.4).

    Offsets are recomputed from the (augmented) boxes, never read from the JSON.
    """
    width, height = sample.size
    scale = np.array([width, height, width, height], dtype=np.float32)
    boxes = sample.boxes.astype(np.float32) / scale
    boxes = boxes.clip(0.0, 1.0)
    centres = (boxes[:, :2] + boxes[:, 2:]) / 2.0
    cxcywh = np.concatenate([centres, boxes[:, 2:] - boxes[:, :2]], axis=1)
    n = len(boxes)
    offset = np.zeros((n, 2), dtype=np.float32)
    offset_valid = (sample.active >= 0) & sample.is_hand & (sample.contact == 1)
    rows = np.flatnonzero(offset_valid)
    offset[rows] = centres[sample.active[rows]] - centres[rows]
    kp = sample.keypoints
    keypoints = np.stack([(kp[..., 0] + 0.5) / width, (kp[..., 1] + 0.5) / height], axis=-1).astype(np.float32)
    kp_vis = np.where(sample.is_hand[:, None], kp[..., 2], 0).astype(np.int64)
    if sample.masks is not None:
        masks = torch.from_numpy(sample.masks.astype(np.uint8))
    else:
        masks = torch.zeros((n, 1, 1), dtype=torch.uint8)
    depth = (torch.from_numpy(np.ascontiguousarray(sample.depth / depth_range_m).clip(0.0, 1.0)).float()
             if sample.depth is not None else torch.zeros(0))
    return {
        "class_labels": torch.from_numpy(sample.labels.astype(np.int64)),
        "boxes": torch.from_numpy(cxcywh.astype(np.float32)).reshape(n, 4),
        "is_hand": torch.from_numpy(sample.is_hand.astype(bool)),
        "side": torch.from_numpy(sample.side.astype(np.int64)),
        "contact": torch.from_numpy(sample.contact.astype(np.int64)),
        "glove": torch.from_numpy(sample.glove.astype(np.int64)),
        "offset": torch.from_numpy(offset),
        "offset_valid": torch.from_numpy(offset_valid),
        "keypoints": torch.from_numpy(keypoints).reshape(n, -1, 2),
        "kp_vis": torch.from_numpy(kp_vis).reshape(n, -1),
        "masks": masks,
        "mask_valid": torch.from_numpy(sample.mask_valid.astype(bool) & (sample.masks is not None)),
        "depth": depth,
    }


def labels_to(labels: list[dict[str, torch.Tensor]], device: torch.device | str) -> list[dict[str, torch.Tensor]]:
    return [{k: v.to(device, non_blocking=True) for k, v in t.items()} for t in labels]
