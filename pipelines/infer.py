"""`glovego infer`: our model (a run folder or an exported ONNX file) on images, folders, videos or an
EHOI-COCO file's images → `predictions.json` (ehoi-metrics.md §2.2, original-resolution pixels),
pictures / videos, and `infer.json` (what `viz --predictions` needs to draw them again)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glovego_data.drawing import draw_ehoi
from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress
from glovego_pipelines.media import VideoOut, frame_index, images_dir_of, media_jobs, save_picture
from glovego_pipelines.predict import check_categories, load_predictor, predict_records, predictor_hand_id

INFER_INFO = "infer.json"


@dataclass
class InferReport:
    out: Path
    images: int
    videos: int
    frames: int
    records: int


def run_infer(
    inputs: list[Path], out: Path, weights: Path, *, threshold: float = 0.5, device: str | None = None,
    batch_size: int = 8, masks: bool = False, overwrite: bool = False, stride: int = 1, runtime: str | None = None,
    progress: Progress = no_progress,
) -> InferReport:
    if not inputs:
        raise GlovegoError("give at least one image, folder, video or EHOI-COCO JSON")
    plan = OutputPlan("infer", [*inputs, weights, *(images_dir_of(p) for p in inputs if p.suffix.lower() == ".json")],
                      overwrite=overwrite)
    plan.folder("--out", out).check()
    if stride < 1:
        raise GlovegoError(f"--stride must be ≥ 1, got {stride}")
    predictor = load_predictor(weights, device, runtime)
    hand_id = predictor_hand_id(predictor, weights)
    names = dict(enumerate(predictor.category_names))
    with plan.staging("--out") as staging:
        jobs = media_jobs(inputs, staging, stride=stride,
                          check_dataset=lambda dataset, path: check_categories(predictor, dataset, path, weights))
        images = [job for job in jobs if job.video is None]
        videos = [job for job in jobs if job.video is not None]
        pictures = {job.image_id: job.picture for job in images}
        records: list[dict[str, Any]] = []
        n_frames = len(images)
        advance = progress("inferring", sum(job.count for job in jobs))

        def save_pictures(done: list[tuple[Any, np.ndarray, list[dict[str, Any]]]]) -> None:
            for image_id, pixels, recs in done:
                save_picture(draw_ehoi(pixels, recs, names, hand_id, threshold=threshold), pictures[image_id])
            advance(len(done))

        if images:  # one stream, so batches span images
            frames = (frame for job in images for frame in job.frames())
            records.extend(predict_records(predictor, frames, hand_id, batch_size, on_batch=save_pictures,
                                           masks=masks))
        for job in videos:
            writer = VideoOut(job.video, job.fps / stride)
            try:
                def write_frames(done: list[tuple[Any, np.ndarray, list[dict[str, Any]]]],
                                 writer: VideoOut = writer, fps: float = job.fps) -> None:
                    for frame_id, pixels, recs in done:
                        for record in recs:
                            record["timestamp"] = round(frame_index(frame_id) / fps, 6)
                        writer.write(draw_ehoi(pixels, recs, names, hand_id, threshold=threshold))
                    advance(len(done))

                records.extend(predict_records(predictor, job.frames(), hand_id, batch_size, on_batch=write_frames,
                                               masks=masks))
                n_frames += writer.frames
            finally:
                writer.close()
        (staging / "predictions.json").write_bytes(json.dumps(records, allow_nan=False).encode("utf-8"))
        (staging / INFER_INFO).write_text(json.dumps(infer_info(weights, names, hand_id, threshold, stride), indent=2))
    return InferReport(out=out, images=len(images), videos=len(videos), frames=n_frames, records=len(records))


def infer_info(weights: Path, names: dict[int, str], hand_id: int, threshold: float, stride: int) -> dict[str, Any]:
    """How the pictures were drawn: enough for `viz --predictions` to draw the same ones without the model."""
    from glovego_data import __version__

    return {"weights": str(weights), "categories": [names[i] for i in sorted(names)], "hand_category_id": hand_id,
            "threshold": threshold, "stride": stride, "glovego_version": __version__}
