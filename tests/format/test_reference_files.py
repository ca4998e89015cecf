"""Reference / EgoISM-style files (no `info.ehoi`) through `glovego validate` (issue 13, findings 6–7)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.ehoi_coco import load_dataset
from glovego_data.ehoi_coco.validate import validate_path

DATA = Path(__file__).parent / "data"
EXAMPLE = json.loads((DATA / "spec_example.json").read_text())


def reference_style() -> dict:
    """The spec example as the reference writes it: no `info.ehoi`, no `category_id_obj`."""
    raw = copy.deepcopy(EXAMPLE)
    del raw["info"]["ehoi"]
    for ann in raw["annotations"]:
        ann.pop("category_id_obj", None)
    return raw


def _hand(raw: dict, ann_id: int) -> dict:
    return next(a for a in raw["annotations"] if a["id"] == ann_id)


def _errors(tmp_path: Path, raw: dict) -> list[str]:
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(raw))
    return [str(v).split(": ", 1)[1] for v in validate_path(path) if v.severity == "error"]


def test_reference_file_without_category_id_obj_is_valid(tmp_path):
    assert _errors(tmp_path, reference_style()) == []


def test_dangling_id_obj_is_an_error_without_category_id_obj(tmp_path):
    raw = reference_style()
    _hand(raw, 32)["id_obj"] = 99
    assert _errors(tmp_path, raw) == [
        "annotation 32: id_obj 99 is not an annotation in this file",
        "annotation 32: dx, dy, magnitude must be 0 without a resolved active object",
    ]


def test_bogus_bbox_obj_is_an_error_without_category_id_obj(tmp_path):
    raw = reference_style()
    _hand(raw, 32)["bbox_obj"] = [1, 2, 3, 4]
    assert _errors(tmp_path, raw) == [
        "annotation 32: bbox_obj [1, 2, 3, 4] differs from the bbox [700, 250, 160, 120] of annotation 31",
    ]


def test_non_unit_offset_is_an_error_without_category_id_obj(tmp_path):
    raw = reference_style()
    _hand(raw, 32)["dx"] = 5
    assert _errors(tmp_path, raw) == [
        "annotation 32: dx, dy = (5, -0.416655) is not a unit vector (norm 5.01733)",
    ]


def test_pixel_magnitudes_are_checked_in_pixels(tmp_path):
    """§11: a foreign file with a magnitude > 2 stores pixels; the offset row compares in pixels."""
    raw = reference_style()
    _hand(raw, 32)["magnitude"] = 132.0038
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(raw))
    lines = [str(v).split(": ", 1)[1] for v in validate_path(path)]
    assert [line for line in lines if "does not match" in line] == []
    _hand(raw, 32)["magnitude"] = 150.0
    path.write_text(json.dumps(raw))
    lines = [str(v).split(": ", 1)[1] for v in validate_path(path) if v.severity == "warning"]
    assert "annotation 32: offset (0.909065, -0.416655, 150) does not match the box centres " \
           "(expected (0.909065, -0.416655, 132.003788))" in lines


def _egoism_root(tmp_path: Path) -> Path:
    """A root whose `all_hands.json` holds only a `hand` category with id 0 (EgoISM style)."""
    root = tmp_path / "egoism"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    for img in EXAMPLE["images"]:
        PILImage.fromarray(np.zeros((img["height"], img["width"], 3), np.uint8)).save(root / "images" / img["file_name"])
    main = reference_style()
    comp = copy.deepcopy(main)
    comp["categories"] = [{"id": 0, "name": "hand", "supercategory": "hand"}]
    comp["annotations"] = [dict(a, category_id=0) for a in main["annotations"] if a["category_id"] == 2]
    (root / "annotations" / "all.json").write_text(json.dumps(main))
    (root / "annotations" / "all_hands.json").write_text(json.dumps(comp))
    return root


def test_egoism_companion_is_accepted_with_a_warning(tmp_path):
    root = _egoism_root(tmp_path)
    result = CliRunner().invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    assert "warning: annotations/all_hands.json: categories differ from all.json " \
           "(hand matched by name; categories taken from the main file)" in result.output
    assert "OK: 0 error(s), 4 warning(s)" in result.output
    # and the loader repairs it to the same hands, the main file's hand id
    comp = load_dataset(root / "annotations" / "all_hands.json")
    assert [a.category_id for a in comp.annotations] == [2, 2]


def test_egoism_companion_hand_that_differs_is_still_an_error(tmp_path):
    root = _egoism_root(tmp_path)
    comp = json.loads((root / "annotations" / "all_hands.json").read_text())
    comp["annotations"][0]["gloves"] = 0
    (root / "annotations" / "all_hands.json").write_text(json.dumps(comp))
    errors = [str(v) for v in validate_path(root) if v.severity == "error"]
    assert errors == ["annotations/all_hands.json: annotation 32: differs from all.json"]
