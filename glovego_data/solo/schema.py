"""Typed records mirroring a Unity Perception SOLO export (shared/spec/solo.md §2, §4).

Every variant is read by key aliases into one canonical shape, so the converter never branches on
a format version. Unknown annotation and metric types are kept by type name, never a crash.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# Canonical key ← the aliases older writers use (solo.md §2).
KEY_ALIASES: dict[str, tuple[str, ...]] = {
    "sensorId": ("sensor_id",),
    "instanceId": ("instance_id",),
    "labelId": ("label_id",),
    "labelName": ("label_name",),
    "imageFormat": ("image_format",),
    "color": ("rgba",),
    "pixelValue": ("pixel_value",),
    "matrix": ("intrinsic",),
    "description": ("definition",),
    "values": ("value",),
    "totalFrames": ("total_frames",),
    "templateId": ("template_id",),
    "measurementStrategy": ("measurement_strategy",),
    "annotationId": ("annotation_id",),
}

RGB_CAMERA = "RGBCamera"
BOUNDING_BOX_2D = "BoundingBox2DAnnotation"
INSTANCE_SEGMENTATION = "InstanceSegmentationAnnotation"
KEYPOINT = "KeypointAnnotation"
DEPTH = "DepthAnnotation"
GENERIC_METRIC = "GenericMetric"
USED_ANNOTATION_TYPES = (BOUNDING_BOX_2D, INSTANCE_SEGMENTATION, KEYPOINT, DEPTH)


def get(record: dict[str, Any], key: str, default: Any = None) -> Any:
    """`record[key]` or the first alias of `key` present, else `default`."""
    if key in record:
        return record[key]
    for alias in KEY_ALIASES.get(key, ()):
        if alias in record:
            return record[alias]
    return default


def type_name(at_type: Any) -> str:
    """`type.unity.com/unity.solo.BoundingBox2DAnnotationDefinition` → `BoundingBox2DAnnotation`."""
    name = str(at_type or "").rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    if name.endswith("Definition"):
        name = name[: -len("Definition")]
    return name


def norm_id(value: Any) -> str:
    """Labeler, sensor and metric ids: `null` and `""` are the same (absent) id."""
    return "" if value is None else str(value)


def as_int(value: Any, default: int | None = None) -> int | None:
    """Instance and label ids: ints in annotations, strings in metadata (solo.md §7 row 13)."""
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return int(number) if math.isfinite(number) and number == int(number) else default


def as_list(value: Any) -> list[Any]:
    """Omitted empty lists read as []; a scalar `value` is wrapped (GenericMetric)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


# ----- definitions ------------------------------------------------------------------------------

@dataclass
class LabelSpec:
    label_id: int | None
    label_name: str


@dataclass
class KeypointTemplate:
    template_id: str
    name: str
    labels: list[str]  # template keypoint labels in index order
    skeleton: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class SensorDefinition:
    id: str
    type: str
    description: str = ""


@dataclass
class AnnotationDefinition:
    id: str
    type: str
    spec: list[LabelSpec] = field(default_factory=list)
    template: KeypointTemplate | None = None


@dataclass
class MetricDefinition:
    id: str
    type: str


@dataclass
class Definitions:
    """The optional top-level definition files; `present` records which ones were found."""

    sensors: list[SensorDefinition] = field(default_factory=list)
    annotations: list[AnnotationDefinition] = field(default_factory=list)
    metrics: list[MetricDefinition] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    present: tuple[str, ...] = ()

    def templates(self) -> dict[str, KeypointTemplate]:
        return {a.template.template_id: a.template for a in self.annotations if a.template is not None}


def parse_label_spec(raw: Any) -> list[LabelSpec]:
    out = []
    for entry in as_list(raw):
        if isinstance(entry, dict):
            name = get(entry, "labelName")
            if name is not None:
                out.append(LabelSpec(as_int(get(entry, "labelId")), str(name)))
    return out


