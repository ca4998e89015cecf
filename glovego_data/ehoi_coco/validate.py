"""The validation checklist of ehoi-coco.md §12, run on the raw JSON so that every violation is
reported, not just the first one a parser would trip on."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PIL import Image as PILImage
from pycocotools import mask as mask_utils

from glovego_data.ehoi_coco.constants import HAND_KEYS, KEYPOINT_NAMES, NUM_KEYPOINTS, TRI_STATE_KEYS
from glovego_data.ehoi_coco.geometry import box_inside, image_diagonal, offset_between
from glovego_data.ehoi_coco.info import MAGNITUDE_CONVENTIONS, is_v1, stored_magnitude_diagonal
from glovego_data.ehoi_coco.io import TOP_LEVEL_KEYS, companion_path
from glovego_data.paths import outside_reason

UNIT_TOLERANCE = 1e-3
OFFSET_TOLERANCE = 1e-4
MAGNITUDE_TOLERANCE = 1e-5
BOX_TOLERANCE = 1e-3

_KIND_ORDER = {None: 0, "image": 1, "annotation": 2}


@dataclass(frozen=True)
class Violation:
    """One line of `glovego validate`: `<file>: <where>: <problem>`."""

    file: str
    message: str
    kind: str | None = None  # "image", "annotation" or None for file-level problems
    record_id: Any = None
    severity: str = "error"  # or "warning"

    @property
    def where(self) -> str | None:
        return None if self.kind is None else f"{self.kind} {self.record_id}"

    def __str__(self) -> str:
        parts = [self.file] + ([self.where] if self.where else []) + [self.message]
        return ": ".join(parts)

    def sort_key(self) -> tuple:
        rid = self.record_id
        numeric = isinstance(rid, (int, float)) and not isinstance(rid, bool)
        return (self.file, _KIND_ORDER[self.kind], 0 if numeric else 1, rid if numeric else str(rid))


def _fmt(value: Any) -> str:
    """Lists and numbers as a reader would type them: [0, 610, 255, 300]."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)


def _key(value: Any) -> Any:
    """A value usable as a dict key: a list or object id (wrong, and reported) becomes its JSON text."""
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _has_pixel_magnitudes(raw: dict[str, Any]) -> bool:
    """§11, as the loader decides it: any hand magnitude > 2 means the whole file is in pixels."""
    cats = raw.get("categories") if isinstance(raw.get("categories"), list) else []
    anns = raw.get("annotations") if isinstance(raw.get("annotations"), list) else []
    names = {c.get("id"): str(c.get("name", "")).strip().lower() for c in cats if isinstance(c, dict)}
    hands = {i for i, n in names.items() if n in ("hand", "mano")}
    return any(isinstance(a, dict) and a.get("category_id") in hands and _is_number(a.get("magnitude"))
               and a["magnitude"] > 2 for a in anns)


END_MARKERS = {"JPEG": b"\xff\xd9", "PNG": b"IEND\xaeB`\x82"}  # what a whole file of each format ends with
_TAIL_BYTES = 64  # how far before the end the marker may sit


def image_file_problem(root: Path, name: str, size: tuple[int, int] | None, *, decode: bool = False) -> str | None:
    """What is wrong with `root/images/name` (None: nothing); with `size` (the JSON's width, height),
    the header is decoded and compared, and a JPEG / PNG must end with its end marker (a cut file
    keeps a whole header) — header and tail only, so a whole dataset is checked in seconds.
    `decode` decodes every pixel too (`validate --decode`)."""
    path = root / "images" / name
    if not path.is_file():
        return f"file not found: images/{name}"
    if size is None:
        return None
    try:
        with PILImage.open(path) as pil:
            found, kind = pil.size, pil.format
            if decode:
                pil.load()
    except Exception as error:
        return f"cannot decode image: images/{name}" + (f" ({error})" if decode else "")
    if found != tuple(size):
        return f"file is {found[0]}×{found[1]}, JSON says {size[0]}×{size[1]}"
    marker = END_MARKERS.get(kind or "")
    if marker is not None and not _ends_with(path, marker):
        return f"truncated image: images/{name} has no {kind} end marker (cut short while copying or writing?)"
    return None


