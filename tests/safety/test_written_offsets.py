"""Writer and checker agree on one rounding rule: an offset is written as computed from the boxes as
written (3 decimals), so a dataset of small images with fractional boxes validates after any rewrite."""

from __future__ import annotations

from glovego_data.ehoi_coco import Annotation, Category, EhoiDataset, Image, make_info, save_dataset
from glovego_data.ehoi_coco.validate import validate_file


def _dataset() -> EhoiDataset:
    """A 64×48 image: a hand next to its object, both with fractional boxes (as a resize leaves them)."""
    hand = Annotation(id=2, image_id=1, category_id=1, bbox=[20.12345, 20.00049, 4.33349, 3.1111], area=10.0,
                      keypoints=[], num_keypoints=0, hand_side=1, contact_state=1, gloves=0)
    obj = Annotation(id=1, image_id=1, category_id=0, bbox=[22.40049, 20.70049, 2.22249, 2.00049], area=4.0,
                     keypoints=[], num_keypoints=0)
    hand.set_active_object(obj, 64, 48)
    return EhoiDataset(images=[Image(id=1, file_name="a.png", width=64, height=48)],
                       categories=[Category(id=0, name="tool"), Category(id=1, name="hand")],
                       annotations=[obj, hand], info=make_info(command="test"))


def test_offsets_of_fractional_boxes_on_a_small_image_validate_after_writing(tmp_path):
    path = tmp_path / "annotations" / "train.json"
    save_dataset(_dataset(), path)
    assert [str(v) for v in validate_file(path) if v.severity == "error" or "offset" in v.message] == []
