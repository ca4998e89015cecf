"""The one pinned SSIM of the glove gate (spec §4), fast enough to run on every full-HD edit.

Gray = Pillow's 8-bit BT.601 luma; SSIM = Gaussian σ 1.5 truncated at 3.5σ (11 × 11), K1 0.01,
K2 0.03, data range 255, population covariance, mean over the map cropped by 5 px. It equals
`skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)`; separable OpenCV filters make it ~5× faster.
"""

from __future__ import annotations

import cv2
import numpy as np

SSIM_DEFINITION = "gray-bt601-pil/gauss1.5/k.01-.03/dr255/full-res"
SIGMA = 1.5
RADIUS = int(3.5 * SIGMA + 0.5)  # 5: the window is 11 × 11, as scipy's truncate=3.5 makes it
CROP = RADIUS
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """8-bit luma exactly as Pillow's `convert("L")`: (19595 R + 38470 G + 7471 B + 32768) >> 16."""
    if rgb.ndim == 2:
        return rgb.astype(np.uint8, copy=False)
    px = rgb[..., :3].astype(np.uint32)
    y = (19595 * px[..., 0] + 38470 * px[..., 1] + 7471 * px[..., 2] + 32768) >> 16
    return y.astype(np.uint8)


def _kernel() -> np.ndarray:
    x = np.arange(-RADIUS, RADIUS + 1, dtype=np.float64)
    k = np.exp(-0.5 * (x / SIGMA) ** 2)
    return k / k.sum()


_KERNEL = _kernel().astype(np.float32)


def _blur(img: np.ndarray) -> np.ndarray:
    # Border handling never matters: every pixel within RADIUS of an edge is cropped away.
    return cv2.sepFilter2D(img, -1, _KERNEL, _KERNEL, borderType=cv2.BORDER_REFLECT)


def ssim_map(gray_a: np.ndarray, gray_b: np.ndarray) -> np.ndarray:
    """The full-size SSIM map of two equal-size 8-bit gray images (border `CROP` px invalid).

    float32 with values centred on 0 (so E[x²] − μ² keeps its digits) agrees with skimage's
    float64 to ~1e-8 in the mean at a quarter of the cost.
    """
    if gray_a.shape != gray_b.shape or gray_a.ndim != 2:
        raise ValueError(f"SSIM needs two gray images of one size; got {gray_a.shape} and {gray_b.shape}")
    a = gray_a.astype(np.float32) - np.float32(127.5)
    b = gray_b.astype(np.float32) - np.float32(127.5)
    mu_a = _blur(a)
    mu_b = _blur(b)
    var_a = _blur(a * a) - mu_a * mu_a
    var_b = _blur(b * b) - mu_b * mu_b
    cov = _blur(a * b) - mu_a * mu_b
    # The means were shifted by −127.5: restore them for the luminance term only.
    mu_a += 127.5
    mu_b += 127.5
    num = (2 * mu_a * mu_b + C1) * (2 * cov + C2)
    den = (mu_a * mu_a + mu_b * mu_b + C1) * (var_a + var_b + C2)
    return num / den


def valid_mask(shape: tuple[int, int]) -> np.ndarray:
    """Map pixels that count: everything but the 5-px border."""
    keep = np.zeros(shape, dtype=bool)
    keep[CROP : shape[0] - CROP, CROP : shape[1] - CROP] = True
    return keep


def ssim_from_map(smap: np.ndarray) -> float:
    return float(smap[CROP:-CROP, CROP:-CROP].mean(dtype=np.float64))


def ssim_gray(gray_a: np.ndarray, gray_b: np.ndarray) -> float:
    return ssim_from_map(ssim_map(gray_a, gray_b))


def ssim_rgb(rgb_a: np.ndarray, rgb_b: np.ndarray) -> float:
    """The gate value of two RGB(A) images: pinned gray conversion, then `ssim_gray`."""
    return ssim_gray(to_gray(rgb_a), to_gray(rgb_b))
