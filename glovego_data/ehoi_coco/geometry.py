"""Box and offset geometry shared by every writer and reader, so all agree to the last digit."""

from __future__ import annotations

import math
from typing import Sequence

Box = Sequence[float]  # [x, y, w, h]


def box_centre(box: Box) -> tuple[float, float]:
    return (box[0] + box[2] / 2.0, box[1] + box[3] / 2.0)


def image_diagonal(width: float, height: float) -> float:
    return math.hypot(width, height)


def offset_between(hand_box: Box, object_box: Box, width: float, height: float) -> tuple[float, float, float]:
    """(dx, dy, magnitude) from the hand box centre to the object box centre (ehoi-coco.md §6.1).

    (dx, dy) is a unit vector in image axes (y down); magnitude is the distance ÷ this image's diagonal.
    """
    hx, hy = box_centre(hand_box)
    ox, oy = box_centre(object_box)
    vx, vy = ox - hx, oy - hy
    norm = math.hypot(vx, vy)
    if norm == 0.0:
        return 0.0, 0.0, 0.0
    return vx / norm, vy / norm, norm / image_diagonal(width, height)


def decode_offset(hand_box: Box, dx: float, dy: float, magnitude: float, width: float, height: float) -> tuple[float, float]:
    """The interaction point a stored or predicted offset points at."""
    hx, hy = box_centre(hand_box)
    scale = magnitude * image_diagonal(width, height)
    return hx + dx * scale, hy + dy * scale


def box_iou(a: Box, b: Box) -> float:
    """Plain COCO IoU on xywh boxes (no +1)."""
    iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if iw <= 0 or ih <= 0:
        return 0.0
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def box_inside(box: Box, width: float, height: float, tolerance: float = 1e-3) -> bool:
    x, y, w, h = box
    return (
        w > 0
        and h > 0
        and x >= -tolerance
        and y >= -tolerance
        and x + w <= width + tolerance
        and y + h <= height + tolerance
    )


def clip_box(box: Box, width: float, height: float) -> list[float]:
    x0 = min(max(box[0], 0.0), width)
    y0 = min(max(box[1], 0.0), height)
    x1 = min(max(box[0] + box[2], 0.0), width)
    y1 = min(max(box[1] + box[3], 0.0), height)
    return [x0, y0, x1 - x0, y1 - y0]
