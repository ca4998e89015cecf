"""Group keys: frames of one video or Unity sequence share a key and never straddle two splits."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from glovego_data.ehoi_coco import EhoiDataset, Image
from glovego_data.ehoi_coco.schema import ImageId
from glovego_data.errors import GlovegoError

GROUP_MODES: tuple[str, ...] = ("video", "sequence", "none")

# Rule names, as reported in MANIFEST.json and the split report.
RULE_VIDEO = "video field"
RULE_FILE_NAME = "file name <video>_<frame>"
RULE_SEQUENCE = "SOLO sequence"
RULE_IMAGE = "single image"

# Real frames are `<video>_<frame>.<ext>` (e.g. 66_28449.jpg). Synthetic `camera_<n>` names carry an
# image id, not a video, so they never match: `camera` would otherwise swallow a whole export.
_FRAME_NAME = re.compile(r"^(?P<video>.+)_(?P<frame>\d+)$")
_SYNTH_NAME = re.compile(r"^camera_\d+$")

GROUP_RULE_TEXT = {
    "video": "the image's `video` field; else `<video>` parsed from a `<video>_<frame>.<ext>` file name "
    "(synthetic `camera_<n>` names excepted); else the SOLO sequence `<dataset>/sequence.<S>`; else the image alone",
    "sequence": "the SOLO sequence `<dataset>/sequence.<S>`; else the image's `video` field; else `<video>` parsed "
    "from a `<video>_<frame>.<ext>` file name; else the image alone",
    "none": "every image is its own group (frames of one video may land in different splits)",
}


def _from_video(image: Image) -> str | None:
    return str(image.video) if image.video not in (None, "") else None


def _from_file_name(image: Image) -> str | None:
    stem = image.stem
    if _SYNTH_NAME.match(stem):
        return None
    match = _FRAME_NAME.match(stem)
    return match.group("video") if match else None


def _from_sequence(image: Image) -> str | None:
    solo = image.solo
    if not isinstance(solo, dict) or solo.get("sequence") is None:
        return None
    return f"{solo.get('dataset', 'solo')}/sequence.{solo['sequence']}"


_CHAINS = {
    "video": ((RULE_VIDEO, _from_video), (RULE_FILE_NAME, _from_file_name), (RULE_SEQUENCE, _from_sequence)),
    "sequence": ((RULE_SEQUENCE, _from_sequence), (RULE_VIDEO, _from_video), (RULE_FILE_NAME, _from_file_name)),
    "none": (),
}


def group_key(image: Image, mode: str = "video") -> tuple[str, str]:
    """(key, rule that produced it) for one image."""
    if mode not in _CHAINS:
        raise GlovegoError(f"--group-by must be one of {', '.join(GROUP_MODES)}; got '{mode}'")
    for rule, extract in _CHAINS[mode]:
        key = extract(image)
        if key is not None:
            return key, rule
    return f"image:{image.file_name}", RULE_IMAGE


@dataclass
class Group:
    """The images of one group and the counts the splitter balances and stratifies on."""

    key: str
    image_ids: list[ImageId] = field(default_factory=list)
    file_names: list[str] = field(default_factory=list)
    hands: int = 0
    gloved: int = 0
    contact: int = 0

    @property
    def size(self) -> int:
        return len(self.image_ids)


def build_groups(dataset: EhoiDataset, mode: str = "video") -> tuple[list[Group], dict[str, int]]:
    """Groups sorted by key, and how many images each rule keyed (for the report)."""
    groups: dict[str, Group] = {}
    rules: Counter[str] = Counter()
    group_of: dict[ImageId, Group] = {}
    for image in dataset.images:
        key, rule = group_key(image, mode)
        rules[rule] += 1
        group = groups.setdefault(key, Group(key))
        group.image_ids.append(image.id)
        group.file_names.append(image.file_name)
        group_of[image.id] = group
    hand_id = dataset.hand_category_id
    for ann in dataset.annotations:
        if ann.category_id != hand_id:
            continue
        group = group_of.get(ann.image_id)
        if group is None:
            continue
        group.hands += 1
        group.gloved += ann.gloves == 1
        group.contact += ann.contact_state == 1
    return [groups[k] for k in sorted(groups)], dict(sorted(rules.items()))
