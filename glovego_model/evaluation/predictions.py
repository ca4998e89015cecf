"""Prediction records (ehoi-metrics.md §2.2): checked once, then held as columns for the evaluator."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset, find_hand_category
from glovego_data.errors import GlovegoError

REQUIRED_KEYS = ("image_id", "category_id", "bbox", "score")
REQUIRED_HAND_KEYS = ("hand_side", "contact_state")
TRI_STATE_PREDICTION_KEYS = ("hand_side", "contact_state", "gloves")
KEYPOINT_VALUES = 63


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_box(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 4 and all(_is_number(v) for v in value) \
        and value[2] > 0 and value[3] > 0


def require_hand_category(gt: EhoiDataset, gt_name: str) -> int:
    hand = find_hand_category(gt.categories)
    if hand is None:
        raise GlovegoError(f"{gt_name}: no category named 'hand'")
    return hand.id


def validate_predictions(
    records: Any, gt: EhoiDataset, source: str, *, gt_name: str = "the ground truth"
) -> None:
    """Raise GlovegoError `<source>: record <i>: <problem>` for the first malformed record."""
    hand_id = require_hand_category(gt, gt_name)
    if not isinstance(records, list):
        raise GlovegoError(f"{source}: must be a JSON array of detection records")
    images = gt.image_by_id()
    categories = gt.category_by_id()
    for i, record in enumerate(records):
        problem = _record_problem(record, images, categories, hand_id, gt_name)
        if problem is not None:
            raise GlovegoError(f"{source}: record {i}: {problem}")


def _record_problem(record: Any, images: dict, categories: dict, hand_id: int, gt_name: str) -> str | None:
    if not isinstance(record, dict):
        return "must be a JSON object"
    for key in REQUIRED_KEYS:
        if key not in record:
            return f"missing '{key}'"
    image_id, category_id = record["image_id"], record["category_id"]
    if isinstance(image_id, (dict, list)) or isinstance(image_id, bool) or image_id not in images:
        return f"image_id {image_id} is not an image of {gt_name}"
    if isinstance(category_id, (dict, list)) or isinstance(category_id, bool) or category_id not in categories:
        return f"category_id {category_id} is not a category of {gt_name}"
    if not _is_box(record["bbox"]):
        return "bbox must be 4 finite numbers with w > 0 and h > 0"
    if not _is_number(record["score"]):
        return "score must be a finite number"
    if category_id != hand_id:
        return None
    for key in REQUIRED_HAND_KEYS:
        if key not in record:
            return f"missing '{key}'"
    for key in TRI_STATE_PREDICTION_KEYS:
        if key in record and (isinstance(record[key], bool) or record[key] not in (-1, 0, 1)):
            return f"{key} {record[key]} must be -1, 0 or 1"
    bbox_obj = record.get("bbox_obj", [])
    if bbox_obj not in ([], None) and not _is_box(bbox_obj):
        return "bbox_obj must be [] or 4 finite numbers with w > 0 and h > 0"
    if bbox_obj:
        if record["contact_state"] != 1:
            return f"bbox_obj given but contact_state is {record['contact_state']}"
        cat_obj = record.get("category_id_obj", -1)
        if isinstance(cat_obj, bool) or cat_obj == hand_id or cat_obj not in categories \
                or not _is_number(record.get("score_obj")):
            return "bbox_obj needs category_id_obj (an object category) and score_obj"
    keypoints = record.get("keypoints")
    if keypoints is not None and (not isinstance(keypoints, list) or len(keypoints) != KEYPOINT_VALUES
                                  or not all(_is_number(v) for v in keypoints)):
        return "keypoints must have 63 numbers"
    return None


@dataclass(frozen=True)
class PredictionTable:
    """Every record as columns (file order). Hand columns hold −1 / NaN on object records."""

    image: np.ndarray  # int64: rank of the image in ascending id order
    category: np.ndarray
    boxes: np.ndarray
    score: np.ndarray
    is_hand: np.ndarray
    side: np.ndarray
    gloves: np.ndarray
    contact: np.ndarray
    category_obj: np.ndarray
    bbox_obj: np.ndarray  # NaN rows when empty
    has_obj: np.ndarray
    score_obj: np.ndarray

    def __len__(self) -> int:
        return int(self.image.shape[0])


def prediction_table(records: Sequence[dict], image_rank: dict, hand_id: int) -> PredictionTable:
    """Columns of already validated records; one pass, reading only (records are never mutated)."""
    n = len(records)
    image = np.fromiter((image_rank[r["image_id"]] for r in records), dtype=np.int64, count=n)
    category = np.fromiter((r["category_id"] for r in records), dtype=np.int64, count=n)
    boxes = np.array([r["bbox"] for r in records], dtype=np.float64).reshape(n, 4)
    score = np.fromiter((r["score"] for r in records), dtype=np.float64, count=n)
    is_hand = category == hand_id
    side = np.full(n, -1, dtype=np.int64)
    gloves = np.full(n, -1, dtype=np.int64)
    contact = np.full(n, -1, dtype=np.int64)
    category_obj = np.full(n, -1, dtype=np.int64)
    bbox_obj = np.full((n, 4), np.nan)
    score_obj = np.full(n, np.nan)
    for i in np.flatnonzero(is_hand).tolist():
        r = records[i]
        side[i] = r["hand_side"]
        gloves[i] = r.get("gloves", -1)
        contact[i] = r["contact_state"]
        category_obj[i] = r.get("category_id_obj", -1)
        box = r.get("bbox_obj") or []
        if box:
            bbox_obj[i] = box
            score_obj[i] = r["score_obj"]
    has_obj = ~np.isnan(bbox_obj[:, 0])
    return PredictionTable(image, category, boxes, score, is_hand, side, gloves, contact, category_obj,
                           bbox_obj, has_obj, score_obj)
