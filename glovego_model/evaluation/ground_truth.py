"""Ground truth as columns for the evaluator, with `cat_obj` re-derived from `id_obj` (§2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset
from glovego_model.evaluation.average_precision import BoxSet


def image_ranks(gt: EhoiDataset) -> dict[Any, int]:
    """Rank of each image id in ascending order (pycocotools' `sorted(getImgIds())`)."""
    ids = [img.id for img in gt.images]
    try:
        ordered = sorted(set(ids))
    except TypeError:  # mixed int / str ids in a foreign file
        ordered = sorted(set(ids), key=lambda v: (isinstance(v, str), str(v)))
    return {image_id: rank for rank, image_id in enumerate(ordered)}


@dataclass(frozen=True)
class HandTable:
    """Every GT hand (file order); `cat_obj` = −1 unless in contact with a resolvable object."""

    image: np.ndarray
    boxes: np.ndarray
    crowd: np.ndarray
    side: np.ndarray
    gloves: np.ndarray
    contact: np.ndarray
    cat_obj: np.ndarray
    bbox_obj: np.ndarray  # NaN rows when empty
    has_obj: np.ndarray
    target_boxes: np.ndarray  # the active object's box where cat_obj ≠ −1

    def __len__(self) -> int:
        return int(self.image.shape[0])


@dataclass(frozen=True)
class GroundTruthTable:
    image_rank: dict[Any, int]
    hand_id: int
    object_ids: list[int]
    hands: HandTable
    objects: BoxSet

    @property
    def n_images(self) -> int:
        return len(self.image_rank)


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else -1


def ground_truth_table(gt: EhoiDataset, hand_id: int) -> GroundTruthTable:
    """Columns of `gt`; annotations of images the file does not list are left out, as pycocotools does."""
    ranks = image_ranks(gt)
    anns = [a for a in gt.annotations if a.image_id in ranks]
    hands = [a for a in anns if a.category_id == hand_id]
    objects = [a for a in anns if a.category_id != hand_id]

    n = len(hands)
    bbox_obj = np.full((n, 4), np.nan)
    target_boxes = np.full((n, 4), np.nan)
    cat_obj = np.full(n, -1, dtype=np.int64)
    by_id = gt.annotation_by_id()
    for i, hand in enumerate(hands):
        if hand.bbox_obj is not None and len(hand.bbox_obj) == 4:
            bbox_obj[i] = hand.bbox_obj
        # EhoiDataset.active_object's rule, with the hand id looked up once instead of per hand.
        obj = by_id.get(hand.id_obj) if hand.contact_state == 1 and isinstance(hand.id_obj, int) and hand.id_obj >= 0 \
            else None
        if obj is not None and (obj.image_id != hand.image_id or obj.category_id == hand_id):
            obj = None
        if obj is not None:
            cat_obj[i] = obj.category_id
            target_boxes[i] = bbox_obj[i] if len(hand.bbox_obj or []) == 4 else obj.bbox
    table = HandTable(
        image=np.array([ranks[a.image_id] for a in hands], dtype=np.int64),
        boxes=np.array([a.bbox for a in hands], dtype=np.float64).reshape(n, 4),
        crowd=np.array([bool(a.iscrowd) for a in hands], dtype=bool),
        side=np.array([_int(a.hand_side) for a in hands], dtype=np.int64),
        gloves=np.array([_int(a.gloves) for a in hands], dtype=np.int64),
        contact=np.array([_int(a.contact_state) for a in hands], dtype=np.int64),
        cat_obj=cat_obj,
        bbox_obj=bbox_obj,
        has_obj=~np.isnan(bbox_obj[:, 0]),
        target_boxes=target_boxes,
    )
    m = len(objects)
    object_set = BoxSet(
        image=np.array([ranks[a.image_id] for a in objects], dtype=np.int64),
        category=np.array([a.category_id for a in objects], dtype=np.int64),
        boxes=np.array([a.bbox for a in objects], dtype=np.float64).reshape(m, 4),
        row=np.arange(m, dtype=np.int64),
        crowd=np.array([bool(a.iscrowd) for a in objects], dtype=bool),
    )
    object_ids = [c.id for c in gt.categories if c.id != hand_id]
    return GroundTruthTable(image_rank=ranks, hand_id=hand_id, object_ids=object_ids, hands=table, objects=object_set)
