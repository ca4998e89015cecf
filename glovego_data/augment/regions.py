"""Where each hand is (spec §5.1): instance mask, else MediaPipe landmarks matched to the box, else the box.

Regions are computed on the original image and clipped to the hand box enlarged by 15 % per side,
so an edit can never spill onto distant objects whatever the mask source.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from glovego_data._cv2 import cv2
import numpy as np

from glovego_data.augment.hand_landmarks import HandLandmarks
from glovego_data.augment.mediapipe_hands import landmark_mask, skeleton_mask
from glovego_data.ehoi_coco.geometry import box_iou

BOX_MARGIN = 0.15
MATCH_IOU = 0.3
CENTROID_BOX_SCALE = 1.3
GRABCUT_MAX_SIDE = 400


@dataclass(frozen=True)
class HandBox:
    """What the annotations say about one hand to edit."""

    ann_id: int
    bbox: tuple[float, float, float, float]  # x, y, w, h in pixels
    side: int = -1
    segmentation: Any = None


@dataclass
class HandRegion:
    """A hand's pixels on the original image and where they came from."""

    ann_id: int
    bbox: tuple[float, float, float, float]
    mask: np.ndarray  # bool, image size
    source: str  # "mask", "mediapipe", "grabcut" or "box"
    landmarks: HandLandmarks | None = None

    @property
    def size(self) -> float:
        return max(self.bbox[2], self.bbox[3])


def enlarged_box_mask(bbox: Sequence[float], shape: tuple[int, int], margin: float = BOX_MARGIN) -> np.ndarray:
    """Pixels whose centres lie in the box grown by `margin` of its size per side."""
    x, y, w, h = bbox
    height, width = shape
    x0 = int(np.clip(np.floor(x - margin * w), 0, width))
    y0 = int(np.clip(np.floor(y - margin * h), 0, height))
    x1 = int(np.clip(np.ceil(x + w + margin * w), 0, width))
    y1 = int(np.clip(np.ceil(y + h + margin * h), 0, height))
    keep = np.zeros(shape, dtype=bool)
    keep[y0:y1, x0:x1] = True
    return keep


def box_mask(bbox: Sequence[float], shape: tuple[int, int]) -> np.ndarray:
    return enlarged_box_mask(bbox, shape, margin=0.0)


def segmentation_mask(segmentation: Any, shape: tuple[int, int]) -> np.ndarray | None:
    """Decode COCO polygons or RLE to a bool mask; None when there is no usable mask."""
    if not segmentation:
        return None
    from pycocotools import mask as cocomask

    height, width = shape
    if isinstance(segmentation, list):
        rings = [ring for ring in segmentation if len(ring) >= 6]
        if not rings:
            return None
        rle = cocomask.merge(cocomask.frPyObjects(rings, height, width))
    elif isinstance(segmentation, dict):
        rle = segmentation
        if isinstance(rle.get("counts"), list):
            rle = cocomask.frPyObjects(rle, height, width)
    else:
        return None
    mask = cocomask.decode(rle).astype(bool)
    return mask if mask.any() else None


def match_landmarks(hands: Sequence[HandBox], detections: Sequence[HandLandmarks]) -> dict[int, HandLandmarks]:
    """Greedy one-to-one matching: IoU ≥ 0.3, else the landmark centroid inside the box ×1.3.

    Pairs are taken by IoU, then agreeing side, then input order, so the result is deterministic.
    """
    pairs: list[tuple[float, int, int, int]] = []
    for hi, hand in enumerate(hands):
        x, y, w, h = hand.bbox
        cx, cy = x + w / 2, y + h / 2
        for di, det in enumerate(detections):
            iou = box_iou(list(hand.bbox), list(det.box))
            mx, my = det.points.mean(axis=0)
            inside = abs(mx - cx) <= CENTROID_BOX_SCALE * w / 2 and abs(my - cy) <= CENTROID_BOX_SCALE * h / 2
            if iou >= MATCH_IOU or inside:
                agree = int(hand.side >= 0 and hand.side == det.side)
                pairs.append((iou, agree, -hi, -di))
    pairs.sort(reverse=True)
    used_hands: set[int] = set()
    used_dets: set[int] = set()
    matched: dict[int, HandLandmarks] = {}
    for _, _, nhi, ndi in pairs:
        hi, di = -nhi, -ndi
        if hi in used_hands or di in used_dets:
            continue
        used_hands.add(hi)
        used_dets.add(di)
        matched[hands[hi].ann_id] = detections[di]
    return matched