def _ends_with(path: Path, marker: bytes) -> bool:
    """The marker is among the last bytes: some writers pad or append a little after it."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - _TAIL_BYTES))
        return marker in handle.read()


class _FileChecker:
    """Runs rows 2–28 on one parsed file; `root` enables the on-disk rows 10–11."""

    def __init__(self, name: str, raw: dict[str, Any], root: Path | None, *, decode: bool = False) -> None:
        self.name = name
        self.decode = decode
        self.raw = raw
        self.root = root
        self.foreign = not is_v1(raw.get("info"))
        ehoi = raw["info"]["ehoi"] if not self.foreign else {}
        self.magnitude_convention = ehoi.get("magnitude", "image_diagonal")
        self.pixel_magnitudes = self.foreign and _has_pixel_magnitudes(raw)
        self.hand_id: Any = None
        self.structural = False  # a top-level list is not a list: nothing below it can be checked
        self.out: list[Violation] = []

    def add(self, message: str, kind: str | None = None, record_id: Any = None, *, warn_if_foreign: bool = False) -> None:
        severity = "warning" if warn_if_foreign and self.foreign else "error"
        self.out.append(Violation(self.name, message, kind, record_id, severity))

    def structure(self) -> list[Violation]:
        """The list shape of `images`, `categories`, `annotations`: one line per key that is not a list."""
        for key in ("images", "categories", "annotations"):
            if key in self.raw and not isinstance(self.raw[key], list):
                self.add(f"'{key}' must be a list")
                self.structural = True
        return self.out

    def run(self) -> list[Violation]:
        raw = self.raw
        for key in TOP_LEVEL_KEYS:
            if key not in raw:
                self.add(f"missing top-level key '{key}'", warn_if_foreign=key in ("info", "licenses"))
        self._format()
        self.structure()
        if self.structural:
            return self.out
        self.categories = [c for c in raw.get("categories", []) if isinstance(c, dict)]
        self._categories()
        self.images = {}
        for img in raw.get("images", []):
            self._image(img)
        self.annotations: dict[Any, dict[str, Any]] = {}
        ann_ids = Counter(_key(a.get("id")) for a in raw.get("annotations", []) if isinstance(a, dict))
        for ann in raw.get("annotations", []):
            if isinstance(ann, dict):
                self.annotations[_key(ann.get("id"))] = ann  # last wins, as the reference's lookup
        for ann in raw.get("annotations", []):
            if not isinstance(ann, dict):
                self.add("every annotation must be a JSON object")
                continue
            self._annotation(ann, ann_ids)
        return self.out

    # ----- file level ---------------------------------------------------------------------
    def _format(self) -> None:
        info = self.raw.get("info")
        ehoi = info.get("ehoi") if isinstance(info, dict) else None
        if ehoi is None:
            self.add("unsupported format 'None' version 'None' (expected EHOI-COCO 1.x)", warn_if_foreign=True)
        elif not is_v1(info):
            fmt = ehoi.get("format") if isinstance(ehoi, dict) else None
            ver = ehoi.get("version") if isinstance(ehoi, dict) else None
            self.add(f"unsupported format '{fmt}' version '{ver}' (expected EHOI-COCO 1.x)")
        elif self.magnitude_convention not in MAGNITUDE_CONVENTIONS:
            self.add(f"info.ehoi.magnitude '{self.magnitude_convention}' is not one of {', '.join(MAGNITUDE_CONVENTIONS)}")

    def _categories(self) -> None:
        ids = [_key(c.get("id")) for c in self.categories]
        self.category_ids = set(ids)
        if not all(_is_int(i) for i in ids) or sorted(ids) != list(range(len(ids))):
            self.add(f"category ids must be 0..{len(ids) - 1} without gaps; found {_fmt(ids)}", warn_if_foreign=True)
        names = {_key(c.get("id")): str(c.get("name", "")).strip().lower() for c in self.categories}
        hand_ids = [i for i, n in names.items() if n == "hand"] or [i for i, n in names.items() if n == "mano"]
        if not hand_ids:
            self.add("no category named 'hand'")
            self.hand_id = None
            return
        self.hand_id = hand_ids[0]
        last = len(ids) - 1
        if self.hand_id != last:
            self.add(f"category 'hand' has id {self.hand_id}; it must be the last id ({last})", warn_if_foreign=True)

    def _image(self, img: Any) -> None:
        if not isinstance(img, dict):
            self.add("every image must be a JSON object")
            return
        iid = img.get("id")
        if isinstance(iid, str) and iid:
            self.add("image id must be an integer ≥ 1", "image", iid, warn_if_foreign=True)
        elif not _is_int(iid) or iid < 1:
            self.add("image id must be an integer ≥ 1", "image", iid)
        if _key(iid) in self.images:
            self.add("duplicate image id", "image", iid)
        self.images[_key(iid)] = img
        name = img.get("file_name")
        reason = outside_reason(name, bare=True)
        if reason is not None:  # the path rule's own words (glovego_data.paths), so every command says the same
            self.add(f"file_name '{name}' {reason}; it must name a file inside images/", "image", iid)
            name = None
        depth_file = img.get("depth_file")
        if depth_file is not None and outside_reason(depth_file) is not None:
            self.add(f"depth_file '{depth_file}' {outside_reason(depth_file)}; it must be a path inside the root",
                     "image", iid)
        w, h = img.get("width"), img.get("height")
        size_ok = _is_int(w) and _is_int(h) and w > 0 and h > 0
        if not size_ok:
            self.add("width and height must be positive integers", "image", iid)
        if self.root is None or name is None:
            return
        problem = image_file_problem(self.root, name, (w, h) if size_ok else None, decode=self.decode)
        if problem is not None:
            self.add(problem, "image", iid)
        info = self.raw.get("info")
        depth = info.get("ehoi", {}).get("depth") if isinstance(info, dict) and isinstance(info.get("ehoi"), dict) else None
        if depth and (name.startswith("camera_") or img.get("depth_file")):
            if not (self.root / "depth_maps" / f"map_{iid}.png").is_file():
                self.add(f"depth map missing: depth_maps/map_{iid}.png", "image", iid)

    # ----- annotations --------------------------------------------------------------------
    def _annotation(self, ann: dict[str, Any], ann_ids: Counter) -> None:
        aid = ann.get("id")

        def add(message: str, *, warn_if_foreign: bool = False) -> None:
            self.add(message, "annotation", aid, warn_if_foreign=warn_if_foreign)

        if aid == 0:
            add("annotation id must be an integer ≥ 1", warn_if_foreign=True)
        elif not _is_int(aid) or aid < 1:
            add("annotation id must be an integer ≥ 1")
        if ann_ids[_key(aid)] > 1:
            add("duplicate annotation id", warn_if_foreign=True)
        image = self.images.get(_key(ann.get("image_id")))
        if image is None:
            add(f"image_id {_fmt(ann.get('image_id'))} is not in images")
        cat = ann.get("category_id")
        if _key(cat) not in self.category_ids:
            add(f"category_id {_fmt(cat)} is not in categories")
        W, H = (image.get("width"), image.get("height")) if image else (None, None)
        have_size = _is_number(W) and _is_number(H)
        bbox = ann.get("bbox")
        bbox_ok = isinstance(bbox, list) and len(bbox) == 4 and all(_is_number(v) for v in bbox)
        if bbox_ok and have_size and not box_inside(bbox, W, H, BOX_TOLERANCE):
            near = box_inside(bbox, W, H, 1.0)
            add(f"bbox {_fmt(bbox)} must be [x, y, w, h] with w > 0 and h > 0 inside the {W}×{H} image",
                warn_if_foreign=near)
        elif not bbox_ok:
            add(f"bbox {_fmt(bbox)} must be [x, y, w, h] with w > 0 and h > 0 inside the {W}×{H} image")
        self._area(ann, add, W, H)
        self._keypoints(ann, add, W, H, is_hand=cat == self.hand_id)
        if cat == self.hand_id and self.hand_id is not None:
            self._hand(ann, add, image, bbox if bbox_ok else None)

    def _area(self, ann: dict[str, Any], add: Callable[..., None], W: Any, H: Any) -> None:
        if "area" not in ann:
            add("area missing", warn_if_foreign=True)
        elif not _is_number(ann["area"]) or ann["area"] <= 0:
            add(f"area {_fmt(ann['area'])} must be > 0")
        if ann.get("iscrowd", 0) != 0:
            add("iscrowd must be 0")
        seg = ann.get("segmentation")
        if isinstance(seg, list):
            for k, ring in enumerate(seg):
                n = len(ring) if isinstance(ring, list) else 0
                if n < 6 or n % 2:
                    add(f"segmentation polygon {k} has {n} coordinates; need an even number ≥ 6")
        elif isinstance(seg, dict):
            size = seg.get("size")
            if _is_number(W) and _is_number(H) and size != [H, W]:
                add(f"RLE size {_fmt(size)} differs from image size [{H}, {W}]")
                return
            try:
                rle = dict(seg)
                if isinstance(rle.get("counts"), list):
                    rle = mask_utils.frPyObjects(rle, *rle["size"])
                elif isinstance(rle.get("counts"), str):
                    rle["counts"] = rle["counts"].encode("ascii")
                count = int(mask_utils.area(rle))
            except Exception as error:  # pycocotools raises bare Exceptions on bad RLE
                add(f"RLE cannot be decoded ({error})")
                return
            if _is_number(ann.get("area")) and abs(ann["area"] - count) > 1e-3:
                add(f"area {_fmt(ann['area'])} differs from the mask pixel count {count}")

    def _keypoints(self, ann: dict[str, Any], add: Callable[..., None], W: Any, H: Any, *, is_hand: bool) -> None:
        kp = ann.get("keypoints", [])
        if kp is None:
            kp = []
        if not isinstance(kp, list) or len(kp) not in (0, 3 * NUM_KEYPOINTS):
            add(f"keypoints has {len(kp) if isinstance(kp, list) else 0} numbers; expected 63 (21 × x, y, v) or 0")
            kp = []
        if kp and not is_hand:
            add("keypoints on a non-hand annotation must be empty")
        visible = 0
        for k in range(len(kp) // 3):
            x, y, v = kp[3 * k : 3 * k + 3]
            name = KEYPOINT_NAMES[k]
            if v not in (0, 1, 2):
                add(f"keypoint {k} ({name}) has v = {_fmt(v)}; expected 0, 1 or 2")
                continue
            if v == 0:
                if x != 0 or y != 0:
                    add(f"keypoint {k} ({name}) has v = 0 but x, y = ({_fmt(x)}, {_fmt(y)}); expected (0, 0)")
                continue
            visible += 1
            if _is_number(W) and _is_number(H) and not (-0.5 <= x <= W - 0.5 and -0.5 <= y <= H - 0.5):
                add(f"keypoint {k} ({name}) at ({_fmt(x)}, {_fmt(y)}) lies outside the image")
        if "num_keypoints" not in ann:
            add(f"num_keypoints is missing but {visible} keypoints have v > 0", warn_if_foreign=True)
        elif ann["num_keypoints"] != visible:
            add(f"num_keypoints is {_fmt(ann['num_keypoints'])} but {visible} keypoints have v > 0")

    def _hand(self, ann: dict[str, Any], add: Callable[..., None], image: dict | None, bbox: list | None) -> None:
        """Rows 22–28 with the keys present: a reference file's hands lack `category_id_obj` (and
        EgoISM's more), which must not hide a dangling `id_obj` or a bad offset."""
        missing = [key for key in HAND_KEYS if key not in ann]
        for key in missing:
            add(f"missing hand key '{key}'", warn_if_foreign=True)
        for key in TRI_STATE_KEYS:
            if key in ann and ann[key] not in (-1, 0, 1):
                add(f"{key} {_fmt(ann[key])} must be -1, 0 or 1")
        id_obj = ann.get("id_obj")
        obj = None
        if "id_obj" in ann and id_obj != -1:
            target = self.annotations.get(_key(id_obj))
            if target is None:
                add(f"id_obj {_fmt(id_obj)} is not an annotation in this file")
            elif target.get("category_id") == self.hand_id:
                add(f"id_obj {_fmt(id_obj)} is a hand")
            elif target.get("image_id") != ann.get("image_id"):
                add(f"id_obj {_fmt(id_obj)} belongs to image {_fmt(target.get('image_id'))}, not {_fmt(ann.get('image_id'))}")
            else:
                obj = target
            if "contact_state" in ann and ann["contact_state"] != 1:
                add(f"id_obj {_fmt(id_obj)} set but contact_state is {_fmt(ann['contact_state'])}")
        if obj is not None:
            obox = obj.get("bbox")
            if "bbox_obj" in ann:
                bbox_obj = ann["bbox_obj"]
                if not (isinstance(bbox_obj, list) and isinstance(obox, list) and len(bbox_obj) == len(obox) == 4
                        and all(_is_number(a) and _is_number(b) and abs(a - b) <= BOX_TOLERANCE for a, b in zip(bbox_obj, obox))):
                    add(f"bbox_obj {_fmt(bbox_obj)} differs from the bbox {_fmt(obox)} of annotation {_fmt(id_obj)}")
            if "category_id_obj" in ann and ann["category_id_obj"] != obj.get("category_id"):
                add(f"category_id_obj {_fmt(ann['category_id_obj'])} differs from category "
                    f"{_fmt(obj.get('category_id'))} of annotation {_fmt(id_obj)}")
        elif id_obj == -1:
            if "bbox_obj" in ann and ann["bbox_obj"] != []:
                add("bbox_obj must be [] when id_obj is -1")
            if "category_id_obj" in ann and ann["category_id_obj"] != -1:
                add(f"category_id_obj {_fmt(ann['category_id_obj'])} must be -1 when id_obj is -1")
        if all(key in ann for key in ("dx", "dy", "magnitude")):
            self._offset(ann, add, image, bbox, obj, id_obj_known="id_obj" in ann)

    def _offset(self, ann: dict[str, Any], add: Callable[..., None], image: dict | None, bbox: list | None,
                obj: dict | None, *, id_obj_known: bool) -> None:
        dx, dy, m = ann["dx"], ann["dy"], ann["magnitude"]
        if not all(_is_number(v) for v in (dx, dy, m)):
            add(f"dx, dy, magnitude must be numbers; got ({_fmt(dx)}, {_fmt(dy)}, {_fmt(m)})")
            return
        if m > 2:
            add(f"magnitude {_fmt(m)} looks like pixels; v1 stores distance ÷ image diagonal", warn_if_foreign=True)
        if obj is None:
            if id_obj_known and (dx, dy, m) != (0, 0, 0):
                add("dx, dy, magnitude must be 0 without a resolved active object")
            return
        norm = math.hypot(dx, dy)
        if abs(norm - 1.0) > UNIT_TOLERANCE:
            add(f"dx, dy = ({_fmt(dx)}, {_fmt(dy)}) is not a unit vector (norm {norm:.6g})")
            return
        obox = obj.get("bbox")
        if bbox is None or image is None or not (isinstance(obox, list) and len(obox) == 4
                                                 and all(_is_number(v) for v in obox)):
            return  # a bad object box is its own annotation's row
        if not (_is_number(image.get("width")) and _is_number(image.get("height"))):
            return
        ex, ey, em = offset_between(bbox, obox, image["width"], image["height"])
        # the stored unit: this file's convention (info.ehoi.magnitude), or pixels in a foreign pixel file
        scale = image_diagonal(image["width"], image["height"]) / self.magnitude_diagonal(image["width"], image["height"])
        em *= scale
        if abs(dx - ex) > OFFSET_TOLERANCE or abs(dy - ey) > OFFSET_TOLERANCE or abs(m - em) > MAGNITUDE_TOLERANCE * scale:
            add(f"offset ({_fmt(dx)}, {_fmt(dy)}, {_fmt(m)}) does not match the box centres "
                f"(expected ({ex:.6f}, {ey:.6f}, {em:.6f}))", warn_if_foreign=True)

    def magnitude_diagonal(self, width: float, height: float) -> float:
        """The length one unit of stored `magnitude` stands for in this file."""
        if self.foreign:
            return 1.0 if self.pixel_magnitudes else image_diagonal(width, height)
        if self.magnitude_convention not in MAGNITUDE_CONVENTIONS:
            return image_diagonal(width, height)  # reported once by the format row
        return stored_magnitude_diagonal(self.magnitude_convention, width, height)


