"""Issue 23, items 7–10: data is checked where it enters. Each case ended in a traceback, a silent
exit 0 or a wall of noise before; now it is one line naming the file and the problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from safety_kit import World, cli, one_line


def _ids(world: World) -> tuple[int, int, int]:
    """(an image id, an object category id, the hand category id) of the world's dataset."""
    raw = json.loads(world.json.read_text())
    hand = next(c["id"] for c in raw["categories"] if c["name"] == "hand")
    obj = next(c["id"] for c in raw["categories"] if c["name"] != "hand")
    return raw["images"][0]["id"], obj, hand


# ----- item 8 / 9: viz --predictions checks records as eval does ---------------------------------

BAD_RECORDS = {  # name → (change to a valid hand record, the expected problem)
    "nan box": ({"bbox": [1.0, 2.0, float("nan"), 4.0]}, "bbox must be 4 finite numbers with w > 0 and h > 0"),
    "string box": ({"bbox": ["1", 2, 3, 4]}, "bbox must be 4 finite numbers with w > 0 and h > 0"),
    "short box": ({"bbox": [1, 2, 3]}, "bbox must be 4 finite numbers with w > 0 and h > 0"),
    "huge box": ({"bbox": [1e300, 2, 3, 4]}, "bbox has a value beyond ±1e+06 pixels"),
    "null score": ({"score": None}, "score must be a finite number"),
    "unknown category": ({"category_id": 999}, "category_id 999 is not a category of the predictions' classes"),
    "nan keypoints": ({"keypoints": [float("nan")] * 63}, "keypoints must have 63 numbers"),
    "string side": ({"hand_side": "left"}, "hand_side left must be -1, 0 or 1"),
    "garbage rle": ({"segmentation": {"size": [48, 64], "counts": "zzzzzzzz"}},
                    "segmentation RLE counts is not a valid compressed RLE string"),
}


@pytest.mark.parametrize("case", sorted(BAD_RECORDS))
def test_viz_predictions_refuses_a_bad_record(world: World, case: str):
    image_id, _, hand = _ids(world)
    record = {"image_id": image_id, "category_id": hand, "bbox": [1, 2, 10, 12], "score": 0.9,
              "hand_side": 1, "contact_state": 0}
    change, problem = BAD_RECORDS[case]
    predictions = world.root / "predictions.json"
    predictions.write_text(json.dumps([record, {**record, **change}]))
    out = world.root / "o"
    result = cli("viz", "--predictions", predictions, "--images", world.json, "--out", out)
    assert result.exit_code == 1
    assert one_line(result) == f"viz: {predictions}: record 1: {problem}"
    assert not out.exists()


def test_viz_predictions_draws_valid_records(world: World):
    from pycocotools import mask as mask_utils
    import numpy as np

    image_id, obj, hand = _ids(world)
    cells = np.zeros((48, 64), dtype=np.uint8)
    cells[5:20, 8:30] = 1
    rle = mask_utils.encode(np.asfortranarray(cells))
    records = [{"image_id": image_id, "category_id": hand, "bbox": [1, 2, 10, 12], "score": 0.9, "hand_side": 1,
                "contact_state": 1, "bbox_obj": [20, 20, 5, 5], "category_id_obj": obj, "score_obj": 0.5,
                "segmentation": {"size": [48, 64], "counts": rle["counts"].decode()}},
               {"image_id": image_id, "category_id": obj, "bbox": [20, 20, 5, 5], "score": 0.5}]
    predictions = world.root / "predictions.json"
    predictions.write_text(json.dumps(records))
    result = cli("viz", "--predictions", predictions, "--images", world.json, "--out", world.root / "o")
    assert result.exit_code == 0, result.output


def test_ground_truth_viz_refuses_an_unknown_image_id(world: World):
    raw = json.loads(world.json.read_text())
    raw["annotations"][0]["image_id"] = 777
    world.json.write_text(json.dumps(raw))
    result = cli("viz", world.json, "--out", world.root / "o")
    assert result.exit_code == 1
    assert one_line(result) == f"viz: {world.json}: annotation {raw['annotations'][0]['id']}: image_id 777 is not in images"


# ----- item 8: a pickle model folder is named, never unpickled -----------------------------------

