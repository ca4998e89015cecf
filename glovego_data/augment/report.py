"""The final report (spec §12): counts by outcome, SSIM histogram, gloved-hand share, timing."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from glovego_data.augment.ssim import SSIM_DEFINITION
from glovego_data.ehoi_coco import EhoiDataset

STATUSES = ("accepted", "rejected_ssim", "rejected_no_hand_changed", "failed")


def _gloved_share(datasets: dict[str, EhoiDataset]) -> dict[str, Any]:
    hands: dict[tuple[str, int], int] = {}
    for dataset in datasets.values():
        names = {img.id: img.file_name for img in dataset.images}
        for ann in dataset.hands():
            hands[(names.get(ann.image_id, ""), ann.id)] = ann.gloves if ann.gloves is not None else -1
    total = len(hands)
    gloved = sum(1 for g in hands.values() if g == 1)
    return {"hands": total, "gloved": gloved, "percent": round(100.0 * gloved / total, 2) if total else 0.0}


def ssim_histogram(values: list[float]) -> dict[str, int]:
    """0.01-wide bins keyed by their lower edge."""
    bins = Counter(f"{math.floor(v * 100 + 1e-9) / 100:.2f}" for v in values)
    return dict(sorted(bins.items()))


def build_report(
    plan: Any, results: dict[str, dict[str, Any]], splits: dict[str, EhoiDataset], outputs: dict[str, EhoiDataset],
    options: Any, seconds: float, processed: int,
) -> dict[str, Any]:
    edits = [r["glove_edit"] for r in results.values()]
    status = Counter(e["status"] for e in edits)
    regions = Counter(h["region"] for e in edits for h in e["hands"])
    ssims = [e["ssim"] for e in edits if e["ssim"] is not None]
    return {
        "images_seen": len(plan.sources),
        "eligible": sum(1 for s in plan.sources.values() if s.eligible),
        "selected": len(plan.selected),
        "batches": len(plan.batches),
        "outcomes": {s: status.get(s, 0) for s in STATUSES},
        "hands_gloved_by_edit": sum(1 for e in edits for h in e["hands"] if h.get("gloved")),
        "gloved_hands_before": _gloved_share(splits),
        "gloved_hands_after": _gloved_share(outputs),
        "region_sources": dict(sorted(regions.items())),
        "ssim": {"definition": SSIM_DEFINITION, "threshold": options.ssim, "on": options.ssim_on, "histogram": ssim_histogram(ssims)},
        "backend": options.backend,
        "mode": options.mode,
        "failed": {r["file_name"]: r["glove_edit"].get("error") for r in results.values() if r["glove_edit"]["status"] == "failed"},
        "timing": {
            "seconds_this_run": round(seconds, 3),
            "images_this_run": processed,
            "seconds_per_image": round(seconds / processed, 4) if processed else None,
            "images_per_second": round(processed / seconds, 4) if processed and seconds > 0 else None,
        },
    }
