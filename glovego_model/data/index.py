"""The training index: one pass over an EHOI-COCO file into per-image arrays (§2.6).

Built once per JSON; checks the file as `validate` does and decodes every image header, so a bad
record fails before training starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset, load_dataset
from glovego_data.ehoi_coco.checks import require_valid
from glovego_data.ehoi_coco.constants import NUM_KEYPOINTS
from glovego_data.errors import GlovegoError
from glovego_data.paths import image_file, resolve_inside

DEFAULT_DEPTH_RANGE_M = 5.0  # ehoi-coco.md §8: the 8-bit maps' range when a file states none


@dataclass
class ImageRecord:
    """Everything a sample needs, in the file's pixel coordinates."""

    image_id: Any
    path: Path
    width: int
    height: int
    depth_path: Path | None
    boxes_xywh: np.ndarray  # [n, 4]
    labels: np.ndarray  # [n] contiguous class index
    is_hand: np.ndarray  # [n] bool
    side: np.ndarray  # [n] −1/0/1
    contact: np.ndarray  # [n]
    glove: np.ndarray  # [n]
    active: np.ndarray  # [n] row of the hand's resolved active object in this image, −1 if none
    keypoints: np.ndarray  # [n, 21, 3] pixel-index convention
    segmentations: list[Any]  # per row: polygons, RLE or None
    depth_scale_m: float = 0.001  # metres per stored depth unit: 1 mm (depth_mm/), or R / 255 (8-bit map)


@dataclass
class DatasetIndex:
    json_path: Path
    root: Path
    dataset: EhoiDataset
    category_names: list[str]
    records: list[ImageRecord]
    depth_range_m: float
    warnings: list[str] = field(default_factory=list)  # the loader's repairs and the depth assumptions

    def __len__(self) -> int:
        return len(self.records)


def category_names(dataset: EhoiDataset) -> list[str]:
    """Names in id order with `hand` last, exactly as a checkpoint's id2label stores them."""
    return [c.name for c in sorted(dataset.categories, key=lambda c: c.id)]


def _check_before_training(json_path: Path, dataset: EhoiDataset, root: Path) -> None:
    """`validate`'s checks and every image header decoded once (size against the JSON): a bad
    record fails here, in one line, not when it is first sampled hours in."""
    require_valid(json_path, dataset, root=root)


def build_index(json_path: str | Path, dataset: EhoiDataset | None = None) -> DatasetIndex:
    """Index `json_path` (a `<root>/annotations/<split>.json`); images come from `<root>/images/`."""
    json_path = Path(json_path)
    if not json_path.is_file():
        raise GlovegoError(f"{json_path}: file not found")
    dataset = dataset if dataset is not None else load_dataset(json_path)
    root = json_path.resolve().parent.parent
    _check_before_training(json_path, dataset, root)
    cats = sorted(dataset.categories, key=lambda c: c.id)
    label_of = {c.id: i for i, c in enumerate(cats)}
    hand_id = dataset.hand_category_id
    if label_of[hand_id] != len(cats) - 1:
        raise GlovegoError(f"{json_path}: category 'hand' must be the last category")
    by_image = dataset.annotations_by_image()
    depth_info = (dataset.info.get("ehoi") or {}).get("depth") or {}
    depth_range_m = float(depth_info.get("range_m", DEFAULT_DEPTH_RANGE_M))
    map8_images = 0
    records = []
    for img in dataset.images:
        path = image_file(root, img.file_name, where=f"{json_path}: image {img.id}")
        if not path.is_file():
            raise GlovegoError(f"{json_path}: image {img.id}: file not found: images/{img.file_name}")
        depth_path, depth_scale = None, 0.001
        if img.depth_file:
            depth_path = resolve_inside(root, img.depth_file, what=f"{json_path}: image {img.id}: depth_file")
            if not depth_path.is_file():
                raise GlovegoError(f"{json_path}: image {img.id}: depth file not found: {img.depth_file}")
        elif (map8 := reference_depth_map(root, img.file_name)) is not None:
            depth_path, depth_scale = map8, depth_range_m / 255.0
            map8_images += 1
        anns = [a for a in by_image.get(img.id, []) if a.iscrowd == 0 and a.bbox[2] > 0 and a.bbox[3] > 0]
        row_of = {a.id: i for i, a in enumerate(anns)}
        n = len(anns)
        keypoints = np.zeros((n, NUM_KEYPOINTS, 3), dtype=np.float32)
        active = np.full(n, -1, dtype=np.int64)
        for i, a in enumerate(anns):
            if len(a.keypoints) == 3 * NUM_KEYPOINTS:
                keypoints[i] = np.asarray(a.keypoints, dtype=np.float32).reshape(NUM_KEYPOINTS, 3)
            if a.category_id == hand_id and a.contact_state == 1:
                obj = dataset.active_object(a)
                if obj is not None and obj.id in row_of:
                    active[i] = row_of[obj.id]

        def tri(key: str) -> np.ndarray:
            return np.array([int(getattr(a, key)) if getattr(a, key) is not None else -1 for a in anns], dtype=np.int64)

        records.append(ImageRecord(
            image_id=img.id, path=path, width=int(img.width), height=int(img.height), depth_path=depth_path,
            boxes_xywh=np.array([a.bbox for a in anns], dtype=np.float32).reshape(n, 4),
            labels=np.array([label_of[a.category_id] for a in anns], dtype=np.int64),
            is_hand=np.array([a.category_id == hand_id for a in anns], dtype=bool),
            side=tri("hand_side"), contact=tri("contact_state"), glove=tri("gloves"), active=active,
            keypoints=keypoints, segmentations=[a.segmentation or None for a in anns], depth_scale_m=depth_scale,
        ))
    warnings = list(dataset.warnings)
    if map8_images:
        stated = "info.ehoi.depth.range_m" if "range_m" in depth_info else "the default; the file states none"
        warnings.append(
            f"{json_path}: depth of {map8_images} image(s) read from 8-bit depth_maps/map_<n>.png as "
            f"d = p / 255 · {depth_range_m:g} m (bright = far; {depth_range_m:g} m is {stated})"
        )
    return DatasetIndex(json_path=json_path, root=root, dataset=dataset, category_names=category_names(dataset),
                        records=records, depth_range_m=depth_range_m, warnings=warnings)


def reference_depth_map(root: Path, file_name: str) -> Path | None:
    """[ref] The reference layout's depth of `images/camera_<n>.<ext>`: `depth_maps/map_<n>.png`,
    8-bit, linear in metres up to a range, bright = far (ehoi-coco.md §8); None when absent."""
    stem = Path(file_name).stem
    if not stem.startswith("camera_"):
        return None
    path = root / "depth_maps" / f"map_{stem[len('camera_'):]}.png"
    return path if path.is_file() else None
