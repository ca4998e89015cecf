"""`EhoiPredictor` / post-processing: the `ImageDetections` contract in original pixels."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from glovego_model.detections import ImageDetections


def _predictor(modality: str):
    from glovego_model.inference import EhoiPredictor
    from glovego_model.modeling import build_model

    model = build_model(["box", "tool", "hand"], size="ci", seed=0, contact_modality=modality, image_size=[128, 128])
    return EhoiPredictor(model, device="cpu")


@pytest.mark.parametrize("modality", ["rgb", "mask+rgb+depth+kpts+fusion", "depth+kpts"])
def test_predictions_follow_the_contract(modality):
    predictor = _predictor(modality)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (90, 160, 3), dtype=np.uint8), rng.integers(0, 256, (200, 120, 3), dtype=np.uint8)]
    dets = predictor.predict(images, ["a", 5], batch_size=2, min_score=0.0, with_masks=True)
    for det, image, image_id in zip(dets, images, ["a", 5]):
        assert isinstance(det, ImageDetections) and det.image_id == image_id
        assert (det.width, det.height) == (image.shape[1], image.shape[0])
        n = len(det)
        assert 0 < n <= 100 and np.all(np.diff(det.scores) <= 0)
        assert set(np.unique(det.category_ids)) <= {0, 1, 2}
        hand = det.category_ids == 2
        for values in (det.side_prob, det.contact_prob, det.glove_prob):
            assert np.all((values[hand] >= 0) & (values[hand] <= 1)) and np.isnan(values[~hand]).all()
        unit = np.linalg.norm(det.offsets[hand, :2], axis=1)
        assert np.allclose(unit[det.offsets[hand, 2] > 0], 1.0, atol=1e-6)
        assert det.keypoints.shape == (n, 21, 3) and np.isnan(det.keypoints[~hand]).all()
        assert len(det.masks) == n and det.masks[0]["size"] == [image.shape[0], image.shape[1]]


def test_a_query_is_a_hand_or_an_object_never_both():
    from glovego_model.inference.postprocess import exclusive_hand_scores

    scores = torch.tensor([[0.3, 0.1, 0.9], [0.8, 0.6, 0.4]])
    out = exclusive_hand_scores(scores, hand_label=2)
    assert torch.equal(out, torch.tensor([[0.0, 0.0, 0.9], [0.8, 0.6, 0.0]]))


def test_offsets_and_keypoints_map_back_to_original_pixels():
    """δ and normalised keypoints from the model become the format's (dx, dy, magnitude) and pixel-index points."""
    from types import SimpleNamespace

    from glovego_model.inference.postprocess import postprocess

    config = SimpleNamespace(id2label={0: "box", 1: "hand"}, ehoi_contact_modality="rgb")
    logits = torch.tensor([[[-9.0, 5.0], [5.0, -9.0]]])
    outputs = SimpleNamespace(
        logits=logits, pred_boxes=torch.tensor([[[0.25, 0.5, 0.1, 0.2], [0.75, 0.5, 0.2, 0.2]]]),
        side_logits=torch.zeros(1, 2), contact_logits=torch.zeros(1, 2), contact_crop_logits=None,
        glove_logits=torch.zeros(1, 2), offsets=torch.tensor([[[0.5, 0.0], [0.0, 0.0]]]),
        keypoints=torch.full((1, 2, 21, 2), 0.5), keypoint_logits=torch.zeros(1, 2, 21), mask_logits=None,
    )
    [det] = postprocess(config, outputs, [1], [(200, 100)])
    hand = int(np.flatnonzero(det.category_ids == 1)[0])
    assert det.boxes_xywh[hand] == pytest.approx([40.0, 40.0, 20.0, 20.0])
    assert det.offsets[hand] == pytest.approx([1.0, 0.0, 100.0 / np.hypot(200, 100)])
    assert det.keypoints[hand, 0] == pytest.approx([99.5, 49.5, 0.5])


def test_classwise_nms_drops_a_lower_scored_duplicate_of_the_same_class_only():
    """A briefly trained decoder's second box on a found hand is dropped; another class on the same
    spot, and a same-class box overlapping less than IoU 0.7 (two hands side by side), are kept."""
    from glovego_model.inference.postprocess import NMS_IOU, box_iou, classwise_nms

    boxes = np.array([[10, 10, 40, 40], [12, 11, 40, 40], [10, 10, 40, 40], [30, 10, 40, 40]], dtype=float)
    scores = np.array([0.9, 0.6, 0.5, 0.4])
    labels = np.array([1, 1, 0, 1])
    assert box_iou(boxes[0], boxes[1:2])[0] >= NMS_IOU > box_iou(boxes[0], boxes[3:4])[0]
    assert classwise_nms(boxes, scores, labels).tolist() == [True, False, True, True]
    assert classwise_nms(boxes, scores, labels, iou=1.0).all()


def test_postprocess_suppresses_duplicates_after_the_topk_the_graph_exports():
    from types import SimpleNamespace

    from glovego_model.inference.postprocess import postprocess, select_topk

    config = SimpleNamespace(id2label={0: "box", 1: "hand"}, ehoi_contact_modality="rgb")
    outputs = SimpleNamespace(
        logits=torch.tensor([[[-9.0, 5.0], [-9.0, 3.0], [-9.0, 2.0]]]),
        pred_boxes=torch.tensor([[[0.3, 0.5, 0.2, 0.4], [0.31, 0.5, 0.2, 0.4], [0.7, 0.5, 0.2, 0.4]]]),
        side_logits=torch.zeros(1, 3), contact_logits=torch.zeros(1, 3), contact_crop_logits=None,
        glove_logits=torch.zeros(1, 3), offsets=torch.zeros(1, 3, 2),
        keypoints=torch.full((1, 3, 21, 2), 0.5), keypoint_logits=torch.zeros(1, 3, 21), mask_logits=None,
    )
    hands = select_topk(config, outputs, (200.0, 100.0))["labels"][0] == 1
    assert int(hands.sum()) == 3  # the exported graph's rows are unchanged
    [det] = postprocess(config, outputs, [1], [(200, 100)], min_score=0.5)
    assert len(det) == 2 and det.boxes_xywh[:, 0] == pytest.approx([40.0, 120.0])
    [everything] = postprocess(config, outputs, [1], [(200, 100)], min_score=0.5, nms_iou=1.0)
    assert len(everything) == 3
