"""`glovego viz`: ground-truth annotations drawn on their images, to check a dataset by eye; or saved
predictions (`infer`'s predictions.json) drawn again on their images or video frames, no model needed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from glovego_data.drawing import annotation_records, draw_ehoi
from glovego_data.ehoi_coco import EhoiDataset, find_hand_category, load_dataset, read_json
from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress
from glovego_model.evaluation.predictions import check_drawable_records
from glovego_pipelines.media import VideoOut, dataset_image, images_dir_of, media_jobs, save_picture

JPEG_QUALITY = 92


@dataclass
class VizReport:
    out: Path
    pictures: dict[str, int] = field(default_factory=dict)  # annotation file → pictures written


def annotation_files(target: Path) -> list[Path]:
    """A JSON file; a dataset root's `annotations/*.json`; or every root of a package. `_hands`
    companions are skipped (their hands are in the main file)."""
    if target.is_file():
        if target.suffix.lower() != ".json":
            raise GlovegoError(f"{target}: not a JSON file, a dataset root or a package")
        return [target]
    if not target.is_dir():
        raise GlovegoError(f"{target}: no such file or folder")
    roots = [target] if (target / "annotations").is_dir() else sorted(
        p for p in target.iterdir() if p.is_dir() and (p / "annotations").is_dir())
    files = [f for root in roots for f in sorted((root / "annotations").glob("*.json")) if not f.stem.endswith("_hands")]
    if not files:
        raise GlovegoError(f"{target}: no annotations/*.json here (expected a JSON file, a dataset root or a package)")
    return files


def _refuse_unknown_images(path: Path, dataset: EhoiDataset) -> None:
    """An annotation of no image would never be drawn: refused as `validate` reports it."""
    images = dataset.image_by_id()
    for ann in dataset.annotations:
        if ann.image_id not in images:
            raise GlovegoError(f"{path}: annotation {ann.id}: image_id {ann.image_id!r} is not in images")


def pick_images(dataset: EhoiDataset, n: int) -> list:
    """`n` images evenly spread over the file's images in id order (all when n ≥ their number)."""
    images = sorted(dataset.images, key=lambda im: str(im.id) if isinstance(im.id, str) else f"{im.id:020d}")
    if n >= len(images):
        return images
    picks = np.unique(np.round(np.linspace(0, len(images) - 1, n)).astype(int))
    return [images[i] for i in picks]


def run_viz(target: Path, out: Path, n: int = 20, *, overwrite: bool = False,
            progress: Progress = no_progress) -> VizReport:
    if n < 1:
        raise GlovegoError(f"--n must be ≥ 1, got {n}")
    files = annotation_files(target)
    datasets = [(f, load_dataset(f)) for f in files]
    for path, dataset in datasets:  # every file is checked before any picture is drawn
        if find_hand_category(dataset.categories) is None:
            raise GlovegoError(f"{path}: no category named 'hand'")
        _refuse_unknown_images(path, dataset)
    plan = OutputPlan("viz", [target, *(images_dir_of(path) for path in files)], overwrite=overwrite)
    plan.folder("--out", out).check()
    report = VizReport(out=out)
    base = target if target.is_dir() else target.parent
    with plan.staging("--out") as staging:
        for path, dataset in datasets:
            names = {c.id: c.name for c in dataset.categories}
            hand_id = dataset.hand_category_id
            images_dir = images_dir_of(path)
            relative = path.relative_to(base) if path.is_relative_to(base) else Path(path.name)
            folder = staging / relative.parent.parent / path.stem if len(relative.parts) > 2 else staging / path.stem
            folder.mkdir(parents=True, exist_ok=True)
            chosen = pick_images(dataset, n)
            advance = progress(f"viz {path.name}", len(chosen))
            for image in chosen:
                pixels = dataset_image(image, images_dir, path)
                picture = draw_ehoi(pixels, annotation_records(dataset, image.id), names, hand_id)
                PILImage.fromarray(picture).save(folder / f"{Path(image.file_name).stem}.jpg", quality=JPEG_QUALITY)
                advance(1)
            report.pictures[str(path)] = len(chosen)
    return report


