"""Agreement of two runs of the exported graph (PyTorch vs onnxruntime, fp32 vs fp16), row by row.

Rows are matched by class, score within `score_tol` and nearest box, never by position or query
index: the decoder's query order comes from a top-k over encoder proposals, so near-tied
proposals may take each other's slots, and near-tied pairs may swap rows. What stays unmatched
must lie at the top-k boundary, within `score_tol` of the k-th score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PROBABILITY_NAMES = ("scores", "side_prob", "contact_prob", "glove_prob")
PIXEL_NAMES = ("boxes", "offsets", "keypoints")


@dataclass(frozen=True)
class Agreement:
    """Largest differences over matched rows: probabilities absolute, pixels relative to the image size."""

    probability: float
    pixel_relative: float
    mask_logit: float
    matched: int
    unmatched: int  # rows only at the top-k boundary, present in one run only

    def within(self, probability: float, pixel_relative: float) -> bool:
        return self.probability <= probability and self.pixel_relative <= pixel_relative


def compare_outputs(reference: dict[str, np.ndarray], other: dict[str, np.ndarray], image_size: tuple[int, int],
                    score_tol: float = 1e-4) -> Agreement:
    """`reference` and `other` map output names to batched arrays; `image_size` = (H, W) of the input."""
    scale = float(max(image_size))
    worst = {"probability": 0.0, "pixel_relative": 0.0, "mask_logit": 0.0}
    matched = unmatched = 0
    for b in range(reference["scores"].shape[0]):
        pairs, left, right = _pair_rows(reference, other, b, score_tol)
        boundary = min(reference["scores"][b].min(), other["scores"][b].min()) + score_tol
        rest = [reference["scores"][b, i] for i in left] + [other["scores"][b, j] for j in right]
        if any(score > boundary for score in rest):
            return Agreement(np.inf, np.inf, np.inf, matched, unmatched + len(rest))
        unmatched += len(rest)
        for i, j in pairs:
            for name in PROBABILITY_NAMES:
                worst["probability"] = max(worst["probability"], _diff(reference[name][b, i], other[name][b, j]))
            for name in PIXEL_NAMES:
                a, c = reference[name][b, i], other[name][b, j]
                if name == "keypoints":
                    worst["probability"] = max(worst["probability"], _diff(a[..., 2], c[..., 2]))
                    a, c = a[..., :2], c[..., :2]
                worst["pixel_relative"] = max(worst["pixel_relative"], _diff(a, c) / scale)
            if "mask_logits" in reference:
                worst["mask_logit"] = max(worst["mask_logit"], _diff(reference["mask_logits"][b, i],
                                                                     other["mask_logits"][b, j]))
            matched += 1
    return Agreement(matched=matched, unmatched=unmatched, **worst)


def _pair_rows(reference: dict[str, np.ndarray], other: dict[str, np.ndarray], b: int,
               score_tol: float) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Greedy in score order: each reference row takes the free row of the same class and nearly the
    same score whose box is nearest."""
    free = list(range(other["scores"].shape[1]))
    pairs, left = [], []
    for i in range(reference["scores"].shape[1]):
        candidates = [j for j in free if other["labels"][b, j] == reference["labels"][b, i]
                      and abs(float(other["scores"][b, j]) - float(reference["scores"][b, i])) <= score_tol]
        if not candidates:
            left.append(i)
            continue
        j = min(candidates, key=lambda j: _diff(reference["boxes"][b, i], other["boxes"][b, j]))
        pairs.append((i, j))
        free.remove(j)
    return pairs, left, free


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)), initial=0.0))