def parse_template(raw: Any) -> KeypointTemplate | None:
    if not isinstance(raw, dict):
        return None
    points = sorted(
        (p for p in as_list(raw.get("keypoints")) if isinstance(p, dict)),
        key=lambda p: as_int(p.get("index"), 0) or 0,
    )
    skeleton = [
        (as_int(b.get("joint1"), 0) or 0, as_int(b.get("joint2"), 0) or 0)
        for b in as_list(raw.get("skeleton"))
        if isinstance(b, dict)
    ]
    return KeypointTemplate(
        template_id=norm_id(get(raw, "templateId")),
        name=str(raw.get("templateName") or ""),
        labels=[str(p.get("label", "")) for p in points],
        skeleton=skeleton,
    )


def parse_annotation_definition(raw: dict[str, Any]) -> AnnotationDefinition:
    return AnnotationDefinition(
        id=norm_id(raw.get("id")),
        type=type_name(raw.get("@type")),
        spec=parse_label_spec(raw.get("spec")),
        template=parse_template(raw.get("template")),
    )


# ----- frame content ----------------------------------------------------------------------------

@dataclass
class BoxValue:
    instance_id: int
    label_id: int | None
    label_name: str | None
    x: float
    y: float
    w: float
    h: float


@dataclass
class InstanceValue:
    instance_id: int
    label_id: int | None
    label_name: str | None
    color: tuple[int, ...] | None  # RGBA as written; None when the JSON lacks it


@dataclass
class KeypointPoint:
    index: int
    x: float
    y: float
    state: int


@dataclass
class KeypointValue:
    instance_id: int
    label_id: int | None
    points: list[KeypointPoint]  # ordered by index


@dataclass
class Annotation:
    """Fields every SOLO annotation has; subclasses add their payload."""

    id: str
    type: str
    sensor_id: str


@dataclass
class BoundingBox2D(Annotation):
    values: list[BoxValue] = field(default_factory=list)


@dataclass
class InstanceSegmentation(Annotation):
    filename: str | None = None
    image_format: str = ""
    instances: list[InstanceValue] = field(default_factory=list)


@dataclass
class Keypoints(Annotation):
    template_id: str = ""
    values: list[KeypointValue] = field(default_factory=list)


@dataclass
class Depth(Annotation):
    filename: str | None = None
    image_format: str = ""
    measurement: str = "Depth"


@dataclass
class UnknownAnnotation(Annotation):
    """Any other or custom `@type`: kept by name for the report, its files never opened."""

    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class RGBCapture:
    id: str
    filename: str | None
    image_format: str
    dimension: tuple[int, int] | None
    matrix: list[float]
    projection: str
    annotations: list[Annotation]


@dataclass
class OtherCapture:
    """A capture of a sensor type we do not convert (kept by type name)."""

    id: str
    type: str


@dataclass
class GenericMetric:
    id: str
    type: str
    sensor_id: str
    annotation_id: str
    values: list[Any]


@dataclass
class Frame:
    frame: int | None
    sequence: int | None
    step: int | None
    timestamp: float | None
    captures: list[RGBCapture | OtherCapture]
    metrics: list[GenericMetric]

    @property
    def rgb_captures(self) -> list[RGBCapture]:
        return [c for c in self.captures if isinstance(c, RGBCapture)]

    def metric(self, metric_id: str) -> GenericMetric | None:
        for m in self.metrics:
            if m.id == metric_id:
                return m
        return None


def _floats(value: Any) -> list[float]:
    return [float(v) for v in as_list(value) if isinstance(v, (int, float)) and not isinstance(v, bool)]


