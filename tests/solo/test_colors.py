"""Unity instance colours and the packed key the converter matches mask pixels with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from glovego_data.solo.colors import instance_color, instance_key, pack_color, pack_rgba, unpack_keys


@pytest.mark.parametrize(
    ("instance_id", "rgba"),
    [
        (0, (0, 0, 0, 255)),
        (12, (202, 0, 255, 255)),
        (31, (0, 192, 255, 255)),
        (13, (0, 255, 127, 255)),
        (1025, (0, 0, 1, 254)),
        (1024 + 0x123456, (0x12, 0x34, 0x56, 254)),
        (1024 + (1 << 24) + 7, (0, 0, 7, 253)),
    ],
)
def test_known_colours(instance_id: int, rgba: tuple[int, int, int, int]) -> None:
    assert instance_color(instance_id) == rgba


def test_hsv_range_is_unique_and_never_background() -> None:
    colours = {instance_color(i) for i in range(1, 1025)}
    assert len(colours) == 1024
    assert (0, 0, 0, 255) not in colours
    # The value ring drops every 64 ids: id 65 is the hue of id 1 at value 16/17.
    assert instance_color(1) == (255, 0, 0, 255)
    assert instance_color(65) == (240, 0, 0, 255)


def test_ids_above_1024_differ_from_hsv_ids_by_alpha() -> None:
    # RGB (255, 0, 0) is both id 1 (alpha 255) and id 1024 + 0xFF0000 (alpha 254).
    assert instance_color(1)[:3] == instance_color(1024 + 0xFF0000)[:3]
    assert instance_key(1) != instance_key(1024 + 0xFF0000)


def test_negative_id_rejected() -> None:
    with pytest.raises(ValueError):
        instance_color(-1)


def test_colours_match_the_real_unity_exports(shared_fixtures: Path) -> None:
    checked = 0
    for frame in sorted(shared_fixtures.glob("solo/*/sequence.*/*.frame_data.json")):
        for capture in json.loads(frame.read_text()).get("captures") or []:
            for annotation in capture.get("annotations") or []:
                for inst in annotation.get("instances") or []:
                    if "instanceId" in inst and "color" in inst:
                        assert tuple(inst["color"]) == instance_color(inst["instanceId"]), frame
                        checked += 1
    assert checked >= 30


def test_pack_byte_order_and_round_trip() -> None:
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, size=(5, 7, 4), dtype=np.uint8)
    keys = pack_rgba(pixels)
    assert keys.dtype == np.uint32 and keys.shape == (5, 7)
    r, g, b, a = (int(v) for v in pixels[2, 3])
    assert int(keys[2, 3]) == (r << 24) | (g << 16) | (b << 8) | a == pack_color((r, g, b, a))
    np.testing.assert_array_equal(unpack_keys(keys), pixels)


def test_pack_rgba_agrees_with_instance_key() -> None:
    ids = [0, 1, 12, 31, 500, 1024, 1025, 1024 + (1 << 24) + 3]
    pixels = np.array([[instance_color(i) for i in ids]], dtype=np.uint8)
    assert pack_rgba(pixels)[0].tolist() == [instance_key(i) for i in ids]


def test_pack_rgba_rejects_rgb() -> None:
    with pytest.raises(ValueError):
        pack_rgba(np.zeros((2, 2, 3), dtype=np.uint8))
    with pytest.raises(ValueError):
        pack_color((0, 0, 256, 255))
