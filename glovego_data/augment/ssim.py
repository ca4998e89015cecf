"""The one pinned SSIM of the glove gate (spec §4), fast enough to run on every full-HD edit.

Gray = Pillow's 8-bit BT.601 luma; SSIM = Gaussian σ 1.5 truncated at 3.5σ (11 × 11), K1 0.01,
K2 0.03, data range 255, population covariance, mean over the map cropped by 5 px. It equals
`skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)`; separable OpenCV filters make it ~5× faster.
"""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image as PILImage

SSIM_DEFINITION = "gray-bt601-pil/gauss1.5/k.01-.03/dr255/full-res"
SIGMA = 1.5
RADIUS = int(3.5 * SIGMA + 0.5)  # 5: the window is 11 × 11, as scipy's truncate=3.5 makes it
CROP = RADIUS
C1 = (0.01 * 255) ** 2
C2 = (0.03 * 255) ** 2


def to_gray(rgb: np.ndarray) -> np.ndarray:
    """8-bit luma exactly as Pillow's `convert("L")`: (19595 R + 38470 G + 7471 B + 32768) >> 16.

    Pillow itself does the conversion (C, ~10× faster than numpy); alpha is dropped first.
    """
    if rgb.ndim == 2:
        return rgb.astype(np.uint8, copy=False)
    return np.asarray(PILImage.fromarray(np.ascontiguousarray(rgb[..., :3], dtype=np.uint8)).convert("L"))


KSIZE = (2 * RADIUS + 1, 2 * RADIUS + 1)


def _blur(img: np.ndarray) -> np.ndarray:
    """Gaussian σ 1.5 on 11 × 11 (OpenCV's kernel = scipy's truncate-3.5 kernel to 1e-16).

    Border handling never matters: every pixel within RADIUS of an edge is cropped away.
    """
    return cv2.GaussianBlur(img, KSIZE, SIGMA, sigmaY=SIGMA, borderType=cv2.BORDER_REFLECT)


def ssim_map(gray_a: np.ndarray, gray_b: np.ndarray) -> np.ndarray:
    """The full-size SSIM map of two equal-size 8-bit gray images (border `CROP` px invalid).

    The textbook formula rewritten in the sum s = a + b − 255 and difference d = a − b, so that
    float32 stays accurate and only four blurs are needed:
    2μaμb + C1 over μa² + μb² + C1 = 1 − 2Δμ² / ((μs + 255)² + Δμ² + 2C1), and
    2σab + C2 over σa² + σb² + C2 = 1 − 2σd² / (σs² + σd² + 2C2).
    The d terms run in float64 (σd² = E[d²] − E[d]² cancels badly where d is a large constant,
    e.g. a glove over flat skin); both corrections are exactly 0 where a and b agree.
    """
    if gray_a.shape != gray_b.shape or gray_a.ndim != 2:
        raise ValueError(f"SSIM needs two gray images of one size; got {gray_a.shape} and {gray_b.shape}")
    d = cv2.subtract(gray_a, gray_b, dtype=cv2.CV_64F)
    mu_d64 = _blur(d)
    var_d = cv2.subtract(_blur(cv2.multiply(d, d)), cv2.multiply(mu_d64, mu_d64), dtype=cv2.CV_32F)
    np.maximum(var_d, 0, out=var_d)
    mu_d = mu_d64.astype(np.float32)
    s = cv2.add(gray_a, gray_b, dtype=cv2.CV_32F)
    s -= np.float32(255.0)
    mu_s = _blur(s)
    var_s = _blur(cv2.multiply(s, s))
    var_s -= cv2.multiply(mu_s, mu_s)
    mu_d2 = cv2.multiply(mu_d, mu_d)
    mu_s += np.float32(255.0)
    luminance = np.float32(2.0) * mu_d2
    luminance /= mu_s * mu_s + mu_d2 + np.float32(2 * C1)
    structure = np.float32(2.0) * var_d
    structure /= var_s + var_d + np.float32(2 * C2)
    return (np.float32(1.0) - luminance) * (np.float32(1.0) - structure)


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
