"""`glovego viz PACKAGE_OR_JSON --out DIR`: parse the options and print; the work is in the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress

EPILOG = """Examples:

  glovego viz out/annotations/all.json --out viz/

  glovego viz GlovEgo-HOI/ --out viz/ --n 50          # every split of both roots

  glovego viz augmented/ --out viz_aug/ --n 10 --overwrite

  glovego viz --predictions preds/predictions.json --images clip.mp4 --images frames/ --out viz_preds/
"""


def viz(
    target: Optional[Path] = typer.Argument(None, help="An EHOI-COCO JSON, a dataset root or a GlovEgo-HOI package (ground truth)."),
    out: Path = typer.Option(..., "--out", help="Folder to create with one picture per drawn image."),
    n: int = typer.Option(20, "--n", min=1, help="Images per annotation file, spread evenly over its ids."),
    predictions: Optional[Path] = typer.Option(None, "--predictions", help="Draw this predictions.json (from infer) instead of ground truth; no model is loaded."),
    images: Optional[list[Path]] = typer.Option(None, "--images", help="With --predictions: the images, folders, videos or EHOI-COCO JSON infer ran on (repeat the option)."),
    threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=1.0, help="With --predictions: minimum score to draw (default: infer's, from infer.json)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace --out if it exists."),
) -> None:
    """Draw ground-truth annotations on their images, exactly as `glovego infer` draws predictions.

    Hands are coloured by contact (red: contact, blue: no contact, grey: unknown) with
    "Left/Right · glove" labels, an arrow to the active object, the keypoint skeleton and masks.
    Pictures keep the original resolution: OUT/<split>/<image>.jpg (OUT/<root>/<split>/ for a package).
    With --predictions, the saved predictions are drawn on --images exactly as `infer` drew them
    (OUT/pictures/, OUT/videos/), e.g. after editing the file or on another machine.
    """
    if predictions is not None:
        if target is not None:
            _refuse(f"{target}: give either a ground-truth TARGET or --predictions with --images, not both")
        _viz_predictions(predictions, images or [], out, threshold, overwrite)
        return
    if target is None:
        _refuse("give a ground-truth TARGET, or --predictions PRED.json --images INPUT")
    from glovego_pipelines.viz import run_viz

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_viz(target, out, n, overwrite=overwrite, progress=progress)

    report = run_guarded("viz", job)
    console = Console(highlight=False)
    for source, count in report.pictures.items():
        console.print(f"{count} picture(s) from {source}")
    console.print(f"[bold green]wrote[/] {out}")


def _refuse(message: str) -> None:
    """A wrong combination of options: the usual one red line and exit status 1."""
    from glovego_data.errors import GlovegoError

    def job() -> None:
        raise GlovegoError(message)

    run_guarded("viz", job)


def _viz_predictions(predictions: Path, images: list[Path], out: Path, threshold: float | None,
                     overwrite: bool) -> None:
    from glovego_pipelines.viz import run_viz_predictions

    def job():
        with rich_progress(Console(stderr=True)) as progress:
            return run_viz_predictions(predictions, images, out, threshold=threshold, overwrite=overwrite,
                                       progress=progress)

    report = run_guarded("viz", job)
    unmatched = f"; {report.unmatched} record(s) for images not given" if report.unmatched else ""
    Console(highlight=False).print(f"[bold green]wrote[/] {out}: {report.pictures} picture(s), {report.videos} "
                                   f"video(s) ({report.frames} frames){unmatched}")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"viz": {"": ("--out",), "--predictions": ("--out",)}}


def register(app: typer.Typer) -> None:
    app.command("viz", epilog=EPILOG)(viz)
