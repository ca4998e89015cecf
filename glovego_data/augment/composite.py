"""Putting the edit back only inside the dilated hand regions (spec §5.2).

Outside α = 0 the result is the original array bit for bit, so nothing but the hands can move.
"""

from __future__ import annotations

from typing import Sequence

from glovego_data._cv2 import cv2
import numpy as np

from glovego_data.augment.regions import HandRegion


def dilation_radius(size: float) -> int:
    return max(3, round(0.05 * size))


def feather_width(size: float) -> int:
    return max(2, round(0.02 * size))


def ramp_alpha(mask: np.ndarray, radius: int, feather: int) -> np.ndarray:
    """1 within `radius` px of the mask, falling linearly to 0 over the next `feather` px."""
    if not mask.any():
        return np.zeros(mask.shape, dtype=np.float32)
    outside = np.where(mask, 0, 255).astype(np.uint8)
    dist = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    alpha = 1.0 - (dist - radius) / float(feather)
    return np.clip(alpha, 0.0, 1.0).astype(np.float32)


def composite_alpha(regions: Sequence[HandRegion], shape: tuple[int, int]) -> np.ndarray:
    """Union (max) of every hand's ramp; sizes from each hand's box."""
    alpha = np.zeros(shape, dtype=np.float32)
    for region in regions:
        np.maximum(alpha, ramp_alpha(region.mask, dilation_radius(region.size), feather_width(region.size)), out=alpha)
    return alpha


def composite(original: np.ndarray, raw: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """round(α·raw + (1 − α)·original) per channel, halves up; α = 0 pixels copied untouched."""
    if original.shape != raw.shape:
        raise ValueError(f"composite needs equal shapes; got {original.shape} and {raw.shape}")
    out = original.copy()
    ys, xs = np.nonzero(alpha > 0)
    if ys.size == 0:
        return out
    a = alpha[ys, xs][:, None].astype(np.float64)
    mixed = a * raw[ys, xs].astype(np.float64) + (1.0 - a) * original[ys, xs].astype(np.float64)
    out[ys, xs] = np.floor(mixed + 0.5).clip(0, 255).astype(original.dtype)
    return out
