"""`glovego export`: a run or model folder → one ONNX file (detector, EHOI heads, top-k), self-checked;
with `--int8`, that file quantised on the user's frames and measured against itself before writing."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress

MAX_CALIBRATION_FRAMES = 64  # evenly spread over the folder: MinMax ranges settle well before this
GUARDED_METRICS = ("AP Hand", "mAP Hand + ALL")


def run_export(
    weights: Path, out: Path, *, image_size: int | None = None, opset: int | None = None, dynamic_batch: bool = False,
    fp16: bool = False, overwrite: bool = False, int8: bool = False, calibrate: Path | None = None,
    gt: Path | None = None, force: bool = False, progress: Progress = no_progress,
):
    """Load `weights` (run folder: best/, else final/), export, check with onnxruntime, write `out`."""
    from glovego_model.export import DEFAULT_OPSET, check_export_options, export_detector
    from glovego_model.export.runtime import import_onnx, import_onnxruntime, import_onnxscript
    from glovego_model.inference import resolve_model_dir
    from glovego_model.modeling import load_model

    if out.suffix.lower() != ".onnx":
        raise GlovegoError(f"--out {out}: give a file name ending in .onnx")
    if int8 and fp16:
        raise GlovegoError("--int8 and --fp16: choose one")
    if int8 and calibrate is None:
        raise GlovegoError("--int8 needs --calibrate FRAMES_DIR (frames of the scene the model will watch)")
    if not int8 and (calibrate is not None or gt is not None or force):
        raise GlovegoError("--calibrate, --gt and --force go with --int8")
    plan = OutputPlan("export", [weights, calibrate, gt], overwrite=overwrite).file("--out", out).check()
    if not out.parent.is_dir():
        raise GlovegoError(f"{out.parent}: no such folder for --out")
    opset = DEFAULT_OPSET if opset is None else opset
    model_dir = resolve_model_dir(weights)
    if image_size is not None:
        check_export_options((image_size, image_size), opset)
    import_onnx()
    import_onnxruntime()
    import_onnxscript()
    model = load_model(str(model_dir))
    size = (image_size, image_size) if image_size is not None else tuple(
        int(v) for v in (getattr(model.config, "ehoi_image_size", None) or [640, 640]))
    if not int8:
        return export_detector(model, out, image_size=size, opset=opset, dynamic_batch=dynamic_batch, fp16=fp16,
                               source=str(model_dir), progress=progress,
                               write=lambda data: plan.write_file("--out", data))
    assert calibrate is not None
    pixels = calibration_pixels(calibrate, size)
    with tempfile.TemporaryDirectory(prefix="glovego-int8-") as tmp:
        fp32_path, int8_path = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
        report = export_detector(model, fp32_path, image_size=size, opset=opset, dynamic_batch=dynamic_batch,
                                 source=str(model_dir), progress=progress)
        quantization, data = quantize_and_measure(fp32_path, int8_path, pixels, calibrate, gt, force, progress)
        plan.write_file("--out", data)
    return dataclasses.replace(report, out=out, bytes=len(data), quantization=quantization)


def calibration_pixels(folder: Path, size: tuple[int, int]) -> np.ndarray:
    """Up to `MAX_CALIBRATION_FRAMES` images of `folder` (evenly spread), preprocessed as the model sees them."""
    from glovego_model.export.quantize import check_calibration_frames
    from glovego_model.inference.preprocess import preprocess_images
    from glovego_pipelines.media import discover_media, read_rgb

    if not folder.is_dir():
        raise GlovegoError(f"--calibrate {folder}: not a folder of frames")
    images = [item.path for item in discover_media([folder]) if item.kind == "image"]
    if not images:
        raise GlovegoError(f"--calibrate {folder}: no images in this folder (videos are not read for calibration)")
    if len(images) > MAX_CALIBRATION_FRAMES:
        images = [images[i] for i in np.linspace(0, len(images) - 1, MAX_CALIBRATION_FRAMES).round().astype(int)]
    pixels = preprocess_images([read_rgb(path) for path in images], (size[1], size[0]))
    check_calibration_frames(pixels, str(folder))
    return pixels


def quantize_and_measure(fp32_path: Path, int8_path: Path, pixels: np.ndarray, calibrate: Path, gt: Path | None,
                         force: bool, progress: Progress) -> tuple[dict[str, Any], bytes]:
    """Quantise, measure int8 against fp32 (calibration frames; with `gt`, its images and EHOI metrics),
    stop beyond the tolerance unless `force`, and return the metadata record with the file's bytes."""
    import onnx

    from glovego_model.export.exporter import run_session
    from glovego_model.export.quantize import MAX_METRIC_DROP, agreement, quantize_int8, scheme
    from glovego_model.export.runtime import open_session

    advance = progress("quantising to int8", 2)
    quantize_int8(fp32_path, int8_path, pixels)
    advance(1)
    sessions = [open_session(str(path), "cpu", threads=_threads()) for path in (fp32_path, int8_path)]
    hand_label = len(json.loads(sessions[0].get_modelmeta().custom_metadata_map["categories"])) - 1
    outputs = [_run_each(session, pixels, run_session) for session in sessions]
    on_frames = agreement(outputs[0], outputs[1], hand_label)
    record: dict[str, Any] = {**scheme(), "calibration": {"folder": calibrate.name, "frames": int(len(pixels))},
                              "agreement_calibration": on_frames.as_dict()}
    problems = [f"on the calibration frames: {text}" for text in on_frames.failures()]
    if gt is not None:
        held_out, metrics = _measure_on_gt(fp32_path, int8_path, gt, hand_label)
        record["agreement_gt"] = held_out.as_dict()
        record["metrics"] = metrics
        problems += [f"on {gt.name}'s images: {text}" for text in held_out.failures()]
        problems += [f"{name} drops {drop:.2f} points (allowed {MAX_METRIC_DROP})"
                     for name, drop in metrics["drop"].items() if drop > MAX_METRIC_DROP]
    advance(1)
    if problems and not force:
        raise GlovegoError(f"int8 model beyond tolerance ({'; '.join(problems)}); nothing written "
                           "(calibrate on more varied frames of the scene, or --force to write it anyway)")
    record["forced"] = bool(problems)
    proto = onnx.load(str(int8_path))
    props = {prop.key: prop.value for prop in proto.metadata_props}
    props["quantization"] = json.dumps(record)
    del proto.metadata_props[:]
    for key, value in props.items():
        proto.metadata_props.add(key=key, value=value)
    return record, proto.SerializeToString()


