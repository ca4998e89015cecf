"""Generated Unity Perception SOLO exports of egocentric hand scenes, with their exact ground truth.

No public SOLO sample has hands, so this is how hand conversion is tested end to end and how the
bundled sample is made. The files follow Unity's 1.0 writer (solo.md §4, §5): frame JSON, RGBA
camera PNG, RGBA instance segmentation PNG in Unity's colours, a float32 A/B/G/R depth EXR, a
21-point hand keypoint template and a `hand_object_interaction` metadata tag. Options produce the
format variants and edge cases the reader must survive (prototype keys, missing definitions,
several cameras, uneven sequences, frames without metadata, empty frames).
"""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Callable, ContextManager, Sequence

import numpy as np

from glovego_data._cv2 import cv2
from glovego_data.atomic import staging_dir
from glovego_data.ehoi_coco.constants import KEYPOINT_NAMES, REFERENCE_CATEGORIES, SKELETON
from glovego_data.exr import encode_exr, unity_depth_channels
from glovego_data.masks import tight_box
from glovego_data.progress import Progress, no_progress
from glovego_data.solo.colors import instance_color
from glovego_data.solo.synth_scene import (
    Raster,
    SceneCast,
    Shape,
    compose_scene,
    instance_crop,
    keypoint_states,
    render,
    render_rgb,
)

SOLO = "type.unity.com/unity.solo."
INTERACTION_TAG = "hand_object_interaction"
OBJECT_ID_KEY = "object_info.object_id"  # the key path written for id_space "metadata:object_info.object_id"
DEFINITION_FILES = ("metadata.json", "sensor_definitions.json", "annotation_definitions.json", "metric_definitions.json")
_LABELER_IDS = {"bbox": "bounding box", "instance": "instance segmentation", "keypoints": "hand keypoints", "depth": "Depth"}

_FINGER_WORDS = {"thumb": "Thumb", "index": "Index", "middle": "Middle", "ring": "Ring", "pinky": "Pinky"}
_MP_WORDS = {"thumb": "THUMB", "index": "INDEX_FINGER", "middle": "MIDDLE_FINGER", "ring": "RING_FINGER", "pinky": "PINKY"}
_CAMEL_WORDS = {"thumb": "Thumb", "index": "Index", "middle": "Middle", "ring": "Ring", "pinky": "Little"}


def keypoint_labels(style: str) -> list[str]:
    """The 21 template labels (MediaPipe order) in one naming style Unity users write.

    `unity`: Wrist, Thumb1…Thumb4, Index1…; `mediapipe`: WRIST, THUMB_CMC, INDEX_FINGER_MCP…;
    `snake`: wrist, thumb_cmc, index_finger_mcp…; `camel`: Wrist, ThumbCMC, IndexTip, LittleDIP….
    """
    labels = []
    for name in KEYPOINT_NAMES:
        if name == "wrist":
            labels.append({"unity": "Wrist", "mediapipe": "WRIST", "snake": "wrist", "camel": "Wrist"}[style])
            continue
        finger, joint = name.split("_")
        number = ("cmc", "mcp", "ip", "tip").index(joint) + 1 if finger == "thumb" else ("mcp", "pip", "dip", "tip").index(joint) + 1
        if style == "unity":
            labels.append(f"{_FINGER_WORDS[finger]}{number}")
        elif style == "mediapipe":
            labels.append(f"{_MP_WORDS[finger]}_{joint.upper()}")
        elif style == "snake":
            labels.append(f"{_MP_WORDS[finger].lower()}_{joint}")
        elif style == "camel":
            labels.append(f"{_CAMEL_WORDS[finger]}{'Tip' if joint == 'tip' else joint.upper()}")
        else:
            raise ValueError(f"unknown keypoint label style {style!r} (unity, mediapipe, snake, camel)")
    return labels


