"""The input every backend sees: resized without keeping aspect (the RT-DETR convention), RGB / 255."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glovego_data._cv2 import cv2


def preprocess_images(images: Sequence[np.ndarray], input_size: tuple[int, int]) -> np.ndarray:
    """HxWx3 uint8 RGB images → float32 [B, 3, H, W] at `input_size` (W, H)."""
    width, height = input_size
    batch = np.stack([cv2.resize(np.asarray(img, dtype=np.uint8), (width, height), interpolation=cv2.INTER_LINEAR)
                      for img in images])
    return np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32) / np.float32(255.0)
