"""From a raw backend output to the kept image: SSIM gate, composite, per-hand decision (§4–§6)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from glovego_data.augment.composite import composite, composite_alpha
from glovego_data.augment.decision import HAND_CHANGE_MIN, HAND_SSIM_MAX, HandDecision, decide_hand
from glovego_data.augment.regions import HandRegion
from glovego_data.augment.ssim import ssim_from_map, ssim_map, to_gray


@dataclass(frozen=True)
class GateSettings:
    threshold: float = 0.95
    ssim_on: str = "raw"  # or "composite"
    composite: bool = True
    hand_ssim_max: float = HAND_SSIM_MAX
    hand_change_min: float = HAND_CHANGE_MIN


@dataclass
class Judgement:
    status: str  # accepted, rejected_ssim, rejected_no_hand_changed
    ssim: float
    final: np.ndarray  # the pixels to keep (the original when rejected)
    candidate: np.ndarray  # composite (or raw) before the decision, for previews
    hands: list[HandDecision]


def judge_edit(original: np.ndarray, raw: np.ndarray, regions: Sequence[HandRegion], settings: GateSettings) -> Judgement:
    """Gate original vs raw (or composite) at full resolution; decide each hand on the kept pixels."""
    gray = to_gray(original)
    candidate = composite(original, raw, composite_alpha(regions, original.shape[:2])) if settings.composite else raw
    gated = candidate if settings.ssim_on == "composite" else raw
    gate_map = ssim_map(gray, to_gray(gated))
    score = ssim_from_map(gate_map)
    final_map = gate_map if gated is candidate else ssim_map(gray, to_gray(candidate))
    hands = [
        decide_hand(r, final_map, original, candidate, hand_ssim_max=settings.hand_ssim_max, hand_change_min=settings.hand_change_min)
        for r in regions
    ]
    if score < settings.threshold:
        return Judgement("rejected_ssim", score, original, candidate, [_not_gloved(h) for h in hands])
    if not any(h.gloved for h in hands):
        return Judgement("rejected_no_hand_changed", score, original, candidate, hands)
    return Judgement("accepted", score, candidate, candidate, hands)


def _not_gloved(decision: HandDecision) -> HandDecision:
    return HandDecision(decision.ann_id, decision.region, decision.region_ssim, decision.changed_fraction, False)
