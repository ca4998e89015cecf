"""Sample loading and augmentation in numpy: flip, resize without keeping aspect, photometric jitter.

Every random choice comes from a generator the caller seeds from the sample's position in the
run, so a resumed run sees exactly the same augmented data (§2.9).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from glovego_data._cv2 import cv2
import numpy as np
from PIL import Image as PILImage
from pycocotools import mask as mask_utils

from glovego_model.data.index import ImageRecord


@dataclass
class Sample:
    """One image and its instances in current pixel coordinates (boxes xyxy, keypoints pixel-index)."""

    image_id: object
    image: np.ndarray  # [H, W, 3] uint8 RGB
    boxes: np.ndarray  # [n, 4] xyxy
    labels: np.ndarray
    is_hand: np.ndarray
    side: np.ndarray
    contact: np.ndarray
    glove: np.ndarray
    active: np.ndarray
    keypoints: np.ndarray  # [n, 21, 3]
    masks: np.ndarray | None  # [n, H, W] bool, rows valid where mask_valid
    mask_valid: np.ndarray  # [n] bool
    depth: np.ndarray | None  # [H, W] metres, 0 = no geometry
    orig_size: tuple[int, int]  # (width, height) of the file

    @property
    def size(self) -> tuple[int, int]:
        return self.image.shape[1], self.image.shape[0]


def _decode_masks(segmentations: list[object], height: int, width: int,
                  size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every instance mask at `size` = (width, height) in one pycocotools call per kind, no
    per-instance Python loop over pixels: polygons are scaled and rasterised at the target size
    (exact, and cheap at any file size); RLEs are decoded at file size and resized together."""
    out_w, out_h = size
    n = len(segmentations)
    masks = np.zeros((n, out_h, out_w), dtype=bool)
    valid = np.zeros(n, dtype=bool)
    sx, sy = out_w / width, out_h / height
    polygons: list[tuple[int, list[list[float]]]] = []
    rles: list[tuple[int, dict]] = []
    for i, seg in enumerate(segmentations):
        if not seg:
            continue
        if isinstance(seg, list):
            polygons.append((i, [(np.asarray(p, dtype=np.float64).reshape(-1, 2) * (sx, sy)).ravel().tolist() for p in seg]))
        else:
            rle = dict(seg)
            rles.append((i, mask_utils.frPyObjects(rle, height, width) if isinstance(rle.get("counts"), list) else rle))
    if polygons:
        merged = [mask_utils.merge(mask_utils.frPyObjects(polys, out_h, out_w)) for _, polys in polygons]
        decoded = mask_utils.decode(merged)  # [h, w, k] in one call
        rows = [i for i, _ in polygons]
        masks[rows] = np.moveaxis(decoded, -1, 0).astype(bool)
        valid[rows] = True
    if rles:
        decoded = mask_utils.decode([rle for _, rle in rles])  # [H, W, k] at file size
        rows = [i for i, _ in rles]
        masks[rows] = np.moveaxis(_resize_channels(decoded, size), -1, 0).astype(bool)
        valid[rows] = True
    return masks, valid


