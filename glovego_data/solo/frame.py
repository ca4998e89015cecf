"""One SOLO frame → EHOI-COCO images and annotations with frame-local ids (solo.md §6, §8).

Runs in worker processes. Every PNG/EXR is decoded once; mask pixels become one packed colour key,
mapped to instances with a single table lookup; everything else works inside box crops. Ids are
local (1..n per image); the main process renumbers them in frame order so output bytes do not
depend on the number of workers.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image as PILImage
from scipy import ndimage

from glovego_data._cv2 import cv2
from glovego_data.ehoi_coco import Annotation, box_centre
from glovego_data.ehoi_coco.geometry import clip_box
from glovego_data.ehoi_coco.io import annotation_to_dict
from glovego_data.errors import WRITE_FAULTS, with_file_name
from glovego_data.exr import read_depth
from glovego_data.masks import mask_to_polygons, mask_to_rle
from glovego_data.paths import outside_reason
from glovego_data.solo.colors import instance_color
from glovego_data.solo.contact import band_width, touching_objects
from glovego_data.solo.depth_outputs import write_depth_files
from glovego_data.solo.errors import DatasetError, FrameError
from glovego_data.solo.mapping import has_glove_token, is_hand_label, lookup_path, side_from_label
from glovego_data.solo.plan import LABELER_TYPES, ConversionPlan, FolderPlan
from glovego_data.solo.reader import FrameRef, read_frame
from glovego_data.solo.report import Tally
from glovego_data.solo.schema import (
    USED_ANNOTATION_TYPES,
    BoundingBox2D,
    Depth,
    Frame,
    InstanceSegmentation,
    Keypoints,
    OtherCapture,
    RGBCapture,
    UnknownAnnotation,
    as_int,
)

_BACKGROUND_KEY = 0xFF000000  # (0, 0, 0, 255) in the native packing below
_RGB_LUT: np.ndarray | None = None  # 2^24-entry colour → instance table, reused across frames


@dataclass
class ImageResult:
    """One converted capture; annotation ids and `image_id` are local until the writer renumbers them."""

    sensor: str
    rgb_path: str
    rgb_rel: str
    ext: str
    width: int
    height: int
    video: str
    solo: dict[str, Any]
    depth_tmp: tuple[str, str] | None
    measurement: str | None
    annotations: list[dict[str, Any]]  # encoded here (the costly rounding runs in the worker)
    contact_sources: list[str]


@dataclass
class FrameResult:
    index: int
    rel: str
    images: list[ImageResult] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    ignored_types: Counter[str] = field(default_factory=Counter)
    other_labelers: set[tuple[str, str]] = field(default_factory=set)
    template_extras: dict[str, list[str]] = field(default_factory=dict)
    error: FrameError | None = None
    dataset_error: DatasetError | OSError | None = None  # OSError: a write fault (full / read-only disk)


# ----- files --------------------------------------------------------------------------------------

def _referenced_file(ref: FrameRef, plan: ConversionPlan, filename: Any, what: str) -> tuple[Path, str]:
    """The absolute path and SOLO_DIR-relative name of a file a frame names; E if missing or empty."""
    reason = outside_reason(filename)
    if reason is not None:
        raise FrameError(ref.rel, ref.rel, f"{what}: filename '{filename}' {reason}; it must name a file inside "
                                           f"{ref.path.parent}")
    path = ref.path.parent / filename
    rel = (Path(ref.rel).parent / filename).as_posix()
    try:
        size = path.stat().st_size
    except (FileNotFoundError, NotADirectoryError):
        raise FrameError(ref.rel, rel, f"file not found (referenced by {ref.rel}, {what})") from None
    if size == 0:
        raise FrameError(ref.rel, rel, f"file is empty (referenced by {ref.rel}, {what})")
    return path, rel


def _format_name(path: Path) -> str:
    ext = path.suffix.lower().lstrip(".")
    return {"jpg": "JPEG", "jpeg": "JPEG"}.get(ext, ext.upper() or "image")


def _rgb_size(ref: FrameRef, path: Path, rel: str) -> tuple[int, int]:
    """Width and height from the file; a PNG's chunks are CRC-checked (truncation is caught)."""
    try:
        with PILImage.open(path) as image:
            size = image.size
            image.verify()
    except Exception as error:  # PIL raises many types for a broken file
        raise FrameError(ref.rel, rel, f"cannot decode {_format_name(path)} ({error})") from None
    return int(size[0]), int(size[1])


