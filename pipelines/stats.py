"""`glovego stats`: a package's README table, per-split and per-category counts, and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from glovego_data.outputs import OutputPlan
from glovego_data.split.plot import stats_png
from glovego_data.split.stats import package_stats


def run_stats(package: Path, plot: Path | None = None, *, overwrite: bool = False) -> dict[str, Any]:
    """Count; with `plot`, write the PNG (an existing file is replaced only with `overwrite`)."""
    plan = OutputPlan("stats", [package], overwrite=overwrite)
    if plot is not None:
        plan.file("--plot", plot)
    plan.check()
    stats = package_stats(package)
    if plot is not None:
        plan.write_file("--plot", stats_png(stats))
    return stats
