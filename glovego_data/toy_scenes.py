"""Generated EHOI-COCO dataset roots in which every detector head has something to learn.

Used by tests, the CI-size training check and demos (detector.md §4.2). Visual cues:
- hand side: a dark "thumb" strip on the hand's left edge (right hand) or right edge (left hand);
- glove: a yellow checkerboard instead of flat skin;
- contact: the hand overlaps an object by 6 px and has 3 px black bars along its top and bottom
  edges (id_obj = that object); dark, because `augment-gloves` keeps a hand's shading (a white
  outline turned glove-yellow there), and horizontal only, so that no contact cue lies on the
  vertical edges that carry the side cue (a full dark outline put a strip on both sides);
- keypoints: a jittered 21-point template, mirrored for left hands, drawn as dots;
- depth: background 1.0 m, objects 0.6 m, hands 0.3 m (written as `depth_mm` and `depth_maps`);
- masks: objects lose the pixels a hand covers (occlusion), written as RLE.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from glovego_data.ehoi_coco import Annotation, EhoiDataset, Image, reference_categories, save_dataset
from glovego_data.ehoi_coco.constants import NUM_KEYPOINTS
from glovego_data.ehoi_coco.info import depth_info, make_info
from glovego_data.masks import mask_to_rle

# Reference class names (a blue box, a green board), so that files made here use the reference's 20
# categories with `hand` = 19 and the reference code scores them as they are (ehoi-coco.md).
TOY_OBJECTS: tuple[str, ...] = ("power supply", "low voltage board")
_OBJECT_COLOURS = ((60, 90, 200), (40, 170, 80))
_SKIN = (205, 150, 120)
_YELLOW = (235, 210, 30)
_DARK_YELLOW = (150, 120, 10)
_CONTACT_BAR = (10, 10, 10)
_CONTACT_BAR_PX = 3
_DEPTH_M = {"background": 1.0, "object": 0.6, "hand": 0.3}
DEPTH_RANGE_M = 5.0

# A right hand's 21 MediaPipe points in its box (x right, y down), fingers up, thumb on the left.
_RIGHT_TEMPLATE = np.array(
    [[0.55, 0.95], [0.35, 0.85], [0.22, 0.72], [0.14, 0.60], [0.08, 0.50],
     [0.36, 0.50], [0.34, 0.32], [0.33, 0.20], [0.32, 0.08],
     [0.52, 0.48], [0.52, 0.30], [0.52, 0.18], [0.52, 0.06],
     [0.67, 0.50], [0.68, 0.33], [0.69, 0.22], [0.70, 0.12],
     [0.82, 0.55], [0.85, 0.42], [0.87, 0.33], [0.89, 0.25]],
    dtype=np.float64,
)


@dataclass
class _Box:
    x: int
    y: int
    w: int
    h: int

    def xywh(self) -> list[float]:
        return [float(self.x), float(self.y), float(self.w), float(self.h)]

    def overlaps(self, other: "_Box", margin: int = 0) -> bool:
        return not (self.x + self.w + margin <= other.x or other.x + other.w + margin <= self.x
                    or self.y + self.h + margin <= other.y or other.y + other.h + margin <= self.y)


def _fill(canvas: np.ndarray, box: _Box, colour: tuple[int, int, int]) -> None:
    canvas[box.y : box.y + box.h, box.x : box.x + box.w] = colour


def _place(rng: np.random.Generator, w: int, h: int, width: int, height: int) -> _Box:
    return _Box(int(rng.integers(0, width - w + 1)), int(rng.integers(0, height - h + 1)), w, h)


def _touching_box(rng: np.random.Generator, obj: _Box, w: int, h: int, width: int, height: int) -> _Box | None:
    """A hand box overlapping `obj` by exactly 6 px on one side, inside the image, or None."""
    for side in rng.permutation(4):
        if side == 0:
            x, y = obj.x - w + 6, obj.y + int(rng.integers(0, max(1, obj.h - h // 2)))
        elif side == 1:
            x, y = obj.x + obj.w - 6, obj.y + int(rng.integers(0, max(1, obj.h - h // 2)))
        elif side == 2:
            x, y = obj.x + int(rng.integers(0, max(1, obj.w - w // 2))), obj.y - h + 6
        else:
            x, y = obj.x + int(rng.integers(0, max(1, obj.w - w // 2))), obj.y + obj.h - 6
        if 0 <= x and 0 <= y and x + w <= width and y + h <= height:
            return _Box(x, y, w, h)
    return None


def _draw_hand(canvas: np.ndarray, box: _Box, side: int, glove: int, contact: int, rng: np.random.Generator) -> np.ndarray:
    """Paint one hand; returns its 21 keypoints in pixel-index coordinates."""
    if glove:
        yy, xx = np.mgrid[0 : box.h, 0 : box.w]
        checker = ((yy // 6 + xx // 6) % 2).astype(bool)
        patch = np.where(checker[..., None], np.array(_YELLOW), np.array(_DARK_YELLOW))
        canvas[box.y : box.y + box.h, box.x : box.x + box.w] = patch
    else:
        _fill(canvas, box, _SKIN)
    strip = max(5, box.w // 4)
    strip_x = box.x if side == 1 else box.x + box.w - strip
    canvas[box.y : box.y + box.h, strip_x : strip_x + strip] = (35, 20, 10)
    if contact:
        edge = _CONTACT_BAR_PX
        canvas[box.y : box.y + edge, box.x : box.x + box.w] = _CONTACT_BAR
        canvas[box.y + box.h - edge : box.y + box.h, box.x : box.x + box.w] = _CONTACT_BAR
    template = _RIGHT_TEMPLATE.copy()
    if side == 0:
        template[:, 0] = 1.0 - template[:, 0]
    template += rng.normal(0.0, 0.015, template.shape)
    template = template.clip(0.04, 0.96)
    points = np.stack([box.x + template[:, 0] * box.w, box.y + template[:, 1] * box.h], axis=1) - 0.5
    for px, py in points:
        cx, cy = int(round(px)), int(round(py))
        canvas[max(cy - 1, 0) : cy + 2, max(cx - 1, 0) : cx + 2] = (150, 20, 20)
    return points



def generate_toy_dataset(
    root: str | Path,
    n_images: int = 16,
    size: tuple[int, int] = (256, 256),
    seed: int = 0,
    synthetic: bool = True,
    *,
    split: str = "train",
    with_depth: bool | None = None,
    with_masks: bool | None = None,
    with_keypoints: bool = True,
    first_image_id: int = 1,
    first_video: int = 100,
) -> Path:
    """Write `root/images/`, `root/annotations/<split>.json` (+ `_hands.json`) and, for synthetic
    frames, depth maps; returns the JSON path. Same arguments → same bytes.

    `synthetic=False` makes "real-like" frames (`<video>_<frame>.jpg`, four frames a video numbered
    from `first_video`, no depth, no masks unless asked).
    `size` is (width, height).
    """
    root = Path(root)
    width, height = size
    with_depth = synthetic if with_depth is None else with_depth
    with_masks = synthetic if with_masks is None else with_masks
    rng = np.random.default_rng(seed)
    (root / "images").mkdir(parents=True, exist_ok=True)
    categories = reference_categories()
    object_ids = [next(c.id for c in categories if c.name == name) for name in TOY_OBJECTS]
    hand_id = categories[-1].id
    images: list[Image] = []
    annotations: list[Annotation] = []
    next_ann = 1
    scale = min(width, height) / 256.0
    for k in range(n_images):
        image_id = first_image_id + k
        canvas = np.empty((height, width, 3), dtype=np.uint8)
        canvas[:] = (rng.integers(90, 140), rng.integers(90, 140), rng.integers(90, 140))
        canvas = np.clip(canvas.astype(np.int16) + rng.integers(-8, 9, canvas.shape), 0, 255).astype(np.uint8)
        depth = np.full((height, width), _DEPTH_M["background"])
        placed: list[_Box] = []
        objects: list[tuple[_Box, int, Annotation]] = []
        for _ in range(int(rng.integers(1, 3))):
            w, h = (int(rng.integers(50, 90) * scale) for _ in range(2))
            for _attempt in range(20):
                box = _place(rng, w, h, width, height)
                if not any(box.overlaps(p, margin=8) for p in placed):
                    break
            else:
                continue
            kind = int(rng.integers(0, len(TOY_OBJECTS)))
            _fill(canvas, box, _OBJECT_COLOURS[kind])
            depth[box.y : box.y + box.h, box.x : box.x + box.w] = _DEPTH_M["object"]
            ann = Annotation(id=next_ann, image_id=image_id, category_id=object_ids[kind], bbox=box.xywh(),
                             area=float(w * h))
            next_ann += 1
            placed.append(box)
            objects.append((box, kind, ann))
        hand_masks: list[np.ndarray] = []
        hands: list[Annotation] = []
        for _ in range(int(rng.integers(1, 3))):
            w, h = int(rng.integers(48, 72) * scale), int(rng.integers(56, 80) * scale)
            side, glove = int(rng.integers(0, 2)), int(rng.integers(0, 2))
            want_contact = bool(rng.integers(0, 2)) and objects
            box, target = None, None
            if want_contact:
                target = objects[int(rng.integers(0, len(objects)))]
                box = _touching_box(rng, target[0], w, h, width, height)
                if box is not None and any(box.overlaps(p, margin=2) for p in placed if p is not target[0]):
                    box = None
            if box is None:
                target = None
                for _attempt in range(30):
                    cand = _place(rng, w, h, width, height)
                    if not any(cand.overlaps(p, margin=10) for p in placed):
                        box = cand
                        break
            if box is None:
                continue
            contact = 1 if target is not None else 0
            points = _draw_hand(canvas, box, side, glove, contact, rng)
            depth[box.y : box.y + box.h, box.x : box.x + box.w] = _DEPTH_M["hand"]
            mask = np.zeros((height, width), dtype=bool)
            mask[box.y : box.y + box.h, box.x : box.x + box.w] = True
            hand_masks.append(mask)
            ann = Annotation(id=next_ann, image_id=image_id, category_id=hand_id, bbox=box.xywh(), area=float(box.w * box.h),
                             hand_side=side, contact_state=contact, gloves=glove)
            ann.clear_active_object()
            if target is not None:
                ann.set_active_object(target[2], width, height)
            if with_keypoints:
                ann.keypoints = [v for x, y in points for v in (float(x), float(y), 2)]
                ann.num_keypoints = NUM_KEYPOINTS
                ann.keypoints_source = "synthetic"
            if with_masks:
                ann.segmentation = mask_to_rle(mask, *mask.shape)
                ann.area = float(mask.sum())
            next_ann += 1
            placed.append(box)
            hands.append(ann)
        for box, _cat, ann in objects:
            if with_masks:
                mask = np.zeros((height, width), dtype=bool)
                mask[box.y : box.y + box.h, box.x : box.x + box.w] = True
                for hand_mask in hand_masks:
                    mask &= ~hand_mask
                ann.segmentation = mask_to_rle(mask, *mask.shape)
                ann.area = float(mask.sum())
            annotations.append(ann)
        annotations.extend(hands)
        if synthetic:
            file_name = f"camera_{image_id}.png"
            video = f"toy/sequence.{k // 4}"
        else:
            file_name = f"{first_video + k // 4}_{image_id}.jpg"
            video = str(first_video + k // 4)
        image = Image(id=image_id, file_name=file_name, width=width, height=height, video=video,
                      source="synth" if synthetic else "real")
        PILImage.fromarray(canvas).save(root / "images" / file_name, **({"quality": 95} if not synthetic else {}))
        if with_depth:
            (root / "depth_mm").mkdir(exist_ok=True)
            (root / "depth_maps").mkdir(exist_ok=True)
            millimetres = np.clip(np.round(depth * 1000.0), 0, 65535).astype(np.uint16)
            PILImage.fromarray(millimetres).save(root / "depth_mm" / f"{image.stem}.png")
            map8 = np.round(255.0 * np.minimum(depth, DEPTH_RANGE_M) / DEPTH_RANGE_M).astype(np.uint8)
            PILImage.fromarray(map8).save(root / "depth_maps" / f"map_{image_id}.png")
            image.depth_file = f"depth_mm/{image.stem}.png"
        images.append(image)
    info = make_info(
        command="toy-scenes", description="generated toy EHOI scenes", contact_source="geometry",
        segmentation="rle", depth=depth_info(DEPTH_RANGE_M) if with_depth else None,
    )
    dataset = EhoiDataset(images=images, categories=categories, annotations=annotations, info=info)
    out = root / "annotations" / f"{split}.json"
    save_dataset(dataset, out)
    return out
