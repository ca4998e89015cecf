"""`glovego export`: a run or model folder → one ONNX file (detector, EHOI heads, top-k), self-checked."""

from __future__ import annotations

from pathlib import Path

from glovego_data.errors import GlovegoError
from glovego_data.outputs import OutputPlan
from glovego_data.progress import Progress, no_progress


def run_export(
    weights: Path, out: Path, *, image_size: int | None = None, opset: int | None = None, dynamic_batch: bool = False,
    fp16: bool = False, overwrite: bool = False, progress: Progress = no_progress,
):
    """Load `weights` (run folder: best/, else final/), export, check with onnxruntime, write `out`."""
    from glovego_model.export import DEFAULT_OPSET, check_export_options, export_detector
    from glovego_model.export.runtime import import_onnx, import_onnxruntime
    from glovego_model.inference import resolve_model_dir
    from glovego_model.modeling import load_model

    if out.suffix.lower() != ".onnx":
        raise GlovegoError(f"--out {out}: give a file name ending in .onnx")
    plan = OutputPlan("export", [weights], overwrite=overwrite).file("--out", out).check()
    opset = DEFAULT_OPSET if opset is None else opset
    model_dir = resolve_model_dir(weights)
    if image_size is not None:
        check_export_options((image_size, image_size), opset)
    import_onnx()
    import_onnxruntime()
    model = load_model(str(model_dir))
    size = (image_size, image_size) if image_size is not None else tuple(
        int(v) for v in (getattr(model.config, "ehoi_image_size", None) or [640, 640]))
    return export_detector(model, out, image_size=size, opset=opset, dynamic_batch=dynamic_batch, fp16=fp16,
                           source=str(model_dir), progress=progress,
                           write=lambda data: plan.write_file("--out", data))
