"""The CPU recolour backend (spec §9): a work-glove material that keeps each hand's shading.

Fallback without GPU or weights, the demo and test backend, and a baseline; it looks painted
(no seams, thickness or wrinkles) and is never presented as Kontext.
"""

from __future__ import annotations

from typing import Sequence

from glovego_data._cv2 import cv2
import numpy as np

from glovego_data.augment.composite import ramp_alpha
from glovego_data.augment.regions import HandRegion
from glovego_data.errors import GlovegoError

GLOVE_PRESETS: dict[str, tuple[int, int, int]] = {
    "yellow": (232, 196, 40),
    "orange": (236, 112, 28),
    "grey-nitrile": (128, 134, 142),
    "blue-nitrile": (48, 98, 196),
}
SHADING_CLIP = (0.35, 1.6)
SHADING_GAMMA = 0.8
TEXTURE_L = 4.0
CUFF_DARKEN_L = 14.0


def parse_glove_color(text: str) -> tuple[int, int, int]:
    """A preset name or `R,G,B` with components 0–255."""
    key = text.strip().lower()
    if key in GLOVE_PRESETS:
        return GLOVE_PRESETS[key]
    parts = key.split(",")
    try:
        rgb = tuple(int(p) for p in parts)
    except ValueError:
        rgb = ()
    if len(rgb) != 3 or not all(0 <= c <= 255 for c in rgb):
        names = ", ".join(GLOVE_PRESETS)
        raise GlovegoError(f"--glove-color must be one of {names} or R,G,B (0-255); got {text!r}")
    return rgb  # type: ignore[return-value]


def _lab(rgb: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)


def _axis(region: HandRegion) -> tuple[np.ndarray, np.ndarray, float | None]:
    """Unit vector wrist → middle MCP (or the mask's long axis), an origin, and the wrist position."""
    if region.landmarks is not None:
        pts = region.landmarks.points - 0.5
        vec = pts[9] - pts[0]
        norm = float(np.linalg.norm(vec)) or 1.0
        return vec / norm, pts[0], 0.0
    ys, xs = np.nonzero(region.mask)
    coords = np.stack([xs, ys], axis=1).astype(np.float64)
    centre = coords.mean(axis=0)
    cov = np.cov((coords - centre).T) if len(coords) > 2 else np.eye(2)
    vals, vecs = np.linalg.eigh(cov)
    vec = vecs[:, int(np.argmax(vals))]
    return vec, centre, None


def recolor_hand(
    rgb: np.ndarray,
    region: HandRegion,
    glove_rgb: tuple[int, int, int],
    rng: np.random.Generator,
) -> np.ndarray:
    """Recolour one hand in place on a copy of `rgb` and return it."""
    size = region.size
    ys, xs = np.nonzero(region.mask)
    if ys.size == 0:
        return rgb
    pad = int(np.ceil(0.05 * size)) + 4
    y0, y1 = max(0, ys.min() - pad), min(rgb.shape[0], ys.max() + pad + 1)
    x0, x1 = max(0, xs.min() - pad), min(rgb.shape[1], xs.max() + pad + 1)
    crop = rgb[y0:y1, x0:x1, :3]
    mask = region.mask[y0:y1, x0:x1]
    alpha = ramp_alpha(mask, max(1, round(0.015 * size)), 1)

    lab = _lab(crop)
    light = lab[..., 0]
    sigma = max(0.5, 0.004 * size)
    smooth = cv2.GaussianBlur(light, (0, 0), sigma)
    median = float(np.median(light[mask])) or 1.0
    shading = np.clip(smooth / median, *SHADING_CLIP) ** SHADING_GAMMA
    shading = np.where(mask, shading, np.minimum(shading, 1.0))  # no bright halo on light backgrounds

    glove_lab = _lab(np.array([[glove_rgb]], dtype=np.uint8))[0, 0]
    vec, origin, wrist = _axis(region)
    gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    along = (gx - origin[0]) * vec[0] + (gy - origin[1]) * vec[1]
    period = max(3.0, 0.03 * size)
    ribs = np.sin(2 * np.pi * along / period)
    noise = cv2.GaussianBlur(rng.standard_normal(light.shape).astype(np.float32), (0, 0), max(0.7, 0.006 * size))
    noise /= float(noise.std()) or 1.0
    texture = TEXTURE_L * (0.6 * ribs + 0.4 * noise)

    new_l = glove_lab[0] * shading + texture
    if wrist is not None:
        cuff = along < wrist
        new_l = np.where(cuff, new_l - CUFF_DARKEN_L + 2.0 * ribs, new_l)
    out_lab = np.stack(
        [np.clip(new_l, 0, 100), np.full_like(light, glove_lab[1]), np.full_like(light, glove_lab[2])], axis=-1
    ).astype(np.float32)
    glove = np.clip(cv2.cvtColor(out_lab, cv2.COLOR_LAB2RGB) * 255.0, 0, 255)
    a = alpha[..., None]
    mixed = np.floor(a * glove + (1 - a) * crop.astype(np.float32) + 0.5).astype(np.uint8)
    out = rgb.copy()
    out[y0:y1, x0:x1, :3] = np.where(a > 0, mixed, crop)
    return out


def recolor_hands(
    rgb: np.ndarray,
    regions: Sequence[HandRegion],
    glove_rgb: tuple[int, int, int],
    seed: int,
) -> np.ndarray:
    """The classical backend's raw output: every hand region recoloured, in annotation order."""
    rng = np.random.default_rng(seed)
    out = rgb[..., :3].copy()
    for region in regions:
        out = recolor_hand(out, region, glove_rgb, rng)
    return out


class ClassicalEditor:
    """The `Editor` of the classical backend: one glove colour, one recolour per image."""

    def __init__(self, glove_rgb: tuple[int, int, int]) -> None:
        self.glove_rgb = glove_rgb

    def edit_hands(
        self, images: Sequence[np.ndarray], regions: Sequence[Sequence[HandRegion]], seeds: Sequence[int], size: tuple[int, int]
    ) -> list[np.ndarray]:
        """Recolour every region; the work size is Kontext's and does not apply here."""
        return [recolor_hands(img, regs, self.glove_rgb, seed) for img, regs, seed in zip(images, regions, seeds)]
