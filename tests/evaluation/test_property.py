"""The vectorised evaluator equals a plain per-detection implementation of the spec's pseudo-code."""

from __future__ import annotations

import numpy as np
import pytest
from plain_ehoi import plain_ehoi
from random_ehoi import random_case

from glovego_data.ehoi_coco import dataset_from_dict
from glovego_model.evaluation import EHOI_METRICS, evaluate


def _compare(gt_raw, records) -> None:
    gt = dataset_from_dict(gt_raw, source="random.json")
    ours = evaluate(gt, records, coco=False)
    plain = plain_ehoi(gt, records)
    for name in EHOI_METRICS:
        expected = plain[name]
        if expected is None:
            assert name in ours["undefined"] and ours["ehoi"][name] == 0.0, name
        else:
            assert name not in ours["undefined"], name
            assert ours["ehoi"][name] == pytest.approx(expected, abs=1e-9), name


@pytest.mark.parametrize("seed", range(100))
def test_random_dataset_matches_plain_implementation(seed):
    rng = np.random.default_rng(seed)
    coarse = seed % 2 == 0
    gt_raw, records = random_case(rng, n_images=int(rng.integers(1, 7)), hands_per_image=float(rng.uniform(0.5, 3)),
                                  objects_per_image=float(rng.uniform(0, 5)), n_classes=int(rng.integers(1, 4)),
                                  coarse=coarse)
    _compare(gt_raw, records)


def test_more_than_100_detections_per_image_keeps_the_top_100():
    rng = np.random.default_rng(7)
    gt_raw, records = random_case(rng, n_images=2, hands_per_image=3, objects_per_image=4, n_classes=2, coarse=True)
    hand = gt_raw["categories"][-1]["id"]
    image_id = gt_raw["images"][0]["id"]
    gt_hand = next(a for a in gt_raw["annotations"] if a["category_id"] == hand and a["image_id"] == image_id)
    for k in range(130):
        records.append({"image_id": image_id, "category_id": hand, "bbox": list(gt_hand["bbox"]),
                        "score": 0.5 + (k % 5) / 100, "hand_side": k % 2, "contact_state": 0})
    _compare(gt_raw, records)


@pytest.mark.parametrize("seed", range(10))
def test_column_checks_and_per_record_reading_give_the_same_table(seed):
    from glovego_model.evaluation.ground_truth import image_ranks
    from glovego_model.evaluation.predictions import _fast_table, prediction_table

    gt_raw, records = random_case(np.random.default_rng(seed), 5, coarse=seed % 2 == 0)
    gt = dataset_from_dict(gt_raw)
    ranks = image_ranks(gt)
    fast = _fast_table(records, ranks, gt, gt.hand_category_id)
    slow = prediction_table(records, ranks, gt.hand_category_id)
    assert fast is not None
    for name in fast.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(fast, name), getattr(slow, name), err_msg=name)


def test_values_the_column_check_declines_are_still_accepted():
    """1.0 for a tri-state or a float category id are valid JSON numbers the per-record check accepts."""
    gt_raw, records = random_case(np.random.default_rng(1), 4)
    gt = dataset_from_dict(gt_raw)
    reference = evaluate(gt, records, coco=False)
    hand = gt.hand_category_id
    loose = [dict(r, hand_side=float(r["hand_side"]), category_id=float(r["category_id"]))
             if r["category_id"] == hand else r for r in records]
    assert evaluate(gt, loose, coco=False) == reference


@pytest.mark.parametrize("seed", range(5))
def test_string_image_ids_of_reference_files(seed):
    """Reference files use file names as image ids; ties then follow their string order."""
    gt_raw, records = random_case(np.random.default_rng(40 + seed), 6, coarse=True)
    name = {img["id"]: f"{img['id'] % 7}_{img['id']}.jpg" for img in gt_raw["images"]}
    for img in gt_raw["images"]:
        img["id"] = name[img["id"]]
    for ann in gt_raw["annotations"]:
        ann["image_id"] = name[ann["image_id"]]
    records = [dict(r, image_id=name[r["image_id"]]) for r in records]
    _compare(gt_raw, records)
