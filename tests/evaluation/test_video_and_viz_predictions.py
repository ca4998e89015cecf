"""Videos: `--stride`, frame timestamps; `viz --predictions` re-draws exactly what `infer` drew."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data._cv2 import cv2
from glovego_data.errors import GlovegoError
from glovego_data.toy_scenes import generate_toy_dataset
from glovego_pipelines.infer import run_infer
from glovego_pipelines.viz import run_viz_predictions


@pytest.fixture(scope="module")
def tiny_model(hand_biased_detector: Path) -> Path:
    return hand_biased_detector


def _write_video(path: Path, frames: int, size=(160, 120), fps: float = 10.0) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, size=(size[1], size[0], 3), dtype=np.uint8))
    writer.release()


def _frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(frame)
    capture.release()
    return frames


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    _write_video(folder / "clip.mp4", 5)
    root = generate_toy_dataset(folder.parent / "scenes", 2, size=(200, 150), seed=3).parent.parent
    for picture in sorted((root / "images").glob("*.png")):
        PILImage.open(picture).save(folder / picture.name)
    return folder


@pytest.mark.slow
def test_stride_keeps_frame_ids_and_adds_timestamps(tiny_model, media, tmp_path):
    out = tmp_path / "infer"
    report = run_infer([media / "clip.mp4"], out, tiny_model, threshold=0.0, device="cpu", batch_size=2, stride=2)
    records = json.loads((out / "predictions.json").read_text())
    assert report.frames == 3 and {r["image_id"] for r in records} == {"clip.mp4#0", "clip.mp4#2", "clip.mp4#4"}
    assert all(r["timestamp"] == pytest.approx(int(r["image_id"].split("#")[1]) / 10.0) for r in records)
    assert len(_frames(out / "videos" / "clip.mp4")) == 3
    assert json.loads((out / "infer.json").read_text())["stride"] == 2


@pytest.mark.slow
def test_viz_predictions_redraws_infer_pictures_pixel_for_pixel(tiny_model, media, tmp_path):
    infer_out = tmp_path / "infer"
    run_infer([media], infer_out, tiny_model, threshold=0.3, device="cpu", batch_size=2, masks=True, stride=2)
    viz_out = tmp_path / "viz"
    result = CliRunner().invoke(app, ["viz", "--predictions", str(infer_out / "predictions.json"),
                                      "--images", str(media), "--out", str(viz_out)])
    assert result.exit_code == 0, result.output
    pictures = sorted(p.relative_to(infer_out / "pictures") for p in (infer_out / "pictures").rglob("*.jpg"))
    assert len(pictures) == 2
    assert sorted(p.relative_to(viz_out / "pictures") for p in (viz_out / "pictures").rglob("*.jpg")) == pictures
    for name in pictures:
        drawn_by_infer = np.asarray(PILImage.open(infer_out / "pictures" / name))
        drawn_by_viz = np.asarray(PILImage.open(viz_out / "pictures" / name))
        assert np.array_equal(drawn_by_infer, drawn_by_viz)
    original = np.asarray(PILImage.open(media / pictures[0].with_suffix(".png")).convert("RGB"))
    redrawn = np.asarray(PILImage.open(viz_out / "pictures" / pictures[0]))[: original.shape[0]]  # the key is below
    assert np.abs(redrawn.astype(int) - original).mean() > 1
    infer_frames, viz_frames = _frames(infer_out / "videos" / "clip.mp4"), _frames(viz_out / "videos" / "clip.mp4")
    assert len(infer_frames) == len(viz_frames) == 3
    assert all(np.array_equal(a, b) for a, b in zip(infer_frames, viz_frames))


def test_viz_predictions_bad_input(media, tmp_path):
    lone = tmp_path / "lone" / "predictions.json"
    lone.parent.mkdir()
    lone.write_text(json.dumps([{"image_id": "clip.mp4#0", "category_id": 0, "bbox": [1, 1, 5, 5], "score": 0.9}]))
    with pytest.raises(GlovegoError, match="no infer.json beside it"):
        run_viz_predictions(lone, [media / "clip.mp4"], tmp_path / "v1")
    (lone.parent / "infer.json").write_text(json.dumps(
        {"categories": ["box", "tool", "hand"], "hand_category_id": 2, "threshold": 0.5, "stride": 1}))
    with pytest.raises(GlovegoError, match="none of its 1 records"):
        run_viz_predictions(lone, [media / "camera_1.png"], tmp_path / "v2")
    assert not (tmp_path / "v2").exists() and not (tmp_path / "v2.tmp").exists()
    both = CliRunner().invoke(app, ["viz", str(media), "--predictions", str(lone), "--out", str(tmp_path / "v3")])
    assert both.exit_code == 1 and "not both" in both.output
