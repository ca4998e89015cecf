"""EHOI pictures: ground truth (`viz`) and predictions (`infer`) drawn the same way, at the image's
original resolution, so a person can compare them by eye.

Both are drawn from records in the predictions-file format (ehoi-metrics.md §2.2); ground-truth
annotations are turned into such records by `annotation_records` (no `score` key). Shapes are
drawn with OpenCV (anti-aliased), text with Pillow's scalable font (it has the "·").

Pictures must stay readable at 320×240: every label is kept inside the frame (placed above or
below its box, left- or right-aligned, whichever fits and overlaps fewer labels; wrapped at " · "
when wider than the frame), and the colour key lives in a strip below the image, so the picture is
`legend_height(...)` rows taller than its input and the image's own pixels are never covered by it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

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
    """The label of one record; every number carries its name ("score 0.60", "contact 0.87")."""
    score = record.get("score")
    tail = f" · score {score:.2f}" if score is not None else ""
    if record["category_id"] != hand_id:
        return f"{names.get(record['category_id'], record['category_id'])}{tail}"
    side = {1: "Right", 0: "Left"}.get(record.get("hand_side", -1), "Side ?")
    glove = {1: "glove", 0: "bare"}.get(record.get("gloves", -1), "glove ?")
    if "side_score" in record:
        side += f" {max(record['side_score'], 1 - record['side_score']):.2f}"
    if "glove_score" in record:
        glove += f" {max(record['glove_score'], 1 - record['glove_score']):.2f}"
    parts = [side, glove]
    if "contact_score" in record:
        p_contact = float(record["contact_score"])
        parts.append(f"contact {p_contact:.2f}" if p_contact >= 0.5 else f"no contact {1 - p_contact:.2f}")
    return " · ".join(parts) + tail


DRAW_LIMIT = 1 << 24  # pixels: OpenCV takes 32-bit points; a huge (finite) box is drawn clipped to this


def _ipt(x: float, y: float) -> tuple[int, int]:
    return int(round(min(max(x, -DRAW_LIMIT), DRAW_LIMIT))), int(round(min(max(y, -DRAW_LIMIT), DRAW_LIMIT)))


Box = tuple[int, int, int, int]
"""(x0, y0, x1, y1) in pixels, x1/y1 exclusive."""
LEGEND_BACKGROUND = (32, 32, 32)


@dataclass
class Rendering:
    """A drawn picture and where its labels went (so a test can check they stay in the frame)."""

    pixels: np.ndarray
    image_height: int
    """Rows of the input image; the legend strip is below them."""
    label_boxes: list[Box] = field(default_factory=list)


def draw_ehoi(
    image: np.ndarray, records: Sequence[Mapping[str, Any]], category_names: Mapping[int, str], hand_category_id: int,
    *, threshold: float = 0.0,
) -> np.ndarray:
    """The pixels of `render_ehoi` (H + `legend_height` rows × W × 3, uint8 RGB)."""
    return render_ehoi(image, records, category_names, hand_category_id, threshold=threshold).pixels


def render_ehoi(
    image: np.ndarray, records: Sequence[Mapping[str, Any]], category_names: Mapping[int, str], hand_category_id: int,
    *, threshold: float = 0.0,
) -> Rendering:
    """`records` drawn over a copy of `image`: masks, object boxes, hands coloured by contact with
    "Left/Right · glove" labels, an arrow to the active object, keypoint skeletons; the colour key
    in a strip below.

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
    labels: list[tuple[Sequence[float], str, tuple[int, int, int]]] = []
    for record in objects:
        x, y, w, h = record["bbox"]
        colour = object_colour(record["category_id"])
        cv2.rectangle(canvas, _ipt(x, y), _ipt(x + w, y + h), colour, thin, cv2.LINE_AA)
        labels.append((record["bbox"], _label(record, category_names, hand_category_id), colour))
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
        labels.append((record["bbox"], _label(record, category_names, hand_category_id), colour))
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


def _font(s: float) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=max(13, round(16 * s)))


def _pad(s: float) -> int:
    return max(1, round(2 * s))


def _text_size(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> tuple[int, int, int, int]:
    """(width, height, left, top) of `text`'s ink box."""
    left, top, right, bottom = font.getbbox(text)
    return int(right - left), int(bottom - top), int(left), int(top)


def _line_height(font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> int:
    return _text_size(font, "Hg·?")[1]


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, room: int) -> list[str]:
    """`text` broken at " · " into lines no wider than `room`; a part still too wide is cut with "…"."""
    lines: list[str] = []
    for part in text.split(" · "):
        if lines and _text_size(font, f"{lines[-1]} · {part}")[0] <= room:
            lines[-1] = f"{lines[-1]} · {part}"
            continue
        while len(part) > 1 and _text_size(font, part)[0] > room:
            part = part[:-2] + "…" if len(part) > 2 else part[:1]
        lines.append(part)
    return lines


def _overlap(a: Box, b: Box) -> int:
    return max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))


