"""`glovego validate FILE_OR_PACKAGE`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.text import Text

from glovego_cli.errors import run_guarded
from glovego_pipelines.validate import run_validate

EPILOG = """Examples:

  glovego validate out/annotations/all.json

  glovego validate GlovEgo-HOI/          # a whole package: every split, companions, MANIFEST
"""


def validate(
    target: Path = typer.Argument(..., exists=True, help="An annotation JSON, a dataset root or a GlovEgo-HOI package."),
) -> None:
    """Check EHOI-COCO files against the format's checklist; exit 1 on any error.

    Each problem prints as `<file>: <where>: <problem>`. Reference/EgoISM-style files (no
    `info.ehoi`) are accepted: their repairable problems are warnings.
    """
    result = run_guarded("validate", lambda: run_validate(target))
    console = Console(highlight=False, soft_wrap=True)
    for violation in result.violations:
        style = "red" if violation.severity == "error" else "yellow"
        prefix = "" if violation.severity == "error" else "warning: "
        console.print(Text(prefix + str(violation), style=style))
    summary = f"{len(result.errors)} error(s), {len(result.warnings)} warning(s) in {target}"
    console.print(Text(("OK: " if result.ok else "FAILED: ") + summary, style="bold green" if result.ok else "bold red"))
    if not result.ok:
        raise typer.Exit(1)


# The options that write, per mode (tests/safety/test_output_table.py tries each; see ARCHITECTURE.md).
OUTPUTS = {"validate": {"": ()}}


def register(app: typer.Typer) -> None:
    app.command("validate", epilog=EPILOG)(validate)