# ----- companions, roots and packages -------------------------------------------------------

def _hand_category_id(raw: dict[str, Any]) -> Any:
    names = {c.get("id"): str(c.get("name", "")).strip().lower() for c in _records(raw, "categories")}
    return next((i for i, n in names.items() if n == "hand"), next((i for i, n in names.items() if n == "mano"), None))


def _companion(main_name: str, main: dict[str, Any], comp_name: str, comp: dict[str, Any], hand_id: Any) -> list[Violation]:
    """Row 29. A foreign (EgoISM-style) companion may hold only `hand`, under another id: §11 matches
    the hand by name and takes the categories from the main file, so that is a warning, and its
    hands are compared with the main file's under the main file's hand id."""
    out: list[Violation] = []
    split = Path(main_name).name
    foreign = not is_v1(comp.get("info"))
    comp_hand = _hand_category_id(comp) if foreign else hand_id
    if comp.get("images") != main.get("images"):
        out.append(Violation(comp_name, f"images differ from {split}"))
    if comp.get("categories") != main.get("categories"):
        by_name = foreign and comp_hand is not None and hand_id is not None
        out.append(Violation(comp_name, f"categories differ from {split}" + (
            " (hand matched by name; categories taken from the main file)" if by_name else ""),
            severity="warning" if by_name else "error"))
    main_anns = {a.get("id"): a for a in _records(main, "annotations")}
    comp_anns = {a.get("id"): a for a in _records(comp, "annotations")}
    for aid, ann in comp_anns.items():
        if comp_hand is None or ann.get("category_id") != comp_hand:
            out.append(Violation(comp_name, "is not a hand", "annotation", aid))
        elif main_anns.get(aid) != dict(ann, category_id=hand_id):
            out.append(Violation(comp_name, f"differs from {split}", "annotation", aid))
    for aid, ann in main_anns.items():
        if ann.get("category_id") == hand_id and aid not in comp_anns:
            out.append(Violation(comp_name, f"hand of {split} is missing", "annotation", aid))
    return out


