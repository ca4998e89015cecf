"""Reading and writing EHOI-COCO files: lenient on read (ehoi-coco.md §11), strict and
byte-deterministic on write (§10)."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from glovego_data.atomic import atomic_write_bytes
from glovego_data.ehoi_coco.constants import CATEGORY_NAME_ALIASES, HAND_KEYS
from glovego_data.ehoi_coco.geometry import box_inside, clip_box, image_diagonal, offset_between
from glovego_data.ehoi_coco.info import EHOI_KEY_ORDER, MAGNITUDE_CONVENTIONS, is_v1, make_info, stored_magnitude_diagonal
from glovego_data.ehoi_coco.schema import Annotation, Category, EhoiDataset, Image, find_hand_category
from glovego_data.errors import FormatError

TOP_LEVEL_KEYS = ("info", "licenses", "images", "categories", "annotations")
_IMAGE_FIELDS = ("id", "file_name", "width", "height", "video", "source", "depth_file", "solo", "glove_edit", "orig_id")
_ANNOTATION_FIELDS = (
    "id", "image_id", "category_id", "bbox", "area", "iscrowd", "segmentation", "keypoints",
    "num_keypoints", "keypoints_source", "instance_id", *HAND_KEYS,
)


# ----- reading ------------------------------------------------------------------------------

def read_json(path: str | Path) -> Any:
    path = Path(path)
    try:
        text = path.read_bytes()
    except FileNotFoundError:
        raise FormatError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise FormatError(f"{path}: is a folder; expected a JSON file") from None
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FormatError(f"{path}: not valid JSON: {error}") from None


def companion_path(path: str | Path) -> Path:
    """`annotations/<split>.json` → `annotations/<split>_hands.json`."""
    path = Path(path)
    return path.with_name(f"{path.stem}_hands.json")


def main_path_of_companion(path: str | Path) -> Path | None:
    path = Path(path)
    if not path.stem.endswith("_hands"):
        return None
    return path.with_name(path.stem[: -len("_hands")] + ".json")


def load_dataset(path: str | Path) -> EhoiDataset:
    """Read an EHOI-COCO file; foreign (reference / EgoISM-style) files are repaired in memory.

    Structural problems (not JSON, missing top-level keys, records of the wrong shape) raise
    FormatError naming the file; content problems are `validate`'s job.
    """
    path = Path(path)
    raw = read_json(path)
    main_categories = None
    main = main_path_of_companion(path)
    if main is not None and main.is_file() and not is_v1(raw.get("info") if isinstance(raw, dict) else None):
        main_raw = read_json(main)
        if isinstance(main_raw, dict):
            main_categories = main_raw.get("categories")
    return dataset_from_dict(raw, source=str(path), main_categories=main_categories)


def dataset_from_dict(raw: Any, *, source: str = "<memory>", main_categories: Any = None) -> EhoiDataset:
    if not isinstance(raw, dict):
        raise FormatError(f"{source}: top level must be a JSON object")
    for key in TOP_LEVEL_KEYS:
        if key not in raw and not (key in ("info", "licenses") and not is_v1(raw.get("info"))):
            raise FormatError(f"{source}: missing top-level key '{key}'")
    for key in ("images", "categories", "annotations"):
        if not isinstance(raw[key], list):
            raise FormatError(f"{source}: '{key}' must be a list")
    info = raw.get("info") if isinstance(raw.get("info"), dict) else {}
    dataset = EhoiDataset(
        images=[_parse_image(r, source) for r in raw["images"]],
        categories=[_parse_category(r, source) for r in raw["categories"]],
        annotations=[_parse_annotation(r, source) for r in raw["annotations"]],
        info=info,
        licenses=raw.get("licenses") if isinstance(raw.get("licenses"), list) else [],
        foreign=not is_v1(info),
    )
    if dataset.foreign:
        _ForeignRepair(dataset, source, main_categories).run()
        dataset.info = derived_info(dataset)
    else:
        _magnitudes_to_image_diagonal(dataset, source)
    return dataset


def derived_info(dataset: EhoiDataset) -> dict[str, Any]:
    """A v1 `info` for a repaired foreign dataset, so it can be written or scored like our own: the
    file's own keys are kept, `ehoi` states what the repair made of it (§3.1, §11)."""
    info = {k: v for k, v in dataset.info.items() if k != "ehoi"}
    rle = any(isinstance(a.segmentation, dict) for a in dataset.annotations)
    ehoi = make_info(command="load_dataset (repaired from a foreign file)", contact_source="mixed",
                     segmentation="rle" if rle else "polygon")["ehoi"]
    return {"description": info.pop("description", ""), "version": info.pop("version", "1.0"), "ehoi": ehoi, **info}


