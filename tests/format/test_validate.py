"""`glovego validate`: each checklist row of ehoi-coco.md §12 gives its exact line."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data.ehoi_coco import load_dataset, save_dataset
from glovego_data.ehoi_coco.validate import validate_path

DATA = Path(__file__).parent / "data"
EXAMPLE = json.loads((DATA / "spec_example.json").read_text())


def _lines(tmp_path: Path, raw: dict, severity: str = "error") -> list[str]:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(raw))
    return [str(v).split(": ", 1)[1] for v in validate_path(path) if v.severity == severity]


def _ann(raw: dict, ann_id: int) -> dict:
    return next(a for a in raw["annotations"] if a["id"] == ann_id)


def test_spec_example_is_valid(tmp_path):
    assert _lines(tmp_path, EXAMPLE) == []


def _mutated(edit):
    raw = copy.deepcopy(EXAMPLE)
    edit(raw)
    return raw


CASES = [
    ("missing key", lambda r: r.pop("licenses"), "missing top-level key 'licenses'"),
    ("format", lambda r: r["info"]["ehoi"].update(version="2.0"),
     "unsupported format 'EHOI-COCO' version '2.0' (expected EHOI-COCO 1.x)"),
    ("category gap", lambda r: r["categories"][2].update(id=5),
     "category ids must be 0..2 without gaps; found [0, 1, 5]"),
    ("hand last", lambda r: (r["categories"][0].update(name="hand"), r["categories"][2].update(name="pliers")),
     "category 'hand' has id 0; it must be the last id (2)"),
    ("file name", lambda r: r["images"][0].update(file_name="sub/camera_7.png"),
     "image 7: file_name 'sub/camera_7.png' must be a bare file name; it must name a file inside images/"),
    ("size", lambda r: r["images"][1].update(width=0), "image 8: width and height must be positive integers"),
    ("bbox", lambda r: _ann(r, 31).update(bbox=[1200, 250, 160, 120]),
     "annotation 31: bbox [1200, 250, 160, 120] must be [x, y, w, h] with w > 0 and h > 0 inside the 1280×720 image"),
    ("area", lambda r: _ann(r, 31).update(area=0), "annotation 31: area 0 must be > 0"),
    ("polygon", lambda r: _ann(r, 31).update(segmentation=[[1, 2, 3, 4]]),
     "annotation 31: segmentation polygon 0 has 4 coordinates; need an even number ≥ 6"),
    ("kp length", lambda r: _ann(r, 33).update(keypoints=[1, 2, 2]),
     "annotation 33: keypoints has 3 numbers; expected 63 (21 × x, y, v) or 0"),
    ("kp v", lambda r: _ann(r, 32)["keypoints"].__setitem__(2, 3),
     "annotation 32: keypoint 0 (wrist) has v = 3; expected 0, 1 or 2"),
    ("num_keypoints", lambda r: _ann(r, 32).update(num_keypoints=20),
     "annotation 32: num_keypoints is 20 but 21 keypoints have v > 0"),
    ("hand key", lambda r: _ann(r, 33).update(gloves=2), "annotation 33: gloves 2 must be -1, 0 or 1"),
    ("id_obj", lambda r: _ann(r, 32).update(id_obj=99), "annotation 32: id_obj 99 is not an annotation in this file"),
    ("id_obj hand", lambda r: _ann(r, 32).update(id_obj=33), "annotation 32: id_obj 33 is a hand"),
    ("contact", lambda r: _ann(r, 32).update(contact_state=0), "annotation 32: id_obj 31 set but contact_state is 0"),
    ("bbox_obj", lambda r: _ann(r, 32).update(bbox_obj=[700, 250, 160, 121]),
     "annotation 32: bbox_obj [700, 250, 160, 121] differs from the bbox [700, 250, 160, 120] of annotation 31"),
    ("category_id_obj", lambda r: _ann(r, 32).update(category_id_obj=0),
     "annotation 32: category_id_obj 0 differs from category 1 of annotation 31"),
    ("offset zero", lambda r: _ann(r, 33).update(dx=1.0),
     "annotation 33: dx, dy, magnitude must be 0 without a resolved active object"),
    ("unit", lambda r: _ann(r, 32).update(dx=0.5),
     "annotation 32: dx, dy = (0.5, -0.416655) is not a unit vector (norm 0.650847)"),
    ("pixels", lambda r: _ann(r, 32).update(magnitude=132.0),
     "annotation 32: magnitude 132 looks like pixels; v1 stores distance ÷ image diagonal"),
    ("object keypoints", lambda r: _ann(r, 31).update(keypoints=_ann(r, 32)["keypoints"], num_keypoints=21),
     "annotation 31: keypoints on a non-hand annotation must be empty"),
]


@pytest.mark.parametrize("edit, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_row_reports_its_exact_line(tmp_path, edit, expected):
    assert expected in _lines(tmp_path, _mutated(edit))


def test_not_json_names_the_parser_problem(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("{")
    (line,) = [str(v) for v in validate_path(path)]
    assert line.startswith(f"{path}: not valid JSON: ")


def test_foreign_file_problems_are_warnings(tmp_path):
    raw = copy.deepcopy(EXAMPLE)
    del raw["info"]["ehoi"]
    for key in ("dx", "dy", "magnitude", "bbox_obj"):
        del _ann(raw, 33)[key]
    _ann(raw, 31)["id"] = 0
    _ann(raw, 32)["id_obj"] = 0
    assert _lines(tmp_path, raw) == []
    warnings = _lines(tmp_path, raw, "warning")
    assert "annotation 0: annotation id must be an integer ≥ 1" in warnings
    assert "annotation 33: missing hand key 'bbox_obj'" in warnings


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "images").mkdir(parents=True)
    for img in EXAMPLE["images"]:
        PILImage.fromarray(np.zeros((img["height"], img["width"], 3), np.uint8)).save(root / "images" / img["file_name"])
    (root / "depth_maps").mkdir()
    PILImage.fromarray(np.zeros((720, 1280), np.uint8)).save(root / "depth_maps" / "map_7.png")
    save_dataset(load_dataset(DATA / "spec_example.json"), root / "annotations" / "all.json")
    return root


def test_dataset_root_checks_files_on_disk_and_companion(tmp_path):
    root = _root(tmp_path)
    assert validate_path(root) == []
    (root / "depth_maps" / "map_7.png").unlink()
    PILImage.fromarray(np.zeros((10, 10, 3), np.uint8)).save(root / "images" / "41_1203.jpg")
    comp = json.loads((root / "annotations" / "all_hands.json").read_text())
    comp["annotations"][0]["gloves"] = 0
    comp["annotations"].append(_ann(EXAMPLE, 31))
    (root / "annotations" / "all_hands.json").write_text(json.dumps(comp))
    assert [str(v) for v in validate_path(root)] == [
        "annotations/all.json: image 7: depth map missing: depth_maps/map_7.png",
        "annotations/all.json: image 8: file is 10×10, JSON says 1920×1080",
        "annotations/all_hands.json: annotation 31: is not a hand",
        "annotations/all_hands.json: annotation 32: differs from all.json",
    ]
    (root / "annotations" / "all_hands.json").unlink()
    assert "annotations/all.json: missing companion all_hands.json" in [str(v) for v in validate_path(root)]


def test_cli_exit_codes(tmp_path):
    runner = CliRunner()
    good = runner.invoke(app, ["validate", str(DATA / "spec_example.json")])
    assert good.exit_code == 0, good.output
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_mutated(lambda r: _ann(r, 31).update(area=0))))
    bad = runner.invoke(app, ["validate", str(path)])
    assert bad.exit_code == 1
    assert f"{path}: annotation 31: area 0 must be > 0" in bad.output


@pytest.mark.parametrize("key", ["images", "annotations", "categories"])
@pytest.mark.parametrize("value", [{"a": 1}, 5, "x", None])
def test_non_list_top_level_is_one_error_line_not_a_crash(tmp_path, key, value):
    """Issue 11 item 8: the files validate exists to diagnose, with their companion beside them."""
    root = tmp_path / "root"
    (root / "annotations").mkdir(parents=True)
    raw = copy.deepcopy(EXAMPLE)
    raw[key] = value
    for name in ("all.json", "all_hands.json"):
        (root / "annotations" / name).write_text(json.dumps(raw))
    result = CliRunner().invoke(app, ["validate", str(root / "annotations" / "all.json")])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.endswith("must be a list")]
    assert errors == [f"{root / 'annotations' / 'all.json'}: '{key}' must be a list"]
    assert "Traceback" not in result.output


def test_every_non_list_key_has_its_own_line(tmp_path):
    raw = copy.deepcopy(EXAMPLE)
    raw["images"], raw["annotations"] = {}, 3
    assert _lines(tmp_path, raw) == ["'images' must be a list", "'annotations' must be a list"]


def test_non_list_in_a_package_is_reported_per_file(tmp_path):
    from glovego_data.split.verify import validate_target

    package = tmp_path / "pkg"
    (package / "real" / "annotations").mkdir(parents=True)
    raw = copy.deepcopy(EXAMPLE)
    raw["categories"] = 7
    (package / "real" / "annotations" / "train.json").write_text(json.dumps(raw))
    (package / "real" / "annotations" / "train_hands.json").write_text(json.dumps(raw))
    lines = [str(v) for v in validate_target(package) if v.severity == "error"]
    assert "real/annotations/train.json: 'categories' must be a list" in lines


def test_format_library_never_imports_the_split_layer():
    """Issue 14: the one import circle (ehoi_coco.validate ↔ split.manifest) is gone."""
    import ast

    package = Path(__file__).parents[2] / "glovego_data" / "ehoi_coco"
    for path in sorted(package.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not any(n.startswith("glovego_data.split") for n in names), f"{path.name} imports {names}"