def place_label(bbox: Sequence[float], size: tuple[int, int], frame: tuple[int, int], taken: Sequence[Box]) -> Box:
    """Where a label of `size` (w, h) goes for `bbox` inside a `frame` (width, height).

    Candidates, in order of preference: above the box left-aligned, above right-aligned (the other
    side when the box is at the right edge), below left / right, inside the top. Each is clamped into
    the frame; the one that overlaps placed labels least, then moved least by the clamp, wins.
    """
    x, y, w, h = (float(v) for v in bbox)
    lw, lh = size
    width, height = frame
    candidates = [(x, y - lh), (x + w - lw, y - lh), (x, y + h), (x + w - lw, y + h), (x, y)]
    best: tuple[int, float, int] | None = None
    chosen: Box = (0, 0, lw, lh)
    for order, (cx, cy) in enumerate(candidates):
        px = int(round(min(max(cx, 0.0), max(0, width - lw))))
        py = int(round(min(max(cy, 0.0), max(0, height - lh))))
        box = (px, py, px + lw, py + lh)
        rank = (sum(_overlap(box, other) for other in taken), abs(px - cx) + abs(py - cy), order)
        if best is None or rank < best:
            best, chosen = rank, box
    return chosen


def _draw_texts(canvas: np.ndarray, labels: Sequence[tuple[Sequence[float], str, tuple[int, int, int]]],
                s: float) -> Rendering:
    height, width = canvas.shape[:2]
    font, pad = _font(s), _pad(s)
    strip = legend_height(height, width)
    picture = PILImage.new("RGB", (width, height + strip), LEGEND_BACKGROUND)
    picture.paste(PILImage.fromarray(canvas), (0, 0))
    draw = ImageDraw.Draw(picture)
    line = _line_height(font)
    placed: list[Box] = []
    for bbox, text, colour in labels:
        lines = _wrap(text, font, max(1, width - 2 * pad))
        lw = min(width, max(_text_size(font, t)[0] for t in lines) + 2 * pad)
        lh = min(height, len(lines) * (line + pad) + pad)
        box = place_label(bbox, (lw, lh), (width, height), placed)
        placed.append(box)
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=colour)
        luminance = 0.299 * colour[0] + 0.587 * colour[1] + 0.114 * colour[2]
        ink = (0, 0, 0) if luminance > 140 else (255, 255, 255)
        for row, text_line in enumerate(lines):
            _, _, left, top = _text_size(font, text_line)
            draw.text((box[0] + pad - left, box[1] + pad + row * (line + pad) - top), text_line, font=font, fill=ink)
    _legend(draw, font, pad, width, height)
    return Rendering(np.asarray(picture), height, placed)


def _legend_items(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, pad: int,
                  width: int) -> list[tuple[int, int, str, int]]:
    """(x, row, text, state) of each key entry, laid out left to right and wrapped to `width`."""
    items, x, row = [], 2 * pad, 0
    for state in (1, 0, -1):
        text = f"hand: {CONTACT_NAMES[state]}"
        w = _text_size(font, text)[0] + 2 * pad
        if x > 2 * pad and x + w > width - pad:
            x, row = 2 * pad, row + 1
        items.append((x, row, text, state))
        x += w + 3 * pad
    return items


def legend_height(height: int, width: int) -> int:
    """Rows the colour key adds below a `height`×`width` image (even, so video encoders take it)."""
    s = _scale(height, width)
    font, pad = _font(s), _pad(s)
    rows = 1 + max(row for _, row, _, _ in _legend_items(font, pad, width))
    strip = rows * (_line_height(font) + 3 * pad) + 3 * pad
    return strip + (height + strip) % 2


def _legend(draw: ImageDraw.ImageDraw, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, pad: int,
            width: int, height: int) -> None:
    """The key of the hand colours, in the strip below the image."""
    line = _line_height(font)
    for x, row, text, state in _legend_items(font, pad, width):
        y = height + 2 * pad + row * (line + 3 * pad)
        w, _, left, top = _text_size(font, text)
        draw.rectangle((x, y, x + w + 2 * pad, y + line + 2 * pad), fill=CONTACT_COLOURS[state])
        draw.text((x + pad - left, y + pad - top), text, font=font, fill=(0, 0, 0))
