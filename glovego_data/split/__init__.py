"""GlovEgo-HOI packages: leak-free grouped splits, nested training subsets, MANIFEST and stats."""

from glovego_data.split.assign import SPLITS, assign_splits
from glovego_data.split.groups import GROUP_MODES, Group, build_groups
from glovego_data.split.manifest import read_manifest, verify_package
from glovego_data.split.options import SplitOptions, parse_ratios
from glovego_data.split.subsets import SubsetChoice, nested_subsets

__all__ = [
    "GROUP_MODES",
    "SPLITS",
    "Group",
    "SplitOptions",
    "SubsetChoice",
    "assign_splits",
    "build_groups",
    "nested_subsets",
    "parse_ratios",
    "read_manifest",
    "verify_package",
]
