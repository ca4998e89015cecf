"""Which image of a dataset root goes to which split file: groups → train/val/test → subsets."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from glovego_data.ehoi_coco import EhoiDataset
from glovego_data.ehoi_coco.schema import ImageId
from glovego_data.split.assign import assign_splits, fixed_groups
from glovego_data.split.groups import Group, build_groups
from glovego_data.split.options import SPLITS, SplitOptions
from glovego_data.split.reference import images_without_visible_keypoints
from glovego_data.split.subsets import SubsetChoice, nested_subsets


@dataclass
class RootInput:
    """One input dataset root (`synth` or `real`), its annotation file and the loaded dataset."""

    name: str
    source_dir: Path
    annotations: Path
    dataset: EhoiDataset


@dataclass
class RootPlan:
    name: str
    rules: dict[str, int]
    splits: dict[str, list[Group]]  # train / val / test
    subsets: list[SubsetChoice]
    kept_found: set[str]

    def groups_of(self, split: str) -> list[Group]:
        if split in self.splits:
            return self.splits[split]
        return next(s.groups for s in self.subsets if f"train_{s.percent}" == split)

    def image_ids(self, split: str) -> list[ImageId]:
        return sorted(i for g in self.groups_of(split) for i in g.image_ids)

    @property
    def notes(self) -> list[str]:
        notes = [n for s in self.subsets for n in s.notes]
        for split in SPLITS:
            if not self.splits[split]:
                notes.append(f"{split} is empty: too few groups for the requested ratios")
        return notes


def plan_root(root: RootInput, options: SplitOptions) -> RootPlan:
    """Seeded per root (`<seed>:<root name>`), so adding real data never reshuffles synth."""
    groups, rules = build_groups(root.dataset, options.group_by)
    fixed, found = fixed_groups(groups, options.keep)
    seed = f"{options.seed}:{root.name}"
    splits = assign_splits(groups, options.ratio_of, seed, fixed)
    subsets = nested_subsets(splits["train"], options.percents, seed)
    return RootPlan(root.name, rules, splits, subsets, found)


def _fraction(part: int, whole: int) -> float:
    return round(part / whole, 6) if whole else 0.0


def split_summary(plan: RootPlan, split: str, dataset: EhoiDataset) -> dict[str, Any]:
    """Counts, proportions and id lists of one split, as MANIFEST.json records them."""
    groups = plan.groups_of(split)
    hands = sum(g.hands for g in groups)
    record: dict[str, Any] = {
        "images": sum(g.size for g in groups),
        "groups": len(groups),
        "hands": hands,
        "gloved_fraction": _fraction(sum(g.gloved for g in groups), hands),
        "contact_fraction": _fraction(sum(g.contact for g in groups), hands),
        "images_without_visible_keypoints": images_without_visible_keypoints(dataset, plan.image_ids(split)),
    }
    subset = next((s for s in plan.subsets if f"train_{s.percent}" == split), None)
    if subset is not None:
        record["requested_percent"] = subset.percent
        record["achieved_percent"] = round(subset.achieved_percent, 3)
    record["group_keys"] = [g.key for g in groups]
    record["image_ids"] = plan.image_ids(split)
    return record