def _resize_channels(stack: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of an [H, W, k] uint8 stack (cv2 takes ≤ 512 channels per call)."""
    if stack.shape[1::-1] == size:
        return stack
    parts = [cv2.resize(stack[..., j:j + 512], size, interpolation=cv2.INTER_NEAREST) for j in range(0, stack.shape[-1], 512)]
    return np.concatenate([p.reshape(size[1], size[0], -1) for p in parts], axis=-1)


def _read_rgb(path: Path, size: tuple[int, int]) -> np.ndarray:
    """Decode once, at the smallest JPEG DCT scale still ≥ `size` (PIL draft), then resize to `size`."""
    with PILImage.open(path) as pil:
        if pil.format == "JPEG":
            pil.draft("RGB", size)
        image = np.asarray(pil if pil.mode == "RGB" else pil.convert("RGB"))
    if image.shape[1::-1] != size:
        image = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR)
    return image


def _read_depth(path: Path, size: tuple[int, int]) -> np.ndarray:
    """A depth PNG's stored values at `size`: the format's 16-bit millimetres, or the reference's
    8-bit maps (the record's `depth_scale_m` turns either into metres). OpenCV decodes PNGs ~1.7×
    faster than PIL."""
    stored = cv2.imread(str(path), cv2.IMREAD_UNCHANGED) if path.suffix.lower() == ".png" else None
    if stored is None:  # not a PNG, or one OpenCV does not read: PIL, as before
        with PILImage.open(path) as pil:
            stored = np.asarray(pil.convert("L") if pil.mode in ("RGB", "RGBA", "P") else pil)
    elif stored.ndim == 3:  # an 8-bit map saved as RGB(A): its grey value
        stored = cv2.cvtColor(stored[..., :3], cv2.COLOR_BGR2GRAY)
    stored = stored.astype(np.float32)
    if stored.shape[1::-1] != size:
        stored = cv2.resize(stored, size, interpolation=cv2.INTER_NEAREST)
    return stored


def load_sample(record: ImageRecord, *, with_masks: bool = True, with_depth: bool = True,
                size: tuple[int, int] | None = None) -> Sample:
    """Read the image (and depth, masks) of `record`; the JSON size is the coordinate frame.

    With `size` = (width, height) everything is produced at that size straight away (resize on
    read: the same sample as `resize(load_sample(record), *size)`, without full-size copies).
    """
    width, height = record.width, record.height
    out = size or (width, height)
    image = _read_rgb(record.path, out)
    n = len(record.labels)
    masks, valid = None, np.zeros(n, dtype=bool)
    if with_masks and any(s for s in record.segmentations):
        masks, valid = _decode_masks(record.segmentations, height, width, out)
    depth = _read_depth(record.depth_path, out) * record.depth_scale_m if with_depth and record.depth_path is not None else None
    boxes = record.boxes_xywh.copy()
    boxes[:, 2:] += boxes[:, :2]
    boxes, keypoints = _scaled_geometry(boxes, record.keypoints, out[0] / width, out[1] / height)
    return Sample(
        image_id=record.image_id, image=image, boxes=boxes, labels=record.labels, is_hand=record.is_hand,
        side=record.side.copy(), contact=record.contact, glove=record.glove, active=record.active,
        keypoints=keypoints, masks=masks, mask_valid=valid, depth=depth, orig_size=(width, height),
    )


def _scaled_geometry(boxes: np.ndarray, keypoints: np.ndarray, sx: float, sy: float) -> tuple[np.ndarray, np.ndarray]:
    """Boxes (xyxy, continuous) scale by (sx, sy); keypoints are pixel indices: centres scale."""
    if (sx, sy) == (1.0, 1.0):
        return boxes, keypoints.copy()
    boxes = boxes * np.array([sx, sy, sx, sy], dtype=np.float32)
    keypoints = keypoints.copy()
    labelled = keypoints[..., 2] > 0
    keypoints[..., 0] = np.where(labelled, (keypoints[..., 0] + 0.5) * sx - 0.5, 0.0)
    keypoints[..., 1] = np.where(labelled, (keypoints[..., 1] + 0.5) * sy - 0.5, 0.0)
    return boxes, keypoints


def hflip(sample: Sample) -> Sample:
    """Mirror horizontally: boxes, masks, depth; keypoint x → W − 1 − x with indices unchanged;
    hand side 0 ↔ 1 (offsets are recomputed from the boxes later)."""
    width = sample.size[0]
    boxes = sample.boxes.copy()
    boxes[:, 0], boxes[:, 2] = width - sample.boxes[:, 2], width - sample.boxes[:, 0]
    keypoints = sample.keypoints.copy()
    labelled = keypoints[..., 2] > 0
    keypoints[..., 0] = np.where(labelled, width - 1 - keypoints[..., 0], 0.0)
    side = np.where(sample.side >= 0, 1 - sample.side, sample.side)
    return replace(
        sample, image=np.ascontiguousarray(sample.image[:, ::-1]), boxes=boxes, keypoints=keypoints, side=side,
        masks=None if sample.masks is None else np.ascontiguousarray(sample.masks[:, :, ::-1]),
        depth=None if sample.depth is None else np.ascontiguousarray(sample.depth[:, ::-1]),
    )


def resize(sample: Sample, width: int, height: int) -> Sample:
    """Resize to (width, height) without keeping aspect (the RT-DETR convention)."""
    old_w, old_h = sample.size
    if (old_w, old_h) == (width, height):
        return sample
    boxes, keypoints = _scaled_geometry(sample.boxes, sample.keypoints, width / old_w, height / old_h)
    masks = None
    if sample.masks is not None:
        stack = np.moveaxis(sample.masks.astype(np.uint8), 0, -1)
        masks = np.moveaxis(_resize_channels(stack, (width, height)), -1, 0).astype(bool) if len(sample.masks) else \
            np.zeros((0, height, width), dtype=bool)
    depth = None if sample.depth is None else cv2.resize(sample.depth, (width, height), interpolation=cv2.INTER_NEAREST)
    image = cv2.resize(sample.image, (width, height), interpolation=cv2.INTER_LINEAR)
    return replace(sample, image=image, boxes=boxes, keypoints=keypoints, masks=masks, depth=depth)


def photometric_jitter(image: np.ndarray, rng: np.random.Generator, strength: float = 0.2,
                       hue: float = 0.02) -> np.ndarray:
    """Brightness, contrast, saturation ×(1 ± strength) and a hue rotation of ± `hue` turns, on RGB only.

    All four are affine in RGB, so they are composed into one 3×4 matrix and applied in a single
    pass (cv2.transform, rounding and saturating to uint8) instead of four float passes.
    """
    b = rng.uniform(1 - strength, 1 + strength)
    c = rng.uniform(1 - strength, 1 + strength)
    s = rng.uniform(1 - strength, 1 + strength)
    angle = rng.uniform(-hue, hue) * 2.0 * np.pi
    mean = b * float(image.mean(dtype=np.float64))  # of the brightened image, in 0…255
    weights = np.array([0.299, 0.587, 0.114])
    yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.linalg.inv(yiq) @ np.array([[1, 0, 0], [0, cos, -sin], [0, sin, cos]]) @ yiq
    # x → b·x → m + c(x − m) → gray + s(x − gray) → R x: linear part and offset composed
    saturation = s * np.eye(3) + (1 - s) * np.outer(np.ones(3), weights)
    linear = rotation @ saturation * (c * b)
    offset = rotation @ saturation @ np.full(3, (1 - c) * mean)
    matrix = np.concatenate([linear, offset[:, None]], axis=1).astype(np.float32)
    return cv2.transform(np.ascontiguousarray(image), matrix)
