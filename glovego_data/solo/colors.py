"""Unity Perception's instance colours (solo.md §4.3), so masks can be matched and generated exactly.

Colours are compared as one packed uint32 key per pixel; `pack_rgba` and `instance_key` define that
key the same way: R is the most significant byte, then G, B, A (`0xRRGGBBAA`).
"""

from __future__ import annotations

import colorsys
import math

import numpy as np

_GOLDEN_RATIO = (1.0 + math.sqrt(5.0)) / 2.0
_HSV_IDS = 1024  # ids 1..1024 use the golden-ratio hue scheme
_HUES_PER_RING = 64
_VALUE_STEPS = 17
_RGB_SPAN = 1 << 24

BACKGROUND_RGBA: tuple[int, int, int, int] = (0, 0, 0, 255)


def _to_byte(x: float) -> int:
    # Unity's Color → Color32 rounds half away from zero on [0, 1] · 255.
    return int(math.floor(min(max(x, 0.0), 1.0) * 255.0 + 0.5))


def instance_color(instance_id: int) -> tuple[int, int, int, int]:
    """The RGBA colour Unity paints instance `instance_id` with in an instance segmentation PNG."""
    if instance_id < 0:
        raise ValueError(f"instance id must be ≥ 0, got {instance_id}")
    if instance_id == 0:
        return BACKGROUND_RGBA
    if instance_id <= _HSV_IDS:
        c = instance_id - 1
        hue = math.modf((c % _HUES_PER_RING) * _GOLDEN_RATIO)[0]
        value = 1.0 - (c // _HUES_PER_RING) / _VALUE_STEPS
        r, g, b = colorsys.hsv_to_rgb(hue, 1.0, value)
        return (_to_byte(r), _to_byte(g), _to_byte(b), 255)
    k = instance_id - _HSV_IDS
    alpha = 254 - k // _RGB_SPAN
    if alpha < 0:
        raise ValueError(f"instance id {instance_id} is beyond Unity's colour space")
    rgb = k % _RGB_SPAN
    return ((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, alpha)


def pack_color(rgba: tuple[int, int, int, int] | list[int]) -> int:
    """One RGBA colour as the uint32 key `pack_rgba` gives its pixels (0xRRGGBBAA)."""
    r, g, b, a = (int(v) for v in rgba)
    for v in (r, g, b, a):
        if not 0 <= v <= 255:
            raise ValueError(f"colour {list(rgba)} has a channel outside 0..255")
    return (r << 24) | (g << 16) | (b << 8) | a


def instance_key(instance_id: int) -> int:
    """The packed key of `instance_color(instance_id)`."""
    return pack_color(instance_color(instance_id))


def pack_rgba(pixels: np.ndarray) -> np.ndarray:
    """H×W×4 uint8 RGBA → H×W uint32 keys 0xRRGGBBAA, one vectorised pass."""
    if pixels.ndim != 3 or pixels.shape[2] != 4 or pixels.dtype != np.uint8:
        raise ValueError(f"expected an H×W×4 uint8 RGBA array, got {pixels.dtype} {pixels.shape}")
    p = pixels.astype(np.uint32)
    return (p[..., 0] << 24) | (p[..., 1] << 16) | (p[..., 2] << 8) | p[..., 3]


def unpack_keys(keys: np.ndarray) -> np.ndarray:
    """The inverse of `pack_rgba`: uint32 keys → ...×4 uint8 RGBA."""
    keys = np.asarray(keys, dtype=np.uint32)
    return np.stack([(keys >> s) & 0xFF for s in (24, 16, 8, 0)], axis=-1).astype(np.uint8)
