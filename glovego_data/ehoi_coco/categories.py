"""Category lists obeying the v1 rule: objects first in a fixed order, `hand` last (ehoi-coco.md §4)."""

from __future__ import annotations

from typing import Sequence

from glovego_data.ehoi_coco.constants import HAND_CATEGORY, KEYPOINT_NAMES, REFERENCE_CATEGORIES, SKELETON
from glovego_data.ehoi_coco.schema import Category


def build_categories(object_names: Sequence[str]) -> list[Category]:
    """Ids 0..K−2 for `object_names` in the given order, then `hand` with its keypoint names."""
    names = [n for n in object_names if n != HAND_CATEGORY]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate category names in {names}")
    cats = [Category(id=i, name=name, supercategory=name) for i, name in enumerate(names)]
    cats.append(
        Category(
            id=len(names),
            name=HAND_CATEGORY,
            supercategory=HAND_CATEGORY,
            extra={"keypoints": list(KEYPOINT_NAMES), "skeleton": [list(p) for p in SKELETON]},
        )
    )
    return cats


def reference_categories() -> list[Category]:
    """The reference dataset's 20 classes (hand = 19)."""
    return build_categories(REFERENCE_CATEGORIES[:-1])
