"""Pictures people can read at 320×240: labels stay in the frame, the key sits below the image,
every number on a label is named."""

from __future__ import annotations

import re

import numpy as np
import pytest

from glovego_data.drawing import CONTACT_COLOURS, _label, legend_height, render_ehoi

HAND = 1
NAMES = {HAND: "hand", 2: "cordless impact screwdriver", 3: "cardboard box", 4: "cup"}


def _crowded(width: int, height: int, n: int, seed: int) -> list[dict]:
    """`n` predictions, a third of them hands, many boxes flush with an edge or a corner."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(n):
        w, h = float(rng.uniform(8, width / 3)), float(rng.uniform(8, height / 3))
        x, y = float(rng.uniform(0, width - w)), float(rng.uniform(0, height - h))
        edge = i % 5
        x = {0: 0.0, 1: width - w}.get(edge, x)
        y = {2: 0.0, 3: height - h}.get(edge, y)
        record = {"image_id": 1, "category_id": HAND if i % 3 == 0 else int(rng.integers(2, 5)),
                  "bbox": [x, y, w, h], "score": float(rng.uniform(0.3, 1.0))}
        if record["category_id"] == HAND:
            record.update({"hand_side": int(rng.integers(0, 2)), "gloves": int(rng.integers(0, 2)),
                           "contact_state": int(rng.integers(-1, 2)), "side_score": float(rng.uniform()),
                           "glove_score": float(rng.uniform()), "contact_score": float(rng.uniform()),
                           "bbox_obj": [], "category_id_obj": -1})
        records.append(record)
    return records


@pytest.mark.parametrize("size", [(320, 240), (160, 120), (1280, 720)])
def test_no_label_leaves_a_crowded_frame(size):
    width, height = size
    image = np.full((height, width, 3), 90, np.uint8)
    records = _crowded(width, height, 24, seed=width)
    drawn = render_ehoi(image, records, NAMES, HAND)
    assert drawn.pixels.shape == (height + legend_height(height, width), width, 3)
    assert drawn.image_height == height and len(drawn.label_boxes) == len(records)
    for x0, y0, x1, y1 in drawn.label_boxes:
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height, (x0, y0, x1, y1)
    # the boxes are where labels were painted: the corner of the last one (drawn on top) has its colour
    x0, y0, _, _ = drawn.label_boxes[-1]
    last = records[-1]
    colour = CONTACT_COLOURS[last["contact_state"]] if last["category_id"] == HAND else None
    if colour is not None:
        assert tuple(drawn.pixels[y0, x0]) == colour


def test_a_label_at_the_right_edge_moves_to_the_other_side_of_its_box():
    image = np.zeros((240, 320, 3), np.uint8)
    record = {"image_id": 1, "category_id": 2, "bbox": [290.0, 100.0, 30.0, 40.0], "score": 0.6}
    (x0, y0, x1, y1), = render_ehoi(image, [record], NAMES, HAND).label_boxes
    assert x1 == 320 and x0 > 0 and y1 == 100  # right-aligned with the box, just above it


def test_the_key_is_below_the_image_and_leaves_its_pixels_alone():
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    drawn = render_ehoi(image, [], NAMES, HAND)
    assert np.array_equal(drawn.pixels[:240], image)
    strip = drawn.pixels[240:]
    assert strip.shape[0] == legend_height(240, 320) > 0 and drawn.pixels.shape[0] % 2 == 0
    for colour in CONTACT_COLOURS.values():  # every hand colour is explained in the strip
        assert (strip == colour).all(axis=-1).any()


def test_every_number_on_a_label_is_named():
    hand = {"category_id": HAND, "hand_side": 1, "gloves": 0, "contact_state": 1, "score": 0.874,
            "side_score": 0.93, "glove_score": 0.2, "contact_score": 0.87}
    assert _label(hand, NAMES, HAND) == "Right 0.93 · bare 0.80 · contact 0.87 · score 0.87"
    assert _label({"category_id": 4, "score": 0.6}, NAMES, HAND) == "cup · score 0.60"
    assert _label({"category_id": HAND, "hand_side": 0, "gloves": 1}, NAMES, HAND) == "Left · glove"
    no_contact = _label({**hand, "contact_score": 0.1}, NAMES, HAND)
    assert "no contact 0.90" in no_contact
    for text in (no_contact, _label(hand, NAMES, HAND)):
        for part in text.split(" · "):
            assert re.fullmatch(r"[A-Za-z][A-Za-z ?]*( \d\.\d\d)?", part), part  # no number on its own
