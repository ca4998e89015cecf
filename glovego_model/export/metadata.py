"""What a GlovEgo ONNX file says about itself (`metadata_props`), so it runs without its run folder."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from glovego_data.errors import GlovegoError

FORMAT_KEY = "glovego_format"
FORMAT = "glovego-ehoi-onnx/1"
OPTIONAL = ("quantization",)  # absent from files written before int8 export


@dataclass(frozen=True)
class OnnxModelInfo:
    """The model's contract: classes (hand last), input size, fixed top-k, outputs and settings."""

    categories: list[str]
    image_size: tuple[int, int]  # (height, width) of `pixel_values`
    max_detections: int
    min_score: float
    outputs: list[str]
    batch: int | None  # fixed batch size, None = any
    fp16: bool
    opset: int
    arch: str
    glovego_version: str
    ehoi: dict[str, Any] = field(default_factory=dict)
    # int8 files: the scheme, what stayed float, the calibration and the measured agreement with fp32
    quantization: dict[str, Any] | None = None

    @property
    def hand_label(self) -> int:
        return len(self.categories) - 1

    def to_props(self) -> dict[str, str]:
        """String key → string value, as ONNX `metadata_props` hold them (lists and dicts as JSON)."""
        props = {FORMAT_KEY: FORMAT}
        for key, value in asdict(self).items():
            props[key] = value if isinstance(value, str) else json.dumps(value)
        return props


def model_info(config: Any, *, image_size: tuple[int, int], max_detections: int, min_score: float,
               outputs: list[str], batch: int | None, fp16: bool, opset: int) -> OnnxModelInfo:
    from glovego_data import __version__

    categories = [config.id2label[i] for i in sorted(int(k) for k in config.id2label)]
    ehoi = {key: _jsonable(getattr(config, key)) for key in sorted(vars(config)) if key.startswith("ehoi_")}
    return OnnxModelInfo(categories=categories, image_size=(int(image_size[0]), int(image_size[1])),
                         max_detections=int(max_detections), min_score=float(min_score), outputs=list(outputs),
                         batch=batch, fp16=fp16, opset=int(opset), arch=str(ehoi.get("ehoi_arch", config.model_type)),
                         glovego_version=__version__, ehoi=ehoi)


def read_info(props: dict[str, str], path: Path) -> OnnxModelInfo:
    """`metadata_props` → `OnnxModelInfo`; a file without them is not ours, and says so."""
    if props.get(FORMAT_KEY) != FORMAT:
        found = f"'{props[FORMAT_KEY]}'" if FORMAT_KEY in props else "none"
        raise GlovegoError(f"{path}: not a GlovEgo ONNX model (metadata {FORMAT_KEY} is {found}, expected "
                           f"'{FORMAT}'); make one with `glovego export RUN --out model.onnx`")
    try:
        values = {name: json.loads(props[name]) if name not in ("arch", "glovego_version") else props[name]
                  for name in OnnxModelInfo.__dataclass_fields__ if name not in OPTIONAL or name in props}
    except (KeyError, json.JSONDecodeError) as error:
        raise GlovegoError(f"{path}: GlovEgo ONNX metadata is incomplete or unreadable ({error})") from None
    values["image_size"] = tuple(values["image_size"])
    return OnnxModelInfo(**values)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=list))
