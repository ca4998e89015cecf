"""The loader's repair warnings (ehoi-coco.md §11: once per kind) as yellow lines on stderr."""

from __future__ import annotations

from typing import Iterable

from rich.console import Console
from rich.text import Text


def print_warnings(lines: Iterable[str]) -> None:
    """Each distinct line once, in order: a file read twice (train and val) warns once."""
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    for line in dict.fromkeys(lines):
        console.print(Text(f"warning: {line}", style="yellow"))