def _measure_on_gt(fp32_path: Path, int8_path: Path, gt_path: Path, hand_label: int) -> tuple[Any, dict[str, Any]]:
    """Agreement on the ground truth's images (frames the ranges were not taken from) and both EHOI metrics."""
    from glovego_data.ehoi_coco import load_dataset
    from glovego_model.evaluation.evaluator import evaluate
    from glovego_model.export.quantize import agreement, metric_drop
    from glovego_model.inference.onnx_predictor import OnnxEhoiPredictor
    from glovego_model.inference.preprocess import preprocess_images
    from glovego_pipelines.media import dataset_image, images_dir_of
    from glovego_pipelines.predict import check_categories, predict_records

    gt = load_dataset(gt_path)
    images = [(image.id, dataset_image(image, images_dir_of(gt_path), gt_path)) for image in gt.images]
    predictors = [OnnxEhoiPredictor(path, device="cpu", threads=_threads()) for path in (fp32_path, int8_path)]
    check_categories(predictors[0], gt, gt_path, gt_path)
    pixels = preprocess_images([rgb for _, rgb in images], predictors[0].image_size)
    outputs = [predictor.run(pixels) for predictor in predictors]
    metrics = [evaluate(gt, predict_records(p, iter(images), gt.hand_category_id, 8), coco=False)["ehoi"]
               for p in predictors]
    return agreement(outputs[0], outputs[1], hand_label), {
        "fp32": {name: round(float(metrics[0].get(name) or 0.0), 2) for name in GUARDED_METRICS},
        "int8": {name: round(float(metrics[1].get(name) or 0.0), 2) for name in GUARDED_METRICS},
        "drop": metric_drop(metrics[0], metrics[1], GUARDED_METRICS)}


def _run_each(session: Any, pixels: np.ndarray, run: Any) -> dict[str, np.ndarray]:
    """One frame at a time (a file may have a fixed batch of 1), outputs stacked."""
    parts = [run(session, pixels[i : i + 1]) for i in range(len(pixels))]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _threads() -> int:
    import torch

    return torch.get_num_threads()
