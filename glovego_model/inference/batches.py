"""The batching both predictors share, so the PyTorch and onnxruntime paths cut inputs alike."""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from glovego_model.detections import ImageDetections

DetectChunk = Callable[[Sequence[np.ndarray], list[Any], list[tuple[int, int]]], list[ImageDetections]]


def predict_in_batches(images: Sequence[np.ndarray], image_ids: Sequence[Any], batch_size: int,
                       detect: DetectChunk) -> list[ImageDetections]:
    """`detect(chunk, ids, sizes)` on consecutive chunks of `batch_size` images; sizes are (w, h)."""
    if len(images) != len(image_ids):
        raise ValueError("images and image_ids differ in length")
    out: list[ImageDetections] = []
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        sizes = [(img.shape[1], img.shape[0]) for img in chunk]
        out.extend(detect(chunk, list(image_ids[start : start + batch_size]), sizes))
    return out