def magnitude_convention(dataset: EhoiDataset) -> str:
    ehoi = dataset.info.get("ehoi") if isinstance(dataset.info, dict) else None
    return ehoi.get("magnitude", "image_diagonal") if isinstance(ehoi, dict) else "image_diagonal"


def _magnitude_scales(dataset: EhoiDataset) -> dict[Any, float]:
    """Per image: stored magnitude × scale = distance ÷ the image's own diagonal."""
    convention = magnitude_convention(dataset)
    return {
        img.id: stored_magnitude_diagonal(convention, img.width, img.height) / image_diagonal(img.width, img.height)
        for img in dataset.images
        if _is_number(img.width) and _is_number(img.height) and img.width > 0 and img.height > 0
    }


def _magnitudes_to_image_diagonal(dataset: EhoiDataset, source: str) -> None:
    """In memory a magnitude is always distance ÷ this image's diagonal (§6.1); a file that declares
    `info.ehoi.magnitude = "reference_diagonal"` is converted on read and back on write."""
    convention = magnitude_convention(dataset)
    if convention not in MAGNITUDE_CONVENTIONS:
        raise FormatError(f"{source}: info.ehoi.magnitude '{convention}' is not one of {', '.join(MAGNITUDE_CONVENTIONS)}")
    if convention == "image_diagonal":
        return
    scales = _magnitude_scales(dataset)
    for ann in dataset.annotations:
        if _is_number(ann.magnitude) and ann.image_id in scales:
            ann.magnitude = float(ann.magnitude) * scales[ann.image_id]


def _require(record: Any, key: str, source: str, what: str) -> Any:
    if not isinstance(record, dict):
        raise FormatError(f"{source}: {what}: must be a JSON object")
    if key not in record:
        raise FormatError(f"{source}: {what}: missing '{key}'")
    return record[key]


def _parse_image(r: Any, source: str) -> Image:
    image_id = _require(r, "id", source, "image")
    where = f"image {image_id}"
    extra = {k: v for k, v in r.items() if k not in _IMAGE_FIELDS}
    return Image(
        id=image_id,
        file_name=_require(r, "file_name", source, where),
        width=_require(r, "width", source, where),
        height=_require(r, "height", source, where),
        video=r.get("video"),
        source=r.get("source"),
        depth_file=r.get("depth_file"),
        solo=r.get("solo"),
        glove_edit=r.get("glove_edit"),
        orig_id=r.get("orig_id"),
        extra=extra,
    )


def _parse_category(r: Any, source: str) -> Category:
    cat_id = _require(r, "id", source, "category")
    name = _require(r, "name", source, f"category {cat_id}")
    extra = {k: v for k, v in r.items() if k not in ("id", "name", "supercategory")}
    return Category(id=cat_id, name=name, supercategory=r.get("supercategory", name), extra=extra)


