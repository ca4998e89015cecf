"""`glovego solo2coco SOLO_DIR OUT_DIR`: parse the options and print; the work is in the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded
from glovego_cli.progress import rich_progress

if TYPE_CHECKING:
    from glovego_data.solo.report import ConversionReport

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
    restart: bool = typer.Option(False, "--restart", help="Start over instead of resuming an interrupted run (OUT_DIR.tmp/)."),
    strict: bool = typer.Option(False, "--strict", help="A box that is not finite or lies off the image fails its frame (see --skip-bad) instead of being dropped and counted."),
) -> None:
    """Convert a Unity Perception SOLO export into an EHOI-COCO dataset.

    Hands, side, glove, contact and active object come from the labels and the metadata labeler (or mask geometry); boxes, masks and areas from the instance segmentation; 21 MediaPipe keypoints; depth maps; a report with every count (also in OUT_DIR/report.json).

    Resumable: after an interruption or a bad frame, run the same command again.
    """
    from glovego_pipelines.solo2coco import run_solo2coco

    console = Console(stderr=True)

    def job():
        with rich_progress(console) as progress:
            return run_solo2coco(
                solo_dir, out_dir, mapping_file=mapping, workers=workers, skip_bad=skip_bad,
                mask_format=mask_format, name=name, depth_range=depth_range, restart=restart, strict=strict,
                progress=progress,
            )

    console.print(report_table(run_guarded("solo2coco", job)))


def report_table(report: ConversionReport) -> Table:
    """The final report as one table; `report.json` holds the same numbers."""
    table = Table(title=f"solo2coco: {report.solo_dir} → {report.out_dir}", show_header=True)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_column("details", overflow="fold")
    table.add_row("frames found", str(report.frames_found), "")
    table.add_row("frames converted", str(report.frames_converted), "")
    if report.frames_resumed:
        table.add_row("frames resumed", str(report.frames_resumed), "taken over from the interrupted run's checkpoint")
    table.add_row(
        "frames skipped", str(report.frames_skipped),
        "; ".join(f"{s['file']}: {s['reason']}" for s in report.skipped[:5]) + (" …" if report.frames_skipped > 5 else ""),
    )
    table.add_row("images", str(report.images), f"{report.images_linked} hard-linked, {report.images_copied} copied")
    table.add_row("categories", report.category_set, "")
    for category, n in sorted(report.annotations_per_category.items()):
        table.add_row(f"  {category}", str(n), "")
    table.add_row("hands", str(report.hands), "")
    table.add_row("EHOIs", str(report.ehois), "contact hands with a resolved active object")
    table.add_row("gloved", f"{report.gloved_percent:.1f} %", f"bare {report.gloves[0]}, unknown {report.gloves[-1]}")
    table.add_row(
        "contact source", report.contact_source,
        ", ".join(f"{k}: {v}" for k, v in sorted(report.contact_sources.items())),
    )
    for kind, entry in report.warnings.as_dict().items():
        table.add_row(f"[yellow]{kind}[/yellow]", str(entry["count"]), ", ".join(entry["examples"]))
    for type_, n in sorted(report.ignored_types.items()):
        table.add_row(f"ignored {type_}", str(n), "")
    for type_, ids in sorted(report.other_labelers.items()):
        table.add_row(f"[yellow]other {type_} labelers (ignored)[/yellow]", str(len(ids)), ", ".join(sorted(ids)))
    for template, labels in sorted(report.template_extras.items()):
        table.add_row(f"template '{template}': extra labels", str(len(labels)), ", ".join(labels))
    table.add_row("time", f"{report.seconds:.2f} s", f"{report.frames_per_second:.1f} frames/s, {report.workers} worker(s)")
    return table


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"solo2coco": {"": ("OUT_DIR",)}}


def register(app: typer.Typer) -> None:
    app.command("solo2coco", epilog=EPILOG)(solo2coco)
