"""Box errors with TIDE's definitions (Bolya et al., ECCV 2020), scored by our own AP code.

Every detection GlovEgo's matching does not accept (IoU 0.5, hands and every object class at once)
gets exactly one kind, tested in TIDE's order, the first that applies winning:

1. `loc`  — right class, best IoU with a GT of its class in [0.1, 0.5);
2. `cls`  — best IoU ≥ 0.5 with a GT of another class;
3. `dup`  — right class, IoU ≥ 0.5 with a GT of its class that a higher-scored detection took;
4. `bkg`  — IoU < 0.1 with every GT;
5. `both` — anything else (wrong class and a loose box).

A GT no true positive took is `missed`, unless a `loc` or `cls` error points at it (fixing that
error would find it). The oracle fixes follow TIDE: a `loc` error gets its GT's box and a `cls`
error its GT's class, the best-scored one per GT, the others (they would be duplicates once fixed)
are removed; `dup`, `bkg` and `both` detections are removed; `missed` GT are removed. The
false-positive oracle removes every unaccepted detection, the false-negative one every GT no true
positive took. dAP = the AP with one kind fixed, the rest left as it is, minus the AP as scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glovego_model.evaluation.average_precision import (
    IOU_THRESHOLD,
    BoxSet,
    Matching,
    _pairs,
    accumulation_order,
    average_precision,
    rowwise_iou,
)
from glovego_model.evaluation.ground_truth import GroundTruthTable
from glovego_model.evaluation.predictions import PredictionTable

BACKGROUND_IOU = 0.1
BOX_KINDS: tuple[str, ...] = ("cls", "loc", "both", "dup", "bkg", "missed")
ORACLES: tuple[str, ...] = ("false positives", "false negatives")
KIND_NAMES = {"cls": "classification", "loc": "localisation", "both": "both (class and box)",
              "dup": "duplicate", "bkg": "background", "missed": "missed"}
_DETECTION_KINDS = ("loc", "cls", "dup", "bkg", "both")  # test order
_UNASSIGNED = -1


@dataclass(frozen=True)
class BoxErrors:
    """The kind of every detection and GT, their targets, and the APs before and after each fix."""

    det_row: np.ndarray  # prediction record index of each considered detection
    det_category: np.ndarray
    det_kind: np.ndarray  # index into _DETECTION_KINDS, or −1 for true positives / ignored ones
    det_target: np.ndarray  # the combined-GT index a loc / cls error points at (−1 otherwise)
    gt_image: np.ndarray  # image rank of each combined GT (hands first, then objects)
    gt_category: np.ndarray
    gt_boxes: np.ndarray
    gt_missed: np.ndarray  # bool per combined GT
    gt_hand_index: np.ndarray  # hand-table index of each combined GT, −1 for objects
    base_ap: dict[int, float]  # per category with GT
    fixed_ap: dict[str, dict[int, float]]  # per box kind and oracle

    def kind_of(self, name: str) -> np.ndarray:
        """Mask over the considered detections having kind `name` (a detection kind)."""
        return self.det_kind == _DETECTION_KINDS.index(name)


def _combined_gt(gt: GroundTruthTable) -> BoxSet:
    hands, objects = gt.hands, gt.objects
    n = len(hands) + len(objects)
    return BoxSet(
        image=np.concatenate([hands.image, objects.image]),
        category=np.concatenate([np.full(len(hands), gt.hand_id, dtype=np.int64), objects.category]),
        boxes=np.concatenate([hands.boxes, objects.boxes]).reshape(n, 4),
        row=np.arange(n, dtype=np.int64),
        crowd=np.concatenate([hands.crowd, objects.crowd]),
    )


def _all_predictions(preds: PredictionTable) -> BoxSet:
    return BoxSet(image=preds.image, category=preds.category, boxes=preds.boxes,
                  row=np.arange(len(preds), dtype=np.int64), score=preds.score)


def _best(pair_det: np.ndarray, pair_gt: np.ndarray, iou: np.ndarray, n_det: int) -> tuple[np.ndarray, np.ndarray]:
    """Per detection, the highest IoU among its pairs and that GT (0 and −1 without pairs)."""
    best_iou, best_gt = np.zeros(n_det), np.full(n_det, -1, dtype=np.int64)
    if pair_det.size:
        order = np.lexsort((-iou, pair_det))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pair_det[order][1:] != pair_det[order][:-1]
        pick = order[first]
        best_iou[pair_det[pick]], best_gt[pair_det[pick]] = iou[pick], pair_gt[pick]
    return best_iou, best_gt


def _claims(kind_mask: np.ndarray, target: np.ndarray, taken: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Which errors of one kind get fixed: the best-ranked per target GT, if no TP took that GT."""
    candidates = np.flatnonzero(kind_mask & (target >= 0))
    candidates = candidates[~taken[target[candidates]]]
    candidates = candidates[np.argsort(rank[candidates], kind="stable")]
    _, first = np.unique(target[candidates], return_index=True)
    claim = np.zeros(kind_mask.size, dtype=bool)
    claim[candidates[first]] = True
    return claim