def hand_label(side: int, glove: int, style: str, glove_in_label: bool) -> str:
    """"Right Hand", "Left Hand Glove" (`spaced`), "RightHandGlove" (`camel`) or "hand_R_glove" (`suffix`)."""
    word = ("Left", "Right")[side]
    gloved = glove == 1 and glove_in_label
    if style == "spaced":
        return f"{word} Hand" + (" Glove" if gloved else "")
    if style == "camel":
        return f"{word}Hand" + ("Glove" if gloved else "")
    if style == "suffix":
        return f"hand_{word[0]}" + ("_glove" if gloved else "")
    raise ValueError(f"unknown hand label style {style!r} (spaced, camel, suffix)")


@dataclass
class TruthInstance:
    """What the converter must find for one visible (or keypoint-only) instance of one capture."""

    instance_id: int
    label: str
    label_id: int
    is_hand: bool
    pixels: int  # exact visible mask pixel count
    box: list[int] | None  # tight [x, y, w, h] of the visible mask; None when nothing is visible
    pieces: int  # 8-connected components of the visible mask
    depth_m: float
    side: int = -1
    glove: int = -1
    contact: int = 0
    active_instance: int | None = None  # instance id of the active object (may be invisible)
    active_visible: bool = False
    keypoints: list[tuple[float, float, int]] = field(default_factory=list)  # MediaPipe order, Unity locations
    metadata: bool = False  # whether the hand has a metadata entry in this frame


@dataclass
class TruthFrame:
    sequence: int
    step: int
    frame: int
    sensor: str
    width: int
    height: int
    frame_json: str  # relative to the SOLO root
    rgb: str
    mask: str | None
    depth: str | None
    has_metadata: bool
    instances: list[TruthInstance]

    def by_id(self) -> dict[int, TruthInstance]:
        return {i.instance_id: i for i in self.instances}

    @property
    def hands(self) -> list[TruthInstance]:
        return [i for i in self.instances if i.is_hand]


@dataclass
class GeneratedSolo:
    """A generated SOLO root and its ground truth, one TruthFrame per (sequence, step, camera)."""

    root: Path
    frames: list[TruthFrame]
    sensors: list[str]
    labels: dict[str, int]  # label name → label id
    object_labels: list[str]
    template_id: str
    template_labels: list[str]  # in template index order
    template_order: list[int]  # template_order[j] = MediaPipe index of template keypoint j
    id_space: str
    options: dict[str, Any]

    def frame(self, sequence: int, step: int, sensor: str = "camera") -> TruthFrame:
        for f in self.frames:
            if (f.sequence, f.step, f.sensor) == (sequence, step, sensor):
                return f
        raise KeyError((sequence, step, sensor))


# Renames of the pre-release prototype (solo.md §2): frame keys, colour, intrinsics.
_PROTOTYPE_KEYS = {
    "sensorId": "sensor_id", "instanceId": "instance_id", "labelId": "label_id", "labelName": "label_name",
    "imageFormat": "image_format", "color": "rgba", "matrix": "intrinsic", "annotationId": "annotation_id",
}


def _prototype(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {_PROTOTYPE_KEYS.get(k, k): _prototype(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_prototype(v) for v in obj]
    return obj


def _write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2), encoding="utf-8")


def _write_png(path: Path, rgba: np.ndarray) -> None:
    if not cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA), [cv2.IMWRITE_PNG_COMPRESSION, 1]):
        raise OSError(f"{path}: could not write PNG")


def _camera_shapes(shapes: list[Shape], camera: int, width: int, height: int) -> list[Shape]:
    """Camera k > 0 sees the same scene zoomed out and shifted (same instances, same depth)."""
    if camera == 0:
        return shapes
    scale = 1.0 - 0.12 * camera
    shift = (0.05 * camera * width, -0.03 * camera * height)
    return [s.transformed(scale, shift, (width / 2.0, height / 2.0)) for s in shapes]


