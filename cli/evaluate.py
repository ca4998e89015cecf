"""`glovego eval --gt TEST.json (--predictions PRED.json | --weights RUN_DIR)`: parse and print."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded
from glovego_cli.option_checks import available_device
from glovego_cli.progress import rich_progress
from glovego_cli.warnings import print_warnings

EPILOG = """Examples:

  glovego eval --gt real/annotations/test.json --predictions preds.json --out eval/

  glovego eval --gt real/annotations/test.json --weights runs/finetune_real_100 --out eval/ --per-class

  glovego eval --gt val.json --weights runs/ci_tiny/best --device cpu --batch-size 4

  glovego eval --gt test.json --predictions preds.json --report report/ --compare old_report/
"""


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.2f}"


def metrics_table(metrics: dict[str, Any]) -> Table:
    table = Table(title="EHOI metrics (AP@0.5, %)", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name, value in metrics["ehoi"].items():
        undefined = name in metrics["undefined"]
        label = f"[bold]{name}[/]" if name == "mAP Hand + ALL" else name
        table.add_row(label, ("[dim]0.00 (no GT)[/]" if undefined else f"[bold]{value:.2f}[/]"
                              if name == "mAP Hand + ALL" else f"{value:.2f}"))
    bbox = metrics["coco"]["bbox"]
    if bbox is not None:
        table.add_section()
        for key in ("AP", "AP50", "AP75"):
            table.add_row(f"COCO bbox {key}", _fmt(bbox[key]))
    keypoints = metrics["coco"]["keypoints"]
    if keypoints is not None:
        table.add_row("COCO keypoints AP", _fmt(keypoints["AP"]))
    counts = metrics["counts"]
    table.caption = (f"{counts['images']} images · {counts['gt_hands']} GT hands · {counts['gt_objects']} GT objects · "
                     f"{counts['predictions']} predictions ({counts['hand_predictions']} hands)")
    return table


def per_class_table(metrics: dict[str, Any]) -> Table:
    table = Table(title="Per active-object class (AP@0.5, %)", title_justify="left")
    for column in ("class", "Hand + State", "Hand + Target Objects", "Hand + ALL", "GT hands", "pred hands"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for name, row in metrics["per_class"].items():
        table.add_row(name, _fmt(row["Hand + State"]), _fmt(row["Hand + Target Objects"]), _fmt(row["Hand + ALL"]),
                      str(row["gt_hands"]), str(row["pred_hands"]))
    return table


def evaluate(
    gt: Path = typer.Option(..., "--gt", help="Ground truth: an EHOI-COCO file (reference-style files are accepted)."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Predictions JSON (ehoi-metrics.md §2.2), from any model."),
    weights: Optional[Path] = typer.Option(None, "--weights", help="Our model: a run folder (best/, else final/), a save_pretrained folder, or a `glovego export` .onnx file."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for metrics.json, pr_<metric>.png (and predictions.json with --weights)."),
    per_class: bool = typer.Option(False, "--per-class", help="Also print the per-object-class table."),
    device: Optional[str] = typer.Option(None, "--device", callback=available_device, help="With --weights: cpu, cuda, cuda:1 … (default: cuda if available)."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="With --weights: images per forward pass."),
    runtime: Optional[str] = typer.Option(None, "--runtime", help="For a .onnx file: onnxruntime (default) or openvino (pip install 'glovego[openvino]'; CPU)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out / --report if they exist (only folders glovego made)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Folder for the error report: index.html (open it in a browser, works offline), report.json, thumbnails."),
    compare: Optional[Path] = typer.Option(None, "--compare", help="With --report: another run's --report folder (or --out folder) to show metric and dAP deltas against."),
) -> None:
    """Score a detector with the EHOI metrics of the GlovEgo-HOI paper (headline: mAP Hand + ALL).

    Numbers equal the reference evaluator's (IoU 0.5, 101 recall points, its matching and
    per-class design) without its bugs; COCO bbox and 21-keypoint AP come from pycocotools.
    """
    from glovego_pipelines.evaluate import run_evaluate

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_evaluate(gt, predictions=predictions, weights=weights, out=out, device=device,
                                batch_size=batch_size, overwrite=overwrite, runtime=runtime, progress=progress,
                                report=report, compare=compare)

    result = run_guarded("eval", job)
    print_warnings(result.warnings)
    console = Console(highlight=False)
    console.print(metrics_table(result.metrics))
    if per_class:
        console.print(per_class_table(result.metrics))
    if out is not None:
        console.print(f"[bold green]wrote[/] {out / 'metrics.json'} and {len(result.written) - 1} more file(s) in {out}")
    if result.report is not None:
        console.print(f"[bold green]wrote[/] the error report {result.report / 'index.html'}")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"eval": {"--predictions": ("--out", "--report"), "--weights": ("--out", "--report")}}


def register(app: typer.Typer) -> None:
    app.command("eval", epilog=EPILOG)(evaluate)
