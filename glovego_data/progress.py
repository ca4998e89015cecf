"""A progress hook the library can call without knowing about rich (the CLI supplies the bars)."""

from __future__ import annotations

from typing import Callable, Protocol


class Progress(Protocol):
    def __call__(self, label: str, total: int) -> Callable[[int], None]:
        """Start a task of `total` steps; returns `advance(n)`."""


def no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n: None
