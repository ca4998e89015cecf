"""`glovego stats`: a package's README table, per-split and per-category counts, and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from glovego_data.paths import check_output
from glovego_data.split.plot import plot_stats
from glovego_data.split.stats import package_stats


def run_stats(package: Path, plot: Path | None = None) -> dict[str, Any]:
    if plot is not None:
        check_output(plot, [package], option="--plot")
    stats = package_stats(package)
    if plot is not None:
        plot_stats(stats, plot)
    return stats
