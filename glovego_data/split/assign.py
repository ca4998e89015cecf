"""Train / val / test by whole groups: seeded, leak-free, as close to the ratios as groups allow."""

from __future__ import annotations

import random
from collections.abc import Mapping

from glovego_data.errors import GlovegoError
from glovego_data.split.groups import Group
from glovego_data.split.options import SPLITS


def fixed_groups(groups: list[Group], keep: Mapping[str, frozenset[str]]) -> tuple[dict[str, str], set[str]]:
    """Group key → split for groups holding a kept image (the group follows its image), and the
    kept names found here. A group with images kept in two splits is an error."""
    split_of_name = {name: split for split, names in keep.items() for name in names}
    fixed: dict[str, str] = {}
    found: set[str] = set()
    for group in groups:
        wanted: dict[str, str] = {}
        for name in group.file_names:
            split = split_of_name.get(name)
            if split is not None:
                wanted.setdefault(split, name)
                found.add(name)
        if len(wanted) > 1:
            examples = ", ".join(f"{name} in {split}" for split, name in sorted(wanted.items()))
            raise GlovegoError(
                f"--keep-split: group '{group.key}' has images fixed in different splits ({examples}); "
                "a group never straddles two splits"
            )
        if wanted:
            fixed[group.key] = next(iter(wanted))
    return fixed, found


def assign_splits(
    groups: list[Group], ratios: Mapping[str, float], seed: str, fixed: Mapping[str, str] | None = None
) -> dict[str, list[Group]]:
    """Each group goes whole to one split. Fixed groups first; the rest, largest first (ties in seeded
    random order), to the split furthest below its image target — so big videos cannot unbalance the
    ratios late."""
    fixed = fixed or {}
    total = sum(g.size for g in groups)
    target = {s: ratios[s] * total for s in SPLITS}
    current = dict.fromkeys(SPLITS, 0)
    out: dict[str, list[Group]] = {s: [] for s in SPLITS}
    free: list[Group] = []
    for group in groups:
        split = fixed.get(group.key)
        if split is None:
            free.append(group)
        else:
            out[split].append(group)
            current[split] += group.size
    random.Random(f"assign:{seed}").shuffle(free)
    free.sort(key=lambda g: -g.size)
    open_splits = [s for s in SPLITS if ratios[s] > 0]
    for group in free:
        split = max(open_splits, key=lambda s: target[s] - current[s])
        out[split].append(group)
        current[split] += group.size
    for split in SPLITS:
        out[split].sort(key=lambda g: g.key)
    if not out["train"]:
        raise GlovegoError(
            f"the train split is empty: {len(groups)} group(s) cannot fill train/val/test with ratios "
            f"{', '.join(f'{ratios[s]:g}' for s in SPLITS)}"
        )
    return out
