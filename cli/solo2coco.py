"""`glovego solo2coco SOLO_DIR OUT_DIR`: parse the options and print; the work is in the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from glovego_cli.errors import run_guarded

EPILOG = """Examples:

  glovego solo2coco solo/ out/

  glovego solo2coco solo_runs/ out/ --mapping mapping.toml --workers 2 --skip-bad

  glovego solo2coco solo/ out_rle/ --mask-format rle --depth-range 3.0 --name train
"""


def solo2coco(
    solo_dir: Path = typer.Argument(..., help="A SOLO folder (solo, solo_N) or a folder holding several."),
    out_dir: Path = typer.Argument(..., help="The EHOI-COCO dataset root to create (must not exist or be empty)."),
    mapping: Optional[Path] = typer.Option(None, "--mapping", help="TOML mapping file (see docs/solo2coco.md); defaults work without one."),
    workers: int = typer.Option(1, "--workers", min=1, help="Worker processes; the output is byte-identical for any number."),
    skip_bad: bool = typer.Option(False, "--skip-bad", help="Skip unreadable frames (listed in the report and skipped.json) instead of stopping."),
    mask_format: str = typer.Option("polygon", "--mask-format", help="polygon (default) or rle."),
    name: str = typer.Option("all", "--name", help="Annotation file name: annotations/<name>.json and <name>_hands.json."),
    depth_range: Optional[float] = typer.Option(None, "--depth-range", help="Metres mapped to 255 in depth_maps/ (default 5.0, or \\[depth] range_m)."),
) -> None:
    """Convert a Unity Perception SOLO export into an EHOI-COCO dataset.

    Hands, side, glove, contact and active object come from the labels and the metadata labeler (or mask geometry); boxes, masks and areas from the instance segmentation; 21 MediaPipe keypoints; depth maps; a report with every count (also in OUT_DIR/report.json).
    """
    from glovego_pipelines.solo2coco import run_solo2coco

    run_guarded(
        "solo2coco",
        lambda: run_solo2coco(
            solo_dir, out_dir, mapping_file=mapping, workers=workers, skip_bad=skip_bad,
            mask_format=mask_format, name=name, depth_range=depth_range,
        ),
    )


def register(app: typer.Typer) -> None:
    app.command("solo2coco", epilog=EPILOG)(solo2coco)
