"""EHOI pictures: ground truth (`viz`) and predictions (`infer`) drawn the same way, at the image's
original resolution, so a person can compare them by eye.

Both are drawn from records in the predictions-file format (ehoi-metrics.md §2.2); ground-truth
annotations are turned into such records by `annotation_records` (no `score` key). Shapes are
drawn with OpenCV (anti-aliased), text with Pillow's scalable font (it has the "·").
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import numpy as np
from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont
from pycocotools import mask as mask_utils

from glovego_data._cv2 import cv2
from glovego_data.ehoi_coco import SKELETON, EhoiDataset, box_centre
from glovego_data.ehoi_coco.schema import ImageId

CONTACT_COLOURS = {1: (235, 60, 50), 0: (40, 170, 240), -1: (170, 170, 170)}  # RGB
CONTACT_NAMES = {1: "contact", 0: "no contact", -1: "contact unknown"}
KEYPOINT_COLOUR = (255, 235, 60)
MASK_ALPHA = 0.35
VISIBLE_PROBABILITY = 0.5  # predicted keypoints are drawn when their visibility probability exceeds this
_PALETTE = ((76, 175, 80), (156, 39, 176), (255, 152, 0), (0, 150, 136), (121, 85, 72), (63, 81, 181),
            (205, 220, 57), (233, 30, 99), (0, 188, 212), (96, 125, 139))


def object_colour(category_id: int) -> tuple[int, int, int]:
    return _PALETTE[int(category_id) % len(_PALETTE)]


def annotation_records(dataset: EhoiDataset, image_id: ImageId) -> list[dict[str, Any]]:
    """The ground truth of one image as prediction-style records (§2.2 keys, no score)."""
    hand = dataset.hand_category_id
    out = []
    for ann in dataset.annotations_by_image().get(image_id, []):
        record: dict[str, Any] = {"image_id": ann.image_id, "category_id": ann.category_id, "bbox": list(ann.bbox)}
        if ann.segmentation:
            record["segmentation"] = ann.segmentation
        if ann.category_id == hand:
            obj = dataset.active_object(ann) if ann.contact_state == 1 else None
            record.update({
                "hand_side": ann.hand_side if ann.hand_side is not None else -1,
                "contact_state": ann.contact_state if ann.contact_state is not None else -1,
                "gloves": ann.gloves if ann.gloves is not None else -1,
                "bbox_obj": list(obj.bbox) if obj is not None else list(ann.bbox_obj or []),
                "category_id_obj": obj.category_id if obj is not None else -1,
            })
            if len(ann.keypoints) == 63:
                record["keypoints"] = list(ann.keypoints)
        out.append(record)
    return out


def _scale(height: int, width: int) -> float:
    return max(0.6, float(np.hypot(width, height)) / 1100.0)


def _mask_pixels(segmentation: Any, height: int, width: int) -> np.ndarray | None:
    if isinstance(segmentation, dict) and "counts" in segmentation:
        size = [int(v) for v in segmentation.get("size", [])]
        if size != [height, width]:
            return None
        rle = dict(segmentation)
        if isinstance(rle["counts"], list):
            rle = mask_utils.frPyObjects(rle, height, width)
        elif isinstance(rle["counts"], str):
            rle["counts"] = rle["counts"].encode("ascii")
        return mask_utils.decode(rle).astype(bool)
    if isinstance(segmentation, list) and segmentation:
        canvas = np.zeros((height, width), dtype=np.uint8)
        rings = [np.round(np.asarray(r, dtype=np.float64).reshape(-1, 2)).astype(np.int32)
                 for r in segmentation if isinstance(r, list) and len(r) >= 6]
        if not rings:
            return None
        cv2.fillPoly(canvas, rings, 1)
        return canvas.astype(bool)
    return None


def _label(record: Mapping[str, Any], names: Mapping[int, str], hand_id: int) -> str:
    score = record.get("score")
    tail = f" {score:.2f}" if score is not None else ""
    if record["category_id"] != hand_id:
        return f"{names.get(record['category_id'], record['category_id'])}{tail}"
    side = {1: "Right", 0: "Left"}.get(record.get("hand_side", -1), "Side ?")
    glove = {1: "glove", 0: "bare"}.get(record.get("gloves", -1), "glove ?")
    if "side_score" in record:
        side += f" {max(record['side_score'], 1 - record['side_score']):.2f}"
    if "glove_score" in record:
        glove += f" {max(record['glove_score'], 1 - record['glove_score']):.2f}"
    return f"{side} · {glove}{tail}"


DRAW_LIMIT = 1 << 24  # pixels: OpenCV takes 32-bit points; a huge (finite) box is drawn clipped to this


def _ipt(x: float, y: float) -> tuple[int, int]:
    return int(round(min(max(x, -DRAW_LIMIT), DRAW_LIMIT))), int(round(min(max(y, -DRAW_LIMIT), DRAW_LIMIT)))


def draw_ehoi(
    image: np.ndarray, records: Sequence[Mapping[str, Any]], category_names: Mapping[int, str], hand_category_id: int,
    *, threshold: float = 0.0,
) -> np.ndarray:
    """A new HxWx3 uint8 RGB picture of `records` over `image`: masks, object boxes, hands coloured
    by contact with "Left/Right · glove" labels, an arrow to the active object, keypoint skeletons.

    Records with a `score` below `threshold` are skipped (ground truth has no score: always drawn).
    """
    canvas = np.ascontiguousarray(np.asarray(image, dtype=np.uint8)[..., :3]).copy()
    height, width = canvas.shape[:2]
    s = _scale(height, width)
    shown = [r for r in records if r.get("score") is None or r["score"] >= threshold]
    hands = [r for r in shown if r["category_id"] == hand_category_id]
    objects = [r for r in shown if r["category_id"] != hand_category_id]

    overlay = canvas.copy()
    painted = np.zeros((height, width), dtype=bool)
    for record in objects + hands:
        mask = _mask_pixels(record.get("segmentation"), height, width)
        if mask is not None:
            overlay[mask] = _record_colour(record, hand_category_id)
            painted |= mask
    canvas[painted] = (canvas[painted] * (1 - MASK_ALPHA) + overlay[painted] * MASK_ALPHA).astype(np.uint8)

    thin, thick = max(1, round(2 * s)), max(2, round(3 * s))
    labels: list[tuple[tuple[int, int], str, tuple[int, int, int]]] = []
    for record in objects:
        x, y, w, h = record["bbox"]
        colour = object_colour(record["category_id"])
        cv2.rectangle(canvas, _ipt(x, y), _ipt(x + w, y + h), colour, thin, cv2.LINE_AA)
        labels.append((_ipt(x, y), _label(record, category_names, hand_category_id), colour))
    for record in hands:
        x, y, w, h = record["bbox"]
        colour = CONTACT_COLOURS.get(record.get("contact_state", -1), CONTACT_COLOURS[-1])
        _draw_keypoints(canvas, record, s)
        cv2.rectangle(canvas, _ipt(x, y), _ipt(x + w, y + h), colour, thick, cv2.LINE_AA)
        target = record.get("bbox_obj") or []
        if record.get("contact_state") == 1 and len(target) == 4:
            tx, ty, tw, th = target
            cv2.rectangle(canvas, _ipt(tx, ty), _ipt(tx + tw, ty + th), colour, thin, cv2.LINE_AA)
            start, end = _ipt(*box_centre(record["bbox"])), _ipt(*box_centre(target))
            length = max(1.0, float(np.hypot(end[0] - start[0], end[1] - start[1])))
            cv2.arrowedLine(canvas, start, end, colour, thick, cv2.LINE_AA, tipLength=min(0.3, 18 * s / length))
        labels.append((_ipt(x, y), _label(record, category_names, hand_category_id), colour))
    return _draw_texts(canvas, labels, s)


def _record_colour(record: Mapping[str, Any], hand_id: int) -> tuple[int, int, int]:
    if record["category_id"] == hand_id:
        return CONTACT_COLOURS.get(record.get("contact_state", -1), CONTACT_COLOURS[-1])
    return object_colour(record["category_id"])


def _draw_keypoints(canvas: np.ndarray, record: Mapping[str, Any], s: float) -> None:
    keypoints = record.get("keypoints") or []
    if len(keypoints) != 63:
        return
    points = np.asarray(keypoints, dtype=np.float64).reshape(21, 3)
    predicted = record.get("score") is not None
    visible = points[:, 2] > (VISIBLE_PROBABILITY if predicted else 0)
    line = max(1, round(2 * s))
    for a, b in SKELETON:
        if visible[a - 1] and visible[b - 1]:
            cv2.line(canvas, _ipt(*points[a - 1, :2]), _ipt(*points[b - 1, :2]), KEYPOINT_COLOUR, line, cv2.LINE_AA)
    for x, y, _ in points[visible]:
        cv2.circle(canvas, _ipt(x, y), max(2, round(3 * s)), (255, 255, 255), -1, cv2.LINE_AA)


def _draw_texts(canvas: np.ndarray, labels: Iterable[tuple[tuple[int, int], str, tuple[int, int, int]]],
                s: float) -> np.ndarray:
    picture = PILImage.fromarray(canvas)
    draw = ImageDraw.Draw(picture)
    font = ImageFont.load_default(size=max(13, round(16 * s)))
    pad = max(1, round(2 * s))
    for (x, y), text, colour in labels:
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        tw, th = right - left, bottom - top
        y0 = y - th - 2 * pad if y - th - 2 * pad >= 0 else y
        draw.rectangle((x, y0, x + tw + 2 * pad, y0 + th + 2 * pad), fill=colour)
        luminance = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
        draw.text((x + pad - left, y0 + pad - top), text, font=font, fill=(0, 0, 0) if luminance > 140 else (255, 255, 255))
    _legend(draw, font, pad)
    return np.asarray(picture)


def _legend(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, pad: int) -> None:
    """Top-left key of the hand colours."""
    x, y = pad * 2, pad * 2
    for state in (1, 0, -1):
        text = f"hand: {CONTACT_NAMES[state]}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        draw.rectangle((x, y, x + right - left + 2 * pad, y + bottom - top + 2 * pad), fill=CONTACT_COLOURS[state])
        draw.text((x + pad - left, y + pad - top), text, font=font, fill=(0, 0, 0))
        y += bottom - top + 3 * pad
