"""A picture of a package's class and attribute distributions (people compare bars faster than tables)."""

from __future__ import annotations

from typing import Any

from glovego_data.split.options import SPLITS


def stats_png(stats: dict[str, Any]) -> bytes:
    """Top: annotations per category per root. Bottom: gloves / contact / hand side of the hands of
    train, val and test per root. PNG bytes."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    roots = list(stats["roots"])
    attributes = list(next(iter(stats["roots"].values()))["total"]["attributes"])
    fig = plt.figure(figsize=(4 + 4 * len(attributes), 9), constrained_layout=True)
    grid = fig.add_gridspec(2, len(attributes))
    ax = fig.add_subplot(grid[0, :])
    names = list(stats["total"]["categories"])
    width = 0.8 / max(len(roots), 1)
    for k, root in enumerate(roots):
        counts = [stats["roots"][root]["total"]["categories"].get(n, 0) for n in names]
        ax.bar([i + k * width for i in range(len(names))], counts, width=width, label=root)
    ax.set_xticks([i + width * (len(roots) - 1) / 2 for i in range(len(names))], names, rotation=45, ha="right")
    ax.set_ylabel("annotations")
    ax.set_title(f"{stats['package']}: annotations per category (train + val + test)")
    ax.legend()
    for j, attribute in enumerate(attributes):
        ax = fig.add_subplot(grid[1, j])
        labels = list(stats["total"]["attributes"][attribute])
        columns = [(root, split) for root in roots for split in SPLITS if split in stats["roots"][root]["splits"]]
        bottom = [0] * len(columns)
        for label in labels:
            values = [stats["roots"][r]["splits"][s]["attributes"][attribute][label] for r, s in columns]
            ax.bar(range(len(columns)), values, bottom=bottom, label=label)
            bottom = [b + v for b, v in zip(bottom, values)]
        ax.set_xticks(range(len(columns)), [f"{r}\n{s}" for r, s in columns])
        ax.set_title(f"hands by {attribute}")
        ax.set_ylabel("hands")
        ax.legend(fontsize="small")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    plt.close(fig)
    return buffer.getvalue()
