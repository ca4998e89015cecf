"""`glovego infer --weights RUN_DIR INPUT... --out DIR`: parse the options and print."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from glovego_cli.errors import run_guarded
from glovego_cli.option_checks import available_device
from glovego_cli.progress import rich_progress

EPILOG = """Examples:

  glovego infer --weights runs/finetune_real_100 frames/ --out preds/

  glovego infer --weights runs/finetune_real_100/best clip.mp4 photo.jpg --out preds/ --threshold 0.6

  glovego infer --weights runs/x real/annotations/test.json --out preds/ --device cuda --batch-size 16

  glovego infer --weights glovego.onnx line_cam.mp4 --out preds/ --stride 5
  glovego eval --gt real/annotations/test.json --predictions preds/predictions.json
"""


def infer(
    inputs: list[Path] = typer.Argument(..., help="Images, folders (searched recursively), videos, or EHOI-COCO JSONs (their images, with their ids)."),
    weights: Path = typer.Option(..., "--weights", help="A training run folder (best/, else final/), a save_pretrained folder, or a `glovego export` .onnx file (run by onnxruntime)."),
    out: Path = typer.Option(..., "--out", help="Folder to create: predictions.json, pictures/, videos/."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="Minimum score to draw (predictions.json keeps every detection ≥ 0.05)."),
    device: Optional[str] = typer.Option(None, "--device", callback=available_device, help="cpu, cuda, cuda:1 … (default: cuda if available)."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Images per forward pass."),
    masks: bool = typer.Option(False, "--masks", help="Also predict masks (RLE in predictions.json, drawn in pictures); needs memory ∝ image size × 100."),
    stride: int = typer.Option(1, "--stride", min=1, help="Videos: every N-th frame (ids keep the frame's own index)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
) -> None:
    """Run a trained EHOI detector: machine-readable predictions plus pictures people can check.

    predictions.json follows ehoi-metrics.md §2.2 (original-resolution pixels, side / contact / glove
    probabilities, offset, associated active object, keypoints), so `glovego eval --predictions`
    reads it unchanged. Image ids: the dataset's ids for a JSON input, else the path relative to
    the given folder (or the file name); video frames are `<video>#<frame>` with the frame's
    `timestamp` (seconds). Videos come back as videos (mp4), images as JPEG pictures at their
    original resolution; `glovego viz --predictions` draws them again from the saved file.
    """
    from glovego_pipelines.infer import run_infer

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_infer(inputs, out, weights, threshold=threshold, device=device, batch_size=batch_size,
                             masks=masks, overwrite=overwrite, stride=stride, progress=progress)

    report = run_guarded("infer", job)
    Console(highlight=False).print(
        f"[bold green]wrote[/] {out}: {report.records} detections on {report.images} image(s) and "
        f"{report.videos} video(s) ({report.frames} frames in all)")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"infer": {"": ("--out",)}}


def register(app: typer.Typer) -> None:
    app.command("infer", epilog=EPILOG)(infer)
