"""The demo's test split measures: the bundled frames plus generated ones pinned to test, so one
hand moves AP Hand by about one point, not 15–50 (issue 22)."""

from __future__ import annotations

import json

from glovego_data.ehoi_coco import load_dataset
from glovego_data.split.keep import parse_keep_arg, read_keep_file
from glovego_pipelines.assets import SAMPLE_DIR
from glovego_pipelines.demo_sample import DEMO_TEST_FRAMES, DEMO_VAL_FRAMES, build_demo_real


def test_demo_real_sample_adds_test_frames_with_enough_hands(tmp_path):
    keep = build_demo_real(SAMPLE_DIR / "real", tmp_path / "a")
    merged = load_dataset(tmp_path / "a" / "annotations" / "all.json")
    bundled = load_dataset(SAMPLE_DIR / "real" / "annotations" / "all.json")
    pinned = {split: read_keep_file(path) for split, path in map(parse_keep_arg, keep)}
    assert sorted(pinned) == ["test", "val"]
    assert len(pinned["test"]) == DEMO_TEST_FRAMES >= 48 and len(pinned["val"]) == DEMO_VAL_FRAMES
    by_name = {image.file_name: image.id for image in merged.images}
    assert not (pinned["test"] | pinned["val"]) & {image.file_name for image in bundled.images}
    test_ids = {by_name[name] for name in pinned["test"]}
    test_hands = [a for a in merged.annotations if merged.is_hand(a) and a.image_id in test_ids]
    assert len(test_hands) >= 80 and any(a.contact_state == 1 for a in test_hands)
    assert len(merged.images) == len(bundled.images) + DEMO_TEST_FRAMES + DEMO_VAL_FRAMES
    assert len({a.id for a in merged.annotations}) == len(merged.annotations)
    objects = {a.id: a for a in merged.annotations if not merged.is_hand(a)}
    for hand in test_hands:  # active objects still point at their own frame's object
        if hand.contact_state == 1:
            assert objects[hand.id_obj].image_id == hand.image_id
    for image in merged.images:
        assert (tmp_path / "a" / "images" / image.file_name).is_file()
    assert set(json.loads((tmp_path / "a" / "keep_test.json").read_text())) == pinned["test"]
    # Same bytes every run: generate_toy_dataset's own guarantee (tests/model/test_data.py).
