"""ehoi-metrics.md §6: the active-object rule, and records built from raw detections."""

from __future__ import annotations

import math

import numpy as np

from glovego_data.ehoi_coco import Category, EhoiDataset, Image
from glovego_model.association import associate, detections_to_records
from glovego_model.detections import ImageDetections
from glovego_model.evaluation import validate_predictions

HAND = 2
W, H = 640, 480
DIAG = math.hypot(W, H)


def _offset_to(hand_box, point):
    """(dx, dy, magnitude) pointing from the hand centre at `point`, in this image's units."""
    cx, cy = hand_box[0] + hand_box[2] / 2, hand_box[1] + hand_box[3] / 2
    vx, vy = point[0] - cx, point[1] - cy
    norm = math.hypot(vx, vy)
    return [vx / norm, vy / norm, norm / DIAG]


def _run(boxes, scores, is_hand, contact, offsets, width=W, height=H):
    return associate(np.asarray(boxes, float), np.asarray(scores, float), np.asarray(is_hand, bool),
                     np.asarray(contact, float), np.asarray(offsets, float), width, height)


def test_object_at_the_predicted_point_is_chosen():
    hand = [100, 100, 50, 50]
    link = _run([hand, [300, 110, 30, 30]], [0.9, 0.6], [True, False], [0.8, np.nan],
                [_offset_to(hand, (315, 125)), [np.nan] * 3])
    assert link.contact.tolist() == [1, -1]
    assert link.object_row.tolist() == [1, -1]


def test_far_argmax_downgrades_contact_even_if_another_object_is_near():
    """[ref] the gate tests the argmax object's distance, not the nearest object's."""
    hand = [100, 100, 50, 50]  # diagonal 70.7: gate at 176.8 px
    overlapping = [90, 90, 70, 70]  # IoU 0.51 with the hand, high score → wins the weighted score
    at_point = [385, 110, 30, 30]  # exactly at the predicted point, low score
    link = _run([hand, overlapping, at_point], [0.9, 0.9, 0.1], [True, False, False], [0.9, np.nan, np.nan],
                [_offset_to(hand, (400, 125)), [np.nan] * 3, [np.nan] * 3])
    assert link.contact[0] == 0 and link.object_row[0] == -1


def test_contact_without_object_detections_is_kept():
    link = _run([[10, 10, 40, 40]], [0.8], [True], [0.7], [[1.0, 0.0, 0.1]])
    assert link.contact.tolist() == [1] and link.object_row.tolist() == [-1]


def test_probability_one_half_is_no_contact():
    link = _run([[10, 10, 40, 40], [60, 10, 30, 30]], [0.8, 0.9], [True, False], [0.5, np.nan],
                [[1.0, 0.0, 0.05], [np.nan] * 3])
    assert link.contact[0] == 0 and link.object_row[0] == -1


def test_offset_uses_this_images_diagonal():
    """A 2272×1278 frame: the point decoded with the real diagonal reaches the object; with the
    reference's fixed 1280×720 diagonal it would land at 0.56× the distance, too far from it."""
    width, height = 2272, 1278
    hand = [200, 600, 100, 100]
    obj = [1200, 620, 60, 60]
    cx, cy = 250, 650
    vx, vy = 1230 - cx, 650 - cy
    offset = [vx / math.hypot(vx, vy), vy / math.hypot(vx, vy), math.hypot(vx, vy) / math.hypot(width, height)]
    link = _run([hand, obj], [0.9, 0.9], [True, False], [0.9, np.nan], [offset, [np.nan] * 3], width, height)
    assert link.object_row[0] == 1 and link.contact[0] == 1


def _detections() -> ImageDetections:
    n = 3
    boxes = np.array([[100, 100, 50, 50], [300, 110, 30, 30], [400, 300, 60, 60]], float)
    nan3 = [np.nan] * 3
    keypoints = np.full((n, 21, 3), np.nan)
    keypoints[0] = np.random.default_rng(0).uniform(100, 150, size=(21, 3))
    keypoints[0, :, 2] = 0.9
    return ImageDetections(
        image_id=7, width=W, height=H, boxes_xywh=boxes, scores=np.array([0.9, 0.7, 0.6]),
        category_ids=np.array([HAND, 0, HAND]), side_prob=np.array([0.8, np.nan, 0.2]),
        contact_prob=np.array([0.9, np.nan, 0.3]), glove_prob=np.array([0.4, np.nan, 0.9]),
        offsets=np.array([_offset_to(boxes[0], (315, 125)), nan3, [0.0, 1.0, 0.01]]), keypoints=keypoints,
    )


def test_records_follow_the_predictions_format():
    records = detections_to_records(_detections(), HAND)
    assert [r["category_id"] for r in records] == [HAND, 0, HAND]
    first, obj, second = records
    assert first["hand_side"] == 1 and first["contact_state"] == 1 and first["gloves"] == 0
    assert first["bbox_obj"] == [300.0, 110.0, 30.0, 30.0] and first["category_id_obj"] == 0
    assert first["score_obj"] == obj["score"] and first["contact_score"] == 0.9
    assert len(first["keypoints"]) == 63
    assert second["contact_state"] == 0 and second["bbox_obj"] == [] and "score_obj" not in second
    assert second["hand_side"] == 0 and second["gloves"] == 1 and "keypoints" not in second
    assert set(obj) == {"image_id", "category_id", "bbox", "score"}
    gt = EhoiDataset(images=[Image(id=7, file_name="x.jpg", width=W, height=H)],
                     categories=[Category(0, "box"), Category(1, "tool"), Category(2, "hand")], annotations=[])
    validate_predictions(records, gt, "records")


def test_no_detections_give_no_records():
    empty = ImageDetections(image_id=1, width=W, height=H, boxes_xywh=np.zeros((0, 4)), scores=np.zeros(0),
                            category_ids=np.zeros(0, int), side_prob=np.zeros(0), contact_prob=np.zeros(0),
                            glove_prob=np.zeros(0), offsets=np.zeros((0, 3)), keypoints=np.zeros((0, 21, 3)))
    assert detections_to_records(empty, HAND) == []
