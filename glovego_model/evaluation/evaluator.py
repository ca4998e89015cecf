"""`evaluate`: ground truth + prediction records → the `metrics.json` content of ehoi-metrics.md §8."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset
from glovego_model.evaluation.average_precision import IOU_THRESHOLD, MAX_DETS, RECALL_THRESHOLDS
from glovego_model.evaluation.coco_metrics import bbox_metrics, keypoint_metrics
from glovego_model.evaluation.ehoi import EHOI_METRICS, PER_CLASS_METRICS, ehoi_results
from glovego_model.evaluation.ground_truth import GroundTruthTable, ground_truth_table
from glovego_model.evaluation.predictions import PredictionTable, parse_predictions, require_hand_category

SETTINGS = {"iou": IOU_THRESHOLD, "recall_points": int(RECALL_THRESHOLDS.size), "max_dets": MAX_DETS,
            "diagonal": "image"}


@dataclass(frozen=True)
class PRCurve:
    """Precision at the 101 recall thresholds (mean over defined categories for an mAP)."""

    recall: np.ndarray
    precision: np.ndarray


@dataclass(frozen=True)
class EhoiEvaluation:
    metrics: dict[str, Any]  # the metrics.json content
    curves: dict[str, PRCurve]  # per defined EHOI metric
    per_category: dict[str, dict[int, float]]  # per EHOI metric: AP × 100 of each category with GT
    ground_truth: GroundTruthTable | None = None  # the columns scored, for the error report
    predictions: PredictionTable | None = None


def evaluate(gt: EhoiDataset, predictions: Sequence[dict[str, Any]], *, coco: bool = True) -> dict[str, Any]:
    """Score prediction records (§2.2) against `gt`. Inputs are never modified.

    `coco=False` skips the pycocotools bbox/keypoint metrics (slow on large sets), leaving them null.
    """
    return evaluate_detailed(gt, predictions, coco=coco).metrics


def evaluate_detailed(
    gt: EhoiDataset, predictions: Sequence[dict[str, Any]], *, coco: bool = True,
    source: str = "predictions", gt_name: str = "the ground truth",
) -> EhoiEvaluation:
    """`evaluate` plus the precision–recall curves behind each EHOI metric."""
    hand_id = require_hand_category(gt, gt_name)
    if isinstance(predictions, tuple):
        predictions = list(predictions)
    parsed = parse_predictions(predictions, gt, source, gt_name=gt_name)
    table = ground_truth_table(gt, hand_id)
    results = ehoi_results(table, parsed)

    ehoi: dict[str, float] = {}
    undefined: list[str] = []
    curves: dict[str, PRCurve] = {}
    for name in EHOI_METRICS:
        result = results.metrics[name]
        value = result.value
        if value < 0:
            undefined.append(name)
            ehoi[name] = 0.0
        else:
            ehoi[name] = value * 100.0
            curves[name] = PRCurve(recall=RECALL_THRESHOLDS.copy(), precision=result.mean_precision)

    names = {c.id: c.name for c in gt.categories}
    per_class: dict[str, dict[str, Any]] = {}
    for cat_id in table.object_ids:
        row: dict[str, Any] = {}
        for metric, short in PER_CLASS_METRICS.items():
            ap = results.metrics[metric].ap.get(cat_id)
            row[short] = None if ap is None else ap * 100.0
        row["gt_hands"] = results.gt_hands_per_class[cat_id]
        row["pred_hands"] = results.pred_hands_per_class[cat_id]
        per_class[names[cat_id]] = row

    metrics = {
        "ehoi": ehoi,
        "undefined": undefined,
        "per_class": per_class,
        "coco": {"bbox": bbox_metrics(gt, predictions) if coco else None,
                 "keypoints": keypoint_metrics(gt, predictions, hand_id) if coco else None},
        "counts": {
            "images": len(gt.images),
            "gt_hands": len(table.hands),
            "gt_objects": len(table.objects),
            "predictions": len(predictions),
            "hand_predictions": int(np.count_nonzero(parsed.is_hand)),
        },
        "settings": dict(SETTINGS),
    }
    per_category = {name: {cat: ap * 100.0 for cat, ap in results.metrics[name].ap.items()} for name in EHOI_METRICS}
    return EhoiEvaluation(metrics=metrics, curves=curves, per_category=per_category, ground_truth=table,
                          predictions=parsed)
