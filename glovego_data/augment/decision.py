"""Did a hand really get a glove? (spec §6) — decided from pixels, never from the prompt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from glovego_data.augment.regions import HandRegion
from glovego_data.augment.ssim import valid_mask

CHANGE_LEVELS = 24
HAND_SSIM_MAX = 0.90
HAND_CHANGE_MIN = 0.50
BOX_CHANGE_MIN = 0.25


@dataclass(frozen=True)
class HandDecision:
    ann_id: int
    region: str
    region_ssim: float
    changed_fraction: float
    gloved: bool

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.ann_id,
            "region": self.region,
            "region_ssim": round(self.region_ssim, 6),
            "changed_fraction": round(self.changed_fraction, 6),
            "gloved": self.gloved,
        }


def decide_hand(
    region: HandRegion,
    smap: np.ndarray,
    original: np.ndarray,
    final: np.ndarray,
    *,
    hand_ssim_max: float = HAND_SSIM_MAX,
    hand_change_min: float = HAND_CHANGE_MIN,
) -> HandDecision:
    """s_R = mean SSIM map over R (valid map pixels); c_R = share of R changed by > 24 levels.

    Gloved iff s_R < hand_ssim_max or c_R ≥ hand_change_min (half of it when R is only the box,
    which also holds background that should not change).
    """
    inside = region.mask & valid_mask(region.mask.shape)
    s_r = float(smap[inside].mean(dtype=np.float64)) if inside.any() else 1.0
    ys, xs = np.nonzero(region.mask)
    diff = np.abs(original[ys, xs, :3].astype(np.int16) - final[ys, xs, :3].astype(np.int16)).max(axis=1)
    c_r = float((diff > CHANGE_LEVELS).mean()) if ys.size else 0.0
    change_min = hand_change_min * (BOX_CHANGE_MIN / HAND_CHANGE_MIN) if region.source == "box" else hand_change_min
    gloved = s_r < hand_ssim_max or c_r >= change_min
    return HandDecision(region.ann_id, region.source, s_r, c_r, gloved)
