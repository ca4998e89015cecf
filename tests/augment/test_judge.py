"""Gate, composite and per-hand decision on hand-made arrays (spec §4–§6)."""

from __future__ import annotations

import numpy as np

from glovego_data.augment.composite import composite, composite_alpha, dilation_radius, feather_width
from glovego_data.augment.judge import GateSettings, judge_edit
from glovego_data.augment.regions import HandRegion, box_mask


def _scene() -> tuple[np.ndarray, HandRegion]:
    rng = np.random.default_rng(1)
    original = rng.integers(60, 190, size=(120, 160, 3), dtype=np.uint8)
    box = (40.0, 30.0, 40.0, 50.0)
    mask = np.zeros((120, 160), bool)
    mask[35:75, 45:75] = True
    return original, HandRegion(5, box, mask, "mask")


def test_composite_alpha_radius_ramp_and_bit_identity() -> None:
    original, region = _scene()
    alpha = composite_alpha([region], original.shape[:2])
    r, f = dilation_radius(region.size), feather_width(region.size)
    assert (r, f) == (3, 2)
    assert alpha[35:75, 45:75].min() == 1.0 and alpha[55, 45 - r] == 1.0
    assert 0 < alpha[55, 45 - r - 1] < 1 and alpha[55, 45 - r - f] == 0.0
    raw = np.full_like(original, 250)
    final = composite(original, raw, alpha)
    assert np.array_equal(final[alpha == 0], original[alpha == 0])
    assert np.array_equal(final[alpha == 1], raw[alpha == 1])
    mid = float(alpha[55, 45 - r - 1])  # a Python float: the same float64 maths under numpy 1 and 2
    want = np.floor(mid * 250 + (1 - mid) * original[55, 45 - r - 1].astype(float) + 0.5)
    assert np.array_equal(final[55, 45 - r - 1], want.astype(np.uint8))


def test_gate_on_raw_or_composite() -> None:
    original, region = _scene()
    raw = original.copy()
    raw[region.mask] = (230, 200, 40)
    raw = np.clip(raw.astype(int) + np.random.default_rng(2).integers(-40, 41, raw.shape), 0, 255).astype(np.uint8)
    on_raw = judge_edit(original, raw, [region], GateSettings(threshold=0.8))
    assert on_raw.status == "rejected_ssim" and np.array_equal(on_raw.final, original)
    assert not any(h.gloved for h in on_raw.hands)
    on_composite = judge_edit(original, raw, [region], GateSettings(threshold=0.8, ssim_on="composite"))
    assert on_composite.status == "accepted" and on_composite.ssim > 0.8 > on_raw.ssim
    assert on_composite.hands[0].gloved and on_composite.hands[0].changed_fraction > 0.9


def test_unchanged_hand_is_not_gloved_and_box_regions_need_less_change() -> None:
    original, region = _scene()
    same = judge_edit(original, original.copy(), [region], GateSettings(threshold=0.5))
    assert same.status == "rejected_no_hand_changed" and same.hands[0].region_ssim == 1.0
    boxed = HandRegion(6, region.bbox, box_mask(region.bbox, original.shape[:2]), "box")
    raw = original.copy()
    inside = boxed.mask.copy()
    inside[:, 40:47] = False  # 30 % of the box changes strongly: enough for a box region (≥ 25 %)
    inside[:, 59:80] = False
    raw[inside] = 255 - raw[inside]
    judged = judge_edit(original, raw, [boxed], GateSettings(threshold=0.1, hand_ssim_max=0.0))
    assert 0.25 <= judged.hands[0].changed_fraction < 0.5 and judged.hands[0].gloved
    as_mask = HandRegion(6, region.bbox, boxed.mask, "mask")
    assert not judge_edit(original, raw, [as_mask], GateSettings(threshold=0.1, hand_ssim_max=0.0)).hands[0].gloved
