"""Finding and reading the pictures the eval / infer / viz commands work on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from glovego_data.ehoi_coco import Image
from glovego_data.errors import GlovegoError
from glovego_data.paths import resolve_inside

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv", ".m4v", ".webm", ".mpg", ".mpeg")


def images_dir_of(json_path: Path) -> Path:
    """`<root>/annotations/x.json` → `<root>/images/` (ehoi-coco.md §2.1)."""
    return json_path.resolve().parent.parent / "images"


def read_rgb(path: Path) -> np.ndarray:
    """HxWx3 uint8 RGB; a missing or unreadable file is a GlovegoError naming it."""
    try:
        with PILImage.open(path) as picture:
            return np.asarray(picture.convert("RGB"))
    except FileNotFoundError:
        raise GlovegoError(f"{path}: image not found") from None
    except (UnidentifiedImageError, OSError) as error:
        raise GlovegoError(f"{path}: not a readable image ({error})") from None


def dataset_image(image: Image, images_dir: Path, json_path: Path) -> np.ndarray:
    path = resolve_inside(images_dir, image.file_name, what=f"{json_path}: image {image.id}: file_name", bare=True)
    if not path.is_file():
        raise GlovegoError(f"{json_path}: image {image.id}: {image.file_name} not found in {images_dir}")
    pixels = read_rgb(path)
    if pixels.shape[:2] != (image.height, image.width):
        raise GlovegoError(f"{json_path}: image {image.id}: {image.file_name} is {pixels.shape[1]}×{pixels.shape[0]}, "
                           f"the file says {image.width}×{image.height}")
    return pixels


@dataclass(frozen=True)
class MediaInput:
    """One image or video to run on; `image_id` is the id its predictions carry."""

    path: Path
    image_id: str
    kind: str  # "image" or "video"


def discover_media(inputs: list[Path]) -> list[MediaInput]:
    """Files and folders → images and videos (folders: recursively, sorted). Ids are the path
    relative to the given folder (or the bare name of a given file) and must be unique."""
    found: list[MediaInput] = []
    for given in inputs:
        if given.is_dir():
            files = sorted(p for p in given.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES + VIDEO_SUFFIXES)
            if not files:
                raise GlovegoError(f"{given}: no images or videos in this folder")
            found.extend(_media(p, p.relative_to(given).as_posix()) for p in files)
        elif given.is_file():
            if given.suffix.lower() not in IMAGE_SUFFIXES + VIDEO_SUFFIXES:
                raise GlovegoError(f"{given}: not an image or video ({', '.join(IMAGE_SUFFIXES + VIDEO_SUFFIXES)})")
            found.append(_media(given, given.name))
        else:
            raise GlovegoError(f"{given}: no such file or folder")
    seen: dict[str, Path] = {}
    for item in found:
        if item.image_id in seen:
            raise GlovegoError(f"{item.path}: same name '{item.image_id}' as {seen[item.image_id]}; "
                               "give their folders instead, or rename one")
        seen[item.image_id] = item.path
    return found


def _media(path: Path, image_id: str) -> MediaInput:
    return MediaInput(path=path, image_id=image_id, kind="video" if path.suffix.lower() in VIDEO_SUFFIXES else "image")
