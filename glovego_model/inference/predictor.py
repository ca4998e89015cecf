"""`EhoiPredictor`: a saved detector applied to RGB arrays, giving `ImageDetections` per image."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from glovego_data.errors import GlovegoError
from glovego_model.detections import ImageDetections
from glovego_model.inference.batches import predict_in_batches
from glovego_model.inference.postprocess import MAX_DETECTIONS, MIN_SCORE, postprocess
from glovego_model.inference.preprocess import preprocess_images


def resolve_model_dir(path: str | Path) -> Path:
    """A `save_pretrained` folder, or a training run folder (its `best/`, else `final/`)."""
    path = Path(path)
    if (path / "config.json").is_file():
        return path
    for sub in ("best", "final"):
        if (path / sub / "config.json").is_file():
            return path / sub
    raise GlovegoError(f"{path}: not a model folder (no config.json) nor a run folder with best/ or final/")


class EhoiPredictor:
    """Batched inference with the training-time preprocessing (resize without aspect, RGB / 255)."""

    def __init__(self, model: torch.nn.Module, device: str | torch.device | None = None) -> None:
        self.device = torch.device(device) if device is not None else torch.device(
            "cuda" if torch.cuda.is_available() else "cpu")
        self.model = model.to(self.device).eval()
        self.config = model.config
        width, height = self.image_size
        self._input_size = (int(width), int(height))

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str | torch.device | None = None) -> "EhoiPredictor":
        from glovego_model.modeling import load_model

        return cls(load_model(str(resolve_model_dir(path))), device=device)

    @property
    def image_size(self) -> tuple[int, int]:
        """(width, height) the model sees; configs store [height, width]."""
        size = list(getattr(self.config, "ehoi_image_size", None) or [640, 640])
        return int(size[1]), int(size[0])

    @property
    def category_names(self) -> list[str]:
        return [self.config.id2label[i] for i in sorted(int(k) for k in self.config.id2label)]

    def preprocess(self, images: Sequence[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(preprocess_images(images, self._input_size))

    @torch.no_grad()
    def predict(
        self, images: Sequence[np.ndarray], image_ids: Sequence[Any], batch_size: int = 8, *,
        max_detections: int = MAX_DETECTIONS, min_score: float = MIN_SCORE, with_masks: bool = False,
    ) -> list[ImageDetections]:
        """Detections for each HxWx3 uint8 RGB image, boxes and keypoints in its own pixels."""

        def detect(chunk: Sequence[np.ndarray], ids: list[Any], sizes: list[tuple[int, int]]) -> list[ImageDetections]:
            pixels = self.preprocess(chunk).to(self.device)
            with torch.autocast(self.device.type, dtype=torch.bfloat16,
                                enabled=self.device.type == "cuda" and torch.cuda.is_bf16_supported()):
                outputs = self.model(pixels)
            return postprocess(self.config, outputs, ids, sizes, max_detections=max_detections, min_score=min_score,
                               with_masks=with_masks, input_size=self._input_size)

        return predict_in_batches(images, image_ids, batch_size, detect)
