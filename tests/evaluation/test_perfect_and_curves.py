"""Scoring the ground truth as predictions gives 100 on every defined metric; curves and files."""

from __future__ import annotations

import json

import numpy as np
import pytest
from ehoi_spec_fixture import predictions, write_gt
from random_ehoi import random_case
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.drawing import annotation_records
from glovego_data.ehoi_coco import dataset_from_dict, load_dataset
from glovego_model.evaluation import EHOI_METRICS, evaluate, evaluate_detailed


def gt_as_predictions(gt) -> list[dict]:
    """Every annotation as a record with score 1."""
    records = []
    for image in gt.images:
        for record in annotation_records(gt, image.id):
            record = {k: v for k, v in record.items() if k != "segmentation"}
            record["score"] = 1.0
            if record.get("bbox_obj"):
                record["score_obj"] = 1.0
            records.append(record)
    return records


def _all_known(raw: dict) -> dict:
    for ann in raw["annotations"]:
        if "hand_side" in ann:
            ann["hand_side"] = 1 if ann["hand_side"] == -1 else ann["hand_side"]
            ann["gloves"] = 0 if ann["gloves"] == -1 else ann["gloves"]
            ann["contact_state"] = 0 if ann["contact_state"] == -1 else ann["contact_state"]
    return raw


@pytest.mark.parametrize("seed", range(6))
def test_ground_truth_scores_100(seed):
    rng = np.random.default_rng(100 + seed)
    raw = _all_known(random_case(rng, 12, n_classes=3, coarse=seed % 2 == 0)[0])
    gt = dataset_from_dict(raw, source="gt.json")
    metrics = evaluate(gt, gt_as_predictions(gt))
    defined = [name for name in EHOI_METRICS if name not in metrics["undefined"]]
    assert len(defined) == len(EHOI_METRICS)
    for name in defined:
        assert metrics["ehoi"][name] == pytest.approx(100.0), name
    assert metrics["coco"]["bbox"]["AP"] == pytest.approx(100.0)


def test_a_hand_of_unknown_side_is_a_false_positive_of_side_ap():
    """[ref] The side AP leaves GT hands of unknown side out, and a prediction cannot say
    "unknown": detecting such a hand costs precision even when the prediction copies the GT."""
    raw = _all_known(random_case(np.random.default_rng(5), 6, n_classes=2)[0])
    hands = [a for a in raw["annotations"] if "hand_side" in a]
    hands[0]["hand_side"] = -1
    gt = dataset_from_dict(raw)
    metrics = evaluate(gt, gt_as_predictions(gt), coco=False)
    assert metrics["ehoi"]["AP Hand"] == pytest.approx(100.0)
    assert metrics["ehoi"]["AP Hand + Side"] < 100.0


def test_undefined_metrics_are_listed_and_zero(tmp_path):
    raw = _all_known(random_case(np.random.default_rng(3), 3, n_classes=2)[0])
    for ann in raw["annotations"]:
        ann.update({"gloves": -1} if "hand_side" in ann else {})
    gt = dataset_from_dict(raw)
    metrics = evaluate(gt, gt_as_predictions(gt), coco=False)
    assert metrics["undefined"] == ["AP Hand + Glove"]
    assert metrics["ehoi"]["AP Hand + Glove"] == 0.0
    assert metrics["coco"] == {"bbox": None, "keypoints": None}


def test_curves_are_the_envelope_the_ap_averages(tmp_path):
    gt = load_dataset(write_gt(tmp_path))
    evaluation = evaluate_detailed(gt, predictions())
    curve = evaluation.curves["AP Hand + Side"]
    assert curve.recall.shape == curve.precision.shape == (101,)
    assert curve.precision.mean() * 100 == pytest.approx(evaluation.metrics["ehoi"]["AP Hand + Side"])
    assert np.all(np.diff(curve.precision) <= 0)


def test_cli_writes_metrics_and_curves(tmp_path):
    gt_path = write_gt(tmp_path)
    pred = tmp_path / "pred.json"
    pred.write_text(json.dumps(predictions()))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["eval", "--gt", str(gt_path), "--predictions", str(pred), "--out", str(out),
                                      "--per-class"])
    assert result.exit_code == 0, result.output
    assert "mAP Hand + ALL" in result.output and "Hand + Target" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert round(metrics["ehoi"]["AP Hand + Side"], 4) == 33.1683
    assert (out / "pr_map_hand_all.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list(out.glob("pr_*.png"))) == len(EHOI_METRICS)
