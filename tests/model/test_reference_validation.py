"""Validation during training on a reference-code file (no `info.ehoi`): issue 13, finding 4."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from glovego_data.ehoi_coco import dataset_to_dict, load_dataset
from glovego_model.data.index import build_index
from glovego_model.detections import ImageDetections
from glovego_model.engine.validation import validate

EXAMPLE = json.loads((Path(__file__).parents[1] / "format" / "data" / "spec_example.json").read_text())


class GroundTruthPredictor:
    """Answers with the file's own annotations, so every score must be perfect."""

    def __init__(self, dataset):
        self.dataset = dataset

    def predict(self, images, image_ids, batch_size=8):
        out = []
        for image_id in image_ids:
            img = self.dataset.image_by_id()[image_id]
            anns = self.dataset.annotations_by_image().get(image_id, [])
            n = len(anns)
            hand = np.array([a.category_id == self.dataset.hand_category_id for a in anns])

            def attr(key):
                return np.array([float(getattr(a, key)) if h else np.nan for a, h in zip(anns, hand)])

            keypoints = np.zeros((n, 21, 3))
            for i, a in enumerate(anns):
                if a.keypoints:
                    keypoints[i] = np.asarray(a.keypoints, float).reshape(21, 3)
                    keypoints[i, :, 2] = keypoints[i, :, 2] > 0
            out.append(ImageDetections(
                image_id=image_id, width=img.width, height=img.height,
                boxes_xywh=np.array([a.bbox for a in anns], float).reshape(n, 4), scores=np.ones(n),
                category_ids=np.array([a.category_id for a in anns]), side_prob=attr("hand_side"),
                contact_prob=attr("contact_state"), glove_prob=attr("gloves"),
                offsets=np.array([[a.dx or 0, a.dy or 0, a.magnitude or 0] for a in anns], float).reshape(n, 3),
                keypoints=keypoints,
            ))
        return out


def _reference_root(tmp_path: Path) -> Path:
    root = tmp_path / "reference"
    (root / "images").mkdir(parents=True)
    (root / "annotations").mkdir()
    for img in EXAMPLE["images"]:
        PILImage.fromarray(np.zeros((img["height"], img["width"], 3), np.uint8)).save(root / "images" / img["file_name"])
    raw = json.loads(json.dumps(EXAMPLE))
    del raw["info"]["ehoi"]
    for img in raw["images"]:
        img.pop("depth_file", None)  # the reference has no lossless depth
    for ann in raw["annotations"]:
        ann.pop("category_id_obj", None)
    (root / "annotations" / "test_coco.json").write_text(json.dumps(raw))
    return root


def test_a_foreign_file_gets_the_info_the_loader_derives(tmp_path):
    dataset = load_dataset(_reference_root(tmp_path) / "annotations" / "test_coco.json")
    written = dataset_to_dict(dataset)  # used to raise "a dataset written by GlovEgo needs info.ehoi"
    assert written["info"]["ehoi"]["format"] == "EHOI-COCO"
    assert written["info"]["ehoi"]["magnitude"] == "image_diagonal"
    assert written["info"]["ehoi"]["created_by"].endswith("load_dataset (repaired from a foreign file)")


def test_validation_scores_a_reference_val_json(tmp_path):
    index = build_index(_reference_root(tmp_path) / "annotations" / "test_coco.json")
    metrics = validate(GroundTruthPredictor(index.dataset), index)
    assert metrics["hand_AP50"] == 1.0
    assert metrics["headline"] == pytest.approx(100.0, abs=1e-9)