def _parse_annotation(r: Any, source: str) -> Annotation:
    ann_id = _require(r, "id", source, "annotation")
    where = f"annotation {ann_id}"
    bbox = _require(r, "bbox", source, where)
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(_is_number(v) for v in bbox):
        raise FormatError(f"{source}: {where}: bbox {bbox} must be [x, y, w, h]")
    keypoints = r.get("keypoints") or []
    extra = {k: v for k, v in r.items() if k not in _ANNOTATION_FIELDS}
    return Annotation(
        id=ann_id,
        image_id=_require(r, "image_id", source, where),
        category_id=_require(r, "category_id", source, where),
        bbox=[float(v) for v in bbox],
        area=float(r["area"]) if _is_number(r.get("area")) else float("nan"),
        iscrowd=r.get("iscrowd", 0),
        segmentation=r.get("segmentation"),
        keypoints=list(keypoints),
        num_keypoints=r.get("num_keypoints", -1),
        keypoints_source=r.get("keypoints_source"),
        instance_id=r.get("instance_id"),
        hand_side=r.get("hand_side"),
        contact_state=r.get("contact_state"),
        gloves=r.get("gloves"),
        id_obj=r.get("id_obj"),
        bbox_obj=r.get("bbox_obj"),
        category_id_obj=r.get("category_id_obj"),
        dx=r.get("dx"),
        dy=r.get("dy"),
        magnitude=r.get("magnitude"),
        extra=extra,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


class _ForeignRepair:
    """ehoi-coco.md §11: bring a reference / EgoISM-style file to v1 semantics, warning once per kind."""

    def __init__(self, dataset: EhoiDataset, source: str, main_categories: Any) -> None:
        self.ds = dataset
        self.source = source
        self.main_categories = main_categories
        self.counts: Counter[str] = Counter()

    def warn(self, kind: str, n: int = 1) -> None:
        self.counts[kind] += n

    def run(self) -> None:
        ds = self.ds
        self._categories()
        images = ds.image_by_id()
        hand_id = ds.hand_category_id
        if any(isinstance(img.id, str) for img in ds.images):
            self.warn("string image ids (renumbered by file_name when written)")
        ids = [ann.id for ann in ds.annotations]
        if 0 in ids:
            self.warn("annotation id 0")
        if len(set(ids)) != len(ids):
            self.warn("duplicate annotation ids (last wins for id_obj)")
        by_id = ds.annotation_by_id()
        hands = [a for a in ds.annotations if a.category_id == hand_id]
        pixel_magnitudes = any(_is_number(a.magnitude) and a.magnitude > 2 for a in hands)
        if pixel_magnitudes:
            self.warn(f"magnitudes in pixels, divided by each image's diagonal ({len(hands)} hands)")
        for ann in ds.annotations:
            img = images.get(ann.image_id)
            if not _is_number(ann.area):
                ann.area = ann.bbox[2] * ann.bbox[3]
                self.warn("missing area (set to w·h)")
            if ann.num_keypoints == -1 or not isinstance(ann.num_keypoints, int):
                ann.num_keypoints = ann.count_keypoints()
            if img is not None and not box_inside(ann.bbox, img.width, img.height) and box_inside(
                ann.bbox, img.width, img.height, tolerance=1.0
            ):
                ann.bbox = clip_box(ann.bbox, img.width, img.height)
                self.warn("bbox outside the image by ≤ 1 px (clipped)")
        for hand in hands:
            self._hand(hand, by_id, images, pixel_magnitudes)
        for kind, n in sorted(self.counts.items()):
            ds.warnings.append(f"{self.source}: {kind}: {n}")

    def _categories(self) -> None:
        ds = self.ds
        for cat in ds.categories:
            if cat.name in CATEGORY_NAME_ALIASES:
                cat.name = CATEGORY_NAME_ALIASES[cat.name]
                cat.supercategory = cat.name
        if self.main_categories is not None:
            main = [_parse_category(r, self.source) for r in self.main_categories]
            own_hand, main_hand = find_hand_category(ds.categories), find_hand_category(main)
            if own_hand is not None and main_hand is not None and (
                [(c.id, c.name) for c in main] != [(c.id, c.name) for c in ds.categories]
            ):
                for ann in ds.annotations:
                    if ann.category_id == own_hand.id:
                        ann.category_id = main_hand.id
                ds.categories = main
                self.warn("companion categories taken from the main file (hand matched by name)")
        hand = find_hand_category(ds.categories)
        if hand is None:
            raise FormatError(f"{self.source}: no category named 'hand'")
        ordered = sorted((c for c in ds.categories if c is not hand), key=lambda c: c.id) + [hand]
        if [c.id for c in ordered] != list(range(len(ordered))):
            mapping = {c.id: new for new, c in enumerate(ordered)}
            for ann in ds.annotations:
                ann.category_id = mapping.get(ann.category_id, ann.category_id)
                if isinstance(ann.category_id_obj, int) and ann.category_id_obj in mapping:
                    ann.category_id_obj = mapping[ann.category_id_obj]
            for new, cat in enumerate(ordered):
                cat.id = new
            self.warn("category ids remapped to 0..K-1 with hand last")
        ds.categories = ordered
        ds.reindex()

    def _hand(self, hand: Annotation, by_id: dict, images: dict, pixel_magnitudes: bool) -> None:
        missing = [k for k in ("hand_side", "contact_state", "gloves", "id_obj") if getattr(hand, k) is None]
        for key in missing:
            setattr(hand, key, -1)
            self.warn(f"missing {key} (set to -1)")
        obj = by_id.get(hand.id_obj) if hand.id_obj is not None and hand.id_obj >= 0 else None
        if obj is not None and (obj.image_id != hand.image_id or obj.category_id == self.ds.hand_category_id):
            obj = None
        img = images.get(hand.image_id)
        if hand.bbox_obj is None:
            hand.bbox_obj = list(obj.bbox) if obj is not None else []
            self.warn("missing bbox_obj")
        if hand.category_id_obj is None:
            hand.category_id_obj = obj.category_id if obj is not None else -1
        if hand.dx is None or hand.dy is None or hand.magnitude is None:
            if obj is not None and img is not None:
                probe = Annotation(id=0, image_id=0, category_id=0, bbox=hand.bbox, area=0.0)
                probe.set_active_object(obj, img.width, img.height)
                hand.dx, hand.dy, hand.magnitude = probe.dx, probe.dy, probe.magnitude
            else:
                hand.dx, hand.dy, hand.magnitude = 0.0, 0.0, 0.0
            self.warn("missing dx/dy/magnitude (recomputed from boxes)")
        elif pixel_magnitudes and img is not None:
            hand.magnitude = float(hand.magnitude) / image_diagonal(img.width, img.height)


# ----- writing ------------------------------------------------------------------------------

def _num(value: float, digits: int = 3) -> int | float:
    """Round a coordinate or area; integral values are written as integers (compact, stable)."""
    rounded = round(float(value), digits)
    if not math.isfinite(rounded):
        raise ValueError(f"non-finite number {value!r} cannot be written")
    return int(rounded) if rounded == int(rounded) else rounded


def _coords(values: list[float]) -> list[int | float]:
    return [_num(v) for v in values]


def _keypoints(values: list[float]) -> list[int | float]:
    out: list[int | float] = []
    for i, v in enumerate(values):
        out.append(int(v) if i % 3 == 2 else _num(v))
    return out


def _segmentation(seg: Any) -> Any:
    if isinstance(seg, list):
        return [_coords(ring) for ring in seg]
    if isinstance(seg, dict):
        counts = seg.get("counts")
        if isinstance(counts, bytes):
            counts = counts.decode("ascii")
        return {"size": [int(v) for v in seg["size"]], "counts": counts}
    return seg


def image_to_dict(img: Image) -> dict[str, Any]:
    out: dict[str, Any] = {"id": img.id, "file_name": img.file_name, "width": int(img.width), "height": int(img.height)}
    for key in ("video", "source", "depth_file", "solo", "glove_edit", "orig_id"):
        value = getattr(img, key)
        if value is not None:
            out[key] = value
    out.update(img.extra)
    return out


def annotation_to_dict(ann: Annotation, magnitude_scale: float = 1.0) -> dict[str, Any]:
    """`magnitude_scale`: image diagonal ÷ the file's magnitude unit (1 for our own convention)."""
    out: dict[str, Any] = {
        "id": ann.id,
        "image_id": ann.image_id,
        "category_id": ann.category_id,
        "bbox": _coords(ann.bbox),
        "area": _num(ann.area),
        "iscrowd": ann.iscrowd,
    }
    if ann.segmentation is not None:
        out["segmentation"] = _segmentation(ann.segmentation)
    out["keypoints"] = _keypoints(ann.keypoints)
    out["num_keypoints"] = ann.num_keypoints
    if ann.keypoints_source is not None:
        out["keypoints_source"] = ann.keypoints_source
    if ann.instance_id is not None:
        out["instance_id"] = ann.instance_id
    if ann.hand_side is not None:
        out["hand_side"] = ann.hand_side
        out["contact_state"] = ann.contact_state
        out["gloves"] = ann.gloves
        out["id_obj"] = ann.id_obj
        out["bbox_obj"] = _coords(ann.bbox_obj or [])
        out["category_id_obj"] = ann.category_id_obj
        out["dx"] = round(float(ann.dx or 0.0), 6)
        out["dy"] = round(float(ann.dy or 0.0), 6)
        out["magnitude"] = round(float(ann.magnitude or 0.0) / magnitude_scale, 6)
    out.update(ann.extra)
    return out


def category_to_dict(cat: Category) -> dict[str, Any]:
    out: dict[str, Any] = {"id": cat.id, "name": cat.name, "supercategory": cat.supercategory or cat.name}
    out.update(cat.extra)
    return out


def info_to_dict(info: dict[str, Any]) -> dict[str, Any]:
    ehoi = info.get("ehoi")
    if not isinstance(ehoi, dict):
        raise ValueError("a dataset written by GlovEgo needs info.ehoi (use ehoi_coco.make_info)")
    ordered_ehoi = {k: ehoi[k] for k in EHOI_KEY_ORDER if k in ehoi}
    ordered_ehoi.update({k: v for k, v in ehoi.items() if k not in ordered_ehoi})
    out = {"description": info.get("description", ""), "version": info.get("version", "1.0"), "ehoi": ordered_ehoi}
    out.update({k: v for k, v in info.items() if k not in out})
    return out


def canonicalize(dataset: EhoiDataset) -> EhoiDataset:
    """Apply the writers' renumbering rules (§11): images 1..N by file_name when ids are not
    positive unique integers (keeping `orig_id`); annotations 1..N in file order when ids are 0
    or duplicated (remapping `id_obj`). Sorts everything by id. Mutates and returns `dataset`."""
    image_ids = [img.id for img in dataset.images]
    if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 1 for i in image_ids) or len(set(image_ids)) != len(image_ids):
        remap: dict[Any, int] = {}
        for new, img in enumerate(sorted(dataset.images, key=lambda im: im.file_name), start=1):
            remap[img.id] = new
            img.orig_id = img.id if img.orig_id is None else img.orig_id
            img.id = new
        for ann in dataset.annotations:
            ann.image_id = remap[ann.image_id]
    ann_ids = [ann.id for ann in dataset.annotations]
    if not all(isinstance(i, int) and i >= 1 for i in ann_ids) or len(set(ann_ids)) != len(ann_ids):
        new_of_old = {}
        for new, ann in enumerate(dataset.annotations, start=1):
            new_of_old[ann.id] = new  # duplicates: the last one wins, as for id_obj lookups
            ann.id = new
        for ann in dataset.annotations:
            if ann.id_obj is not None and ann.id_obj >= 0 and ann.hand_side is not None:
                ann.id_obj = new_of_old.get(ann.id_obj, -1)
    dataset.images.sort(key=lambda im: im.id)
    dataset.annotations.sort(key=lambda a: a.id)
    dataset.categories.sort(key=lambda c: c.id)
    dataset.reindex()
    return dataset