def parse_annotation(raw: dict[str, Any]) -> Annotation:
    kind = type_name(raw.get("@type"))
    ann_id = norm_id(raw.get("id"))
    sensor = norm_id(get(raw, "sensorId"))
    if kind == BOUNDING_BOX_2D:
        boxes = []
        for v in as_list(get(raw, "values")):
            origin, dim = _floats(v.get("origin")), _floats(v.get("dimension"))
            if len(origin) < 2 or len(dim) < 2:
                continue
            name = get(v, "labelName")
            boxes.append(
                BoxValue(
                    instance_id=as_int(get(v, "instanceId"), -1),
                    label_id=as_int(get(v, "labelId")),
                    label_name=None if name is None else str(name),
                    x=origin[0], y=origin[1], w=dim[0], h=dim[1],
                )
            )
        return BoundingBox2D(ann_id, kind, sensor, boxes)
    if kind == INSTANCE_SEGMENTATION:
        instances = []
        for v in as_list(get(raw, "instances")):
            color = get(v, "color")
            name = get(v, "labelName")
            instances.append(
                InstanceValue(
                    instance_id=as_int(get(v, "instanceId"), -1),
                    label_id=as_int(get(v, "labelId")),
                    label_name=None if name is None else str(name),
                    color=tuple(int(c) for c in color) if isinstance(color, list) and len(color) >= 3 else None,
                )
            )
        return InstanceSegmentation(ann_id, kind, sensor, raw.get("filename"), str(get(raw, "imageFormat") or ""), instances)
    if kind == KEYPOINT:
        values = []
        for v in as_list(get(raw, "values")):
            points = []
            for p in as_list(v.get("keypoints")):
                loc = _floats(p.get("location"))
                loc = loc if len(loc) >= 2 else [0.0, 0.0]
                points.append(KeypointPoint(as_int(p.get("index"), 0) or 0, loc[0], loc[1], as_int(p.get("state"), 0) or 0))
            points.sort(key=lambda p: p.index)
            values.append(KeypointValue(as_int(get(v, "instanceId"), -1), as_int(get(v, "labelId")), points))
        return Keypoints(ann_id, kind, sensor, norm_id(get(raw, "templateId")), values)
    if kind == DEPTH:
        return Depth(
            ann_id, kind, sensor, raw.get("filename"), str(get(raw, "imageFormat") or ""),
            str(get(raw, "measurementStrategy") or "Depth"),
        )
    return UnknownAnnotation(ann_id, kind, sensor, raw)


def parse_capture(raw: dict[str, Any]) -> RGBCapture | OtherCapture:
    kind = type_name(raw.get("@type"))
    cap_id = norm_id(raw.get("id"))
    if kind != RGB_CAMERA:
        return OtherCapture(cap_id, kind)
    dim = _floats(raw.get("dimension"))
    return RGBCapture(
        id=cap_id,
        filename=raw.get("filename"),
        image_format=str(get(raw, "imageFormat") or ""),
        dimension=(int(dim[0]), int(dim[1])) if len(dim) >= 2 and all(math.isfinite(d) for d in dim[:2]) else None,
        matrix=_floats(get(raw, "matrix")),
        projection=str(raw.get("projection") or ""),
        annotations=[parse_annotation(a) for a in as_list(raw.get("annotations")) if isinstance(a, dict)],
    )


def parse_metric(raw: dict[str, Any]) -> GenericMetric:
    return GenericMetric(
        id=norm_id(raw.get("id")),
        type=type_name(raw.get("@type")),
        sensor_id=norm_id(get(raw, "sensorId")),
        annotation_id=norm_id(get(raw, "annotationId")),
        values=as_list(get(raw, "values")),
    )


def parse_frame(raw: dict[str, Any]) -> Frame:
    timestamp = raw.get("timestamp")
    return Frame(
        frame=as_int(raw.get("frame")),
        sequence=as_int(raw.get("sequence")),
        step=as_int(raw.get("step")),
        timestamp=float(timestamp) if isinstance(timestamp, (int, float)) else None,
        captures=[parse_capture(c) for c in as_list(raw.get("captures")) if isinstance(c, dict)],
        metrics=[parse_metric(m) for m in as_list(raw.get("metrics")) if isinstance(m, dict)],
    )
