"""The pinned SSIM equals skimage's; selection, seeds, work sizes and batches are pure functions."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from glovego_data.augment import selection
from glovego_data.augment.ssim import ssim_gray, ssim_map, to_gray


def _pair(seed: int, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    import cv2

    rng = np.random.default_rng(seed)
    a = cv2.GaussianBlur((rng.random(shape + (3,)) * 255).astype(np.uint8), (0, 0), 1.0 + seed % 3)
    b = a.copy()
    h, w = shape
    b[h // 4 : h // 2, w // 3 : w // 2] = 255 - b[h // 4 : h // 2, w // 3 : w // 2]
    b = np.clip(b.astype(int) + rng.integers(-9, 10, b.shape), 0, 255).astype(np.uint8)
    return a, b


@pytest.mark.parametrize("seed,shape", [(0, (64, 80)), (1, (121, 97)), (2, (360, 640)), (3, (23, 31))])
def test_ssim_equals_skimage(seed: int, shape: tuple[int, int]) -> None:
    from skimage.metrics import structural_similarity

    a, b = _pair(seed, shape)
    ga, gb = to_gray(a), to_gray(b)
    want = structural_similarity(ga, gb, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    assert abs(ssim_gray(ga, gb) - want) <= 1e-6
    assert ssim_gray(ga, ga) == pytest.approx(1.0, abs=1e-7)


def test_gray_is_pillow_luma() -> None:
    rng = np.random.default_rng(5)
    rgba = rng.integers(0, 256, size=(37, 41, 4), dtype=np.uint8)
    want = np.asarray(PILImage.fromarray(rgba[..., :3]).convert("L"))
    assert np.array_equal(to_gray(rgba), want)


def test_ssim_map_rejects_mismatched_sizes() -> None:
    with pytest.raises(ValueError):
        ssim_map(np.zeros((20, 20), np.uint8), np.zeros((20, 21), np.uint8))


def test_work_sizes_follow_kontext_preferred_resolutions() -> None:
    assert selection.work_size(1920, 1080) == (1392, 752)
    assert selection.work_size(2272, 1278) == (1392, 752)
    assert selection.work_size(640, 480) == (1184, 880)
    assert selection.work_size(480, 640) == (880, 1184)
    assert selection.work_size(500, 500) == (1024, 1024)
    assert selection.work_size(640, 480, scale=0.05) == (64, 48)


def test_draws_and_seeds_depend_only_on_seed_and_name() -> None:
    import hashlib

    digest = int.from_bytes(hashlib.sha256(b"7:66_28449.jpg").digest()[:8], "big")
    assert selection.selection_draw(7, "66_28449.jpg") == digest / 2**64
    assert selection.image_seed(7, "66_28449.jpg") == digest % 2**63
    names = [f"{i}_1.jpg" for i in range(400)]
    share = sum(selection.is_selected(3, n, 0.25) for n in names) / len(names)
    assert 0.18 < share < 0.32
    assert not any(selection.is_selected(3, n, 0.0) for n in names)
    assert all(selection.is_selected(3, n, 1.0) for n in names)


def test_batches_stay_inside_one_work_size_and_are_stable() -> None:
    sizes = {"b.jpg": (1392, 752), "a.jpg": (1392, 752), "c.jpg": (1184, 880), "d.jpg": (1392, 752), "e.jpg": (1184, 880)}
    batches = selection.plan_batches(sizes, 2)
    assert [(b.work_size, b.file_names) for b in batches] == [
        ((1184, 880), ("c.jpg", "e.jpg")),
        ((1392, 752), ("a.jpg", "b.jpg")),
        ((1392, 752), ("d.jpg",)),
    ]
    assert [b.index for b in batches] == [0, 1, 2]
    assert selection.plan_batches(dict(reversed(list(sizes.items()))), 2) == batches


@pytest.mark.parametrize("level", [0, 128, 250, 255])
def test_ssim_exact_where_float32_would_cancel(level: int) -> None:
    """Flat areas with a large constant difference (a glove over flat skin) are the hard case."""
    from skimage.metrics import structural_similarity

    a = np.full((300, 400), level, np.uint8)
    b = a.copy()
    b[100:200, 100:300] = 60
    want = structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)
    assert abs(ssim_gray(a, b) - want) <= 1e-6


def test_ssim_maps_do_not_share_memory() -> None:
    a, b = _pair(4, (50, 60))
    first = ssim_map(to_gray(a), to_gray(b))
    second = ssim_map(to_gray(a), to_gray(a))
    assert first.min() < 0.99 and second.min() > 0.999999