def dataset_to_dict(dataset: EhoiDataset) -> dict[str, Any]:
    scales = _magnitude_scales(dataset) if magnitude_convention(dataset) != "image_diagonal" else {}
    sizes = {img.id: (img.width, img.height) for img in dataset.images}
    return {
        "info": info_to_dict(dataset.info),
        "licenses": list(dataset.licenses),
        "images": [image_to_dict(img) for img in sorted(dataset.images, key=lambda im: im.id)],
        "categories": [category_to_dict(c) for c in sorted(dataset.categories, key=lambda c: c.id)],
        "annotations": [_with_written_offset(annotation_to_dict(a, scales.get(a.image_id, 1.0)), sizes.get(a.image_id),
                                              scales.get(a.image_id, 1.0))
                        for a in sorted(dataset.annotations, key=lambda a: a.id)],
    }


def _with_written_offset(record: dict[str, Any], size: tuple[Any, Any] | None,
                         magnitude_scale: float = 1.0) -> dict[str, Any]:
    """One rounding rule for writer and checker: a resolved hand's offset is the one between its
    boxes *as written* (rounded), so `validate` recomputes the same numbers on any image size;
    the magnitude in the file's own unit (`magnitude_scale` as in `annotation_to_dict`)."""
    if (record.get("id_obj", -1) in (-1, None) or len(record.get("bbox_obj") or []) != 4 or size is None
            or (record["dx"], record["dy"], record["magnitude"]) == (0, 0, 0)):
        return record
    dx, dy, magnitude = offset_between(record["bbox"], record["bbox_obj"], size[0], size[1])
    if (dx, dy, magnitude) != (0.0, 0.0, 0.0):
        record["dx"], record["dy"], record["magnitude"] = round(dx, 6), round(dy, 6), round(magnitude / magnitude_scale, 6)
    return record


def encode_dataset(dataset: EhoiDataset) -> bytes:
    """Compact UTF-8 JSON: the same dataset always gives the same bytes."""
    return json.dumps(dataset_to_dict(dataset), separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def save_dataset(dataset: EhoiDataset, path: str | Path, *, companion: bool = True) -> None:
    """Write `<split>.json` (and its `<split>_hands.json`, §9) atomically, after `canonicalize`."""
    path = Path(path)
    canonicalize(dataset)
    atomic_write_bytes(path, encode_dataset(dataset))
    if companion:
        atomic_write_bytes(companion_path(path), encode_dataset(dataset.hands_only()))
