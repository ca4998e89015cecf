"""Prediction records (ehoi-metrics.md §2.2): checked once, then held as columns for the evaluator."""

from __future__ import annotations

import math
from array import array as DoubleArray
from operator import itemgetter
from dataclasses import dataclass
from itertools import chain, compress, filterfalse
from typing import Any, Container, Sequence

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset, find_hand_category
from glovego_data.errors import GlovegoError
from glovego_model.evaluation.ground_truth import image_ranks

REQUIRED_KEYS = ("image_id", "category_id", "bbox", "score")
REQUIRED_HAND_KEYS = ("hand_side", "contact_state")
TRI_STATE_PREDICTION_KEYS = ("hand_side", "contact_state", "gloves")
KEYPOINT_VALUES = 63
MAX_COORDINATE = 1e6  # pixels: far beyond any image, still drawable (OpenCV takes 32-bit ints)


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
    parse_predictions(records, gt, source, gt_name=gt_name)


def parse_predictions(
    records: Any, gt: EhoiDataset, source: str, *, gt_name: str = "the ground truth"
) -> "PredictionTable":
    """Check every record (§2.2) and return them as columns.

    Whole columns are checked at C speed first; only when that fails does a per-record pass run,
    to name the first bad record (or to accept values the fast path is too strict for, like 1.0).
    """
    hand_id = require_hand_category(gt, gt_name)
    if not isinstance(records, list):
        raise GlovegoError(f"{source}: must be a JSON array of detection records")
    ranks = image_ranks(gt)
    table = _fast_table(records, ranks, gt, hand_id)
    if table is not None:
        return table
    images = gt.image_by_id()
    categories = gt.category_by_id()
    for i, record in enumerate(records):
        problem = _record_problem(record, images, categories, hand_id, gt_name)
        if problem is not None:
            raise GlovegoError(f"{source}: record {i}: {problem}")
    return prediction_table(records, ranks, hand_id)


def check_drawable_records(records: Any, categories: Container[int], hand_id: int, source: str) -> None:
    """Raise GlovegoError `<source>: record <i>: <problem>` for the first record that breaks §2.2
    when no ground truth is at hand (`viz --predictions`): any image id, the given categories,
    plus coordinates small enough to draw and a segmentation that decodes."""
    if not isinstance(records, list):
        raise GlovegoError(f"{source}: must be a JSON array of detection records")
    for i, record in enumerate(records):
        problem = _record_problem(record, None, categories, hand_id, "the predictions' classes") \
            or _drawing_problem(record)
        if problem is not None:
            raise GlovegoError(f"{source}: record {i}: {problem}")


def _drawing_problem(record: dict) -> str | None:
    for key in ("bbox", "bbox_obj", "keypoints"):
        values = record.get(key) or []
        if any(abs(v) > MAX_COORDINATE for v in values):
            return f"{key} has a value beyond ±{MAX_COORDINATE:g} pixels"
    return segmentation_problem(record.get("segmentation"))


def segmentation_problem(segmentation: Any) -> str | None:
    """Why a COCO `segmentation` (absent, polygons, or RLE) cannot be decoded, else None."""
    if segmentation is None or segmentation == []:
        return None
    if isinstance(segmentation, list):
        if all(isinstance(ring, list) and len(ring) >= 6 and len(ring) % 2 == 0 and all(_is_number(v) for v in ring)
               and all(abs(v) <= MAX_COORDINATE for v in ring) for ring in segmentation):
            return None
        return "segmentation polygons must be lists of an even number (≥ 6) of finite coordinates"
    if not isinstance(segmentation, dict) or set(segmentation) < {"size", "counts"}:
        return "segmentation must be polygons or an RLE {\"size\": [h, w], \"counts\": …}"
    size, counts = segmentation.get("size"), segmentation.get("counts")
    if not (isinstance(size, list) and len(size) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                              and 0 < v <= MAX_COORDINATE for v in size)):
        return "segmentation size must be [height, width], two positive integers"
    pixels = size[0] * size[1]
    if isinstance(counts, list):
        if all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts) and sum(counts) == pixels:
            return None
        return f"segmentation RLE counts must be non-negative integers summing to {pixels}"
    if isinstance(counts, str) and _compressed_runs_total(counts) == pixels:
        return None
    return "segmentation RLE counts is not a valid compressed RLE string"