def _check_size(ref: FrameRef, rel: str, shape: tuple[int, ...], width: int, height: int) -> None:
    if shape[0] != height or shape[1] != width:
        raise FrameError(ref.rel, rel, f"size {shape[1]}×{shape[0]} differs from the RGB {width}×{height}")


# ----- instance masks ------------------------------------------------------------------------------

def _native_key(rgba: tuple[int, ...]) -> int:
    """The uint32 a little-endian view of OpenCV's BGRA bytes gives; internal to this module."""
    r, g, b, a = rgba
    return int(b) | (int(g) << 8) | (int(r) << 16) | (int(a) << 24)


def _decode_mask(ref: FrameRef, path: Path, rel: str, width: int, height: int) -> np.ndarray:
    """The instance PNG as H×W native uint32 colour keys (all four channels compared)."""
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise FrameError(ref.rel, rel, f"cannot decode {_format_name(path)} (OpenCV could not read the file)")
    _check_size(ref, rel, pixels.shape, width, height)
    if pixels.dtype != np.uint8:
        raise FrameError(ref.rel, rel, f"cannot decode {_format_name(path)} (expected 8-bit channels, got {pixels.dtype})")
    if pixels.ndim == 2:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGRA)
    elif pixels.shape[2] == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_BGR2BGRA)
    return np.ascontiguousarray(pixels).view(np.uint32)[..., 0]


