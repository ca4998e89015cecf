"""SOLO keypoint templates → the 21 MediaPipe hand keypoints (solo.md §6.6).

Template labels are normalised and looked up in an alias table, then in the mapping's
`[keypoints] aliases`. A hand template missing a canonical name is a dataset error, never a
silently empty keypoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from glovego_data.ehoi_coco.constants import KEYPOINT_NAMES, NUM_KEYPOINTS
from glovego_data.solo.errors import DatasetError, FrameError
from glovego_data.solo.schema import KeypointTemplate, KeypointValue

_DROPPED_TOKENS = {"left", "right", "l", "r", "lh", "rh", "hand", "finger"}
_FINGER_SYNONYMS = {
    "thumb": ("thumb",),
    "index": ("index", "forefinger", "pointer"),
    "middle": ("middle", "mid"),
    "ring": ("ring",),
    "pinky": ("pinky", "little", "pinkie"),
}
_JOINTS = {
    "thumb": ("cmc", "mcp", "ip", "tip"),
    "index": ("mcp", "pip", "dip", "tip"),
    "middle": ("mcp", "pip", "dip", "tip"),
    "ring": ("mcp", "pip", "dip", "tip"),
    "pinky": ("mcp", "pip", "dip", "tip"),
}


def _alias_table() -> dict[str, str]:
    table = {"wrist": "wrist", "carpal": "wrist"}
    for finger, joints in _JOINTS.items():
        for synonym in _FINGER_SYNONYMS[finger]:
            for number, joint in enumerate(joints, start=1):
                canonical = f"{finger}_{joint}"
                table[f"{synonym}_{joint}"] = canonical
                table[f"{synonym}{number}"] = canonical  # thumb1…thumb4: base → tip
    return table


ALIASES: dict[str, str] = _alias_table()


def normalise_label(label: str) -> str:
    """`INDEX_FINGER_TIP`, `IndexTip`, `hand_R_index4` → `index_tip`-style tokens joined by `_`."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", label.strip())
    tokens = [t for t in re.split(r"[\s_\-.]+", spaced.lower()) if t and t not in _DROPPED_TOKENS]
    return "_".join(tokens)


def canonical_name(label: str, user_aliases: dict[str, str]) -> str | None:
    """The MediaPipe name a template label stands for, or None."""
    norm = normalise_label(label)
    for candidate in (norm, re.sub(r"_(\d)$", r"\1", norm)):
        if candidate in ALIASES:
            return ALIASES[candidate]
    for key in (label, norm):
        if key in user_aliases:
            target = user_aliases[key]
            return target if target in KEYPOINT_NAMES else ALIASES.get(normalise_label(target))
    return None


@dataclass(frozen=True)
class TemplateMap:
    """Which template index feeds each of the 21 MediaPipe slots."""

    template_id: str
    name: str
    size: int
    slots: tuple[int, ...]  # slots[k] = template index of KEYPOINT_NAMES[k]
    extra_labels: tuple[str, ...]  # template labels not used (listed in the report)

    def to_coco(self, value: KeypointValue, frame_rel: str) -> tuple[list[float], int]:
        """Flat 63 numbers in MediaPipe order and num_keypoints; x, y shifted by −0.5 (ehoi-coco.md §6.2)."""
        if len(value.points) != self.size:
            raise FrameError(
                frame_rel, frame_rel,
                f"instance {value.instance_id}: {len(value.points)} keypoints, template '{self.name or self.template_id}' has {self.size}",
            )
        by_index = {p.index: p for p in value.points}
        flat: list[float] = []
        visible = 0
        for slot in self.slots:
            point = by_index.get(slot)
            state = point.state if point is not None else 0
            if state not in (1, 2) or point is None:
                flat.extend((0.0, 0.0, 0))
                continue
            flat.extend((point.x - 0.5, point.y - 0.5, state))
            visible += 1
        return flat, visible


def map_template(template: KeypointTemplate, user_aliases: dict[str, str], where: str = "annotation_definitions.json") -> TemplateMap:
    """Resolve a template's labels; missing canonical names raise the §6.6 dataset error."""
    found: dict[str, int] = {}
    extra = []
    for index, label in enumerate(template.labels):
        name = canonical_name(label, user_aliases)
        if name is None or name in found:
            extra.append(label)
        else:
            found[name] = index
    missing = [n for n in KEYPOINT_NAMES if n not in found]
    if missing:
        raise DatasetError(
            f"{where}: keypoint template '{template.name}' ({template.template_id}) has no keypoint for "
            f"{', '.join(missing)}; add [keypoints.aliases] to the mapping file"
        )
    assert len(found) == NUM_KEYPOINTS
    return TemplateMap(
        template.template_id, template.name, len(template.labels),
        tuple(found[n] for n in KEYPOINT_NAMES), tuple(extra),
    )


def undefined_template_error(template_id: str) -> DatasetError:
    return DatasetError(
        f"keypoint template {template_id} is not defined (annotation_definitions.json missing); "
        "give [keypoints] names in the mapping file"
    )
