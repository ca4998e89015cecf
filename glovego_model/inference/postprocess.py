"""Model outputs → `ImageDetections` in original-image pixels (detector.md §2.7).

Two steps, so the ONNX export and PyTorch share one definition: `select_topk` (tensors only,
traceable: it is part of the exported graph) and `to_detections` (per image: score filter,
class-wise duplicate suppression, scaling to the original size, hand-only fields). The
suppression runs on the numpy side, after the graph, so the exported graph's outputs stay
`select_topk`'s.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from glovego_data.masks import mask_to_rle
from glovego_model.detections import ImageDetections
from glovego_model.modeling.config import crop_channels, ehoi_setting, parse_contact_modality

MAX_DETECTIONS = 100
MIN_SCORE = 0.05
# A set-prediction decoder trained briefly still gives a found hand a second, lower-scored box on
# top of the first; ranked above other hands' true boxes it costs AP. Class-wise NMS at IoU 0.7
# drops those and leaves apart any two real objects that overlap less (docs/demo.md).
NMS_IOU = 0.7
TOPK_NAMES = ("scores", "labels", "query_index", "boxes", "side_prob", "contact_prob", "glove_prob", "offsets",
              "keypoints")
MASK_NAME = "mask_logits"


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
    """[..., Q, C] scores where a query is either a hand or an object, by its best class.

    RT-DETR scores every class of a query; a hand query's weaker object-class entries would be
    object detections lying exactly on the hand (IoU 1), and the association rule (its 0.45·IoU term)
    then picks the hand itself as its own active object. Object queries keep their multi-label
    entries among object classes.
    """
    is_hand_query = (scores.argmax(-1) == hand_label).unsqueeze(-1)
    is_hand_class = (torch.arange(scores.shape[-1], device=scores.device) == hand_label).to(scores.dtype)
    return scores * torch.where(is_hand_query, is_hand_class, 1.0 - is_hand_class)


def _gather(values: torch.Tensor, query: torch.Tensor) -> torch.Tensor:
    """values[b, query[b, k], ...] for every b, k."""
    index = query.reshape(*query.shape, *([1] * (values.dim() - 2))).expand(*query.shape, *values.shape[2:])
    return torch.gather(values, 1, index)


def select_topk(
    config: Any, outputs: Any, input_size: tuple[float, float], max_detections: int = MAX_DETECTIONS,
    with_masks: bool = False,
) -> dict[str, torch.Tensor]:
    """The top (query, class) pairs of each image with their heads, coordinates in `input_size`
    (W, H) pixels: boxes xywh, offsets δ·(W, H), keypoints (x, y) in the pixel-index convention
    plus visibility. Every row carries every head; which rows are hands is `labels`' business."""
    width, height = float(input_size[0]), float(input_size[1])
    scores_all = torch.sigmoid(outputs.logits.float())
    num_classes = scores_all.shape[-1]
    flat = exclusive_hand_scores(scores_all, num_classes - 1).flatten(1)
    scores, index = flat.topk(min(max_detections, flat.shape[1]), dim=1)
    query = torch.div(index, num_classes, rounding_mode="floor")
    boxes = _gather(outputs.pred_boxes.float(), query)
    scale = boxes.new_tensor([width, height, width, height])
    contact = contact_probability(config, outputs.contact_logits, outputs.contact_crop_logits)
    kp_xy = _gather(outputs.keypoints.float(), query) * boxes.new_tensor([width, height]) - 0.5
    kp_v = torch.sigmoid(_gather(outputs.keypoint_logits.float(), query))
    out = {
        "scores": scores,
        "labels": index - query * num_classes,
        "query_index": query,
        "boxes": torch.cat([boxes[..., :2] - boxes[..., 2:] / 2, boxes[..., 2:]], dim=-1) * scale,
        "side_prob": _gather(torch.sigmoid(outputs.side_logits.float()), query),
        "contact_prob": _gather(contact, query),
        "glove_prob": _gather(torch.sigmoid(outputs.glove_logits.float()), query),
        "offsets": _gather(outputs.offsets.float(), query) * boxes.new_tensor([width, height]),
        "keypoints": torch.cat([kp_xy, kp_v.unsqueeze(-1)], dim=-1),
    }
    if with_masks and getattr(outputs, "mask_logits", None) is not None:
        out[MASK_NAME] = _gather(outputs.mask_logits.float(), query)
    return out


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one xywh box with each row of `boxes` (xywh)."""
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[0] + box[2], boxes[:, 0] + boxes[:, 2])
    y2 = np.minimum(box[1] + box[3], boxes[:, 1] + boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = box[2] * box[3] + boxes[:, 2] * boxes[:, 3] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def classwise_nms(boxes: np.ndarray, scores: np.ndarray, labels: np.ndarray, iou: float = NMS_IOU) -> np.ndarray:
    """Boolean keep-mask: greedy NMS within each label, highest score first; `iou` ≥ 1 keeps all."""
    keep = np.ones(len(scores), dtype=bool)
    if iou >= 1.0:
        return keep
    for i in np.argsort(-scores, kind="stable"):
        if not keep[i]:
            continue
        rivals = np.flatnonzero(keep & (labels == labels[i]))
        rivals = rivals[rivals != i]
        if len(rivals):
            keep[rivals[(box_iou(boxes[i], boxes[rivals]) >= iou) & (scores[rivals] <= scores[i])]] = False
    return keep


def to_detections(
    topk: Mapping[str, np.ndarray], image_ids: list, sizes: list[tuple[int, int]], input_size: tuple[float, float],
    hand_label: int, *, min_score: float = MIN_SCORE, with_masks: bool = False, nms_iou: float = NMS_IOU,
) -> list[ImageDetections]:
    """`select_topk`'s batch (numpy) → one `ImageDetections` per image of original size (W, H) in `sizes`."""
    results = []
    for b, (image_id, (width, height)) in enumerate(zip(image_ids, sizes)):
        scores = np.asarray(topk["scores"][b])
        keep = scores >= min_score
        keep[keep] = classwise_nms(np.asarray(topk["boxes"][b])[keep].astype(np.float64), scores[keep],
                                   np.asarray(topk["labels"][b])[keep], nms_iou)

        def rows(name: str) -> np.ndarray:
            return np.asarray(topk[name][b])[keep].astype(np.float64)

        sx, sy = width / float(input_size[0]), height / float(input_size[1])
        labels = np.asarray(topk["labels"][b])[keep].astype(np.int64)
        is_hand = labels == hand_label

        def hand_only(values: np.ndarray) -> np.ndarray:
            out = np.full(values.shape, np.nan, dtype=np.float64)
            out[is_hand] = values[is_hand]
            return out

        delta = rows("offsets") * np.array([sx, sy])
        norm = np.linalg.norm(delta, axis=1)
        unit = np.divide(delta, norm[:, None], out=np.zeros_like(delta), where=norm[:, None] > 0)
        keypoints = rows("keypoints")
        keypoints[..., :2] = (keypoints[..., :2] + 0.5) * np.array([sx, sy]) - 0.5
        masks = None
        if with_masks and MASK_NAME in topk and keep.any():
            logits = torch.from_numpy(np.ascontiguousarray(np.asarray(topk[MASK_NAME][b])[keep], dtype=np.float32))
            logits = F.interpolate(logits[None], size=(height, width), mode="bilinear", align_corners=False)[0]
            masks = [mask_to_rle(m, *m.shape) for m in (logits > 0).numpy()]
        results.append(ImageDetections(
            image_id=image_id, width=int(width), height=int(height),
            boxes_xywh=rows("boxes") * np.array([sx, sy, sx, sy]), scores=rows("scores"), category_ids=labels,
            side_prob=hand_only(rows("side_prob")), contact_prob=hand_only(rows("contact_prob")),
            glove_prob=hand_only(rows("glove_prob")),
            offsets=hand_only(np.concatenate([unit, (norm / math.hypot(width, height))[:, None]], axis=1)),
            keypoints=hand_only(keypoints), masks=masks,
        ))
    return results


def postprocess(
    config: Any, outputs: Any, image_ids: list, sizes: list[tuple[int, int]], *,
    max_detections: int = MAX_DETECTIONS, min_score: float = MIN_SCORE, with_masks: bool = False,
    input_size: tuple[float, float] = (1.0, 1.0), nms_iou: float = NMS_IOU,
) -> list[ImageDetections]:
    """Top `max_detections` (query, class) pairs per image with score ≥ `min_score`; `sizes` = (W, H).

    `input_size` is the pixel frame the intermediate coordinates use (the model's input size, as
    in the exported graph); the result does not depend on it beyond rounding."""
    topk = select_topk(config, outputs, input_size, max_detections, with_masks=with_masks)
    arrays = {name: value.detach().cpu().numpy() for name, value in topk.items()}
    return to_detections(arrays, image_ids, sizes, input_size, len(config.id2label) - 1, min_score=min_score,
                         with_masks=with_masks, nms_iou=nms_iou)
