"""`glovego infer`: our model on images, folders, videos or an EHOI-COCO file's images →
`predictions.json` (ehoi-metrics.md §2.2, original-resolution pixels) and pictures / videos."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
from PIL import Image as PILImage

from glovego_data.atomic import staging_dir
from glovego_data.drawing import draw_ehoi
from glovego_data.ehoi_coco import load_dataset
from glovego_data.errors import GlovegoError
from glovego_data.paths import check_output, resolve_inside
from glovego_data.progress import Progress, no_progress
from glovego_pipelines.media import dataset_image, discover_media, images_dir_of, read_rgb
from glovego_pipelines.predict import check_categories, load_predictor, predict_records, predictor_hand_id

JPEG_QUALITY = 92
VIDEO_FOURCC = "mp4v"


@dataclass
class InferReport:
    out: Path
    images: int
    videos: int
    frames: int
    records: int


@dataclass
class _Job:
    """What to run on, as frames with their ids, and where its picture(s) go."""

    image_id: Any  # the image's id; videos: the prefix of their frames' ids
    count: int
    frames: Callable[[], Iterator[tuple[Any, np.ndarray]]]
    picture: Path | None  # images: their picture
    video: Path | None  # videos: the annotated video
    source: Path


def run_infer(
    inputs: list[Path], out: Path, weights: Path, *, threshold: float = 0.5, device: str | None = None,
    batch_size: int = 8, masks: bool = False, overwrite: bool = False, progress: Progress = no_progress,
) -> InferReport:
    if not inputs:
        raise GlovegoError("give at least one image, folder, video or EHOI-COCO JSON")
    check_output(out, [*inputs, weights, *(images_dir_of(p) for p in inputs if p.suffix.lower() == ".json")])
    if out.exists() and not overwrite:
        raise GlovegoError(f"{out}: already exists (use --overwrite to replace it)")
    predictor = load_predictor(weights, device)
    hand_id = predictor_hand_id(predictor, weights)
    names = dict(enumerate(predictor.category_names))
    with staging_dir(out, replace=True) as staging:
        jobs = _jobs(inputs, staging, predictor, weights)
        images = [job for job in jobs if job.video is None]
        videos = [job for job in jobs if job.video is not None]
        pictures = {job.image_id: job.picture for job in images}
        records: list[dict[str, Any]] = []
        n_frames = len(images)
        advance = progress("inferring", sum(job.count for job in jobs))

        def save_pictures(done: list[tuple[Any, np.ndarray, list[dict[str, Any]]]]) -> None:
            for image_id, pixels, recs in done:
                _save_picture(draw_ehoi(pixels, recs, names, hand_id, threshold=threshold), pictures[image_id])
            advance(len(done))

        if images:  # one stream, so batches span images
            frames = (frame for job in images for frame in job.frames())
            records.extend(predict_records(predictor, frames, hand_id, batch_size, on_batch=save_pictures,
                                           masks=masks))
        for job in videos:
            writer = _VideoOut(job.video, job.source)
            try:
                def write_frames(done: list[tuple[Any, np.ndarray, list[dict[str, Any]]]],
                                 writer: _VideoOut = writer) -> None:
                    for _, pixels, recs in done:
                        writer.write(draw_ehoi(pixels, recs, names, hand_id, threshold=threshold))
                    advance(len(done))

                records.extend(predict_records(predictor, job.frames(), hand_id, batch_size, on_batch=write_frames,
                                               masks=masks))
                n_frames += writer.frames
            finally:
                writer.close()
        (staging / "predictions.json").write_bytes(json.dumps(records, allow_nan=False).encode("utf-8"))
    return InferReport(out=out, images=len(images), videos=len(videos), frames=n_frames, records=len(records))


def _save_picture(picture: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(picture).save(path, quality=JPEG_QUALITY)


def _jobs(inputs: list[Path], staging: Path, predictor: Any, weights: Path) -> list[_Job]:
    jobs: list[_Job] = []
    media_inputs = [p for p in inputs if not (p.is_file() and p.suffix.lower() == ".json")]
    for json_path in (p for p in inputs if p.is_file() and p.suffix.lower() == ".json"):
        dataset = load_dataset(json_path)
        check_categories(predictor, dataset, json_path, weights)
        images_dir = images_dir_of(json_path)
        for img in dataset.images:
            jobs.append(_Job(
                image_id=img.id, count=1, video=None,
                source=resolve_inside(images_dir, img.file_name, what=f"{json_path}: image {img.id}: file_name", bare=True),
                picture=staging / "pictures" / json_path.stem / f"{Path(img.file_name).stem}.jpg",
                frames=lambda img=img, d=images_dir, p=json_path: iter([(img.id, dataset_image(img, d, p))]),
            ))
    for item in discover_media(media_inputs) if media_inputs else []:
        stem = str(Path(item.image_id).with_suffix(""))
        if item.kind == "image":
            jobs.append(_Job(image_id=item.image_id, count=1, source=item.path, video=None,
                             picture=staging / "pictures" / f"{stem}.jpg",
                             frames=lambda item=item: iter([(item.image_id, read_rgb(item.path))])))
        else:
            jobs.append(_Job(image_id=item.image_id, count=_frame_count(item.path), source=item.path, picture=None,
                             video=staging / "videos" / f"{stem}.mp4",
                             frames=lambda item=item: _video_frames(item.path, item.image_id)))
    seen: dict[Any, Path] = {}
    for job in jobs:
        if job.image_id in seen:
            raise GlovegoError(f"{job.source}: image id {job.image_id!r} is also the id of {seen[job.image_id]}; "
                               "give each image once")
        seen[job.image_id] = job.source
    return jobs


def _frame_count(path: Path) -> int:
    from glovego_data._cv2 import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise GlovegoError(f"{path}: not a readable video")
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    capture.release()
    return max(count, 0)


def _video_frames(path: Path, video_id: str) -> Iterator[tuple[str, np.ndarray]]:
    """(`<video>#<frame>`, RGB) for every decodable frame, 0-based."""
    from glovego_data._cv2 import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        raise GlovegoError(f"{path}: not a readable video")
    try:
        index = 0
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            yield f"{video_id}#{index}", cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            index += 1
    finally:
        capture.release()


class _VideoOut:
    """The annotated frames as a video with the source's frame rate and size."""

    def __init__(self, path: Path, source: Path) -> None:
        from glovego_data._cv2 import cv2

        self._cv2 = cv2
        capture = cv2.VideoCapture(str(source))
        fps = capture.get(cv2.CAP_PROP_FPS) or 25.0
        capture.release()
        self.path, self.fps, self.frames = path, fps, 0
        self._writer: Any = None

    def write(self, picture: np.ndarray) -> None:
        cv2 = self._cv2
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            height, width = picture.shape[:2]
            self._writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*VIDEO_FOURCC), self.fps, (width, height))
            if not self._writer.isOpened():
                raise GlovegoError(f"{self.path}: OpenCV cannot write {VIDEO_FOURCC} video here")
        self._writer.write(cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
        self.frames += 1

    def close(self) -> None:
        if self._writer is not None:
            self._writer.release()
