"""`info.ehoi.magnitude`: our image-diagonal convention and the reference decoder's fixed 1280×720
diagonal, both read right (issue 13, finding 1)."""

from __future__ import annotations

import json
import math

import pytest

from glovego_data.ehoi_coco import Annotation, EhoiDataset, Image, build_categories, load_dataset, make_info, save_dataset
from glovego_data.ehoi_coco.constants import REFERENCE_DIAGONAL
from glovego_data.ehoi_coco.validate import validate_path
from glovego_data.errors import FormatError

W, H = 480, 270  # the demo's size: not 1280×720, so the conventions differ by 1468.6 / 550.7


def _dataset(convention: str) -> EhoiDataset:
    cats = build_categories(["socket"])
    img = Image(id=1, file_name="camera_1.png", width=W, height=H)
    obj = Annotation(id=1, image_id=1, category_id=0, bbox=[300, 100, 40, 40], area=1600.0)
    hand = Annotation(id=2, image_id=1, category_id=1, bbox=[100, 60, 60, 60], area=3600.0)
    hand.set_hand_defaults()
    hand.contact_state = 1
    hand.set_active_object(obj, W, H)
    return EhoiDataset(images=[img], categories=cats, annotations=[obj, hand],
                       info=make_info(command="test", magnitude=convention))


DISTANCE = math.hypot(320 - 130, 120 - 90)  # object centre − hand centre, in pixels


@pytest.mark.parametrize("convention, unit", [("image_diagonal", math.hypot(W, H)),
                                               ("reference_diagonal", REFERENCE_DIAGONAL)])
def test_both_conventions_are_written_and_read_back(tmp_path, convention, unit):
    path = tmp_path / "a.json"
    save_dataset(_dataset(convention), path)
    stored = json.loads(path.read_text())["annotations"][1]["magnitude"]
    assert stored == round(DISTANCE / unit, 6)
    assert json.loads(path.read_text())["info"]["ehoi"]["magnitude"] == convention
    hand = load_dataset(path).annotation_by_id()[2]
    assert hand.magnitude * math.hypot(W, H) == pytest.approx(DISTANCE, abs=1e-3)  # in memory: ours
    again = tmp_path / "b.json"
    save_dataset(load_dataset(path), again)
    assert again.read_bytes() == path.read_bytes()
    assert [str(v) for v in validate_path(path)] == []


def test_a_reference_diagonal_value_read_as_ours_is_caught(tmp_path):
    path = tmp_path / "a.json"
    save_dataset(_dataset("reference_diagonal"), path)
    raw = json.loads(path.read_text())
    raw["info"]["ehoi"]["magnitude"] = "image_diagonal"
    path.write_text(json.dumps(raw))
    (line,) = [str(v).split(": ", 1)[1] for v in validate_path(path)]
    expected = round(DISTANCE / math.hypot(W, H), 6)
    assert line == (f"annotation 2: offset (0.987763, 0.155963, {round(DISTANCE / REFERENCE_DIAGONAL, 6)}) does not "
                    f"match the box centres (expected (0.987763, 0.155963, {expected:.6f}))")


def test_an_unknown_convention_is_refused(tmp_path):
    path = tmp_path / "a.json"
    save_dataset(_dataset("image_diagonal"), path)
    raw = json.loads(path.read_text())
    raw["info"]["ehoi"]["magnitude"] = "pixels"
    path.write_text(json.dumps(raw))
    with pytest.raises(FormatError, match=r"a.json: info.ehoi.magnitude 'pixels' is not one of image_diagonal, reference_diagonal"):
        load_dataset(path)
    assert "info.ehoi.magnitude 'pixels' is not one of image_diagonal, reference_diagonal" in [
        str(v).split(": ", 1)[1] for v in validate_path(path)]