def _compressed_runs_total(counts: str) -> int | None:
    """Sum of the runs of a compressed COCO RLE string (pycocotools' 5-bit, difference-coded
    format), or None when it is not one: a character out of range, a cut value, a negative run."""
    runs: list[int] = []
    value = shift = 0
    for char in counts:
        code = ord(char) - 48
        if not 0 <= code < 64:
            return None
        value |= (code & 0x1F) << shift
        shift += 5
        if code & 0x20:
            continue
        if code & 0x10:
            value -= 1 << shift
        if len(runs) > 2:
            value += runs[-2]
        if value < 0:
            return None
        runs.append(value)
        value = shift = 0
    return sum(runs) if shift == 0 else None


def _record_problem(record: Any, images: Container | None, categories: Container[int], hand_id: int,
                    gt_name: str) -> str | None:
    """What is wrong with one record, or None; `images` None accepts any image id."""
    if not isinstance(record, dict):
        return "must be a JSON object"
    for key in REQUIRED_KEYS:
        if key not in record:
            return f"missing '{key}'"
    image_id, category_id = record["image_id"], record["category_id"]
    if isinstance(image_id, (dict, list)) or isinstance(image_id, bool) or (images is not None and image_id not in images):
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
    """Columns of already validated records (records are only read, never mutated)."""
    n = len(records)
    image = np.array([image_rank[r["image_id"]] for r in records], dtype=np.int64)
    category = np.array([r["category_id"] for r in records], dtype=np.int64)
    boxes = np.array(list(chain.from_iterable(r["bbox"] for r in records)), dtype=np.float64).reshape(n, 4)
    score = np.array([r["score"] for r in records], dtype=np.float64)
    is_hand = category == hand_id
    rows = np.flatnonzero(is_hand)
    hands = [records[i] for i in rows.tolist()]

    def hand_column(values: list[Any], fill: float, dtype: Any) -> np.ndarray:
        column = np.full(n, fill, dtype=dtype)
        column[rows] = values
        return column

    side = hand_column([r["hand_side"] for r in hands], -1, np.int64)
    gloves = hand_column([r.get("gloves", -1) for r in hands], -1, np.int64)
    contact = hand_column([r["contact_state"] for r in hands], -1, np.int64)
    category_obj = hand_column([_int_or(r.get("category_id_obj", -1), -1) for r in hands], -1, np.int64)
    bbox_obj = np.full((n, 4), np.nan)
    score_obj = np.full(n, np.nan)
    linked = [(i, r) for i, r in zip(rows.tolist(), hands) if r.get("bbox_obj")]
    if linked:
        at = np.array([i for i, _ in linked], dtype=np.int64)
        bbox_obj[at] = np.array([r["bbox_obj"] for _, r in linked], dtype=np.float64)
        score_obj[at] = [r["score_obj"] for _, r in linked]
    has_obj = ~np.isnan(bbox_obj[:, 0])
    return PredictionTable(image, category, boxes, score, is_hand, side, gloves, contact, category_obj,
                           bbox_obj, has_obj, score_obj)


def _int_or(value: Any, fallback: int) -> int:
    return int(value) if _is_number(value) and value == int(value) else fallback


_NUMBER_TYPES = frozenset((int, float))
_INT_TYPES = frozenset((int,))
_BOX_TYPES = frozenset((list, tuple))
_NO_BOX_TYPES = frozenset((list, type(None)))
_TRI_STATES = frozenset((-1, 0, 1))


def _finite(values: list[Any]) -> np.ndarray | None:
    """float64 array of plain finite ints / floats (bool excluded), else None."""
    if not set(map(type, values)) <= _NUMBER_TYPES:
        return None
    array = np.array(values, dtype=np.float64).reshape(len(values))
    return array if np.isfinite(array).all() else None


def _ints(values: list[Any]) -> np.ndarray | None:
    """int64 array of plain ints (bool excluded), else None."""
    if not set(map(type, values)) <= _INT_TYPES:
        return None
    return np.array(values, dtype=np.int64).reshape(len(values))


