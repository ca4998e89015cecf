"""Label Studio's percent coordinates ↔ EHOI-COCO pixels.

Label Studio stores a region as percentages of the image's width and height in continuous image
coordinates. Boxes map directly; a keypoint is stored in EHOI-COCO at its continuous position
− 0.5 (ehoi-coco.md §6.2), so the half pixel is added going out and taken off coming back.
"""

from __future__ import annotations

from typing import Sequence


def box_to_percent(box: Sequence[float], width: int, height: int) -> dict[str, float]:
    x, y, w, h = (float(v) for v in box)
    return {"x": 100.0 * x / width, "y": 100.0 * y / height, "width": 100.0 * w / width, "height": 100.0 * h / height}


def percent_to_box(value: dict, width: int, height: int) -> list[float]:
    return [float(value["x"]) * width / 100.0, float(value["y"]) * height / 100.0,
            float(value["width"]) * width / 100.0, float(value["height"]) * height / 100.0]


def keypoint_to_percent(x: float, y: float, width: int, height: int) -> dict[str, float]:
    return {"x": 100.0 * (float(x) + 0.5) / width, "y": 100.0 * (float(y) + 0.5) / height}


def percent_to_keypoint(value: dict, width: int, height: int) -> tuple[float, float]:
    return float(value["x"]) * width / 100.0 - 0.5, float(value["y"]) * height / 100.0 - 0.5


def point_in_box(x: float, y: float, box: Sequence[float], tolerance: float = 1e-6) -> bool:
    """Is the keypoint stored at (x, y) (pixel-index convention) inside the box (continuous)?"""
    cx, cy = x + 0.5, y + 0.5
    return (box[0] - tolerance <= cx <= box[0] + box[2] + tolerance
            and box[1] - tolerance <= cy <= box[1] + box[3] + tolerance)
