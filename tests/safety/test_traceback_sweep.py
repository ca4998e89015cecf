"""Issue 23: the traceback sweep. Every command is run in-process on generated hostile inputs (wrong
types, NaN, huge numbers, truncated files, crafted ONNX, pickle model folders, bad predictions):
no output holds a Python traceback, and each failure is one line naming the hostile file.

The inputs are tiny and built once for the module; each case gets its own output folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import pytest

from safety_kit import cli, one_line
from crafted_onnx import crafted_onnx

Hostile = Callable[[dict], None]  # edits a parsed EHOI-COCO file in place


def _nan_box(raw: dict) -> None:
    raw["annotations"][0]["bbox"] = [float("nan"), 1, 2, 3]


def _huge_numbers(raw: dict) -> None:
    raw["images"][0]["width"] = 10**400 // 10**100  # an int far beyond any image (and int64)
    raw["annotations"][0]["bbox"] = [1e308, 1e308, 1e308, 1e308]


def _wrong_types(raw: dict) -> None:
    raw["images"][0]["id"] = {"id": 1}
    raw["annotations"][0]["category_id"] = "hand"
    raw["annotations"][1]["bbox"] = "1,2,3,4"


def _string_object_box(raw: dict) -> None:
    hand = next(c["id"] for c in raw["categories"] if c["name"] == "hand")
    linked = next(a for a in raw["annotations"] if a["category_id"] == hand and a.get("id_obj", -1) != -1)
    target = next(a for a in raw["annotations"] if a["id"] == linked["id_obj"])
    target["bbox"] = [str(v) for v in target["bbox"]]


def _not_a_list(raw: dict) -> None:
    raw["annotations"] = {"0": raw["annotations"][0]}


HOSTILE_JSON: dict[str, Hostile] = {"nan box": _nan_box, "huge numbers": _huge_numbers, "wrong types": _wrong_types,
                                    "string object box": _string_object_box, "not a list": _not_a_list}
DATASETS = [*HOSTILE_JSON, "truncated json", "truncated image"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, toy_template: Path) -> dict[str, Path]:
    """One dataset root per kind of damage, and the shared bad model inputs."""
    base = tmp_path_factory.mktemp("hostile")
    roots: dict[str, Path] = {}
    for name in DATASETS:
        root = base / name.replace(" ", "_")
        shutil.copytree(toy_template, root)
        path = root / "annotations" / "train.json"
        if name in HOSTILE_JSON:
            raw = json.loads(path.read_text())
            HOSTILE_JSON[name](raw)
            path.write_text(json.dumps(raw))
        elif name == "truncated json":
            path.write_bytes(path.read_bytes()[:200])
        else:
            image = root / "images" / json.loads(path.read_text())["images"][0]["file_name"]
            image.write_bytes(image.read_bytes()[: image.stat().st_size // 3])
        roots[name] = root
    return roots


@pytest.fixture(scope="module")
def bad_models(tmp_path_factory, tiny_detector: Path) -> dict[str, Path]:
    import torch
    from safetensors.torch import load_file

    base = tmp_path_factory.mktemp("models")
    pickle = base / "pickle"
    pickle.mkdir()
    shutil.copyfile(tiny_detector / "config.json", pickle / "config.json")
    torch.save(load_file(tiny_detector / "model.safetensors"), pickle / "pytorch_model.bin")
    cut = base / "cut_pickle"
    shutil.copytree(pickle, cut)
    (cut / "pytorch_model.bin").write_bytes((pickle / "pytorch_model.bin").read_bytes()[:300])
    import numpy as np

    return {"pickle": pickle, "cut pickle": cut,
            "onnx labels 999": crafted_onnx(base / "labels.onnx", labels=np.array([[999, 0, 1, 2]])),
            "onnx nan boxes": crafted_onnx(base / "nan.onnx", boxes=np.full((1, 4, 4), np.nan, np.float32))}


def _check(result, *names: str) -> None:
    """No traceback anywhere; a failure is one line that names one of the hostile files."""
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code != 0:
        line = one_line(result)
        assert any(name in line for name in names), line


@pytest.mark.parametrize("damage", DATASETS)
@pytest.mark.parametrize("command", ["validate", "split", "viz", "augment-gloves", "train", "eval"])
def test_dataset_commands_on_hostile_data(hostile: dict[str, Path], tiny_detector: Path, tmp_path: Path,
                                          damage: str, command: str):
    root = hostile[damage]
    data = root / "annotations" / "train.json"
    out = tmp_path / "out"
    argv = {
        "validate": ("validate", root),
        "split": ("split", "--synth", root, "--synth-json", data, "--out", out),
        "viz": ("viz", data, "--out", out),
        "augment-gloves": ("augment-gloves", root, out, "--backend", "classical"),
        "train": ("train", "--config", "ci_tiny", "--train-json", data, "--output-dir", out, "--max-steps", 1),
        "eval": ("eval", "--gt", data, "--weights", tiny_detector, "--out", out, "--device", "cpu"),
    }[command]
    result = cli(*argv)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if command == "validate":
        assert result.exit_code == 1 and "FAILED" in result.output
        return
    assert result.exit_code == 1, result.output
    line = one_line(result)
    assert root.name in line or "annotations" in line, line


MODEL_CASES = [(model, command) for model in ("pickle", "cut pickle") for command in ("infer", "eval", "export", "train")] \
    + [(model, command) for model in ("onnx labels 999", "onnx nan boxes") for command in ("infer", "eval")]


@pytest.mark.parametrize(("model", "command"), MODEL_CASES)
def test_model_commands_on_hostile_models(bad_models: dict[str, Path], toy_template: Path, tmp_path: Path,
                                          model: str, command: str):
    """Model folders for all four; ONNX files only where a command takes one (infer, eval)."""
    weights = bad_models[model]
    data = toy_template / "annotations" / "train.json"
    out = tmp_path / "out"
    argv = {
        "infer": ("infer", "--weights", weights, data, "--out", out, "--device", "cpu"),
        "eval": ("eval", "--gt", data, "--weights", weights, "--out", out, "--device", "cpu"),
        "export": ("export", weights, "--out", tmp_path / "m.onnx"),
        "train": ("train", "--config", "ci_tiny", "--train-json", data, "--output-dir", out, "--max-steps", 1,
                  "--init", weights),
    }[command]
    result = cli(*argv)
    assert result.exit_code == 1
    _check(result, str(weights))


PREDICTIONS = {
    "nan box": [{"bbox": [float("nan"), 0, 1, 1]}],
    "string box": [{"bbox": "1 2 3 4"}],
    "huge box": [{"bbox": [1e300, 1e300, 1e300, 1e300]}],
    "null score": [{"score": None}],
    "not records": "predictions",
    "garbage rle": [{"segmentation": {"size": [48, 64], "counts": "@@@@"}}],
}


@pytest.mark.parametrize("case", sorted(PREDICTIONS))
@pytest.mark.parametrize("command", ["viz", "eval"])
def test_bad_predictions(toy_template: Path, tmp_path: Path, case: str, command: str):
    data = toy_template / "annotations" / "train.json"
    raw = json.loads(data.read_text())
    hand = next(c["id"] for c in raw["categories"] if c["name"] == "hand")
    base = {"image_id": raw["images"][0]["id"], "category_id": hand, "bbox": [1, 2, 10, 12], "score": 0.9,
            "hand_side": 1, "contact_state": 0}
    change = PREDICTIONS[case]
    records = change if isinstance(change, str) else [{**base, **c} for c in change]
    predictions = tmp_path / "predictions.json"
    predictions.write_text(json.dumps(records))
    out = tmp_path / "out"
    argv = ("viz", "--predictions", predictions, "--images", data, "--out", out) if command == "viz" else \
        ("eval", "--gt", data, "--predictions", predictions, "--out", out)
    result = cli(*argv)
    if command == "eval" and case in ("huge box", "garbage rle"):  # eval's boxes only need to be finite; no masks read
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    _check(result, str(predictions))


SOLO_DAMAGE = {
    "nan origin": lambda box: box.update(origin=[float("nan"), 1.0]),
    "huge dimension": lambda box: box.update(dimension=[1e12, 1e12]),
    "string origin": lambda box: box.update(origin=["1", "2"]),
    "null dimension": lambda box: box.update(dimension=None),
}


@pytest.mark.parametrize("case", [*SOLO_DAMAGE, "truncated frame"])
def test_solo2coco_on_hostile_exports(solo_template: Path, tmp_path: Path, case: str):
    solo = tmp_path / "solo"
    shutil.copytree(solo_template, solo)
    frame = sorted(solo.rglob("step0.frame_data.json"))[0]
    if case == "truncated frame":
        frame.write_bytes(frame.read_bytes()[:300])
    else:
        raw = json.loads(frame.read_text())
        boxes = next(a for a in raw["captures"][0]["annotations"] if "BoundingBox2D" in a["@type"])
        SOLO_DAMAGE[case](boxes["values"][0])
        frame.write_text(json.dumps(raw))
    out = tmp_path / "out"
    result = cli("solo2coco", solo, out)
    _check(result, frame.name)
    if result.exit_code == 0:
        assert cli("validate", out).exit_code == 0  # exit 0 only with output its own validate accepts


@pytest.mark.parametrize("args", [
    ("solo-generate", "{tmp}/g", "--width", "nan"),
    ("solo-generate", "{tmp}/g", "--sequences", "-3"),
    ("viz", "{tmp}/x.json", "--out", "{tmp}/o", "--n", "1e400"),
    ("stats", "{tmp}/nothing"),
    ("stats", "{tmp}/file.json"),
    ("train", "--config", "ci_tiny", "--train-json", "{tmp}/file.json", "--output-dir", "{tmp}/r", "--lr", "nan"),
])
def test_option_and_path_errors(tmp_path: Path, args: tuple[str, ...]):
    (tmp_path / "file.json").write_text("{not json")
    result = cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.exit_code in (1, 2)
    assert "Traceback" not in result.output, result.output
    one_line(result)
