"""EHOI errors on hands whose box is right, each re-scored by the real evaluator with it fixed.

"Box right" = a true positive of AP Hand's own matching (IoU ≥ 0.5, no gate). On each such pair
(GT hand g, predicted hand d), with −1 labels on the GT side never counted:

- `side`, `contact`, `glove`: d's label differs from g's. A hand can have several of these; it
  counts once in each, and each fix changes only its own label.
- For g in contact (`contact_state = 1`), the link to its active object, one kind per hand, the
  first that applies: `no_object` (d links nothing), `wrong_object` (d's object box has IoU < 0.1
  with g's: the offset points elsewhere; also a link where g has no object box), `object_box`
  (IoU in [0.1, 0.5)), `object_class` (IoU ≥ 0.5, class differs). Each of the four fixes replaces
  d's link with g's active object (box and class; no link where g has none). A hand whose contact
  is wrong is also counted here when it links nothing: both fixes are needed to score it.

A fix writes g's values into a copy of the prediction columns; `ehoi_results` then scores all ten
metrics exactly as `glovego eval` does. dAP of a kind = metric after its fix − metric as scored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from glovego_model.evaluation.average_precision import IOU_THRESHOLD, Matching, rowwise_iou
from glovego_model.evaluation.ehoi import EHOI_METRICS, ehoi_results, hand_box_sets
from glovego_model.evaluation.errors.box import BACKGROUND_IOU
from glovego_model.evaluation.ground_truth import GroundTruthTable
from glovego_model.evaluation.predictions import PredictionTable

EHOI_KINDS: tuple[str, ...] = ("side", "contact", "glove", "no_object", "wrong_object", "object_box", "object_class")
EHOI_KIND_NAMES = {"side": "wrong side", "contact": "wrong contact", "glove": "wrong glove",
                   "no_object": "no object linked", "wrong_object": "wrong object (offset points elsewhere)",
                   "object_box": "wrong object box", "object_class": "wrong object class"}
OWN_METRIC = {"side": "AP Hand + Side", "contact": "AP Hand + State", "glove": "AP Hand + Glove",
              "no_object": "mAP Hand + Target Objects", "wrong_object": "mAP Hand + Target Objects",
              "object_box": "mAP Hand + Target Objects", "object_class": "mAP Hand + Target Objects"}
HEADLINE = "mAP Hand + ALL"
ALL_FIXED = "all EHOI kinds"


@dataclass(frozen=True)
class EhoiErrors:
    """The true-positive hand pairs, each pair's kinds, and the metrics before / after each fix."""

    gt_hand: np.ndarray  # hand-table index of each pair
    pred_row: np.ndarray  # prediction record index of each pair
    kinds: dict[str, np.ndarray]  # bool per pair
    base: dict[str, float]  # the ten metrics × 100, undefined as NaN
    fixed: dict[str, dict[str, float]]  # per kind and ALL_FIXED


def _values(gt: GroundTruthTable, preds: PredictionTable) -> dict[str, float]:
    results = ehoi_results(gt, preds).metrics
    return {name: (results[name].value * 100.0 if results[name].value >= 0 else float("nan")) for name in EHOI_METRICS}