def _label_image(keys: np.ndarray, instance_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(H×W int32 labels: k+1 where the pixel has `instance_keys[k]`, 0 elsewhere; the keys of
    foreground pixels no entry lists). Only non-background pixels are looked up, once each."""
    global _RGB_LUT
    flat = keys.ravel()
    foreground = np.flatnonzero(flat != _BACKGROUND_KEY)
    fg_keys = flat[foreground]
    rgb = instance_keys & 0xFFFFFF
    if len(instance_keys) == 0:
        found = np.zeros(len(fg_keys), np.int32)
    elif len(np.unique(rgb)) != len(rgb) or len(rgb) >= 0xFFFF:  # colours differing only in alpha
        order = np.argsort(instance_keys, kind="stable")
        sorted_keys = instance_keys[order]
        pos = np.clip(np.searchsorted(sorted_keys, fg_keys), 0, len(sorted_keys) - 1)
        found = np.where(sorted_keys[pos] == fg_keys, order[pos] + 1, 0).astype(np.int32)
    else:
        if _RGB_LUT is None:
            _RGB_LUT = np.zeros(1 << 24, dtype=np.uint16)
        lut = _RGB_LUT
        lut[rgb] = np.arange(1, len(rgb) + 1, dtype=np.uint16)
        try:
            found = lut[fg_keys & 0xFFFFFF].astype(np.int32)
        finally:
            lut[rgb] = 0
        alpha = np.concatenate(([0], instance_keys >> 24)).astype(np.uint32)
        found[alpha[found] != (fg_keys >> 24)] = 0
    labels = np.zeros(flat.shape, np.int32)
    labels[foreground] = found
    return labels.reshape(keys.shape), fg_keys[found == 0]


# ----- the frame ---------------------------------------------------------------------------------------

@dataclass
class _Instance:
    instance_id: int
    label: str
    label_id: int | None
    ann: Annotation
    mask_label: int  # index+1 in the label image, 0 = no mask
    mask_slice: tuple[slice, slice] | None
    is_hand: bool


def _pick(capture: RGBCapture, type_: str, folder: FolderPlan, result: FrameResult):
    """The chosen labeler of a type in this capture; other labelers of that type are listed."""
    wanted = folder.labelers.get(type_)
    chosen = None
    for ann in capture.annotations:
        if ann.type != type_:
            continue
        if chosen is None and (wanted is None or ann.id == wanted):
            chosen = ann
        else:
            result.other_labelers.add((type_, ann.id))
    return chosen


def _metadata_by_instance(frame: Frame) -> dict[int, dict[str, Any]]:
    """Metadata-labeler entries by int instanceId (strings in SOLO, solo.md §7 row 13)."""
    found: dict[int, dict[str, Any]] = {}
    metric = frame.metric("metadata")
    if metric is None:
        return found
    for value in metric.values:
        if not isinstance(value, dict):
            continue
        for entry in value.get("instances") or []:
            if isinstance(entry, dict):
                iid = as_int(entry.get("instanceId", entry.get("instance_id")))
                if iid is not None:
                    found[iid] = entry
    return found


def convert_frame(ref: FrameRef, plan: ConversionPlan) -> FrameResult:
    """Convert one frame; any failure becomes the frame's error (a worker exception is never lost)."""
    result = FrameResult(ref.index, ref.rel)
    written: list[Path] = []
    try:
        _convert(ref, plan, result, written)
    except DatasetError as error:
        result.dataset_error = error
    except FrameError as error:
        result.error = error
    except OSError as error:
        if error.errno not in WRITE_FAULTS:
            result.error = FrameError(ref.rel, ref.rel, f"{type(error).__name__}: {error}")
        else:  # a full or read-only disk stops the run, naming the file being written
            result.dataset_error = with_file_name(error, written[-1] if written else plan.stage)
    except Exception as error:  # a bug or an unexpected file problem: still this frame's error
        result.error = FrameError(ref.rel, ref.rel, f"{type(error).__name__}: {error}")
    if result.error is not None or result.dataset_error is not None:
        for path in written:
            path.unlink(missing_ok=True)
        result.images = []
    return result


def _convert(ref: FrameRef, plan: ConversionPlan, result: FrameResult, written: list[Path]) -> None:
    frame = read_frame(ref)
    if frame.sequence is not None and frame.sequence != ref.sequence:
        result.tally.add("frame JSON 'sequence' differs from its folder", ref.rel)
    metadata = _metadata_by_instance(frame)
    folder = plan.folders[ref.folder]
    include = plan.mapping.cameras
    captures = sorted(frame.rgb_captures, key=lambda c: c.id)
    for other in frame.captures:
        if isinstance(other, OtherCapture):
            result.ignored_types[f"capture {other.type}"] += 1
    if not captures:
        result.tally.add("steps without an image", ref.rel)
    for k, capture in enumerate(captures):
        if include and capture.id not in include:
            continue
        for ann in capture.annotations:
            if isinstance(ann, UnknownAnnotation) or ann.type not in USED_ANNOTATION_TYPES:
                result.ignored_types[ann.type] += 1
        result.images.append(_convert_capture(ref, plan, folder, frame, capture, k, metadata, result, written))


def _convert_capture(
    ref: FrameRef,
    plan: ConversionPlan,
    folder: FolderPlan,
    frame: Frame,
    capture: RGBCapture,
    k: int,
    metadata: dict[int, dict[str, Any]],
    result: FrameResult,
    written: list[Path],
) -> ImageResult:
    if capture.filename is None or capture.filename == "":
        raise FrameError(ref.rel, ref.rel, f"capture '{capture.id}' has no RGB file (filename is null)")
    rgb_path, rgb_rel = _referenced_file(ref, plan, capture.filename, f"capture '{capture.id}'")
    width, height = _rgb_size(ref, rgb_path, rgb_rel)
    boxes_ann = _pick(capture, LABELER_TYPES["bbox"], folder, result)
    seg_ann = _pick(capture, LABELER_TYPES["instance"], folder, result)
    kp_ann = _pick(capture, LABELER_TYPES["keypoints"], folder, result)
    depth_ann = _pick(capture, LABELER_TYPES["depth"], folder, result)

    # Depth first: the contact test needs it.
    depth = None
    depth_tmp = None
    measurement = None
    if isinstance(depth_ann, Depth) and depth_ann.filename:
        depth_path, depth_rel = _referenced_file(ref, plan, depth_ann.filename, f"annotation '{depth_ann.id}'")
        try:
            depth = read_depth(depth_path)
        except Exception as error:
            message, prefix = str(error), f"{depth_path}: "
            problem = message[len(prefix):] if message.startswith(prefix + "cannot decode") else f"cannot decode EXR ({message})"
            raise FrameError(ref.rel, depth_rel, problem) from None
        _check_size(ref, depth_rel, depth.shape, width, height)
        measurement = depth_ann.measurement or "Depth"
        work = plan.stage / ".work"
        map8, mm = work / f"f{ref.index}_{k}_map.png", work / f"f{ref.index}_{k}_mm.png"
        written.extend((map8, mm))
        write_depth_files(depth, plan.mapping.depth_range_m, map8, mm)
        depth_tmp = (str(map8), str(mm))

    # Instance masks: one decode, one lookup, then tight slices per instance.
    labels = None
    slices: list[tuple[slice, slice] | None] = []
    seg_entries: dict[int, tuple[int, Any]] = {}
    if isinstance(seg_ann, InstanceSegmentation) and seg_ann.filename:
        seg_path, seg_rel = _referenced_file(ref, plan, seg_ann.filename, f"annotation '{seg_ann.id}'")
        if seg_ann.image_format.lower() in ("jpg", "jpeg") or seg_path.suffix.lower() in (".jpg", ".jpeg"):
            raise FrameError(ref.rel, seg_rel, "instance segmentation stored as JPEG; exact colour matching needs PNG")
        keys = _decode_mask(ref, seg_path, seg_rel, width, height)
        entries = [v for v in seg_ann.instances if v.instance_id >= 0]
        colors = [tuple(v.color) + (255,) * (4 - len(v.color)) if v.color else instance_color(v.instance_id) for v in entries]
        instance_keys = np.array([_native_key(c[:4]) for c in colors], dtype=np.uint32)
        labels, unlisted = _label_image(keys, instance_keys)
        if unlisted.size:
            result.tally.add("mask colours no JSON entry lists (pixels ignored)", seg_rel, len(np.unique(unlisted)))
        slices = ndimage.find_objects(labels, max_label=len(entries)) if len(entries) else []
        for idx, v in enumerate(entries):
            seg_entries[v.instance_id] = (idx + 1, v)

    boxes = {b.instance_id: b for b in boxes_ann.values} if isinstance(boxes_ann, BoundingBox2D) else {}
    instances = _build_instances(ref, plan, folder, boxes, seg_entries, labels, slices, width, height, result)
    annotations = [inst.ann for inst in instances]
    by_instance = {inst.instance_id: inst for inst in instances}

    if isinstance(kp_ann, Keypoints):
        for value in kp_ann.values:
            inst = by_instance.get(value.instance_id)
            if inst is None:
                if value.instance_id not in boxes and value.instance_id not in seg_entries:
                    result.tally.add("keypoints of instances with no box and no mask (dropped)", ref.rel)
                continue  # else the instance itself was dropped, and counted, above
            if not inst.is_hand:
                continue
            tmap = plan.template_map(kp_ann.template_id)
            if tmap.extra_labels:
                result.template_extras[tmap.name or tmap.template_id] = list(tmap.extra_labels)
            inst.ann.keypoints, inst.ann.num_keypoints = tmap.to_coco(value, ref.rel)
            inst.ann.keypoints_source = "synthetic"

    sources = [
        _hand_state(ref, plan, inst, instances, metadata, labels, depth, width, height, result)
        for inst in instances
        if inst.is_hand
    ]
    return ImageResult(
        sensor=capture.id,
        rgb_path=str(rgb_path),
        rgb_rel=rgb_rel,
        ext=Path(str(capture.filename)).suffix,
        width=width,
        height=height,
        video=f"{ref.folder}/sequence.{ref.sequence}",
        solo={"dataset": ref.folder, "sequence": ref.sequence, "step": ref.step, "frame": frame.frame, "sensor": capture.id},
        depth_tmp=depth_tmp,
        measurement=measurement,
        annotations=[annotation_to_dict(a) for a in annotations],
        contact_sources=sources,
    )


def _box_on_image(box: Any, width: int, height: int) -> bool:
    """Finite and overlapping the image by a positive area: what `validate` can accept once clipped."""
    values = (box.x, box.y, box.w, box.h)
    return all(map(math.isfinite, values)) and box.x < width and box.y < height and box.x + box.w > 0 \
        and box.y + box.h > 0


def _build_instances(
    ref: FrameRef,
    plan: ConversionPlan,
    folder: FolderPlan,
    boxes: dict[int, Any],
    seg_entries: dict[int, tuple[int, Any]],
    labels: np.ndarray | None,
    slices: list,
    width: int,
    height: int,
    result: FrameResult,
) -> list[_Instance]:
    """Boxes and masks joined on instanceId (never by list position)."""
    instances: list[_Instance] = []
    for iid in sorted(set(boxes) | set(seg_entries)):
        box = boxes.get(iid)
        mask_label, entry = seg_entries.get(iid, (0, None))
        mask_slice = slices[mask_label - 1] if mask_label and mask_label <= len(slices) else None
        name = (box.label_name if box is not None else None) or (entry.label_name if entry is not None else None)
        label_id = box.label_id if box is not None else (entry.label_id if entry is not None else None)
        if name is None and label_id is not None:
            name = folder.label_names.get(label_id)
        name = name or ""
        if box is not None and (box.w <= 0 or box.h <= 0):
            result.tally.add("zero-size boxes (dropped)", ref.rel)
            continue
        if box is not None and not _box_on_image(box, width, height):
            finite = all(map(math.isfinite, (box.x, box.y, box.w, box.h)))
            if plan.strict:
                where = "is not finite" if not finite else f"is off the {width}×{height} image"
                raise FrameError(ref.rel, ref.rel, f"instance {iid}: box origin [{box.x}, {box.y}] dimension "
                                                   f"[{box.w}, {box.h}] {where} (--strict)")
            result.tally.add("non-finite boxes (dropped)" if not finite else "boxes off the image (dropped)", ref.rel)
            continue
        if box is None and mask_slice is None:
            result.tally.add("instances with no box and 0 mask pixels (dropped)", ref.rel)
            continue
        hand = is_hand_label(name, plan.mapping)
        category = plan.hand_id if hand else plan.category_of(name)
        if category is None:
            if plan.mapping.unknown == "error":
                raise DatasetError(f"label '{name}' ({ref.rel}) is not in the category set")
            result.tally.add("labels outside the category set (instances skipped)", f"{ref.rel}: {name}")
            continue
        if box is not None:
            bbox = clip_box([box.x, box.y, box.w, box.h], width, height)
        else:
            rows, cols = mask_slice
            bbox = [float(cols.start), float(rows.start), float(cols.stop - cols.start), float(rows.stop - rows.start)]
        segmentation = None
        if mask_slice is not None:
            rows, cols = mask_slice
            crop = labels[mask_slice] == mask_label
            area = float(np.count_nonzero(crop))
            origin = (cols.start, rows.start)
            if plan.mask_format == "rle":
                segmentation = mask_to_rle(crop, height, width, origin=origin)
            else:
                segmentation = mask_to_polygons(crop, origin=origin)
        else:
            area = float(bbox[2] * bbox[3])
            result.tally.add("boxes without a mask (area = w·h)", ref.rel)
        ann = Annotation(
            id=len(instances) + 1, image_id=0, category_id=category, bbox=bbox, area=area,
            segmentation=segmentation, instance_id=iid,
        )
        if hand:
            ann.set_hand_defaults()
        instances.append(_Instance(iid, name, label_id, ann, mask_label if mask_slice is not None else 0, mask_slice, hand))
    return instances


def _tri_state(value: Any) -> int | None:
    number = as_int(value)
    return number if number in (-1, 0, 1) else None


def _hand_state(
    ref: FrameRef,
    plan: ConversionPlan,
    hand: _Instance,
    instances: list[_Instance],
    metadata: dict[int, dict[str, Any]],
    labels: np.ndarray | None,
    depth: np.ndarray | None,
    width: int,
    height: int,
    result: FrameResult,
) -> str:
    """Side, glove, contact and active object of one hand; returns where its contact came from."""
    m = plan.mapping
    ann = hand.ann
    meta = metadata.get(hand.instance_id, {})
    tag = meta.get(m.tag) if isinstance(meta.get(m.tag), dict) else None
    side = _tri_state(tag.get(m.side_key)) if tag else None
    ann.hand_side = side if side in (0, 1) else side_from_label(hand.label)
    glove = _tri_state(lookup_path(meta, m.gloves_key))
    if glove in (0, 1):
        ann.gloves = glove
    else:
        ann.gloves = (1 if has_glove_token(hand.label) else 0) if plan.glove_by_label else -1

    if m.contact_mode == "none":
        ann.contact_state = -1
        return "none"
    if m.contact_mode == "metadata" or (m.contact_mode == "auto" and tag is not None and m.contact_key in tag):
        if tag is None or m.contact_key not in tag:
            ann.contact_state = -1
            return "none"
        state = _tri_state(tag.get(m.contact_key))
        ann.contact_state = -1 if state is None else state
        if ann.contact_state == 1:
            target = _resolve_metadata_object(ref, plan, hand, instances, metadata, tag.get(m.object_key), result)
            if target is not None:
                ann.set_active_object(target.ann, width, height)
        return "metadata"
    if labels is None or hand.mask_slice is None:
        ann.contact_state = -1
        return "none"
    objects = {inst.mask_label: inst for inst in instances if not inst.is_hand and inst.mask_label}
    band = band_width(ann.bbox, m.band_px)
    touches = touching_objects(
        labels, hand.mask_label, hand.mask_slice, set(objects), band, m.min_touch_px, depth, m.depth_tolerance_m
    )
    ann.contact_state = 1 if touches else 0
    if touches:
        hx, hy = box_centre(ann.bbox)

        def rank(label: int) -> tuple:
            ox, oy = box_centre(objects[label].ann.bbox)
            return (-touches[label], math.hypot(ox - hx, oy - hy), objects[label].ann.id)

        ann.set_active_object(objects[min(touches, key=rank)].ann, width, height)
    return "geometry+depth" if depth is not None else "geometry"


def _resolve_metadata_object(
    ref: FrameRef,
    plan: ConversionPlan,
    hand: _Instance,
    instances: list[_Instance],
    metadata: dict[int, dict[str, Any]],
    raw_id: Any,
    result: FrameResult,
) -> _Instance | None:
    """`id_obj` of the tag → an instance of the same capture, in the configured id space (solo.md §6.5)."""
    space = plan.mapping.id_space
    wanted = as_int(raw_id) if not space.startswith("metadata:") else raw_id
    if wanted is None or (isinstance(wanted, int) and wanted < 0):
        result.tally.add("contact without a visible active object (contact kept, id_obj -1)", ref.rel)
        return None
    if space == "instanceId":
        matches = [inst for inst in instances if inst.instance_id == wanted]
    elif space == "labelId":
        matches = [inst for inst in instances if inst.label_id == wanted]
    else:
        path = space[len("metadata:"):]
        matches = [
            inst for inst in instances
            if (value := lookup_path(metadata.get(inst.instance_id, {}), path)) is not None and str(value) == str(wanted)
        ]
    objects = [inst for inst in matches if not inst.is_hand and inst is not hand]
    if not objects:
        if matches:
            result.tally.add("id_obj points at a hand or the hand itself (not resolved)", ref.rel)
        else:
            result.tally.add("contact without a visible active object (contact kept, id_obj -1)", ref.rel)
        return None
    if len(objects) > 1:
        result.tally.add("ambiguous id_obj (nearest object box taken)", ref.rel)
        hx, hy = box_centre(hand.ann.bbox)
        objects.sort(key=lambda inst: (math.hypot(box_centre(inst.ann.bbox)[0] - hx, box_centre(inst.ann.bbox)[1] - hy), inst.ann.id))
    return objects[0]
