"""Hand–object contact from the instance masks, with an optional depth test (solo.md §6.5).

A hand touches an object when enough object pixels lie in a thin band around the hand mask; with
depth, the object must also be at the hand's depth where they meet (a tool behind the hand in the
image is not in contact). All work happens inside the hand box grown by the band.
"""

from __future__ import annotations

import numpy as np

from glovego_data._cv2 import cv2


def band_width(hand_box: list[float], band_px: int) -> int:
    """`band_px`, or max(2, round(2 % of the hand box diagonal)) when it is 0."""
    if band_px > 0:
        return band_px
    return max(2, int(round(0.02 * float(np.hypot(hand_box[2], hand_box[3])))))


def _kernel(band: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * band + 1, 2 * band + 1))


def touching_objects(
    labels: np.ndarray,
    hand_label: int,
    hand_slice: tuple[slice, slice],
    object_labels: set[int],
    band: int,
    min_touch_px: int,
    depth: np.ndarray | None = None,
    depth_tolerance_m: float = 0.03,
) -> dict[int, int]:
    """{object label: touching pixel count} of the objects that qualify as contacts.

    `labels` is the frame's H×W instance-label image (0 = background), `hand_slice` the tight
    slice of the hand's mask. `depth` (metres, 0 = no geometry) turns on the depth test.
    """
    height, width = labels.shape
    rows, cols = hand_slice
    y0, y1 = max(rows.start - band, 0), min(rows.stop + band, height)
    x0, x1 = max(cols.start - band, 0), min(cols.stop + band, width)
    sub = labels[y0:y1, x0:x1]
    hand = sub == hand_label
    kernel = _kernel(band)
    grown = cv2.dilate(hand.view(np.uint8), kernel).view(bool)
    ring = grown & ~hand
    touches = np.bincount(sub[ring].ravel(), minlength=1)
    found: dict[int, int] = {}
    depth_sub = None if depth is None else depth[y0:y1, x0:x1]
    for label in np.flatnonzero(touches >= max(min_touch_px, 1)):
        label = int(label)
        if label == 0 or label == hand_label or label not in object_labels:
            continue
        if depth_sub is not None and not _same_depth(sub, hand, ring, label, kernel, depth_sub, depth_tolerance_m):
            continue
        found[label] = int(touches[label])
    return found


def _same_depth(
    sub: np.ndarray, hand: np.ndarray, ring: np.ndarray, label: int, kernel: np.ndarray, depth: np.ndarray, tolerance: float
) -> bool:
    """Median depth of the object's touching pixels vs the hand pixels within the band of the object."""
    obj = sub == label
    touching = depth[ring & obj]
    near_obj = cv2.dilate(obj.view(np.uint8), kernel).view(bool)
    hand_side = depth[hand & near_obj]
    touching, hand_side = touching[touching > 0], hand_side[hand_side > 0]
    if touching.size == 0 or hand_side.size == 0:
        return True  # no geometry to compare: the image evidence alone decides
    return abs(float(np.median(touching)) - float(np.median(hand_side))) <= tolerance
