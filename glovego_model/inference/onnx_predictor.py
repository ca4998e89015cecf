"""`OnnxEhoiPredictor`: a `glovego export` file run by onnxruntime or OpenVINO, behind `EhoiPredictor`'s interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from glovego_data.errors import GlovegoError
from glovego_model.detections import ImageDetections
from glovego_model.export.contract import check_outputs
from glovego_model.export.graph import INPUT_NAME
from glovego_model.export.metadata import OnnxModelInfo, read_info
from glovego_model.export.runtime import RUNTIMES, OpenVinoSession, onnx_metadata, open_session
from glovego_model.inference.batches import predict_in_batches
from glovego_model.inference.postprocess import MASK_NAME, MAX_DETECTIONS, MIN_SCORE, to_detections
from glovego_model.inference.preprocess import preprocess_images


class OnnxEhoiPredictor:
    """Same preprocessing and the same `to_detections` as `EhoiPredictor`; the graph holds the rest."""

    def __init__(self, path: str | Path, device: str | None = None, threads: int | None = None,
                 runtime: str = "onnxruntime") -> None:
        self.path = Path(path)
        if runtime not in RUNTIMES:
            raise GlovegoError(f"--runtime {runtime}: one of {', '.join(RUNTIMES)}")
        if not self.path.is_file():
            raise GlovegoError(f"{self.path}: no such ONNX file")
        self.runtime = runtime
        try:
            if runtime == "openvino":
                self.session: Any = OpenVinoSession(self.path, threads, device)
                props = onnx_metadata(self.path)
            else:
                self.session = open_session(str(self.path), device, threads)
                props = self.session.get_modelmeta().custom_metadata_map
        except GlovegoError:
            raise
        except Exception as error:  # the runtimes' own error types for unreadable files
            raise GlovegoError(f"{self.path}: {runtime} cannot load it ({str(error).splitlines()[0][:200]})") from None
        self.info: OnnxModelInfo = read_info(props, self.path)
        missing = [name for name in self.info.outputs if name not in {o.name for o in self.session.get_outputs()}]
        if missing:
            raise GlovegoError(f"{self.path}: outputs {missing} named in its metadata are not in the graph")
        self.input_name = INPUT_NAME

    @classmethod
    def from_file(cls, path: str | Path, device: str | None = None, runtime: str = "onnxruntime") -> "OnnxEhoiPredictor":
        import torch

        return cls(path, device=device, threads=torch.get_num_threads(), runtime=runtime)

    @property
    def image_size(self) -> tuple[int, int]:
        """(width, height) the model sees."""
        return int(self.info.image_size[1]), int(self.info.image_size[0])

    @property
    def category_names(self) -> list[str]:
        return list(self.info.categories)

    def run(self, pixels: np.ndarray) -> dict[str, np.ndarray]:
        """Raw graph outputs for preprocessed `pixels` [B, 3, H, W], in the file's fixed batch if it has one."""
        step = self.info.batch or len(pixels)
        parts = [self.session.run(self.info.outputs, {self.input_name: pixels[i : i + step]})
                 for i in range(0, len(pixels), step)]
        outputs = {name: np.concatenate([p[k] for p in parts]) for k, name in enumerate(self.info.outputs)}
        check_outputs(outputs, self.info, len(pixels), self.path)
        return outputs

    def predict(
        self, images: Sequence[np.ndarray], image_ids: Sequence[Any], batch_size: int = 8, *,
        max_detections: int = MAX_DETECTIONS, min_score: float = MIN_SCORE, with_masks: bool = False,
    ) -> list[ImageDetections]:
        """Detections for each HxWx3 uint8 RGB image, boxes and keypoints in its own pixels."""

        def detect(chunk: Sequence[np.ndarray], ids: list[Any], sizes: list[tuple[int, int]]) -> list[ImageDetections]:
            topk = self.run(preprocess_images(chunk, self.image_size))
            topk = {name: value[:, :max_detections] for name, value in topk.items()}
            if not with_masks:
                topk.pop(MASK_NAME, None)
            return to_detections(topk, ids, sizes, self.image_size, self.info.hand_label,
                                 min_score=min_score, with_masks=with_masks)

        return predict_in_batches(images, image_ids, batch_size, detect)
