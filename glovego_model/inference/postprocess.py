"""Model outputs → `ImageDetections` in original-image pixels (detector.md §2.7)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from glovego_data.masks import mask_to_rle
from glovego_model.detections import ImageDetections
from glovego_model.modeling.config import crop_channels, ehoi_setting, parse_contact_modality

MAX_DETECTIONS = 100
MIN_SCORE = 0.05


def contact_probability(config: Any, mlp_logits: torch.Tensor, crop_logits: torch.Tensor | None) -> torch.Tensor:
    """P(contact) per query: query MLP alone for `rgb`; with a crop branch, the crop CNN alone or,
    with `fusion`, the mean of both sigmoids (§2.5). Queries without a crop fall back to the MLP."""
    mlp = torch.sigmoid(mlp_logits.float())
    if crop_logits is None or not crop_channels(config):
        return mlp
    crop = torch.sigmoid(crop_logits.float())
    fused = (mlp + crop) / 2.0 if "fusion" in parse_contact_modality(ehoi_setting(config, "ehoi_contact_modality")) else crop
    return torch.where(torch.isnan(crop_logits), mlp, fused)


def exclusive_hand_scores(scores: torch.Tensor, hand_label: int) -> torch.Tensor:
    """[Q, C] scores where a query is either a hand or an object, by its best class.

    RT-DETR scores every class of a query; a hand query's weaker object-class entries would be
    object detections lying exactly on the hand (IoU 1), and the association rule (its 0.45·IoU term)
    then picks the hand itself as its own active object. Object queries keep their multi-label
    entries among object classes.
    """
    is_hand_query = scores.argmax(-1) == hand_label
    out = scores.clone()
    out[is_hand_query, :hand_label] = 0.0
    out[~is_hand_query, hand_label] = 0.0
    return out



def postprocess(
    config: Any, outputs: Any, image_ids: list, sizes: list[tuple[int, int]], *,
    max_detections: int = MAX_DETECTIONS, min_score: float = MIN_SCORE, with_masks: bool = False,
) -> list[ImageDetections]:
    """Top `max_detections` (query, class) pairs per image with score ≥ `min_score`; `sizes` = (W, H)."""
    hand_label = len(config.id2label) - 1
    scores_all = torch.sigmoid(outputs.logits.float())
    contact_all = contact_probability(config, outputs.contact_logits, outputs.contact_crop_logits)
    num_classes = scores_all.shape[-1]
    results = []
    for b, (image_id, (width, height)) in enumerate(zip(image_ids, sizes)):
        flat = exclusive_hand_scores(scores_all[b], hand_label).flatten()
        k = min(max_detections, flat.numel())
        top_scores, top_idx = flat.topk(k)
        keep = top_scores >= min_score
        top_scores, top_idx = top_scores[keep], top_idx[keep]
        query = top_idx // num_classes
        labels = top_idx % num_classes
        boxes = outputs.pred_boxes[b, query].float()
        scale = torch.tensor([width, height, width, height], dtype=boxes.dtype, device=boxes.device)
        xywh = torch.cat([boxes[:, :2] - boxes[:, 2:] / 2, boxes[:, 2:]], dim=1) * scale
        is_hand = (labels == hand_label).cpu().numpy()
        n = len(query)

        def hand_only(values: np.ndarray) -> np.ndarray:
            out = np.full(values.shape, np.nan, dtype=np.float64)
            out[is_hand] = values[is_hand]
            return out

        side = hand_only(torch.sigmoid(outputs.side_logits[b, query].float()).cpu().numpy())
        glove = hand_only(torch.sigmoid(outputs.glove_logits[b, query].float()).cpu().numpy())
        contact = hand_only(contact_all[b, query].cpu().numpy())
        delta = outputs.offsets[b, query].float().cpu().numpy() * np.array([width, height])
        norm = np.linalg.norm(delta, axis=1)
        unit = np.divide(delta, norm[:, None], out=np.zeros_like(delta), where=norm[:, None] > 0)
        offsets = hand_only(np.concatenate([unit, (norm / math.hypot(width, height))[:, None]], axis=1))
        kp_xy = outputs.keypoints[b, query].float().cpu().numpy() * np.array([width, height]) - 0.5
        kp_v = torch.sigmoid(outputs.keypoint_logits[b, query].float()).cpu().numpy()
        keypoints = hand_only(np.concatenate([kp_xy, kp_v[..., None]], axis=-1))
        masks = None
        if with_masks and outputs.mask_logits is not None and n:
            logits = F.interpolate(outputs.mask_logits[b, query][None].float(), size=(height, width), mode="bilinear",
                                   align_corners=False)[0]
            masks = [mask_to_rle(m, *m.shape) for m in (logits > 0).cpu().numpy()]
        results.append(ImageDetections(
            image_id=image_id, width=int(width), height=int(height),
            boxes_xywh=xywh.cpu().numpy().astype(np.float64), scores=top_scores.cpu().numpy().astype(np.float64),
            category_ids=labels.cpu().numpy().astype(np.int64), side_prob=side, contact_prob=contact,
            glove_prob=glove, offsets=offsets, keypoints=keypoints, masks=masks,
        ))
    return results
