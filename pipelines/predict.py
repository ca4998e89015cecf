"""Running a saved detector over pictures and turning its output into predictions-file records."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from glovego_data.ehoi_coco import EhoiDataset, find_hand_category
from glovego_data.errors import GlovegoError


def load_predictor(weights: Path, device: str | None, runtime: str | None = None) -> Any:
    """A `.onnx` file from `glovego export` (onnxruntime, or OpenVINO with `runtime="openvino"`), else
    `EhoiPredictor.from_pretrained` on a model folder or a run folder (its best/ or final/); both give
    `predict(images) → ImageDetections`."""
    if weights.suffix.lower() == ".onnx":
        from glovego_model.inference.onnx_predictor import OnnxEhoiPredictor

        return OnnxEhoiPredictor.from_file(weights, device=device, runtime=runtime or "onnxruntime")
    if runtime not in (None, "pytorch"):
        raise GlovegoError(f"--runtime {runtime}: runs a `glovego export` .onnx file, and {weights} is not one")
    from glovego_model.inference import EhoiPredictor

    return EhoiPredictor.from_pretrained(weights, device=device)


def predictor_hand_id(predictor: Any, weights: Path) -> int:
    names = list(predictor.category_names)
    for wanted in ("hand", "mano"):
        if wanted in [n.strip().lower() for n in names]:
            return [n.strip().lower() for n in names].index(wanted)
    raise GlovegoError(f"{weights}: the model has no 'hand' class (classes: {', '.join(names)})")


def check_categories(predictor: Any, dataset: EhoiDataset, gt_path: Path, weights: Path) -> None:
    """Model class i must be the dataset's category i (same names, same order)."""
    model_names = list(predictor.category_names)
    gt_names = [c.name for c in sorted(dataset.categories, key=lambda c: c.id)]
    if model_names != gt_names or [c.id for c in sorted(dataset.categories, key=lambda c: c.id)] != list(range(len(gt_names))):
        raise GlovegoError(f"{gt_path}: categories {gt_names} differ from the model's {model_names} ({weights})")
    if find_hand_category(dataset.categories) is None:
        raise GlovegoError(f"{gt_path}: no category named 'hand'")


def predict_records(
    predictor: Any, frames: Iterable[tuple[Any, np.ndarray]], hand_id: int, batch_size: int,
    on_batch: Callable[[list[tuple[Any, np.ndarray, list[dict[str, Any]]]]], None] | None = None,
    masks: bool = False,
) -> list[dict[str, Any]]:
    """Records (§2.2) for every (image_id, RGB) frame, batch by batch; `on_batch` sees each batch's
    frames with their records (to draw pictures while the frames are still in memory). `masks`
    adds each detection's mask as RLE `segmentation` (full-resolution masks: memory grows with
    the image size)."""
    from glovego_model.association import detections_to_records

    records: list[dict[str, Any]] = []
    for batch in _batches(frames, batch_size):
        ids = [image_id for image_id, _ in batch]
        detections = predictor.predict([pixels for _, pixels in batch], ids, batch_size=batch_size, with_masks=masks)
        done = []
        for (image_id, pixels), dets in zip(batch, detections):
            recs = detections_to_records(dets, hand_id)
            records.extend(recs)
            done.append((image_id, pixels, recs))
        if on_batch is not None:
            on_batch(done)
    return records


def _batches(frames: Iterable[tuple[Any, np.ndarray]], size: int) -> Iterator[list[tuple[Any, np.ndarray]]]:
    batch: list[tuple[Any, np.ndarray]] = []
    for frame in frames:
        batch.append(frame)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
