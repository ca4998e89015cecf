"""The hand-made fixture of ehoi-metrics.md §9, as a foreign-style GT file and prediction records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXPECTED = {
    "AP Hand": 75.0,
    "mAP Objects": 75.0,
    "mAP Target Objects": 100.0,
    "AP Hand + Side": 33.1683,
    "AP Hand + Glove": 75.0,
    "AP Hand + State": 75.0,
    "mAP Hand + State": 100.0,
    "mAP Hand + Target Objects": 100.0,
    "mAP Hand + ALL": 100.0,
    "AP All": 33.1683,
}


def _ann(ann_id: int, image_id: int, cat: int, bbox: list[float], **hand: Any) -> dict[str, Any]:
    out = {"id": ann_id, "image_id": image_id, "category_id": cat, "bbox": bbox, "area": bbox[2] * bbox[3],
           "iscrowd": 0}
    out.update(hand)
    return out


def gt_dict() -> dict[str, Any]:
    """No `info.ehoi`: the lenient reader repairs it (missing dx/dy/magnitude, keypoints, ...)."""
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480},
                   {"id": 2, "file_name": "b.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 0, "name": "pliers"}, {"id": 1, "name": "socket"}, {"id": 2, "name": "board"},
                       {"id": 3, "name": "hand"}],
        "annotations": [
            _ann(1, 1, 0, [100, 100, 100, 100]),
            _ann(2, 1, 1, [300, 100, 100, 100]),
            _ann(3, 1, 3, [80, 180, 60, 60], hand_side=1, gloves=1, contact_state=1, id_obj=1,
                 bbox_obj=[100, 100, 100, 100]),
            _ann(4, 1, 3, [420, 200, 60, 60], hand_side=0, gloves=0, contact_state=0, id_obj=-1, bbox_obj=[]),
            _ann(5, 2, 1, [200, 200, 120, 80]),
            _ann(6, 2, 3, [180, 260, 70, 70], hand_side=0, gloves=1, contact_state=1, id_obj=5,
                 bbox_obj=[200, 200, 120, 80]),
        ],
    }


def write_gt(directory: Path) -> Path:
    path = directory / "fixture_gt.json"
    path.write_text(json.dumps(gt_dict()))
    return path


def _hand(image_id: int, bbox: list[float], score: float, side: int, gloves: int, contact: int,
          bbox_obj: list[float], cat_obj: int, score_obj: float | None = None) -> dict[str, Any]:
    rec: dict[str, Any] = {"image_id": image_id, "category_id": 3, "bbox": bbox, "score": score,
                           "hand_side": side, "gloves": gloves, "contact_state": contact,
                           "bbox_obj": bbox_obj, "category_id_obj": cat_obj}
    if score_obj is not None:
        rec["score_obj"] = score_obj
    return rec


def predictions() -> list[dict[str, Any]]:
    return [
        _hand(1, [82, 182, 58, 58], 0.90, 1, 1, 1, [102, 98, 100, 100], 0, 0.90),  # P1
        _hand(1, [421, 201, 60, 60], 0.80, 1, 0, 0, [], -1),  # P2
        _hand(1, [84, 180, 60, 62], 0.30, 1, 0, 1, [300, 100, 100, 100], 1, 0.60),  # P3
        _hand(2, [182, 262, 70, 68], 0.70, 0, 1, 1, [200, 200, 120, 80], 1, 0.80),  # P4
        _hand(2, [500, 50, 40, 40], 0.95, 0, 0, 0, [], -1),  # P5
        {"image_id": 1, "category_id": 0, "bbox": [101, 99, 100, 100], "score": 0.90},  # O1
        {"image_id": 1, "category_id": 1, "bbox": [300, 100, 100, 100], "score": 0.60},  # O2
        {"image_id": 2, "category_id": 1, "bbox": [200, 200, 120, 80], "score": 0.80},  # O3
        {"image_id": 2, "category_id": 0, "bbox": [10, 10, 30, 30], "score": 0.95},  # O4
    ]
