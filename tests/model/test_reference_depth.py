"""Reference synthetic data bring depth as 8-bit `depth_maps/map_<n>.png` beside `images/camera_<n>.png`,
without `depth_file`: the trainer reads it with a stated range and says so (issue 13, finding 5)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image as PILImage

from glovego_data.toy_scenes import generate_toy_dataset
from glovego_model.data.index import build_index
from glovego_model.data.targets import sample_targets
from glovego_model.data.transforms import load_sample


def _reference_root(tmp_path, *, keep_range: bool):
    json_path = generate_toy_dataset(tmp_path / "ref", n_images=3, size=(64, 48), seed=0, split="train", with_masks=False)
    raw = json.loads(json_path.read_text())
    for img in raw["images"]:
        img.pop("depth_file")
    if keep_range:
        raw["info"]["ehoi"]["depth"]["range_m"] = 2.5
    else:
        del raw["info"]["ehoi"]  # a reference file: no info.ehoi at all
    json_path.write_text(json.dumps(raw))
    json_path.with_name("train_hands.json").unlink()
    shutil.rmtree(tmp_path / "ref" / "depth_mm")
    return json_path


def test_reference_depth_maps_are_read_as_depth(tmp_path):
    json_path = _reference_root(tmp_path, keep_range=False)
    index = build_index(json_path)
    record = index.records[0]
    assert record.depth_path == tmp_path / "ref" / "depth_maps" / "map_1.png"
    sample = load_sample(record)
    stored = np.asarray(PILImage.open(record.depth_path)).astype(np.float32)
    np.testing.assert_allclose(sample.depth, stored / 255.0 * 5.0, rtol=1e-6)
    depth = sample_targets(sample, index.depth_range_m)["depth"]
    assert depth.numel() == 64 * 48 and float(depth.max()) > 0  # supervision, not the empty "no depth"
    assert index.warnings[-1] == (f"{json_path}: depth of 3 image(s) read from 8-bit depth_maps/map_<n>.png as "
                                  "d = p / 255 · 5 m (bright = far; 5 m is the default; the file states none)")


def test_a_stated_range_is_used(tmp_path):
    json_path = _reference_root(tmp_path, keep_range=True)
    index = build_index(json_path)
    sample = load_sample(index.records[1])
    stored = np.asarray(PILImage.open(index.records[1].depth_path)).astype(np.float32)
    np.testing.assert_allclose(sample.depth, stored / 255.0 * 2.5, rtol=1e-6)
    assert index.warnings == [f"{json_path}: depth of 3 image(s) read from 8-bit depth_maps/map_<n>.png as "
                              "d = p / 255 · 2.5 m (bright = far; 2.5 m is info.ehoi.depth.range_m)"]


def test_lossless_depth_is_preferred_and_needs_no_warning(tmp_path):
    json_path = generate_toy_dataset(tmp_path / "ours", n_images=2, size=(64, 48), seed=0, split="train", with_masks=False)
    index = build_index(json_path)
    assert all(r.depth_path.parent.name == "depth_mm" for r in index.records)
    assert index.warnings == []
    assert load_sample(index.records[0]).depth.max() == pytest.approx(1.0)
