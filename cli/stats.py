"""`glovego stats PACKAGE_DIR`: the GlovEgo-HOI README table, per-split and per-category counts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table

from glovego_cli.errors import run_guarded

EPILOG = """Examples:

  glovego stats GlovEgo-HOI/

  glovego stats GlovEgo-HOI/ --json > stats.json

  glovego stats GlovEgo-HOI/ --plot distributions.png
"""


def readme_table(stats: dict) -> Table:
    """The table of the GlovEgo-HOI README: #images, #hands, #EHOIs, % gloved per split and total."""
    from glovego_data.split.stats import readme_rows

    table = Table(title=f"{stats['package']}: #images, #hands, #EHOIs, % gloved hands")
    for column in ("data", "split", "#images", "#hands", "#EHOIs", "% gloved", "#objects"):
        table.add_column(column, justify="left" if column in ("data", "split") else "right")
    for root, split, c in readme_rows(stats):
        style = "bold" if split == "total" else None
        table.add_row(root, split, f"{c['images']:,}", f"{c['hands']:,}", f"{c['ehois']:,}",
                      f"{c['gloved_percent']:.1f}", f"{c['objects']:,}", style=style)
    return table


def print_stats_tables(console: Console, stats: dict) -> None:
    console.print(readme_table(stats))
    for root, data in stats["roots"].items():
        splits = list(data["splits"])
        cats = Table(title=f"{root}: annotations per category")
        cats.add_column("category / hand attribute", no_wrap=True)
        for split in splits:
            cats.add_column(split, justify="right", no_wrap=True, min_width=len(split))
        for name in data["total"]["categories"]:
            cats.add_row(name, *(f"{data['splits'][s]['categories'].get(name, 0):,}" for s in splits))
        for key, labels in data["total"]["attributes"].items():
            cats.add_section()
            for label in labels:
                cats.add_row(f"{key}={label}", *(f"{data['splits'][s]['attributes'][key][label]:,}" for s in splits))
        console.print(cats)


def stats(
    package: Path = typer.Argument(..., help="A GlovEgo-HOI package (synth/, real/, MANIFEST.json)."),
    as_json: bool = typer.Option(False, "--json", help="Print the numbers as JSON instead of tables."),
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write class and attribute distributions to this PNG."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the --plot file if it exists."),
) -> None:
    """Count images, hands, EHOIs (hands in contact with a resolved active object) and gloved hands
    per split of a package, as in the GlovEgo-HOI README, plus per-category and attribute counts."""
    from glovego_pipelines.stats import run_stats

    result = run_guarded("stats", lambda: run_stats(package, plot, overwrite=overwrite))
    if as_json:
        typer.echo(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_stats_tables(Console(), result)
    _warn_uncounted(result)
    if plot is not None:
        Console(stderr=True).print(f"plot: {plot}")


def _warn_uncounted(result: dict[str, Any]) -> None:
    """What the tables could not count: annotations on unlisted images, invalid attribute values."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    for root, data in result["roots"].items():
        for split, counts in data["splits"].items():
            if counts["annotations_without_image"]:
                err.print(f"[yellow]stats:[/] {root}/annotations/{split}.json: {counts['annotations_without_image']} "
                          "annotation(s) on image ids not in images (not counted; glovego validate lists them)")
            for key, values in counts["attributes"].items():
                if values["invalid"]:
                    err.print(f"[yellow]stats:[/] {root}/annotations/{split}.json: {values['invalid']} hand(s) with "
                              f"an invalid {key} (not -1, 0 or 1; counted as invalid)")


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"stats": {"": (), "--plot": ("--plot",)}}


def register(app: typer.Typer) -> None:
    app.command("stats", epilog=EPILOG)(stats)
