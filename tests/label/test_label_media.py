"""label export on images and videos (`--stride`), pre-annotated by a saved detector (`--weights`),
then imported back as a root `validate` accepts."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from glovego_data._cv2 import cv2

from .helpers import as_submitted, glovego

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def detector(hand_biased_detector: Path) -> Path:
    return hand_biased_detector


def test_video_frames_and_images_pre_annotated_by_a_model(detector: Path, tmp_path: Path) -> None:
    media = tmp_path / "media"
    media.mkdir()
    rng = np.random.default_rng(0)
    writer = cv2.VideoWriter(str(media / "walk.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, (160, 120))
    for _ in range(7):
        writer.write(rng.integers(0, 255, size=(120, 160, 3), dtype=np.uint8))
    writer.release()
    PILImage.fromarray(rng.integers(0, 255, size=(90, 130, 3), dtype=np.uint8)).save(media / "bench.jpg")
    out = tmp_path / "tasks"
    result = glovego("label", "export", media, "--weights", detector, "--stride", 3, "--threshold", 0.3, "--out", out)
    assert result.exit_code == 0, result.output
    tasks = json.loads((out / "tasks.json").read_text())
    images = [t["data"]["glovego"]["image"] for t in tasks]
    assert [i["file_name"] for i in images] == ["bench.jpg", "walk_0.jpg", "walk_3.jpg", "walk_6.jpg"]
    assert [i.get("video") for i in images] == [None, "walk", "walk", "walk"]
    assert sorted(p.name for p in (out / "images").iterdir()) == sorted(i["file_name"] for i in images)
    assert PILImage.open(out / "images" / "walk_3.jpg").size == (160, 120)
    assert (out / "label_config.xml").read_text().count('<Label value="hand"/>') == 1
    boxes = [r for t in tasks for r in t["predictions"][0]["result"] if r["type"] == "rectanglelabels"]
    assert boxes and all(r["score"] >= 0.3 for r in boxes)
    assert {r["value"]["rectanglelabels"][0] for r in boxes} <= {"box", "tool", "hand"}
    back = tmp_path / "coco"
    export = tmp_path / "export.json"
    export.write_text(json.dumps(as_submitted(tasks)))
    result = glovego("label", "import", export, "--config", out / "label_config.xml", "--images", out / "images",
                     "--out", back)
    assert result.exit_code == 0, result.output
    assert glovego("validate", back).exit_code == 0
