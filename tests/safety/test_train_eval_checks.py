"""`train` and `eval` refuse what `validate` rejects, before any work, in one line naming the file and
the record: undecodable or wrongly sized images (train decodes every header once), annotations on
unknown images, duplicate ids, negative or 1e308 boxes. No run folder is left; the inputs are untouched."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Callable

import pytest
from typer.testing import CliRunner

from glovego_data.toy_scenes import generate_toy_dataset

sys.path.insert(0, str(Path(__file__).parent))
from safety_trees import tree_digest  # noqa: E402

HUGE = 1e308


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("toy") / "toy"
    generate_toy_dataset(root, 3, size=(64, 48), seed=1)
    return root


def _cli(*args: str) -> tuple[int, str]:
    from glovego_cli.main import app

    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output.strip()  # stdout and stderr


def _edit_json(root: Path, change: Callable[[dict], None]) -> None:
    for name in ("train.json", "train_hands.json"):
        path = root / "annotations" / name
        data = json.loads(path.read_text())
        change(data)
        path.write_text(json.dumps(data))


def _set(aid: int, key: str, value) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        for ann in data["annotations"]:
            if ann["id"] == aid:
                ann[key] = value
    return change


def _width(data: dict) -> None:
    data["images"][0]["width"] = 65


def _duplicate(data: dict) -> None:
    _set(4, "id", 1)(data)


# (what to break, expected line). Annotation 1 is an object of image 1 no hand points at.
DEFECTS = {
    "empty image": (lambda root: (root / "images" / "camera_1.png").write_bytes(b""),
                    "image 1: cannot decode image: images/camera_1.png"),
    "text image": (lambda root: (root / "images" / "camera_2.png").write_text("not a picture"),
                   "image 2: cannot decode image: images/camera_2.png"),
    "wrong size": (lambda root: _edit_json(root, _width), "image 1: file is 64×48, JSON says 65×48"),
    "unknown image": (lambda root: _edit_json(root, _set(1, "image_id", 99)), "annotation 1: image_id 99 is not in images"),
    "negative box": (lambda root: _edit_json(root, _set(1, "bbox", [-5, 2, 10, 10])),
                     "annotation 1: bbox [-5, 2, 10, 10] must be [x, y, w, h] with w > 0 and h > 0 inside the 64×48 image"),
    "huge box": (lambda root: _edit_json(root, _set(1, "bbox", [2, 2, HUGE, 10])),
                 f"annotation 1: bbox [2, 2, {int(HUGE)}, 10] must be [x, y, w, h] with w > 0 and h > 0 inside the 64×48 image"),
}


def _broken(pristine: Path, tmp_path: Path, defect: str) -> Path:
    root = tmp_path / "data"
    shutil.copytree(pristine, root)
    DEFECTS[defect][0](root)
    return root


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_train_refuses_before_step_one(pristine, tmp_path, defect):
    root = _broken(pristine, tmp_path, defect)
    before = tree_digest(tmp_path)
    train_json = root / "annotations" / "train.json"
    code, text = _cli("train", "--config", "ci_tiny", "--train-json", str(train_json), "--output-dir",
                      str(tmp_path / "run"), "--max-steps", "1")
    line = f"train: {train_json}: {DEFECTS[defect][1]}"
    assert code == 1 and text.splitlines()[0].startswith(line), text
    assert len(text.splitlines()) == 1
    assert not (tmp_path / "run").exists()
    assert tree_digest(tmp_path) == before


@pytest.mark.parametrize("defect", ["unknown image", "negative box", "huge box", "duplicate id"])
def test_eval_refuses_invalid_v1_ground_truth(pristine, tmp_path, defect):
    root = tmp_path / "data"
    shutil.copytree(pristine, root)
    if defect == "duplicate id":
        _edit_json(root, _duplicate)
        expected = "annotation 1: duplicate annotation id"
    else:
        DEFECTS[defect][0](root)
        expected = DEFECTS[defect][1]
    gt = root / "annotations" / "train.json"
    predictions = tmp_path / "predictions.json"
    predictions.write_text(json.dumps([{"image_id": 1, "category_id": 0, "bbox": [1, 1, 5, 5], "score": 0.9}]))
    before = tree_digest(tmp_path)
    code, text = _cli("eval", "--gt", str(gt), "--predictions", str(predictions), "--out", str(tmp_path / "eval"))
    assert code == 1 and text.splitlines()[0].startswith(f"eval: {gt}: {expected}"), text
    assert len(text.splitlines()) == 1
    assert not (tmp_path / "eval").exists()
    assert tree_digest(tmp_path) == before
