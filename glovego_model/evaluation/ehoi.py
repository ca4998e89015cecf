"""The EHOI metrics of ehoi-metrics.md §4–§5, each one `average_precision` call with its GT,
detections, categories and attribute gate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glovego_model.evaluation.average_precision import (
    IOU_THRESHOLD,
    APResult,
    BoxSet,
    Matching,
    average_precision,
    rowwise_iou,
)
from glovego_model.evaluation.ground_truth import GroundTruthTable, HandTable
from glovego_model.evaluation.predictions import PredictionTable

EHOI_METRICS: tuple[str, ...] = (
    "AP Hand",
    "mAP Objects",
    "mAP Target Objects",
    "AP Hand + Side",
    "AP Hand + Glove",
    "AP Hand + State",
    "mAP Hand + State",
    "mAP Hand + Target Objects",
    "mAP Hand + ALL",
    "AP All",
)
PER_CLASS_METRICS: dict[str, str] = {
    "mAP Hand + State": "Hand + State",
    "mAP Hand + Target Objects": "Hand + Target Objects",
    "mAP Hand + ALL": "Hand + ALL",
}


class _Gates:
    """The gates of §4 as vectorised functions of (GT hand rows, prediction rows)."""

    def __init__(self, hands: HandTable, preds: PredictionTable) -> None:
        self.g = hands
        self.d = preds

    def side(self, gi: np.ndarray, di: np.ndarray) -> np.ndarray:
        return self.g.side[gi] == self.d.side[di]

    def glove(self, gi: np.ndarray, di: np.ndarray) -> np.ndarray:
        return self.g.gloves[gi] == self.d.gloves[di]

    def state(self, gi: np.ndarray, di: np.ndarray) -> np.ndarray:
        return self.g.contact[gi] == self.d.contact[di]

    def obj(self, gi: np.ndarray, di: np.ndarray, cls: bool) -> np.ndarray:
        g_has, d_has = self.g.has_obj[gi], self.d.has_obj[di]
        close = rowwise_iou(self.g.bbox_obj[gi], self.d.bbox_obj[di]) >= IOU_THRESHOLD
        if cls:
            close &= self.g.cat_obj[gi] == self.d.category_obj[di]
        return (self.g.contact[gi] != 1) | ((g_has == d_has) & (~g_has | close))

    def all(self, gi: np.ndarray, di: np.ndarray, cls: bool) -> np.ndarray:
        return self.state(gi, di) & self.obj(gi, di, cls) & self.side(gi, di)


@dataclass(frozen=True)
class EhoiResults:
    """One APResult per metric; the per-class ones keyed by object category id."""

    metrics: dict[str, APResult]
    gt_hands_per_class: dict[int, int]
    pred_hands_per_class: dict[int, int]


def hand_box_sets(gt: GroundTruthTable, preds: PredictionTable) -> tuple[BoxSet, BoxSet]:
    """GT hands (row = hand index) and hand predictions (row = record index): AP Hand's inputs."""
    hands, n = gt.hands, len(gt.hands)
    gt_hands = BoxSet(image=hands.image, category=np.full(n, gt.hand_id, dtype=np.int64), boxes=hands.boxes,
                      row=np.arange(n, dtype=np.int64), crowd=hands.crowd)
    hand_rows = np.flatnonzero(preds.is_hand)
    dt_hands = BoxSet(image=preds.image[hand_rows], category=preds.category[hand_rows], boxes=preds.boxes[hand_rows],
                      row=hand_rows, score=preds.score[hand_rows])
    return gt_hands, dt_hands


def ehoi_results(gt: GroundTruthTable, preds: PredictionTable) -> EhoiResults:
    hands, hand_id, n_images = gt.hands, gt.hand_id, gt.n_images
    gates = _Gates(hands, preds)
    gt_hands, dt_hands = hand_box_sets(gt, preds)
    hand_rows = dt_hands.row
    all_preds = BoxSet(image=preds.image, category=preds.category, boxes=preds.boxes,
                       row=np.arange(len(preds), dtype=np.int64), score=preds.score)

    targets = np.flatnonzero(hands.cat_obj != -1)
    gt_targets = BoxSet(image=hands.image[targets], category=hands.cat_obj[targets],
                        boxes=hands.target_boxes[targets], row=targets, crowd=np.zeros(targets.size, dtype=bool))
    target_rows = np.flatnonzero(preds.is_hand & (preds.contact == 1) & preds.has_obj)
    dt_targets = BoxSet(image=preds.image[target_rows], category=preds.category_obj[target_rows],
                        boxes=preds.bbox_obj[target_rows], row=target_rows, score=preds.score_obj[target_rows])

    gt_by_class = BoxSet(image=hands.image[targets], category=hands.cat_obj[targets], boxes=hands.boxes[targets],
                         row=targets, crowd=hands.crowd[targets])
    dt_by_class = BoxSet(image=dt_hands.image, category=preds.category_obj[hand_rows], boxes=dt_hands.boxes,
                         row=hand_rows, score=dt_hands.score)

    hand_match = Matching(gt_hands, dt_hands, [hand_id], n_images)
    class_match = Matching(gt_by_class, dt_by_class, gt.object_ids, n_images)
    metrics = {
        "AP Hand": hand_match.average_precision(),
        "mAP Objects": average_precision(gt.objects, all_preds, gt.object_ids, n_images),
        "mAP Target Objects": average_precision(gt_targets, dt_targets, gt.object_ids, n_images),
        "AP Hand + Side": hand_match.average_precision(hands.side != -1, gates.side),
        "AP Hand + Glove": hand_match.average_precision(hands.gloves != -1, gates.glove),
        "AP Hand + State": hand_match.average_precision(hands.contact != -1, gates.state),
        "mAP Hand + State": class_match.average_precision(gate=gates.state),
        "mAP Hand + Target Objects": class_match.average_precision(gate=lambda g, d: gates.obj(g, d, True)),
        "mAP Hand + ALL": class_match.average_precision(gate=lambda g, d: gates.all(g, d, True)),
        "AP All": hand_match.average_precision(gate=lambda g, d: gates.all(g, d, False)),
    }
    objects = gt.object_ids
    gt_counts = np.bincount(hands.cat_obj[targets], minlength=max(objects, default=0) + 1) if targets.size else None
    pred_cats = preds.category_obj[hand_rows]
    return EhoiResults(
        metrics=metrics,
        gt_hands_per_class={c: int(gt_counts[c]) if gt_counts is not None and c < gt_counts.size else 0
                            for c in objects},
        pred_hands_per_class={c: int(np.count_nonzero(pred_cats == c)) for c in objects},
    )
