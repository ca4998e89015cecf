"""Agreement of two runs of the exported graph (PyTorch vs onnxruntime, fp32 vs fp16), row by row.

Rows are matched by class, score within `score_tol` and box (an optimal one-to-one assignment),
never by position or query index: the decoder's query order comes from a top-k over encoder
proposals, so near-tied proposals may take each other's slots, and near-tied pairs may swap
rows. A barely trained model scores many proposals exactly alike, and which of the tied
anchors fill the decoder's slots is arbitrary: rows left over on both sides with the same class
and the same score (within `tie_tol`, float32 rounding) are counted as `tied`, not compared. What
stays unmatched must lie at the top-k boundary, within `score_tol` of the k-th score.
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
    tied: int = 0  # row pairs of the same class and score whose proposals differ (exact score ties)

    def within(self, probability: float, pixel_relative: float) -> bool:
        return self.probability <= probability and self.pixel_relative <= pixel_relative


def compare_outputs(reference: dict[str, np.ndarray], other: dict[str, np.ndarray], image_size: tuple[int, int],
                    score_tol: float = 1e-4, box_gate: float = 0.01, tie_tol: float = 1e-6) -> Agreement:
    """`reference` and `other` map output names to batched arrays; `image_size` = (H, W) of the input.
    Rows pair only within `box_gate` of the image size; an unpaired row away from the boundary
    makes the agreement infinite."""
    scale = float(max(image_size))
    worst = {"probability": 0.0, "pixel_relative": 0.0, "mask_logit": 0.0}
    matched = unmatched = tied = 0
    for b in range(reference["scores"].shape[0]):
        pairs, left, right = _pair_rows(reference, other, b, score_tol, box_gate * scale)
        for i in list(left):
            twin = next((j for j in right if reference["labels"][b, i] == other["labels"][b, j]
                         and abs(float(reference["scores"][b, i]) - float(other["scores"][b, j])) <= tie_tol), None)
            if twin is not None:
                left.remove(i)
                right.remove(twin)
                tied += 1
        boundary = min(reference["scores"][b].min(), other["scores"][b].min()) + score_tol
        rest = [reference["scores"][b, i] for i in left] + [other["scores"][b, j] for j in right]
        if any(score > boundary for score in rest):
            return Agreement(np.inf, np.inf, np.inf, matched, unmatched + len(rest), tied)
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
    return Agreement(matched=matched, unmatched=unmatched, tied=tied, **worst)


def _pair_rows(reference: dict[str, np.ndarray], other: dict[str, np.ndarray], b: int, score_tol: float,
               box_gate: float) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """One-to-one pairing of rows of the same class, scores within `score_tol` and boxes within
    `box_gate` pixels, with the least total box distance (so a row left without a partner at the
    top-k boundary cannot steal another's)."""
    from scipy.optimize import linear_sum_assignment

    ref_boxes, other_boxes = reference["boxes"][b].astype(np.float64), other["boxes"][b].astype(np.float64)
    distance = np.abs(ref_boxes[:, None, :] - other_boxes[None, :, :]).max(-1)
    allowed = ((reference["labels"][b][:, None] == other["labels"][b][None, :])
               & (np.abs(reference["scores"][b][:, None].astype(np.float64) - other["scores"][b][None, :]) <= score_tol)
               & (distance <= box_gate))
    rows, cols = linear_sum_assignment(np.where(allowed, distance, 1e9))
    pairs = [(int(i), int(j)) for i, j in zip(rows, cols) if allowed[i, j]]
    left = sorted(set(range(len(ref_boxes))) - {i for i, _ in pairs})
    right = sorted(set(range(len(other_boxes))) - {j for _, j in pairs})
    return pairs, left, right


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)), initial=0.0))
