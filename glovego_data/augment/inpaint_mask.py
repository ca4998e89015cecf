"""The mask of a mask-restricted edit: the dilated hand regions, on the latent grid and back.

The inpaint pipeline keeps the original latents wherever its mask is 0, but decoding the latents
moves every pixel a little, so the editor pastes the original back outside the mask, bit for bit.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from glovego_data._cv2 import cv2
from glovego_data.augment.composite import composite_alpha
from glovego_data.augment.regions import HandRegion

LATENT_CELL = 8  # FLUX's VAE: one latent pixel per 8 × 8 image pixels


def edit_mask(regions: Sequence[HandRegion], shape: tuple[int, int]) -> np.ndarray:
    """Where the model may change pixels: wherever the composite's α > 0 (region + dilation + ramp)."""
    return composite_alpha(regions, shape) > 0


def latent_grid_mask(mask: np.ndarray, size: tuple[int, int], cell: int = LATENT_CELL) -> np.ndarray:
    """The mask at work size `(width, height)`, made of whole latent cells: a cell is 255 iff it
    overlaps the full-resolution `mask` at all, so the model redraws every masked pixel."""
    width, height = size
    if width % cell or height % cell:
        raise ValueError(f"work size {width}×{height} is not a multiple of the latent cell {cell}")
    coverage = cv2.resize(mask.astype(np.float32), (width // cell, height // cell), interpolation=cv2.INTER_AREA)
    cells = np.where(coverage > 0, 255, 0).astype(np.uint8)
    return np.repeat(np.repeat(cells, cell, axis=0), cell, axis=1)


def paste_outside(original: np.ndarray, edited: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`edited` inside `mask`, the original pixels (copied, not recomputed) everywhere else."""
    if original.shape != edited.shape or original.shape[:2] != mask.shape:
        raise ValueError(f"paste needs equal shapes; got {original.shape}, {edited.shape} and mask {mask.shape}")
    out = original.copy()
    out[mask] = edited[mask]
    return out
