"""`glovego label export|import`: pre-annotate frames for Label Studio and bring its labels back
as EHOI-COCO (docs/label.md). Parses and prints; the work is in `glovego_pipelines.label`."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress

app = typer.Typer(name="label", no_args_is_help=True, rich_markup_mode="rich", add_completion=False,
                  help="Label a site's frames in Label Studio: export tasks with pre-annotations, import the labels.")

EXPORT_EPILOG = """Examples:

  glovego label export frames/ --weights runs/ft/ --out tasks/

  glovego label export clip.mp4 --stride 10 --predictions preds/predictions.json --select uncertain --n 200 --out tasks/

  glovego label export real/annotations/all.json --out review/ --url http://localhost:8080 --token $TOKEN
"""

IMPORT_EPILOG = """Examples:

  glovego label import export.json --images tasks/images --out real_coco/      # label_config.xml beside export.json

  glovego label import --url http://localhost:8080 --token $TOKEN --project "GlovEgo tasks" --images tasks/images --out real_coco/
"""


def export(
    sources: list[Path] = typer.Argument(..., help="Images, folders, videos, or EHOI-COCO JSON files (their labels are the pre-annotations)."),
    out: Path = typer.Option(..., "--out", help="Folder to create: label_config.xml, tasks.json, images/."),
    weights: Optional[Path] = typer.Option(None, "--weights", help="Pre-annotate with this run folder, model folder or .onnx file."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Pre-annotate from a predictions file (the format eval reads; infer writes it)."),
    no_pre: bool = typer.Option(False, "--no-pre-annotations", help="Tasks without pre-annotations."),
    threshold: float = typer.Option(0.5, "--threshold", min=0.0, max=1.0, help="Minimum score of a predicted box to become a pre-annotation."),
    stride: int = typer.Option(1, "--stride", min=1, help="Videos: every N-th frame, written as <video>_<frame>.jpg."),
    select: Optional[str] = typer.Option(None, "--select", help="'uncertain': only the --n frames the predictions are least sure of (docs/label.md)."),
    n: Optional[int] = typer.Option(None, "--n", min=1, help="With --select: how many frames."),
    url: Optional[str] = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL", help="A running Label Studio: create or update the project there."),
    token: Optional[str] = typer.Option(None, "--token", envvar="LABEL_STUDIO_API_KEY", help="Its API token."),
    project: Optional[str] = typer.Option(None, "--project", help="Project title on the server (default: 'GlovEgo <out folder name>')."),
    document_root: Optional[Path] = typer.Option(None, "--document-root", help="The server's LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT (default: --out itself)."),
    device: Optional[str] = typer.Option(None, "--device", help="With --weights: cpu, cuda, cuda:1 …"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if GlovEgo made it."),
) -> None:
    """Write Label Studio tasks for these frames, pre-annotated with boxes, side / contact / glove,
    active-object links and keypoints, and optionally send them to a running server."""
    from glovego_pipelines.label import run_label_export

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_label_export(sources, out, weights=weights, predictions=predictions, threshold=threshold,
                                    stride=stride, select=select, n=n, pre_annotations=not no_pre, url=url,
                                    token=token, project=project, document_root=document_root, device=device,
                                    overwrite=overwrite, progress=progress)

    report = run_guarded("label export", job)
    console = Console(highlight=False)
    console.print(f"[bold green]wrote[/] {report.out}: {report.tasks} task(s), {report.pre_annotated} pre-annotated")
    if report.unmatched_records:
        console.print(f"{report.unmatched_records} predicted image id(s) are not among the sources")
    if report.project_id is not None:
        console.print(f"project {report.project_id} on {url}: {report.added_to_server} task(s) added")


def import_(
    export_file: Optional[Path] = typer.Argument(None, metavar="EXPORT.json", help="Label Studio's JSON export (or use --url)."),
    images: Path = typer.Option(..., "--images", help="The task images (the images/ folder label export wrote)."),
    out: Path = typer.Option(..., "--out", help="EHOI-COCO root to create: images/, annotations/all.json + all_hands.json."),
    config: Optional[Path] = typer.Option(None, "--config", help="label_config.xml of the export (default: beside EXPORT.json)."),
    url: Optional[str] = typer.Option(None, "--url", envvar="LABEL_STUDIO_URL", help="Fetch the export from this server."),
    token: Optional[str] = typer.Option(None, "--token", envvar="LABEL_STUDIO_API_KEY", help="Its API token."),
    project: Optional[str] = typer.Option(None, "--project", help="With --url: project id or title."),
    allow_incomplete: bool = typer.Option(False, "--allow-incomplete", help="Keep hands without side or contact as -1 (unknown)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if GlovEgo made it."),
) -> None:
    """Turn Label Studio's labels into an EHOI-COCO v1 root that validate accepts and split takes."""
    from glovego_pipelines.label import run_label_import

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_label_import(export_file, images, out, config=config, url=url, token=token, project=project,
                                    allow_incomplete=allow_incomplete, overwrite=overwrite, progress=progress)

    report = run_guarded("label import", job)
    console = Console(highlight=False)
    console.print(f"[bold green]wrote[/] {report.out}: {report.images} image(s), {report.annotations} annotation(s), "
                  f"{report.hands} hand(s)")
    if report.unlabelled:
        console.print(f"{len(report.unlabelled)} task(s) without a submitted annotation left out")


def register(root: typer.Typer) -> None:
    app.command("export", epilog=EXPORT_EPILOG)(export)
    app.command("import", epilog=IMPORT_EPILOG)(import_)
    root.add_typer(app, name="label")


OUTPUTS = {"label export": {"": ("--out",)}, "label import": {"": ("--out",)}}
