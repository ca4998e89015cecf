"""Small EHOI-COCO roots for the augmentation tests, written through the format library."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image as PILImage

from glovego_data.ehoi_coco import Annotation, Category, EhoiDataset, Image, make_info, save_dataset

SKIN = (224, 172, 138)


def categories() -> list[Category]:
    return [Category(0, "pliers", "pliers"), Category(1, "hand", "hand")]


def hand(ann_id: int, image_id: int, bbox: Sequence[float], *, gloves: int = 0, side: int = 1, segmentation=None) -> Annotation:
    ann = Annotation(
        id=ann_id, image_id=image_id, category_id=1, bbox=[float(v) for v in bbox], area=float(bbox[2] * bbox[3]),
        segmentation=segmentation, hand_side=side, contact_state=0, gloves=gloves,
    )
    ann.clear_active_object()
    return ann


def pliers(ann_id: int, image_id: int, bbox: Sequence[float]) -> Annotation:
    return Annotation(id=ann_id, image_id=image_id, category_id=0, bbox=[float(v) for v in bbox], area=float(bbox[2] * bbox[3]))


def drawn_scene(width: int, height: int, hands: Sequence[Sequence[int]], seed: int) -> np.ndarray:
    """A textured background with skin-coloured ellipses where the hands are."""
    rng = np.random.default_rng(seed)
    import cv2

    base = rng.integers(40, 200, size=(height // 8 + 1, width // 8 + 1, 3)).astype(np.uint8)
    img = cv2.resize(base, (width, height), interpolation=cv2.INTER_CUBIC)
    for x, y, w, h in hands:
        cv2.ellipse(img, (x + w // 2, y + h // 2), (w // 2 - 1, h // 2 - 1), 0, 0, 360, SKIN, -1)
    noise = rng.integers(-6, 7, size=img.shape)
    return np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)


def polygon_of_box(x: float, y: float, w: float, h: float) -> list[list[float]]:
    return [[x, y, x + w, y, x + w, y + h, x, y + h]]


def write_root(root: Path, images: list[tuple[str, np.ndarray, list[Annotation]]], split: str = "all", objects: bool = True) -> EhoiDataset:
    """Write images (PNG/JPEG by name) and one split file; image ids 1..N in the given order."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    imgs, anns = [], []
    next_id = 1000
    for image_id, (name, rgb, hands_) in enumerate(images, start=1):
        path = root / "images" / name
        PILImage.fromarray(rgb).save(path, quality=95) if name.endswith(".jpg") else PILImage.fromarray(rgb).save(path)
        imgs.append(Image(id=image_id, file_name=name, width=rgb.shape[1], height=rgb.shape[0], video=name.split("_")[0], source="real"))
        for ann in hands_:
            ann.image_id = image_id
            anns.append(ann)
        if objects:
            next_id += 1
            anns.append(pliers(next_id, image_id, [1, 1, 10, 10]))
    dataset = EhoiDataset(images=imgs, categories=categories(), annotations=anns, info=make_info(command="test", categories="custom"))
    save_dataset(dataset, root / "annotations" / f"{split}.json")
    return dataset


def fixture_root(root: Path, shared: Path) -> Path:
    """The two real hand photos as an EHOI-COCO root; hand boxes from the known hand positions."""
    (root / "images").mkdir(parents=True, exist_ok=True)
    tfjs = np.asarray(PILImage.open(shared / "hands" / "tfjs_hands.jpg").convert("RGB"))
    thumb = PILImage.open(shared / "hands" / "thumbs-up.png")
    shutil.copyfile(shared / "hands" / "tfjs_hands.jpg", root / "images" / "tfjs_hands.jpg")
    shutil.copyfile(shared / "hands" / "thumbs-up.png", root / "images" / "thumbs-up.png")
    imgs = [
        Image(id=1, file_name="tfjs_hands.jpg", width=tfjs.shape[1], height=tfjs.shape[0], video="tfjs", source="real"),
        Image(id=2, file_name="thumbs-up.png", width=thumb.width, height=thumb.height, video="thumb", source="real"),
    ]
    anns = [
        hand(1, 1, [20, 5, 330, 377], side=1),
        hand(2, 1, [375, 0, 300, 382], side=0),
        hand(3, 2, [760, 260, 600, 800], side=0),
    ]
    dataset = EhoiDataset(images=imgs, categories=categories(), annotations=anns, info=make_info(command="test"))
    save_dataset(dataset, root / "annotations" / "all.json")
    return root
