"""EHOI-COCO reading and writing: the spec's example, foreign repairs, byte determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pycocotools.coco import COCO

from glovego_data.ehoi_coco import (
    Annotation,
    EhoiDataset,
    Image,
    build_categories,
    encode_dataset,
    load_dataset,
    make_info,
    offset_between,
    save_dataset,
)
from glovego_data.errors import FormatError

DATA = Path(__file__).parent / "data"


def test_spec_example_offset_matches_the_worked_numbers():
    dx, dy, magnitude = offset_between([590, 300, 140, 130], [700, 250, 160, 120], 1280, 720)
    assert (round(dx, 6), round(dy, 6), round(magnitude, 6)) == (0.909065, -0.416655, 0.089884)


def test_spec_example_round_trips_and_loads_in_pycocotools(tmp_path):
    ds = load_dataset(DATA / "spec_example.json")
    assert not ds.foreign and ds.warnings == []
    assert ds.hand_category_id == 2
    hand = ds.annotation_by_id()[32]
    assert ds.active_object(hand).id == 31
    out = tmp_path / "annotations" / "all.json"
    save_dataset(ds, out)
    written = json.loads(out.read_bytes())
    original = json.loads((DATA / "spec_example.json").read_text())
    assert written["annotations"] == original["annotations"]
    assert written["images"] == original["images"]
    assert list(written) == ["info", "licenses", "images", "categories", "annotations"]
    companion = json.loads((tmp_path / "annotations" / "all_hands.json").read_bytes())
    assert [a["id"] for a in companion["annotations"]] == [32, 33]
    assert companion["categories"] == written["categories"] and companion["images"] == written["images"]
    coco = COCO(str(out))
    assert len(coco.getAnnIds(catIds=[2])) == 2


def test_writing_is_byte_deterministic(tmp_path):
    ds = load_dataset(DATA / "spec_example.json")
    save_dataset(ds, tmp_path / "a.json")
    ds2 = load_dataset(tmp_path / "a.json")
    ds2.annotations.reverse()
    ds2.images.reverse()
    save_dataset(ds2, tmp_path / "b.json")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def _foreign(**hand_overrides):
    hand = {"id": 3, "image_id": "66_28449.jpg", "category_id": 0, "bbox": [80, 180, 60, 60], "area": 3600,
            "iscrowd": 0, "hand_side": 1, "contact_state": 1, "gloves": 0, "id_obj": 1,
            "dx": 0.1, "dy": 0.2, "magnitude": 150.0}
    hand.update(hand_overrides)
    return {
        "images": [{"id": "66_28449.jpg", "file_name": "66_28449.jpg", "width": 640, "height": 480}],
        "categories": [{"id": 0, "name": "hand"}, {"id": 1, "name": "screwdriver,"}, {"id": 2, "name": "pliers"}],
        "annotations": [
            {"id": 1, "image_id": "66_28449.jpg", "category_id": 2, "bbox": [100, 100, 100, 100]},
            hand,
        ],
    }


def test_foreign_file_is_repaired_in_memory(tmp_path):
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(_foreign()))
    ds = load_dataset(path)
    assert ds.foreign
    assert [(c.id, c.name) for c in ds.categories] == [(0, "screwdriver"), (1, "pliers"), (2, "hand")]
    hand = ds.annotation_by_id()[3]
    assert hand.category_id == 2 and ds.annotation_by_id()[1].category_id == 1
    assert hand.magnitude == pytest.approx(150.0 / 800.0)
    assert hand.bbox_obj == [100, 100, 100, 100] and hand.category_id_obj == 1
    assert ds.annotation_by_id()[1].area == 10000
    text = "\n".join(ds.warnings)
    assert "pixels" in text and "remapped" in text and "string image ids" in text


def test_writer_renumbers_string_image_ids_and_keeps_orig_id(tmp_path):
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(_foreign()))
    ds = load_dataset(path)
    ds.info = make_info(command="test")
    save_dataset(ds, tmp_path / "out.json")
    written = json.loads((tmp_path / "out.json").read_text())
    assert written["images"][0]["id"] == 1 and written["images"][0]["orig_id"] == "66_28449.jpg"
    assert {a["image_id"] for a in written["annotations"]} == {1}


def test_missing_offsets_are_recomputed_from_boxes(tmp_path):
    raw = _foreign()
    for key in ("dx", "dy", "magnitude"):
        del raw["annotations"][1][key]
    path = tmp_path / "ref.json"
    path.write_text(json.dumps(raw))
    hand = load_dataset(path).annotation_by_id()[3]
    expected = offset_between([80, 180, 60, 60], [100, 100, 100, 100], 640, 480)
    assert (hand.dx, hand.dy, hand.magnitude) == pytest.approx(expected)


def test_structural_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(FormatError, match=r"bad.json: not valid JSON"):
        load_dataset(bad)
    bad.write_text(json.dumps({"images": [], "categories": []}))
    with pytest.raises(FormatError, match=r"missing top-level key 'annotations'"):
        load_dataset(bad)


def test_build_categories_puts_hand_last():
    cats = build_categories(["pliers", "socket"])
    assert [(c.id, c.name) for c in cats] == [(0, "pliers"), (1, "socket"), (2, "hand")]
    assert len(cats[-1].extra["keypoints"]) == 21


def test_new_dataset_written_from_scratch(tmp_path):
    cats = build_categories(["socket"])
    img = Image(id=1, file_name="a.png", width=100, height=50)
    obj = Annotation(id=1, image_id=1, category_id=0, bbox=[10, 10, 20, 20], area=400.0)
    hand = Annotation(id=2, image_id=1, category_id=1, bbox=[40, 10, 20, 20], area=400.0)
    hand.set_hand_defaults()
    hand.contact_state = 1
    hand.set_active_object(obj, img.width, img.height)
    ds = EhoiDataset(images=[img], categories=cats, annotations=[obj, hand], info=make_info(command="test"))
    data = json.loads(encode_dataset(ds))
    h = data["annotations"][1]
    assert h["dx"] == -1.0 and h["dy"] == 0.0 and h["magnitude"] == round(30 / (100**2 + 50**2) ** 0.5, 6)
    assert data["annotations"][0].get("hand_side") is None
