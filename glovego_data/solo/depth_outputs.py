"""The two depth files of a synthetic image (ehoi-coco.md §8): the reference's 8-bit map and the
lossless uint16 millimetres."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from glovego_data._cv2 import cv2


def depth_to_map8(depth_m: np.ndarray, range_m: float) -> np.ndarray:
    """`round(255 · min(d, R) / R)`, far = bright; no geometry (0, negative, non-finite) → 255."""
    valid = np.isfinite(depth_m) & (depth_m > 0)
    scaled = np.rint(np.minimum(np.where(valid, depth_m, range_m), range_m) * (255.0 / range_m))
    return scaled.astype(np.uint8)


def depth_to_mm(depth_m: np.ndarray) -> np.ndarray:
    """`round(1000 · d)` clipped to 65535; 0 = no geometry."""
    valid = np.isfinite(depth_m) & (depth_m > 0)
    mm = np.rint(np.clip(np.where(valid, depth_m, 0.0), 0.0, 65.535) * 1000.0)
    return mm.astype(np.uint16)


def write_depth_files(depth_m: np.ndarray, range_m: float, map8_path: Path, mm_path: Path) -> None:
    for path, pixels in ((map8_path, depth_to_map8(depth_m, range_m)), (mm_path, depth_to_mm(depth_m))):
        if not cv2.imwrite(str(path), pixels, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            raise OSError(f"{path}: cannot write PNG")


def read_depth_mm(path: str | Path) -> np.ndarray:
    """A `depth_mm/*.png` back as float32 metres (0 = no geometry)."""
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None or pixels.dtype != np.uint16:
        raise ValueError(f"{path}: not a 16-bit depth PNG")
    return pixels.astype(np.float32) / 1000.0
