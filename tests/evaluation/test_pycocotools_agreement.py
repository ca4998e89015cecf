"""AP Hand and mAP Objects equal pycocotools' own AP@0.5 (crowd GT included), category by category."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from random_ehoi import random_case

from glovego_data.ehoi_coco import dataset_from_dict
from glovego_model.evaluation import evaluate_detailed


def _coco_ap50(gt_raw: dict, records: list[dict]) -> dict[int, float]:
    coco = COCO()
    coco.dataset = {"images": gt_raw["images"], "categories": gt_raw["categories"],
                    "annotations": [dict(a) for a in gt_raw["annotations"]]}
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
        evaluator = COCOeval(coco, coco.loadRes([{k: r[k] for k in ("image_id", "category_id", "bbox", "score")}
                                                 for r in records]), "bbox")
        evaluator.params.iouThrs = np.array([0.5])
        evaluator.evaluate()
        evaluator.accumulate()
    out = {}
    for k, cat in enumerate(evaluator.params.catIds):
        values = evaluator.eval["precision"][0, :, k, 0, -1]
        if (values > -1).any():
            out[cat] = float(values.mean()) * 100
    return out


@pytest.mark.parametrize("seed", range(8))
def test_hand_and_object_ap_equal_pycocotools(seed):
    rng = np.random.default_rng(500 + seed)
    gt_raw, records = random_case(rng, 8, hands_per_image=2.5, objects_per_image=5, n_classes=3, coarse=seed % 2 == 0)
    for ann in gt_raw["annotations"]:  # some crowd regions: matched detections are ignored, not FPs
        if rng.random() < 0.15:
            ann["iscrowd"] = 1
    expected = _coco_ap50(gt_raw, records)
    gt = dataset_from_dict(gt_raw)
    evaluation = evaluate_detailed(gt, records, coco=False)
    hand = gt.hand_category_id
    ours = {**evaluation.per_category["mAP Objects"], hand: evaluation.metrics["ehoi"]["AP Hand"]}
    assert ours.keys() == expected.keys()
    for cat, value in expected.items():
        assert ours[cat] == pytest.approx(value, abs=1e-9), cat
