"""Active-object association (ehoi-metrics.md §6) and the predictions-file records (§2.2).

One implementation for `eval --weights`, `infer` and `viz`, so numbers and pictures agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from glovego_model.detections import ImageDetections

PROBABILITY_THRESHOLD = 0.5  # [ref] round(): 0.5 → 0
DISTANCE_GATE = 2.5  # × hand box diagonal
WEIGHT_DISTANCE, WEIGHT_IOU, WEIGHT_SCORE = 0.35, 0.45, 0.20
COORDINATE_DECIMALS = 3


@dataclass(frozen=True)
class Association:
    """Per detection row: contact after association and the chosen object row (−1: none)."""

    contact: np.ndarray  # int64 [N]; −1 on object rows
    object_row: np.ndarray  # int64 [N]


def _centres(boxes: np.ndarray) -> np.ndarray:
    return boxes[:, :2] + boxes[:, 2:] / 2.0


def _iou_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Plain COCO IoU of every a (rows) with every b (columns), xywh."""
    ix = np.minimum(a[:, None, 0] + a[:, None, 2], b[None, :, 0] + b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0])
    iy = np.minimum(a[:, None, 1] + a[:, None, 3], b[None, :, 1] + b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1])
    inter = ix * iy
    union = (a[:, 2] * a[:, 3])[:, None] + (b[:, 2] * b[:, 3])[None, :] - inter
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = inter / union
    return np.where((ix > 0) & (iy > 0), iou, 0.0)


def associate(
    boxes: np.ndarray, scores: np.ndarray, is_hand: np.ndarray, contact_prob: np.ndarray, offsets: np.ndarray,
    width: float, height: float,
) -> Association:
    """The reference rule with this image's own diagonal: contact = P > 0.5; the object with the
    highest weighted score is taken if its centre is within 2.5 hand diagonals of the predicted
    interaction point, else contact drops to 0; with no object detections contact is kept."""
    n = scores.shape[0]
    contact = np.where(is_hand, (np.nan_to_num(contact_prob, nan=0.0) > PROBABILITY_THRESHOLD).astype(np.int64), -1)
    object_row = np.full(n, -1, dtype=np.int64)
    objects = np.flatnonzero(~is_hand)
    objects = objects[np.argsort(-scores[objects], kind="stable")]
    hands = np.flatnonzero(is_hand & (contact == 1))
    if objects.size == 0 or hands.size == 0:
        return Association(contact=contact, object_row=object_row)
    hand_boxes = boxes[hands]
    diag = math.hypot(width, height)
    hand_diag = np.hypot(hand_boxes[:, 2], hand_boxes[:, 3])
    point = _centres(hand_boxes) + offsets[hands, :2] * (offsets[hands, 2] * diag)[:, None]
    dist = np.linalg.norm(_centres(boxes[objects])[None, :, :] - point[:, None, :], axis=2)
    combined = (WEIGHT_DISTANCE * np.exp(-dist / (hand_diag[:, None] + 1e-6))
                + WEIGHT_IOU * _iou_matrix(hand_boxes, boxes[objects])
                + WEIGHT_SCORE * scores[objects][None, :])
    best = np.argmax(combined, axis=1)  # first maximum, objects in descending score order
    near = dist[np.arange(hands.size), best] < DISTANCE_GATE * hand_diag
    object_row[hands[near]] = objects[best[near]]
    contact[hands[~near]] = 0
    return Association(contact=contact, object_row=object_row)


def _coords(values: np.ndarray) -> list[float]:
    return [round(float(v), COORDINATE_DECIMALS) for v in values]


def detections_to_records(dets: ImageDetections, hand_category_id: int) -> list[dict[str, Any]]:
    """The records of one image in the predictions-file format (§2.2), in detection order.

    Coordinates are rounded to 3 decimals and probabilities kept at full precision, so a file
    written from these records reads back equal to them.
    """
    n = len(dets)
    if n == 0:
        return []
    boxes = np.asarray(dets.boxes_xywh, dtype=np.float64).reshape(n, 4)
    scores = np.asarray(dets.scores, dtype=np.float64)
    categories = np.asarray(dets.category_ids, dtype=np.int64)
    is_hand = categories == hand_category_id
    offsets = np.asarray(dets.offsets, dtype=np.float64).reshape(n, 3)
    link = associate(boxes, scores, is_hand, np.asarray(dets.contact_prob, dtype=np.float64), offsets,
                     dets.width, dets.height)
    records: list[dict[str, Any]] = []
    for i in range(n):
        record: dict[str, Any] = {"image_id": dets.image_id, "category_id": int(categories[i]),
                                  "bbox": _coords(boxes[i]), "score": float(scores[i])}
        if is_hand[i]:
            record.update(_hand_fields(dets, i, int(link.contact[i]), int(link.object_row[i]), boxes, scores,
                                       categories, offsets))
        if dets.masks is not None and dets.masks[i] is not None:
            record["segmentation"] = _rle_json(dets.masks[i])
        records.append(record)
    return records


def _hand_fields(dets: ImageDetections, i: int, contact: int, obj: int, boxes: np.ndarray, scores: np.ndarray,
                 categories: np.ndarray, offsets: np.ndarray) -> dict[str, Any]:
    side_p, contact_p, glove_p = (float(dets.side_prob[i]), float(dets.contact_prob[i]), float(dets.glove_prob[i]))
    fields: dict[str, Any] = {
        "hand_side": int(side_p > PROBABILITY_THRESHOLD),
        "contact_state": contact,
        "gloves": int(glove_p > PROBABILITY_THRESHOLD),
        "side_score": side_p,
        "contact_score": contact_p,
        "glove_score": glove_p,
        "dx": float(offsets[i, 0]),
        "dy": float(offsets[i, 1]),
        "magnitude": float(offsets[i, 2]),
        "bbox_obj": _coords(boxes[obj]) if obj >= 0 else [],
        "category_id_obj": int(categories[obj]) if obj >= 0 else -1,
    }
    if obj >= 0:
        fields["score_obj"] = float(scores[obj])
    keypoints = np.asarray(dets.keypoints[i], dtype=np.float64).reshape(-1, 3)
    if keypoints.shape[0] == 21 and np.isfinite(keypoints).all():
        flat: list[float] = []
        for x, y, v in keypoints:
            flat.extend((round(float(x), COORDINATE_DECIMALS), round(float(y), COORDINATE_DECIMALS), float(v)))
        fields["keypoints"] = flat
    return fields


def _rle_json(rle: dict[str, Any]) -> dict[str, Any]:
    counts = rle["counts"]
    return {"size": [int(v) for v in rle["size"]], "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts}
