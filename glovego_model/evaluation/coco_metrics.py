"""Standard COCO bbox and 21-keypoint AP through pycocotools itself (ehoi-metrics.md §7)."""

from __future__ import annotations

import contextlib
import io
from typing import Any, Sequence

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from glovego_data.ehoi_coco import OKS_SIGMAS, EhoiDataset

BBOX_STATS = ("AP", "AP50", "AP75", "APs", "APm", "APl")
KEYPOINT_STATS = ("AP", "AP50", "AP75", "APm", "APl")


def _coco_ground_truth(gt: EhoiDataset, category_ids: set[int]) -> COCO:
    """A pycocotools COCO of `gt`; annotation ids renumbered 1..N (pycocotools treats id 0 as "no match")."""
    images = [{"id": img.id, "file_name": img.file_name, "width": img.width, "height": img.height}
              for img in gt.images]
    annotations = []
    for new_id, ann in enumerate((a for a in gt.annotations if a.category_id in category_ids), start=1):
        annotations.append({
            "id": new_id, "image_id": ann.image_id, "category_id": ann.category_id, "bbox": list(ann.bbox),
            "area": float(ann.area), "iscrowd": int(bool(ann.iscrowd)), "keypoints": list(ann.keypoints),
            "num_keypoints": int(ann.count_keypoints()),
        })
    categories = [{"id": c.id, "name": c.name, "supercategory": c.supercategory or c.name}
                  for c in gt.categories if c.id in category_ids]
    coco = COCO()
    coco.dataset = {"images": images, "categories": categories, "annotations": annotations}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
    return coco


def _run(coco_gt: COCO, results: list[dict[str, Any]], iou_type: str, sigmas: Sequence[float] | None) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco_dt = coco_gt.loadRes(results)
        evaluator = COCOeval(coco_gt, coco_dt, iou_type)
        if sigmas is not None:
            evaluator.params.kpt_oks_sigmas = np.array(sigmas)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return evaluator


def _percent(value: float) -> float | None:
    return None if value < 0 else float(value) * 100.0


def bbox_metrics(gt: EhoiDataset, predictions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """COCOeval `bbox` over every prediction and category: the six stats and AP per category name."""
    category_ids = {c.id for c in gt.categories}
    names = {c.id: c.name for c in gt.categories}
    coco_gt = _coco_ground_truth(gt, category_ids)
    results = [{"image_id": r["image_id"], "category_id": r["category_id"], "bbox": list(r["bbox"]),
                "score": r["score"]} for r in predictions]
    if not results:
        has_gt = {c: bool(coco_gt.getAnnIds(catIds=[c])) for c in sorted(category_ids)}
        out: dict[str, Any] = {key: 0.0 for key in BBOX_STATS}
        out["per_category"] = {names[c]: (0.0 if has_gt[c] else None) for c in sorted(category_ids)}
        return out
    evaluator = _run(coco_gt, results, "bbox", None)
    out = {key: _percent(evaluator.stats[i]) for i, key in enumerate(BBOX_STATS)}
    precision = evaluator.eval["precision"]  # [T, R, K, A, M]
    per_category = {}
    for k, cat_id in enumerate(evaluator.params.catIds):
        values = precision[:, :, k, 0, -1]
        values = values[values > -1]
        per_category[names[cat_id]] = float(np.mean(values)) * 100.0 if values.size else None
    out["per_category"] = per_category
    return out


def keypoint_metrics(gt: EhoiDataset, predictions: Sequence[dict[str, Any]], hand_id: int) -> dict[str, Any] | None:
    """COCOeval `keypoints` on hand predictions carrying keypoints; None without GT keypoints."""
    if not any(a.category_id == hand_id and a.count_keypoints() > 0 for a in gt.annotations):
        return None
    coco_gt = _coco_ground_truth(gt, {hand_id})
    results = [{"image_id": r["image_id"], "category_id": hand_id, "keypoints": list(r["keypoints"]),
                "score": r["score"]}
               for r in predictions if r["category_id"] == hand_id and r.get("keypoints")]
    if not results:
        return {key: 0.0 for key in KEYPOINT_STATS}
    evaluator = _run(coco_gt, results, "keypoints", tuple(OKS_SIGMAS))
    return {key: _percent(evaluator.stats[i]) for i, key in enumerate(KEYPOINT_STATS)}