def _scores(gt_set: BoxSet, dt_set: BoxSet, cats: list[int], n_images: int) -> dict[int, float]:
    return average_precision(gt_set, dt_set, cats, n_images).ap


def box_errors(gt: GroundTruthTable, preds: PredictionTable) -> BoxErrors:
    """Classify every detection and GT, and re-score with each kind fixed alone."""
    cats = [gt.hand_id, *gt.object_ids]
    gt_set, dt_set = _combined_gt(gt), _all_predictions(preds)
    matching = Matching(gt_set, dt_set, cats, gt.n_images)
    status, took = matching.assignments()
    det, n_det = matching.det, len(matching.det)
    gt_rows = matching.gt.row  # combined-GT index of each GT the matching holds
    taken = np.zeros(len(gt_set), dtype=bool)
    taken[gt_rows[took[status == 1]]] = True

    # IoU of every unaccepted detection with every non-crowd GT of its image.
    wrong = np.flatnonzero(status == -1)
    regular = np.flatnonzero(~gt_set.crowd)
    regular = regular[np.argsort(gt_set.image[regular], kind="stable")]
    pd, pg = _pairs(det.image[wrong], gt_set.image[regular])
    pg = regular[pg]
    iou = rowwise_iou(det.boxes[wrong[pd]], gt_set.boxes[pg]) if pd.size else np.zeros(0)
    same = gt_set.category[pg] == det.category[wrong[pd]]
    same_iou, same_gt = _best(pd[same], pg[same], iou[same], wrong.size)
    other_iou, other_gt = _best(pd[~same], pg[~same], iou[~same], wrong.size)
    any_iou = np.maximum(same_iou, other_iou)

    tests = {
        "loc": (same_iou >= BACKGROUND_IOU) & (same_iou < IOU_THRESHOLD),
        "cls": other_iou >= IOU_THRESHOLD,
        "dup": same_iou >= IOU_THRESHOLD,
        "bkg": any_iou < BACKGROUND_IOU,
        "both": np.ones(wrong.size, dtype=bool),
    }
    kind = np.full(wrong.size, _UNASSIGNED, dtype=np.int64)
    for code, name in enumerate(_DETECTION_KINDS):
        kind[(kind == _UNASSIGNED) & tests[name]] = code
    det_kind = np.full(n_det, _UNASSIGNED, dtype=np.int64)
    det_kind[wrong] = kind
    det_target = np.full(n_det, -1, dtype=np.int64)
    det_target[wrong[kind == 0]] = same_gt[kind == 0]
    det_target[wrong[kind == 1]] = other_gt[kind == 1]

    rank = np.empty(n_det, dtype=np.int64)
    rank[accumulation_order(det.score, det.image)] = np.arange(n_det)
    claim_loc = _claims(det_kind == 0, det_target, taken, rank)
    claim_cls = _claims(det_kind == 1, det_target, taken, rank)
    pointed = np.zeros(len(gt_set), dtype=bool)
    pointed[det_target[(det_kind == 0) | (det_kind == 1)]] = True
    missed = ~taken & ~gt_set.crowd & ~pointed

    n_images = gt.n_images
    fixed: dict[str, dict[int, float]] = {}
    for name in _DETECTION_KINDS:
        mine = det_kind == _DETECTION_KINDS.index(name)
        boxes, category = dt_set.boxes.copy(), dt_set.category.copy()
        keep = np.ones(len(dt_set), dtype=bool)
        if name in ("loc", "cls"):
            claim = claim_loc if name == "loc" else claim_cls
            rows, targets = det.row[claim], det_target[claim]
            if name == "loc":
                boxes[rows] = gt_set.boxes[targets]
            else:
                category[rows] = gt_set.category[targets]
            keep[det.row[mine & ~claim]] = False
        else:
            keep[det.row[mine]] = False
        fixed_dt = BoxSet(image=dt_set.image, category=category, boxes=boxes, row=dt_set.row, score=dt_set.score)
        fixed[name] = _scores(gt_set, fixed_dt.take(keep), cats, n_images)
    fixed["missed"] = _scores(gt_set.take(~missed), dt_set, cats, n_images)
    keep = np.ones(len(dt_set), dtype=bool)
    keep[det.row[(status != 1) & (status != -2)]] = False
    fixed["false positives"] = _scores(gt_set, dt_set.take(keep), cats, n_images)
    fixed["false negatives"] = _scores(gt_set.take(taken | gt_set.crowd), dt_set, cats, n_images)

    n_hands = len(gt.hands)
    hand_index = np.full(len(gt_set), -1, dtype=np.int64)
    hand_index[:n_hands] = np.arange(n_hands)
    return BoxErrors(
        det_row=det.row, det_category=det.category, det_kind=det_kind, det_target=det_target, gt_image=gt_set.image,
        gt_category=gt_set.category, gt_boxes=gt_set.boxes, gt_missed=missed, gt_hand_index=hand_index,
        base_ap=_scores(gt_set, dt_set, cats, n_images), fixed_ap=fixed,
    )


def detection_kind_names() -> tuple[str, ...]:
    """The detection kinds in the order `BoxErrors.det_kind` numbers them."""
    return _DETECTION_KINDS
