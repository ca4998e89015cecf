"""ehoi-metrics.md §9: the hand-made fixture gives exactly the spec's values (4 decimals)."""

from __future__ import annotations

import copy
import json

import pytest
from ehoi_spec_fixture import EXPECTED, predictions, write_gt

from glovego_data.ehoi_coco import load_dataset
from glovego_model.evaluation import EHOI_METRICS, evaluate


@pytest.fixture()
def gt(tmp_path):
    dataset = load_dataset(write_gt(tmp_path))
    assert dataset.foreign and dataset.warnings  # the lenient reader did repair it
    return dataset


def test_fixture_gives_the_spec_values(gt):
    metrics = evaluate(gt, predictions())
    assert list(metrics) == ["ehoi", "undefined", "per_class", "coco", "counts", "settings"]
    assert list(metrics["ehoi"]) == list(EHOI_METRICS)
    for name, expected in EXPECTED.items():
        assert round(metrics["ehoi"][name], 4) == pytest.approx(expected, abs=1e-9), name
    assert metrics["undefined"] == []


def test_fixture_per_class_counts_and_settings(gt):
    metrics = evaluate(gt, predictions())
    assert metrics["per_class"]["pliers"] == pytest.approx(
        {"Hand + State": 100.0, "Hand + Target Objects": 100.0, "Hand + ALL": 100.0, "gt_hands": 1, "pred_hands": 1})
    assert metrics["per_class"]["socket"]["gt_hands"] == 1 and metrics["per_class"]["socket"]["pred_hands"] == 2
    assert metrics["per_class"]["board"] == {"Hand + State": None, "Hand + Target Objects": None,
                                             "Hand + ALL": None, "gt_hands": 0, "pred_hands": 0}
    assert metrics["counts"] == {"images": 2, "gt_hands": 3, "gt_objects": 3, "predictions": 9,
                                 "hand_predictions": 5}
    assert metrics["settings"] == {"iou": 0.5, "recall_points": 101, "max_dets": 100, "diagonal": "image"}
    assert metrics["coco"]["keypoints"] is None  # no GT keypoints
    assert 0.0 < metrics["coco"]["bbox"]["AP50"] <= 100.0
    json.dumps(metrics, allow_nan=False)


def test_inputs_are_never_mutated(gt):
    records = predictions()
    before = copy.deepcopy(records)
    gt_before = copy.deepcopy(gt.annotations)
    evaluate(gt, records)
    evaluate(gt, records)
    assert records == before
    assert gt.annotations == gt_before


def test_empty_predictions_score_zero(gt):
    metrics = evaluate(gt, [])
    assert all(value == 0.0 for value in metrics["ehoi"].values())
    assert metrics["coco"]["bbox"]["AP"] == 0.0


def test_evaluation_order_does_not_matter(gt):
    """The reference's AP All depended on evaluation order (id mutation); ours cannot."""
    first = evaluate(gt, predictions(), coco=False)
    again = evaluate(gt, predictions(), coco=False)
    assert first == again
