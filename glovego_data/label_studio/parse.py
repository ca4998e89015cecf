"""Label Studio's JSON export → EHOI-COCO records, with every problem found named by task and region.

Rules (docs/label.md):
- per task, the latest submitted annotation counts: cancelled (skipped) ones are ignored, then the
  greatest `updated_at` (else `created_at`), then the greatest annotation id; a task without one
  is left out and counted;
- a relation between a hand and an object (either direction, any label) is the hand's active
  object; between a keypoint and a hand, the keypoint's hand; a keypoint without one belongs to
  the hand whose box holds it (`regions.keypoint_owner`);
- a region export made (`data.glovego.regions`) keeps its annotation id, instance id and iscrowd;
  its area and mask only while its box is unchanged, its keypoint source only while its
  keypoints are unchanged (else `manual`);
- side and contact are required on every hand; `allow_incomplete` keeps a hand without them as
  −1 (unknown). A missing glove choice is −1. A link needs contact = `contact`.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Sequence

from glovego_data.ehoi_coco.categories import build_categories
from glovego_data.ehoi_coco.constants import HAND_CATEGORY, KEYPOINT_NAMES, NUM_KEYPOINTS, REFERENCE_CATEGORIES
from glovego_data.ehoi_coco.geometry import box_inside, clip_box
from glovego_data.ehoi_coco.info import make_info
from glovego_data.ehoi_coco.io import _parse_image
from glovego_data.ehoi_coco.schema import Annotation, EhoiDataset, Image
from glovego_data.errors import FormatError
from glovego_data.label_studio import config as cfg
from glovego_data.label_studio.geometry import percent_to_box, percent_to_keypoint
from glovego_data.label_studio.regions import keypoint_owner

EDGE_TOLERANCE = 0.01  # px: a box past the image edge by at most this is clipped, beyond it is an error
KEYPOINT_SOURCE_MANUAL = "manual"


@dataclass
class ImportResult:
    dataset: EhoiDataset
    problems: list[str]
    unlabelled: list[Any] = field(default_factory=list)  # task ids without a submitted annotation
    task_of: dict[Any, Any] = field(default_factory=dict)  # image id → the task it came from


def latest_annotation(task: dict[str, Any]) -> dict[str, Any] | None:
    done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
    if not done:
        return None
    return max(done, key=lambda a: (str(a.get("updated_at") or a.get("created_at") or ""), _int(a.get("id"))))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


@dataclass
class _Box:
    rid: str
    label: str
    bbox: list[float]
    choices: dict[str, str] = field(default_factory=dict)


@dataclass
class _Point:
    rid: str
    name: str
    x: float
    y: float
    occluded: bool = False


class _Task:
    """One task's chosen annotation read into boxes, points and relations; problems collected."""

    def __init__(self, task: dict[str, Any], image: Image, categories: Sequence[str], problems: list[str]) -> None:
        self.tid = task.get("id", "?")
        self.image = image
        self.categories = set(categories)
        self.problems = problems
        self.boxes: dict[str, _Box] = {}
        self.points: dict[str, _Point] = {}
        self.relations: list[tuple[str, str]] = []

    def problem(self, rid: str | None, text: str) -> None:
        where = f"task {self.tid}" + (f": region {rid}" if rid is not None else "")
        self.problems.append(f"{where}: {text}")

    def read(self, results: list[Any]) -> None:
        choices: list[dict[str, Any]] = []
        for item in results:
            if not isinstance(item, dict):
                self.problem(None, "a result that is not a JSON object")
            elif item.get("type") == "relation":
                self.relations.append((str(item.get("from_id")), str(item.get("to_id"))))
            elif item.get("type") == "rectanglelabels":
                self._box(item)
            elif item.get("type") == "keypointlabels":
                self._point(item)
            elif item.get("type") == "choices":
                choices.append(item)
            else:
                self.problem(item.get("id"), f"a '{item.get('type')}' region, not part of GlovEgo's config")
        for item in choices:
            self._choice(item)

    def _box(self, item: dict[str, Any]) -> None:
        rid, value = str(item.get("id")), item.get("value") or {}
        labels = value.get("rectanglelabels") or []
        if len(labels) != 1 or labels[0] not in self.categories:
            self.problem(rid, f"unknown label {labels!r} (the classes are the config's)")
            return
        if float(value.get("rotation") or 0.0) != 0.0:
            self.problem(rid, f"rotated box ({value.get('rotation')}°); EHOI-COCO boxes are axis-aligned")
            return
        box = percent_to_box(value, self.image.width, self.image.height)
        if not box_inside(box, self.image.width, self.image.height, tolerance=EDGE_TOLERANCE):
            self.problem(rid, f"box {[round(v, 3) for v in box]} outside the image "
                              f"({self.image.width}×{self.image.height})")
            return
        self.boxes[rid] = _Box(rid, labels[0], clip_box(box, self.image.width, self.image.height)
                               if not box_inside(box, self.image.width, self.image.height, tolerance=0.0) else box)

    def _point(self, item: dict[str, Any]) -> None:
        rid, value = str(item.get("id")), item.get("value") or {}
        labels = value.get("keypointlabels") or []
        if len(labels) != 1 or labels[0] not in KEYPOINT_NAMES:
            self.problem(rid, f"unknown keypoint label {labels!r}")
            return
        x, y = percent_to_keypoint(value, self.image.width, self.image.height)
        if not (-0.5 - EDGE_TOLERANCE <= x <= self.image.width - 0.5 + EDGE_TOLERANCE
                and -0.5 - EDGE_TOLERANCE <= y <= self.image.height - 0.5 + EDGE_TOLERANCE):
            self.problem(rid, f"keypoint {labels[0]} at ({x:.2f}, {y:.2f}) outside the image")
            return
        self.points[rid] = _Point(rid, labels[0], x, y)

    def _choice(self, item: dict[str, Any]) -> None:
        rid, name = str(item.get("id")), item.get("from_name")
        chosen = (item.get("value") or {}).get("choices") or []
        if name == cfg.VISIBILITY and rid in self.points:
            self.points[rid].occluded = cfg.OCCLUDED in chosen
        elif name in cfg.HAND_CHOICES and rid in self.boxes:
            if len(chosen) != 1 or chosen[0] not in cfg.HAND_CHOICES[name]:
                self.problem(rid, f"{name} {chosen!r} is not one of {list(cfg.HAND_CHOICES[name])}")
            else:
                self.boxes[rid].choices[name] = chosen[0]
        elif rid not in self.boxes and rid not in self.points:
            self.problem(rid, f"a {name} choice for a region that is not there (deleted?)")

    def links(self) -> tuple[dict[str, str], dict[str, str]]:
        """(hand → its active object, keypoint → its hand) from the relations."""
        active: dict[str, list[str]] = defaultdict(list)
        owner: dict[str, str] = {}
        for a, b in self.relations:
            missing = [r for r in (a, b) if r not in self.boxes and r not in self.points]
            if missing:
                self.problem(missing[0], f"relation {a} → {b} to a deleted region")
                continue
            kinds = {self._kind(a): a, self._kind(b): b}
            if set(kinds) == {"hand", "object"}:
                active[kinds["hand"]].append(kinds["object"])
            elif set(kinds) == {"hand", "keypoint"}:
                owner[kinds["keypoint"]] = kinds["hand"]
            else:
                self.problem(a, f"relation {a} → {b} joins a {self._kind(a)} and a {self._kind(b)}; "
                                "relations go hand → active object or keypoint → hand")
        for hand, objects in active.items():
            if len(set(objects)) > 1:
                self.problem(hand, f"hand with two active objects ({', '.join(sorted(set(objects)))})")
        return {h: objs[0] for h, objs in active.items() if len(set(objs)) == 1}, owner

    def _kind(self, rid: str) -> str:
        if rid in self.points:
            return "keypoint"
        return "hand" if self.boxes[rid].label == HAND_CATEGORY else "object"


