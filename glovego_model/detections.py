"""Raw per-image detector output: the contract between the model and everything that consumes it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class ImageDetections:
    """Detections of one image in original-image pixels, after top-k and score filtering.

    All arrays have N rows, one per detection, ordered by descending score. Hand-only fields hold
    NaN on non-hand rows.
    """

    image_id: int | str
    width: int
    height: int
    boxes_xywh: np.ndarray  # [N, 4] float, original pixels
    scores: np.ndarray  # [N] float
    category_ids: np.ndarray  # [N] int, dataset category ids
    side_prob: np.ndarray  # [N] P(right)
    contact_prob: np.ndarray  # [N] P(contact), before association
    glove_prob: np.ndarray  # [N] P(glove)
    offsets: np.ndarray  # [N, 3] dx, dy (unit vector, y down), magnitude (÷ image diagonal)
    keypoints: np.ndarray  # [N, 21, 3] x, y (pixel-index convention), visibility probability
    masks: list | None = field(default=None)  # optional per-detection COCO RLE dicts

    def __len__(self) -> int:
        return int(self.scores.shape[0])
