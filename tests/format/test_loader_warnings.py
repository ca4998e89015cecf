"""The loader's repair warnings (§11, once per kind) reach the user of split, eval and train
(issue 13, finding 8)."""

from __future__ import annotations

import json
import math
from pathlib import Path

from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.drawing import annotation_records
from glovego_data.ehoi_coco import load_dataset
from glovego_data.toy_scenes import generate_toy_dataset


def _foreign_root(tmp_path: Path) -> tuple[Path, int]:
    """A toy root rewritten the EgoISM way: no info.ehoi, pixel magnitudes, one annotation id 0."""
    root = tmp_path / "foreign"
    json_path = generate_toy_dataset(root, n_images=8, size=(128, 96), seed=3, split="all", with_masks=False)
    raw = json.loads(json_path.read_text())
    del raw["info"]["ehoi"]
    hand_id = raw["categories"][-1]["id"]
    hands = [a for a in raw["annotations"] if a["category_id"] == hand_id]
    for hand in hands:
        hand["magnitude"] = round(hand["magnitude"] * math.hypot(128, 96), 3)
    hands[0]["id"] = 0  # no id_obj points at a hand
    json_path.write_text(json.dumps(raw))
    json_path.with_name("all_hands.json").unlink()
    return json_path, len(hands)


def _expected(path: Path, hands: int) -> list[str]:
    return [f"warning: {path}: annotation id 0: 1",
            f"warning: {path}: magnitudes in pixels, divided by each image's diagonal ({hands} hands): 1"]


def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning: ")]


def test_split_prints_the_repairs_of_its_inputs(tmp_path):
    json_path, hands = _foreign_root(tmp_path)
    result = CliRunner().invoke(app, ["split", "--synth", str(json_path.parent.parent), "--out", str(tmp_path / "pkg"),
                                      "--percent", "50", "--ratios", "0.5,0.25,0.25"])
    assert result.exit_code == 0, result.output
    assert _lines(result.output) == _expected(json_path, hands)


def test_eval_prints_the_repairs_of_its_ground_truth(tmp_path):
    json_path, hands = _foreign_root(tmp_path)
    gt = load_dataset(json_path)
    records = []
    for img in gt.images:
        for record in annotation_records(gt, img.id):
            record = dict({k: v for k, v in record.items() if k != "segmentation"}, score=1.0)
            if record.get("bbox_obj"):
                record["score_obj"] = 1.0
            records.append(record)
    predictions = tmp_path / "pred.json"
    predictions.write_text(json.dumps(records))
    result = CliRunner().invoke(app, ["eval", "--gt", str(json_path), "--predictions", str(predictions)])
    assert result.exit_code == 0, result.output
    assert _lines(result.output) == _expected(json_path, hands)


def test_train_hands_the_repairs_to_its_caller_before_the_first_step(tmp_path):
    from glovego_pipelines.train import load_recipe, merge_options, run_train

    json_path, hands = _foreign_root(tmp_path)
    options = merge_options(load_recipe("ci_tiny"), dict(
        train_json=[str(json_path)], val_json=str(json_path), output_dir=str(tmp_path / "run"), max_steps=1,
        batch_size=2, image_size=128, sizes=[128], progress=False, log_every=1, warmup_steps=1, eval_every=1))
    lines: list[str] = []
    result = run_train(options, warn=lines.append)
    # finding 4: a foreign --val-json is validated (it used to crash there, without final/)
    assert (tmp_path / "run" / "final" / "model.safetensors").is_file() and "hand_AP50" in result.final_metrics
    expected = [line.removeprefix("warning: ") for line in _expected(json_path, hands)]
    assert list(dict.fromkeys(lines)) == expected  # the CLI prints each distinct line once
    assert lines == expected + expected  # train and val index both read the file


def test_print_warnings_prints_each_line_once(capsys):
    from glovego_cli.warnings import print_warnings

    print_warnings(["a: x: 1", "a: x: 1", "b: y: 2"])
    assert capsys.readouterr().err.splitlines() == ["warning: a: x: 1", "warning: b: y: 2"]
