"""`report.json`: every number the error report shows, so scripts and papers quote the same figures.

Built from an `EhoiEvaluation` (the numbers of `metrics.json`) plus the box and EHOI error
analyses. Galleries keep the `GALLERY_SIZE` images that lose most per kind (the sum of the scores of
that kind's wrong detections; missed GT count 1 each), so the report stays small on any test set.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset
from glovego_model.evaluation.average_precision import IOU_THRESHOLD
from glovego_model.evaluation.errors import (
    ALL_FIXED,
    BOX_KINDS,
    EHOI_KIND_NAMES,
    EHOI_KINDS,
    HEADLINE,
    KIND_NAMES,
    ORACLES,
    OWN_METRIC,
    BoxErrors,
    EhoiErrors,
    box_errors,
    confusion,
    ehoi_errors,
)
from glovego_model.evaluation.errors.box import BACKGROUND_IOU, detection_kind_names
from glovego_model.evaluation.evaluator import EhoiEvaluation

REPORT_VERSION = 1
GALLERY_SIZE = 12
COMPARE_SIZE = 12
ALL_KINDS: tuple[str, ...] = BOX_KINDS + EHOI_KINDS
OBJECTS_ROW = "mAP Objects"


def _points(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def _mean(values: list[float]) -> float | None:
    return float(np.mean(values)) if values else None


def _delta(after: float | None, before: float | None) -> float | None:
    return None if after is None or before is None else after - before


def _box_table(errors: BoxErrors, names: dict[int, str], hand_id: int, object_ids: list[int]) -> dict[str, Any]:
    """Counts and dAP per category (hand first), and the hand / mean-over-objects summary rows."""
    det_cat = errors.det_category
    kinds = detection_kind_names()
    rows: dict[str, Any] = {}
    for cat in [hand_id, *object_ids]:
        counts = {k: int(np.count_nonzero(errors.kind_of(k) & (det_cat == cat))) for k in kinds}
        counts["missed"] = int(np.count_nonzero(errors.gt_missed & (errors.gt_category == cat)))
        base = errors.base_ap.get(cat)
        dap = {k: _delta(_scaled(errors.fixed_ap[k].get(cat)), _scaled(base)) for k in BOX_KINDS + ORACLES}
        rows["hand" if cat == hand_id else names[cat]] = {"ap": _scaled(base), "counts": counts, "dap": dap}
    defined = [c for c in object_ids if c in errors.base_ap]
    base_mean = _mean([errors.base_ap[c] * 100 for c in defined])
    objects = {"ap": base_mean, "counts": {k: sum(rows[names[c]]["counts"][k] for c in object_ids) for k in BOX_KINDS},
               "dap": {k: _delta(_mean([v * 100 for c, v in errors.fixed_ap[k].items() if c != hand_id]), base_mean)
                       for k in BOX_KINDS + ORACLES}}
    return {"kinds": list(BOX_KINDS), "oracles": list(ORACLES), "names": {k: KIND_NAMES[k] for k in BOX_KINDS},
            "summary": {"AP Hand": rows["hand"], OBJECTS_ROW: objects}, "per_class": rows}


def _scaled(ap: float | None) -> float | None:
    return None if ap is None else ap * 100.0


def _ehoi_table(errors: EhoiErrors) -> dict[str, Any]:
    rows = {}
    any_kind = np.logical_or.reduce([errors.kinds[k] for k in EHOI_KINDS])
    for kind in (*EHOI_KINDS, ALL_FIXED):
        fixed = errors.fixed[kind]
        own = OWN_METRIC.get(kind, HEADLINE)
        rows[kind] = {
            "count": int(np.count_nonzero(errors.kinds[kind] if kind in errors.kinds else any_kind)),
            "metric": own,
            "dap": _delta(_points(fixed[own]), _points(errors.base[own])),
            "dap_headline": _delta(_points(fixed[HEADLINE]), _points(errors.base[HEADLINE])),
            "dap_all": {m: _delta(_points(v), _points(errors.base[m])) for m, v in fixed.items()},
        }
    return {"kinds": list(EHOI_KINDS), "names": dict(EHOI_KIND_NAMES, **{ALL_FIXED: ALL_FIXED}),
            "headline": HEADLINE, "box_right_hands": int(errors.gt_hand.size), "rows": rows}


class _ImageErrors:
    """Every error as (kind, image rank, record), and per image and kind: count and loss."""

    def __init__(self, evaluation: EhoiEvaluation, box: BoxErrors, ehoi: EhoiErrors) -> None:
        table, preds = evaluation.ground_truth, evaluation.predictions
        n = table.n_images
        self.count = {k: np.zeros(n, dtype=np.int64) for k in ALL_KINDS}
        self.loss = {k: np.zeros(n) for k in ALL_KINDS}
        self._items: list[tuple[np.ndarray, list[dict[str, Any]]]] = []
        self.gloves = np.zeros((n, 3), dtype=np.int64)  # GT hands per image: unknown, bare, glove
        np.add.at(self.gloves, (table.hands.image, table.hands.gloves + 1), 1)
        for kind in detection_kind_names():
            at = np.flatnonzero(box.kind_of(kind))
            rows = box.det_row[at]
            self._add(kind, preds.image[rows], preds.score[rows], [
                {"kind": kind, "record": int(r), "bbox": preds.boxes[r].tolist(), "score": float(preds.score[r]),
                 "category_id": int(preds.category[r]),
                 "target": box.gt_boxes[t].tolist() if t >= 0 else None}
                for r, t in zip(rows.tolist(), box.det_target[at].tolist())])
        missed = np.flatnonzero(box.gt_missed)
        self._add("missed", box.gt_image[missed], np.ones(missed.size), [
            {"kind": "missed", "bbox": box.gt_boxes[i].tolist(), "category_id": int(box.gt_category[i])}
            for i in missed.tolist()])
        for kind in EHOI_KINDS:
            rows = ehoi.pred_row[ehoi.kinds[kind]]
            self._add(kind, preds.image[rows], preds.score[rows], [
                {"kind": kind, "record": int(r), "bbox": preds.boxes[r].tolist(), "score": float(preds.score[r]),
                 "category_id": int(preds.category[r])} for r in rows.tolist()])

    def _add(self, kind: str, images: np.ndarray, weights: np.ndarray, items: list[dict[str, Any]]) -> None:
        np.add.at(self.count[kind], images, 1)
        np.add.at(self.loss[kind], images, weights)
        self._items.append((images, items))

    def items_of(self, ranks: set[int]) -> dict[int, list[dict[str, Any]]]:
        out: dict[int, list[dict[str, Any]]] = {r: [] for r in ranks}
        for images, items in self._items:
            for rank, item in zip(images.tolist(), items):
                if rank in out:
                    out[rank].append(item)
        return out

    def worst(self, kind: str, size: int) -> list[int]:
        loss = self.loss[kind]
        order = np.lexsort((np.arange(loss.size), -loss))
        return [int(r) for r in order[:size] if loss[r] > 0]


def thumbnail_name(rank: int) -> str:
    """The gallery picture of the image of rank `rank` (ascending id order)."""
    return f"thumbs/image_{rank:06d}.jpg"


def build_report(gt: EhoiDataset, evaluation: EhoiEvaluation, *, sources: dict[str, str],
                 gallery_size: int = GALLERY_SIZE, other: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report.json content (without `missing_images`, which the picture writer adds); with
    `other` (an earlier report.json or metrics.json) also `compare`."""
    table, preds = evaluation.ground_truth, evaluation.predictions
    if table is None or preds is None:
        raise ValueError("the evaluation carries no tables (evaluate_detailed builds them)")
    box = box_errors(table, preds)
    ehoi = ehoi_errors(table, preds)
    names = {c.id: c.name for c in gt.categories}
    errors = _ImageErrors(evaluation, box, ehoi)
    by_rank = _images_by_rank(gt, table.image_rank)
    galleries = {kind: errors.worst(kind, gallery_size) for kind in ALL_KINDS}
    shown = set().union(*galleries.values())
    report = {
        "version": REPORT_VERSION,
        "sources": sources,
        "settings": {"iou": IOU_THRESHOLD, "background_iou": BACKGROUND_IOU, "gallery_size": gallery_size},
        "categories": {str(c): n for c, n in names.items()},
        "hand_category_id": table.hand_id,
        "metrics": evaluation.metrics,
        "per_class_ap": {metric: {names[c]: v for c, v in values.items()}
                         for metric, values in evaluation.per_category.items() if metric.startswith("mAP")},
        "curves": {name: [float(v) for v in curve.precision] for name, curve in evaluation.curves.items()},
        "box_errors": _box_table(box, names, table.hand_id, table.object_ids),
        "ehoi_errors": _ehoi_table(ehoi),
        "confusion": confusion(table, preds, ehoi),
        "galleries": {kind: [str(r) for r in ranks] for kind, ranks in galleries.items()},
        "images": _image_entries(by_rank, errors, shown),
        "per_image": {"image_ids": [by_rank[r].id for r in range(table.n_images)],
                      "counts": {k: errors.count[k].tolist() for k in ALL_KINDS}},
        "compare": None,
    }
    if other is not None:
        report["compare"] = compare = compare_reports(report, other)
        extra = {int(entry["rank"]) for entry in compare["images"]} - shown
        report["images"].update(_image_entries(by_rank, errors, extra))
        report["images"] = dict(sorted(report["images"].items(), key=lambda item: int(item[0])))
    return report


