"""Rich bars for the libraries' and pipelines' progress hook (`glovego_data.progress.Progress`)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


@contextmanager
def rich_progress(console: Console) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
    """The library's progress hook as rich bars, one per task."""
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console, transient=False,
    ) as bars:

        def start(label: str, total: int) -> Callable[[int], None]:
            task = bars.add_task(label, total=total)
            return lambda n: bars.advance(task, n)

        try:
            yield start
        except BaseException:
            bars.live.transient = True  # the error message alone, without a half-drawn bar above it
            raise
