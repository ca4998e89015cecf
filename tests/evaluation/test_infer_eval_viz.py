"""infer → predictions.json → eval reads it unchanged; videos come back as videos; viz pictures.

The model is a tiny randomly initialised detector saved with save_pretrained and loaded back
through `EhoiPredictor.from_pretrained`, the path real weights take.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data._cv2 import cv2
from glovego_data.drawing import legend_height
from glovego_data.ehoi_coco import REFERENCE_CATEGORIES, load_dataset
from glovego_data.errors import GlovegoError
from glovego_data.toy_scenes import generate_toy_dataset
from glovego_model.evaluation import validate_predictions
from glovego_pipelines.evaluate import run_evaluate
from glovego_pipelines.infer import run_infer
from glovego_pipelines.viz import run_viz

HAND_ID = REFERENCE_CATEGORIES.index("hand")  # the toy scenes use the reference classes


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    from glovego_model.modeling import build_model

    import torch

    path = tmp_path_factory.mktemp("model") / "tiny"
    model = build_model(list(REFERENCE_CATEGORIES), size="ci", seed=0, contact_modality="rgb", image_size=[96, 96])
    # Random class logits are nearly equal, and a query counts as a hand only where the hand class
    # wins over all 19 object classes: lift the hand bias of the last class head so the records hold
    # hands and objects.
    with torch.no_grad():
        for head in (model.class_embed[-1], model.model.decoder.class_embed[-1]):
            head.bias[HAND_ID] = head.bias[:HAND_ID].max() + 0.4
    model.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def toy_json(tmp_path_factory) -> Path:
    return generate_toy_dataset(tmp_path_factory.mktemp("toy") / "root", 3, size=(200, 150), seed=3)


@pytest.mark.slow
def test_infer_predictions_load_back_into_eval_unchanged(tiny_model, toy_json, tmp_path):
    out = tmp_path / "infer"
    report = run_infer([toy_json], out, tiny_model, threshold=0.0, device="cpu", batch_size=2)
    written = json.loads((out / "predictions.json").read_text())
    assert report.images == 3 and report.records == len(written) > 0
    gt = load_dataset(toy_json)
    validate_predictions(written, gt, "predictions.json")
    assert {r["image_id"] for r in written} <= {img.id for img in gt.images}
    assert any(r["category_id"] == HAND_ID for r in written)
    for img in gt.images:
        with PILImage.open(out / "pictures" / "train" / f"{Path(img.file_name).stem}.jpg") as picture:
            assert picture.size == (img.width, img.height + legend_height(img.height, img.width))  # key below

    from_file = run_evaluate(toy_json, predictions=out / "predictions.json")
    from_model = run_evaluate(toy_json, weights=tiny_model, out=tmp_path / "eval", device="cpu", batch_size=2,
                              report=tmp_path / "report")
    assert from_file.metrics == from_model.metrics
    assert json.loads((tmp_path / "report" / "report.json").read_text())["metrics"] == from_model.metrics
    assert json.loads((tmp_path / "eval" / "predictions.json").read_text()) == written


def _write_video(path: Path, frames: int, size=(160, 120)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 10.0, size)
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8))
    writer.release()


@pytest.mark.slow
def test_videos_come_back_as_videos_and_images_as_pictures(tiny_model, tmp_path):
    media = tmp_path / "media"
    media.mkdir()
    _write_video(media / "clip.mp4", 3)
    PILImage.fromarray(np.full((90, 130, 3), 120, np.uint8)).save(media / "still.png")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["infer", "--weights", str(tiny_model), str(media), "--out", str(out),
                                      "--device", "cpu", "--batch-size", "2", "--masks"])
    assert result.exit_code == 0, result.output
    records = json.loads((out / "predictions.json").read_text())
    assert {r["image_id"] for r in records} <= {"clip.mp4#0", "clip.mp4#1", "clip.mp4#2", "still.png"}
    assert all(r["segmentation"]["size"] == ([90, 130] if r["image_id"] == "still.png" else [120, 160])
               for r in records)  # --masks: RLE at each picture's own size
    capture = cv2.VideoCapture(str(out / "videos" / "clip.mp4"))
    assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 3
    assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (160, 120 + legend_height(120, 160))
    capture.release()
    with PILImage.open(out / "pictures" / "still.jpg") as picture:
        assert picture.size == (130, 90 + legend_height(90, 130))
    again = CliRunner().invoke(app, ["infer", "--weights", str(tiny_model), str(media), "--out", str(out)])
    assert again.exit_code == 1 and "already exists" in again.output


def test_infer_bad_inputs(tiny_model, tmp_path):
    with pytest.raises(GlovegoError, match="no such file or folder"):
        run_infer([tmp_path / "missing.jpg"], tmp_path / "o1", tiny_model, device="cpu")
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(GlovegoError, match="not an image or video"):
        run_infer([tmp_path / "notes.txt"], tmp_path / "o2", tiny_model, device="cpu")
    with pytest.raises(GlovegoError, match="not a model folder"):
        (tmp_path / "no_model").mkdir()
        run_infer([tmp_path / "notes.txt"], tmp_path / "o3", tmp_path / "no_model", device="cpu")
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o1.tmp").exists()


def test_viz_draws_every_split_at_original_size(toy_json, tmp_path):
    out = tmp_path / "viz"
    result = CliRunner().invoke(app, ["viz", str(toy_json.parent.parent), "--out", str(out), "--n", "2"])
    assert result.exit_code == 0, result.output
    pictures = sorted((out / "train").glob("*.jpg"))
    assert len(pictures) == 2
    original = np.asarray(PILImage.open(toy_json.parent.parent / "images" / "camera_1.png").convert("RGB"))
    drawn = np.asarray(PILImage.open(out / "train" / "camera_1.jpg"))
    assert drawn.shape == (original.shape[0] + legend_height(*original.shape[:2]), *original.shape[1:])
    assert np.abs(drawn[: original.shape[0]].astype(int) - original.astype(int)).mean() > 2  # something was drawn


def test_viz_errors(toy_json, tmp_path):
    result = CliRunner().invoke(app, ["viz", str(tmp_path / "nothing"), "--out", str(tmp_path / "v")])
    assert result.exit_code == 1 and "no such file or folder" in result.output
    broken = tmp_path / "root" / "annotations"
    broken.mkdir(parents=True)
    raw = json.loads(toy_json.read_text())
    (broken / "train.json").write_text(json.dumps(raw))
    with pytest.raises(GlovegoError, match="camera_1.png not found"):
        run_viz(broken / "train.json", tmp_path / "v2", 1)
    assert not (tmp_path / "v2").exists()