def _hand_code(box: _Box, name: str) -> int:
    choice = box.choices.get(name)
    return cfg.HAND_CHOICES[name][choice] if choice is not None else -1


def read_export(tasks: Any, category_names: Sequence[str], key: str, *, allow_incomplete: bool = False,
                project: int | None = None, source: str = "export") -> ImportResult:
    """Every task of a Label Studio JSON export, checked as a whole: `problems` lists each bad
    task/region; the dataset is only meaningful when it is empty."""
    problems: list[str] = []
    if not isinstance(tasks, list):
        return ImportResult(EhoiDataset([], [], []), [f"{source}: not a Label Studio JSON export (a list of tasks)"])
    categories = build_categories(category_names)
    by_name = {c.name: c.id for c in categories}
    unlabelled: list[Any] = []
    chosen: list[tuple[dict[str, Any], Image, dict[str, Any]]] = []
    seen_images: dict[Any, Any] = {}
    projects = {t.get("project") for t in tasks if isinstance(t, dict) and t.get("project") is not None}
    if project is None and len(projects) > 1:
        return ImportResult(EhoiDataset([], [], []), [f"{source}: tasks of several projects "
                                                      f"({', '.join(map(str, sorted(projects, key=str)))}); "
                                                      "export one project at a time"])
    for task in tasks:
        if not isinstance(task, dict):
            problems.append(f"{source}: a task that is not a JSON object")
            continue
        tid = task.get("id", "?")
        glovego = (task.get("data") or {}).get("glovego")
        if not isinstance(glovego, dict) or glovego.get("labels") != key:
            problems.append(f"task {tid}: not a task of this GlovEgo project (made for other classes, or not by "
                            "`glovego label export`)")
            continue
        if project is not None and task.get("project") not in (None, project):
            problems.append(f"task {tid}: belongs to project {task.get('project')}, not {project}")
            continue
        try:
            image = _parse_image(glovego.get("image"), f"task {tid}")
        except FormatError as error:
            problems.append(str(error))
            continue
        if image.id in seen_images:
            problems.append(f"task {tid}: image {image.id} is also task {seen_images[image.id]}")
            continue
        seen_images[image.id] = tid
        annotation = latest_annotation(task)
        if annotation is None:
            unlabelled.append(tid)
            continue
        chosen.append((task, image, annotation))
    used_ids = {int(kept["id"]) for task, _, _ in chosen
                for kept in ((task["data"]["glovego"].get("regions") or {}).values())}
    next_id = max(used_ids, default=0) + 1
    images: list[Image] = []
    annotations: list[Annotation] = []
    for task, image, annotation in chosen:
        kept = task["data"]["glovego"].get("regions") or {}
        reader = _Task(task, image, category_names, problems)
        reader.read(annotation.get("result") or [])
        active, owner = reader.links()
        built: dict[str, Annotation] = {}
        for rid, box in reader.boxes.items():
            meta = kept.get(rid)
            if meta is None:
                ann_id, next_id = next_id, next_id + 1
                meta = {}
            else:
                ann_id = int(meta["id"])
            built[rid] = _annotation(ann_id, image, box, by_name[box.label], meta)
        hands = [(rid, b.bbox) for rid, b in reader.boxes.items() if b.label == HAND_CATEGORY]
        per_hand: dict[str, dict[int, _Point]] = defaultdict(dict)
        for rid, point in reader.points.items():
            hand = owner.get(rid) or keypoint_owner(point.x, point.y, hands)
            if hand is None:
                reader.problem(rid, f"keypoint {point.name} inside no hand box")
                continue
            index = KEYPOINT_NAMES.index(point.name)
            if index in per_hand[hand]:
                reader.problem(rid, f"hand {hand} has two {point.name} keypoints ({per_hand[hand][index].rid}, {rid})")
                continue
            per_hand[hand][index] = point
        for rid, box in reader.boxes.items():
            if box.label != HAND_CATEGORY:
                continue
            ann = built[rid]
            _keypoints(ann, per_hand.get(rid, {}), kept.get(rid) or {})
            ann.hand_side, ann.contact_state, ann.gloves = (_hand_code(box, cfg.SIDE), _hand_code(box, cfg.CONTACT),
                                                            _hand_code(box, cfg.GLOVE))
            missing = [name for name in (cfg.SIDE, cfg.CONTACT) if name not in box.choices]
            if missing and not allow_incomplete:
                reader.problem(rid, f"hand without {' or '.join(missing)} (label it, or import with --allow-incomplete)")
            target = active.get(rid)
            if target is not None and ann.contact_state != 1:
                reader.problem(rid, f"hand linked to active object {target} but its contact is "
                                    f"{box.choices.get(cfg.CONTACT, 'not set')!r}")
            if target is not None and ann.contact_state == 1:
                ann.set_active_object(built[target], image.width, image.height)
            else:
                ann.clear_active_object()
        images.append(image)
        annotations.extend(built.values())
    names = [c.name for c in categories]
    info = make_info(command="label import", contact_source="manual",
                     categories="reference-20" if tuple(names) == REFERENCE_CATEGORIES else "custom")
    return ImportResult(EhoiDataset(images=images, categories=categories, annotations=annotations, info=info),
                        problems, unlabelled, seen_images)


