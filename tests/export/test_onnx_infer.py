"""`glovego infer --weights model.onnx`: the same outputs as with the model folder, videos included."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image as PILImage
from typer.testing import CliRunner

from glovego_cli.main import app
from glovego_data._cv2 import cv2
from glovego_data.drawing import legend_height
from glovego_data.ehoi_coco import load_dataset
from glovego_model.evaluation import validate_predictions


@pytest.mark.slow
def test_infer_with_the_onnx_file_matches_the_model_folder(dfine_dir, dfine_onnx, toy_root, tmp_path):
    gt_path = toy_root / "annotations" / "real.json"
    clip = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"mp4v"), 5.0, (160, 120))
    for value in (40, 120, 200):
        writer.write(np.full((120, 160, 3), value, np.uint8))
    writer.release()
    outputs = {}
    for name, weights in (("torch", dfine_dir), ("onnx", dfine_onnx)):
        out = tmp_path / name
        result = CliRunner().invoke(app, ["infer", "--weights", str(weights), str(gt_path), str(clip), "--out", str(out),
                                          "--device", "cpu", "--batch-size", "2", "--threshold", "0.0"])
        assert result.exit_code == 0, result.output
        outputs[name] = json.loads((out / "predictions.json").read_text())
    torch_records, onnx_records = outputs["torch"], outputs["onnx"]
    validate_predictions([r for r in onnx_records if "#" not in str(r["image_id"])], load_dataset(gt_path), "onnx")
    assert len(onnx_records) == len(torch_records)
    for key in ("image_id", "category_id"):
        assert sorted(map(str, (r[key] for r in onnx_records))) == sorted(map(str, (r[key] for r in torch_records)))
    np.testing.assert_allclose(sorted(r["score"] for r in onnx_records), sorted(r["score"] for r in torch_records),
                               atol=1e-4)
    assert {r["timestamp"] for r in onnx_records if "#" in str(r["image_id"])} <= {0.0, 0.2, 0.4}
    for img in load_dataset(gt_path).images:
        stem = img.file_name.rsplit(".", 1)[0]
        with PILImage.open(tmp_path / "onnx" / "pictures" / "real" / f"{stem}.jpg") as picture:
            assert picture.size == (img.width, img.height + legend_height(img.height, img.width))  # key below
    assert (tmp_path / "onnx" / "videos" / "clip.mp4").is_file()
