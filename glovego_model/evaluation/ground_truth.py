"""Ground truth as columns for the evaluator, with `cat_obj` re-derived from `id_obj` (§2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain, repeat
from operator import attrgetter
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


def _tri_state(values: list[Any]) -> np.ndarray:
    """int64 column of hand labels; anything but a plain number (None, bool) reads as −1."""
    if set(map(type, values)) <= {int}:
        return np.array(values, dtype=np.int64).reshape(len(values))
    return np.array([int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else -1 for v in values],
                    dtype=np.int64).reshape(len(values))


def _boxes(boxes: list[list[float]]) -> np.ndarray:
    """[n, 4] float64 of boxes the dataset reader already checked (4 numbers each)."""
    return np.fromiter(chain.from_iterable(boxes), dtype=np.float64, count=4 * len(boxes)).reshape(len(boxes), 4)


def ground_truth_table(gt: EhoiDataset, hand_id: int) -> GroundTruthTable:
    """Columns of `gt`; annotations of images the file does not list are left out, as pycocotools does.

    Attributes are read column by column at C speed, with no Python logic per annotation: on a
    large test set this step would otherwise cost more than the matching itself.
    """
    ranks = image_ranks(gt)
    every = gt.annotations
    rank = np.fromiter(map(ranks.get, map(attrgetter("image_id"), every), repeat(-1)), dtype=np.int64,
                       count=len(every))
    category = np.array(list(map(attrgetter("category_id"), every)), dtype=np.int64).reshape(len(every))
    boxes = _boxes(list(map(attrgetter("bbox"), every)))
    crowd = np.fromiter(map(bool, map(attrgetter("iscrowd"), every)), dtype=bool, count=len(every))
    listed = rank >= 0
    hand_rows = np.flatnonzero(listed & (category == hand_id))
    object_rows = np.flatnonzero(listed & (category != hand_id))
    hands = [every[i] for i in hand_rows.tolist()]
    n = len(hands)

    contact = _tri_state(list(map(attrgetter("contact_state"), hands)))
    bbox_obj = np.full((n, 4), np.nan)
    given = [k for k, box in enumerate(map(attrgetter("bbox_obj"), hands)) if box is not None and len(box) == 4]
    if given:
        bbox_obj[given] = _boxes([hands[k].bbox_obj for k in given])

    # cat_obj (§2.1, EhoiDataset.active_object's rule): id_obj resolves, last duplicate id winning,
    # to an object annotation of the same image.
    row_of_id = dict(zip(map(attrgetter("id"), every), range(len(every))))
    asking = [k for k, (state, target) in enumerate(zip(contact.tolist(), map(attrgetter("id_obj"), hands)))
              if state == 1 and type(target) is int and target >= 0 and target in row_of_id]
    cat_obj = np.full(n, -1, dtype=np.int64)
    target_boxes = np.full((n, 4), np.nan)
    if asking:
        ask = np.array(asking, dtype=np.int64)
        obj = np.array([row_of_id[hands[k].id_obj] for k in asking], dtype=np.int64)
        ok = (rank[obj] == rank[hand_rows[ask]]) & (category[obj] != hand_id)
        ask, obj = ask[ok], obj[ok]
        cat_obj[ask] = category[obj]
        own = ~np.isnan(bbox_obj[ask, 0])
        target_boxes[ask] = np.where(own[:, None], bbox_obj[ask], boxes[obj])

    table = HandTable(
        image=rank[hand_rows],
        boxes=boxes[hand_rows],
        crowd=crowd[hand_rows],
        side=_tri_state(list(map(attrgetter("hand_side"), hands))),
        gloves=_tri_state(list(map(attrgetter("gloves"), hands))),
        contact=contact,
        cat_obj=cat_obj,
        bbox_obj=bbox_obj,
        has_obj=~np.isnan(bbox_obj[:, 0]),
        target_boxes=target_boxes,
    )
    object_set = BoxSet(image=rank[object_rows], category=category[object_rows], boxes=boxes[object_rows],
                        row=np.arange(object_rows.size, dtype=np.int64), crowd=crowd[object_rows])
    object_ids = [c.id for c in gt.categories if c.id != hand_id]
    return GroundTruthTable(image_rank=ranks, hand_id=hand_id, object_ids=object_ids, hands=table, objects=object_set)
