"""Typed records of an EHOI-COCO v1 file: one dataclass per JSON object, fields in spec order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from glovego_data.ehoi_coco.constants import HAND_CATEGORY, HAND_CATEGORY_FALLBACK, NUM_KEYPOINTS
from glovego_data.ehoi_coco.geometry import offset_between
from glovego_data.errors import FormatError

ImageId = int | str


@dataclass
class Category:
    id: int
    name: str
    supercategory: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. hand `keypoints` names and `skeleton`


@dataclass
class Image:
    id: ImageId
    file_name: str
    width: int
    height: int
    video: str | None = None
    source: str | None = None
    depth_file: str | None = None
    solo: dict[str, Any] | None = None
    glove_edit: dict[str, Any] | None = None
    orig_id: ImageId | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def stem(self) -> str:
        return self.file_name.rsplit(".", 1)[0]


@dataclass
class Annotation:
    """One object or hand. Hand keys are None on objects and set (v1) on every hand."""

    id: int
    image_id: ImageId
    category_id: int
    bbox: list[float]
    area: float
    iscrowd: int = 0
    segmentation: list[list[float]] | dict[str, Any] | None = None
    keypoints: list[float] = field(default_factory=list)
    num_keypoints: int = 0
    keypoints_source: str | None = None
    instance_id: int | None = None
    hand_side: int | None = None
    contact_state: int | None = None
    gloves: int | None = None
    id_obj: int | None = None
    bbox_obj: list[float] | None = None
    category_id_obj: int | None = None
    dx: float | None = None
    dy: float | None = None
    magnitude: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def set_hand_defaults(self) -> None:
        """Give a hand the "unknown, no active object" state of ehoi-coco.md §5.3."""
        self.hand_side = -1 if self.hand_side is None else self.hand_side
        self.contact_state = -1 if self.contact_state is None else self.contact_state
        self.gloves = -1 if self.gloves is None else self.gloves
        self.clear_active_object()

    def clear_active_object(self) -> None:
        self.id_obj = -1
        self.bbox_obj = []
        self.category_id_obj = -1
        self.dx = 0.0
        self.dy = 0.0
        self.magnitude = 0.0

    def set_active_object(self, obj: "Annotation", width: float, height: float) -> None:
        """Point this hand at `obj`: id, box copy, category and the offset recomputed from the boxes."""
        self.id_obj = obj.id
        self.bbox_obj = list(obj.bbox)
        self.category_id_obj = obj.category_id
        self.dx, self.dy, self.magnitude = offset_between(self.bbox, obj.bbox, width, height)

    def count_keypoints(self) -> int:
        return sum(1 for v in self.keypoints[2::3] if v > 0)


def find_hand_category(categories: Iterable[Category]) -> Category | None:
    """The hand category by name: `hand`, else the reference fallback `mano`."""
    cats = list(categories)
    for wanted in (HAND_CATEGORY, HAND_CATEGORY_FALLBACK):
        for cat in cats:
            if cat.name.strip().lower() == wanted:
                return cat
    return None


@dataclass
class EhoiDataset:
    """A whole EHOI-COCO file in memory. Indexes are built on demand and rebuilt with `reindex()`."""

    images: list[Image]
    categories: list[Category]
    annotations: list[Annotation]
    info: dict[str, Any] = field(default_factory=dict)
    licenses: list[Any] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # repairs made while reading a foreign file
    foreign: bool = False  # read from a file without `info.ehoi`
    _index: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    # ----- indexes -------------------------------------------------------------------------
    def reindex(self) -> None:
        self._index.clear()

    def _cached(self, key: str, build) -> Any:
        if key not in self._index:
            self._index[key] = build()
        return self._index[key]

    @property
    def hand_category(self) -> Category:
        cat = find_hand_category(self.categories)
        if cat is None:
            raise FormatError("no category named 'hand'")
        return cat

    @property
    def hand_category_id(self) -> int:
        return self.hand_category.id

    @property
    def object_category_ids(self) -> list[int]:
        hand = self.hand_category_id
        return [c.id for c in self.categories if c.id != hand]

    def image_by_id(self) -> dict[ImageId, Image]:
        return self._cached("images", lambda: {img.id: img for img in self.images})

    def annotation_by_id(self) -> dict[int, Annotation]:
        """Last one wins on duplicates, as the reference's id_obj lookup does."""
        return self._cached("annotations", lambda: {ann.id: ann for ann in self.annotations})

    def category_by_id(self) -> dict[int, Category]:
        return self._cached("categories", lambda: {cat.id: cat for cat in self.categories})

    def annotations_by_image(self) -> dict[ImageId, list[Annotation]]:
        def build() -> dict[ImageId, list[Annotation]]:
            grouped: dict[ImageId, list[Annotation]] = {img.id: [] for img in self.images}
            for ann in self.annotations:
                grouped.setdefault(ann.image_id, []).append(ann)
            return grouped

        return self._cached("by_image", build)

    def is_hand(self, ann: Annotation) -> bool:
        return ann.category_id == self.hand_category_id

    def hands(self) -> Iterator[Annotation]:
        hand = self.hand_category_id
        return (ann for ann in self.annotations if ann.category_id == hand)

    def objects(self) -> Iterator[Annotation]:
        hand = self.hand_category_id
        return (ann for ann in self.annotations if ann.category_id != hand)

    def active_object(self, hand: Annotation) -> Annotation | None:
        """The annotation `id_obj` resolves to in the same image, or None (ehoi-metrics.md §2.1)."""
        if hand.id_obj is None or hand.id_obj < 0:
            return None
        obj = self.annotation_by_id().get(hand.id_obj)
        if obj is None or obj.image_id != hand.image_id or self.is_hand(obj):
            return None
        return obj

    # ----- derived datasets ------------------------------------------------------------------
    def subset(self, image_ids: Iterable[ImageId]) -> "EhoiDataset":
        """The same file restricted to some images (categories and info kept)."""
        keep = set(image_ids)
        return EhoiDataset(
            images=[img for img in self.images if img.id in keep],
            categories=list(self.categories),
            annotations=[ann for ann in self.annotations if ann.image_id in keep],
            info=self.info,
            licenses=list(self.licenses),
        )

    def hands_only(self) -> "EhoiDataset":
        """The `_hands.json` companion: same info, images and all categories; hand annotations only."""
        hand = self.hand_category_id
        return EhoiDataset(
            images=self.images,
            categories=self.categories,
            annotations=[ann for ann in self.annotations if ann.category_id == hand],
            info=self.info,
            licenses=self.licenses,
        )


def keypoint_triples(ann: Annotation) -> list[tuple[float, float, int]]:
    """The 21 (x, y, v) triples of a hand, or [] when it has none."""
    kp = ann.keypoints
    if len(kp) != 3 * NUM_KEYPOINTS:
        return []
    return [(kp[3 * i], kp[3 * i + 1], int(kp[3 * i + 2])) for i in range(NUM_KEYPOINTS)]