def grabcut_box_mask(rgb: np.ndarray, bbox: Sequence[float]) -> np.ndarray | None:
    """GrabCut initialised with the box, on a crop of at most 400 px; None if it finds nothing."""
    height, width = rgb.shape[:2]
    crop = enlarged_box_mask(bbox, (height, width))
    ys, xs = np.nonzero(crop.any(axis=1))[0], np.nonzero(crop.any(axis=0))[0]
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    patch = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
    scale = min(1.0, GRABCUT_MAX_SIDE / max(patch.shape[:2]))
    if scale < 1.0:
        patch = cv2.resize(patch, (max(1, round(patch.shape[1] * scale)), max(1, round(patch.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    x, y, w, h = bbox
    rx, ry = int(round((x - x0) * scale)), int(round((y - y0) * scale))
    rw = max(1, min(int(round(w * scale)), patch.shape[1] - rx - 1))
    rh = max(1, min(int(round(h * scale)), patch.shape[0] - ry - 1))
    if rw < 4 or rh < 4 or patch.shape[0] < 8 or patch.shape[1] < 8:
        return None
    gc = np.zeros(patch.shape[:2], dtype=np.uint8)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(cv2.cvtColor(patch, cv2.COLOR_RGB2BGR), gc, (rx, ry, rw, rh), bgd, fgd, 3, cv2.GC_INIT_WITH_RECT)
    except cv2.error:
        return None
    fg = ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)).astype(np.uint8)
    if fg.sum() < 0.05 * rw * rh:
        return None
    fg = cv2.resize(fg, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    mask = np.zeros((height, width), dtype=bool)
    mask[y0:y1, x0:x1] = fg.astype(bool)
    return mask


def _crop_bounds(bbox: Sequence[float], shape: tuple[int, int]) -> tuple[int, int, int, int]:
    crop = enlarged_box_mask(bbox, shape)
    ys, xs = np.nonzero(crop.any(axis=1))[0], np.nonzero(crop.any(axis=0))[0]
    return int(ys[0]), int(ys[-1]) + 1, int(xs[0]), int(xs[-1]) + 1


def grabcut_refine(rgb: np.ndarray, bbox: Sequence[float], seed_mask: np.ndarray, sure: np.ndarray) -> np.ndarray | None:
    """Skeleton-seeded GrabCut on the box + 15 % crop (≤ 400 px): `sure` = certain hand pixels,
    `seed_mask` = probable hand; the crop border is certain background. None if it collapses."""
    y0, y1, x0, x1 = _crop_bounds(bbox, rgb.shape[:2])
    patch = np.ascontiguousarray(rgb[y0:y1, x0:x1, :3])
    scale = min(1.0, GRABCUT_MAX_SIDE / max(patch.shape[:2]))
    size = (max(1, round(patch.shape[1] * scale)), max(1, round(patch.shape[0] * scale)))
    if min(size) < 8:
        return None
    small = cv2.resize(patch, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else patch
    seed = cv2.resize(seed_mask[y0:y1, x0:x1].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    certain = cv2.resize(sure[y0:y1, x0:x1].astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
    gc = np.full(size[::-1], cv2.GC_PR_BGD, dtype=np.uint8)
    gc[seed > 0] = cv2.GC_PR_FGD
    gc[certain > 0] = cv2.GC_FGD
    gc[[0, -1], :] = np.where(gc[[0, -1], :] == cv2.GC_FGD, cv2.GC_FGD, cv2.GC_BGD)
    gc[:, [0, -1]] = np.where(gc[:, [0, -1]] == cv2.GC_FGD, cv2.GC_FGD, cv2.GC_BGD)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(cv2.cvtColor(small, cv2.COLOR_RGB2BGR), gc, None, bgd, fgd, 3, cv2.GC_INIT_WITH_MASK)
    except cv2.error:
        return None
    fg = ((gc == cv2.GC_FGD) | (gc == cv2.GC_PR_FGD)).astype(np.uint8)
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    if fg.sum() < 0.5 * max(1, int(certain.sum())):
        return None
    fg = cv2.resize(fg, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    mask = np.zeros(rgb.shape[:2], dtype=bool)
    mask[y0:y1, x0:x1] = fg.astype(bool)
    return mask


def hand_regions(
    rgb: np.ndarray,
    hands: Sequence[HandBox],
    detections: Sequence[HandLandmarks],
    *,
    grabcut_boxes: bool,
    refine: bool = True,
    matched: dict[int, HandLandmarks] | None = None,
) -> list[HandRegion]:
    """One region per hand, first available source of §5.1, clipped to the box + 15 %.

    `grabcut_boxes`: hands without mask or landmarks get GrabCut inside their box (classical);
    `refine`: landmark masks are refined by skeleton-seeded GrabCut; `matched`: a matching made
    over all hands of the image (gloved ones included), else `detections` are matched to `hands`.
    """
    shape = rgb.shape[:2]
    if matched is None:
        matched = match_landmarks(hands, detections)
    regions: list[HandRegion] = []
    for hand in hands:
        clip = enlarged_box_mask(hand.bbox, shape)
        marks = matched.get(hand.ann_id)
        mask = segmentation_mask(hand.segmentation, shape)
        source = "mask"
        if mask is None and marks is not None:
            seeded = landmark_mask(marks, shape)
            refined = grabcut_refine(rgb, hand.bbox, seeded, skeleton_mask(marks, shape)) if refine else None
            mask, source = (refined if refined is not None else seeded), "mediapipe"
        if mask is None and grabcut_boxes:
            mask, source = grabcut_box_mask(rgb, hand.bbox), "grabcut"
        if mask is None:
            mask, source = box_mask(hand.bbox, shape), "box"
        mask = mask & clip
        if not mask.any():
            mask, source = box_mask(hand.bbox, shape) & clip, "box"
        regions.append(HandRegion(hand.ann_id, hand.bbox, mask, source, marks))
    return regions