@dataclass
class PredictionsVizReport:
    out: Path
    pictures: int
    videos: int
    frames: int
    unmatched: int  # records whose image is not among the inputs


def run_viz_predictions(predictions: Path, inputs: list[Path], out: Path, *, threshold: float | None = None,
                        overwrite: bool = False, progress: Progress = no_progress) -> PredictionsVizReport:
    """Draw `predictions` as `infer` drew them (same drawing, threshold, stride, file layout), using
    the `infer.json` beside the file for class names, or an EHOI-COCO JSON among `inputs`."""
    if not inputs:
        raise GlovegoError("--images: give the images, folders, videos or EHOI-COCO JSON the predictions are for")
    info = predictions.parent / "infer.json"
    plan = OutputPlan("viz", [predictions, info if info.exists() else None, *inputs,
                              *(images_dir_of(p) for p in inputs if p.suffix.lower() == ".json")], overwrite=overwrite)
    plan.folder("--out", out).check()
    records = read_json(predictions)
    if not isinstance(records, list) or not all(isinstance(r, dict) and "image_id" in r for r in records):
        raise GlovegoError(f"{predictions}: not a predictions file (a JSON list of records with image_id)")
    drawing = _drawing_info(predictions, inputs)
    names, hand_id = drawing["names"], drawing["hand_category_id"]
    check_drawable_records(records, names, hand_id, str(predictions))
    threshold = drawing["threshold"] if threshold is None else threshold
    by_image: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        by_image[record["image_id"]].append(record)
    report = PredictionsVizReport(out=out, pictures=0, videos=0, frames=0, unmatched=0)
    with plan.staging("--out") as staging:
        jobs = media_jobs(inputs, staging, stride=drawing["stride"])
        drawn: set[Any] = set()
        advance = progress("drawing", sum(job.count for job in jobs))
        for job in jobs:
            writer = VideoOut(job.video, job.fps / drawing["stride"]) if job.video is not None else None
            try:
                for frame_id, pixels in job.frames():
                    picture = draw_ehoi(pixels, by_image.get(frame_id, []), names, hand_id, threshold=threshold)
                    drawn.add(frame_id)
                    if writer is None:
                        save_picture(picture, job.picture)
                        report.pictures += 1
                    else:
                        writer.write(picture)
                    advance(1)
            finally:
                if writer is not None:
                    writer.close()
                    report.videos += 1
                    report.frames += writer.frames
        report.unmatched = sum(len(recs) for image_id, recs in by_image.items() if image_id not in drawn)
        if records and report.unmatched == len(records):
            raise GlovegoError(f"{predictions}: none of its {len(records)} records is for an image of --images "
                               f"(first id: {records[0]['image_id']!r}); give the inputs `infer` was given")
    return report


def _drawing_info(predictions: Path, inputs: list[Path]) -> dict[str, Any]:
    """Class names, hand id, threshold and stride: from `infer.json`, else from a JSON input's categories."""
    info_path = predictions.parent / "infer.json"
    if info_path.is_file():
        info = read_json(info_path)
        try:
            return {"names": dict(enumerate(info["categories"])), "hand_category_id": int(info["hand_category_id"]),
                    "threshold": float(info["threshold"]), "stride": int(info["stride"])}
        except (KeyError, TypeError, ValueError) as error:
            raise GlovegoError(f"{info_path}: unreadable ({error!r} missing or wrong)") from None
    for path in inputs:
        if path.is_file() and path.suffix.lower() == ".json":
            dataset = load_dataset(path)
            hand = find_hand_category(dataset.categories)
            if hand is None:
                raise GlovegoError(f"{path}: no category named 'hand'")
            return {"names": {c.id: c.name for c in dataset.categories}, "hand_category_id": dataset.hand_category_id,
                    "threshold": 0.5, "stride": 1}
    raise GlovegoError(f"{predictions}: no infer.json beside it to name the classes; give the EHOI-COCO JSON "
                       "among --images, or keep predictions.json in its infer folder")
