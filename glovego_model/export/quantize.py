"""Static int8 quantisation of an exported GlovEgo graph, and how far it moves from fp32.

onnxruntime's quantisation tools, QDQ format (a file onnxruntime and OpenVINO both run as int8):
weights int8 per output channel (symmetric), activations uint8 per tensor with ranges from the
user's frames (MinMax: the frames of one site are the ranges the model will see). Only the
convolutions are quantised (`INT8_OPS`: the backbone and the encoder's fusion blocks, most of the
compute); everything else stays float — the top-k post-processing (`select_topk`: sigmoid, TopK,
gathers, box arithmetic), softmax, normalisations, the deformable-attention sampling and the
transformer's matrix products. Measured on the demo model (docs/export.md "int8"): with the
matrix products in int8 too, AP Hand dropped 2.82 and mAP Hand + ALL 4.68 points for ~12 % more
speed; convolutions only, 0.15 and 0.55.

Agreement is measured on the graph's outputs, per image: each fp32 detection (every row scoring
≥ `DETECTION_SCORE`, and the image's best row, so every image counts) looks for an int8 row of
the same class with IoU ≥ `MATCH_IOU`; rows below the score are left out because a model's
low-scoring proposals are near-ties whose order and class any rounding reshuffles, and an
unpaired row tied in score (within `TIE`) with another row of the image is `tied`, not missed
(a barely trained model scores many proposals alike, and which of them fill the top-k is
arbitrary); `recall` is the share found, `score_drift` the largest score change over
the pairs, `attributes` the share of hand pairs whose side / contact / glove decisions agree.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from glovego_data.errors import GlovegoError
from glovego_model.export.graph import INPUT_NAME

INT8_OPS = ("Conv",)
TOP_ROWS = 1  # the image's best rows always compared, whatever their score
DETECTION_SCORE = 0.3
MATCH_IOU = 0.5
DECISION = 0.5
# The guard (docs/export.md "int8"): beyond these the export stops unless --force.
MIN_RECALL = 0.9
MAX_SCORE_DRIFT = 0.15
MIN_ATTRIBUTES = 0.9
MAX_METRIC_DROP = 1.0  # points of AP Hand and of mAP Hand + ALL, with --gt
TIE = 1e-4
BLANK_STD = 2.0 / 255.0  # a calibration frame flatter than this holds no scene


@dataclass(frozen=True)
class Int8Agreement:
    """int8 vs fp32 over `images` images (see the module docstring)."""

    images: int
    rows: int
    tied: int
    recall: float
    score_drift: float
    attributes: float

    def failures(self) -> list[str]:
        """What is beyond the tolerance, each with its figure and its bound."""
        found = []
        if self.recall < MIN_RECALL:
            found.append(f"{self.recall:.0%} of fp32's detections found (needs ≥ {MIN_RECALL:.0%})")
        if self.score_drift > MAX_SCORE_DRIFT:
            found.append(f"scores move by up to {self.score_drift:.2f} (allowed {MAX_SCORE_DRIFT})")
        if self.attributes < MIN_ATTRIBUTES:
            found.append(f"{self.attributes:.0%} of hand side/contact/glove decisions agree (needs ≥ {MIN_ATTRIBUTES:.0%})")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {key: (round(value, 4) if isinstance(value, float) else value) for key, value in asdict(self).items()}


def check_calibration_frames(pixels: np.ndarray, source: str) -> None:
    """Refuse frames with no scene in them (black, white, one colour): ranges taken from them are not
    the ranges the model will see."""
    flat = [i for i, frame in enumerate(pixels) if float(frame.std()) < BLANK_STD]
    if len(flat) == len(pixels):
        raise GlovegoError(f"--calibrate {source}: all {len(pixels)} frames are blank (one flat colour); calibrate "
                           "on frames of the scene the model will watch")


def quantize_int8(fp32_path: Path, int8_path: Path, pixels: np.ndarray) -> None:
    """Write the static QDQ int8 version of `fp32_path` to `int8_path`, calibrated on `pixels` [N, 3, H, W]."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

    class Frames(CalibrationDataReader):
        def __init__(self) -> None:
            self.frames: Iterator[dict[str, np.ndarray]] = ({INPUT_NAME: pixels[i : i + 1]} for i in range(len(pixels)))

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.frames, None)

    logger = logging.getLogger()
    level = logger.level
    logger.setLevel(logging.ERROR)  # the tools' advice to pre-process: our graph is already shape-inferred
    try:
        quantize_static(str(fp32_path), str(int8_path), Frames(), quant_format=QuantFormat.QDQ,
                        op_types_to_quantize=list(INT8_OPS), per_channel=True, activation_type=QuantType.QUInt8,
                        weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax,
                        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
    finally:
        logger.setLevel(level)


def scheme() -> dict[str, Any]:
    """What the metadata says about the quantisation (without the measured figures)."""
    return {"scheme": "static int8, QDQ (onnxruntime.quantization)", "weights": "int8 symmetric per channel",
            "activations": "uint8 per tensor, MinMax on the calibration frames", "int8_ops": list(INT8_OPS),
            "float": "everything else: matrix products, top-k post-processing, softmax, normalisations, attention sampling"}


def agreement(fp32: dict[str, np.ndarray], int8: dict[str, np.ndarray], hand_label: int) -> Int8Agreement:
    """int8 vs fp32 graph outputs (batched, `boxes` xywh in pixels), as the module docstring defines."""
    rows = found = hands = agree = tied = 0
    drift = 0.0
    for b in range(fp32["scores"].shape[0]):
        scores = fp32["scores"][b]
        wanted = sorted(set(np.argsort(-scores)[:TOP_ROWS].tolist()) | set(np.flatnonzero(scores >= DETECTION_SCORE).tolist()))
        taken: set[int] = set()
        for i in sorted(wanted, key=lambda r: -scores[r]):
            rows += 1
            same = np.flatnonzero(int8["labels"][b] == fp32["labels"][b, i])
            same = np.array([j for j in same if j not in taken], dtype=np.int64)
            ious = _iou(fp32["boxes"][b, i], int8["boxes"][b, same]) if len(same) else np.zeros(0)
            if not len(same) or ious.max() < MATCH_IOU:
                if int((np.abs(scores - scores[i]) <= TIE).sum()) > 1:
                    tied += 1
                continue
            best = int(np.argmax(ious))
            j = int(same[best])
            taken.add(j)
            found += 1
            drift = max(drift, abs(float(scores[i]) - float(int8["scores"][b, j])))
            if int(fp32["labels"][b, i]) == hand_label:
                hands += 1
                agree += all((fp32[name][b, i] > DECISION) == (int8[name][b, j] > DECISION)
                             for name in ("side_prob", "contact_prob", "glove_prob"))
    compared = rows - tied
    return Int8Agreement(images=int(fp32["scores"].shape[0]), rows=rows, tied=tied,
                         recall=found / compared if compared else 1.0,
                         score_drift=drift, attributes=agree / hands if hands else 1.0)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one xywh box with each of `boxes` (xywh)."""
    box, boxes = box.astype(np.float64), boxes.astype(np.float64).reshape(-1, 4)
    x1, y1 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[0] + box[2], boxes[:, 0] + boxes[:, 2])
    y2 = np.minimum(box[1] + box[3], boxes[:, 1] + boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    union = max(box[2], 0) * max(box[3], 0) + np.clip(boxes[:, 2], 0, None) * np.clip(boxes[:, 3], 0, None) - inter
    return inter / np.maximum(union, 1e-9)


def metric_drop(fp32: dict[str, Any], int8: dict[str, Any], names: tuple[str, ...]) -> dict[str, float]:
    """Points lost by int8 on each named EHOI metric (negative: int8 scored higher)."""
    return {name: round(float(fp32.get(name) or 0.0) - float(int8.get(name) or 0.0), 2) for name in names}
