"""`glovego validate FILE_OR_PACKAGE`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from glovego_cli.errors import run_guarded
from glovego_pipelines.validate import group_warnings, run_validate

EPILOG = """Examples:

  glovego validate out/annotations/all.json

  glovego validate GlovEgo-HOI/          # a whole package: every split, companions, MANIFEST
"""


def validate(
    target: Path = typer.Argument(..., exists=True, help="An annotation JSON, a dataset root or a GlovEgo-HOI package."),
    decode: bool = typer.Option(False, "--decode", help="Decode every image in full (slow); by default only its header and end marker are read."),
) -> None:
    """Check EHOI-COCO files against the format's checklist; exit 1 on any error.

    Each error prints as `<file>: <where>: <problem>`. Reference/EgoISM-style files (no
    `info.ehoi`) are accepted: their repairable problems are warnings, one line per kind with a
    count and the first ids.
    """
    result = run_guarded("validate", lambda: run_validate(target, decode=decode))
    console = Console(highlight=False, soft_wrap=True)
    for group in group_warnings(result.warnings):
        console.print(Text("warning: " + str(group), style="yellow"))
    for violation in result.errors:
        console.print(Text(str(violation), style="red"))
    summary = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in {target}"
    console.print(Text(("OK: " if result.ok else "FAILED: ") + summary, style="bold green" if result.ok else "bold red"))
    if not result.ok:
        raise typer.Exit(1)


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"validate": {"": ()}}


def register(app: typer.Typer) -> None:
    app.command("validate", epilog=EPILOG)(validate)