def _box_array(boxes: list[Any]) -> np.ndarray | None:
    """[n, 4] float64 of valid xywh boxes (finite, w > 0, h > 0), else None."""
    if not set(map(type, boxes)) <= _BOX_TYPES or not set(map(len, boxes)) <= {4}:
        return None
    values = list(chain.from_iterable(boxes))
    if not set(map(type, values)) <= _NUMBER_TYPES:
        return None
    array = np.frombuffer(DoubleArray("d", values), dtype=np.float64).reshape(len(boxes), 4)
    if not np.isfinite(array).all():
        return None
    return array if (array[:, 2] > 0).all() and (array[:, 3] > 0).all() else None


def _image_column(image_ids: list[Any], ranks: dict) -> np.ndarray | None:
    """Each record's image rank, or None when some id is not an image of the GT (True would
    otherwise find image 1)."""
    if bool in set(map(type, image_ids)):
        return None
    try:
        return np.fromiter(map(ranks.__getitem__, image_ids), dtype=np.int64, count=len(image_ids))
    except (KeyError, TypeError):
        return None


def _fast_table(records: list[Any], ranks: dict, gt: EhoiDataset, hand_id: int) -> PredictionTable | None:
    """The §2.2 rules as whole-column checks while building the columns; None as soon as any
    column does not pass (the caller then checks record by record)."""
    n = len(records)
    if not n:
        return None
    try:
        image_ids = list(map(itemgetter("image_id"), records))
        category = _ints(list(map(itemgetter("category_id"), records)))
        boxes = _box_array(list(map(itemgetter("bbox"), records)))
        score = _finite(list(map(itemgetter("score"), records)))
    except (KeyError, TypeError):
        return None
    image = _image_column(image_ids, ranks)
    known = np.array(sorted(c.id for c in gt.categories), dtype=np.int64)
    if image is None or category is None or boxes is None or score is None or not np.isin(category, known).all():
        return None

    is_hand = category == hand_id
    rows = np.flatnonzero(is_hand)
    hands = list(compress(records, is_hand.tolist()))
    try:
        side = list(map(itemgetter("hand_side"), hands))
        contact = list(map(itemgetter("contact_state"), hands))
    except KeyError:
        return None
    gloves = [r.get("gloves", -1) for r in hands]
    tri = side + contact + gloves
    if not set(map(type, tri)) <= _INT_TYPES or not set(tri) <= _TRI_STATES:
        return None
    cat_obj = _ints([r.get("category_id_obj", -1) for r in hands])
    bbox_obj = [r.get("bbox_obj", []) for r in hands]
    if cat_obj is None or not set(map(type, filterfalse(None, bbox_obj))) <= _NO_BOX_TYPES:
        return None
    linked = np.array([k for k, b in enumerate(bbox_obj) if b], dtype=np.int64)
    linked_boxes, linked_scores = np.zeros((0, 4)), np.zeros(0)
    if linked.size:
        objects = np.setdiff1d(known, [hand_id])
        found = _box_array([bbox_obj[k] for k in linked.tolist()])
        try:
            found_scores = _finite([hands[k]["score_obj"] for k in linked.tolist()])
        except KeyError:
            return None
        if found is None or found_scores is None or (np.array(contact)[linked] != 1).any() \
                or not np.isin(cat_obj[linked], objects).all():
            return None
        linked_boxes, linked_scores = found, found_scores
    keypoints = [k for k in (r.get("keypoints") for r in hands) if k is not None]
    if keypoints and (not set(map(type, keypoints)) <= {list} or not set(map(len, keypoints)) <= {KEYPOINT_VALUES}
                      or _finite(list(chain.from_iterable(keypoints))) is None):
        return None

    def hand_column(values: Any) -> np.ndarray:
        column = np.full(n, -1, dtype=np.int64)
        column[rows] = values
        return column

    bbox_obj_column = np.full((n, 4), np.nan)
    score_obj = np.full(n, np.nan)
    at = rows[linked]
    bbox_obj_column[at] = linked_boxes
    score_obj[at] = linked_scores
    return PredictionTable(image, category, boxes, score, is_hand, hand_column(side), hand_column(gloves),
                           hand_column(contact), hand_column(cat_obj), bbox_obj_column,
                           ~np.isnan(bbox_obj_column[:, 0]), score_obj)