@pytest.fixture
def pickle_folder(tmp_path: Path, tiny_detector: Path) -> Path:
    """The tiny detector saved as `pytorch_model.bin` (what old transformers wrote), no safetensors."""
    import torch
    from safetensors.torch import load_file

    folder = tmp_path / "old_model"
    folder.mkdir()
    shutil.copyfile(tiny_detector / "config.json", folder / "config.json")
    torch.save(load_file(tiny_detector / "model.safetensors"), folder / "pytorch_model.bin")
    return folder


@pytest.mark.parametrize("command", ["infer", "eval", "export", "train"])
def test_a_pickle_model_folder_is_one_line(world: World, pickle_folder: Path, command: str):
    out = world.root / "out"
    argv = {
        "infer": ("infer", "--weights", pickle_folder, world.json, "--out", out, "--device", "cpu"),
        "eval": ("eval", "--gt", world.json, "--weights", pickle_folder, "--out", out, "--device", "cpu"),
        "export": ("export", pickle_folder, "--out", world.root / "m.onnx"),
        "train": ("train", "--config", "ci_tiny", "--train-json", world.json, "--output-dir", out,
                  "--max-steps", 1, "--init", pickle_folder),
    }[command]
    result = cli(*argv)
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(f"{command}: {pickle_folder / 'pytorch_model.bin'}: a pickle checkpoint; "), line
    assert "save_pretrained(folder, safe_serialization=True)" in line


# ----- item 10: option errors are one line saying the accepted range ------------------------------

@pytest.mark.parametrize(("args", "message"), [
    (["viz", "--predictions", "p.json", "--images", "x", "--out", "o", "--threshold", "nan"],
     "viz: Invalid value for '--threshold': must be a number in [0, 1]"),
    (["viz", "x", "--out", "o", "--n", "0"], "viz: Invalid value for '--n': must be an integer ≥ 1"),
    (["viz", "x"], "viz: Missing option '--out'."),
])
def test_typer_usage_errors_are_one_red_line(tmp_path: Path, args: list[str], message: str):
    result = cli(*args)
    assert result.exit_code == 2
    assert one_line(result) == message


# ----- item 7 / 8: solo2coco writes only boxes validate accepts ----------------------------------

def _solo_with_box(tmp_path: Path, solo_template: Path, origin: list, dimension: list) -> tuple[Path, str]:
    """The template export with the first 2D box of its first frame replaced; the frame's path."""
    solo = tmp_path / "solo"
    shutil.copytree(solo_template, solo)
    frame = sorted(solo.rglob("step0.frame_data.json"))[0]
    raw = json.loads(frame.read_text())
    boxes = next(a for a in raw["captures"][0]["annotations"] if "BoundingBox2D" in a["@type"])
    boxes["values"][0].update(origin=origin, dimension=dimension)
    frame.write_text(json.dumps(raw))  # NaN is written as the bare token NaN, as a careless exporter would
    return solo, frame.relative_to(solo).as_posix()


@pytest.mark.parametrize(("origin", "dimension", "kept"), [
    ([2.0, 3.0], [1e12, 1e12], True),  # overlaps the image: clipped to it
    ([float("nan"), 3.0], [5.0, 5.0], False),
    ([5000.0, 3.0], [5.0, 5.0], False),  # off the image
])
def test_solo2coco_writes_only_boxes_validate_accepts(tmp_path: Path, solo_template: Path, origin, dimension, kept):
    solo, _ = _solo_with_box(tmp_path, solo_template, origin, dimension)
    out = tmp_path / "out"
    result = cli("solo2coco", solo, out)
    assert result.exit_code == 0, result.output
    assert cli("validate", out).exit_code == 0
    report = json.loads((out / "report.json").read_text())
    dropped = {k: v["count"] for k, v in report["warnings"].items() if "non-finite" in k or "off the image" in k}
    assert dropped == ({} if kept else {("non-finite boxes (dropped)" if origin[0] != origin[0]
                                         else "boxes off the image (dropped)"): 1})


def test_solo2coco_strict_refuses_the_frame(tmp_path: Path, solo_template: Path):
    solo, frame = _solo_with_box(tmp_path, solo_template, [float("nan"), 3.0], [5.0, 5.0])
    result = cli("solo2coco", solo, tmp_path / "out", "--strict")
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(f"solo2coco: {frame}: instance ") and "box origin [nan, 3.0] dimension [5.0, 5.0] is not finite (--strict)" in line, line
