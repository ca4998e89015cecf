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

  glovego infer --weights glovego-int8.onnx --runtime openvino --live 0 --out hands.jsonl --video-out live.avi

  glovego infer --weights glovego.onnx --live rtsp://cam-3/stream --reconnect --show
"""


def infer(
    inputs: Optional[list[Path]] = typer.Argument(None, help="Images, folders (searched recursively), videos, or EHOI-COCO JSONs (their images, with their ids)."),
    weights: Path = typer.Option(..., "--weights", help="A training run folder (best/, else final/), a save_pretrained folder, or a `glovego export` .onnx file (run by onnxruntime)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder to create: predictions.json, pictures/, videos/. With --live: the JSON-lines file (default: stdout)."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="Minimum score to draw (predictions.json keeps every detection ≥ 0.05)."),
    device: Optional[str] = typer.Option(None, "--device", callback=available_device, help="cpu, cuda, cuda:1 … (default: cuda if available)."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Images per forward pass."),
    masks: bool = typer.Option(False, "--masks", help="Also predict masks (RLE in predictions.json, drawn in pictures); needs memory ∝ image size × 100."),
    stride: int = typer.Option(1, "--stride", min=1, help="Videos: every N-th frame (ids keep the frame's own index)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="For a .onnx file: onnxruntime (default) or openvino (pip install 'glovego[openvino]'; CPU)."),
    live: Optional[str] = typer.Option(None, "--live", help="Run on a live source instead: a camera index (0), a stream URL OpenCV opens, or a video file played like a camera."),
    fps: Optional[float] = typer.Option(None, "--fps", help="With --live on a file: play it at this rate (default: the file's)."),
    reconnect: bool = typer.Option(False, "--reconnect", help="With --live on a stream: wait for it to come back when it drops out."),
    show: bool = typer.Option(False, "--show", help="With --live: a window with the drawing (q or Esc ends)."),
    video_out: Optional[Path] = typer.Option(None, "--video-out", help="With --live: the drawn frames as an MJPEG .avi."),
) -> None:
    """Run a trained EHOI detector: machine-readable predictions plus pictures people can check.

    predictions.json follows ehoi-metrics.md §2.2 (original-resolution pixels, side / contact / glove
    probabilities, offset, associated active object, keypoints), so `glovego eval --predictions`
    reads it unchanged. Image ids: the dataset's ids for a JSON input, else the path relative to
    the given folder (or the file name); video frames are `<video>#<frame>` with the frame's
    `timestamp` (seconds). Videos come back as videos (mp4), images as JPEG pictures at their
    original resolution; `glovego viz --predictions` draws them again from the saved file.
    """
    if live is not None:
        return live_mode(live, weights, out, video_out, show, fps, reconnect, threshold, device, runtime, overwrite,
                         bool(inputs))
    if not inputs or out is None:
        raise typer.BadParameter("give the inputs and --out (or --live SOURCE)")
    from glovego_pipelines.infer import run_infer

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_infer(inputs, out, weights, threshold=threshold, device=device, batch_size=batch_size,
                             masks=masks, overwrite=overwrite, stride=stride, runtime=runtime, progress=progress)

    report = run_guarded("infer", job)
    Console(highlight=False).print(
        f"[bold green]wrote[/] {out}: {report.records} detections on {report.images} image(s) and "
        f"{report.videos} video(s) ({report.frames} frames in all)")


def live_mode(source: str, weights: Path, out: Optional[Path], video_out: Optional[Path], show: bool,
              fps: Optional[float], reconnect: bool, threshold: float, device: Optional[str], runtime: Optional[str],
              overwrite: bool, has_inputs: bool) -> None:
    """`--live`: JSON lines on stdout (or --out), a status line and the summary on stderr; the exit code
    says how it ended (0 source ended, 3 source lost, 130 Ctrl-C)."""
    import sys

    from glovego_pipelines.live import run_live

    if has_inputs:
        raise typer.BadParameter("--live takes its source instead of INPUTS; give one or the other")
    console = Console(stderr=True, highlight=False)

    def job():
        with console.status("starting…") as line:
            def status(stats) -> None:
                read_fps, done_fps = stats.rates()
                line.update(f"input {read_fps:.1f} FPS · processed {done_fps:.1f} FPS · latency "
                            f"{stats.latency_ms:.0f} ms · dropped {stats.dropped}")

            return run_live(source, weights, out=out, video_out=video_out, show=show, fps=fps, reconnect=reconnect,
                            threshold=threshold, device=device, runtime=runtime, overwrite=overwrite,
                            stdout=sys.stdout, status=status)

    report = run_guarded("infer", job)
    style = {"ended": "bold green", "lost": "bold red", "interrupted": "bold yellow"}[report.end]
    console.print(f"[{style}]{report.message}[/]")
    raise typer.Exit(report.exit_code)


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"infer": {"": ("--out",), "--live": ("--out", "--video-out")}}


def register(app: typer.Typer) -> None:
    app.command("infer", epilog=EPILOG)(infer)
