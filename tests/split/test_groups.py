"""Group keys: the rule chain of docs/split.md, and splitting by whole groups."""

from __future__ import annotations

from glovego_data.ehoi_coco import Image
from glovego_data.split.assign import assign_splits
from glovego_data.split.groups import (
    RULE_FILE_NAME,
    RULE_IMAGE,
    RULE_SEQUENCE,
    RULE_VIDEO,
    Group,
    group_key,
)

SOLO = {"dataset": "run1", "sequence": 3, "step": 0, "frame": 0, "sensor": "camera"}


def test_video_field_wins_then_file_name_then_sequence_then_image():
    assert group_key(Image(1, "66_28449.jpg", 4, 4, video="v7")) == ("v7", RULE_VIDEO)
    assert group_key(Image(1, "66_28449.jpg", 4, 4)) == ("66", RULE_FILE_NAME)
    assert group_key(Image(1, "line_b_cam2_00017.jpg", 4, 4)) == ("line_b_cam2", RULE_FILE_NAME)
    assert group_key(Image(7, "camera_7.png", 4, 4, solo=SOLO)) == ("run1/sequence.3", RULE_SEQUENCE)
    # `camera_<n>` is a synthetic image id, never a video called "camera"
    assert group_key(Image(7, "camera_7.png", 4, 4)) == ("image:camera_7.png", RULE_IMAGE)
    assert group_key(Image(2, "frame.jpg", 4, 4)) == ("image:frame.jpg", RULE_IMAGE)


def test_sequence_mode_prefers_solo_and_none_mode_isolates_images():
    image = Image(7, "12_7.png", 4, 4, video="v", solo=SOLO)
    assert group_key(image, "sequence") == ("run1/sequence.3", RULE_SEQUENCE)
    assert group_key(image, "none") == ("image:12_7.png", RULE_IMAGE)


def _groups(sizes: list[int]) -> list[Group]:
    return [Group(f"g{i:03d}", list(range(i * 1000, i * 1000 + n)), [f"{i}_{k}.png" for k in range(n)]) for i, n in enumerate(sizes)]


def test_assignment_keeps_groups_whole_hits_ratios_and_is_seeded():
    groups = _groups([1 + (7 * i) % 13 for i in range(200)])
    total = sum(g.size for g in groups)
    ratios = {"train": 0.7, "val": 0.1, "test": 0.2}
    a = assign_splits(groups, ratios, "5")
    assert sorted(g.key for s in a.values() for g in s) == [g.key for g in groups]
    for split, share in ratios.items():
        assert abs(sum(g.size for g in a[split]) / total - share) < 0.01
    again = assign_splits(_groups([1 + (7 * i) % 13 for i in range(200)]), ratios, "5")
    assert {s: [g.key for g in v] for s, v in a.items()} == {s: [g.key for g in v] for s, v in again.items()}
    other = assign_splits(groups, ratios, "6")
    assert {s: [g.key for g in v] for s, v in a.items()} != {s: [g.key for g in v] for s, v in other.items()}
