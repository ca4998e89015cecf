"""The one pinned SSIM of the glove gate (spec §4), fast enough to run on every full-HD edit.

Gray = Pillow's 8-bit BT.601 luma; SSIM = Gaussian σ 1.5 truncated at 3.5σ (11 × 11), K1 0.01,
K2 0.03, data range 255, population covariance, mean over the map cropped by 5 px. It equals
`skimage.metrics.structural_similarity(a, b, gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, data_range=255)`; separable OpenCV filters make it ~5× faster.
"""

from __future__ import annotations

from functools import lru_cache

from glovego_data._cv2 import cv2
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


def _blur(img: np.ndarray, dst: np.ndarray | None = None) -> np.ndarray:
    """Gaussian σ 1.5 on 11 × 11 (OpenCV's kernel = scipy's truncate-3.5 kernel to 1e-16).

    Border handling never matters: every pixel within RADIUS of an edge is cropped away.
    """
    return cv2.GaussianBlur(img, KSIZE, SIGMA, dst=dst, sigmaY=SIGMA, borderType=cv2.BORDER_REFLECT)


class _Workspace:
    """Scratch arrays for one image size, reused call after call.

    Fresh 8–16 MB arrays per call cost page faults that took ~40 % of the time at full HD; a
    dataset's frames mostly share one size. Not thread-safe (one gate per process at a time).
    """

    def __init__(self, shape: tuple[int, int]) -> None:
        self.f64 = [np.empty(shape, np.float64) for _ in range(3)]
        self.f32 = [np.empty(shape, np.float32) for _ in range(6)]


@lru_cache(maxsize=2)
def _workspace(shape: tuple[int, int]) -> _Workspace:
    return _Workspace(shape)


def _ssim_into_workspace(gray_a: np.ndarray, gray_b: np.ndarray) -> np.ndarray:
    """The SSIM map, written into (and returned as) a workspace buffer."""
    if gray_a.shape != gray_b.shape or gray_a.ndim != 2:
        raise ValueError(f"SSIM needs two gray images of one size; got {gray_a.shape} and {gray_b.shape}")
    ws = _workspace(gray_a.shape)
    d, mu_d, x = ws.f64
    var_d, mu_d2, s, mu_s, t, var_s = ws.f32
    f32 = cv2.CV_32F
    # Difference terms in float64: σd² = E[d²] − E[d]² cancels badly where d is a large constant.
    cv2.subtract(gray_a, gray_b, dst=d, dtype=cv2.CV_64F)
    _blur(d, mu_d)
    cv2.multiply(d, d, dst=x)
    _blur(x, d)  # d now holds E[d²]
    cv2.multiply(mu_d, mu_d, dst=x)
    cv2.subtract(d, x, dst=var_d, dtype=f32)
    cv2.multiply(mu_d, mu_d, dst=mu_d2, dtype=f32)
    # Sum about 255 (= a and b centred on 127.5): variances are shift-invariant, squares stay small.
    cv2.addWeighted(gray_a, 1.0, gray_b, 1.0, -255.0, dst=s, dtype=f32)
    _blur(s, mu_s)
    cv2.multiply(s, s, dst=t)
    _blur(t, var_s)
    cv2.multiply(mu_s, mu_s, dst=t)
    cv2.subtract(var_s, t, dst=var_s)
    cv2.add(mu_s, 255.0, dst=mu_s)
    cv2.multiply(mu_s, mu_s, dst=t)
    cv2.addWeighted(t, 1.0, mu_d2, 1.0, 2 * C1, dst=t)
    cv2.divide(mu_d2, t, dst=mu_d2, scale=2.0)  # the luminance correction
    cv2.addWeighted(var_s, 1.0, var_d, 1.0, 2 * C2, dst=t)
    cv2.divide(var_d, t, dst=var_d, scale=2.0)  # the structure correction
    np.subtract(np.float32(1.0), mu_d2, out=mu_d2)
    np.subtract(np.float32(1.0), var_d, out=var_d)
    np.multiply(mu_d2, var_d, out=mu_d2)
    return mu_d2


def ssim_map(gray_a: np.ndarray, gray_b: np.ndarray) -> np.ndarray:
    """The full-size SSIM map of two equal-size 8-bit gray images (border `CROP` px invalid).

    The textbook formula rewritten in the sum s = a + b − 255 and difference d = a − b, so that
    float32 stays accurate and only four blurs are needed:
    2μaμb + C1 over μa² + μb² + C1 = 1 − 2Δμ² / ((μs + 255)² + Δμ² + 2C1), and
    2σab + C2 over σa² + σb² + C2 = 1 − 2σd² / (σs² + σd² + 2C2).
    The d terms run in float64; both corrections are exactly 0 where a and b agree.
    """
    return _ssim_into_workspace(gray_a, gray_b).copy()


def valid_mask(shape: tuple[int, int]) -> np.ndarray:
    """Map pixels that count: everything but the 5-px border."""
    keep = np.zeros(shape, dtype=bool)
    keep[CROP : shape[0] - CROP, CROP : shape[1] - CROP] = True
    return keep


def ssim_from_map(smap: np.ndarray) -> float:
    return float(smap[CROP:-CROP, CROP:-CROP].mean(dtype=np.float64))


def ssim_gray(gray_a: np.ndarray, gray_b: np.ndarray) -> float:
    return ssim_from_map(_ssim_into_workspace(gray_a, gray_b))


def ssim_rgb(rgb_a: np.ndarray, rgb_b: np.ndarray) -> float:
    """The gate value of two RGB(A) images: pinned gray conversion, then `ssim_gray`."""
    return ssim_gray(to_gray(rgb_a), to_gray(rgb_b))
