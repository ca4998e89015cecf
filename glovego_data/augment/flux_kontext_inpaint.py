"""The mask-restricted Kontext backend: diffusers' real `FluxKontextInpaintPipeline`, loaded locally.

The same weights, prompt embeddings, work sizes and per-image generators as the whole-image
backend (`flux_kontext`), plus a mask: the dilated hand regions, rounded out to whole latent
cells. Inside it the model redraws the hands with the whole image as context; outside it the
pipeline keeps the original latents at every step, and the editor pastes the original pixels back
(the VAE decode moves them), so nothing but the hands can change.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from PIL import Image as PILImage

from glovego_data.augment.flux_kontext import KontextRunner, to_original_size, to_work_size
from glovego_data.augment.inpaint_mask import edit_mask, latent_grid_mask, paste_outside
from glovego_data.augment.regions import HandRegion

STRENGTH = 1.0  # the masked area starts from pure noise: the hands are redrawn, not retouched


class KontextInpaintEditor(KontextRunner):
    """Kontext edits restricted to a mask per image; bit-identical to the original outside it."""

    pipeline_class = "FluxKontextInpaintPipeline"

    def edit(
        self, images: Sequence[np.ndarray], masks: Sequence[np.ndarray], seeds: Sequence[int], size: tuple[int, int]
    ) -> list[np.ndarray]:
        """Edit RGB uint8 images of one bucket inside their boolean full-resolution `masks`."""
        cell = int(self.pipe.vae_scale_factor)
        work_masks = [PILImage.fromarray(latent_grid_mask(m, size, cell)) for m in masks]
        edited = to_original_size(self.run(to_work_size(images, size), seeds, mask_image=work_masks, strength=STRENGTH), images)
        return [paste_outside(img[..., :3], out, m) for img, out, m in zip(images, edited, masks)]

    def edit_hands(
        self, images: Sequence[np.ndarray], regions: Sequence[Sequence[HandRegion]], seeds: Sequence[int], size: tuple[int, int]
    ) -> list[np.ndarray]:
        """The `Editor` call: the mask is where the composite may use the edit (spec §5.2)."""
        masks = [edit_mask(regs, img.shape[:2]) for img, regs in zip(images, regions)]
        return self.edit(images, masks, seeds, size)
