"""Instance masks → COCO geometry: tight boxes, corner-vertex polygons and exact RLE (ehoi-coco.md §7).

Masks are usually box crops of a frame placed at `origin = (x0, y0)`; every function works on the
crop so the cost is proportional to the box, not to the frame.

Polygons trace pixel *corners* exactly with OpenCV: the crop is upsampled 2× (each pixel becomes a
2×2 block) and `cv2.findContours` walks the block centres of the border; mapping a doubled
coordinate `u` back with `(u + 1) // 2` lands every contour point on a pixel corner, including the
concave corners an ordinary centre-traced contour would cut, and keeps 1-pixel gaps open.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from pycocotools import mask as mask_utils

from glovego_data._cv2 import cv2

SIMPLIFY_EPSILON_PX = 1.0
MIN_RING_IOU = 0.96


def tight_box(mask: np.ndarray, origin: tuple[int, int] = (0, 0)) -> list[int]:
    """Whole-pixel `[x, y, w, h]` of the set pixels (the box Unity writes for a visible instance)."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        raise ValueError("tight_box of an empty mask")
    cols = np.flatnonzero(mask.any(axis=0))
    x0, y0 = origin
    return [int(x0 + cols[0]), int(y0 + rows[0]), int(cols[-1] - cols[0] + 1), int(rows[-1] - rows[0] + 1)]


