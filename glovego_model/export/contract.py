"""The output contract of a GlovEgo ONNX file (docs/export.md), checked on what the graph returns:
a file that carries our metadata but computes something else (another graph, a hand-edited
file, a broken export) is one line saying what is wrong, never records with `category_id: 999`."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np

from glovego_data.errors import GlovegoError
from glovego_model.export.metadata import OnnxModelInfo

KEYPOINTS = 21
MASK_STRIDE = 8
_PROBABILITIES = ("scores", "side_prob", "contact_prob", "glove_prob")
_FINITE = ("boxes", "offsets", "keypoints")


def expected_shapes(info: OnnxModelInfo, batch: int) -> dict[str, tuple[int, ...]]:
    """Output name → the shape the contract gives it for `batch` images."""
    k = info.max_detections
    height, width = info.image_size
    per_row = {"scores": (), "labels": (), "query_index": (), "side_prob": (), "contact_prob": (), "glove_prob": (),
               "boxes": (4,), "offsets": (2,), "keypoints": (KEYPOINTS, 3),
               "mask_logits": (height // MASK_STRIDE, width // MASK_STRIDE)}
    return {name: (batch, k, *tail) for name, tail in per_row.items()}


def check_outputs(outputs: Mapping[str, np.ndarray], info: OnnxModelInfo, batch: int, path: Path) -> None:
    """Raise GlovegoError `<file>: output '<name>' …` at the first output that breaks the contract:
    its shape, non-finite boxes / offsets / keypoints, probabilities outside [0, 1], labels that
    are not a class of the metadata."""
    shapes = expected_shapes(info, batch)
    for name, value in outputs.items():
        wanted = shapes.get(name)
        found = tuple(value.shape)
        if name == "mask_logits":  # the stride-8 grid rounds as the graph's convolutions do
            found, wanted = found[:2] + (len(found),), wanted[:2] + (4,)
        if wanted is not None and found != wanted:
            raise GlovegoError(f"{path}: output '{name}' has shape {list(value.shape)}; its metadata's contract "
                               f"(docs/export.md) says {list(wanted)}")
    for name in _FINITE:
        if name in outputs and not np.isfinite(outputs[name]).all():
            raise GlovegoError(f"{path}: output '{name}' holds NaN or infinite values")
    for name in _PROBABILITIES:
        if name in outputs:
            value = outputs[name]
            if not (np.isfinite(value).all() and (value >= 0).all() and (value <= 1).all()):
                raise GlovegoError(f"{path}: output '{name}' holds values outside [0, 1] (or NaN); it must be a probability")
    labels = outputs.get("labels")
    if labels is not None:
        if not np.issubdtype(labels.dtype, np.integer):
            raise GlovegoError(f"{path}: output 'labels' is {labels.dtype}; the contract says int64 class indices")
        bad = labels[(labels < 0) | (labels >= len(info.categories))]
        if bad.size:
            raise GlovegoError(f"{path}: output 'labels' holds class {int(bad.flat[0])}, outside the "
                               f"{len(info.categories)} categories of its metadata (0–{len(info.categories) - 1})")
