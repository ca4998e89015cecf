"""`glovego viz PACKAGE_OR_JSON --out DIR`: parse the options and print; the work is in the pipeline."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress

EPILOG = """Examples:

  glovego viz out/annotations/all.json --out viz/

  glovego viz GlovEgo-HOI/ --out viz/ --n 50          # every split of both roots

  glovego viz augmented/ --out viz_aug/ --n 10 --overwrite
"""


def viz(
    target: Path = typer.Argument(..., help="An EHOI-COCO JSON, a dataset root or a GlovEgo-HOI package."),
    out: Path = typer.Option(..., "--out", help="Folder to create with one picture per drawn image."),
    n: int = typer.Option(20, "--n", min=1, help="Images per annotation file, spread evenly over its ids."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
) -> None:
    """Draw ground-truth annotations on their images, exactly as `glovego infer` draws predictions.

    Hands are coloured by contact (red: contact, blue: no contact, grey: unknown) with
    "Left/Right · glove" labels, an arrow to the active object, the keypoint skeleton and masks.
    Pictures keep the original resolution: OUT/<split>/<image>.jpg (OUT/<root>/<split>/ for a package).
    """
    from glovego_pipelines.viz import run_viz

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_viz(target, out, n, overwrite=overwrite, progress=progress)

    report = run_guarded("viz", job)
    console = Console(highlight=False)
    for source, count in report.pictures.items():
        console.print(f"{count} picture(s) from {source}")
    console.print(f"[bold green]wrote[/] {out}")


def register(app: typer.Typer) -> None:
    app.command("viz", epilog=EPILOG)(viz)
