"""Turning library errors into one red line and exit code 1."""

from __future__ import annotations

from typing import Callable, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from glovego_data.errors import GlovegoError

T = TypeVar("T")

stderr = Console(stderr=True)


def run_guarded(command: str, job: Callable[[], T]) -> T:
    """Run `job`; a GlovegoError becomes `<command>: <message>` on stderr and exit status 1."""
    try:
        return job()
    except GlovegoError as error:
        stderr.print(Text.assemble((f"{command}: ", "bold red"), str(error)), soft_wrap=True)
        raise typer.Exit(1) from None
