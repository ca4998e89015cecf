"""`glovego label export` / `label import`: frames → Label Studio tasks with pre-annotations, and
Label Studio's export → an EHOI-COCO v1 root (docs/label.md).

Both decide every output path first, check the inputs whole (all problems at once, nothing
written on any), build the output in `OUT.tmp/` and rename it; only then is the server touched.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from PIL import Image as PILImage

from glovego_data.atomic import atomic_write_text, link_or_copy
from glovego_data.ehoi_coco import EhoiDataset, Image, load_dataset, read_json, save_dataset
from glovego_data.ehoi_coco.constants import REFERENCE_CATEGORIES
from glovego_data.errors import GlovegoError
from glovego_data.label_studio import config as cfg
from glovego_data.label_studio.parse import read_export
from glovego_data.label_studio.select import frame_certainty, least_certain
from glovego_data.label_studio.tasks import build_task, dataset_regions, local_files_url, prediction_regions
from glovego_data.outputs import OutputPlan
from glovego_data.paths import resolve_inside
from glovego_data.progress import Progress, no_progress
from glovego_pipelines.media import discover_media, images_dir_of, read_rgb, save_picture, video_frames

CONFIG_FILE, TASKS_FILE, IMAGES_DIR = "label_config.xml", "tasks.json", "images"
SELECT_CHOICES = ("uncertain",)


@dataclass
class Frame:
    """One image to label: its record, the id its predictions carry, where its pixels come from."""

    key: Any
    image: Image
    path: Path | None = None  # an image file (linked into the output)
    video: Path | None = None  # or a video frame, decoded and written as JPEG
    dataset: EhoiDataset | None = None  # the EHOI-COCO file it came from
    index: int = 0  # a video frame's index


@dataclass
class ExportReport:
    out: Path
    tasks: int
    pre_annotated: int
    unmatched_records: int = 0
    project_id: int | None = None
    added_to_server: int = 0


def _image_size(path: Path) -> tuple[int, int]:
    try:
        with PILImage.open(path) as picture:
            return picture.size
    except FileNotFoundError:
        raise GlovegoError(f"{path}: image not found") from None
    except OSError as error:
        raise GlovegoError(f"{path}: not a readable image ({error})") from None


def plan_frames(sources: list[Path], stride: int) -> list[Frame]:
    """EHOI-COCO files keep their image ids; images and video frames (`<video>_<frame>.jpg`,
    every `stride`-th) are numbered after them, in source order."""
    if stride < 1:
        raise GlovegoError(f"--stride must be ≥ 1, got {stride}")
    frames: list[Frame] = []
    jsons = [p for p in sources if p.is_file() and p.suffix.lower() == ".json"]
    for json_path in jsons:
        dataset = load_dataset(json_path)
        images_dir = images_dir_of(json_path)
        for img in dataset.images:
            path = resolve_inside(images_dir, img.file_name, what=f"{json_path}: image {img.id}: file_name", bare=True)
            frames.append(Frame(key=img.id, image=replace(img), path=path, dataset=dataset))
    next_id = max((f.image.id for f in frames if isinstance(f.image.id, int)), default=0) + 1
    media = [p for p in sources if p not in jsons]
    for item in discover_media(media) if media else []:
        stem = str(Path(item.image_id).with_suffix("")).replace("/", "_")
        if item.kind == "image":
            width, height = _image_size(item.path)
            name = stem + item.path.suffix.lower()
            frames.append(Frame(key=item.image_id, image=Image(id=next_id, file_name=name, width=width, height=height,
                                                               source="real"), path=item.path))
            next_id += 1
            continue
        for frame_id, pixels in video_frames(item.path, item.image_id, stride):
            index = frame_id.rsplit("#", 1)[1]
            frames.append(Frame(key=frame_id, video=item.path, index=int(index), image=Image(
                id=next_id, file_name=f"{stem}_{index}.jpg", width=pixels.shape[1], height=pixels.shape[0],
                video=stem, source="real")))
            next_id += 1
    names: dict[str, Any] = {}
    for frame in frames:
        if frame.image.file_name in names:
            raise GlovegoError(f"{frame.path or frame.video}: its image name {frame.image.file_name} is also "
                               f"{names[frame.image.file_name]}'s; rename one")
        names[frame.image.file_name] = frame.key
    if any(isinstance(f.image.id, int) for f in frames) and len({f.image.id for f in frames}) != len(frames):
        raise GlovegoError("the EHOI-COCO sources share image ids; export them one at a time")
    return frames


def category_names(frames: list[Frame], predictions: Path | None, model_names: list[str] | None) -> list[str]:
    """The classes: the model's, else the EHOI-COCO source's, else `infer.json` beside the
    predictions, else the reference 20."""
    if model_names is not None:
        return list(model_names)
    datasets = {id(f.dataset): f.dataset for f in frames if f.dataset is not None}
    lists = {tuple(c.name for c in sorted(d.categories, key=lambda c: c.id)) for d in datasets.values()}
    if len(lists) > 1:
        raise GlovegoError(f"the EHOI-COCO sources have different classes: {sorted(lists)}")
    if lists:
        return list(lists.pop())
    info = predictions.parent / "infer.json" if predictions is not None else None
    if info is not None and info.is_file():
        names = read_json(info).get("categories")
        if isinstance(names, list) and all(isinstance(n, str) for n in names):
            return names
    return list(REFERENCE_CATEGORIES)


def read_predictions(path: Path, names: list[str]) -> dict[Any, list[dict[str, Any]]]:
    """Records grouped by image id, checked enough to build regions from (§2.2 keys)."""
    records = read_json(path)
    if not isinstance(records, list):
        raise GlovegoError(f"{path}: a predictions file is a JSON list of records")
    grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for i, record in enumerate(records):
        if not isinstance(record, dict) or not {"image_id", "category_id", "bbox", "score"} <= set(record):
            raise GlovegoError(f"{path}: record {i}: needs image_id, category_id, bbox and score")
        if not isinstance(record["category_id"], int) or not 0 <= record["category_id"] < len(names):
            raise GlovegoError(f"{path}: record {i}: category_id {record['category_id']} is not one of the "
                               f"{len(names)} classes")
        grouped[record["image_id"]].append(record)
    return grouped


def run_label_export(
    sources: list[Path], out: Path, *, weights: Path | None = None, predictions: Path | None = None,
    threshold: float = 0.5, stride: int = 1, select: str | None = None, n: int | None = None,
    pre_annotations: bool = True, url: str | None = None, token: str | None = None, project: str | None = None,
    document_root: Path | None = None, device: str | None = None, batch_size: int = 8, overwrite: bool = False,
    progress: Progress = no_progress,
) -> ExportReport:
    if weights is not None and predictions is not None:
        raise GlovegoError("give --weights or --predictions, not both")
    if select is not None and (select not in SELECT_CHOICES or n is None or n < 1):
        raise GlovegoError(f"--select {select}: use --select uncertain with --n K (K ≥ 1)")
    if select is not None and weights is None and predictions is None:
        raise GlovegoError("--select uncertain ranks predictions: give --weights or --predictions")
    if not sources:
        raise GlovegoError("give at least one image, folder, video or EHOI-COCO file")
    out = Path(out)
    root = Path(document_root) if document_root is not None else out
    if not out.resolve().is_relative_to(root.resolve()):
        raise GlovegoError(f"--document-root {root}: must hold --out {out} (Label Studio serves files below it)")
    plan = OutputPlan("label export", [*sources, weights, predictions], overwrite=overwrite).folder("--out", out).check()
    server = None
    if url is not None:
        from glovego_pipelines.label_server import connect

        if not token:
            raise GlovegoError("--url needs --token (or LABEL_STUDIO_API_KEY)")
        server = connect(url, token)
    frames = plan_frames(sources, stride)
    predictor = None
    if weights is not None:
        from glovego_pipelines.predict import load_predictor

        predictor = load_predictor(weights, device)
    names = category_names(frames, predictions, list(predictor.category_names) if predictor is not None else None)
    key = cfg.labels_key(names)
    xml = cfg.build_config(names)
    records_of = read_predictions(predictions, names) if predictions is not None else {}
    unmatched = len(set(records_of) - {f.key for f in frames})
    final_images = out / IMAGES_DIR
    with plan.staging("--out") as staging:
        (staging / IMAGES_DIR).mkdir()
        bar = progress("images", len(frames))
        video_cache: dict[Path, Any] = {}
        for frame in frames:
            target = staging / IMAGES_DIR / frame.image.file_name
            if frame.path is not None:
                if not frame.path.is_file():
                    raise GlovegoError(f"{frame.path}: image not found")
                link_or_copy(frame.path, target)
            else:
                _write_video_frame(frame, target, stride, video_cache)
            bar(1)
        if predictor is not None:
            records_of = _predict(predictor, weights, frames, staging / IMAGES_DIR, batch_size, progress)
        chosen = frames
        if select is not None:
            keys = least_certain([f.key for f in frames], records_of, n)
            keep = set(keys)
            chosen = [f for f in frames if f.key in keep]
            for frame in frames:
                if frame.key not in keep:
                    (staging / IMAGES_DIR / frame.image.file_name).unlink()
        source_name = (weights or predictions).name if (weights or predictions) is not None else None
        by_name = dict(enumerate(names))
        tasks = []
        pre = 0
        for frame in chosen:
            url_path = local_files_url(os.path.relpath(final_images / frame.image.file_name, root).replace(os.sep, "/"))
            regions, kept = dataset_regions(frame.dataset, frame.image) if frame.dataset is not None else (None, {})
            score = None
            if source_name is not None:  # the model's regions replace the file's labels: nothing of them is kept
                kept = {}
                frame_records = records_of.get(frame.key, [])
                regions = prediction_regions(frame_records, by_name, threshold)
                score = frame_certainty(frame_records)
                version = f"glovego {source_name}"
            else:
                version = "ehoi-coco labels"
            if not pre_annotations:
                regions = None
            pre += regions is not None
            tasks.append(build_task(frame.image, url_path, key, kept, regions, version, score))
        atomic_write_text(staging / CONFIG_FILE, xml)
        atomic_write_text(staging / TASKS_FILE, json.dumps(tasks, separators=(",", ":"), ensure_ascii=False))
    report = ExportReport(out=out, tasks=len(tasks), pre_annotated=pre, unmatched_records=unmatched)
    if server is not None:
        from glovego_pipelines.label_server import push_project

        bar = progress("sending tasks", len(tasks))
        report.project_id, report.added_to_server = push_project(
            server, project or f"GlovEgo {out.resolve().name}", xml, final_images.resolve(), tasks, bar)
    return report


def _write_video_frame(frame: Frame, target: Path, stride: int, cache: dict[Path, Any]) -> None:
    """Frames of one video come in order; one decoder per video walks them once."""
    assert frame.video is not None
    if frame.video not in cache:
        cache[frame.video] = video_frames(frame.video, "v", stride)
    for frame_id, pixels in cache[frame.video]:
        if int(frame_id.rsplit("#", 1)[1]) == frame.index:
            save_picture(pixels, target)
            return
    raise GlovegoError(f"{frame.video}: frame {frame.key} could not be decoded again")


def _predict(predictor: Any, weights: Path, frames: list[Frame], images: Path, batch_size: int,
             progress: Progress) -> dict[Any, list[dict[str, Any]]]:
    from glovego_pipelines.predict import predictor_hand_id, predict_records

    hand_id = predictor_hand_id(predictor, weights)
    bar = progress("pre-annotating", len(frames))
    grouped: dict[Any, list[dict[str, Any]]] = {f.key: [] for f in frames}

    def on_batch(done: list) -> None:
        bar(len(done))

    pairs = ((f.key, read_rgb(images / f.image.file_name)) for f in frames)
    for record in predict_records(predictor, pairs, hand_id, batch_size, on_batch=on_batch):
        grouped[record["image_id"]].append(record)
    return grouped


@dataclass
class ImportReport:
    out: Path
    images: int
    annotations: int
    hands: int
    unlabelled: list[Any] = field(default_factory=list)


def run_label_import(
    export: Path | None, images: Path, out: Path, *, config: Path | None = None, url: str | None = None,
    token: str | None = None, project: str | None = None, allow_incomplete: bool = False, overwrite: bool = False,
    progress: Progress = no_progress,
) -> ImportReport:
    out = Path(out)
    plan = OutputPlan("label import", [export, images, config], overwrite=overwrite).folder("--out", out).check()
    project_id = None
    if url is not None:
        from glovego_pipelines.label_server import connect, fetch_export

        if export is not None:
            raise GlovegoError("give an EXPORT.json or --url, not both")
        if not token or not project:
            raise GlovegoError("--url needs --token (or LABEL_STUDIO_API_KEY) and --project")
        project_id, xml, tasks = fetch_export(connect(url, token), project)
        where = f"{url} project {project_id}"
    else:
        if export is None:
            raise GlovegoError("give Label Studio's JSON export, or --url with --project")
        tasks = read_json(export)
        config = config if config is not None else export.parent / CONFIG_FILE
        if not config.is_file():
            raise GlovegoError(f"{config}: no labelling config; give --config (the label_config.xml of `label export`)")
        xml = config.read_text(encoding="utf-8")
        where = str(config)
    names = cfg.categories_of_config(xml, where)
    result = read_export(tasks, names, cfg.labels_key(names), allow_incomplete=allow_incomplete,
                         project=project_id, source=str(export or where))
    problems = list(result.problems)
    sources: dict[Any, Path] = {}
    if not images.is_dir():
        problems.append(f"--images {images}: not a folder")
    else:
        for image in result.dataset.images:
            tid = result.task_of.get(image.id)
            try:
                path = resolve_inside(images, image.file_name, what=f"task {tid}: image {image.id}", bare=True)
            except GlovegoError as error:
                problems.append(str(error))
                continue
            if not path.is_file():
                problems.append(f"task {tid}: image {path} is not there")
                continue
            size = _image_size(path)
            if size != (image.width, image.height):
                problems.append(f"task {tid}: image {path} is {size[0]}×{size[1]}, the task says "
                                f"{image.width}×{image.height}")
                continue
            sources[image.id] = path
    if problems:
        raise GlovegoError("\n".join(problems))
    dataset = result.dataset
    with plan.staging("--out") as staging:
        (staging / "images").mkdir()
        (staging / "annotations").mkdir()
        bar = progress("images", len(sources))
        for image in dataset.images:
            link_or_copy(sources[image.id], staging / "images" / image.file_name)
            bar(1)
        save_dataset(dataset, staging / "annotations" / "all.json")
    return ImportReport(out=out, images=len(dataset.images), annotations=len(dataset.annotations),
                        hands=sum(1 for _ in dataset.hands()), unlabelled=result.unlabelled)
