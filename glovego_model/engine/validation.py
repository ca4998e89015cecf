"""Validation during training: predictions on a held-out index, scored with the EHOI evaluator when
it is available, plus hand AP50 (pycocotools) and per-hand attribute accuracies."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np

from glovego_data.ehoi_coco import dataset_to_dict
from glovego_data.ehoi_coco.geometry import box_iou
from glovego_model.data.index import DatasetIndex
from glovego_model.data.transforms import load_sample
from glovego_model.detections import ImageDetections


def predict_index(predictor: Any, index: DatasetIndex, batch_size: int = 8) -> list[ImageDetections]:
    detections: list[ImageDetections] = []
    for start in range(0, len(index), batch_size):
        records = index.records[start : start + batch_size]
        images = [load_sample(r, with_masks=False, with_depth=False).image for r in records]
        detections.extend(predictor.predict(images, [r.image_id for r in records], batch_size=batch_size))
    return detections


def coco_records(detections: list[ImageDetections]) -> list[dict]:
    """Plain COCO results (image_id, category_id, bbox, score) for pycocotools."""
    out = []
    for det in detections:
        for i in range(len(det)):
            out.append({"image_id": det.image_id, "category_id": int(det.category_ids[i]),
                        "bbox": [float(v) for v in det.boxes_xywh[i]], "score": float(det.scores[i])})
    return out


def coco_bbox_metrics(index: DatasetIndex, detections: list[ImageDetections]) -> dict[str, float]:
    """COCO bbox AP / AP50 over all classes and AP50 of the hand class, via pycocotools itself."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    records = coco_records(detections)
    if not records:
        return {"bbox_AP": 0.0, "bbox_AP50": 0.0, "hand_AP50": 0.0}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = dataset_to_dict(index.dataset)
        gt.createIndex()
        dt = gt.loadRes(records)
        out = {}
        ev = COCOeval(gt, dt, "bbox")
        ev.evaluate(); ev.accumulate(); ev.summarize()
        out["bbox_AP"], out["bbox_AP50"] = float(ev.stats[0]), float(ev.stats[1])
        ev = COCOeval(gt, dt, "bbox")
        ev.params.catIds = [index.dataset.hand_category_id]
        ev.evaluate(); ev.accumulate(); ev.summarize()
        out["hand_AP50"] = max(0.0, float(ev.stats[1]))
    return out


def hand_attribute_accuracy(index: DatasetIndex, detections: list[ImageDetections],
                            min_score: float = 0.3) -> dict[str, float]:
    """Per GT hand, the best-IoU hand detection (IoU ≥ 0.5, score ≥ `min_score`); side, contact and
    glove accuracy over GT hands with a known value (a missed hand counts as wrong)."""
    by_id = {d.image_id: d for d in detections}
    hand_label = len(index.category_names) - 1
    right: dict[str, int] = {"side": 0, "contact": 0, "glove": 0}
    total: dict[str, int] = {"side": 0, "contact": 0, "glove": 0}
    for record in index.records:
        det = by_id.get(record.image_id)
        rows = [] if det is None else [i for i in range(len(det))
                                        if det.category_ids[i] == hand_label and det.scores[i] >= min_score]
        for g in np.flatnonzero(record.is_hand):
            best, best_iou = None, 0.5
            for i in rows:
                iou = box_iou(record.boxes_xywh[g].tolist(), det.boxes_xywh[i].tolist())
                if iou >= best_iou:
                    best, best_iou = i, iou
            for key, gt_values, probs in (("side", record.side, None if det is None else det.side_prob),
                                          ("contact", record.contact, None if det is None else det.contact_prob),
                                          ("glove", record.glove, None if det is None else det.glove_prob)):
                if gt_values[g] < 0:
                    continue
                total[key] += 1
                if best is not None and int(probs[best] > 0.5) == int(gt_values[g]):
                    right[key] += 1
    return {f"{k}_accuracy": (right[k] / total[k] if total[k] else float("nan")) for k in right}


def ehoi_metrics(index: DatasetIndex, detections: list[ImageDetections]) -> dict[str, float] | None:
    """The EHOI evaluator's metrics (×100 as published), or None while it is not available."""
    try:
        from glovego_model.association import detections_to_records
        from glovego_model.evaluation import evaluate
    except ImportError:
        return None
    hand_id = index.dataset.hand_category_id
    records = [r for det in detections for r in detections_to_records(det, hand_id)]
    return dict(evaluate(index.dataset, records, coco=False)["ehoi"])


def validate(predictor: Any, index: DatasetIndex, batch_size: int = 8) -> dict[str, float]:
    """All validation numbers plus `headline`: mAP Hand + ALL (AP Hand without contact GT), else hand AP50."""
    detections = predict_index(predictor, index, batch_size)
    metrics: dict[str, float] = {}
    metrics.update(coco_bbox_metrics(index, detections))
    metrics.update(hand_attribute_accuracy(index, detections))
    ehoi = ehoi_metrics(index, detections)
    if ehoi is not None:
        metrics.update(ehoi)
        has_contact = any((r.contact[r.is_hand] == 1).any() for r in index.records)
        metrics["headline"] = float(ehoi["mAP Hand + ALL"] if has_contact else ehoi["AP Hand"])
    else:
        metrics["headline"] = 100.0 * metrics["hand_AP50"]
    return metrics
