"""Masks → boxes, corner polygons and RLE, checked against pycocotools decoding."""

from __future__ import annotations

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from scipy import ndimage

from glovego_data._cv2 import cv2
from glovego_data.masks import decode_segmentation, mask_to_polygons, mask_to_rle, tight_box


def _random_rectilinear(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    mask = np.zeros((h, w), dtype=bool)
    for _ in range(int(rng.integers(1, 7))):
        x, y = int(rng.integers(0, w - 1)), int(rng.integers(0, h - 1))
        mask[y : y + int(rng.integers(1, 12)), x : x + int(rng.integers(1, 12))] = True
    return mask


def _random_blob(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """A smooth, irregular, hole-free single component (thresholded smoothed noise, holes filled)."""
    field = ndimage.gaussian_filter(rng.standard_normal((h, w)), sigma=float(rng.uniform(4, 12)))
    mask = field > np.quantile(field, float(rng.uniform(0.5, 0.85)))
    labels, n = ndimage.label(mask, structure=np.ones((3, 3)))
    sizes = ndimage.sum(mask, labels, range(1, n + 1))
    return ndimage.binary_fill_holes(labels == 1 + int(np.argmax(sizes)))


def test_tight_box() -> None:
    mask = np.zeros((10, 12), dtype=bool)
    mask[2:5, 3:7] = True
    mask[8, 10] = True
    assert tight_box(mask) == [3, 2, 8, 7]
    assert tight_box(mask, origin=(100, 50)) == [103, 52, 8, 7]
    with pytest.raises(ValueError):
        tight_box(np.zeros((3, 3), dtype=bool))


def test_rectangle_has_its_four_corners() -> None:
    mask = np.zeros((50, 60), dtype=bool)
    mask[10:30, 5:40] = True
    (ring,) = mask_to_polygons(mask)
    corners = sorted(zip(ring[0::2], ring[1::2]))
    assert corners == [(5.0, 10.0), (5.0, 30.0), (40.0, 10.0), (40.0, 30.0)]
    assert mask_to_polygons(mask[10:30, 5:40], origin=(5, 10)) == [ring]


def test_concave_corner_is_a_vertex() -> None:
    mask = np.zeros((5, 5), dtype=bool)
    mask[0, 0] = mask[1, 0] = mask[1, 1] = True
    (ring,) = mask_to_polygons(mask, epsilon=0.0)
    assert sorted(zip(ring[0::2], ring[1::2])) == sorted([(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (0, 2)])


def test_single_pixel_keeps_its_square() -> None:
    mask = np.zeros((4, 4), dtype=bool)
    mask[2, 1] = True
    (ring,) = mask_to_polygons(mask)
    assert len(ring) == 8
    assert decode_segmentation([ring], 4, 4).sum() == 1


def test_one_ring_per_8_connected_component() -> None:
    mask = np.zeros((20, 20), dtype=bool)
    mask[2:6, 2:6] = True
    mask[6:9, 6:9] = True  # touches the first block diagonally: same component
    mask[2:5, 7:10] = True  # separated by a 1-pixel gap: a component of its own
    mask[12:19, 12:19] = True
    mask[14:17, 14:17] = False  # a hole (not represented) ...
    mask[15, 15] = True  # ... with an island inside: its own ring
    polygons = mask_to_polygons(mask)
    assert len(polygons) == 4
    assert all(len(p) % 2 == 0 and len(p) >= 6 for p in polygons)


def test_rectilinear_masks_decode_exactly_without_simplification() -> None:
    rng = np.random.default_rng(0)
    for _ in range(150):
        mask = _random_rectilinear(rng, 40, 50)
        decoded = decode_segmentation(mask_to_polygons(mask, epsilon=0.0), 40, 50)
        np.testing.assert_array_equal(decoded, ndimage.binary_fill_holes(mask))


def test_simplified_polygons_reach_iou_095_on_random_blobs() -> None:
    rng = np.random.default_rng(1)
    checked = 0
    for _ in range(200):
        h, w = int(rng.integers(60, 200)), int(rng.integers(60, 200))
        mask = _random_blob(rng, h, w)
        if mask.sum() < 400:
            continue
        y, x = int(rng.integers(0, 50)), int(rng.integers(0, 50))
        box = tight_box(mask)
        crop = mask[box[1] : box[1] + box[3], box[0] : box[0] + box[2]]
        polygons = mask_to_polygons(crop, origin=(box[0] + x, box[1] + y))
        assert all(len(p) % 2 == 0 and len(p) >= 6 for p in polygons)
        assert all(v == int(v) for p in polygons for v in p)  # vertices on pixel corners
        decoded = decode_segmentation(polygons, h + 50, w + 50)[y : y + h, x : x + w]
        iou = (decoded & mask).sum() / (decoded | mask).sum()
        assert iou >= 0.95, iou
        checked += 1
    assert checked >= 150


def test_ellipses_drawn_like_the_generator_reach_iou_095() -> None:
    rng = np.random.default_rng(2)
    for _ in range(100):
        canvas = np.zeros((240, 320), dtype=np.uint8)
        centre = (int(rng.integers(40, 280)), int(rng.integers(40, 200)))
        axes = (int(rng.integers(12, 80)), int(rng.integers(12, 80)))
        cv2.ellipse(canvas, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1, -1)
        mask = canvas.astype(bool)
        decoded = decode_segmentation(mask_to_polygons(mask), 240, 320)
        assert (decoded & mask).sum() / (decoded | mask).sum() >= 0.95


def test_empty_mask_has_no_polygon() -> None:
    assert mask_to_polygons(np.zeros((5, 5), dtype=bool)) == []


@pytest.mark.parametrize("seed", range(6))
def test_rle_of_a_crop_equals_pycocotools_on_the_full_frame(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(5, 60)), int(rng.integers(5, 60))
    full = np.zeros((height, width), dtype=bool)
    y0, x0 = int(rng.integers(0, height)), int(rng.integers(0, width))
    y1 = height if seed % 2 else int(rng.integers(y0 + 1, height + 1))  # full-height crops join runs
    x1 = int(rng.integers(x0 + 1, width + 1))
    full[y0:y1, x0:x1] = rng.random((y1 - y0, x1 - x0)) > 0.4
    if seed == 5:
        full[y0:y1, x0:x1] = True
    expected = mask_utils.encode(np.asfortranarray(full.astype(np.uint8)))
    rle = mask_to_rle(full[y0:y1, x0:x1], height, width, origin=(x0, y0))
    assert rle == {"size": [height, width], "counts": expected["counts"].decode("ascii")}
    np.testing.assert_array_equal(decode_segmentation(rle, height, width), full)


def test_rle_edge_cases() -> None:
    full = np.ones((4, 3), dtype=bool)
    expected = mask_utils.encode(np.asfortranarray(full.astype(np.uint8)))["counts"].decode()
    assert mask_to_rle(full, 4, 3)["counts"] == expected
    empty = mask_utils.encode(np.zeros((4, 3), dtype=np.uint8, order="F"))["counts"].decode()
    assert mask_to_rle(np.zeros((2, 2), dtype=bool), 4, 3, origin=(1, 1))["counts"] == empty
    with pytest.raises(ValueError):
        mask_to_rle(full, 4, 3, origin=(1, 0))


def test_decode_uncompressed_rle() -> None:
    seg = {"size": [3, 2], "counts": [1, 3, 2]}
    np.testing.assert_array_equal(
        decode_segmentation(seg, 3, 2), np.array([[0, 1], [1, 0], [1, 0]], dtype=bool)
    )
