"""What a glove backend is to the pipeline: one call that edits a batch of one work size."""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np

from glovego_data.augment.regions import HandRegion


class Editor(Protocol):
    def edit_hands(
        self, images: Sequence[np.ndarray], regions: Sequence[Sequence[HandRegion]], seeds: Sequence[int], size: tuple[int, int]
    ) -> list[np.ndarray]:
        """The raw outputs (RGB uint8, each at its original's size) of RGB images whose hands to
        edit are `regions`, one seed per image; `size` is the batch's work size (width, height)."""
        ...
