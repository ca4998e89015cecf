"""Finding and reading the pictures and videos the eval / infer / viz commands work on, and where
their drawn pictures go (one plan for `infer` and `viz --predictions`, so both write the same files)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from glovego_data.ehoi_coco import EhoiDataset, Image, load_dataset
from glovego_data.errors import GlovegoError
from glovego_data.paths import resolve_inside

JPEG_QUALITY = 92
VIDEO_FOURCC = "mp4v"
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


@dataclass
class MediaJob:
    """What to run on, as frames with their ids, and where its picture(s) go."""

    image_id: Any  # the image's id; videos: the prefix of their frames' ids
    count: int  # frames it yields
    frames: Callable[[], Iterator[tuple[Any, np.ndarray]]]
    picture: Path | None  # images: their picture
    video: Path | None  # videos: the annotated video
    source: Path
    fps: float = 0.0  # videos: the source's frame rate (frame timestamps are index ÷ fps)


def media_jobs(inputs: list[Path], out: Path, *, stride: int = 1,
               check_dataset: Callable[[EhoiDataset, Path], None] | None = None) -> list[MediaJob]:
    """Images, folders, videos and EHOI-COCO JSONs → jobs drawing into `out/pictures/` and `out/videos/`;
    videos yield every `stride`-th frame. Each JSON is passed to `check_dataset` before anything runs."""
    if stride < 1:
        raise GlovegoError(f"--stride must be ≥ 1, got {stride}")
    jobs: list[MediaJob] = []
    media_inputs = [p for p in inputs if not (p.is_file() and p.suffix.lower() == ".json")]
    for json_path in (p for p in inputs if p.is_file() and p.suffix.lower() == ".json"):
        dataset = load_dataset(json_path)
        if check_dataset is not None:
            check_dataset(dataset, json_path)
        images_dir = images_dir_of(json_path)
        for img in dataset.images:
            jobs.append(MediaJob(
                image_id=img.id, count=1, video=None,
                source=resolve_inside(images_dir, img.file_name, what=f"{json_path}: image {img.id}: file_name", bare=True),
                picture=out / "pictures" / json_path.stem / f"{Path(img.file_name).stem}.jpg",
                frames=lambda img=img, d=images_dir, p=json_path: iter([(img.id, dataset_image(img, d, p))]),
            ))
    for item in discover_media(media_inputs) if media_inputs else []:
        stem = str(Path(item.image_id).with_suffix(""))
        if item.kind == "image":
            jobs.append(MediaJob(image_id=item.image_id, count=1, source=item.path, video=None,
                                 picture=out / "pictures" / f"{stem}.jpg",
                                 frames=lambda item=item: iter([(item.image_id, read_rgb(item.path))])))
        else:
            count, fps = video_info(item.path)
            jobs.append(MediaJob(image_id=item.image_id, count=-(-count // stride), source=item.path, picture=None,
                                 video=out / "videos" / f"{stem}.mp4", fps=fps,
                                 frames=lambda item=item: video_frames(item.path, item.image_id, stride)))
    seen: dict[Any, Path] = {}
    for job in jobs:
        if job.image_id in seen:
            raise GlovegoError(f"{job.source}: image id {job.image_id!r} is also the id of {seen[job.image_id]}; "
                               "give each image once")
        seen[job.image_id] = job.source
    return jobs


def video_info(path: Path) -> tuple[int, float]:
    """(frame count, frames per second; 25 when the container does not say)."""
    from glovego_data._cv2 import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise GlovegoError(f"{path}: not a readable video")
    count, fps = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)), float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
    capture.release()
    return max(count, 0), fps if fps > 0 else 25.0


def frame_index(frame_id: str) -> int:
    """`clip.mp4#12` → 12."""
    return int(str(frame_id).rsplit("#", 1)[1])


def video_frames(path: Path, video_id: str, stride: int = 1) -> Iterator[tuple[str, np.ndarray]]:
    """(`<video>#<frame>`, RGB) for every `stride`-th decodable frame, 0-based (the skipped ones are
    only grabbed, not decoded)."""
    from glovego_data._cv2 import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise GlovegoError(f"{path}: not a readable video")
    try:
        index = 0
        while True:
            if index % stride:
                if not capture.grab():
                    break
                index += 1
                continue
            ok, frame = capture.read()
            if not ok:
                break
            yield f"{video_id}#{index}", cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()


def save_picture(picture: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(picture).save(path, quality=JPEG_QUALITY)


class VideoOut:
    """Annotated frames as an mp4 (or `fourcc`'s codec) of the pictures' size (the source's, plus the
    key strip) at `fps` (the source's ÷ the stride)."""

    def __init__(self, path: Path, fps: float, fourcc: str = VIDEO_FOURCC) -> None:
        from glovego_data._cv2 import cv2

        self._cv2 = cv2
        self.path, self.fps, self.frames, self.fourcc = path, fps, 0, fourcc
        self._writer: Any = None

    def write(self, picture: np.ndarray) -> None:
        cv2 = self._cv2
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            height, width = picture.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*self.fourcc), self.fps, (width, height))
            if not self._writer.isOpened():
                raise GlovegoError(f"{self.path}: OpenCV cannot write {self.fourcc} video here")
        self._writer.write(cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