def _records(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The JSON objects of a top-level list; nothing when it is not a list (row 2 reports that)."""
    value = raw.get(key)
    return [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []


def read_raw(path: Path, name: str) -> tuple[dict[str, Any] | None, list[Violation]]:
    try:
        raw = json.loads(path.read_bytes())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        return None, [Violation(name, f"not valid JSON: {error}")]
    if not isinstance(raw, dict):
        return None, [Violation(name, "not valid JSON: the top level must be an object")]
    return raw, []


def validate_file(path: Path, *, name: str | None = None, root: Path | None = None, check_companion: bool = True,
                  decode: bool = False) -> list[Violation]:
    """Checklist rows 1–29 for one annotation file. `root` (the dataset root) enables the disk checks."""
    name = name or str(path)
    raw, out = read_raw(path, name)
    if raw is None:
        return out
    checker = _FileChecker(name, raw, root, decode=decode)
    out.extend(checker.run())
    is_companion = path.stem.endswith("_hands")
    if check_companion and not is_companion and root is not None:
        comp = companion_path(path)
        comp_name = str(Path(name).with_name(comp.name))
        if not comp.is_file():
            out.append(Violation(name, f"missing companion {comp.name}"))
        else:
            comp_raw, errors = read_raw(comp, comp_name)
            out.extend(errors)
            if comp_raw is not None and not checker.structural:
                out.extend(_FileChecker(comp_name, comp_raw, None).structure())
                out.extend(_companion(name, raw, comp_name, comp_raw, checker.hand_id))
    return out


def annotation_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "annotations").glob("*.json") if not p.stem.endswith("_hands"))


def validate_root(root: Path, *, prefix: str = "", decode: bool = False) -> list[Violation]:
    """Every `annotations/<split>.json` of a dataset root, with its companion and files on disk."""
    files = annotation_files(root)
    if not files:
        return [Violation(prefix + "annotations", "no annotation files (annotations/*.json)")]
    out: list[Violation] = []
    for path in files:
        out.extend(validate_file(path, name=prefix + f"annotations/{path.name}", root=root, decode=decode))
    return out


def validate_path(path: str | Path, *, decode: bool = False) -> list[Violation]:
    """Validate an annotation file or a dataset root; sorted violations. Packages (synth/, real/ and
    a MANIFEST) are the split layer's: `glovego_data.split.verify.validate_target`."""
    path = Path(path)
    if path.is_file():
        root = path.parent.parent if path.parent.name == "annotations" else None
        out = validate_file(path, root=root, decode=decode)
    elif path.is_dir() and (path / "annotations").is_dir():
        out = validate_root(path, decode=decode)
    else:
        out = [Violation(str(path), "not an annotation file or a dataset root (annotations/)")]
    return sorted(out, key=Violation.sort_key)
