"""EHOI losses on Hungarian-matched and denoising queries, each masked per sample and instance (§2.3)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

TargetDict = dict[str, torch.Tensor]


@dataclass
class MatchedPairs:
    """Query ↔ target pairs over the whole batch; query indices count denoising queries first."""

    batch: torch.Tensor  # [N]
    query: torch.Tensor  # [N] index into the full (denoising + matching) query axis
    target: torch.Tensor  # [N] index into the concatenated targets of the batch

    def __len__(self) -> int:
        return int(self.batch.numel())


def collect_pairs(
    indices: list[tuple[torch.Tensor, torch.Tensor]], targets: list[TargetDict], query_offset: int
) -> MatchedPairs:
    """Flatten per-image (query_idx, target_idx) lists into batch-wide index tensors."""
    device = targets[0]["boxes"].device
    batch, query, target = [], [], []
    start = 0
    for b, ((q_idx, t_idx), t) in enumerate(zip(indices, targets)):
        batch.append(torch.full_like(q_idx, b, device=device))
        query.append(q_idx.to(device) + query_offset)
        target.append(t_idx.to(device) + start)
        start += len(t["class_labels"])
    empty = torch.zeros(0, dtype=torch.long, device=device)
    return MatchedPairs(
        torch.cat(batch) if batch else empty, torch.cat(query) if query else empty,
        torch.cat(target) if target else empty,
    )


def merge_pairs(a: MatchedPairs, b: MatchedPairs) -> MatchedPairs:
    return MatchedPairs(torch.cat([a.batch, b.batch]), torch.cat([a.query, b.query]), torch.cat([a.target, b.target]))


def concat_targets(targets: list[TargetDict], key: str) -> torch.Tensor:
    return torch.cat([t[key] for t in targets], dim=0)


def masked_bce(logits: torch.Tensor, labels: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """Mean BCE over `keep`; an exact zero (still in the graph) when nothing is kept."""
    if not bool(keep.any()):
        return logits.sum() * 0.0
    return F.binary_cross_entropy_with_logits(logits[keep].float(), labels[keep].float())


def masked_l1(pred: torch.Tensor, target: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    if not bool(keep.any()):
        return pred.sum() * 0.0
    return F.l1_loss(pred[keep].float(), target[keep].float())


def mask_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """BCE + dice between mask logits [N, h, w] and soft targets [N, h, w]."""
    if logits.shape[0] == 0:
        return logits.sum() * 0.0
    logits = logits.float()
    bce = F.binary_cross_entropy_with_logits(logits, target)
    prob = torch.sigmoid(logits).flatten(1)
    flat = target.flatten(1)
    dice = 1.0 - (2.0 * (prob * flat).sum(1) + 1.0) / (prob.sum(1) + flat.sum(1) + 1.0)
    return bce + dice.mean()


def downsample_masks(masks: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Binary masks [N, H, W] → soft coverage [N, h, w]."""
    if masks.shape[0] == 0:
        return masks.new_zeros((0, *size), dtype=torch.float32)
    return F.adaptive_avg_pool2d(masks[:, None].float(), size)[:, 0]


def depth_loss(pred: torch.Tensor, targets: list[TargetDict]) -> torch.Tensor:
    """L1 between predicted depth [B, 1, h, w] and each image's valid target pixels (0 = invalid)."""
    losses = []
    size = pred.shape[-2:]
    for b, t in enumerate(targets):
        depth = t.get("depth")
        if depth is None or depth.numel() == 0:
            continue
        valid = (depth > 0).float()[None, None]
        weight = F.adaptive_avg_pool2d(valid, size)
        mean = F.adaptive_avg_pool2d(depth[None, None].float() * valid, size) / weight.clamp(min=1e-6)
        keep = weight > 0.5
        if bool(keep.any()):
            losses.append(F.l1_loss(pred[b : b + 1].float()[keep], mean[keep]))
    if not losses:
        return pred.sum() * 0.0
    return torch.stack(losses).mean()