def _pairs_kinds(gt: GroundTruthTable, preds: PredictionTable, g: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    hands = gt.hands
    kinds = {
        "side": (hands.side[g] != -1) & (preds.side[d] != hands.side[g]),
        "contact": (hands.contact[g] != -1) & (preds.contact[d] != hands.contact[g]),
        "glove": (hands.gloves[g] != -1) & (preds.gloves[d] != hands.gloves[g]),
    }
    in_contact = hands.contact[g] == 1
    g_has, d_has = hands.has_obj[g], preds.has_obj[d]
    iou = rowwise_iou(preds.bbox_obj[d], hands.bbox_obj[g])
    iou = np.where(g_has & d_has, np.nan_to_num(iou), 0.0)
    open_ = in_contact.copy()
    for name, test in (
        ("no_object", g_has & ~d_has),
        ("wrong_object", d_has & (~g_has | (iou < BACKGROUND_IOU))),
        ("object_box", g_has & d_has & (iou >= BACKGROUND_IOU) & (iou < IOU_THRESHOLD)),
        ("object_class", g_has & d_has & (iou >= IOU_THRESHOLD) & (hands.cat_obj[g] != preds.category_obj[d])),
    ):
        kinds[name] = open_ & test
        open_ &= ~test
    return kinds


def _fix(gt: GroundTruthTable, preds: PredictionTable, g: np.ndarray, d: np.ndarray, kinds: list[str],
         masks: dict[str, np.ndarray]) -> PredictionTable:
    """A copy of `preds` with the given kinds set to the GT's values on their pairs."""
    hands = gt.hands
    side, gloves, contact = preds.side.copy(), preds.gloves.copy(), preds.contact.copy()
    bbox_obj, has_obj = preds.bbox_obj.copy(), preds.has_obj.copy()
    category_obj, score_obj = preds.category_obj.copy(), preds.score_obj.copy()
    for name in kinds:
        mask = masks[name]
        gi, di = g[mask], d[mask]
        if name == "side":
            side[di] = hands.side[gi]
        elif name == "glove":
            gloves[di] = hands.gloves[gi]
        elif name == "contact":
            contact[di] = hands.contact[gi]
        else:
            bbox_obj[di] = hands.bbox_obj[gi]
            has_obj[di] = hands.has_obj[gi]
            category_obj[di] = np.where(hands.has_obj[gi], hands.cat_obj[gi], -1)
            score_obj[di] = np.where(hands.has_obj[gi], np.where(np.isnan(score_obj[di]), preds.score[di],
                                                                 score_obj[di]), np.nan)
    return replace(preds, side=side, gloves=gloves, contact=contact, bbox_obj=bbox_obj, has_obj=has_obj,
                   category_obj=category_obj, score_obj=score_obj)


def ehoi_errors(gt: GroundTruthTable, preds: PredictionTable) -> EhoiErrors:
    """Find every EHOI error of box-right hands and score the ten metrics with each kind fixed."""
    gt_hands, dt_hands = hand_box_sets(gt, preds)
    matching = Matching(gt_hands, dt_hands, [gt.hand_id], gt.n_images)
    status, took = matching.assignments()
    tp = status == 1
    g = matching.gt.row[took[tp]]
    d = matching.det.row[tp]
    kinds = _pairs_kinds(gt, preds, g, d)
    fixed = {name: _values(gt, _fix(gt, preds, g, d, [name], kinds)) for name in EHOI_KINDS}
    fixed[ALL_FIXED] = _values(gt, _fix(gt, preds, g, d, list(EHOI_KINDS), kinds))
    return EhoiErrors(gt_hand=g, pred_row=d, kinds=kinds, base=_values(gt, preds), fixed=fixed)


def confusion(gt: GroundTruthTable, preds: PredictionTable, errors: EhoiErrors) -> dict[str, dict[str, object]]:
    """Side, contact and glove confusion matrices over the box-right hands (rows GT, columns
    prediction; labels −1 = none / unknown, 0, 1)."""
    hands = gt.hands
    labels = {"side": ["none", "left", "right"], "contact": ["unknown", "no contact", "contact"],
              "glove": ["unknown", "bare", "glove"]}
    columns = {"side": (hands.side, preds.side), "contact": (hands.contact, preds.contact),
               "glove": (hands.gloves, preds.gloves)}
    out: dict[str, dict[str, object]] = {}
    for name, (g_col, d_col) in columns.items():
        matrix = np.zeros((3, 3), dtype=np.int64)
        np.add.at(matrix, (g_col[errors.gt_hand] + 1, d_col[errors.pred_row] + 1), 1)
        out[name] = {"labels": labels[name], "matrix": matrix.tolist()}
    return out