def _annotation(ann_id: int, image: Image, box: _Box, category_id: int, meta: dict[str, Any]) -> Annotation:
    """A record from a box; what export kept for it survives only where the box is unchanged."""
    unchanged = meta.get("bbox") is not None and [round(v, 3) for v in box.bbox] == [round(float(v), 3)
                                                                                     for v in meta["bbox"]]
    bbox = [float(v) for v in meta["bbox"]] if unchanged else box.bbox
    return Annotation(
        id=ann_id, image_id=image.id, category_id=category_id, bbox=bbox,
        area=float(meta["area"]) if unchanged and "area" in meta else bbox[2] * bbox[3],
        iscrowd=int(meta.get("iscrowd", 0)),
        segmentation=meta.get("segmentation") if unchanged else None,
        instance_id=meta.get("instance_id"),
        keypoints_source=None,
        extra={k: v for k, v in meta.items() if k not in _META_FIELDS},
    )


_META_FIELDS = ("id", "bbox", "area", "iscrowd", "segmentation", "keypoints", "keypoints_source", "instance_id")


def _keypoints(ann: Annotation, points: dict[int, _Point], meta: dict[str, Any]) -> None:
    flat = [0.0] * (3 * NUM_KEYPOINTS)
    for index, point in points.items():
        flat[3 * index: 3 * index + 3] = [point.x, point.y, 1 if point.occluded else 2]
    before = meta.get("keypoints") or []
    if _same_keypoints(flat, before):
        ann.keypoints, ann.keypoints_source = list(before), meta.get("keypoints_source")
    elif points:
        ann.keypoints, ann.keypoints_source = flat, KEYPOINT_SOURCE_MANUAL
    else:
        ann.keypoints, ann.keypoints_source = [], None
    ann.num_keypoints = ann.count_keypoints()


def _same_keypoints(flat: list[float], before: list[Any]) -> bool:
    """The labelled keypoints are those export wrote (same visibility, within the 3-decimal rounding)."""
    if len(before) != len(flat):
        return False
    for i in range(0, len(flat), 3):
        if int(before[i + 2]) != int(flat[i + 2]):
            return False
        if before[i + 2] and not (math.isclose(flat[i], before[i], abs_tol=5e-4)
                                  and math.isclose(flat[i + 1], before[i + 1], abs_tol=5e-4)):
            return False
    return True
