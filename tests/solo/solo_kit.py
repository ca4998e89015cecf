"""Test kit (imported by the solo tests, not collected): a small SOLO writer for edge-case tests: real SOLO 1.0 files (frame JSON, RGBA PNGs, depth EXR,
definitions) built from explicit masks, so every expected number is known exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage

from glovego_data.exr import write_depth_exr
from glovego_data.solo.colors import instance_color

T = "type.unity.com/unity.solo."
# MediaPipe's own landmark names, in reverse index order: the converter must reorder by name.
HAND_TEMPLATE_LABELS = [
    "WRIST", "THUMB_CMC", "THUMB_MCP", "THUMB_IP", "THUMB_TIP",
    "INDEX_FINGER_MCP", "INDEX_FINGER_PIP", "INDEX_FINGER_DIP", "INDEX_FINGER_TIP",
    "MIDDLE_FINGER_MCP", "MIDDLE_FINGER_PIP", "MIDDLE_FINGER_DIP", "MIDDLE_FINGER_TIP",
    "RING_FINGER_MCP", "RING_FINGER_PIP", "RING_FINGER_DIP", "RING_FINGER_TIP",
    "PINKY_MCP", "PINKY_PIP", "PINKY_DIP", "PINKY_TIP",
][::-1]
HAND_TEMPLATE_ID = "hand-template-0001"


def rect(height: int, width: int, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    mask[y0:y1, x0:x1] = True
    return mask


def tight(mask: np.ndarray) -> list[float]:
    ys, xs = np.nonzero(mask)
    return [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]


class SoloBuilder:
    """Writes one SOLO folder. `frame()` returns the JSON dict (edit it), `save()` writes it."""

    def __init__(self, root: Path, width: int = 64, height: int = 48, labels: dict[str, int] | None = None) -> None:
        self.root = root
        self.width, self.height = width, height
        self.labels = labels or {"Right Hand": 7, "Left Hand": 8, "pliers": 6, "socket": 2}
        root.mkdir(parents=True, exist_ok=True)
        self.rng = np.random.default_rng(0)

    def definitions(self, *, template_labels: list[str] | None = None, where: str = "") -> None:
        folder = self.root / where if where else self.root
        folder.mkdir(parents=True, exist_ok=True)
        spec = [{"label_id": i, "label_name": n} for n, i in sorted(self.labels.items(), key=lambda kv: kv[1])]
        labels = template_labels if template_labels is not None else HAND_TEMPLATE_LABELS
        defs = [
            {"@type": T + "BoundingBox2DAnnotation", "id": "bounding box", "spec": spec},
            {"@type": T + "InstanceSegmentationAnnotation", "id": "instance segmentation", "spec": spec},
            {"@type": T + "KeypointAnnotation", "id": "hand keypoints",
             "template": {"templateId": HAND_TEMPLATE_ID, "templateName": "MediaPipeHand",
                          "keypoints": [{"label": n, "index": i} for i, n in enumerate(labels)], "skeleton": []}},
            {"@type": T + "DepthAnnotation", "id": "Depth"},
        ]
        (folder / "annotation_definitions.json").write_text(json.dumps({"annotationDefinitions": defs}))
        (folder / "sensor_definitions.json").write_text(json.dumps(
            {"sensorDefinitions": [{"@type": T + "RGBCamera", "id": "camera", "description": "main"}]}))
        (folder / "metadata.json").write_text(json.dumps({"perceptionVersion": "1.0.0", "totalFrames": 99, "totalSequences": 42}))
        (folder / "metric_definitions.json").write_text(json.dumps({"metricDefinitions": []}))

    def frame(
        self,
        seq: int,
        step: int,
        instances: list[dict[str, Any]],
        *,
        depth: np.ndarray | None = None,
        metadata: list[dict[str, Any]] | None = None,
        keypoints: list[dict[str, Any]] | None = None,
        sensor: str = "camera",
    ) -> dict[str, Any]:
        """`instances`: {"id", "label", "mask" (bool H×W, painted in list order), "box" (default tight)}."""
        seq_dir = self.root / f"sequence.{seq}"
        seq_dir.mkdir(parents=True, exist_ok=True)
        h, w = self.height, self.width
        rgb = np.concatenate([self.rng.integers(0, 255, (h, w, 3), dtype=np.uint8), np.full((h, w, 1), 255, np.uint8)], axis=2)
        PILImage.fromarray(rgb, "RGBA").save(seq_dir / f"step{step}.{sensor}.png")
        seg = np.zeros((h, w, 4), np.uint8)
        seg[..., 3] = 255
        for inst in instances:
            if inst.get("mask") is not None:
                seg[inst["mask"]] = instance_color(inst["id"])
        seg_name = f"step{step}.{sensor}.instance segmentation.png"
        PILImage.fromarray(seg, "RGBA").save(seq_dir / seg_name)
        boxes = []
        for inst in instances:
            box = inst.get("box")
            if box is None and inst.get("mask") is not None and inst["mask"].any():
                box = tight(inst["mask"])
            if box is not None and box is not False:
                boxes.append({"instanceId": inst["id"], "labelId": self.labels.get(inst["label"], 99),
                              "labelName": inst["label"], "origin": box[:2], "dimension": box[2:]})
        seg_values = [
            {"instanceId": inst["id"], "labelId": self.labels.get(inst["label"], 99), "labelName": inst["label"],
             "color": list(instance_color(inst["id"]))}
            for inst in instances if inst.get("mask") is not None
        ]
        annotations: list[dict[str, Any]] = [
            {"@type": T + "BoundingBox2DAnnotation", "id": "bounding box", "sensorId": sensor, "values": boxes},
            {"@type": T + "InstanceSegmentationAnnotation", "id": "instance segmentation", "sensorId": sensor,
             "imageFormat": "Png", "dimension": [float(w), float(h)], "filename": seg_name, "instances": seg_values},
        ]
        if keypoints:
            annotations.append({"@type": T + "KeypointAnnotation", "id": "hand keypoints", "sensorId": sensor,
                                "templateId": HAND_TEMPLATE_ID, "values": keypoints})
        if depth is not None:
            name = f"step{step}.{sensor}.Depth.exr"
            write_depth_exr(seq_dir / name, depth)
            annotations.append({"@type": T + "DepthAnnotation", "id": "Depth", "sensorId": sensor,
                                "measurementStrategy": "Depth", "imageFormat": "Exr", "filename": name})
        frame: dict[str, Any] = {
            "frame": seq * 10 + step, "sequence": seq, "step": step, "timestamp": 0.0,
            "captures": [{"@type": T + "RGBCamera", "id": sensor, "filename": f"step{step}.{sensor}.png",
                          "imageFormat": "Png", "dimension": [float(w), float(h)], "annotations": annotations}],
        }
        if metadata is not None:
            frame["metrics"] = [{"@type": T + "GenericMetric", "id": "metadata", "sensorId": "", "annotationId": "",
                                 "values": [{"instances": metadata}]}]
        return frame

    def save(self, seq: int, step: int, frame: dict[str, Any] | str) -> Path:
        path = self.root / f"sequence.{seq}" / f"step{step}.frame_data.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(frame if isinstance(frame, str) else json.dumps(frame))
        return path

    def add(self, seq: int, step: int, instances: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        frame = self.frame(seq, step, instances, **kwargs)
        self.save(seq, step, frame)
        return frame


def hand_keypoints(instance_id: int, points: list[tuple[float, float, int]]) -> dict[str, Any]:
    """A Keypoint value whose `points` are given in MediaPipe order (written in template order)."""
    by_name = dict(zip(
        [n for n in HAND_TEMPLATE_LABELS[::-1]], points))
    return {"instanceId": instance_id, "labelId": 7, "pose": "unset", "keypoints": [
        {"index": i, "location": [by_name[n][0], by_name[n][1]], "state": by_name[n][2]}
        for i, n in enumerate(HAND_TEMPLATE_LABELS)
    ]}


def new_solo(tmp_path: Path) -> SoloBuilder:
    builder = SoloBuilder(tmp_path / "solo")
    builder.definitions()
    return builder


def run_convert(src: Path, out: Path, mapping: dict[str, Any] | None = None, **options: Any):
    """Convert `src` into `out`; returns (report, parsed annotations/all.json)."""
    from glovego_data.solo.convert import ConvertOptions, convert_solo
    from glovego_data.solo.mapping import mapping_from_dict

    report = convert_solo(src, out, ConvertOptions(mapping=mapping_from_dict(mapping or {}, "test.toml"), **options))
    name = options.get("name", "all")
    return report, json.loads((out / "annotations" / f"{name}.json").read_text())


def basic_scene(builder: SoloBuilder) -> list[dict[str, Any]]:
    """A right hand touching pliers, a left hand cut by the left border, a socket far away."""
    h, w = builder.height, builder.width
    return [
        {"id": 12, "label": "Right Hand", "mask": rect(h, w, 20, 10, 30, 30)},
        {"id": 31, "label": "pliers", "mask": rect(h, w, 30, 14, 40, 24)},
        {"id": 13, "label": "Left Hand", "mask": rect(h, w, 0, 30, 8, 45)},
        {"id": 40, "label": "socket", "mask": rect(h, w, 50, 2, 60, 10)},
    ]