def _background(rng: np.random.Generator, width: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Table colour, a fixed texture, and the table's depth (0 above the horizon: no geometry)."""
    yy = np.arange(height, dtype=np.float32)[:, None]
    colour = np.empty((height, width, 3), dtype=np.int16)
    colour[:] = np.array([150, 140, 125], dtype=np.int16)
    horizon = max(1, height // 10)
    colour[:horizon] = (40, 45, 60)
    # A smooth texture (coarse noise, bilinear upsampled): looks like a surface, compresses in PNG.
    coarse = rng.integers(-10, 11, size=(max(2, height // 8), max(2, width // 8), 3)).astype(np.float32)
    noise = np.round(cv2.resize(coarse, (width, height), interpolation=cv2.INTER_LINEAR)).astype(np.int16)
    depth = np.broadcast_to(1.6 - 0.9 * yy / height, (height, width)).astype(np.float32)
    depth[:horizon] = 0.0
    return colour, noise, depth


def _offset_tag(hand: Shape, target: Shape | None) -> tuple[float, float, float]:
    """Unity's screen-space vector between pivots, y up; −1 sentinels without an object."""
    if target is None:
        return -1.0, -1.0, -1.0
    dx = target.pivot[0] - hand.pivot[0]
    dy = -(target.pivot[1] - hand.pivot[1])
    return round(dx, 4), round(dy, 4), round(math.hypot(dx, dy), 4)


class _Writer:
    """Writes one SOLO root; keeps the options and label table every frame shares."""

    def __init__(self, root: Path, *, width: int, height: int, options: dict[str, Any]) -> None:
        self.root = root
        self.width = width
        self.height = height
        self.o = options
        self.sensors = ["camera"] + [f"camera_{k + 1}" for k in range(1, options["cameras"])]
        self.template_id = str(uuid.UUID(int=options["seed"] * 7919 + 12345, version=4))
        names = options["template_labels"] or keypoint_labels(options["label_style"])
        self.template_order = list(range(21))
        if options["template_order"] == "shuffled":
            self.template_order = [int(i) for i in np.random.default_rng(options["seed"] + 99).permutation(21)]
        elif options["template_order"] != "mediapipe":
            raise ValueError("template_order must be 'mediapipe' or 'shuffled'")
        self.template_labels = [names[i] for i in self.template_order]
        self.labels: dict[str, int] = {}

    def label_id(self, name: str) -> int:
        return self.labels.setdefault(name, len(self.labels) + 1)

    # ---- definitions ---------------------------------------------------------------------------
    def definitions(self, total_frames: int, total_sequences: int) -> None:
        o = self.o
        wanted = DEFINITION_FILES if o["definitions"] is True else tuple(o["definitions"] or ())
        where = self.root / "metadata" if o["definitions_dir"] == "metadata" else self.root
        suffix = "Definition" if o["key_style"] == "prototype" else ""
        spec = [{"label_id": i, "label_name": n} for n, i in sorted(self.labels.items(), key=lambda x: x[1])]
        annotators = [
            {"@type": f"{SOLO}BoundingBox2DAnnotation{suffix}", "id": _LABELER_IDS["bbox"],
             "description": "Produces 2D bounding box annotations for all visible objects that bear a label.", "spec": spec},
            {"@type": f"{SOLO}InstanceSegmentationAnnotation{suffix}", "id": _LABELER_IDS["instance"],
             "description": "Produces an instance segmentation image for each frame.", "spec": spec},
            {"@type": f"{SOLO}KeypointAnnotation{suffix}", "id": _LABELER_IDS["keypoints"],
             "description": "Produces keypoint annotations for all visible labeled hands.",
             "template": {
                 "templateId": self.template_id, "templateName": "Hand21",
                 "keypoints": [{"label": label, "index": j, "color": [255, 0, 0, 255]}
                               for j, label in enumerate(self.template_labels)],
                 "skeleton": [{"joint1": self.template_order.index(a - 1), "joint2": self.template_order.index(b - 1),
                               "color": [0, 255, 0, 255]} for a, b in SKELETON],
             }},
        ]
        if o["depth"]:
            annotators.append({"@type": f"{SOLO}DepthAnnotation{suffix}", "id": _LABELER_IDS["depth"],
                               "description": "Generates depth images", "measurementStrategy": o["measurement"]})
        sensors = []
        for s in self.sensors:
            sensor = {"@type": f"{SOLO}RGBCamera{suffix}", "id": s, "modality": "camera",
                      "firstCaptureFrame": 0.0, "captureTriggerMode": "Scheduled", "simulationDeltaTime": 0.0166,
                      "framesBetweenCaptures": 0, "manualSensorsAffectTiming": False,
                      "description": f"egocentric camera {s}"}
            if o["key_style"] == "prototype":
                sensor["sensorType"] = "camera"
            sensors.append(sensor)
        metrics = [{"@type": f"{SOLO}GenericMetric{suffix}", "id": "metadata",
                    "description": "Labeled metadata tags of the frame's instances"},
                   {"@type": f"{SOLO}RenderedObjectInfoMetric{suffix}", "id": "RenderedObjectInfo",
                    "description": "Label id, instance id and visible pixel count of each rendered object."}]
        files = {
            "metadata.json": {
                "unityVersion": "2022.3.10f1", "perceptionVersion": "1.0.0-preview.1", "renderPipeline": "HDRP",
                "simulationStartTime": "1/1/2026 0:00:00 AM", "scenarioRandomSeed": int(o["seed"]),
                "scenarioActiveRandomizers": ["HandPoseRandomizer", "ObjectPlacementRandomizer"],
                "totalFrames": total_frames, "totalSequences": total_sequences, "sensors": self.sensors,
                "metricCollectors": ["metadata", "RenderedObjectInfo"], "simulationEndTime": "1/1/2026 0:01:00 AM",
                "annotators": [{"name": a["id"], "type": a["@type"]} for a in annotators],
            },
            "sensor_definitions.json": {"sensorDefinitions": sensors},
            "annotation_definitions.json": {"annotationDefinitions": annotators},
            "metric_definitions.json": {"metricDefinitions": metrics},
        }
        for name in wanted:
            _write_json(where / name, files[name])

    # ---- one frame -----------------------------------------------------------------------------
    def frame(
        self, sequence: int, step: int, frame_no: int, shapes: list[Shape], rng: np.random.Generator,
        background: tuple[np.ndarray, np.ndarray, np.ndarray], with_metadata: bool,
    ) -> list[TruthFrame]:
        o = self.o
        seq_dir = self.root / f"sequence.{sequence}"
        seq_dir.mkdir(parents=True, exist_ok=True)
        captures, truths, meta_instances = [], [], []
        keyed: dict[int, Shape] = {s.instance_id: s for s in shapes}
        meta_hands = {s.instance_id for s in shapes if s.is_hand and with_metadata and rng.random() < o["metadata_hands"]}
        for camera, sensor in enumerate(self.sensors):
            raster = render(_camera_shapes(shapes, camera, self.width, self.height), self.width, self.height)
            capture, truth = self._capture(sequence, step, frame_no, sensor, raster, background, meta_hands)
            captures.append(capture)
            truths.append(truth)
        if with_metadata:
            for shape in shapes:
                if shape.instance_id in meta_hands:
                    target = keyed.get(shape.active) if shape.active is not None else None
                    dx, dy, mag = _offset_tag(shape, target)
                    tag = {"hand_side": shape.side, "contact_state": shape.contact,
                           "id_obj": self._object_ref(target), "dx": dx, "dy": dy, "magnitude": mag}
                    if o["glove_metadata"]:
                        tag["gloves"] = shape.glove
                    meta_instances.append({"instanceId": str(shape.instance_id), INTERACTION_TAG: tag})
                elif not shape.is_hand and o["id_space"].startswith("metadata:"):
                    meta_instances.append({"instanceId": str(shape.instance_id),
                                           "object_info": {"object_id": self._object_ref(shape)}})
        doc: dict[str, Any] = {"frame": frame_no, "sequence": sequence, "step": step,
                               "timestamp": round(step * 0.0166, 4), "captures": captures}
        metrics = []
        if meta_instances:
            metrics.append({"@type": f"{SOLO}GenericMetric", "id": "metadata", "sensorId": "", "annotationId": "",
                            "description": "Labeled metadata tags of the frame's instances",
                            **({"value": {"instances": meta_instances}} if o["key_style"] == "prototype"
                               else {"values": [{"instances": meta_instances}]})})
        if metrics:
            doc["metrics"] = metrics
        if o["key_style"] == "prototype":
            doc = _prototype(doc)
        _write_json(seq_dir / f"step{step}.frame_data.json", doc)
        return truths

    def _object_ref(self, target: Shape | None) -> int:
        """`id_obj` in the configured id space; −1 without an object."""
        if target is None:
            return -1
        space = self.o["id_space"]
        if space == "instanceId":
            return target.instance_id
        if space == "labelId":
            return self.label_id(target.label)
        return 5000 + target.instance_id  # metadata:object_info.object_id

    def _capture(
        self, sequence: int, step: int, frame_no: int, sensor: str, raster: Raster,
        background: tuple[np.ndarray, np.ndarray, np.ndarray], meta_hands: set[int],
    ) -> tuple[dict[str, Any], TruthFrame]:
        o = self.o
        w, h = self.width, self.height
        colour, noise, table_depth = background
        seq_dir = self.root / f"sequence.{sequence}"
        stem = f"step{step}.{sensor}"
        rgb = render_rgb(raster, colour, noise)
        rgba = np.dstack([rgb, np.full((h, w), 255, np.uint8)])
        _write_png(seq_dir / f"{stem}.png", rgba)
        truth_instances: list[TruthInstance] = []
        box_values, seg_instances, kp_values, rendered = [], [], [], []
        visible_ids = {s.instance_id for k, s in enumerate(raster.shapes) if raster.counts[k + 1] > 0}
        for k, shape in enumerate(raster.shapes):
            pixels = int(raster.counts[k + 1])
            label_id = self.label_id(shape.label)
            box, pieces = None, 0
            if pixels:
                crop, origin = instance_crop(raster, k)
                box = tight_box(crop, origin)
                pieces = cv2.connectedComponents(crop.astype(np.uint8), connectivity=8)[0] - 1
                box_values.append({"instanceId": shape.instance_id, "labelId": label_id, "labelName": shape.label,
                                   "origin": [float(box[0]), float(box[1])], "dimension": [float(box[2]), float(box[3])]})
                seg_instances.append({"instanceId": shape.instance_id, "labelId": label_id, "labelName": shape.label,
                                      "color": list(instance_color(shape.instance_id))})
                rendered.append({"labelId": label_id, "instanceId": shape.instance_id,
                                 "color": list(instance_color(shape.instance_id)), "visiblePixels": pixels})
            truth = TruthInstance(shape.instance_id, shape.label, label_id, shape.is_hand, pixels, box, pieces, shape.depth_m)
            if shape.is_hand:
                states = keypoint_states(raster, k)
                truth.side, truth.glove, truth.contact = shape.side, shape.glove, shape.contact
                truth.active_instance = shape.active
                truth.active_visible = shape.active in visible_ids
                truth.keypoints = states
                truth.metadata = shape.instance_id in meta_hands
                if pixels or o["keypoint_filter"] == "All":
                    kp_values.append({"instanceId": shape.instance_id, "labelId": label_id, "pose": "unset",
                                      "keypoints": [{"index": j, "location": [round(states[m][0], 4), round(states[m][1], 4)],
                                                     "state": states[m][2]} for j, m in enumerate(self.template_order)]})
            if pixels or (shape.is_hand and o["keypoint_filter"] == "All"):
                truth_instances.append(truth)
        box_values.sort(key=lambda v: v["instanceId"])  # boxes by id, masks in scene order: join on ids, never positions
        annotations: list[dict[str, Any]] = []
        bbox = {"@type": f"{SOLO}BoundingBox2DAnnotation", "id": _LABELER_IDS["bbox"], "sensorId": sensor,
                "description": "Produces 2D bounding box annotations for all visible objects that bear a label."}
        if box_values:
            bbox["values"] = box_values
        annotations.append(bbox)
        mask_name = f"{stem}.instance segmentation.png"
        seg_lut = np.zeros((len(raster.shapes) + 1, 4), dtype=np.uint8)
        seg_lut[0] = instance_color(0)
        for k, shape in enumerate(raster.shapes):
            seg_lut[k + 1] = instance_color(shape.instance_id)
        _write_png(seq_dir / mask_name, seg_lut[raster.index])
        seg = {"@type": f"{SOLO}InstanceSegmentationAnnotation", "id": _LABELER_IDS["instance"], "sensorId": sensor,
               "description": "Produces an instance segmentation image for each frame.",
               "imageFormat": "Png", "dimension": [float(w), float(h)], "filename": mask_name}
        if seg_instances:
            seg["instances"] = seg_instances
        annotations.append(seg)
        kp = {"@type": f"{SOLO}KeypointAnnotation", "id": _LABELER_IDS["keypoints"], "sensorId": sensor,
              "description": "Produces keypoint annotations for all visible labeled hands.", "templateId": self.template_id}
        if kp_values:
            kp["values"] = kp_values
        annotations.append(kp)
        depth_name = None
        if o["depth"]:
            depth_name = f"{stem}.Depth.exr"
            lut = np.zeros(len(raster.shapes) + 1, dtype=np.float32)
            lut[1:] = [s.depth_m for s in raster.shapes]
            depth = np.where(raster.index == 0, table_depth, lut[raster.index])
            # Plain write: the whole export is staged and renamed at once (and keeps the umask's mode).
            (seq_dir / depth_name).write_bytes(encode_exr(unity_depth_channels(depth), "ZIP", zip_level=1))
            annotations.append({"@type": f"{SOLO}DepthAnnotation", "id": _LABELER_IDS["depth"], "sensorId": sensor,
                                "description": "Generates depth images", "measurementStrategy": o["measurement"],
                                "imageFormat": "Exr", "dimension": [float(w), float(h)], "filename": depth_name})
        fx = 1.7320508 * h / w
        capture = {"@type": f"{SOLO}RGBCamera", "id": sensor, "description": f"egocentric camera {sensor}",
                   "position": [0.0, 1.5, 0.0], "rotation": [0.3826834, 0.0, 0.0, 0.9238795],
                   "velocity": [0.0, 0.0, 0.0], "acceleration": [0.0, 0.0, 0.0],
                   "filename": f"{stem}.png", "imageFormat": "Png", "dimension": [float(w), float(h)],
                   "projection": "Perspective", "matrix": [fx, 0.0, 0.0, 0.0, 1.7320508, 0.0, 0.0, 0.0, -1.0006],
                   "annotations": annotations}
        rel = f"sequence.{sequence}"
        truth = TruthFrame(
            sequence=sequence, step=step, frame=frame_no, sensor=sensor, width=w, height=h,
            frame_json=f"{rel}/step{step}.frame_data.json", rgb=f"{rel}/{stem}.png", mask=f"{rel}/{mask_name}",
            depth=f"{rel}/{depth_name}" if depth_name else None, has_metadata=bool(meta_hands),
            instances=truth_instances,
        )
        return capture, truth


def _cast(rng: np.random.Generator, writer: _Writer, *, hands: tuple[int, int], objects: int, names: Sequence[str],
          width: int, height: int, gloves: float, dense: bool) -> SceneCast:
    o = writer.o
    n_hands = int(rng.integers(hands[0], hands[1] + 1))
    sides = [1] if n_hands == 1 and rng.random() < 0.6 else [0] if n_hands == 1 else [0, 1][:n_hands]
    ids = rng.choice(np.arange(2, 1000), size=objects + len(sides), replace=False).tolist()
    if o["high_ids"]:  # ids > 1024 whose RGB equals a low id of the same scene: only alpha tells them apart
        low = ids[max(1, objects // 2):]
        for k in range(min(max(1, objects // 2), len(low))):
            r, g, b, _ = instance_color(int(low[k]))
            ids[k] = 1024 + (r << 16 | g << 8 | b)
    unit = min(width, height)
    object_cast = []
    for k in range(objects):
        label = str(names[int(rng.integers(len(names)))])
        size = float(rng.uniform(0.04, 0.12) * unit) if dense else float(rng.uniform(0.18, 0.42) * unit)
        object_cast.append((int(ids[k]), label, size))
    hand_cast = []
    for j, side in enumerate(sides):
        glove = int(rng.random() < gloves)
        label = hand_label(side, glove, o["hand_label_style"], o["glove_in_label"])
        hand_cast.append((int(ids[objects + j]), label, side, glove))
    hand_size = (0.2 if dense else 0.3) * unit
    return SceneCast(tuple(object_cast), tuple(hand_cast), hand_size)


def generate_solo(
    out_dir: str | Path,
    *,
    sequences: int = 2,
    steps: int | Sequence[int] = 2,
    width: int = 640,
    height: int = 480,
    hands: tuple[int, int] = (1, 2),
    objects: int = 3,
    seed: int = 0,
    object_names: Sequence[str] | None = None,
    gloves: float = 0.5,
    contact: float = 0.6,
    border: float = 0.3,
    forearm: bool = True,
    metadata: float = 1.0,
    metadata_hands: float = 1.0,
    glove_metadata: bool = True,
    id_space: str = "instanceId",
    label_style: str = "unity",
    template_labels: Sequence[str] | None = None,
    template_order: str = "mediapipe",
    hand_label_style: str = "spaced",
    glove_in_label: bool = True,
    keypoint_filter: str = "Visible",
    cameras: int = 1,
    depth: bool = True,
    measurement: str = "Depth",
    definitions: bool | Sequence[str] = True,
    definitions_dir: str = "root",
    key_style: str = "camel",
    step_gaps: bool = False,
    empty_steps: Sequence[tuple[int, int]] = (),
    frame_offset: int = 0,
    high_ids: bool = False,
    dense: bool = False,
    overwrite: bool = False,
    progress: Progress = no_progress,
    open_stage: Callable[..., ContextManager[Path]] | None = None,
) -> GeneratedSolo:
    """Write a SOLO root at `out_dir` (built in `<out_dir>.tmp/`, renamed when complete; `stage`:
    the command's output plan's staging folder).

    `steps` is per sequence (an int, or one count per sequence); `step_gaps` skips step 1 of odd
    sequences (Unity's public samples have such gaps); `empty_steps` lists (sequence, step) frames
    with nothing visible (empty lists omitted). `metadata` is the share of frames that carry the
    interaction tag; `metadata_hands` the share of hands within such frames. `id_space` is how
    `id_obj` names the active object: `instanceId`, `labelId` or `metadata:object_info.object_id`.
    `definitions` = True (all four files), False (a crashed run), or the file names to write.
    `key_style` = `camel` (1.0) or `prototype` (snake_case keys, `rgba`, `intrinsic`, `value`,
    `…Definition` types). `dense` = ~80 small instances per frame (the benchmark's setting).
    Progress: one task, "steps".
    """
    if id_space not in ("instanceId", "labelId", f"metadata:{OBJECT_ID_KEY}"):
        raise ValueError(f"id_space must be instanceId, labelId or metadata:{OBJECT_ID_KEY}")
    if key_style not in ("camel", "prototype"):
        raise ValueError("key_style must be 'camel' or 'prototype'")
    if keypoint_filter not in ("Visible", "All"):
        raise ValueError("keypoint_filter must be 'Visible' or 'All'")
    names = list(object_names) if object_names else list(REFERENCE_CATEGORIES[:-1])
    if dense and objects == 3:
        objects = 78
    per_sequence = [int(steps)] * sequences if isinstance(steps, int) else [int(s) for s in steps]
    if len(per_sequence) != sequences:
        raise ValueError(f"steps lists {len(per_sequence)} sequences, expected {sequences}")
    options = {
        "seed": seed, "metadata_hands": metadata_hands, "glove_metadata": glove_metadata, "id_space": id_space,
        "label_style": label_style, "template_labels": list(template_labels) if template_labels else None,
        "template_order": template_order, "hand_label_style": hand_label_style, "glove_in_label": glove_in_label,
        "keypoint_filter": keypoint_filter, "cameras": cameras, "depth": depth, "measurement": measurement,
        "definitions": definitions, "definitions_dir": definitions_dir, "key_style": key_style, "high_ids": high_ids,
    }
    out_dir = Path(out_dir)
    truths: list[TruthFrame] = []
    if open_stage is None:
        open_stage = partial(staging_dir, out_dir, replace=overwrite, command="solo-generate")
    with open_stage() as stage:
        writer = _Writer(stage, width=width, height=height, options=options)
        for name in names:
            writer.label_id(name)
        for side in (0, 1):
            for glove in (0, 1):
                writer.label_id(hand_label(side, glove, hand_label_style, glove_in_label))
        background = _background(np.random.default_rng([seed, 7]), width, height)
        frame_no = frame_offset
        written = progress("steps", sum(per_sequence))  # step_gaps renumbers steps, never changes their count
        empty = {(int(a), int(b)) for a, b in empty_steps}
        for s in range(sequences):
            cast = _cast(np.random.default_rng([seed, s]), writer, hands=hands, objects=objects, names=names,
                         width=width, height=height, gloves=gloves, dense=dense)
            step_numbers = [n for n in range(per_sequence[s] + (1 if step_gaps and s % 2 else 0))
                            if not (step_gaps and s % 2 and n == 1)]
            for step in step_numbers:
                rng = np.random.default_rng([seed, s, step, 1])
                if (s, step) in empty:
                    shapes: list[Shape] = []
                else:
                    shapes = compose_scene(rng, cast, width, height, contact_rate=contact, border_rate=border,
                                           forearm=forearm)
                with_metadata = bool(rng.random() < metadata) and any(x.is_hand for x in shapes)
                truths.extend(writer.frame(s, step, frame_no, shapes, rng, background, with_metadata))
                frame_no += 1
                written(1)
        writer.definitions(total_frames=frame_no - frame_offset, total_sequences=sequences)
    return GeneratedSolo(
        root=out_dir, frames=truths, sensors=writer.sensors, labels=dict(writer.labels), object_labels=names,
        template_id=writer.template_id, template_labels=writer.template_labels, template_order=writer.template_order,
        id_space=id_space, options={**options, "sequences": sequences, "steps": per_sequence, "width": width,
                                    "height": height, "dense": dense, "objects": objects},
    )


def generate_sample(out_dir: str | Path, *, seed: int = 0, overwrite: bool = False) -> GeneratedSolo:
    """The bundled sample: 2 sequences × 3 steps at 640×360 with every hand case represented."""
    return generate_solo(out_dir, sequences=2, steps=3, width=640, height=360, hands=(2, 2), objects=3,
                         seed=seed, overwrite=overwrite)
