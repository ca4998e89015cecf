"""`glovego solo2coco`: a Unity SOLO export → an EHOI-COCO dataset root, with a progress bar and a report."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from glovego_data.solo.convert import ConvertOptions, convert_solo
from glovego_data.solo.mapping import load_mapping
from glovego_data.solo.report import ConversionReport


def run_solo2coco(
    solo_dir: Path,
    out_dir: Path,
    *,
    mapping_file: Path | None = None,
    workers: int = 1,
    skip_bad: bool = False,
    mask_format: str = "polygon",
    name: str = "all",
    depth_range: float | None = None,
    console: Console | None = None,
) -> ConversionReport:
    """Load the mapping (its errors come before any frame is read), convert with a rich bar, print the report."""
    console = console or Console(stderr=True)
    mapping = load_mapping(mapping_file, depth_range_m=depth_range)
    options = ConvertOptions(mapping=mapping, workers=workers, skip_bad=skip_bad, mask_format=mask_format, name=name)
    with Progress(
        TextColumn("solo2coco"), BarColumn(), MofNCompleteColumn(), TextColumn("frames"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=False,
    ) as bars:
        task = bars.add_task("frames", total=None)

        def advance(done: int, total: int) -> None:
            bars.update(task, completed=done, total=total)

        report = convert_solo(solo_dir, out_dir, options, progress=advance)
    console.print(report_table(report))
    return report


def report_table(report: ConversionReport) -> Table:
    """The final report as one table; `report.json` holds the same numbers."""
    table = Table(title=f"solo2coco: {report.solo_dir} → {report.out_dir}", show_header=True)
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_column("details", overflow="fold")
    table.add_row("frames found", str(report.frames_found), "")
    table.add_row("frames converted", str(report.frames_converted), "")
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
