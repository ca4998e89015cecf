"""`glovego export RUN_OR_DIR --out model.onnx`: parse the options and print."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress

EPILOG = """Examples:

  glovego export runs/finetune_real_100 --out glovego.onnx

  glovego export runs/x/best --out glovego_b.onnx --dynamic-batch --image-size 512

  glovego export runs/x --out glovego-int8.onnx --int8 --calibrate site_frames/ --gt real/annotations/test.json

  glovego infer --weights glovego.onnx frames/ --out preds/
"""


def export(
    weights: Path = typer.Argument(..., help="A training run folder (best/, else final/) or a save_pretrained folder."),
    out: Path = typer.Option(..., "--out", help="The .onnx file to write."),
    image_size: Optional[int] = typer.Option(None, "--image-size", help="Square input size baked into the file, a multiple of 32 (default: the model's training size)."),
    opset: Optional[int] = typer.Option(None, "--opset", help="ONNX opset, ≥ 17 (default 18)."),
    dynamic_batch: bool = typer.Option(False, "--dynamic-batch", help="Any batch size (default: batch 1)."),
    fp16: bool = typer.Option(False, "--fp16", help="Half-precision weights and operators (inputs and outputs stay float32)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
    int8: bool = typer.Option(False, "--int8", help="Static int8 (QDQ) quantisation calibrated on --calibrate, measured against fp32 before writing."),
    calibrate: Optional[Path] = typer.Option(None, "--calibrate", help="With --int8: a folder of frames from the scene the model will watch (up to 64 are used)."),
    gt: Optional[Path] = typer.Option(None, "--gt", help="With --int8: an EHOI-COCO file whose images and EHOI metrics also check the int8 model."),
    force: bool = typer.Option(False, "--force", help="With --int8: write the file even beyond the tolerance (docs/export.md)."),
) -> None:
    """Export a trained EHOI detector to one ONNX file for onnxruntime, TensorRT or OpenVINO.

    The file holds the detector, its EHOI heads and the top-k post-processing; its outputs are
    documented in docs/export.md and its metadata carries the classes, input size, EHOI settings
    and GlovEgo version. Before writing, onnxruntime runs it on a generated input and its outputs
    are compared with PyTorch's. `glovego infer` / `eval --weights model.onnx` run it.
    """
    from glovego_pipelines.export import run_export

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_export(weights, out, image_size=image_size, opset=opset, dynamic_batch=dynamic_batch,
                              fp16=fp16, overwrite=overwrite, int8=int8, calibrate=calibrate, gt=gt, force=force,
                              progress=progress)

    report = run_guarded("export", job)
    height, width = report.image_size
    agreement = report.agreement
    Console(highlight=False).print(
        f"[bold green]wrote[/] {out} ({report.bytes / 2**20:.1f} MiB, opset {report.opset}, input {width}×{height}, "
        f"batch {'any' if report.dynamic_batch else 1}{', fp16' if report.fp16 else ''}) in {report.seconds:.0f} s; "
        f"onnxruntime vs PyTorch: probabilities ±{agreement.probability:.1e}, "
        f"boxes ±{agreement.pixel_relative:.1e} of the image")
    if report.quantization is not None:
        Console(highlight=False).print(int8_summary(report.quantization))


def int8_summary(record: dict) -> str:
    """The measured int8 agreement in one line (and the metrics with --gt)."""
    parts = []
    for key, where in (("agreement_calibration", "calibration frames"), ("agreement_gt", "--gt images")):
        if key in record:
            a = record[key]
            parts.append(f"{where}: {a['recall']:.0%} of fp32 detections, scores ±{a['score_drift']:.3f}, "
                         f"hand attributes {a['attributes']:.0%}")
    if "metrics" in record:
        parts.append(", ".join(f"{name} {record['metrics']['fp32'][name]:.2f} → {record['metrics']['int8'][name]:.2f}"
                               for name in record["metrics"]["fp32"]))
    text = "int8 vs fp32 — " + "; ".join(parts)
    return text + (" [bold red](beyond tolerance, written with --force)[/]" if record.get("forced") else "")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"export": {"": ("--out",)}}


def register(app: typer.Typer) -> None:
    app.command("export", epilog=EPILOG)(export)
