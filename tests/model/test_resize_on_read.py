"""Resize on read: a training sample decoded straight at its batch size equals the full-size
sample resized (boxes, keypoints, RLE masks, depth and PNG pixels exactly; polygons rasterised at
the target size agree with the full-size masks), and the one-pass jitter keeps the four-pass
definition."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage


def _record(toy_json, i: int = 0):
    from glovego_model.data import build_index

    return build_index(toy_json).records[i]


def test_sample_read_at_size_equals_the_full_sample_resized(toy_json):
    from glovego_model.data import load_sample, resize

    for i in range(3):
        record = _record(toy_json, i)
        direct = load_sample(record, size=(96, 80))
        reference = resize(load_sample(record), 96, 80)
        assert direct.size == (96, 80) and direct.orig_size == reference.orig_size
        np.testing.assert_array_equal(direct.image, reference.image)
        np.testing.assert_array_equal(direct.boxes, reference.boxes)
        np.testing.assert_array_equal(direct.keypoints, reference.keypoints)
        np.testing.assert_array_equal(direct.depth, reference.depth)
        np.testing.assert_array_equal(direct.masks, reference.masks)  # RLE: decoded, then nearest together
        np.testing.assert_array_equal(direct.mask_valid, reference.mask_valid)


def test_polygons_are_rasterised_at_the_target_size(toy_json):
    from dataclasses import replace

    from pycocotools import mask as mask_utils

    from glovego_model.data import load_sample

    record = _record(toy_json)
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    polygons = []
    for x, y, w, h in record.boxes_xywh:
        polygons.append([[float(v) for a in angles for v in (x + w / 2 + w / 2 * np.cos(a), y + h / 2 + h / 2 * np.sin(a))]])
    record = replace(record, segmentations=[polygons[0], None, *polygons[2:]])
    sample = load_sample(record, size=(64, 48))
    assert sample.masks.shape == (len(polygons), 48, 64)
    assert sample.mask_valid.tolist() == [True, False] + [True] * (len(polygons) - 2)
    for i in np.flatnonzero(sample.mask_valid):
        full = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(polygons[i], record.height, record.width)))
        from glovego_data._cv2 import cv2

        expected = cv2.resize(full, (64, 48), interpolation=cv2.INTER_NEAREST).astype(bool)
        iou = (sample.masks[i] & expected).sum() / max(1, (sample.masks[i] | expected).sum())
        assert iou > 0.8, (i, iou)


def _jitter_by_definition(image, rng, strength=0.2, hue=0.02):
    """Brightness, contrast about the mean, saturation about the luma, YIQ hue rotation: four passes."""
    img = image.astype(np.float64) / 255.0
    img = img * rng.uniform(1 - strength, 1 + strength)
    mean = img.mean()
    img = mean + (img - mean) * rng.uniform(1 - strength, 1 + strength)
    gray = img @ np.array([0.299, 0.587, 0.114])
    img = gray[..., None] + (img - gray[..., None]) * rng.uniform(1 - strength, 1 + strength)
    angle = rng.uniform(-hue, hue) * 2.0 * np.pi
    yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    rotation = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
    img = img @ (np.linalg.inv(yiq) @ rotation @ yiq).T
    return np.clip(img * 255.0, 0, 255)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_one_pass_jitter_matches_its_definition(seed):
    from glovego_model.data import photometric_jitter

    image = np.random.default_rng(seed).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    out = photometric_jitter(image, np.random.default_rng([seed, 9]))
    expected = _jitter_by_definition(image, np.random.default_rng([seed, 9]))
    assert out.dtype == np.uint8 and out.shape == image.shape
    error = np.abs(out.astype(np.float64) - expected)
    assert error.max() <= 1.0 and error.mean() < 0.3  # rounding to uint8 (in float32) only


def test_jpeg_is_decoded_at_a_reduced_scale_when_the_target_allows(tmp_path):
    from glovego_model.data.transforms import _read_rgb

    y, x = np.mgrid[0:360, 0:640]
    frame = np.stack([x * 255 // 640, y * 255 // 360, (x + y) % 256], axis=-1).astype(np.uint8)
    path = tmp_path / "frame.jpg"
    PILImage.fromarray(frame).save(path, quality=95)
    small = _read_rgb(path, (160, 90))  # draft decodes at 1/4 scale: 160×90 straight from the DCT
    assert small.shape == (90, 160, 3)
    from glovego_data._cv2 import cv2

    full = cv2.resize(np.asarray(PILImage.open(path).convert("RGB")), (160, 90), interpolation=cv2.INTER_AREA)
    assert np.abs(small.astype(int) - full.astype(int)).mean() < 4
