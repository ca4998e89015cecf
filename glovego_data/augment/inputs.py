"""Reading an input root for augmentation and checking every image before any edit (spec §12)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image as PILImage

from glovego_data.augment.regions import HandBox
from glovego_data.ehoi_coco import EhoiDataset, Image, load_dataset
from glovego_data.errors import FormatError, GlovegoError
from glovego_data.paths import image_file


@dataclass
class SourceImage:
    """One image of the root (union of all split files) and the hands its annotations give."""

    image: Image
    split_file: str  # the first split file naming it, for error messages
    hands: list[HandBox] = field(default_factory=list)  # hands with gloves ≠ 1, by annotation id
    all_hands: list[HandBox] = field(default_factory=list)
    hand_keypoint_counts: dict[int, int] = field(default_factory=dict)

    @property
    def eligible(self) -> bool:
        return bool(self.hands)


def split_files(in_dir: Path) -> list[Path]:
    files = sorted(p for p in (in_dir / "annotations").glob("*.json") if not p.stem.endswith("_hands"))
    if not files:
        raise GlovegoError(f"{in_dir}: no EHOI-COCO annotations found (annotations/*.json)")
    return files


def load_splits(in_dir: Path) -> dict[str, EhoiDataset]:
    """Every `<split>.json`, with the reference checks an edit relies on."""
    splits: dict[str, EhoiDataset] = {}
    for path in split_files(in_dir):
        dataset = load_dataset(path)
        images = dataset.image_by_id()
        for ann in sorted(dataset.annotations, key=lambda a: a.id):
            if ann.image_id not in images:
                raise FormatError(f"{path}: annotation {ann.id}: image_id {ann.image_id} is not in images")
        dataset.hand_category  # raises when the file has no hand category
        for img in dataset.images:  # names are joined to IN_DIR and OUT_DIR: inside both, or refused
            image_file(in_dir, img.file_name, where=f"{path}: image {img.id}")
        splits[path.name] = dataset
    return splits


def collect_images(splits: dict[str, EhoiDataset]) -> dict[str, SourceImage]:
    """file_name → SourceImage over all splits; hands deduplicated by annotation id."""
    out: dict[str, SourceImage] = {}
    for name, dataset in splits.items():
        by_image = dataset.annotations_by_image()
        for img in dataset.images:
            source = out.setdefault(img.file_name, SourceImage(img, name))
            known = {h.ann_id for h in source.all_hands}
            for ann in sorted(by_image.get(img.id, []), key=lambda a: a.id):
                if not dataset.is_hand(ann) or ann.id in known:
                    continue
                box = HandBox(int(ann.id), tuple(float(v) for v in ann.bbox), int(ann.hand_side if ann.hand_side is not None else -1), ann.segmentation)
                source.all_hands.append(box)
                source.hand_keypoint_counts[box.ann_id] = ann.count_keypoints()
                if ann.gloves != 1:
                    source.hands.append(box)
    return dict(sorted(out.items()))


def check_image_file(in_dir: Path, source: SourceImage) -> None:
    """Open and fully decode the file; its size must match the JSON."""
    img = source.image
    where = f"{in_dir / 'annotations' / source.split_file}: image {img.id}"
    path = image_file(in_dir, img.file_name, where=where)
    if not path.is_file():
        raise FormatError(f"{where}: file not found: images/{img.file_name}")
    try:
        with PILImage.open(path) as handle:
            handle.load()
            size = handle.size
    except Exception:  # Pillow raises many kinds for broken files
        raise FormatError(f"{where}: cannot decode image") from None
    if size != (img.width, img.height):
        raise FormatError(f"{where}: file is {size[0]}×{size[1]}, JSON says {img.width}×{img.height}")


def read_rgb(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """RGB uint8 pixels and the alpha channel if the file has one (kept on write)."""
    with PILImage.open(path) as handle:
        alpha = np.asarray(handle.getchannel("A")) if handle.mode in ("RGBA", "LA") else None
        rgb = np.asarray(handle.convert("RGB"))
    return rgb, alpha
