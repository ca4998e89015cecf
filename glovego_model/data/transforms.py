"""Sample loading and augmentation in numpy: flip, resize without keeping aspect, photometric jitter.

Every random choice comes from a generator the caller seeds from the sample's position in the
run, so a resumed run sees exactly the same augmented data (§2.9).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

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


def _decode_mask(segmentation: object, height: int, width: int) -> np.ndarray | None:
    if not segmentation:
        return None
    if isinstance(segmentation, list):
        rles = mask_utils.frPyObjects(segmentation, height, width)
        rle = mask_utils.merge(rles)
    else:
        rle = dict(segmentation)
        if isinstance(rle.get("counts"), list):
            rle = mask_utils.frPyObjects(rle, height, width)
    return mask_utils.decode(rle).astype(bool)


def load_sample(record: ImageRecord, *, with_masks: bool = True, with_depth: bool = True) -> Sample:
    """Read the image (and depth, masks) of `record`; the JSON size is the coordinate frame."""
    with PILImage.open(record.path) as pil:
        image = np.asarray(pil.convert("RGB"))
    width, height = record.width, record.height
    if image.shape[:2] != (height, width):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
    n = len(record.labels)
    masks, valid = None, np.zeros(n, dtype=bool)
    if with_masks and any(s for s in record.segmentations):
        masks = np.zeros((n, height, width), dtype=bool)
        for i, seg in enumerate(record.segmentations):
            decoded = _decode_mask(seg, height, width)
            if decoded is not None:
                masks[i] = decoded
                valid[i] = True
    depth = None
    if with_depth and record.depth_path is not None:
        with PILImage.open(record.depth_path) as pil:
            stored = np.asarray(pil.convert("L") if pil.mode in ("RGB", "RGBA", "P") else pil).astype(np.float32)
        if stored.shape != (height, width):
            stored = cv2.resize(stored, (width, height), interpolation=cv2.INTER_NEAREST)
        depth = stored * record.depth_scale_m
    boxes = record.boxes_xywh.copy()
    boxes[:, 2:] += boxes[:, :2]
    return Sample(
        image_id=record.image_id, image=image, boxes=boxes, labels=record.labels, is_hand=record.is_hand,
        side=record.side.copy(), contact=record.contact, glove=record.glove, active=record.active,
        keypoints=record.keypoints.copy(), masks=masks, mask_valid=valid, depth=depth, orig_size=(width, height),
    )


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
    sx, sy = width / old_w, height / old_h
    boxes = sample.boxes * np.array([sx, sy, sx, sy], dtype=np.float32)
    keypoints = sample.keypoints.copy()
    labelled = keypoints[..., 2] > 0
    keypoints[..., 0] = np.where(labelled, (keypoints[..., 0] + 0.5) * sx - 0.5, 0.0)
    keypoints[..., 1] = np.where(labelled, (keypoints[..., 1] + 0.5) * sy - 0.5, 0.0)
    masks = None
    if sample.masks is not None:
        masks = np.stack([cv2.resize(m.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST)
                          for m in sample.masks]).astype(bool) if len(sample.masks) else \
            np.zeros((0, height, width), dtype=bool)
    depth = None if sample.depth is None else cv2.resize(sample.depth, (width, height), interpolation=cv2.INTER_NEAREST)
    image = cv2.resize(sample.image, (width, height), interpolation=cv2.INTER_LINEAR)
    return replace(sample, image=image, boxes=boxes, keypoints=keypoints, masks=masks, depth=depth)


def photometric_jitter(image: np.ndarray, rng: np.random.Generator, strength: float = 0.2,
                       hue: float = 0.02) -> np.ndarray:
    """Brightness, contrast, saturation ×(1 ± strength) and a hue rotation of ± `hue` turns, on RGB only."""
    img = image.astype(np.float32) / 255.0
    img = img * rng.uniform(1 - strength, 1 + strength)
    mean = img.mean()
    img = mean + (img - mean) * rng.uniform(1 - strength, 1 + strength)
    gray = img @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    img = gray[..., None] + (img - gray[..., None]) * rng.uniform(1 - strength, 1 + strength)
    angle = rng.uniform(-hue, hue) * 2.0 * np.pi
    yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], dtype=np.float32)
    cos, sin = np.cos(angle), np.sin(angle)
    rotation = np.array([[1, 0, 0], [0, cos, -sin], [0, sin, cos]], dtype=np.float32)
    transform = np.linalg.inv(yiq) @ rotation @ yiq
    img = img @ transform.T.astype(np.float32)
    return (np.clip(img, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