def _corner_rings(mask: np.ndarray) -> list[np.ndarray]:
    """Outer outline of every 8-connected component as an (n, 2) int array of pixel-corner (x, y)."""
    padded = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), dtype=np.uint8)
    padded[1:-1, 1:-1] = mask
    doubled = cv2.resize(padded, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    # CHAIN_APPROX_SIMPLE keeps the ends of straight runs; their corners span the same outline.
    contours, hierarchy = cv2.findContours(doubled, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    rings = []
    for contour, links in zip(contours, hierarchy[0] if hierarchy is not None else []):
        if links[3] != -1:  # a hole: not represented (§7)
            continue
        corners = (contour[:, 0, :] + 1) // 2 - 1
        rings.append(_drop_repeats(corners))
    return rings


def _drop_repeats(points: np.ndarray) -> np.ndarray:
    """Remove consecutive repeated points (including last = first); the outline is unchanged."""
    keep = np.ones(len(points), dtype=bool)
    keep[1:] = np.any(points[1:] != points[:-1], axis=1)
    if len(points) > 1 and (points[-1] == points[0]).all():
        keep[-1] = False
    return points[keep]


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0].astype(np.float64), ring[:, 1].astype(np.float64)
    return 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _close_enough(outline: np.ndarray, simplified: np.ndarray) -> bool:
    """Whether `simplified` decodes (as pycocotools rasterises it) within IoU 0.96 of `outline`.

    Cheap bound first: Douglas–Peucker moves the boundary by at most `epsilon`, so a ring whose
    perimeter is small against its area (symmetric difference ≤ 2 %) is safe; else pycocotools
    rasterises both rings to RLE and compares them (the outline decodes to its exact component).
    """
    perimeter = float(np.abs(np.diff(outline, axis=0, append=outline[:1])).sum())
    if perimeter * SIMPLIFY_EPSILON_PX <= 0.02 * _ring_area(outline):
        return True
    lo = outline.min(axis=0)
    height, width = int(outline[:, 1].max() - lo[1]), int(outline[:, 0].max() - lo[0])
    exact, approx = mask_utils.frPyObjects(
        [(outline - lo).reshape(-1).astype(np.float64).tolist(), (simplified - lo).reshape(-1).astype(np.float64).tolist()],
        height, width,
    )
    return float(mask_utils.iou([approx], [exact], [0])[0][0]) >= MIN_RING_IOU


def _simplify(outline: np.ndarray, epsilon: float) -> np.ndarray:
    """Douglas–Peucker at `epsilon`, tightened (÷2, then none) where it would cost IoU below 0.96."""
    for eps in (epsilon, epsilon / 2.0):
        if eps <= 0:
            break
        simplified = cv2.approxPolyDP(outline.reshape(-1, 1, 2).astype(np.int32), eps, True)[:, 0, :]
        if len(simplified) >= 3 and _close_enough(outline, simplified):
            return simplified
    return outline


def mask_to_polygons(
    mask: np.ndarray, origin: tuple[int, int] = (0, 0), epsilon: float = SIMPLIFY_EPSILON_PX
) -> list[list[float]]:
    """COCO polygons: one outer ring per 8-connected component, vertices on pixel corners.

    Each ring is simplified with Douglas–Peucker at `epsilon` px; a ring that would drop below 3
    vertices keeps its unsimplified outline, so every ring has an even number ≥ 6 of coordinates.
    Small rounded rings, where a 1-px tolerance would cut more than 4 % of the area, are simplified
    less, which keeps the spec's promise (IoU ≥ 0.95 for hole-free masks of ≥ 400 px).
    """
    if mask.ndim != 2:
        raise ValueError(f"expected a 2-D mask, got shape {mask.shape}")
    if not mask.any():
        return []
    offset = np.array(origin, dtype=np.int64)
    return [
        [float(v) for v in (_simplify(outline, epsilon) + offset).reshape(-1)]
        for outline in _corner_rings(mask.astype(bool, copy=False))
    ]


def _runs_in_full_frame(mask: np.ndarray, height: int, width: int, origin: tuple[int, int]) -> list[int]:
    """Uncompressed COCO RLE counts (column-major, starting with background) of a placed crop."""
    x0, y0 = origin
    h, w = mask.shape
    if x0 < 0 or y0 < 0 or x0 + w > width or y0 + h > height:
        raise ValueError(f"mask crop {w}×{h} at {origin} does not fit a {width}×{height} image")
    column_major = np.zeros((w, h + 2), dtype=np.int8)
    column_major[:, 1:-1] = mask.T
    edges = np.diff(column_major, axis=1)
    col_s, row_s = np.nonzero(edges == 1)
    col_e, row_e = np.nonzero(edges == -1)
    starts = (x0 + col_s) * height + y0 + row_s
    ends = (x0 + col_e) * height + y0 + row_e
    if starts.size:
        # A run ending at a column's bottom continues at the next column's top when the crop is full height.
        joined = ends[:-1] == starts[1:]
        starts = np.concatenate(([starts[0]], starts[1:][~joined]))
        ends = np.concatenate((ends[:-1][~joined], [ends[-1]]))
    bounds = np.empty(2 * starts.size + 2, dtype=np.int64)
    bounds[0] = 0
    bounds[1:-1:2] = starts
    bounds[2:-1:2] = ends
    bounds[-1] = height * width
    counts = np.diff(bounds)
    if counts.size > 1 and counts[-1] == 0:
        counts = counts[:-1]
    return counts.tolist()


def mask_to_rle(
    mask: np.ndarray, height: int, width: int, origin: tuple[int, int] = (0, 0)
) -> dict[str, Any]:
    """pycocotools compressed RLE `{"size": [H, W], "counts": str}` of the crop placed at `origin`.

    Built from the crop's runs without materialising the full frame; identical to
    `pycocotools.mask.encode` of the full mask.
    """
    counts = _runs_in_full_frame(mask.astype(bool, copy=False), height, width, origin)
    rle = mask_utils.frPyObjects({"size": [height, width], "counts": counts}, height, width)
    return {"size": [int(height), int(width)], "counts": rle["counts"].decode("ascii")}


def decode_segmentation(segmentation: Any, height: int, width: int) -> np.ndarray:
    """A COCO `segmentation` (polygons, compressed or uncompressed RLE) → H×W bool mask."""
    if isinstance(segmentation, dict):
        counts = segmentation["counts"]
        if isinstance(counts, list):
            rle = mask_utils.frPyObjects(segmentation, height, width)
        else:
            rle = {"size": list(segmentation["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}
    else:
        polygons: Sequence[Sequence[float]] = segmentation
        if not polygons:
            return np.zeros((height, width), dtype=bool)
        rle = mask_utils.merge(mask_utils.frPyObjects([list(p) for p in polygons], height, width))
    return mask_utils.decode(rle).astype(bool)
