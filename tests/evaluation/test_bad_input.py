"""Bad predictions or ground truth: one clear error naming the file and the record (§2.2)."""

from __future__ import annotations

import json

import pytest
from ehoi_spec_fixture import gt_dict, predictions, write_gt
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.ehoi_coco import load_dataset
from glovego_data.errors import GlovegoError
from glovego_model.evaluation import evaluate, validate_predictions


@pytest.fixture()
def gt(tmp_path):
    return load_dataset(write_gt(tmp_path))


def _hand(**changes):
    record = dict(predictions()[0])
    record.update(changes)
    return {k: v for k, v in record.items() if v is not ...}


@pytest.mark.parametrize("record, problem", [
    ({"image_id": 9, "category_id": 0, "bbox": [1, 1, 2, 2], "score": 0.5}, "image_id 9 is not an image of G.json"),
    ({"image_id": 1, "category_id": 7, "bbox": [1, 1, 2, 2], "score": 0.5}, "category_id 7 is not a category of G.json"),
    ({"image_id": 1, "category_id": 0, "bbox": [1, 1, 2, 2]}, "missing 'score'"),
    ({"image_id": 1, "category_id": 0, "bbox": [1, 1, 0, 2], "score": 0.5},
     "bbox must be 4 finite numbers with w > 0 and h > 0"),
    ({"image_id": 1, "category_id": 0, "bbox": [1, 1, "2", 2], "score": 0.5},
     "bbox must be 4 finite numbers with w > 0 and h > 0"),
    (_hand(hand_side=...), "missing 'hand_side'"),
    (_hand(contact_state=...), "missing 'contact_state'"),
    (_hand(gloves=2), "gloves 2 must be -1, 0 or 1"),
    (_hand(hand_side=True), "hand_side True must be -1, 0 or 1"),
    (_hand(contact_state=0), "bbox_obj given but contact_state is 0"),
    (_hand(score_obj=...), "bbox_obj needs category_id_obj (an object category) and score_obj"),
    (_hand(category_id_obj=3), "bbox_obj needs category_id_obj (an object category) and score_obj"),
    (_hand(keypoints=[0.0] * 60), "keypoints must have 63 numbers"),
    ("not a dict", "must be a JSON object"),
])
def test_bad_record_is_named(gt, record, problem):
    records = predictions() + [record]
    with pytest.raises(GlovegoError) as info:
        validate_predictions(records, gt, "P.json", gt_name="G.json")
    assert str(info.value) == f"P.json: record {len(records) - 1}: {problem}"


def test_evaluate_rejects_before_scoring(gt):
    with pytest.raises(GlovegoError, match="record 0: image_id 99"):
        evaluate(gt, [{"image_id": 99, "category_id": 0, "bbox": [1, 1, 2, 2], "score": 0.5}])


def test_ground_truth_without_a_hand_category(tmp_path):
    raw = gt_dict()
    raw["categories"][-1]["name"] = "glove"
    path = tmp_path / "nohand.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(GlovegoError, match=r"nohand.json: no category named 'hand'"):
        load_dataset(path)


def test_cli_reports_the_record_and_exits_1(tmp_path):
    gt_path = write_gt(tmp_path)
    bad = tmp_path / "pred.json"
    bad.write_text(json.dumps(predictions()[:2] + [{"image_id": 1, "category_id": 42, "bbox": [1, 1, 2, 2],
                                                     "score": 0.1}]))
    result = CliRunner().invoke(app, ["eval", "--gt", str(gt_path), "--predictions", str(bad), "--out",
                                      str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"eval: {bad}: record 2: category_id 42 is not a category of {gt_path}" in " ".join(result.output.split())
    assert not (tmp_path / "out" / "metrics.json").exists()


def test_cli_needs_exactly_one_source(tmp_path):
    result = CliRunner().invoke(app, ["eval", "--gt", str(write_gt(tmp_path))])
    assert result.exit_code == 1
    assert "exactly one of --predictions" in result.output


def test_predictions_file_must_be_an_array(tmp_path):
    gt_path = write_gt(tmp_path)
    bad = tmp_path / "pred.json"
    bad.write_text('{"image_id": 1}')
    result = CliRunner().invoke(app, ["eval", "--gt", str(gt_path), "--predictions", str(bad)])
    assert result.exit_code == 1 and "must be a JSON array" in result.output