def _images_by_rank(gt: EhoiDataset, ranks: dict[Any, int]) -> dict[int, Any]:
    return {ranks[img.id]: img for img in gt.images}


def _image_entries(by_rank: dict[int, Any], errors: _ImageErrors, ranks: set[int]) -> dict[str, Any]:
    """Per gallery image: its errors, and what the page filters on (GT gloves, video, source)."""
    items = errors.items_of(ranks)
    return {str(r): {"image_id": by_rank[r].id, "file_name": by_rank[r].file_name, "thumb": thumbnail_name(r),
                     "video": by_rank[r].video, "source": by_rank[r].source,
                     "gt_gloves": {"glove": int(errors.gloves[r, 2]), "bare": int(errors.gloves[r, 1])},
                     "counts": {k: int(errors.count[k][r]) for k in ALL_KINDS if errors.count[k][r]},
                     "errors": items[r]} for r in sorted(ranks)}


def compare_reports(ours: dict[str, Any], other: dict[str, Any], *, size: int = COMPARE_SIZE) -> dict[str, Any]:
    """Deltas (ours − other) of the metrics and dAPs, and the images whose error counts differ most.

    `other` is a report.json, or a bare metrics.json (then only metric deltas)."""
    other_metrics = other.get("metrics", other)
    out: dict[str, Any] = {"metrics": {m: v - other_metrics["ehoi"][m] for m, v in ours["metrics"]["ehoi"].items()
                                       if m in other_metrics.get("ehoi", {})},
                           "box_dap": {}, "ehoi_dap": {}, "images": [], "same_images": False}
    if "box_errors" not in other:
        return out
    for row, values in ours["box_errors"]["summary"].items():
        theirs = other["box_errors"]["summary"].get(row, {}).get("dap", {})
        out["box_dap"][row] = {k: _delta(v, theirs.get(k)) for k, v in values["dap"].items()}
    theirs_ehoi = other["ehoi_errors"]["rows"]
    out["ehoi_dap"] = {k: {"dap": _delta(v["dap"], theirs_ehoi.get(k, {}).get("dap")),
                           "dap_headline": _delta(v["dap_headline"], theirs_ehoi.get(k, {}).get("dap_headline"))}
                       for k, v in ours["ehoi_errors"]["rows"].items()}
    mine, theirs_images = ours["per_image"], other.get("per_image", {})
    if mine["image_ids"] != theirs_images.get("image_ids"):
        return out
    out["same_images"] = True
    a = np.array([mine["counts"][k] for k in ALL_KINDS]).reshape(len(ALL_KINDS), -1)
    b = np.array([theirs_images["counts"].get(k, [0] * a.shape[1]) for k in ALL_KINDS]).reshape(a.shape)
    diff = np.abs(a - b).sum(axis=0)
    order = np.lexsort((np.arange(diff.size), -diff))
    out["images"] = [{"rank": str(int(r)), "difference": int(diff[r]),
                      "ours": {k: int(a[i, r]) for i, k in enumerate(ALL_KINDS) if a[i, r]},
                      "other": {k: int(b[i, r]) for i, k in enumerate(ALL_KINDS) if b[i, r]}}
                     for r in order[:size] if diff[r] > 0]
    return out
