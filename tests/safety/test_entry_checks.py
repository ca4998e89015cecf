"""Issue 23, items 7–10: data is checked where it enters. Each case ended in a traceback, a silent
exit 0 or a wall of noise before; now it is one line naming the file and the problem."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from crafted_onnx import K, crafted_onnx
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


# ----- item 8: string numbers in the object box a hand points to ---------------------------------

def _hand_and_its_object(raw: dict) -> tuple[dict, dict]:
    hand = next(c["id"] for c in raw["categories"] if c["name"] == "hand")
    linked = next(a for a in raw["annotations"] if a["category_id"] == hand and a.get("id_obj", -1) != -1)
    return linked, next(a for a in raw["annotations"] if a["id"] == linked["id_obj"])


@pytest.mark.parametrize("command", ["validate", "split"])
def test_string_numbers_in_a_pointed_object_box_are_a_row(world: World, command: str):
    raw = json.loads(world.json.read_text())
    _, obj = _hand_and_its_object(raw)
    obj["bbox"] = [str(v) for v in obj["bbox"]]
    world.json.write_text(json.dumps(raw))
    if command == "validate":
        result = cli("validate", world.data)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"annotations/train.json: annotation {obj['id']}: bbox {json.dumps(obj['bbox'])} must be" in result.output
    else:
        result = cli("split", "--synth", world.data, "--synth-json", world.json, "--out", world.root / "pkg")
        assert result.exit_code == 1
        assert one_line(result).startswith(f"split: {world.json}: not valid EHOI-COCO (2 error(s); first: annotation {obj['id']}: bbox")


# ----- item 9: truncated images are found by validate, split and train ---------------------------

def _truncate_first_image(world: World, fmt: str) -> tuple[str, int]:
    """The first image re-saved as `fmt` (header intact) and cut to a third; its name and id."""
    from PIL import Image as PILImage

    raw = json.loads(world.json.read_text())
    image = raw["images"][0]
    path = world.data / "images" / image["file_name"]
    noise = np.random.default_rng(0).integers(0, 255, (image["height"], image["width"], 3), dtype=np.uint8)
    PILImage.fromarray(noise).save(path, format=fmt)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 3])
    return image["file_name"], image["id"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_validate_finds_a_truncated_image(world: World, fmt: str):
    name, image_id = _truncate_first_image(world, fmt)
    result = cli("validate", world.data)
    assert result.exit_code == 1
    assert (f"annotations/train.json: image {image_id}: truncated image: images/{name} has no {fmt} end marker"
            in result.output), result.output


def test_split_and_train_refuse_a_truncated_image(world: World):
    name, image_id = _truncate_first_image(world, "JPEG")
    result = cli("split", "--synth", world.data, "--synth-json", world.json, "--out", world.root / "pkg")
    assert result.exit_code == 1
    assert f"image {image_id}: truncated image: images/{name} has no JPEG end marker" in one_line(result)
    result = cli("train", "--config", "ci_tiny", "--train-json", world.json, "--output-dir", world.root / "run",
                 "--max-steps", 1)
    assert result.exit_code == 1
    assert f"image {image_id}: truncated image: images/{name} has no JPEG end marker" in one_line(result)


def test_validate_decode_finds_damage_inside_a_whole_file(world: World):
    """A file whose end marker is intact but whose pixel data is cut out: only a full decode sees it."""
    from PIL import Image as PILImage

    raw = json.loads(world.json.read_text())
    image = raw["images"][0]
    path = world.data / "images" / image["file_name"]
    noise = np.random.default_rng(0).integers(0, 255, (image["height"], image["width"], 3), dtype=np.uint8)
    PILImage.fromarray(noise).save(path, format="PNG")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3] + data[-12:])  # keeps the IEND chunk
    assert cli("validate", world.data).exit_code == 0
    result = cli("validate", world.data, "--decode")
    assert result.exit_code == 1
    assert f"image {image['id']}: cannot decode image: images/{image['file_name']} (" in result.output


# ----- item 10: validate prints warnings once per kind ---------------------------------------------

def test_validate_aggregates_warnings_of_a_plain_coco_file(tmp_path: Path):
    import time

    images = [{"id": i, "file_name": f"{i}.jpg", "width": 640, "height": 480} for i in range(1, 20001)]
    annotations = [{"id": 2 * i - 1 + k, "image_id": i, "category_id": 1 + k, "bbox": [10, 10, 50, 40], "area": 2000,
                    "iscrowd": 0, "segmentation": []} for i in range(1, 20001) for k in range(2)]
    annotations[777]["bbox"] = [10, 10, -5, 40]
    coco = tmp_path / "coco.json"
    coco.write_text(json.dumps({"images": images, "annotations": annotations,
                                "categories": [{"id": 1, "name": "cup"}, {"id": 2, "name": "hand"}]}))
    start = time.perf_counter()
    result = cli("validate", coco)
    seconds = time.perf_counter() - start
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert len(lines) < 25, len(lines)
    assert f"{coco}: annotation 778: bbox [10, 10, -5, 40] must be [x, y, w, h] with w > 0 and h > 0 inside the " \
           "640×480 image" in lines
    assert f"warning: {coco}: annotation 2: missing hand key 'hand_side' — 20000 times of this kind " \
           "(first: annotation 2, annotation 4, annotation 6)" in lines
    assert lines[-1].startswith("FAILED: 1 error(s)")
    assert seconds < 20, seconds  # 17.7 s and 25 MB of output before, on an idle machine


# ----- item 8: an ONNX file's outputs are checked against the contract in its metadata ------------

def test_a_crafted_onnx_meeting_the_contract_runs(world: World):
    weights = crafted_onnx(world.root / "ok.onnx")
    result = cli("infer", "--weights", weights, world.json, "--out", world.root / "o", "--device", "cpu")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("change", "problem"), [
    ({"labels": np.array([[999, 0, 1, 2]])},
     "output 'labels' holds class 999, outside the 20 categories of its metadata (0–19)"),
    ({"boxes": np.full((1, K, 4), float("nan"), "float32")}, "output 'boxes' holds NaN or infinite values"),
    ({"boxes": np.zeros((1, K, 3), "float32")},
     f"output 'boxes' has shape [3, {K}, 3]; its metadata's contract (docs/export.md) says [3, {K}, 4]"),
    ({"scores": np.full((1, K), 7.0, "float32")},
     "output 'scores' holds values outside [0, 1] (or NaN); it must be a probability"),
])
@pytest.mark.parametrize("command", ["infer", "eval"])
def test_a_crafted_onnx_breaking_the_contract_is_one_line(world: World, change, problem, command: str):
    weights = crafted_onnx(world.root / "bad.onnx", **change)
    out = world.root / "o"
    argv = ("infer", "--weights", weights, world.json, "--out", out, "--device", "cpu") if command == "infer" else \
        ("eval", "--gt", world.json, "--weights", weights, "--out", out, "--device", "cpu")
    result = cli(*argv)
    assert result.exit_code == 1
    assert one_line(result) == f"{command}: {weights}: {problem}"
    assert not out.exists()


# ----- item 10: a full disk during solo2coco names the file ---------------------------------------

def test_solo2coco_disk_full_names_the_file(tmp_path: Path, solo_template: Path, monkeypatch):
    """A write fault raised by write()/close() carries no file name (and a worker loses its
    traceback): it used to be `sequence.0/step0.frame_data.json: OSError: [Errno 28] …`, a frame's
    fault, or a line naming no file at all."""
    import errno
    import os

    import glovego_data.solo.frame as frame

    real = frame.write_depth_files

    def full_disk(*args, **kwargs):
        real(*args, **kwargs)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # what a buffered PNG write raises

    monkeypatch.setattr(frame, "write_depth_files", full_disk)
    out = tmp_path / "out"
    result = cli("solo2coco", solo_template, out)
    assert result.exit_code == 1
    line = one_line(result)
    assert line.startswith(f"solo2coco: {tmp_path / 'out.tmp'}/") and line.endswith(
        "no space left on the device; free some space and run the same command again"), line


# ----- item 10: the --rename-category suggestion works when followed -----------------------------

def test_split_reference_suggestion_works_when_followed(world: World):
    import re
    import shlex

    for path in (world.json, world.json.with_name("train_hands.json")):
        raw = json.loads(path.read_text())
        for category in raw["categories"]:
            if category["name"] in ("oscilloscope", "pliers"):  # two foreign classes, one of them a near-miss
                category["name"] = category["supercategory"] = {"oscilloscope": "scope box", "pliers": "Pliers"}[category["name"]]
        path.write_text(json.dumps(raw))
    argv = ("split", "--synth", world.data, "--synth-json", world.json, "--out", world.root / "pkg", "--layout", "reference")
    first = one_line(cli(*argv))
    suggestion = re.search(r"\(e\.g\. (--rename-category .*)\)$", first)
    assert suggestion is not None, first
    second = cli(*argv, *shlex.split(suggestion.group(1)))
    assert "--rename-category" not in second.output and "not among the reference" not in second.output, second.output
    assert "Traceback" not in second.output


def test_ground_truth_viz_draws_a_huge_box_clipped(world: World):
    """A finite 1e300 box (the loader takes it; validate reports it) made OpenCV raise; it is drawn clipped."""
    raw = json.loads(world.json.read_text())
    raw["annotations"][0]["bbox"] = [1e300, 1e300, 1e300, 1e300]
    world.json.write_text(json.dumps(raw))
    result = cli("viz", world.json, "--out", world.root / "o")
    assert result.exit_code == 0, result.output
